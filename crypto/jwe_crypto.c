/* The cryptography of encrypted profiles: see sg_jwe_crypto.h. */
#include "sg_jwe_crypto.h"

#if SG_HAVE_JWE

#include <string.h>

#include "mbedtls/ecp.h"
#include "mbedtls/gcm.h"
#include "mbedtls/md.h"
#include "mbedtls/nist_kw.h"
#include "mbedtls/pk.h"
#include "sg_crypto.h"
#include "stagegate/errors.h"

/* The mbedTLS modules needed are checked in sg_mbedtls_check.h. */

int sg_a256gcm_decrypt(const uint8_t key[32], const uint8_t iv[SG_A256GCM_IV_LEN],
                       const uint8_t *aad, size_t aad_len, const uint8_t *ct, size_t len,
                       const uint8_t tag[SG_A256GCM_TAG_LEN], uint8_t *out) {
  int ret = SG_ERR_DECRYPT_FAILED;
  mbedtls_gcm_context gcm;
  mbedtls_gcm_init(&gcm);
  int rc = mbedtls_gcm_setkey(&gcm, MBEDTLS_CIPHER_ID_AES, key, 256);
  if (rc == 0) {
    rc = mbedtls_gcm_auth_decrypt(&gcm, len, iv, SG_A256GCM_IV_LEN, aad, aad_len, tag,
                                  SG_A256GCM_TAG_LEN, ct, out);
  }
  if (rc == 0) {
    ret = SG_OK;
  } else {
    ret = sg_mbedtls_is_oom(rc) || rc == MBEDTLS_ERR_CIPHER_ALLOC_FAILED ? SG_ERR_NO_MEMORY
                                                                          : SG_ERR_DECRYPT_FAILED;
    sg_wipe(out, len); /* mbedTLS wipes too; never leave unauthenticated plaintext */
  }
  mbedtls_gcm_free(&gcm);
  return ret;
}

int sg_a256kw_unwrap(const uint8_t kek[32], const uint8_t wrapped[SG_A256KW_WRAPPED_LEN],
                     uint8_t cek[32]) {
  int ret = SG_ERR_DECRYPT_FAILED;
  size_t got = 0;
  mbedtls_nist_kw_context kw;
  mbedtls_nist_kw_init(&kw);
  int rc = mbedtls_nist_kw_setkey(&kw, MBEDTLS_CIPHER_ID_AES, kek, 256, 0);
  if (rc == 0) {
    rc = mbedtls_nist_kw_unwrap(&kw, MBEDTLS_KW_MODE_KW, wrapped, SG_A256KW_WRAPPED_LEN, cek,
                                &got, 32);
  }
  if (rc == 0 && got == 32) {
    ret = SG_OK;
  } else {
    ret = rc == MBEDTLS_ERR_CIPHER_ALLOC_FAILED ? SG_ERR_NO_MEMORY : SG_ERR_DECRYPT_FAILED;
    sg_wipe(cek, 32);
  }
  mbedtls_nist_kw_free(&kw);
  return ret;
}

static void sg_put_be32(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)(v >> 24);
  p[1] = (uint8_t)(v >> 16);
  p[2] = (uint8_t)(v >> 8);
  p[3] = (uint8_t)v;
}

static void sg_kdf_part(sg_sha256_ctx *c, const uint8_t *p, size_t len) {
  uint8_t n[4];
  sg_put_be32(n, (uint32_t)len);
  sg_sha256_update(c, n, sizeof n);
  if (len > 0) {
    sg_sha256_update(c, p, len);
  }
}

void sg_concat_kdf_256(const uint8_t z[32], const char *alg, size_t alg_len,
                       const uint8_t *apu, size_t apu_len, const uint8_t *apv,
                       size_t apv_len, uint8_t out[32]) {
  uint8_t word[4];
  sg_sha256_ctx c;
  sg_sha256_start(&c);
  sg_put_be32(word, 1); /* round 1 of 1: SHA-256 gives the 256 bits at once */
  sg_sha256_update(&c, word, sizeof word);
  sg_sha256_update(&c, z, 32);
  sg_kdf_part(&c, (const uint8_t *)alg, alg_len);
  sg_kdf_part(&c, apu, apu_len);
  sg_kdf_part(&c, apv, apv_len);
  sg_put_be32(word, 256); /* SuppPubInfo: keydatalen in bits */
  sg_sha256_update(&c, word, sizeof word);
  sg_sha256_finish(&c, out);
}

/* The deterministic blinding generator (see sg_jwe_crypto.h):
 * block i = HMAC-SHA256(seed, i). */
typedef struct {
  uint8_t seed[32];
  uint32_t counter;
} sg_blind_rng;

