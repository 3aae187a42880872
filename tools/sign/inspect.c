/*
 * `inspect`: show what a file is before it is printed or trusted — a
 * profile (JWS compact, JWS General JSON, or bare JSON) or certificates
 * (PEM/DER). Every fact is first collected into a cJSON document; the text
 * output is rendered from it, so text and --json always agree.
 *
 * Whether a profile is acceptable is the device's answer, from the device's
 * code: its envelope parser (agent/src/envelope.c: header rules, strict
 * base64 and JSON), its signature verification (crypto/verify.c) and its
 * profile schema (agent/src/profile.c). The tool's own parsing below only
 * lays out what it shows. A profile the device refuses is reported with
 * the device's reason and never as "verifies". (The trust policy itself,
 * which needs the device's trust slot and clock, is not evaluated.)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mbedtls/ecp.h"
#include "mbedtls/md.h"
#include "mbedtls/x509.h"
#include "arena.h"
#include "envelope.h"
#include "profile.h"
#include "sg_render.h"
#include "sg_sign.h"
#include "stagegate/errors.h"

static const char sg_inspect_help[] =
    "usage: stagegate-sign inspect [--json] [--cert FILE] [--pass-env VAR | --pass-file F |\n"
    "                              --pass TEXT] FILE\n"
    "\n"
    "Show what FILE is before it is printed, scanned or trusted:\n"
    "  a profile (JWS compact or General JSON serialization, or bare JSON): each\n"
    "    signature's protected header, the signer's fingerprint, whether it\n"
    "    verifies (with x5c[0], or with --cert), and the payload;\n"
    "  a printed sheet (PDF, needs pdftoppm) or barcode images (PNG, JPEG, PGM):\n"
    "    the barcodes are decoded and reassembled as a device would, then shown\n"
    "    as a profile;\n"
    "  certificates (PEM, DER, PEM bundles): subject, issuer, serial, validity,\n"
    "    key, SHA-256/SHA-1/MD5 fingerprints and status (valid, expired, not yet\n"
    "    valid, weak key, EXPIRES WITHIN 30 DAYS);\n"
    "  a .pfx/.p12 (with its passphrase, or typed at a terminal): its private key\n"
    "    and every certificate in it.\n"
    "\n"
    "  --json        machine-readable output\n"
    "  --cert FILE   verify signatures with this certificate\n"
    "\n"
    "Exit status 2 if a signature present does not verify.\n";

/* A certificate this close to its end is shown with a warning (as
 * ZENworks' certificate view does): re-issue before devices refuse. */
#define SG_EXPIRY_WARN_SECONDS (30LL * 86400LL)

/* ---- small helpers ------------------------------------------------------ */

static void sg_hex(const uint8_t *b, size_t n, int colons, char *out) {
  static const char digits[] = "0123456789ABCDEF";
  static const char lower[] = "0123456789abcdef";
  size_t o = 0;
  for (size_t i = 0; i < n; i++) {
    if (colons && i != 0) {
      out[o++] = ':';
    }
    out[o++] = (colons ? digits : lower)[b[i] >> 4];
    out[o++] = (colons ? digits : lower)[b[i] & 15u];
  }
  out[o] = '\0';
}

static long long sg_x509_unix(const mbedtls_x509_time *t) {
  return sg_days_from_civil(t->year, t->mon, t->day) * 86400LL + t->hour * 3600LL +
         t->min * 60LL + t->sec;
}

static void sg_x509_iso(const mbedtls_x509_time *t, char *out, size_t size) {
  (void)snprintf(out, size, "%04d-%02d-%02dT%02d:%02d:%02dZ", t->year, t->mon, t->day, t->hour,
                 t->min, t->sec);
}

static int sg_add_str(cJSON *o, const char *k, const char *v) {
  return cJSON_AddStringToObject(o, k, v) != NULL ? 0 : -1;
}

/* Digest of a buffer as lowercase hex (no colons). */
static int sg_digest_hex(mbedtls_md_type_t md, const uint8_t *b, size_t n, char *out) {
  uint8_t h[MBEDTLS_MD_MAX_SIZE];
  const mbedtls_md_info_t *info = mbedtls_md_info_from_type(md);
  if (info == NULL || mbedtls_md(info, b, n, h) != 0) {
    return -1;
  }
  sg_hex(h, mbedtls_md_get_size(info), 0, out);
  return 0;
}

/* Lowercase hex -> "AB:CD:..." for people. */
static void sg_colon_hex(const char *hex, char *out) {
  size_t o = 0;
  for (size_t i = 0; hex[i] != '\0' && hex[i + 1] != '\0'; i += 2) {
    if (i != 0) {
      out[o++] = ':';
    }
    for (int k = 0; k < 2; k++) {
      const char c = hex[i + (size_t)k];
      out[o++] = c >= 'a' && c <= 'f' ? (char)(c - 'a' + 'A') : c;
    }
  }
  out[o] = '\0';
}

/* ---- certificates ------------------------------------------------------- */

