/*
 * Fuzz-only signatures for fuzz_decision_fast (never linked into anything
 * else: tests/fuzz/CMakeLists.txt wraps the symbols for that one target).
 *
 * Why: fuzz_decision signs every mutated profile for real, so it runs a
 * few hundred inputs a second (an RSA private op per input, an ES256
 * verify costing ~17 M instructions); issue 9 asks for 10 million. The
 * decision logic past the signature does not depend on how a signature is
 * computed, only on whether it verifies under the signer's key. So this
 * target replaces the JWS signature with a keyed hash that keeps the one
 * property the decision relies on — a signature made for key A over hash
 * H verifies only under key A and only for H:
 *
 *   tag = SHA-256("stagegate fuzz signature" || public key || H)
 *   RSA:   "SGFZSIG!" || tag || zeros, the modulus length
 *   ECDSA: raw r || s = "SGFZSIG!" || tag || 0x11 * 24
 *
 * The wrapped mbedTLS verify functions check a signature that starts with
 * the marker against that tag; any other signature (the real ones of the
 * test vectors and of every certificate in a chain) goes to the real
 * mbedTLS function, its result memoised by (key, hash, signature), so
 * chains are checked for real once and then cost a lookup. Nothing here
 * can make a real signature verify that mbedTLS refuses.
 */
#include "fast_signatures.h"

#include <string.h>

#include "mbedtls/ecp.h"
#include "mbedtls/pk.h"
#include "mbedtls/rsa.h"
#include "sg_crypto_api.h"
#include "sg_ecdsa_der.h"

static const uint8_t sg_fz_marker[8] = {'S', 'G', 'F', 'Z', 'S', 'I', 'G', '!'};
static const char sg_fz_label[] = "stagegate fuzz signature";

int __real_mbedtls_pk_verify(mbedtls_pk_context *ctx, mbedtls_md_type_t md_alg,
                             const unsigned char *hash, size_t hash_len, const unsigned char *sig,
                             size_t sig_len);
int __real_mbedtls_pk_verify_ext(mbedtls_pk_type_t type, const void *options,
                                 mbedtls_pk_context *ctx, mbedtls_md_type_t md_alg,
                                 const unsigned char *hash, size_t hash_len,
                                 const unsigned char *sig, size_t sig_len);
int __real_mbedtls_rsa_rsassa_pkcs1_v15_verify(mbedtls_rsa_context *ctx, mbedtls_md_type_t md_alg,
                                               unsigned int hashlen, const unsigned char *hash,
                                               const unsigned char *sig);
int __wrap_mbedtls_pk_verify(mbedtls_pk_context *ctx, mbedtls_md_type_t md_alg,
                             const unsigned char *hash, size_t hash_len, const unsigned char *sig,
                             size_t sig_len);
int __wrap_mbedtls_pk_verify_ext(mbedtls_pk_type_t type, const void *options,
                                 mbedtls_pk_context *ctx, mbedtls_md_type_t md_alg,
                                 const unsigned char *hash, size_t hash_len,
                                 const unsigned char *sig, size_t sig_len);
int __wrap_mbedtls_rsa_rsassa_pkcs1_v15_verify(mbedtls_rsa_context *ctx, mbedtls_md_type_t md_alg,
                                               unsigned int hashlen, const unsigned char *hash,
                                               const unsigned char *sig);

/* The key's public part as bytes: the modulus for RSA, the point for EC. */
static size_t sg_fz_rsa_material(const mbedtls_rsa_context *rsa, uint8_t *buf, size_t cap) {
  const size_t n = mbedtls_rsa_get_len(rsa);
  if (n > cap || mbedtls_rsa_export_raw(rsa, buf, n, NULL, 0, NULL, 0, NULL, 0, NULL, 0) != 0) {
    return 0;
  }
  return n;
}

