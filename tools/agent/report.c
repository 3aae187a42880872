/* What stagegate-agent prints: for people (default) or as JSON lines. */
#include <string.h>

#include "mbedtls/x509_crt.h"
#include "sg_agent_tool.h"
#include "sg_crypto.h"
#include "sg_posix.h"

/* Everything printed that came from outside (profile and CSP names,
 * file names, certificate subjects) goes through one of these two: a
 * control character in a profile must not reach the operator's terminal
 * or break a JSON line (issue 9, defect 12). */
void sg_report_json_str(FILE *f, const char *s) {
  char buf[1024];
  (void)sg_posix_escape_json(buf, sizeof buf, s);
  fprintf(f, "\"%s\"", buf);
}

const char *sg_report_text(char *buf, size_t cap, const char *s) {
  (void)sg_posix_escape_text(buf, cap, s);
  return buf;
}

void sg_report_feed(const sg_report *r, const char *source, int code, const sg_feed_result *res) {
  if (code == SG_NEED_MORE) {
    if (r->json) {
      fprintf(r->out, "{\"event\":\"progress\",\"have\":%u,\"total\":%u,\"restarted\":%s}\n", res->have,
              res->total, res->restarted ? "true" : "false");
    } else {
      char src[1024];
      (void)sg_report_text(src, sizeof src, source);
      if (res->restarted) {
        fprintf(r->out, "%s: barcode of another profile: the partial scan was dropped\n", src);
      }
      if (res->have < res->total) {
        fprintf(r->out, "%s: %u of %u scanned, waiting for %u\n", src, res->have, res->total,
                res->total - res->have);
      }
    }
    return;
  }
  if (r->json) {
    fprintf(r->out, "{\"event\":\"decision\",\"result\":\"%s\",\"code\":%d,\"message\":",
            sg_strerror_name(code), code);
    sg_report_json_str(r->out, sg_strerror(code));
    fputs(",\"profile\":", r->out);
    sg_report_json_str(r->out, res->profile_name);
    if (res->has_seq) {
      fprintf(r->out, ",\"seq\":%llu", (unsigned long long)res->seq);
    }
    fprintf(r->out, ",\"encrypted\":%s", res->encrypted ? "true" : "false");
    if (res->detail[0] != '\0') {
      fputs(",\"detail\":", r->out);
      sg_report_json_str(r->out, res->detail);
    }
    fprintf(r->out, ",\"trust_changed\":%s}\n", res->trust_changed ? "true" : "false");
    return;
  }
  char name[512], detail[512];
  (void)sg_report_text(name, sizeof name, res->profile_name[0] != '\0' ? res->profile_name : "(unnamed)");
  (void)sg_report_text(detail, sizeof detail, res->detail);
  if (code == SG_ACCEPTED) {
    fprintf(r->out, "ACCEPTED  \"%s\"", name);
  } else {
    fprintf(r->out, "REJECTED  \"%s\": %s (%s)", name, sg_strerror(code), sg_strerror_name(code));
  }
  if (detail[0] != '\0') {
    fprintf(r->out, ": %s", detail);
  }
  if (res->has_seq) {
    fprintf(r->out, ", seq %llu", (unsigned long long)res->seq);
  }
  if (res->encrypted) {
    fputs(", was encrypted", r->out);
  }
  fputs(res->trust_changed ? ", trust state changed\n" : "\n", r->out);
}

void sg_report_input_error(const sg_report *r, const char *source, int code) {
  if (r->json) {
    fputs("{\"event\":\"input_error\",\"source\":", r->out);
    sg_report_json_str(r->out, source);
    fprintf(r->out, ",\"result\":\"%s\",\"code\":%d}\n", sg_strerror_name(code), code);
  } else {
    char src[1024];
    fprintf(r->out, "%s: %s (%s)\n", sg_report_text(src, sizeof src, source), sg_strerror(code),
            sg_strerror_name(code));
  }
}

static void sg_hex(char *out, const uint8_t *b, size_t n) {
  static const char h[] = "0123456789ABCDEF";
  for (size_t i = 0; i < n; i++) {
    out[3 * i] = h[b[i] >> 4];
    out[3 * i + 1] = h[b[i] & 15];
    out[3 * i + 2] = i + 1 < n ? ':' : '\0';
  }
}

static void sg_time_str(char *out, size_t cap, const mbedtls_x509_time *t) {
  snprintf(out, cap, "%04d-%02d-%02d %02d:%02d:%02d UTC", t->year, t->mon, t->day, t->hour, t->min,
           t->sec);
}


/* ---- anchor expiry warning (issue 9, defect 9) ---------------------------
 * From SG_ANCHOR_EXPIRY_WARNING (30 days) before the anchor's notAfter:
 * after it only TurnOff and Rotate signed by the anchor's own key are
 * accepted, so the deployer must rotate now. NULL when there is nothing
 * to say. */
