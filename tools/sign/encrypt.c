/*
 * stagegate-sign encrypt / keygen: encrypted profiles (JWE compact,
 * RFC 7516) on OpenSSL 3's libcrypto, the administrator's side of
 * agent/src/jwe.c. Sign first, then encrypt: the device checks the
 * signature after decrypting, exactly as for a plain profile.
 *
 *   ECDH-ES+A256KW + A256GCM  to a fleet P-256 public key (PEM or JWK):
 *                             only the public key is needed here.
 *   dir + A256GCM             with a fleet AES-256 key (JWK kty "oct").
 *
 * "kid" is the key's RFC 7638 thumbprint, which is how the device finds
 * its key. Nothing else goes in the protected header but "cty".
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/rand.h>

#include "sg_jwe_crypto.h" /* the device's base64url, thumbprints and Concat KDF */
#include "sg_jwe_sign.h"
#include "sg_sign.h"

#define SG_JWE_CTY_JWS "stagegate-profile+jws"
#define SG_JWE_CTY_JSON "stagegate-profile+json"

/* base64url without padding, NUL-terminated: the device's encoder
 * (crypto/jwe_crypto.c); out needs 4 * ((n + 2) / 3) + 1 bytes. */
static size_t sg_b64url(const uint8_t *in, size_t n, char *out) {
  const size_t m = sg_b64url_encode(in, n, out);
  out[m] = '\0';
  return m;
}

/* Exactly 32 bytes of base64url, decoded as the device decodes. */
static int sg_b64url_decode32(const char *s, uint8_t out[32]) {
  size_t got = 0;
  return sg_b64_decode(SG_B64_URL, s, strlen(s), out, 32, &got, SG_ERR_ARG) == SG_OK && got == 32;
}

/* The key's kid, as the device computes it (RFC 7638), NUL-terminated. */
static void sg_kid_ec(const uint8_t x[32], const uint8_t y[32], char kid[SG_KID_LEN + 1]) {
  uint8_t pub[64];
  memcpy(pub, x, 32);
  memcpy(pub + 32, y, 32);
  sg_jwk_thumbprint_ec(pub, kid);
  kid[SG_KID_LEN] = '\0';
}

static void sg_kid_oct(const uint8_t k[32], char kid[SG_KID_LEN + 1]) {
  sg_jwk_thumbprint_oct(k, kid);
  kid[SG_KID_LEN] = '\0';
}

/* x || y of a P-256 key (public part). */
static int sg_ec_xy(const EVP_PKEY *pk, uint8_t x[32], uint8_t y[32]) {
  char group[32];
  BIGNUM *bx = NULL, *by = NULL;
  int ok = EVP_PKEY_is_a(pk, "EC") &&
           EVP_PKEY_get_utf8_string_param(pk, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group,
                                          NULL) == 1 &&
           strcmp(group, "prime256v1") == 0 &&
           EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_EC_PUB_X, &bx) == 1 &&
           EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_EC_PUB_Y, &by) == 1 &&
           BN_bn2binpad(bx, x, 32) == 32 && BN_bn2binpad(by, y, 32) == 32;
  BN_free(bx);
  BN_free(by);
  return ok;
}

static EVP_PKEY *sg_ec_from_xy(const uint8_t x[32], const uint8_t y[32]) {
  uint8_t pt[65];
  EVP_PKEY *pk = NULL;
  EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
  OSSL_PARAM_BLD *b = OSSL_PARAM_BLD_new();
  OSSL_PARAM *params = NULL;
  pt[0] = 0x04;
  memcpy(pt + 1, x, 32);
  memcpy(pt + 33, y, 32);
  if (ctx != NULL && b != NULL &&
      OSSL_PARAM_BLD_push_utf8_string(b, OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0) == 1 &&
      OSSL_PARAM_BLD_push_octet_string(b, OSSL_PKEY_PARAM_PUB_KEY, pt, sizeof pt) == 1 &&
      (params = OSSL_PARAM_BLD_to_param(b)) != NULL && EVP_PKEY_fromdata_init(ctx) == 1) {
    if (EVP_PKEY_fromdata(ctx, &pk, EVP_PKEY_PUBLIC_KEY, params) != 1) {
      pk = NULL; /* not a point on P-256 */
    }
  }
  OSSL_PARAM_free(params);
  OSSL_PARAM_BLD_free(b);
  EVP_PKEY_CTX_free(ctx);
  return pk;
}