static const char *sg_jstr(const cJSON *o, const char *k) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
  return cJSON_IsString(v) ? v->valuestring : "";
}

static cJSON *sg_cert_json(const mbedtls_x509_crt *c) {
  cJSON *o = cJSON_CreateObject();
  char buf[1024], hex[2 * MBEDTLS_MD_MAX_SIZE + 1];
  int bad = o == NULL;
  if (!bad) {
    bad |= mbedtls_x509_dn_gets(buf, sizeof buf, &c->subject) < 0 || sg_add_str(o, "subject", buf);
    bad |= mbedtls_x509_dn_gets(buf, sizeof buf, &c->issuer) < 0 || sg_add_str(o, "issuer", buf);
    const size_t sn = c->serial.len < 64 ? c->serial.len : 64;
    sg_hex(c->serial.p, sn, 0, hex);
    bad |= sg_add_str(o, "serial", hex);
    sg_x509_iso(&c->valid_from, buf, sizeof buf);
    bad |= sg_add_str(o, "not_before", buf);
    sg_x509_iso(&c->valid_to, buf, sizeof buf);
    bad |= sg_add_str(o, "not_after", buf);
    cJSON *key = cJSON_AddObjectToObject(o, "key");
    const mbedtls_pk_type_t type = mbedtls_pk_get_type(&c->pk);
    const size_t bits = mbedtls_pk_get_bitlen(&c->pk);
    int weak = 0;
    if (key == NULL) {
      bad = 1;
    } else if (type == MBEDTLS_PK_RSA) {
      bad |= sg_add_str(key, "type", "RSA");
      weak = bits < SG_RSA_MIN_BITS;
    } else if (type == MBEDTLS_PK_ECKEY || type == MBEDTLS_PK_ECDSA) {
      const mbedtls_ecp_group_id id = mbedtls_ecp_keypair_get_group_id(mbedtls_pk_ec(c->pk));
      bad |= sg_add_str(key, "type", "EC");
      bad |= sg_add_str(key, "curve", id == MBEDTLS_ECP_DP_SECP256R1   ? "P-256"
                                      : id == MBEDTLS_ECP_DP_SECP384R1 ? "P-384"
                                                                       : "other");
      weak = id != MBEDTLS_ECP_DP_SECP256R1 && id != MBEDTLS_ECP_DP_SECP384R1;
    } else {
      bad |= sg_add_str(key, "type", mbedtls_pk_get_name(&c->pk));
      weak = 1;
    }
    bad |= key == NULL || cJSON_AddNumberToObject(key, "bits", (double)bits) == NULL;
    cJSON *fp = cJSON_AddObjectToObject(o, "fingerprints");
    bad |= fp == NULL;
    static const struct {
      const char *name;
      mbedtls_md_type_t md;
    } digests[] = {{"sha256", MBEDTLS_MD_SHA256}, {"sha1", MBEDTLS_MD_SHA1}, {"md5", MBEDTLS_MD_MD5}};
    for (size_t i = 0; !bad && i < sizeof digests / sizeof digests[0]; i++) {
      bad |= sg_digest_hex(digests[i].md, c->raw.p, c->raw.len, hex) != 0 ||
             sg_add_str(fp, digests[i].name, hex);
    }
    /* Status against this computer's clock. */
    const long long now = (long long)time(NULL);
    cJSON *status = cJSON_AddArrayToObject(o, "status");
    bad |= status == NULL;
    if (!bad) {
      if (now < sg_x509_unix(&c->valid_from)) {
        cJSON_AddItemToArray(status, cJSON_CreateString("not yet valid"));
      }
      if (now > sg_x509_unix(&c->valid_to)) {
        cJSON_AddItemToArray(status, cJSON_CreateString("expired"));
      }
      if (weak) {
        cJSON_AddItemToArray(status, cJSON_CreateString("weak key"));
      }
      if (cJSON_GetArraySize(status) == 0) {
        cJSON_AddItemToArray(status, cJSON_CreateString("valid"));
      }
      const long long left = sg_x509_unix(&c->valid_to) - now;
      if (now >= sg_x509_unix(&c->valid_from) && left >= 0 && left < SG_EXPIRY_WARN_SECONDS) {
        char soon[64];
        (void)snprintf(soon, sizeof soon, "EXPIRES WITHIN 30 DAYS (in %lld day%s)",
                       left / 86400, left / 86400 == 1 ? "" : "s");
        cJSON_AddItemToArray(status, cJSON_CreateString(soon));
        fprintf(stderr, "stagegate-sign: warning: %s: %s\n", sg_jstr(o, "subject"), soon);
      }
    }
  }
  if (bad) {
    cJSON_Delete(o);
    o = NULL;
  }
  return o;
}


