/*
 * A device in memory, for the signer's preflight (host tools only, never
 * installed). The signed text is fed to a real sg_agent -- the library's
 * own chunk, envelope, policy and handler-transaction code, built against
 * the tools mbedTLS -- running on the NOR-flash emulator (platform/sim)
 * with its trust slot prepared in the state to test: a factory device, or
 * one trusted with a given anchor. So preflight answers what a device
 * answers instead of restating its rules.
 *
 * What the simulated device cannot know is stated, not guessed: the
 * firmware's handlers (each CSP the profile names gets a handler that
 * accepts anything; a real device may still refuse its arguments), its
 * clock (the signer's), its floors (none: no profile scanned before) and
 * a recovery certificate (the one given, or none).
 */
#ifndef SG_DEVICE_H
#define SG_DEVICE_H

#include <stddef.h>
#include <stdint.h>

#include "stagegate/trust.h"

typedef struct {
  sg_trust_state state;          /* SG_STATE_UNTRUSTED (factory) or SG_STATE_TRUSTED */
  sg_anchor_mode mode;           /* TRUSTED: the anchor's mode */
  const uint8_t *anchor;         /* TRUSTED: the anchor certificate (DER) */
  size_t anchor_len;
  const uint8_t *recovery_cert;  /* the firmware's recovery certificate (DER), or NULL */
  size_t recovery_cert_len;
  int64_t now;                   /* the device clock, Unix seconds */
  const char *model, *serial;    /* the device's identity; NULL matches no "target" */
  const char *const *csps;       /* CSPs the firmware handles (accepting anything) */
  size_t n_csps;
} sg_device_setup;

typedef struct {
  int code;         /* SG_ACCEPTED or the device's sg_err */
  char detail[64];  /* the device's detail (e.g. "no handler for CSP ..."), or "" */
} sg_device_answer;

/*
 * Feed text[0..len) (JWS or bare JSON, one whole profile) to a device set
 * up as `setup` says, and report its answer. Returns SG_EXIT_OK when the
 * device answered (whatever it answered), or SG_EXIT_FAIL with a message
 * (sg_fail) when the device could not be set up (out of memory, more CSPs
 * than a device has handlers, a trust slot the library refuses to hold).
 */
int sg_device_decide(const sg_device_setup *setup, const uint8_t *text, size_t len,
                     sg_device_answer *answer);

#endif
