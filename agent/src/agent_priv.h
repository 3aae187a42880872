/* Private to libstagegate: what agent.c and policy.c share. */
#ifndef SG_AGENT_PRIV_H
#define SG_AGENT_PRIV_H

#include "stagegate/agent.h"

#define SG_AGENT_READY 0x5A6E7421u

/* max(platform clock, time floor, build time) — never goes backwards. */
int64_t sg_agent_effective_time(const sg_agent *a);

/* Persist a->trust (one slot write). On failure the persisted record is
 * reloaded, so memory never claims a state the flash does not hold. */
int sg_agent_commit(sg_agent *a);

/* Reload a->trust from storage (after a failed change in memory). */
int sg_agent_reload(sg_agent *a);

/* Persist a->trust whatever the slot holds (RecoverTrust only; see
 * sg_trustslot_store_recovery). Reloads on failure, like sg_agent_commit. */
int sg_agent_commit_recovery(sg_agent *a);

/* Re-derive what is cached from a->trust (the anchor's hash). */
int sg_agent_trust_changed(sg_agent *a);

/*
 * The anchor certificate parsed, kept between decisions so its key (and,
 * for RSA, mbedTLS' cached Montgomery constant) is not rebuilt for every
 * profile. Parsed on first use from the pool; NULL when the device is not
 * TRUSTED or memory is short (the caller then parses a temporary copy).
 * Dropped by sg_agent_trust_changed and sg_agent_free.
 */
struct mbedtls_x509_crt *sg_agent_anchor(sg_agent *a);

/* Activate a pending rotation whose time has come (commits). */
int sg_agent_activate_due(sg_agent *a, int64_t eff);

/*
 * Decide on one complete profile text: verify, check, run handlers and
 * commit. Fills `res` (name, seq) and `ev` (name, seq, signer).
 * Returns SG_ACCEPTED or the reason for rejection.
 */
int sg_policy_decide(sg_agent *a, const uint8_t *text, size_t len, sg_feed_result *res,
                     sg_event *ev);

#endif