static void sg_print_cert(const cJSON *c, const char *indent) {
  char colon[3 * MBEDTLS_MD_MAX_SIZE + 1];
  const cJSON *key = cJSON_GetObjectItemCaseSensitive(c, "key");
  const cJSON *fp = cJSON_GetObjectItemCaseSensitive(c, "fingerprints");
  const cJSON *bits = cJSON_GetObjectItemCaseSensitive(key, "bits");
  printf("%ssubject:     %s\n", indent, sg_jstr(c, "subject"));
  printf("%sissuer:      %s\n", indent, sg_jstr(c, "issuer"));
  sg_colon_hex(sg_jstr(c, "serial"), colon);
  printf("%sserial:      %s\n", indent, colon);
  printf("%snot before:  %s\n", indent, sg_jstr(c, "not_before"));
  printf("%snot after:   %s\n", indent, sg_jstr(c, "not_after"));
  if (strcmp(sg_jstr(key, "type"), "EC") == 0) {
    printf("%skey:         EC %s (%.0f bits)\n", indent, sg_jstr(key, "curve"),
           cJSON_IsNumber(bits) ? bits->valuedouble : 0.0);
  } else {
    printf("%skey:         %s %.0f bits\n", indent, sg_jstr(key, "type"),
           cJSON_IsNumber(bits) ? bits->valuedouble : 0.0);
  }
  sg_colon_hex(sg_jstr(fp, "sha256"), colon);
  printf("%sSHA-256:     %s\n", indent, colon);
  sg_colon_hex(sg_jstr(fp, "sha1"), colon);
  printf("%sSHA-1:       %s\n", indent, colon);
  sg_colon_hex(sg_jstr(fp, "md5"), colon);
  printf("%sMD5:         %s\n", indent, colon);
  printf("%sstatus:      ", indent);
  const cJSON *s;
  int first = 1;
  cJSON_ArrayForEach(s, cJSON_GetObjectItemCaseSensitive(c, "status")) {
    printf("%s%s", first ? "" : ", ", cJSON_IsString(s) ? s->valuestring : "?");
    first = 0;
  }
  printf("\n");
}

static int sg_inspect_certs(const char *path, const mbedtls_x509_crt *crt, int json) {
  cJSON *doc = cJSON_CreateObject();
  cJSON *list = doc != NULL ? cJSON_AddArrayToObject(doc, "certificates") : NULL;
  if (list == NULL || sg_add_str(doc, "type", "certificate") != 0) {
    cJSON_Delete(doc);
    return sg_fail("out of memory");
  }
  for (const mbedtls_x509_crt *c = crt; c != NULL && c->raw.p != NULL; c = c->next) {
    cJSON *one = sg_cert_json(c);
    if (one == NULL) {
      cJSON_Delete(doc);
      return sg_fail("%s: cannot describe a certificate", path);
    }
    cJSON_AddItemToArray(list, one);
  }
  if (json) {
    char *text = cJSON_Print(doc);
    if (text != NULL) {
      printf("%s\n", text);
    }
    cJSON_free(text);
  } else {
    const int n = cJSON_GetArraySize(list);
    int i = 0;
    const cJSON *c;
    cJSON_ArrayForEach(c, list) {
      if (n > 1) {
        printf("certificate %d of %d (%s)\n", ++i, n, path);
      } else {
        printf("certificate (%s)\n", path);
      }
      sg_print_cert(c, "  ");
    }
  }
  cJSON_Delete(doc);
  return SG_EXIT_OK;
}

/* PEM: every CERTIFICATE block, and the other blocks named (keys are
 * never decoded here). */
static int sg_inspect_pem(const char *path, uint8_t *buf, size_t len, mbedtls_x509_crt *crt,
                          int json) {
  static const char begin[] = "-----BEGIN ", end_cert[] = "-----END CERTIFICATE-----";
  unsigned others = 0;
  char other_names[512] = "";
  for (size_t i = 0; i + sizeof begin - 1 <= len;) {
    const uint8_t *b = memchr(buf + i, '-', len - i);
    if (b == NULL) {
      break;
    }
    i = (size_t)(b - buf);
    if (len - i < sizeof begin - 1 || memcmp(b, begin, sizeof begin - 1) != 0) {
      i++;
      continue;
    }
    const char *label = (const char *)b + sizeof begin - 1;
    const char *dash = memchr(label, '-', len - (size_t)((const uint8_t *)label - buf));
    if (dash == NULL) {
      break;
    }
    if ((size_t)(dash - label) == 11 && memcmp(label, "CERTIFICATE", 11) == 0) {
      const uint8_t *e = NULL;
      for (size_t k = i; k + sizeof end_cert - 1 <= len; k++) {
        if (memcmp(buf + k, end_cert, sizeof end_cert - 1) == 0) {
          e = buf + k + sizeof end_cert - 1;
          break;
        }
      }
      if (e == NULL) {
        return sg_fail("%s: a CERTIFICATE block has no END line", path);
      }
      const size_t at = (size_t)(e - buf);
      const uint8_t saved = buf[at];
      buf[at] = '\0'; /* PEM parsing wants the block NUL-terminated */
      const int rc = mbedtls_x509_crt_parse(crt, b, (size_t)(e - b) + 1);
      buf[at] = saved;
      if (rc != 0) {
        char m[128];
        return sg_fail("%s: a certificate does not parse: %s", path,
                       sg_mbedtls_msg(rc, m, sizeof m));
      }
      i = (size_t)(e - buf);
    } else {
      others++;
      (void)snprintf(other_names + strlen(other_names), sizeof other_names - strlen(other_names),
                     "%s%.*s", others > 1 ? ", " : "", (int)(dash - label), label);
      i = (size_t)((const uint8_t *)dash - buf);
    }
  }
  if (crt->raw.p == NULL) {
    return sg_fail("%s: a PEM file without certificates (%s): keys are not shown", path,
                   others ? other_names : "no blocks");
  }
  const int ret = sg_inspect_certs(path, crt, json);
  if (ret == SG_EXIT_OK && others > 0 && !json) {
    printf("also in the file: %s (not shown)\n", other_names);
  }
  return ret;
}

