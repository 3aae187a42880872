/*
 * The decision table (decisions.data) against the pure decision
 * (policy.h): no flash, no agent, no handler. Each row builds a trust
 * record, decides one input at one clock for one identity, and compares
 * the code and the next record; every row runs twice, with the anchor
 * parsed per decision and with it cached (the agent's fast path), and
 * both verdicts must agree byte for byte. At the end every reason the
 * decision can give must have appeared in some row.
 *
 * The .data file and the vectors are embedded (cmake/Embed.cmake), so the
 * same runner works on Linux and on the Cortex-M4 under QEMU.
 */
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "policy.h"
#include "sg_blob.h"
#include "sg_crypto_api.h"
#include "sg_test.h"

extern const sg_blob sg_vectors[];
extern const unsigned sg_vectors_count;

#define SG_BUILD_TIME 1700000000
#define SG_MAX_FIELDS 12
#define SG_FIELD_MAX 1024

/* Reason names -> codes, from the one error table. */
typedef struct {
  const char *name;
  int code;
  unsigned seen;
} sg_code_name;

static sg_code_name codes[] = {
#define SG_X_NAME(name, value, msg) {#name, value, 0},
    SG_ERROR_TABLE(SG_X_NAME)
#undef SG_X_NAME
    {"SG_ACCEPTED", SG_ACCEPTED, 0},
};
#define SG_NCODES (sizeof codes / sizeof codes[0])

/*
 * Every result the decision can give. Not here, and why:
 *  SG_ERR_NO_MEMORY    out of memory: test_agent's test_out_of_memory_everywhere;
 *  SG_ERR_ARG          API misuse: test_decision_api below;
 *  SG_ERR_HANDLER_FAILED, SG_ERR_STORAGE*, and UNSUPPORTED_ACTION / ACTION_ARGS
 *                      from handlers: the agent's acts (test_transaction);
 *  chunk, image and scanner codes: other layers.
 */
static const int decision_codes[] = {
    SG_ACCEPTED,           SG_ERR_INTERNAL,         SG_ERR_TOO_LARGE,
    SG_ERR_FORMAT,         SG_ERR_HEADER,           SG_ERR_ALG,
    SG_ERR_BAD_SIGNATURE,  SG_ERR_UNKNOWN_SIGNER,   SG_ERR_CHAIN,
    SG_ERR_WEAK_KEY,       SG_ERR_CERT_FORMAT,      SG_ERR_CERT_EXPIRED,
    SG_ERR_CERT_NOT_YET_VALID, SG_ERR_CERT_USAGE,   SG_ERR_PROFILE_FORMAT,
    SG_ERR_PROFILE_VERSION, SG_ERR_PRIVATE_KEY,     SG_ERR_PROFILE_EXPIRED,
    SG_ERR_PROFILE_FUTURE, SG_ERR_REPLAY,           SG_ERR_NOT_FOR_DEVICE,
    SG_ERR_UNSUPPORTED_ACTION, SG_ERR_ACTION_ARGS,  SG_ERR_UNSIGNED_ON_TRUSTED,
    SG_ERR_NO_POSSESSION,  SG_ERR_NOT_TRUSTED,      SG_ERR_ALREADY_TRUSTED,
    SG_ERR_ROTATION,       SG_ERR_LOCKED,           SG_ERR_KEY_PARAMS,
    SG_ERR_EXP_REQUIRED,   SG_ERR_EXP_TOO_LONG,     SG_ERR_ANCHOR_KEY_REQUIRED,
    SG_ERR_NO_RECOVERY,
};

static sg_code_name *code_by_name(const char *name) {
  for (size_t i = 0; i < SG_NCODES; i++) {
    if (strcmp(codes[i].name, name) == 0) {
      return &codes[i];
    }
  }
  return NULL;
}

static sg_code_name *code_by_value(int code) {
  for (size_t i = 0; i < SG_NCODES; i++) {
    if (codes[i].code == code) {
      return &codes[i];
    }
  }
  return NULL;
}

/* Static: records, arena and texts are large for a Cortex-M stack. */
static sg_trust_record rec, want, next_a, next_b;
static uint8_t arena[2 * SG_MAX_PROFILE];
static uint8_t input[4 * SG_MAX_PROFILE]; /* huge.json is larger than any profile */
static char fields[SG_MAX_FIELDS][SG_FIELD_MAX];
static uint8_t recovery[SG_MAX_CERT]; /* "... recovery CERT": the firmware's recovery certificate */
static uint32_t recovery_len;