static size_t sg_fz_material(const mbedtls_pk_context *pk, uint8_t *buf, size_t cap) {
  if (mbedtls_pk_get_type(pk) == MBEDTLS_PK_RSA) {
    return sg_fz_rsa_material(mbedtls_pk_rsa(*pk), buf, cap);
  }
  size_t n = 0;
  if (mbedtls_pk_get_type(pk) != MBEDTLS_PK_ECKEY ||
      mbedtls_ecp_write_public_key(mbedtls_pk_ec(*pk), MBEDTLS_ECP_PF_UNCOMPRESSED, &n, buf, cap) != 0) {
    return 0;
  }
  return n;
}

static void sg_fz_tag(const uint8_t *material, size_t mlen, const uint8_t *hash, size_t hlen,
                      uint8_t tag[32]) {
  sg_sha256_ctx c;
  sg_sha256_start(&c);
  sg_sha256_update(&c, (const uint8_t *)sg_fz_label, sizeof sg_fz_label - 1);
  sg_sha256_update(&c, material, mlen);
  sg_sha256_update(&c, hash, hlen);
  sg_sha256_finish(&c, tag);
}

static void sg_fz_rsa_sig(const uint8_t tag[32], size_t k, uint8_t *sig) {
  memset(sig, 0, k);
  memcpy(sig, sg_fz_marker, sizeof sg_fz_marker);
  memcpy(sig + sizeof sg_fz_marker, tag, 32);
}

static void sg_fz_ec_raw(const uint8_t tag[32], uint8_t raw[64]) {
  memset(raw, 0x11, 64);
  memcpy(raw, sg_fz_marker, sizeof sg_fz_marker);
  memcpy(raw + sizeof sg_fz_marker, tag, 32);
}

int sg_fz_fast_sign(mbedtls_pk_context *key, const uint8_t hash[32], uint8_t *sig, size_t cap,
                    size_t *sig_len) {
  uint8_t material[1024], tag[32];
  const size_t m = sg_fz_material(key, material, sizeof material);
  if (m == 0) {
    return -1;
  }
  sg_fz_tag(material, m, hash, 32, tag);
  if (mbedtls_pk_get_type(key) == MBEDTLS_PK_RSA) {
    const size_t k = mbedtls_pk_get_len(key);
    if (k > cap || k < 40) {
      return -1;
    }
    sg_fz_rsa_sig(tag, k, sig);
    *sig_len = k;
    return 0;
  }
  if (cap < 64) {
    return -1;
  }
  sg_fz_ec_raw(tag, sig);
  *sig_len = 64; /* raw r || s, as a JWS carries it */
  return 0;
}

/* --- real results, memoised ---------------------------------------------- */

#define SG_FZ_CACHE 256u

typedef struct {
  uint8_t id[32];
  int used;
  int result;
} sg_fz_memo;

static sg_fz_memo sg_fz_cache[SG_FZ_CACHE];

static void sg_fz_memo_id(const uint8_t *material, size_t mlen, int md, const uint8_t *hash,
                          size_t hlen, const uint8_t *sig, size_t slen, uint8_t id[32]) {
  sg_sha256_ctx c;
  sg_sha256_start(&c);
  sg_sha256_update(&c, material, mlen);
  sg_sha256_update(&c, (const uint8_t *)&md, sizeof md);
  sg_sha256_update(&c, hash, hlen);
  sg_sha256_update(&c, sig, slen);
  sg_sha256_finish(&c, id);
}

/* The memo slot for id, and whether it holds a result. */
static sg_fz_memo *sg_fz_lookup(const uint8_t id[32], int *hit) {
  sg_fz_memo *e = &sg_fz_cache[id[0]];
  *hit = e->used && memcmp(e->id, id, 32) == 0;
  return e;
}

static int sg_fz_store(sg_fz_memo *e, const uint8_t id[32], int result) {
  if (result == 0 || result == MBEDTLS_ERR_RSA_VERIFY_FAILED ||
      result == MBEDTLS_ERR_ECP_VERIFY_FAILED || result == MBEDTLS_ERR_PK_SIG_LEN_MISMATCH) {
    memcpy(e->id, id, 32); /* only answers about the signature, never a resource failure */
    e->used = 1;
    e->result = result;
  }
  return result;
}