/* A .pfx/.p12: its key (described, never shown) and its certificates. */
static int sg_inspect_pfx(const sg_key_source *src, int json) {
  sg_signer s;
  sg_signer_init(&s);
  int ret = sg_signer_load(&s, src);
  if (ret == SG_EXIT_OK) {
    if (!json) {
      printf("%s: PKCS#12 with a private key (%s) matching its certificate\n", src->pfx,
             sg_key_describe(s.key));
    }
    ret = sg_inspect_certs(src->pfx, &s.leaf, json);
    if (ret == SG_EXIT_OK && s.has_chain) {
      if (!json) {
        printf("other certificates in %s:\n", src->pfx);
      }
      ret = sg_inspect_certs(src->pfx, &s.chain, json);
    }
  }
  sg_signer_free(&s);
  return ret;
}

/* ---- profiles ----------------------------------------------------------- */

typedef struct {
  mbedtls_x509_crt *cert; /* --cert, or NULL */
  int bad;                /* a signature did not verify */
  /* The device's view (sg_device_view): */
  uint8_t *arena_buf;
  sg_arena arena;
  sg_envelope env;
  int env_rc;     /* sg_envelope_parse */
  int profile_rc; /* sg_profile_parse of its payload (SG_OK when env_rc is not) */
  unsigned next;  /* index of the next signature described */
} sg_inspect_ctx;

/* Parse the text as a device does: envelope, then profile schema. */
static int sg_device_view(sg_inspect_ctx *cx, const char *text, size_t len) {
  cx->arena_buf = malloc(2u * SG_MAX_PROFILE); /* as the agent's arena */
  if (cx->arena_buf == NULL) {
    return sg_fail("out of memory");
  }
  sg_arena_init(&cx->arena, cx->arena_buf, 2u * SG_MAX_PROFILE);
  cx->env_rc = sg_envelope_parse((const uint8_t *)text, len, &cx->arena, &cx->env);
  cx->profile_rc = SG_OK;
  if (cx->env_rc == SG_OK) {
    sg_profile prof;
    cx->profile_rc = sg_profile_parse(cx->env.payload, cx->env.payload_len, &cx->arena, &prof);
    if (cx->profile_rc == SG_OK) {
      sg_profile_free(&prof);
    }
  }
  return SG_EXIT_OK;
}

/* The device's refusal, if any: the first of envelope and profile. */
static int sg_device_refusal(const sg_inspect_ctx *cx) {
  return cx->env_rc != SG_OK ? cx->env_rc : cx->profile_rc;
}

static int sg_add_device(cJSON *doc, const sg_inspect_ctx *cx) {
  cJSON *d = cJSON_AddObjectToObject(doc, "device");
  const int r = sg_device_refusal(cx);
  int bad = d == NULL;
  bad = bad || cJSON_AddStringToObject(d, "envelope", sg_strerror_name(cx->env_rc)) == NULL;
  bad = bad || (cx->env_rc == SG_OK &&
                cJSON_AddStringToObject(d, "profile", sg_strerror_name(cx->profile_rc)) == NULL);
  bad = bad || cJSON_AddStringToObject(d, "result", r == SG_OK ? "well-formed" : sg_strerror_name(r)) == NULL;
  bad = bad || cJSON_AddStringToObject(d, "message", r == SG_OK ? "" : sg_strerror(r)) == NULL;
  return bad ? sg_fail("out of memory") : SG_EXIT_OK;
}

/* Decode a base64url JWS part into a NUL-terminated heap string. */
static char *sg_part_text(const char *b64, size_t n, size_t *len) {
  uint8_t *raw = NULL;
  size_t raw_len = 0;
  if (sg_b64_decode_alloc(b64, n, 1, &raw, &raw_len) != 0) {
    return NULL;
  }
  char *s = realloc(raw, raw_len + 1);
  if (s == NULL) {
    free(raw);
    return NULL;
  }
  s[raw_len] = '\0';
  if (len != NULL) {
    *len = raw_len;
  }
  return s;
}

/*
 * Describe one signature: protected header, signer and whether it verifies
 * over "<protected64>.<payload64>".
 */
