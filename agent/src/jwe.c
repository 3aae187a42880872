/*
 * Opening encrypted profiles (see jwe.h). The protected header is read
 * through a table of the members we accept; each row checks its value's
 * type and range. Decryption order: header -> key lookup -> key agreement
 * / unwrap -> AES-GCM with the protected header as AAD, into the caller's
 * buffer, in place. Secrets on the stack are wiped on every path.
 */
#include "jwe.h"

#include <string.h>

#include "b64.h"
#include "json.h"
#include "sg_crypto_api.h"
#include "sg_jwe_crypto.h"
#include "stagegate/errors.h"

/* Headers are small: alg, enc, kid and a P-256 epk fit in ~300 bytes. */
#define SG_JWE_HEADER_MAX 512
#define SG_JWE_INFO_MAX 64 /* apu / apv decoded */

int sg_jwe_is_compact(const uint8_t *text, size_t len) {
  size_t dots = 0;
  if (len == 0 || text[0] == '{') {
    return 0;
  }
  /* memchr, not a loop over every byte: every profile, signed or
   * encrypted, passes through here, and a JWS has only two dots. */
  const uint8_t *p = text;
  const uint8_t *const end = text + len;
  while (dots <= 4 && (p = memchr(p, '.', (size_t)(end - p))) != NULL) {
    dots++;
    p++;
  }
  return dots == 4;
}

#if SG_HAVE_JWE

typedef enum { SG_JWE_ECDH_ES_A256KW = 1, SG_JWE_DIR = 2 } sg_jwe_alg;

typedef struct {
  sg_jwe_alg alg;
  int has_enc;
  char kid[SG_KID_LEN]; /* copied: the JSON tree is freed before the lookup */
  size_t kid_len;       /* as given; only SG_KID_LEN can name a key of ours */
  int has_epk;
  uint8_t epk[64]; /* x || y */
  uint8_t apu[SG_JWE_INFO_MAX];
  size_t apu_len;
  uint8_t apv[SG_JWE_INFO_MAX];
  size_t apv_len;
} sg_jwe_header;

static int sg_str_is(const cJSON *v, const char *s) {
  return cJSON_IsString(v) && strcmp(v->valuestring, s) == 0;
}

static int sg_read_alg(const cJSON *v, sg_jwe_header *h) {
  if (sg_str_is(v, "ECDH-ES+A256KW")) {
    h->alg = SG_JWE_ECDH_ES_A256KW;
  } else if (sg_str_is(v, "dir")) {
    h->alg = SG_JWE_DIR;
  } else {
    return cJSON_IsString(v) ? SG_ERR_JWE_ALG : SG_ERR_JWE_FORMAT;
  }
  return SG_OK;
}

static int sg_read_enc(const cJSON *v, sg_jwe_header *h) {
  if (!cJSON_IsString(v)) {
    return SG_ERR_JWE_FORMAT;
  }
  h->has_enc = 1;
  return sg_str_is(v, "A256GCM") ? SG_OK : SG_ERR_JWE_ALG;
}

static int sg_read_kid(const cJSON *v, sg_jwe_header *h) {
  if (!cJSON_IsString(v) || v->valuestring[0] == '\0') {
    return SG_ERR_JWE_FORMAT;
  }
  h->kid_len = strlen(v->valuestring);
  if (h->kid_len == SG_KID_LEN) {
    memcpy(h->kid, v->valuestring, SG_KID_LEN);
  }
  return SG_OK;
}

static int sg_read_cty(const cJSON *v, sg_jwe_header *h) {
  (void)h; /* informative only: the plaintext is decided on by what it is */
  return sg_str_is(v, "stagegate-profile+jws") || sg_str_is(v, "stagegate-profile+json")
             ? SG_OK
             : SG_ERR_JWE_ALG;
}

static int sg_read_b64_exact(const cJSON *v, uint8_t *out, size_t want) {
  size_t got = 0;
  if (!cJSON_IsString(v) ||
      sg_b64_decode(SG_B64_URL, v->valuestring, strlen(v->valuestring), out, want, &got,
                    SG_ERR_JWE_FORMAT) != SG_OK ||
      got != want) {
    return SG_ERR_JWE_FORMAT;
  }
  return SG_OK;
}

