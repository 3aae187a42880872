#define _POSIX_C_SOURCE 200809L
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "sg_posix.h"

/* Append `s` as a JSON string (quotes included) to buf at *n. The escaper
 * stops before a piece that would not fit, so the line stays valid JSON
 * whatever the text (invalid UTF-8 and control characters included). */
static void sg_json_put_str(char *buf, size_t cap, size_t *n, const char *s) {
  if (*n + 2 >= cap) {
    return;
  }
  buf[(*n)++] = '"';
  *n += sg_posix_escape_json(buf + *n, cap - *n - 1, s);
  buf[(*n)++] = '"';
}

static void sg_event_log_emit(void *ctx, const sg_event *ev) {
  sg_posix_event_log *log = ctx;
  char line[1024];
  size_t n = 0;
  int w = 0;
  if (log->fd < 0) {
    return;
  }
  line[n++] = '{';
  if (log->clock != NULL) {
    w = snprintf(line + n, sizeof line - n, "\"time\":%lld,", (long long)log->clock->now(log->clock->ctx));
    n += w > 0 ? (size_t)w : 0;
  }
  w = snprintf(line + n, sizeof line - n, "\"result\":\"%s\",\"code\":%d,\"profile\":",
               sg_strerror_name(ev->result), ev->result);
  n += w > 0 ? (size_t)w : 0;
  sg_json_put_str(line, sizeof line - 96, &n, ev->profile_name != NULL ? ev->profile_name : "");
  if (ev->has_seq) {
    w = snprintf(line + n, sizeof line - n, ",\"seq\":%llu", (unsigned long long)ev->seq);
    n += w > 0 ? (size_t)w : 0;
  }
  if (ev->has_signer) {
    memcpy(line + n, ",\"signer\":\"", 11);
    n += 11;
    for (size_t i = 0; i < 32; i++) {
      w = snprintf(line + n, 3, "%02x", ev->signer_sha256[i]);
      n += 2;
    }
    line[n++] = '"';
  }
  memcpy(line + n, ",\"detail\":", 10);
  n += 10;
  sg_json_put_str(line, sizeof line - 4, &n, ev->detail != NULL ? ev->detail : "");
  line[n++] = '}';
  line[n++] = '\n';
  (void)!write(log->fd, line, n);
}

int sg_posix_event_log_open(sg_posix_event_log *log, const char *path, const sg_clock *clock) {
  log->clock = clock;
  log->fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  return log->fd >= 0 ? SG_OK : SG_ERR_STORAGE;
}

void sg_posix_event_log_sink(sg_posix_event_log *log, sg_event_sink *out) {
  out->ctx = log;
  out->emit = sg_event_log_emit;
}

void sg_posix_event_log_close(sg_posix_event_log *log) {
  if (log->fd >= 0) {
    (void)close(log->fd);
  }
  log->fd = -1;
}