static cJSON *sg_signature_json(sg_inspect_ctx *cx, const char *h64, size_t h64_len) {
  cJSON *o = cJSON_CreateObject();
  char *htext = sg_part_text(h64, h64_len, NULL);
  cJSON *header = htext != NULL ? cJSON_Parse(htext) : NULL;
  const char *verdict = "not checked: no x5c in the header (give --cert)";
  mbedtls_x509_crt x5c0;
  mbedtls_x509_crt_init(&x5c0);
  if (o == NULL) {
    goto out;
  }
  if (!cJSON_IsObject(header)) {
    sg_add_str(o, "error", "protected header is not base64url JSON");
    cx->bad = 1;
    goto out;
  }
  cJSON_AddItemToObject(o, "header", header);
  const char *thumb = sg_jstr(header, "x5t#S256");
  uint8_t t[32];
  size_t t_len = 0;
  char hex[65];
  if (sg_b64_decode(SG_B64_URL, thumb, strlen(thumb), t, sizeof t, &t_len, SG_ERR_HEADER) ==
          SG_OK &&
      t_len == 32) {
    sg_hex(t, 32, 0, hex);
    sg_add_str(o, "signer_sha256", hex);
  }
  /* Signer: x5c[0] (its hash must be x5t#S256), or --cert. */
  mbedtls_x509_crt *signer = NULL;
  cJSON *x5c = cJSON_GetObjectItemCaseSensitive(header, "x5c");
  cJSON *subjects = NULL;
  const cJSON *e;
  cJSON_ArrayForEach(e, x5c) {
    uint8_t *der = NULL;
    size_t der_len = 0;
    mbedtls_x509_crt one;
    mbedtls_x509_crt_init(&one);
    char subj[512] = "(does not parse)";
    if (cJSON_IsString(e) &&
        sg_b64_decode_alloc(e->valuestring, strlen(e->valuestring), 0, &der, &der_len) == 0 &&
        mbedtls_x509_crt_parse_der(&one, der, der_len) == 0) {
      (void)mbedtls_x509_dn_gets(subj, sizeof subj, &one.subject);
      if (x5c0.raw.p == NULL) {
        (void)mbedtls_x509_crt_parse_der(&x5c0, der, der_len);
      }
    }
    if (subjects == NULL) {
      subjects = cJSON_AddArrayToObject(o, "x5c_subjects");
    }
    cJSON_AddItemToArray(subjects, cJSON_CreateString(subj));
    mbedtls_x509_crt_free(&one);
    free(der);
  }
  if (cx->cert != NULL) {
    signer = cx->cert;
    verdict = "--cert";
  } else if (x5c0.raw.p != NULL) {
    signer = &x5c0;
    verdict = "x5c[0]";
  }
  cJSON *verified = NULL;
  const unsigned idx = cx->next++;
  const sg_jws_signature *dev =
      cx->env_rc == SG_OK && idx < cx->env.nsig ? &cx->env.sigs[idx] : NULL;
  if (dev == NULL) {
    char text[160];
    (void)snprintf(text, sizeof text, "NOT CHECKED: the device refuses the envelope (%s)",
                   sg_strerror_name(cx->env_rc));
    cx->bad = 1;
    verified = cJSON_CreateBool(0);
    sg_add_str(o, "verdict", text);
  } else if (signer != NULL) {
    /* The device's checks: x5t#S256 names the signer, the key suits the
     * algorithm, the signature verifies over the signing input. */
    uint8_t signer_sha[32];
    sg_sha256(signer->raw.p, signer->raw.len, signer_sha);
    const int named = sg_ct_equal(signer_sha, dev->x5t, sizeof signer_sha);
    const int ok = named && sg_verify_jws(&signer->pk, dev->alg, dev->protected_b64,
                                          dev->protected_len, cx->env.payload_b64,
                                          cx->env.payload_b64_len, dev->sig,
                                          dev->sig_len) == SG_ACCEPTED;
    char text[200];
    if (!named) {
      (void)snprintf(text, sizeof text, "DOES NOT MATCH: x5t#S256 is not the hash of %s", verdict);
    } else if (ok && cx->profile_rc != SG_OK) {
      /* Good signature, refused profile: the device's answer is no. */
      (void)snprintf(text, sizeof text,
                     "signature correct with %s, but the device REFUSES the profile (%s)", verdict,
                     sg_strerror_name(cx->profile_rc));
    } else {
      (void)snprintf(text, sizeof text, ok ? "verifies with %s" : "DOES NOT VERIFY with %s",
                     verdict);
    }
    cx->bad |= !ok;
    cJSON_AddBoolToObject(o, "signature_correct", ok);
    verified = cJSON_CreateBool(ok && cx->profile_rc == SG_OK);
    sg_add_str(o, "verdict", text);
  } else {
    verified = cJSON_CreateNull();
    sg_add_str(o, "verdict", verdict);
  }
  cJSON_AddItemToObject(o, "verified", verified);
  header = NULL; /* owned by o */
out:
  cJSON_Delete(header);
  free(htext);
  mbedtls_x509_crt_free(&x5c0);
  return o;
}