/* Split one `decide:` line into fields: quoted strings (\" \\ escapes) or bare words. */
static int split_fields(const char *p, const char *end, unsigned *n) {
  *n = 0;
  while (p < end && *n < SG_MAX_FIELDS) {
    char *out = fields[*n];
    size_t k = 0;
    if (*p == '"') {
      p++;
      while (p < end && *p != '"') {
        if (*p == '\\' && p + 1 < end) {
          p++;
        }
        if (k + 1 >= SG_FIELD_MAX) {
          return 0;
        }
        out[k++] = *p++;
      }
      if (p >= end) {
        return 0;
      }
      p++; /* closing quote */
    } else {
      while (p < end && *p != ':') {
        if (k + 1 >= SG_FIELD_MAX) {
          return 0;
        }
        out[k++] = *p++;
      }
    }
    out[k] = '\0';
    (*n)++;
    if (p < end && *p != ':') {
      return 0;
    }
    p++; /* the separator (or past the end) */
  }
  return p >= end;
}

/* CERT: test-vectors/profiles/pki/CERT.crt.der, or a file name with a dot. */
static int load_cert(const char *name, uint8_t *der, uint32_t *len) {
  char file[64];
  const size_t n = strlen(name);
  if (n + 9 >= sizeof file) {
    return 0;
  }
  memcpy(file, name, n + 1);
  if (strchr(name, '.') == NULL) {
    memcpy(file + n, ".crt.der", 9);
  }
  const sg_blob *b = sg_blob_find(sg_vectors, sg_vectors_count, file);
  if (b == NULL || b->len > SG_MAX_CERT) {
    sg_test_printf("      no certificate %s\n", file);
    return 0;
  }
  memcpy(der, b->data, b->len);
  *len = (uint32_t)b->len;
  return 1;
}

static int parse_mode(const char *w, sg_anchor_mode *m) {
  *m = strcmp(w, "pinned") == 0 ? SG_ANCHOR_PINNED : strcmp(w, "ca") == 0 ? SG_ANCHOR_CA : SG_ANCHOR_NONE;
  return *m != SG_ANCHOR_NONE;
}

/*
 * "untrusted" | "locked" | "invalid" | "trusted CERT MODE", then any of
 *   pending CERT MODE AT     a rotation waiting for AT
 *   former CERT SEQ          a former anchor's key and its replay floor (in table order)
 *   recovery CERT            the firmware's recovery certificate (input state only)
 */
static int parse_state(const char *spec, sg_trust_record *r) {
  static uint8_t der[SG_MAX_CERT];
  uint32_t der_len = 0;
  char buf[SG_FIELD_MAX];
  char *w[24];
  unsigned n = 0, k = 0;
  memset(r, 0, sizeof *r);
  strcpy(buf, spec);
  for (char *t = strtok(buf, " "); t != NULL && n < 24; t = strtok(NULL, " ")) {
    w[n++] = t;
  }
  recovery_len = 0;
  if (n == 0) {
    return 0;
  }
  if (strcmp(w[0], "untrusted") == 0) {
    r->state = SG_STATE_UNTRUSTED;
    k = 1;
  } else if (strcmp(w[0], "locked") == 0) {
    r->state = SG_STATE_LOCKED;
    k = 1;
  } else if (strcmp(w[0], "invalid") == 0) {
    r->state = (sg_trust_state)0;
    k = 1;
  } else if (strcmp(w[0], "trusted") == 0 && n >= 3) {
    r->state = SG_STATE_TRUSTED;
    if (!load_cert(w[1], r->anchor, &r->anchor_len) || !parse_mode(w[2], &r->mode)) {
      return 0;
    }
    k = 3;
  } else {
    return 0;
  }
  while (k < n) {
    if (strcmp(w[k], "pending") == 0 && k + 3 < n) {
      if (!load_cert(w[k + 1], r->pending, &r->pending_len) ||
          !parse_mode(w[k + 2], &r->pending_mode)) {
        return 0;
      }
      r->activate_at = strtoull(w[k + 3], NULL, 10);
      k += 4;
    } else if (strcmp(w[k], "former") == 0 && k + 2 < n && r->former_count < SG_MAX_FORMER_ANCHORS) {
      sg_cert_facts f;
      if (!load_cert(w[k + 1], der, &der_len) || sg_cert_facts_get(der, der_len, &f) != SG_OK) {
        return 0;
      }
      memcpy(r->former[r->former_count].key_id, f.key_id, 32);
      r->former[r->former_count].seq_floor = strtoull(w[k + 2], NULL, 10);
      r->former_count++;
      k += 3;
    } else if (strcmp(w[k], "recovery") == 0 && k + 1 < n) {
      if (!load_cert(w[k + 1], recovery, &recovery_len)) {
        return 0;
      }
      k += 2;
    } else {
      return 0;
    }
  }
  return 1;
}

