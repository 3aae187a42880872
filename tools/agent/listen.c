/*
 * stagegate-agent listen --serial DEV: the long-running mode for a serial
 * scan engine (see sg_agent_session.h).
 *
 * SIGINT and SIGTERM stay blocked for the whole run and are let through
 * only inside the tty backend's wait (ppoll with the signals unblocked), so
 * they can never land while sg_agent_feed writes the trust slot; a signal
 * sets a flag that ends the loop before the next symbol is read.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sg_agent_session.h"
#include "sg_scan_tty.h"

static volatile sig_atomic_t sg_listen_stop;

static void sg_listen_on_signal(int sig) { sg_listen_stop = sig; }

static const char sg_listen_usage[] =
    "usage: stagegate-agent --state DIR [options] listen --serial DEV [--terminator any|cr|lf|crlf]\n"
    "                       [--timeout MS] [--baud N]\n";

static int sg_listen_uint(const char *s, unsigned max, unsigned *out) {
  char *end = NULL;
  errno = 0;
  const unsigned long v = strtoul(s, &end, 10);
  if (errno != 0 || end == s || *end != '\0' || s[0] == '-' || v > max) {
    return 0;
  }
  *out = (unsigned)v;
  return 1;
}

static void sg_listen_progress(const sg_report *r, const char *dev, const sg_partial *p,
                               const sg_feed_result *res) {
  char missing[128];
  sg_partial_missing(p, missing, sizeof missing);
  if (r->json) {
    fprintf(r->out, "{\"event\":\"progress\",\"have\":%u,\"total\":%u,\"missing\":[%s],\"restarted\":%s}\n",
            res->have, res->total, missing, res->restarted ? "true" : "false");
    return;
  }
  if (res->restarted) {
    fprintf(r->out, "%s: barcode of another profile: the partial scan was dropped\n", dev);
  }
  fprintf(r->out, "%s: %u of %u scanned, missing: %s\n", dev, res->have, res->total, missing);
}

int sg_cmd_listen(sg_agent *agent, sg_partial *partial, int argc, char **argv, const sg_report *r) {
  static uint8_t buf[SG_MAX_PROFILE];
  const char *dev = NULL;
  sg_line_term term = SG_LINE_ANY;
  const char *term_name = "any";
  unsigned timeout_ms = 0, baud = 0;
  for (int i = 0; i < argc; i += 2) {
    const char *v = i + 1 < argc ? argv[i + 1] : NULL;
    const int ok = v != NULL && (strcmp(argv[i], "--serial") == 0    ? (dev = v, 1)
                                 : strcmp(argv[i], "--terminator") == 0 ? (term_name = v, sg_line_term_parse(v, &term))
                                 : strcmp(argv[i], "--timeout") == 0    ? sg_listen_uint(v, 600000, &timeout_ms)
                                 : strcmp(argv[i], "--baud") == 0       ? sg_listen_uint(v, 4000000, &baud)
                                                                        : 0);
    if (!ok) {
      fprintf(stderr, "stagegate-agent: listen: bad argument %s%s%s\n%s", argv[i], v ? " " : "",
              v ? v : "", sg_listen_usage);
      return SG_EXIT_USAGE;
    }
  }
  if (dev == NULL) {
    fputs(sg_listen_usage, stderr);
    return SG_EXIT_USAGE;
  }
  /* Signals: blocked from here on, except while waiting for bytes. */
  sigset_t stop_set, old_mask, wait_mask;
  sigemptyset(&stop_set);
  sigaddset(&stop_set, SIGINT);
  sigaddset(&stop_set, SIGTERM);
  sigprocmask(SIG_BLOCK, &stop_set, &old_mask);
  wait_mask = old_mask;
  sigdelset(&wait_mask, SIGINT);
  sigdelset(&wait_mask, SIGTERM);
  struct sigaction sa, old_int, old_term;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = sg_listen_on_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0; /* no SA_RESTART: the wait returns */
  sigaction(SIGINT, &sa, &old_int);
  sigaction(SIGTERM, &sa, &old_term);
  sg_listen_stop = 0;

  static sg_scan_tty tty;
  int ret = sg_scan_tty_open(&tty, dev, baud, buf, sizeof buf, term, timeout_ms);
  int status = SG_EXIT_ACCEPTED;
  if (ret != SG_OK) {
    fprintf(stderr, "stagegate-agent: listen: cannot use %s as a serial scanner: %s%s%s\n", dev,
            ret == SG_ERR_ARG ? "unsupported --baud" : strerror(errno),
            ret == SG_ERR_ARG ? "" : " ", ret == SG_ERR_ARG ? "" : sg_strerror_name(ret));
    status = ret == SG_ERR_ARG ? SG_EXIT_USAGE : SG_EXIT_IO;
  } else {
    sg_scan_tty_set_stop(&tty, &sg_listen_stop, &wait_mask);
    sg_scanner inner, sc;
    sg_scan_tty_scanner(&tty, &inner);
    sg_tap tap;
    sg_tap_init(&tap, &inner, NULL, r, dev, &sc);
    if (r->json) {
      fputs("{\"event\":\"listening\",\"device\":", r->out);
      sg_report_json_str(r->out, dev);
      fprintf(r->out, ",\"terminator\":\"%s\",\"timeout_ms\":%u}\n", term_name, timeout_ms);
    } else {
      fprintf(r->out, "listening on %s (terminator %s, timeout %u ms): scan the profile's barcodes\n",
              dev, term_name, timeout_ms);
    }
    fflush(r->out);
    for (;;) {
      sg_feed_result res;
      ret = sg_agent_scan(agent, &sc, &res);
      if (ret == SG_ERR_SCAN_END) {
        break;
      }
      if (ret == SG_NEED_MORE || ret == SG_ACCEPTED || ret > -100) {
        sg_partial_track(partial, tap.sym, tap.len, ret, &res);
        if (ret == SG_NEED_MORE) {
          sg_listen_progress(r, dev, partial, &res);
        } else {
          sg_report_feed(r, dev, ret, &res);
        }
      } else {
        sg_report_input_error(r, dev, ret); /* too long, or a read error */
        if (ret == SG_ERR_SCAN_IO) {
          status = SG_EXIT_IO;
        }
      }
      fflush(r->out);
    }
    const char *why = sg_listen_stop == SIGINT ? "SIGINT" : sg_listen_stop == SIGTERM ? "SIGTERM"
                                                                                      : "end of input";
    if (r->json) {
      fprintf(r->out, "{\"event\":\"stopped\",\"reason\":\"%s\",\"dropped\":%u}\n", why, partial->count);
    } else {
      fprintf(r->out, "stopped (%s)", why);
      if (partial->count != 0) {
        fprintf(r->out, ": the partial scan (%u of %u) is dropped", partial->count, partial->total);
      }
      fputs("\n", r->out);
    }
    fflush(r->out);
    sg_scan_tty_close(&tty);
  }
  sigaction(SIGINT, &old_int, NULL);
  sigaction(SIGTERM, &old_term, NULL);
  sigprocmask(SIG_SETMASK, &old_mask, NULL);
  return status;
}