static int sg_blind_rng_fill(void *p, unsigned char *out, size_t len) {
  sg_blind_rng *r = p;
  const mbedtls_md_info_t *md = mbedtls_md_info_from_type(MBEDTLS_MD_SHA256);
  uint8_t block[32];
  uint8_t ctr[4];
  while (len > 0) {
    sg_put_be32(ctr, r->counter++);
    if (mbedtls_md_hmac(md, r->seed, sizeof r->seed, ctr, sizeof ctr, block) != 0) {
      return MBEDTLS_ERR_ECP_RANDOM_FAILED;
    }
    const size_t n = len < sizeof block ? len : sizeof block;
    memcpy(out, block, n);
    out += n;
    len -= n;
  }
  sg_wipe(block, sizeof block);
  return 0;
}

static int sg_p256_load(mbedtls_ecp_group *grp, mbedtls_mpi *d, const uint8_t dbytes[32]) {
  if (mbedtls_ecp_group_load(grp, MBEDTLS_ECP_DP_SECP256R1) != 0 ||
      mbedtls_mpi_read_binary(d, dbytes, 32) != 0) {
    return SG_ERR_NO_MEMORY;
  }
  return mbedtls_ecp_check_privkey(grp, d) == 0 ? SG_OK : SG_ERR_ARG;
}

static int sg_point_out(const mbedtls_ecp_group *grp, const mbedtls_ecp_point *pt,
                        uint8_t xy[64]) {
  uint8_t buf[65];
  size_t olen = 0;
  const int rc =
      mbedtls_ecp_point_write_binary(grp, pt, MBEDTLS_ECP_PF_UNCOMPRESSED, &olen, buf, sizeof buf);
  if (rc != 0 || olen != sizeof buf) {
    return SG_ERR_INTERNAL;
  }
  memcpy(xy, buf + 1, 64);
  sg_wipe(buf, sizeof buf);
  return SG_OK;
}

int sg_p256_ecdh(const uint8_t d[32], const uint8_t peer[64], sg_rng_fn f_rng, void *p_rng,
                 uint8_t z[32]) {
  int ret = SG_ERR_DECRYPT_FAILED;
  mbedtls_ecp_group grp;
  mbedtls_ecp_point q, r;
  mbedtls_mpi k;
  sg_blind_rng blind;
  uint8_t buf[65];
  uint8_t rxy[64];
  mbedtls_ecp_group_init(&grp);
  mbedtls_ecp_point_init(&q);
  mbedtls_ecp_point_init(&r);
  mbedtls_mpi_init(&k);
  memset(&blind, 0, sizeof blind);

  ret = sg_p256_load(&grp, &k, d);
  if (ret == SG_ERR_ARG) {
    ret = SG_ERR_DECRYPT_FAILED; /* the keystore's key is not a P-256 scalar */
  }
  if (ret != SG_OK) {
    goto done;
  }
  buf[0] = 0x04;
  memcpy(buf + 1, peer, 64);
  if (mbedtls_ecp_point_read_binary(&grp, &q, buf, sizeof buf) != 0 ||
      mbedtls_ecp_check_pubkey(&grp, &q) != 0) {
    ret = SG_ERR_DECRYPT_FAILED; /* not a point of P-256: refuse before any use of d */
    goto done;
  }
  if (f_rng == NULL) {
    sg_sha256_ctx c;
    sg_sha256_start(&c);
    sg_sha256_update(&c, (const uint8_t *)"stagegate ECDH blinding", 23);
    sg_sha256_update(&c, d, 32);
    sg_sha256_update(&c, peer, 64);
    sg_sha256_finish(&c, blind.seed);
    f_rng = sg_blind_rng_fill;
    p_rng = &blind;
  }
  const int rc = mbedtls_ecp_mul(&grp, &r, &k, &q, f_rng, p_rng);
  if (rc != 0) {
    ret = sg_mbedtls_is_oom(rc) ? SG_ERR_NO_MEMORY : SG_ERR_DECRYPT_FAILED;
    goto done;
  }
  ret = sg_point_out(&grp, &r, rxy);
  if (ret == SG_OK) {
    memcpy(z, rxy, 32);
  }
done:
  sg_wipe(&blind, sizeof blind);
  sg_wipe(rxy, sizeof rxy);
  mbedtls_mpi_free(&k);
  mbedtls_ecp_point_free(&r);
  mbedtls_ecp_point_free(&q);
  mbedtls_ecp_group_free(&grp);
  return ret;
}

int sg_p256_public(const uint8_t d[32], uint8_t pub[64]) {
  mbedtls_ecp_group grp;
  mbedtls_ecp_point p;
  mbedtls_mpi k;
  sg_blind_rng blind;
  mbedtls_ecp_group_init(&grp);
  mbedtls_ecp_point_init(&p);
  mbedtls_mpi_init(&k);
  memset(&blind, 0, sizeof blind);
  int ret = sg_p256_load(&grp, &k, d);
  if (ret == SG_OK) {
    sg_sha256(d, 32, blind.seed);
    const int rc = mbedtls_ecp_mul(&grp, &p, &k, &grp.G, sg_blind_rng_fill, &blind);
    ret = rc == 0 ? sg_point_out(&grp, &p, pub)
                  : (sg_mbedtls_is_oom(rc) ? SG_ERR_NO_MEMORY : SG_ERR_INTERNAL);
  }
  sg_wipe(&blind, sizeof blind);
  mbedtls_mpi_free(&k);
  mbedtls_ecp_point_free(&p);
  mbedtls_ecp_group_free(&grp);
  return ret;
}

