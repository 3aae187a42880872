/*
 * A device in memory (sg_device.h): a real sg_agent on the NOR-flash
 * emulator, its trust slot written in the state to test through the
 * library's own trust-slot code, fed one whole profile.
 */
#include <stdlib.h>
#include <string.h>

#include "sg_device.h"
#include "sg_flash_sim.h"
#include "sg_sign.h"
#include "stagegate/agent.h"
#include "trustslot.h" /* the library's trust slot (private header of the core) */

#define SG_DEVICE_SECTOR 4096u

/* The firmware's handlers as far as the signer can know them: any CSP the
 * profile names is handled and accepts whatever it is given. */
static int sg_device_accept(void *ctx, const struct cJSON *action) {
  (void)ctx;
  (void)action;
  return 0;
}

static int64_t sg_device_clock(void *ctx) { return *(const int64_t *)ctx; }

/* Write the trust record the setup describes (nothing for a factory device). */
static int sg_device_prepare(const sg_device_setup *s, const sg_blockdev *bd) {
  if (s->state == SG_STATE_UNTRUSTED) {
    return SG_EXIT_OK; /* erased flash is a factory part */
  }
  if (s->state != SG_STATE_TRUSTED || s->anchor == NULL || s->anchor_len == 0 ||
      s->anchor_len > SG_MAX_CERT) {
    return sg_fail("preflight: no anchor certificate of at most %u bytes to trust",
                   (unsigned)SG_MAX_CERT);
  }
  sg_trust_record *rec = malloc(sizeof *rec);
  if (rec == NULL) {
    return sg_fail("out of memory");
  }
  sg_trust_record_factory(rec);
  rec->state = SG_STATE_TRUSTED;
  rec->mode = s->mode;
  memcpy(rec->anchor, s->anchor, s->anchor_len);
  rec->anchor_len = (uint32_t)s->anchor_len;
  const int rc = sg_trustslot_store(bd, rec);
  free(rec);
  return rc == SG_OK ? SG_EXIT_OK
                     : sg_fail("preflight: a device cannot hold this anchor: %s (%s)",
                               sg_strerror_name(rc), sg_strerror(rc));
}

int sg_device_decide(const sg_device_setup *s, const uint8_t *text, size_t len,
                     sg_device_answer *answer) {
  int ret = SG_EXIT_FAIL;
  answer->code = SG_ERR_INTERNAL;
  answer->detail[0] = '\0';
  if (s->n_csps > SG_MAX_HANDLERS) {
    return sg_fail("preflight: the profile names %zu CSPs; a device has at most %u handlers",
                   s->n_csps, (unsigned)SG_MAX_HANDLERS);
  }
  const size_t footprint = sg_trustslot_footprint(SG_DEVICE_SECTOR);
  uint32_t sectors = (uint32_t)(footprint / SG_DEVICE_SECTOR);
  sectors += sectors % 2u;
  sg_action_handler handlers[SG_MAX_HANDLERS];
  for (size_t i = 0; i < s->n_csps; i++) {
    handlers[i] = (sg_action_handler){s->csps[i], NULL, sg_device_accept, sg_device_accept,
                                      sg_device_accept};
  }
  int64_t now = s->now;
  const sg_clock clock = {&now, sg_device_clock};
  const sg_identity identity = {s->model, s->serial};
  sg_flash_sim sim;
  sg_blockdev bd;
  uint8_t *mem = malloc((size_t)sectors * SG_DEVICE_SECTOR);
  sg_agent *agent = calloc(1, sizeof *agent);
  if (mem == NULL || agent == NULL ||
      sg_flash_sim_init(&sim, mem, (size_t)sectors * SG_DEVICE_SECTOR, SG_DEVICE_SECTOR, sectors,
                        4, 0) != 0) {
    ret = sg_fail("out of memory");
    goto out;
  }
  sg_flash_sim_blockdev(&sim, &bd);
  if ((ret = sg_device_prepare(s, &bd)) != SG_EXIT_OK) {
    goto out;
  }
  const sg_agent_config cfg = {
      .storage = &bd,
      .clock = &clock,
      .identity = s->model != NULL || s->serial != NULL ? &identity : NULL,
      .handlers = s->n_csps > 0 ? handlers : NULL,
      .handler_count = s->n_csps,
      .recovery_cert = s->recovery_cert,
      .recovery_cert_len = s->recovery_cert != NULL ? s->recovery_cert_len : 0,
  };
  const int rc = sg_agent_init(agent, &cfg);
  if (rc != SG_OK) {
    ret = sg_fail("preflight: the device library refused its set-up: %s (%s)",
                  sg_strerror_name(rc), sg_strerror(rc));
    goto out;
  }
  sg_feed_result res;
  answer->code = sg_agent_feed(agent, text, len, &res);
  memcpy(answer->detail, res.detail, sizeof answer->detail);
  answer->detail[sizeof answer->detail - 1] = '\0';
  sg_agent_free(agent);
  ret = SG_EXIT_OK;
out:
  free(agent);
  free(mem);
  return ret;
}
