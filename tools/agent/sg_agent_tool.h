/* stagegate-agent (tools/agent): the device agent for Linux. Private. */
#ifndef SG_AGENT_TOOL_H
#define SG_AGENT_TOOL_H

#include <stdio.h>

#include "stagegate/agent.h"

/* Exit codes (documented in --help and the README). */
enum {
  SG_EXIT_ACCEPTED = 0,
  SG_EXIT_USAGE = 1,
  SG_EXIT_IO = 2,
  SG_EXIT_REJECTED = 3,
  SG_EXIT_WAITING = 4,
};

typedef struct {
  int json;
  FILE *out;
} sg_report;

/* One fed symbol's outcome: progress while waiting, or a decision. */
void sg_report_feed(const sg_report *r, const char *source, int code, const sg_feed_result *res);
/* An input that yielded no symbol (unreadable image, no barcode, ...). */
void sg_report_input_error(const sg_report *r, const char *source, int code);
/* The trust state, the anchor's details, floors. */
int sg_report_status(const sg_report *r, const sg_agent *agent);
/* How this device detects a restored older trust slot, for `status`:
 * "TPM NV counter 0x01005347" with --tpm (main.c knows the device), NULL
 * without: then the block device's own word (sg_status) is reported. */
const char *sg_rollback_protection(void);
/* `s` as a JSON string (quotes included). */
/* `s` as a JSON string (quotes included), escaped (sg_posix_escape_json). */
void sg_report_json_str(FILE *f, const char *s);
/* `s` escaped for a terminal into buf (sg_posix_escape_text); returns buf. */
const char *sg_report_text(char *buf, size_t cap, const char *s);

#endif