static const char *sg_anchor_expiry_warning(const sg_status *st, char *buf, size_t n) {
  if (st->state != SG_STATE_TRUSTED || st->anchor_not_after <= 0) {
    return NULL;
  }
  const long long left = (long long)st->anchor_not_after - (long long)st->effective_time;
  if (left < 0) {
    snprintf(buf, n, "anchor certificate expired: only a TurnOff or Rotate signed by its key "
                     "is accepted; rotate to a new certificate");
  } else if (left <= SG_ANCHOR_EXPIRY_WARNING) {
    snprintf(buf, n, "anchor certificate expires in %lld days: rotate to a new certificate "
                     "before then", left / 86400);
  } else {
    return NULL;
  }
  return buf;
}

int sg_report_status(const sg_report *r, const sg_agent *agent) {
  char warn_buf[160];
  sg_status st;
  mbedtls_x509_crt crt;
  char subject[256] = "", issuer[256] = "", from[32] = "", to[32] = "", fp[96] = "";
  long long days = 0;
  int have_cert = 0;
  if (sg_agent_status(agent, &st) != SG_OK) {
    return SG_EXIT_IO;
  }
  mbedtls_x509_crt_init(&crt);
  if (st.anchor != NULL && mbedtls_x509_crt_parse_der(&crt, st.anchor, st.anchor_len) == 0) {
    have_cert = 1;
    (void)mbedtls_x509_dn_gets(subject, sizeof subject, &crt.subject);
    (void)mbedtls_x509_dn_gets(issuer, sizeof issuer, &crt.issuer);
    sg_time_str(from, sizeof from, &crt.valid_from);
    sg_time_str(to, sizeof to, &crt.valid_to);
    days = (sg_x509_time_to_unix(&crt.valid_to) - (long long)st.effective_time) / 86400;
    sg_hex(fp, st.anchor_sha256, 32);
  }
  const char *state = sg_trust_state_name(st.state);
  /* The TPM counter when --tpm is in use; else what the port says of itself. */
  const char *rollback = sg_rollback_protection();
  if (rollback == NULL) {
    rollback = st.rollback_protection != NULL ? st.rollback_protection : "none";
  }
  const char *warning = sg_anchor_expiry_warning(&st, warn_buf, sizeof warn_buf);
  if (r->json) {
    fprintf(r->out, "{\"state\":\"%s\",\"mode\":\"%s\",\"seq_floor\":%llu,\"time_floor\":%llu,"
                    "\"effective_time\":%lld",
            state, sg_anchor_mode_name(st.mode), (unsigned long long)st.seq_floor,
            (unsigned long long)st.time_floor, (long long)st.effective_time);
    fputs(",\"rollback_protection\":", r->out);
    sg_report_json_str(r->out, rollback);
    if (have_cert) {
      fputs(",\"anchor\":{\"subject\":", r->out);
      sg_report_json_str(r->out, subject);
      fputs(",\"issuer\":", r->out);
      sg_report_json_str(r->out, issuer);
      fprintf(r->out, ",\"not_before\":\"%s\",\"not_after\":\"%s\",\"days_left\":%lld,"
                      "\"key\":\"%s\",\"key_bits\":%u,\"sha256\":\"%s\"}",
              from, to, days, mbedtls_pk_get_name(&crt.pk), (unsigned)mbedtls_pk_get_bitlen(&crt.pk), fp);
    }
    if (st.pending != NULL) {
      fprintf(r->out, ",\"pending\":{\"mode\":\"%s\",\"activate_at\":%llu}",
              sg_anchor_mode_name(st.pending_mode), (unsigned long long)st.activate_at);
    }
    if (warning != NULL) {
      fputs(",\"warning\":", r->out);
      sg_report_json_str(r->out, warning);
    }
    fputs("}\n", r->out);
  } else {
    fprintf(r->out, "trust state:   %s\n", state);
    if (have_cert) {
      char esc[1024];
      fprintf(r->out, "anchor (%s):  %s\n", sg_anchor_mode_name(st.mode), sg_report_text(esc, sizeof esc, subject));
      fprintf(r->out, "  issuer:      %s\n", sg_report_text(esc, sizeof esc, issuer));
      fprintf(r->out, "  valid:       %s .. %s (%lld days left)\n", from, to, days);
      fprintf(r->out, "  key:         %s, %u bits\n", mbedtls_pk_get_name(&crt.pk),
              (unsigned)mbedtls_pk_get_bitlen(&crt.pk));
      fprintf(r->out, "  SHA-256:     %s\n", fp);
    }
    if (st.pending != NULL) {
      fprintf(r->out, "rotation:      pending (%s), activates at %llu\n",
              sg_anchor_mode_name(st.pending_mode), (unsigned long long)st.activate_at);
    }
    fprintf(r->out, "replay floor:  seq >= %llu\n", (unsigned long long)st.seq_floor);
    fprintf(r->out, "time floor:    %llu (effective time %lld)\n", (unsigned long long)st.time_floor,
            (long long)st.effective_time);
    char rb[256];
    fprintf(r->out, "rollback protection: %s\n", sg_report_text(rb, sizeof rb, rollback));
    if (warning != NULL) {
      fprintf(r->out, "WARNING:       %s\n", warning);
    }
  }
  mbedtls_x509_crt_free(&crt);
  return SG_EXIT_ACCEPTED;
}