static void sg_print_signature(const cJSON *s, int i) {
  printf("signature %d:\n", i);
  const cJSON *h = cJSON_GetObjectItemCaseSensitive(s, "header");
  if (h == NULL) {
    printf("  error:       %s\n", sg_jstr(s, "error"));
    return;
  }
  const cJSON *m;
  cJSON_ArrayForEach(m, h) {
    if (strcmp(m->string, "x5c") == 0) {
      printf("  x5c:         %d certificate(s)\n", cJSON_GetArraySize(m));
      const cJSON *subj;
      int k = 0;
      cJSON_ArrayForEach(subj, cJSON_GetObjectItemCaseSensitive(s, "x5c_subjects")) {
        printf("    [%d] %s\n", k++, subj->valuestring);
      }
    } else {
      char label[64];
      (void)snprintf(label, sizeof label, "%s:", m->string);
      char *v = cJSON_IsString(m) ? NULL : cJSON_PrintUnformatted(m);
      printf("  %-12s %s\n", label, cJSON_IsString(m) ? m->valuestring : v != NULL ? v : "?");
      cJSON_free(v);
    }
  }
  char colon[100];
  sg_colon_hex(sg_jstr(s, "signer_sha256"), colon);
  printf("  signer SHA-256: %s\n", colon[0] != '\0' ? colon : "(no valid x5t#S256)");
  printf("  signature:   %s\n", sg_jstr(s, "verdict"));
}

/* Certificates inside the payload's actions, described for a human check. */
static void sg_payload_certs(cJSON *doc, const cJSON *payload) {
  const cJSON *a;
  int i = 0;
  cJSON *list = NULL;
  cJSON_ArrayForEach(a, cJSON_GetObjectItemCaseSensitive(payload, "actions")) {
    const cJSON *cert = cJSON_GetObjectItemCaseSensitive(a, "certificate");
    uint8_t *der = NULL;
    size_t len = 0;
    mbedtls_x509_crt crt;
    mbedtls_x509_crt_init(&crt);
    if (cJSON_IsString(cert) &&
        sg_b64_decode_alloc(cert->valuestring, strlen(cert->valuestring), 0, &der, &len) == 0 &&
        mbedtls_x509_crt_parse_der(&crt, der, len) == 0) {
      cJSON *one = sg_cert_json(&crt);
      if (one != NULL) {
        cJSON_AddNumberToObject(one, "action", i);
        if (list == NULL) {
          list = cJSON_AddArrayToObject(doc, "payload_certificates");
        }
        cJSON_AddItemToArray(list, one);
      }
    }
    mbedtls_x509_crt_free(&crt);
    free(der);
    i++;
  }
}

static int sg_inspect_render(cJSON *doc, int json, sg_inspect_ctx *cx) {
  if (sg_add_device(doc, cx) != SG_EXIT_OK) {
    return SG_EXIT_FAIL;
  }
  if (json) {
    char *text = cJSON_Print(doc);
    if (text == NULL) {
      return sg_fail("out of memory");
    }
    printf("%s\n", text);
    cJSON_free(text);
  } else {
    const char *type = sg_jstr(doc, "type");
    const cJSON *sigs = cJSON_GetObjectItemCaseSensitive(doc, "signatures");
    printf("%s profile, %d signature(s)\n",
           strcmp(type, "jws-compact") == 0   ? "JWS compact"
           : strcmp(type, "jws-general") == 0 ? "JWS General JSON"
                                              : "unsigned",
           cJSON_GetArraySize(sigs));
    const cJSON *s;
    int i = 1;
    cJSON_ArrayForEach(s, sigs) {
      sg_print_signature(s, i++);
    }
    const cJSON *payload = cJSON_GetObjectItemCaseSensitive(doc, "payload");
    char *text = cJSON_Print(payload);
    printf("payload:\n%s\n", text != NULL ? text : "(not JSON)");
    cJSON_free(text);
    const cJSON *c;
    cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(doc, "payload_certificates")) {
      const cJSON *idx = cJSON_GetObjectItemCaseSensitive(c, "action");
      printf("certificate in actions[%.0f]:\n", cJSON_IsNumber(idx) ? idx->valuedouble : -1.0);
      sg_print_cert(c, "  ");
    }
  }
  const int refused = sg_device_refusal(cx);
  if (!json) {
    if (refused != SG_OK) {
      printf("device:      REFUSES: %s (%s)\n", sg_strerror_name(refused), sg_strerror(refused));
    } else {
      printf("device:      envelope and profile well-formed (trust policy not evaluated)\n");
    }
  }
  if (refused != SG_OK) {
    return sg_fail("the device refuses this profile: %s (%s)", sg_strerror_name(refused),
                   sg_strerror(refused));
  }
  if (cx->bad) {
    return sg_fail("a signature does not verify");
  }
  return SG_EXIT_OK;
}

/* Add the payload (JSON text) to doc; a payload that is not JSON is an error. */
static int sg_add_payload(cJSON *doc, const char *path, const char *text) {
  cJSON *payload = cJSON_Parse(text);
  if (payload == NULL) {
    return sg_fail("%s: the payload is not JSON", path);
  }
  cJSON_AddItemToObject(doc, "payload", payload);
  sg_payload_certs(doc, payload);
  return SG_EXIT_OK;
}