/* FILE, FILE|swap=-N or text:... into input[]; returns its length or 0. */
static size_t load_input(const char *spec) {
  if (strncmp(spec, "text:", 5) == 0) {
    const size_t n = strlen(spec + 5);
    memcpy(input, spec + 5, n);
    return n;
  }
  char name[128];
  const char *bar = strchr(spec, '|');
  const size_t nlen = bar != NULL ? (size_t)(bar - spec) : strlen(spec);
  if (nlen >= sizeof name) {
    return 0;
  }
  memcpy(name, spec, nlen);
  name[nlen] = '\0';
  const sg_blob *b = sg_blob_find(sg_vectors, sg_vectors_count, name);
  if (b == NULL || b->len > sizeof input) {
    sg_test_printf("      no vector %s\n", name);
    return 0;
  }
  size_t len = b->len;
  memcpy(input, b->data, len);
  while (len > 0 && (input[len - 1] == '\n' || input[len - 1] == '\r')) {
    len--;
  }
  if (bar != NULL && strncmp(bar + 1, "swap=-", 6) == 0) {
    const size_t back = strtoul(bar + 7, NULL, 10);
    if (back == 0 || back > len) {
      return 0;
    }
    uint8_t *c = &input[len - back];
    *c = *c == 'A' ? 'B' : 'A'; /* another base64url character */
  }
  return len;
}

static int persist_a, persist_b;

static int decide(const sg_trust_record *r, int64_t eff, const sg_identity *id, size_t len,
                  int cached, sg_trust_record *next, int *persist) {
  sg_policy_work w;
  sg_verdict v;
  sg_cert *anchor = NULL;
  uint8_t sha[32];
  if (cached && r->state == SG_STATE_TRUSTED) {
    SG_CHECK_CODE(sg_cert_open(r->anchor, r->anchor_len, &anchor), SG_OK);
    sg_sha256(r->anchor, r->anchor_len, sha);
  }
  const sg_policy_input in = {r, eff, id, anchor, anchor != NULL ? sha : NULL,
                              recovery_len > 0 ? recovery : NULL, recovery_len};
  memset(next, 0xA5, sizeof *next);
  v.next = next;
  sg_json_use_agent_allocator();
  sg_policy_work_init(&w, arena, sizeof arena);
  const int got = sg_policy_decide(&in, input, len, &w, &v);
  sg_policy_work_free(&w);
  sg_json_restore_default_allocator();
  sg_cert_close(anchor);
  SG_CHECK(v.code == got);
  *persist = v.persist;
  SG_CHECK(got == SG_ACCEPTED || (v.persist == 0 && v.trust_changed == 0));
  return got;
}

static void describe(const char *what, const sg_trust_record *r) {
  sg_test_printf("      %s: %s anchor %u B pending %u B at %llu seq %llu time %llu former %u",
                 what, sg_trust_state_name(r->state), (unsigned)r->anchor_len,
                 (unsigned)r->pending_len, (unsigned long long)r->activate_at,
                 (unsigned long long)r->seq_floor, (unsigned long long)r->time_floor,
                 (unsigned)r->former_count);
  for (uint32_t i = 0; i < r->former_count && i < SG_MAX_FORMER_ANCHORS; i++) {
    sg_test_printf(" [%02x%02x.. %llu]", r->former[i].key_id[0], r->former[i].key_id[1],
                   (unsigned long long)r->former[i].seq_floor);
  }
  sg_test_printf("\n");
}

static unsigned rows, row_failures;