/* The recipient: a P-256 public key (PEM, or JWK kty EC) or an AES key
 * (JWK kty oct, 32 bytes). */
typedef struct {
  EVP_PKEY *ec;
  uint8_t oct[32];
  int is_oct;
  char kid[SG_KID_LEN + 1];
} sg_recipient;

static int sg_str_is(const cJSON *o, const char *name, const char *want) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
  return cJSON_IsString(v) && strcmp(v->valuestring, want) == 0;
}

static const char *sg_str(const cJSON *o, const char *name) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
  return cJSON_IsString(v) ? v->valuestring : "";
}

static int sg_recipient_load(const char *path, sg_recipient *r) {
  uint8_t *buf = NULL;
  size_t len = 0;
  memset(r, 0, sizeof *r);
  int ret = sg_read_file(path, &buf, &len);
  if (ret != SG_EXIT_OK) {
    return ret;
  }
  ret = SG_EXIT_FAIL;
  if (len > 0 && buf[0] == '{') {
    cJSON *jwk = cJSON_ParseWithLength((const char *)buf, len);
    uint8_t x[32], y[32];
    if (sg_str_is(jwk, "kty", "oct")) {
      if (sg_b64url_decode32(sg_str(jwk, "k"), r->oct)) {
        r->is_oct = 1;
        sg_kid_oct(r->oct, r->kid);
        ret = SG_EXIT_OK;
      } else {
        sg_fail("%s: an oct JWK needs \"k\" of 32 bytes (AES-256)", path);
      }
    } else if (sg_str_is(jwk, "kty", "EC") && sg_str_is(jwk, "crv", "P-256") &&
               sg_b64url_decode32(sg_str(jwk, "x"), x) && sg_b64url_decode32(sg_str(jwk, "y"), y)) {
      r->ec = sg_ec_from_xy(x, y);
      ret = r->ec != NULL ? SG_EXIT_OK : sg_fail("%s: x, y are not a point on P-256", path);
      sg_kid_ec(x, y, r->kid);
    } else {
      sg_fail("%s: not a JWK of kty \"oct\" or an EC P-256 JWK", path);
    }
    cJSON_Delete(jwk);
  } else {
    BIO *bio = BIO_new_mem_buf(buf, (int)len);
    r->ec = bio != NULL ? PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL) : NULL;
    BIO_free(bio);
    uint8_t x[32], y[32];
    if (r->ec != NULL && sg_ec_xy(r->ec, x, y)) {
      sg_kid_ec(x, y, r->kid);
      ret = SG_EXIT_OK;
    } else {
      sg_fail("%s: not a P-256 public key (PEM \"PUBLIC KEY\") nor a JWK", path);
    }
  }
  sg_free_secret(buf, len);
  return ret;
}

/* An unsigned profile is a JSON object without "signatures" (a General
 * JSON JWS has them; a compact JWS is not an object). */
static int sg_is_unsigned_json(const uint8_t *p, size_t n) {
  static const char sig[] = "\"signatures\"";
  if (n == 0 || p[0] != '{') {
    return 0;
  }
  for (size_t i = 0; i + sizeof sig - 1 <= n; i++) {
    if (memcmp(p + i, sig, sizeof sig - 1) == 0) {
      return 0;
    }
  }
  return 1;
}

/* A secret key file: created 0600, never world-readable, not overwritten. */
static int sg_write_secret_file(const char *path, const void *buf, size_t len) {
  const int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    return sg_fail("%s: %s (a key file is never overwritten)", path, strerror(errno));
  }
  const ssize_t w = write(fd, buf, len);
  const int c = close(fd);
  return w == (ssize_t)len && c == 0 ? SG_EXIT_OK : sg_fail("%s: write failed", path);
}