/* An encrypted profile (JWE compact, `encrypt`): its protected header is
 * all that can be shown without the fleet key; the device opens it. */
static int sg_inspect_jwe(const char *path, const char *t, size_t len, int json) {
  const char *d1 = memchr(t, '.', len);
  char *htext = d1 != NULL ? sg_part_text(t, (size_t)(d1 - t), NULL) : NULL;
  cJSON *header = htext != NULL ? cJSON_Parse(htext) : NULL;
  free(htext);
  if (!cJSON_IsObject(header)) {
    cJSON_Delete(header);
    return sg_fail("%s: five parts, as an encrypted profile (JWE), but its header is not "
                   "base64url JSON",
                   path);
  }
  char *h = cJSON_PrintUnformatted(header);
  if (json) {
    printf("{\"type\":\"jwe-compact\",\"header\":%s}\n", h != NULL ? h : "null");
  } else {
    printf("encrypted profile (JWE compact), %zu bytes\nheader:  %s\n"
           "content: readable only with the fleet key (devices: stagegate-agent --fleet-key)\n",
           len, h != NULL ? h : "?");
  }
  cJSON_free(h);
  cJSON_Delete(header);
  return SG_EXIT_OK;
}

static int sg_inspect_compact(const char *path, const char *t, size_t len, int json,
                              sg_inspect_ctx *cx) {
  int ret = SG_EXIT_FAIL;
  size_t dots = 0;
  for (size_t i = 0; i < len; i++) {
    dots += t[i] == '.';
  }
  if (dots == 4) {
    return sg_inspect_jwe(path, t, len, json);
  }
  const char *d1 = memchr(t, '.', len);
  const char *d2 = d1 != NULL ? memchr(d1 + 1, '.', len - (size_t)(d1 + 1 - t)) : NULL;
  if (d2 == NULL || memchr(d2 + 1, '.', len - (size_t)(d2 + 1 - t)) != NULL) {
    return sg_fail("%s: not a JWS compact serialization (three base64url parts)", path);
  }
  cJSON *doc = cJSON_CreateObject();
  cJSON *sigs = doc != NULL ? cJSON_AddArrayToObject(doc, "signatures") : NULL;
  if (sigs == NULL || sg_add_str(doc, "type", "jws-compact") != 0) {
    cJSON_Delete(doc);
    return sg_fail("out of memory");
  }
  const size_t hl = (size_t)(d1 - t), pl = (size_t)(d2 - d1 - 1), sl = len - (size_t)(d2 + 1 - t);
  (void)sl;
  cJSON_AddItemToArray(sigs, sg_signature_json(cx, t, hl));
  char *payload = sg_part_text(d1 + 1, pl, NULL);
  ret = payload == NULL ? sg_fail("%s: the payload is not base64url", path)
                        : sg_add_payload(doc, path, payload);
  free(payload);
  if (ret == SG_EXIT_OK) {
    ret = sg_inspect_render(doc, json, cx);
  }
  cJSON_Delete(doc);
  return ret;
}

static int sg_inspect_json(const char *path, const char *t, int json, sg_inspect_ctx *cx) {
  int ret = SG_EXIT_FAIL;
  cJSON *in = cJSON_Parse(t);
  if (in == NULL) {
    return sg_fail("%s: starts like JSON but does not parse", path);
  }
  cJSON *doc = cJSON_CreateObject();
  cJSON *sigs = doc != NULL ? cJSON_AddArrayToObject(doc, "signatures") : NULL;
  if (sigs == NULL) {
    ret = sg_fail("out of memory");
    goto out;
  }
  const cJSON *p64 = cJSON_GetObjectItemCaseSensitive(in, "payload");
  const cJSON *list = cJSON_GetObjectItemCaseSensitive(in, "signatures");
  if (p64 == NULL && list == NULL) { /* a bare, unsigned profile */
    sg_add_str(doc, "type", "profile");
    cJSON_AddItemToObject(doc, "payload", cJSON_Duplicate(in, 1));
    sg_payload_certs(doc, in);
    ret = sg_inspect_render(doc, json, cx);
    goto out;
  }
  if (!cJSON_IsString(p64) || !cJSON_IsArray(list)) {
    ret = sg_fail("%s: not a JWS General JSON serialization (payload, signatures)", path);
    goto out;
  }
  sg_add_str(doc, "type", "jws-general");
  const cJSON *s;
  cJSON_ArrayForEach(s, list) {
    const cJSON *h = cJSON_GetObjectItemCaseSensitive(s, "protected");
    const cJSON *g = cJSON_GetObjectItemCaseSensitive(s, "signature");
    if (!cJSON_IsString(h) || !cJSON_IsString(g)) {
      ret = sg_fail("%s: a signature lacks \"protected\" or \"signature\"", path);
      goto out;
    }
    cJSON_AddItemToArray(sigs, sg_signature_json(cx, h->valuestring, strlen(h->valuestring)));
  }
  char *payload = sg_part_text(p64->valuestring, strlen(p64->valuestring), NULL);
  ret = payload == NULL ? sg_fail("%s: the payload is not base64url", path)
                        : sg_add_payload(doc, path, payload);
  free(payload);
  if (ret == SG_EXIT_OK) {
    ret = sg_inspect_render(doc, json, cx);
  }
out:
  cJSON_Delete(doc);
  cJSON_Delete(in);
  return ret;
}