static void run_row(const char *desc, unsigned n) {
  const unsigned failed_before = sg_test_failures();
  sg_identity id = {NULL, NULL};
  char ident[SG_FIELD_MAX];
  if (n != 10 || !parse_state(fields[0], &rec)) {
    sg_test_printf("    malformed row: %s\n", desc);
    SG_CHECK(0);
    return;
  }
  rec.seq_floor = strtoull(fields[1], NULL, 10);
  rec.time_floor = strtoull(fields[2], NULL, 10);
  rec.generation = 7;
  int64_t eff = strtoll(fields[3], NULL, 10);
  if ((int64_t)rec.time_floor > eff) {
    eff = (int64_t)rec.time_floor;
  }
  if (eff < SG_BUILD_TIME) {
    eff = SG_BUILD_TIME;
  }
  strcpy(ident, fields[4]);
  char *slash = strchr(ident, '/');
  if (slash != NULL) {
    *slash = '\0';
    id.model = ident;
    id.serial = slash + 1;
  }
  const size_t len = load_input(fields[5]);
  sg_code_name *expect = code_by_name(fields[6]);
  SG_CHECK(len > 0 && expect != NULL);
  if (len == 0 || expect == NULL) {
    sg_test_printf("    bad input or code in: %s\n", desc);
    return;
  }
  const int got = decide(&rec, eff, slash != NULL ? &id : NULL, len, 0, &next_a, &persist_a);
  const int got_cached =
      decide(&rec, eff, slash != NULL ? &id : NULL, len, 1, &next_b, &persist_b);
  SG_CHECK_CODE(got, expect->code);
  SG_CHECK_CODE(got_cached, got);
  sg_code_name *seen = code_by_value(got);
  if (seen != NULL) {
    seen->seen++;
  }
  if (got == SG_ACCEPTED && expect->code == SG_ACCEPTED) {
    const uint32_t keep = recovery_len;
    SG_CHECK(parse_state(fields[7], &want));
    recovery_len = keep;
    want.seq_floor = strtoull(fields[8], NULL, 10);
    want.time_floor = strtoull(fields[9], NULL, 10);
    want.generation = rec.generation; /* the slot write sets the next one */
    /* Without persist the input record stands (next untouched). */
    const sg_trust_record *got_a = persist_a ? &next_a : &rec;
    const sg_trust_record *got_b = persist_b ? &next_b : &rec;
    SG_CHECK(memcmp(got_a, &want, sizeof want) == 0);
    if (memcmp(got_a, &want, sizeof want) != 0) {
      describe("got ", got_a);
      describe("want", &want);
    }
    SG_CHECK(memcmp(got_b, got_a, sizeof *got_a) == 0);
    SG_CHECK(persist_a == persist_b && persist_a == (memcmp(&rec, &want, sizeof want) != 0));
  } else {
    SG_CHECK(strcmp(fields[7], "-") == 0);
  }
  rows++;
  if (sg_test_failures() != failed_before) {
    row_failures++;
    sg_test_printf("    row failed: %s\n", desc);
  }
}

static void test_decision_table(void) {
  const sg_blob *data = sg_blob_find(sg_vectors, sg_vectors_count, "decisions.data");
  SG_CHECK(data != NULL);
  if (data == NULL) {
    return;
  }
  const char *p = (const char *)data->data;
  const char *end = p + data->len;
  char desc[160] = "";
  while (p < end) {
    const char *eol = memchr(p, '\n', (size_t)(end - p));
    const char *line_end = eol != NULL ? eol : end;
    const size_t n = (size_t)(line_end - p);
    if (n >= 7 && strncmp(p, "decide:", 7) == 0) {
      unsigned nf = 0;
      if (!split_fields(p + 7, line_end, &nf)) {
        sg_test_printf("    unparsable row after: %s\n", desc);
        SG_CHECK(0);
      } else {
        run_row(desc, nf);
      }
    } else if (n > 0 && p[0] != '#') {
      const size_t k = n < sizeof desc - 1 ? n : sizeof desc - 1;
      memcpy(desc, p, k);
      desc[k] = '\0';
    }
    p = line_end + 1;
  }
  sg_test_printf("    %u rows, %u failed\n", rows, row_failures);
  SG_CHECK(rows >= 100);
}

/* Every result the decision can give appears in some row. */
static void test_every_reason_has_a_row(void) {
  for (size_t i = 0; i < sizeof decision_codes / sizeof decision_codes[0]; i++) {
    const sg_code_name *c = code_by_value(decision_codes[i]);
    SG_CHECK(c != NULL && c->seen > 0);
    if (c != NULL && c->seen == 0) {
      sg_test_printf("    no row gives %s\n", c->name);
    }
  }
}

static void test_decision_api(void) {
  sg_policy_work w;
  sg_verdict v;
  sg_trust_record r;
  memset(&r, 0, sizeof r);
  r.state = SG_STATE_UNTRUSTED;
  const sg_policy_input none = {NULL, SG_BUILD_TIME, NULL, NULL, NULL, NULL, 0};
  const sg_policy_input in = {&r, SG_BUILD_TIME, NULL, NULL, NULL, NULL, 0};
  sg_policy_work_init(&w, arena, sizeof arena);
  v.next = &next_a;
  SG_CHECK_CODE(sg_policy_decide(&none, (const uint8_t *)"{}", 2, &w, &v), SG_ERR_ARG);
  v.next = NULL;
  SG_CHECK_CODE(sg_policy_decide(&in, (const uint8_t *)"{}", 2, &w, &v), SG_ERR_ARG);
  sg_policy_work_free(&w);
}

int main(void) {
  sg_test_begin("decisions");
  SG_RUN(test_decision_table);
  SG_RUN(test_every_reason_has_a_row);
  SG_RUN(test_decision_api);
  return sg_test_end();
}