/* The ephemeral key: exactly {"kty":"EC","crv":"P-256","x":..,"y":..}. */
static int sg_read_epk(const cJSON *v, sg_jwe_header *h) {
  if (!cJSON_IsObject(v)) {
    return SG_ERR_JWE_FORMAT;
  }
  int n = 0;
  for (const cJSON *m = v->child; m != NULL; m = m->next) {
    n++;
  }
  const cJSON *kty = sg_json_member(v, "kty");
  const cJSON *crv = sg_json_member(v, "crv");
  if (n != 4 || !cJSON_IsString(kty) || !cJSON_IsString(crv)) {
    return SG_ERR_JWE_FORMAT;
  }
  if (!sg_str_is(kty, "EC") || !sg_str_is(crv, "P-256")) {
    return SG_ERR_JWE_ALG;
  }
  if (sg_read_b64_exact(sg_json_member(v, "x"), h->epk, 32) != SG_OK ||
      sg_read_b64_exact(sg_json_member(v, "y"), h->epk + 32, 32) != SG_OK) {
    return SG_ERR_JWE_FORMAT;
  }
  h->has_epk = 1;
  return SG_OK;
}

static int sg_read_info(const cJSON *v, uint8_t *out, size_t *len) {
  if (!cJSON_IsString(v) ||
      sg_b64_decode(SG_B64_URL, v->valuestring, strlen(v->valuestring), out, SG_JWE_INFO_MAX,
                    len, SG_ERR_JWE_FORMAT) != SG_OK) {
    return SG_ERR_JWE_FORMAT;
  }
  return SG_OK;
}
static int sg_read_apu(const cJSON *v, sg_jwe_header *h) {
  return sg_read_info(v, h->apu, &h->apu_len);
}
static int sg_read_apv(const cJSON *v, sg_jwe_header *h) {
  return sg_read_info(v, h->apv, &h->apv_len);
}

/* The protected header members stagegate accepts. Any other member
 * ("zip", "crit", "jku", "x5u", "p2s", ...) is refused. */
static const struct {
  const char *name;
  int (*read)(const cJSON *v, sg_jwe_header *h);
} sg_jwe_members[] = {
    {"alg", sg_read_alg}, {"enc", sg_read_enc}, {"kid", sg_read_kid}, {"epk", sg_read_epk},
    {"cty", sg_read_cty}, {"apu", sg_read_apu}, {"apv", sg_read_apv},
};

static int sg_header_read(const cJSON *root, sg_jwe_header *h) {
  for (const cJSON *m = root->child; m != NULL; m = m->next) {
    int ret = SG_ERR_JWE_ALG;
    for (size_t i = 0; i < sizeof sg_jwe_members / sizeof sg_jwe_members[0]; i++) {
      if (strcmp(m->string, sg_jwe_members[i].name) == 0) {
        ret = sg_jwe_members[i].read(m, h);
        break;
      }
    }
    if (ret != SG_OK) {
      return ret;
    }
  }
  if (h->alg == 0 || !h->has_enc || h->kid_len == 0) {
    return SG_ERR_JWE_FORMAT;
  }
  /* An epk exactly when the key is agreed. */
  if ((h->alg == SG_JWE_ECDH_ES_A256KW) != (h->has_epk != 0)) {
    return SG_ERR_JWE_FORMAT;
  }
  return SG_OK;
}

static int sg_header_parse(const char *b64, size_t n, sg_jwe_header *h) {
  uint8_t json[SG_JWE_HEADER_MAX];
  size_t json_len = 0;
  cJSON *root = NULL;
  int ret = sg_b64_decode(SG_B64_URL, b64, n, json, sizeof json, &json_len, SG_ERR_JWE_FORMAT);
  if (ret != SG_OK) {
    return SG_ERR_JWE_FORMAT; /* not base64url, or a header too large to be ours */
  }
  sg_json_use_agent_allocator();
  ret = sg_json_parse((const char *)json, json_len, SG_ERR_JWE_FORMAT, &root);
  if (ret == SG_OK) {
    ret = sg_header_read(root, h);
  }
  cJSON_Delete(root);
  sg_json_restore_default_allocator();
  return ret;
}

/* Decode part `b64` to exactly `want` bytes (want 0: must be empty). */
static int sg_part_exact(const char *b64, size_t n, uint8_t *out, size_t want) {
  size_t got = 0;
  if (want == 0) {
    return n == 0 ? SG_OK : SG_ERR_JWE_FORMAT;
  }
  if (sg_b64_decode(SG_B64_URL, b64, n, out, want, &got, SG_ERR_JWE_FORMAT) != SG_OK ||
      got != want) {
    return SG_ERR_JWE_FORMAT;
  }
  return SG_OK;
}