/* --- the wrapped functions ------------------------------------------------ */

int __wrap_mbedtls_pk_verify(mbedtls_pk_context *ctx, mbedtls_md_type_t md_alg,
                             const unsigned char *hash, size_t hash_len, const unsigned char *sig,
                             size_t sig_len) {
  uint8_t material[1024], tag[32], id[32];
  const size_t m = sg_fz_material(ctx, material, sizeof material);
  if (m == 0) {
    return __real_mbedtls_pk_verify(ctx, md_alg, hash, hash_len, sig, sig_len);
  }
  if (mbedtls_pk_get_type(ctx) != MBEDTLS_PK_RSA) {
    uint8_t raw[64], want[64];
    if (sg_ecdsa_der_to_raw(sig, sig_len, 32, raw) == 0 &&
        memcmp(raw, sg_fz_marker, sizeof sg_fz_marker) == 0) {
      sg_fz_tag(material, m, hash, hash_len, tag);
      sg_fz_ec_raw(tag, want);
      return memcmp(raw, want, 64) == 0 ? 0 : MBEDTLS_ERR_ECP_VERIFY_FAILED;
    }
  }
  int hit = 0;
  sg_fz_memo_id(material, m, (int)md_alg, hash, hash_len, sig, sig_len, id);
  sg_fz_memo *e = sg_fz_lookup(id, &hit);
  return hit ? e->result
             : sg_fz_store(e, id, __real_mbedtls_pk_verify(ctx, md_alg, hash, hash_len, sig, sig_len));
}

int __wrap_mbedtls_pk_verify_ext(mbedtls_pk_type_t type, const void *options,
                                 mbedtls_pk_context *ctx, mbedtls_md_type_t md_alg,
                                 const unsigned char *hash, size_t hash_len,
                                 const unsigned char *sig, size_t sig_len) {
  uint8_t material[1024], id[32];
  const size_t m = sg_fz_material(ctx, material, sizeof material);
  if (m == 0 || options != NULL) {
    return __real_mbedtls_pk_verify_ext(type, options, ctx, md_alg, hash, hash_len, sig, sig_len);
  }
  int hit = 0;
  sg_fz_memo_id(material, m, (int)md_alg * 64 + (int)type, hash, hash_len, sig, sig_len, id);
  sg_fz_memo *e = sg_fz_lookup(id, &hit);
  return hit ? e->result
             : sg_fz_store(e, id,
                           __real_mbedtls_pk_verify_ext(type, options, ctx, md_alg, hash, hash_len,
                                                        sig, sig_len));
}

int __wrap_mbedtls_rsa_rsassa_pkcs1_v15_verify(mbedtls_rsa_context *ctx, mbedtls_md_type_t md_alg,
                                               unsigned int hashlen, const unsigned char *hash,
                                               const unsigned char *sig) {
  uint8_t material[1024], tag[32], id[32], want[1024];
  const size_t k = sg_fz_rsa_material(ctx, material, sizeof material);
  if (k == 0) {
    return __real_mbedtls_rsa_rsassa_pkcs1_v15_verify(ctx, md_alg, hashlen, hash, sig);
  }
  if (memcmp(sig, sg_fz_marker, sizeof sg_fz_marker) == 0) {
    sg_fz_tag(material, k, hash, hashlen, tag);
    sg_fz_rsa_sig(tag, k, want);
    return memcmp(sig, want, k) == 0 ? 0 : MBEDTLS_ERR_RSA_VERIFY_FAILED;
  }
  int hit = 0;
  sg_fz_memo_id(material, k, (int)md_alg, hash, hashlen, sig, k, id);
  sg_fz_memo *e = sg_fz_lookup(id, &hit);
  return hit ? e->result
             : sg_fz_store(e, id,
                           __real_mbedtls_rsa_rsassa_pkcs1_v15_verify(ctx, md_alg, hashlen, hash, sig));
}
