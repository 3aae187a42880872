/* The profile vectors' manifest as a C table (cmake/Manifest.cmake). */
#ifndef SG_MANIFEST_H
#define SG_MANIFEST_H

#include <stdint.h>

typedef struct {
  int64_t clock;
  uint64_t build_time;
  const char *model;
  const char *serial;
} sg_manifest_defaults;

typedef struct {
  const char *feed;  /* file in test-vectors/profiles; .chunks = one symbol per line */
  int64_t clock;     /* -1: keep the clock as it is */
  int expect;        /* answer to the last symbol */
  int state;         /* sg_trust_state after the step; 0 = not checked */
} sg_manifest_step;

typedef struct {
  const char *name;
  unsigned first;
  unsigned count;
  const char *recovery; /* recovery certificate (DER file in profiles/), or NULL */
} sg_manifest_scenario;

extern const sg_manifest_defaults sg_manifest_defaults_v;
extern const sg_manifest_step sg_manifest_steps[];
extern const sg_manifest_scenario sg_manifest_scenarios[];
extern const unsigned sg_manifest_scenario_count;

#endif
