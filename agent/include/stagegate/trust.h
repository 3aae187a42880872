/*
 * stagegate — trust states and anchor modes (DESIGN.md "Trust policy").
 * Values are hardened: far from 0 and from each other, so a corrupted or
 * zeroed variable is never mistaken for a valid state.
 */
#ifndef STAGEGATE_TRUST_H
#define STAGEGATE_TRUST_H

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
  SG_STATE_UNTRUSTED = 0x5A0F, /* factory: unsigned profiles accepted */
  SG_STATE_TRUSTED = 0x3C96,   /* an anchor is deployed */
  SG_STATE_LOCKED = 0x0FF0,    /* trust slot unreadable or rolled back: refuse everything */
} sg_trust_state;

typedef enum {
  SG_ANCHOR_NONE = 0,
  SG_ANCHOR_PINNED = 0x6E11, /* signer must be exactly the anchor certificate */
  SG_ANCHOR_CA = 0x6EC4,     /* signers must chain to the anchor */
} sg_anchor_mode;

const char *sg_trust_state_name(sg_trust_state s); /* "UNTRUSTED", ... */
const char *sg_anchor_mode_name(sg_anchor_mode m); /* "pinned", "ca", "none" */

#ifdef __cplusplus
}
#endif
#endif /* STAGEGATE_TRUST_H */