/* ECDH with a fresh ephemeral key: Z, and the ephemeral public point. */
static int sg_ecdh_ephemeral(EVP_PKEY *peer, uint8_t z[32], uint8_t ex[32], uint8_t ey[32]) {
  EVP_PKEY *eph = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
  EVP_PKEY_CTX *ctx = eph != NULL ? EVP_PKEY_CTX_new_from_pkey(NULL, eph, NULL) : NULL;
  size_t zlen = 32;
  const int ok = ctx != NULL && EVP_PKEY_derive_init(ctx) == 1 &&
                 EVP_PKEY_derive_set_peer(ctx, peer) == 1 && EVP_PKEY_derive(ctx, z, &zlen) == 1 &&
                 zlen == 32 && sg_ec_xy(eph, ex, ey);
  EVP_PKEY_CTX_free(ctx);
  EVP_PKEY_free(eph);
  return ok;
}

static int sg_aes256_wrap(const uint8_t kek[32], const uint8_t cek[32], uint8_t out[40]) {
  EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
  int n1 = 0, n2 = 0;
  int ok = 0;
  if (c != NULL) {
    EVP_CIPHER_CTX_set_flags(c, EVP_CIPHER_CTX_FLAG_WRAP_ALLOW);
    ok = EVP_EncryptInit_ex(c, EVP_aes_256_wrap(), NULL, kek, NULL) == 1 &&
         EVP_EncryptUpdate(c, out, &n1, cek, 32) == 1 && EVP_EncryptFinal_ex(c, out + n1, &n2) == 1 &&
         n1 + n2 == 40;
  }
  EVP_CIPHER_CTX_free(c);
  return ok;
}

static int sg_aes256gcm(const uint8_t key[32], const uint8_t iv[12], const char *aad,
                        const uint8_t *pt, size_t n, uint8_t *ct, uint8_t tag[16]) {
  EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
  int len = 0, fin = 0;
  const int ok = c != NULL && EVP_EncryptInit_ex(c, EVP_aes_256_gcm(), NULL, key, iv) == 1 &&
                 EVP_EncryptUpdate(c, NULL, &len, (const uint8_t *)aad, (int)strlen(aad)) == 1 &&
                 EVP_EncryptUpdate(c, ct, &len, pt, (int)n) == 1 &&
                 EVP_EncryptFinal_ex(c, ct + len, &fin) == 1 && (size_t)(len + fin) == n &&
                 EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, 16, tag) == 1;
  EVP_CIPHER_CTX_free(c);
  return ok;
}