int sg_p256_private_from_key_file(const uint8_t *buf, size_t len, sg_rng_fn f_rng, void *p_rng,
                                  uint8_t d[32]) {
  int ret = SG_ERR_ARG;
  size_t olen = 0;
  mbedtls_pk_context pk;
  mbedtls_pk_init(&pk);
  const int rc = mbedtls_pk_parse_key(&pk, buf, len, NULL, 0, f_rng, p_rng);
  if (rc != 0) {
    ret = sg_mbedtls_is_oom(rc) ? SG_ERR_NO_MEMORY : SG_ERR_ARG;
  } else if (mbedtls_pk_get_type(&pk) == MBEDTLS_PK_ECKEY &&
             mbedtls_ecp_keypair_get_group_id(mbedtls_pk_ec(pk)) == MBEDTLS_ECP_DP_SECP256R1 &&
             mbedtls_ecp_write_key_ext(mbedtls_pk_ec(pk), &olen, d, 32) == 0 && olen == 32) {
    ret = SG_OK;
  }
  mbedtls_pk_free(&pk);
  return ret;
}

size_t sg_b64url_encode(const uint8_t *in, size_t len, char *out) {
  static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  size_t n = 0;
  size_t i = 0;
  for (; i + 3 <= len; i += 3) {
    const uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
    out[n++] = abc[v >> 18 & 63];
    out[n++] = abc[v >> 12 & 63];
    out[n++] = abc[v >> 6 & 63];
    out[n++] = abc[v & 63];
  }
  if (len - i == 1) {
    const uint32_t v = (uint32_t)in[i] << 16;
    out[n++] = abc[v >> 18 & 63];
    out[n++] = abc[v >> 12 & 63];
  } else if (len - i == 2) {
    const uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;
    out[n++] = abc[v >> 18 & 63];
    out[n++] = abc[v >> 12 & 63];
    out[n++] = abc[v >> 6 & 63];
  }
  return n;
}

/* SHA-256 over the members given, in order, as "name":"value" pairs
 * inside {...}: RFC 7638's canonical form (sorted names, no spaces). */
static void sg_thumbprint(const char *const names[], const uint8_t *const vals[],
                          const size_t lens[], const char *const lits[], size_t n,
                          char kid[SG_KID_LEN]) {
  char enc[44];
  uint8_t h[32];
  sg_sha256_ctx c;
  sg_sha256_start(&c);
  for (size_t i = 0; i < n; i++) {
    sg_sha256_update(&c, (const uint8_t *)(i == 0 ? "{\"" : ",\""), 2);
    sg_sha256_update(&c, (const uint8_t *)names[i], strlen(names[i]));
    sg_sha256_update(&c, (const uint8_t *)"\":\"", 3);
    if (lits[i] != NULL) {
      sg_sha256_update(&c, (const uint8_t *)lits[i], strlen(lits[i]));
    } else {
      const size_t m = sg_b64url_encode(vals[i], lens[i], enc);
      sg_sha256_update(&c, (const uint8_t *)enc, m);
    }
    sg_sha256_update(&c, (const uint8_t *)"\"", 1);
  }
  sg_sha256_update(&c, (const uint8_t *)"}", 1);
  sg_sha256_finish(&c, h);
  (void)sg_b64url_encode(h, sizeof h, kid);
}

void sg_jwk_thumbprint_ec(const uint8_t pub[64], char kid[SG_KID_LEN]) {
  static const char *const names[] = {"crv", "kty", "x", "y"};
  static const char *const lits[] = {"P-256", "EC", NULL, NULL};
  const uint8_t *const vals[] = {NULL, NULL, pub, pub + 32};
  static const size_t lens[] = {0, 0, 32, 32};
  sg_thumbprint(names, vals, lens, lits, 4, kid);
}

void sg_jwk_thumbprint_oct(const uint8_t k[32], char kid[SG_KID_LEN]) {
  static const char *const names[] = {"k", "kty"};
  static const char *const lits[] = {NULL, "oct"};
  const uint8_t *const vals[] = {k, NULL};
  static const size_t lens[] = {32, 0};
  sg_thumbprint(names, vals, lens, lits, 2, kid);
}

#else
typedef int sg_jwe_crypto_left_out; /* SG_NO_JWE: an empty unit is not ISO C */
#endif /* SG_HAVE_JWE */