int sg_cmd_inspect(int argc, char **argv) {
  int ret = SG_EXIT_USAGE;
  const char *json = NULL, *cert_path = NULL;
  sg_key_source src = {0};
  src.what = "";
  const sg_opt opts[] = {{"json", 0, &json},           {"cert", 1, &cert_path},
                         {"pass", 1, &src.pass},       {"pass-env", 1, &src.pass_env},
                         {"pass-file", 1, &src.pass_file}, {NULL, 0, NULL}};
  const char *pos[1];
  unsigned n_pos = 0;
  int help = 0;
  ret = sg_opts_parse(argc, argv, opts, pos, 1, &n_pos, &help);
  if (ret != SG_EXIT_OK) {
    return ret;
  }
  if (help) {
    fputs(sg_inspect_help, stdout);
    return SG_EXIT_OK;
  }
  if (n_pos != 1) {
    return sg_usage("inspect needs one file (see inspect --help)");
  }
  uint8_t *buf = NULL;
  size_t len = 0;
  mbedtls_x509_crt crt, given;
  mbedtls_x509_crt_init(&crt);
  mbedtls_x509_crt_init(&given);
  sg_inspect_ctx cx;
  memset(&cx, 0, sizeof cx);
  if (cert_path != NULL) {
    ret = sg_cert_load_file(&given, cert_path);
    if (ret != SG_EXIT_OK) {
      goto out;
    }
    cx.cert = &given;
  }
  ret = sg_read_file(pos[0], &buf, &len);
  if (ret != SG_EXIT_OK) {
    goto out;
  }
  size_t start = 0;
  while (start < len && (buf[start] == ' ' || buf[start] == '\n' || buf[start] == '\r' ||
                         buf[start] == '\t')) {
    start++;
  }
  size_t end = len;
  while (end > start && (buf[end - 1] == ' ' || buf[end - 1] == '\n' || buf[end - 1] == '\r' ||
                         buf[end - 1] == '\t')) {
    end--;
  }
  const char *t = (const char *)buf + start;
  const sg_sheet_kind kind = sg_sheet_kind_of(buf, len);
  if (kind != SG_SHEET_NONE) {
    /* A printed sheet or barcode image: decode, reassemble, show. */
    char *text = NULL;
    size_t tlen = 0;
    unsigned symbols = 0;
    ret = sg_sheet_read(pos[0], kind == SG_SHEET_PDF, &text, &tlen, &symbols);
    if (ret == SG_EXIT_OK) {
      if (json == NULL) {
        printf("%s: %u barcode%s decoded and reassembled (%zu bytes)\n", pos[0], symbols,
               symbols == 1 ? "" : "s", tlen);
      }
      ret = sg_device_view(&cx, text, tlen); /* what a device makes of the scanned text */
    }
    if (ret == SG_EXIT_OK) {
      ret = tlen > 0 && text[0] == '{' ? sg_inspect_json(pos[0], text, json != NULL, &cx)
                                       : sg_inspect_compact(pos[0], text, tlen, json != NULL, &cx);
    }
    free(text);
  } else if (end > start && t[0] == '{') {
    /* a profile first: one that carries a PEM key is the device's refusal to show */
    buf[end] = '\0';
    ret = sg_device_view(&cx, t, end - start);
    ret = ret != SG_EXIT_OK ? ret : sg_inspect_json(pos[0], t, json != NULL, &cx);
  } else if (sg_is_pem(buf, len, "")) {
    ret = sg_inspect_pem(pos[0], buf, len, &crt, json != NULL);
  } else if (len > 0 && buf[0] == 0x30 && sg_is_pkcs12(buf, len)) {
    src.pfx = pos[0];
    ret = sg_inspect_pfx(&src, json != NULL);
  } else if (len > 0 && buf[0] == 0x30) {
    ret = sg_cert_load_file(&crt, pos[0]);
    if (ret == SG_EXIT_OK) {
      ret = sg_inspect_certs(pos[0], &crt, json != NULL);
    }
  } else if (end > start && strncmp(t, "SG1:", 4) == 0) {
    ret = sg_fail("%s: a barcode chunk, not a whole profile", pos[0]);
  } else if (end > start) {
    ret = sg_device_view(&cx, t, end - start);
    ret = ret != SG_EXIT_OK ? ret : sg_inspect_compact(pos[0], t, end - start, json != NULL, &cx);
  } else {
    ret = sg_fail("%s: empty", pos[0]);
  }
out:
  free(cx.arena_buf);
  sg_free_buf(buf);
  mbedtls_x509_crt_free(&crt);
  mbedtls_x509_crt_free(&given);
  return ret;
}