/* The content key: unwrapped with the agreed key, or the "dir" key. */
static int sg_content_key(const sg_keystore *ks, const sg_jwe_header *h, const char *ek,
                          size_t ek_len, uint8_t cek[32]) {
  sg_fleet_key_type type = SG_FLEET_KEY_NONE;
  uint8_t wrapped[SG_A256KW_WRAPPED_LEN];
  uint8_t z[32];
  uint8_t kek[32];
  if (h->kid_len != SG_KID_LEN || ks == NULL || ks->find == NULL) {
    return SG_ERR_UNKNOWN_KEY;
  }
  int ret = ks->find(ks->ctx, h->kid, SG_KID_LEN, &type);
  if (ret != SG_OK) {
    return ret == SG_ERR_NO_MEMORY ? ret : SG_ERR_UNKNOWN_KEY;
  }
  if (h->alg == SG_JWE_DIR) {
    if (type != SG_FLEET_KEY_AES256 || ks->secret == NULL) {
      return SG_ERR_UNKNOWN_KEY; /* the kid names a key of the other kind */
    }
    ret = sg_part_exact(ek, ek_len, NULL, 0); /* "dir" has no encrypted key */
    return ret != SG_OK ? ret : ks->secret(ks->ctx, h->kid, SG_KID_LEN, cek);
  }
  if (type != SG_FLEET_KEY_EC_P256 || ks->ecdh == NULL) {
    return SG_ERR_UNKNOWN_KEY;
  }
  ret = sg_part_exact(ek, ek_len, wrapped, sizeof wrapped);
  if (ret == SG_OK) {
    ret = ks->ecdh(ks->ctx, h->kid, SG_KID_LEN, h->epk, z);
    if (ret != SG_OK && ret != SG_ERR_NO_MEMORY) {
      ret = SG_ERR_DECRYPT_FAILED;
    }
  }
  if (ret == SG_OK) {
    static const char alg[] = "ECDH-ES+A256KW";
    sg_concat_kdf_256(z, alg, sizeof alg - 1, h->apu, h->apu_len, h->apv, h->apv_len, kek);
    ret = sg_a256kw_unwrap(kek, wrapped, cek);
  }
  sg_wipe(z, sizeof z);
  sg_wipe(kek, sizeof kek);
  return ret;
}

static int sg_jwe_decrypt(const sg_keystore *ks, const char *t, size_t len, uint8_t *out,
                          size_t cap, size_t *out_len) {
  const char *part[5];
  size_t plen[5];
  size_t k = 0;
  size_t start = 0;
  for (size_t i = 0; i <= len && k < 5; i++) {
    if (i == len || t[i] == '.') {
      part[k] = t + start;
      plen[k++] = i - start;
      start = i + 1;
    }
  }
  if (k != 5 || plen[0] == 0 || plen[3] == 0) {
    return SG_ERR_JWE_FORMAT;
  }
  sg_jwe_header h;
  uint8_t iv[SG_A256GCM_IV_LEN];
  uint8_t tag[SG_A256GCM_TAG_LEN];
  uint8_t cek[32];
  size_t ct_len = 0;
  memset(&h, 0, sizeof h);
  int ret = sg_header_parse(part[0], plen[0], &h);
  if (ret == SG_OK) {
    ret = sg_part_exact(part[2], plen[2], iv, sizeof iv);
  }
  if (ret == SG_OK) {
    ret = sg_part_exact(part[4], plen[4], tag, sizeof tag);
  }
  if (ret == SG_OK) {
    ret = sg_b64_decode(SG_B64_URL, part[3], plen[3], out, cap, &ct_len, SG_ERR_JWE_FORMAT);
  }
  if (ret == SG_OK) {
    ret = sg_content_key(ks, &h, part[1], plen[1], cek);
  }
  if (ret == SG_OK) {
    /* AAD: the protected header exactly as encoded (RFC 7516 §5.2 step 14). */
    ret = sg_a256gcm_decrypt(cek, iv, (const uint8_t *)part[0], plen[0], out, ct_len, tag, out);
  }
  sg_wipe(cek, sizeof cek);
  if (ret == SG_OK) {
    *out_len = ct_len;
  } else {
    sg_wipe(out, cap);
  }
  return ret;
}

#endif /* SG_HAVE_JWE */

int sg_jwe_open(const sg_keystore *ks, int require, const uint8_t *text, size_t len,
                uint8_t *out, size_t cap, const uint8_t **body, size_t *body_len,
                int *encrypted) {
  *encrypted = 0;
  *body = text;
  *body_len = len;
  if (!sg_jwe_is_compact(text, len)) {
    return require ? SG_ERR_ENCRYPTION_REQUIRED : SG_OK;
  }
#if SG_HAVE_JWE
  size_t pt_len = 0;
  const int ret = sg_jwe_decrypt(ks, (const char *)text, len, out, cap, &pt_len);
  if (ret != SG_OK) {
    return ret;
  }
  if (sg_jwe_is_compact(out, pt_len)) {
    sg_wipe(out, pt_len);
    return SG_ERR_JWE_FORMAT; /* encrypted twice: one layer is all we open */
  }
  *encrypted = 1;
  *body = out;
  *body_len = pt_len;
  return SG_OK;
#else
  (void)ks;
  (void)out;
  (void)cap;
  return SG_ERR_JWE_ALG; /* this build opens no encrypted profiles */
#endif
}