int sg_jwe_encrypt(const char *key_path, const uint8_t *pt, size_t n, char **out,
                   size_t *out_len) {
  sg_recipient r;
  uint8_t cek[32], kek[32], z[32], ex[32], ey[32], wrapped[40], iv[12], tag[16];
  char header[400], bx[48], by[48];
  int ret = sg_recipient_load(key_path, &r);
  if (ret != SG_EXIT_OK) {
    return ret;
  }
  /* Informative for readers: the device decides by what the plaintext is. */
  const char *cty = sg_is_unsigned_json(pt, n) ? SG_JWE_CTY_JSON : SG_JWE_CTY_JWS;
  ret = SG_EXIT_FAIL;
  int hn = 0;
  if (r.is_oct) {
    memcpy(cek, r.oct, 32);
    hn = snprintf(header, sizeof header,
                  "{\"alg\":\"dir\",\"enc\":\"A256GCM\",\"kid\":\"%s\",\"cty\":\"%s\"}", r.kid, cty);
  } else if (RAND_bytes(cek, sizeof cek) == 1 && sg_ecdh_ephemeral(r.ec, z, ex, ey)) {
    static const char alg[] = "ECDH-ES+A256KW"; /* the device's KDF: no apu, apv */
    sg_concat_kdf_256(z, alg, sizeof alg - 1, NULL, 0, NULL, 0, kek);
    if (!sg_aes256_wrap(kek, cek, wrapped)) {
      goto done;
    }
    sg_b64url(ex, 32, bx);
    sg_b64url(ey, 32, by);
    hn = snprintf(header, sizeof header,
                  "{\"alg\":\"ECDH-ES+A256KW\",\"enc\":\"A256GCM\",\"kid\":\"%s\",\"cty\":\"%s\","
                  "\"epk\":{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"%s\",\"y\":\"%s\"}}",
                  r.kid, cty, bx, by);
  } else {
    sg_fail("key agreement failed");
    goto done;
  }
  if (hn <= 0 || (size_t)hn >= sizeof header || RAND_bytes(iv, sizeof iv) != 1) {
    sg_fail("could not build the JWE header");
    goto done;
  }
  {
    const size_t cap = 4 * ((size_t)hn + 2) / 3 + 80 + 4 * (n + 2) / 3 + 64;
    char *s = OPENSSL_malloc(cap + 8);
    uint8_t *ct = OPENSSL_malloc(n + 1);
    if (s == NULL || ct == NULL) {
      OPENSSL_free(s);
      OPENSSL_free(ct);
      sg_fail("out of memory");
      goto done;
    }
    size_t m = sg_b64url((const uint8_t *)header, (size_t)hn, s); /* AAD: this text */
    s[m] = '\0';
    if (!sg_aes256gcm(cek, iv, s, pt, n, ct, tag)) {
      OPENSSL_free(s);
      OPENSSL_clear_free(ct, n + 1);
      sg_fail("AES-256-GCM failed");
      goto done;
    }
    s[m++] = '.';
    if (!r.is_oct) {
      m += sg_b64url(wrapped, sizeof wrapped, s + m);
    }
    s[m++] = '.';
    m += sg_b64url(iv, sizeof iv, s + m);
    s[m++] = '.';
    m += sg_b64url(ct, n, s + m);
    s[m++] = '.';
    m += sg_b64url(tag, sizeof tag, s + m);
    OPENSSL_free(ct);
    *out = s;
    *out_len = m;
    ret = SG_EXIT_OK;
  }
done:
  OPENSSL_cleanse(cek, sizeof cek);
  OPENSSL_cleanse(kek, sizeof kek);
  OPENSSL_cleanse(z, sizeof z);
  OPENSSL_cleanse(r.oct, sizeof r.oct);
  EVP_PKEY_free(r.ec);
  return ret;
}

int sg_fleet_keygen(const char *kind, const char *path) {
  if (strcmp(kind, "ec") == 0) {
    EVP_PKEY *pk = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    char priv_path[4096], pub_path[4096];
    int ok = pk != NULL &&
             (size_t)snprintf(priv_path, sizeof priv_path, "%s.key.pem", path) < sizeof priv_path &&
             (size_t)snprintf(pub_path, sizeof pub_path, "%s.pub.pem", path) < sizeof pub_path;
    BIO *priv = ok ? BIO_new(BIO_s_mem()) : NULL;
    BIO *pub = ok ? BIO_new(BIO_s_mem()) : NULL;
    ok = priv != NULL && pub != NULL && PEM_write_bio_PrivateKey(priv, pk, NULL, NULL, 0, NULL, NULL) == 1 &&
         PEM_write_bio_PUBKEY(pub, pk) == 1;
    char *data = NULL;
    long len = ok ? BIO_get_mem_data(priv, &data) : 0;
    int ret = ok ? sg_write_secret_file(priv_path, data, (size_t)len) : sg_fail("key generation failed");
    if (ret == SG_EXIT_OK) {
      len = BIO_get_mem_data(pub, &data);
      ret = sg_write_file(pub_path, data, (size_t)len);
    }
    BIO_free_all(priv);
    BIO_free_all(pub);
    EVP_PKEY_free(pk);
    return ret;
  }
  if (strcmp(kind, "oct") == 0) {
    uint8_t k[32];
    char b[48], json[96];
    if (RAND_bytes(k, sizeof k) != 1) {
      return sg_fail("no randomness");
    }
    sg_b64url(k, sizeof k, b);
    const int n = snprintf(json, sizeof json, "{\"kty\":\"oct\",\"k\":\"%s\"}\n", b);
    const int ret = sg_write_secret_file(path, json, (size_t)n);
    OPENSSL_cleanse(k, sizeof k);
    OPENSSL_cleanse(b, sizeof b);
    OPENSSL_cleanse(json, sizeof json);
    return ret;
  }
  return sg_usage("keygen: kind is ec or oct, not %s", kind);
}

static const char sg_encrypt_help[] =
    "usage: stagegate-sign encrypt --to KEY [-o OUT] PROFILE\n"
    "\n"
    "Encrypt a profile (signed or unsigned; sign it first) so that only devices\n"
    "holding the fleet key can read it: a JWE (compact), A256GCM.\n"
    "  --to KEY  the fleet key: a P-256 public key (PEM, or JWK kty EC) for\n"
    "            ECDH-ES+A256KW, or an AES-256 JWK (kty oct) for dir\n"
    "  -o OUT    where to write the JWE (default: standard output)\n";

int sg_cmd_encrypt(int argc, char **argv) {
  const char *to = NULL, *out = "-", *in = NULL;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--help") == 0) {
      fputs(sg_encrypt_help, stdout);
      return SG_EXIT_OK;
    } else if ((strcmp(argv[i], "--to") == 0 || strcmp(argv[i], "-o") == 0) && i + 1 < argc) {
      *(argv[i][1] == 'o' ? &out : &to) = argv[i + 1];
      i++;
    } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
      return sg_usage("encrypt: unknown option %s\n%s", argv[i], sg_encrypt_help);
    } else if (in == NULL) {
      in = argv[i];
    } else {
      return sg_usage("encrypt: one profile at a time\n%s", sg_encrypt_help);
    }
  }
  if (to == NULL || in == NULL) {
    return sg_usage("encrypt: needs --to KEY and a PROFILE\n%s", sg_encrypt_help);
  }
  uint8_t *pt = NULL;
  size_t n = 0;
  char *jwe = NULL;
  size_t jn = 0;
  int ret = sg_read_file(in, &pt, &n);
  while (ret == SG_EXIT_OK && n > 0 && (pt[n - 1] == '\n' || pt[n - 1] == '\r')) {
    n--; /* a trailing newline is the file's, not the profile's */
  }
  if (ret == SG_EXIT_OK) {
    ret = sg_jwe_encrypt(to, pt, n, &jwe, &jn);
  }
  if (ret == SG_EXIT_OK) {
    ret = sg_write_file(out, jwe, jn);
  }
  OPENSSL_free(jwe);
  sg_free_secret(pt, n);
  return ret;
}

static const char sg_keygen_help[] =
    "usage: stagegate-sign keygen ec NAME | keygen oct PATH\n"
    "\n"
    "Make a fleet key for encrypted profiles.\n"
    "  ec NAME   P-256 private key NAME.key.pem (mode 0600) for the devices\n"
    "            (stagegate-agent --fleet-key NAME.key.pem), public key NAME.pub.pem\n"
    "            for the administrators (stagegate-sign encrypt --to NAME.pub.pem)\n"
    "  oct PATH  an AES-256 key as a JWK (mode 0600), shared by devices and\n"
    "            administrators (encrypt --to PATH, --fleet-key PATH)\n"
    "Existing files are never overwritten.\n";

int sg_cmd_keygen(int argc, char **argv) {
  if (argc == 2 && strcmp(argv[1], "--help") == 0) {
    fputs(sg_keygen_help, stdout);
    return SG_EXIT_OK;
  }
  if (argc != 3) {
    return sg_usage("keygen: needs a kind and a path\n%s", sg_keygen_help);
  }
  return sg_fleet_keygen(argv[1], argv[2]);
}
