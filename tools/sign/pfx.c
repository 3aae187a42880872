/*
 * PKCS#12 (.pfx / .p12, RFC 7292) reader for an administrator's signing key.
 *
 * mbedTLS has the pieces (ASN.1, PBKDF2/PBES2, ciphers, HMAC) but no PFX
 * container parser, so this file walks PFX -> AuthenticatedSafe ->
 * SafeContents -> SafeBags itself. Supported, as `openssl pkcs12 -export`
 * writes them:
 *   - OpenSSL 3 default: PBES2 (PBKDF2-HMAC-SHA256, AES-256-CBC) for the
 *     certificates and the key, MAC HMAC-SHA256;
 *   - legacy (-legacy): certificates in pbeWithSHAAnd40BitRC2-CBC, key in
 *     pbeWithSHAAnd3-KeyTripleDES-CBC, MAC HMAC-SHA1;
 *   - also 2-key 3DES and 128-bit RC2 PBE, plain (unencrypted) bags,
 *     nested SafeContents bags and files without a MAC.
 * Not supported: public-key integrity/privacy modes (signedData or
 * envelopedData authSafes), PBMAC1 MACs, BER indefinite-length encodings.
 *
 * The MAC is checked first, so a wrong passphrase is reported as such and
 * never as a decryption or parsing error.
 */
#include <stdlib.h>
#include <string.h>

#include "mbedtls/asn1.h"
#include "mbedtls/cipher.h"
#include "mbedtls/constant_time.h"
#include "mbedtls/md.h"
#include "mbedtls/oid.h"
#include "mbedtls/pkcs5.h"
#include "mbedtls/platform_util.h"
#include "sg_sign.h"

/* 1.2.840.113549.1.12.10.1.x: PKCS#12 bag types (RFC 7292 §4.2). */
#define SG_OID_BAG MBEDTLS_OID_PKCS12 "\x0a\x01"
#define SG_OID_BAG_KEY SG_OID_BAG "\x01"
#define SG_OID_BAG_SHROUDED SG_OID_BAG "\x02"
#define SG_OID_BAG_CERT SG_OID_BAG "\x03"
#define SG_OID_BAG_SAFE_CONTENTS SG_OID_BAG "\x06"
/* 1.2.840.113549.1.9.22.1: certBag holding a DER X.509 certificate. */
#define SG_OID_CERT_X509 MBEDTLS_OID_PKCS9 "\x16\x01"

#define SG_ASN1_SEQ (MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE)
#define SG_ASN1_EXPLICIT0 (MBEDTLS_ASN1_CONTEXT_SPECIFIC | MBEDTLS_ASN1_CONSTRUCTED | 0)
#define SG_ASN1_IMPLICIT0 (MBEDTLS_ASN1_CONTEXT_SPECIFIC | 0)

/* Iteration counts beyond this are a crafted file, not an export. */
#define SG_PFX_MAX_ITER 10000000
#define SG_PFX_MAX_DEPTH 4

#define SG_OID_IS(oid, lit) \
  ((oid)->len == sizeof(lit) - 1 && memcmp((oid)->p, (lit), sizeof(lit) - 1) == 0)

typedef struct {
  const char *label;
  const char *pass; /* raw UTF-8: PBES2 uses it as is */
  size_t pass_len;
  uint8_t *bmp; /* BMPString form: PKCS#12 KDF (MAC, PBE) */
  size_t bmp_len;
  uint8_t *key_der; /* decrypted PrivateKeyInfo: secret */
  size_t key_len;
  unsigned n_keys;
  mbedtls_x509_crt certs;
  unsigned n_certs;
} sg_pfx;

/* ---- passphrase and key derivation ------------------------------------- */

int sg_pkcs12_bmp(const char *pass, size_t pass_len, int latin1, uint8_t **out, size_t *out_len) {
  int ret = -1;
  if (out == NULL || out_len == NULL || (pass == NULL && pass_len != 0) ||
      pass_len > SIZE_MAX / 4 - 2) {
    return -1;
  }
  /* Worst case 4 bytes per input byte (UTF-16 surrogate pairs) + 2. */
  uint8_t *b = malloc(pass_len * 4 + 2);
  if (b == NULL) {
    return -1;
  }
  size_t o = 0;
  const uint8_t *s = (const uint8_t *)pass;
  for (size_t i = 0; i < pass_len;) {
    uint32_t cp = s[i];
    size_t extra = 0;
    if (latin1 || cp < 0x80) {
      extra = 0;
    } else if ((cp & 0xe0u) == 0xc0u) {
      cp &= 0x1fu;
      extra = 1;
    } else if ((cp & 0xf0u) == 0xe0u) {
      cp &= 0x0fu;
      extra = 2;
    } else if ((cp & 0xf8u) == 0xf0u) {
      cp &= 0x07u;
      extra = 3;
    } else {
      goto out;
    }
    if (extra > pass_len - i - 1) {
      goto out;
    }
    for (size_t k = 1; k <= extra; k++) {
      if ((s[i + k] & 0xc0u) != 0x80u) {
        goto out;
      }
      cp = (cp << 6) | (s[i + k] & 0x3fu);
    }
    /* Overlong forms, surrogates and out-of-range code points are not UTF-8. */
    if ((extra == 1 && cp < 0x80) || (extra == 2 && cp < 0x800) || (extra == 3 && cp < 0x10000) ||
        cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
      goto out;
    }
    i += extra + 1;
    if (cp >= 0x10000) {
      const uint32_t v = cp - 0x10000;
      const uint32_t hi = 0xd800u | (v >> 10), lo = 0xdc00u | (v & 0x3ffu);
      b[o++] = (uint8_t)(hi >> 8);
      b[o++] = (uint8_t)(hi & 0xffu);
      b[o++] = (uint8_t)(lo >> 8);
      b[o++] = (uint8_t)(lo & 0xffu);
    } else {
      b[o++] = (uint8_t)(cp >> 8);
      b[o++] = (uint8_t)(cp & 0xffu);
    }
  }
  b[o++] = 0;
  b[o++] = 0;
  *out = b;
  *out_len = o;
  b = NULL;
  ret = 0;
out:
  if (b != NULL) {
    sg_free_secret(b, pass_len * 4 + 2);
  }
  return ret;
}

/* Repeat src to fill dst (RFC 7292 B.2 steps 2-3). */
static void sg_fill_repeat(uint8_t *dst, size_t dst_len, const uint8_t *src, size_t src_len) {
  for (size_t i = 0; i < dst_len; i++) {
    dst[i] = src[i % src_len];
  }
}

int sg_pkcs12_kdf(mbedtls_md_type_t md, const uint8_t *pwd, size_t pwd_len, const uint8_t *salt,
                  size_t salt_len, int id, int iterations, uint8_t *out, size_t out_len) {
  int ret = -1;
  const mbedtls_md_info_t *info = mbedtls_md_info_from_type(md);
  uint8_t a[MBEDTLS_MD_MAX_SIZE], b[128], d[128];
  uint8_t *ibuf = NULL;
  size_t i_len = 0;
  if (info == NULL || (pwd == NULL && pwd_len != 0) || (salt == NULL && salt_len != 0) ||
      out == NULL || iterations < 1 || id < 1 || id > 3 || pwd_len > 1u << 20 ||
      salt_len > 1u << 20) {
    return -1;
  }
  const size_t u = mbedtls_md_get_size(info);
  const size_t v = u <= 32 ? 64 : 128; /* the hash's block size */
  const size_t s_len = v * ((salt_len + v - 1) / v);
  const size_t p_len = v * ((pwd_len + v - 1) / v);
  i_len = s_len + p_len;
  ibuf = calloc(1, i_len == 0 ? 1 : i_len);
  if (ibuf == NULL) {
    return -1;
  }
  if (s_len != 0) {
    sg_fill_repeat(ibuf, s_len, salt, salt_len);
  }
  if (p_len != 0) {
    sg_fill_repeat(ibuf + s_len, p_len, pwd, pwd_len);
  }
  memset(d, id, v);
  size_t done = 0;
  while (done < out_len) {
    mbedtls_md_context_t ctx;
    mbedtls_md_init(&ctx);
    int rc = mbedtls_md_setup(&ctx, info, 0);
    rc = rc != 0 ? rc : mbedtls_md_starts(&ctx);
    rc = rc != 0 ? rc : mbedtls_md_update(&ctx, d, v);
    rc = rc != 0 ? rc : mbedtls_md_update(&ctx, ibuf, i_len);
    rc = rc != 0 ? rc : mbedtls_md_finish(&ctx, a);
    mbedtls_md_free(&ctx);
    for (int r = 1; rc == 0 && r < iterations; r++) {
      rc = mbedtls_md(info, a, u, a);
    }
    if (rc != 0) {
      goto out;
    }
    const size_t take = out_len - done < u ? out_len - done : u;
    memcpy(out + done, a, take);
    done += take;
    if (done >= out_len) {
      break;
    }
    /* I_j = (I_j + B + 1) mod 2^(8v) for every v-byte block of I. */
    sg_fill_repeat(b, v, a, u);
    for (size_t j = 0; j < i_len; j += v) {
      unsigned carry = 1;
      for (size_t k = v; k-- > 0;) {
        const unsigned sum = (unsigned)ibuf[j + k] + b[k] + carry;
        ibuf[j + k] = (uint8_t)(sum & 0xffu);
        carry = sum >> 8;
      }
    }
  }
  ret = 0;
out:
  mbedtls_platform_zeroize(a, sizeof a);
  mbedtls_platform_zeroize(b, sizeof b);
  sg_free_secret(ibuf, i_len == 0 ? 1 : i_len);
  return ret;
}

/* ---- MAC ----------------------------------------------------------------- */

static int sg_oid_text(const mbedtls_asn1_buf *oid, char *buf, size_t size) {
  if (mbedtls_oid_get_numeric_string(buf, size, oid) < 0) {
    (void)snprintf(buf, size, "(unreadable OID)");
  }
  return 0;
}

/*
 * MacData ::= SEQUENCE { mac DigestInfo, macSalt OCTET STRING,
 *                        iterations INTEGER DEFAULT 1 }
 * Checks the MAC over `data` with the BMPString passphrase; 1 if it
 * verifies, 0 if not, or an exit code for a malformed MacData.
 */
static int sg_pfx_mac_check(const sg_pfx *x, uint8_t *p, const uint8_t *end, const uint8_t *data,
                            size_t data_len, const uint8_t *bmp, size_t bmp_len) {
  int ret = SG_EXIT_FAIL;
  size_t len;
  mbedtls_asn1_buf alg, digest, salt;
  mbedtls_md_type_t md = MBEDTLS_MD_NONE;
  int iterations = 1;
  uint8_t key[MBEDTLS_MD_MAX_SIZE], mac[MBEDTLS_MD_MAX_SIZE];
  char oid[64];
  if (mbedtls_asn1_get_tag(&p, end, &len, SG_ASN1_SEQ) != 0 ||
      mbedtls_asn1_get_tag(&p, end, &len, SG_ASN1_SEQ) != 0) {
    return sg_fail("%s: malformed MAC data", x->label);
  }
  const uint8_t *di_end = p + len;
  /* A digest AlgorithmIdentifier has NULL or absent parameters. */
  if (mbedtls_asn1_get_alg_null(&p, di_end, &alg) != 0 ||
      mbedtls_asn1_get_tag(&p, di_end, &digest.len, MBEDTLS_ASN1_OCTET_STRING) != 0) {
    return sg_fail("%s: malformed MAC digest", x->label);
  }
  digest.p = p;
  p += digest.len;
  if (mbedtls_asn1_get_tag(&p, end, &salt.len, MBEDTLS_ASN1_OCTET_STRING) != 0) {
    return sg_fail("%s: malformed MAC salt", x->label);
  }
  salt.p = p;
  p += salt.len;
  if (p < end && mbedtls_asn1_get_int(&p, end, &iterations) != 0) {
    return sg_fail("%s: malformed MAC iteration count", x->label);
  }
  if (iterations < 1 || iterations > SG_PFX_MAX_ITER) {
    return sg_fail("%s: MAC iteration count %d out of range", x->label, iterations);
  }
  if (mbedtls_oid_get_md_alg(&alg, &md) != 0 || mbedtls_md_info_from_type(md) == NULL) {
    sg_oid_text(&alg, oid, sizeof oid);
    return sg_fail("%s: MAC algorithm %s not supported (PBMAC1 is not; export with "
                   "-macalg sha256)",
                   x->label, oid);
  }
  const mbedtls_md_info_t *info = mbedtls_md_info_from_type(md);
  const size_t u = mbedtls_md_get_size(info);
  if (digest.len != u) {
    return sg_fail("%s: MAC has %zu bytes, expected %zu", x->label, digest.len, u);
  }
  if (sg_pkcs12_kdf(md, bmp, bmp_len, salt.p, salt.len, 3, iterations, key, u) != 0 ||
      mbedtls_md_hmac(info, key, u, data, data_len, mac) != 0) {
    ret = sg_fail("%s: cannot compute the MAC", x->label);
    goto out;
  }
  ret = mbedtls_ct_memcmp(mac, digest.p, u) == 0 ? 1 : 0;
out:
  mbedtls_platform_zeroize(key, sizeof key);
  mbedtls_platform_zeroize(mac, sizeof mac);
  return ret;
}

/* ---- decryption --------------------------------------------------------- */

/* Strip PKCS#7 padding of block size bs; 0 or -1. */
static int sg_unpad(const uint8_t *buf, size_t *len, size_t bs) {
  if (*len == 0 || *len % bs != 0) {
    return -1;
  }
  const uint8_t pad = buf[*len - 1];
  if (pad == 0 || pad > bs) {
    return -1;
  }
  for (size_t i = 0; i < pad; i++) {
    if (buf[*len - 1 - i] != pad) {
      return -1;
    }
  }
  *len -= pad;
  return 0;
}

/*
 * pkcs-12PbeParams ::= SEQUENCE { salt OCTET STRING, iterations INTEGER },
 * key and IV from the PKCS#12 KDF with SHA-1, then CBC (RFC 7292 B, C).
 */
static int sg_pfx_pbe12(const sg_pfx *x, const char *what, const mbedtls_asn1_buf *params,
                        mbedtls_cipher_type_t cipher, size_t key_len, const uint8_t *in,
                        size_t in_len, uint8_t *out, size_t *out_len) {
  int ret = SG_EXIT_FAIL;
  uint8_t *p = params->p;
  const uint8_t *end = p + params->len;
  size_t salt_len = 0;
  int iterations = 0;
  uint8_t key[24], iv[8];
  if (params->tag != SG_ASN1_SEQ || mbedtls_asn1_get_tag(&p, end, &salt_len,
                                                         MBEDTLS_ASN1_OCTET_STRING) != 0) {
    return sg_fail("%s: malformed encryption parameters for the %s", x->label, what);
  }
  const uint8_t *salt = p;
  p += salt_len;
  if (mbedtls_asn1_get_int(&p, end, &iterations) != 0 || iterations < 1 ||
      iterations > SG_PFX_MAX_ITER) {
    return sg_fail("%s: bad iteration count for the %s", x->label, what);
  }
  if (sg_pkcs12_kdf(MBEDTLS_MD_SHA1, x->bmp, x->bmp_len, salt, salt_len, 1, iterations, key,
                    key_len) != 0 ||
      sg_pkcs12_kdf(MBEDTLS_MD_SHA1, x->bmp, x->bmp_len, salt, salt_len, 2, iterations, iv,
                    sizeof iv) != 0) {
    ret = sg_fail("%s: key derivation failed for the %s", x->label, what);
    goto out;
  }
  if (in_len == 0 || in_len % 8 != 0) {
    ret = sg_fail("%s: encrypted %s has a bad length", x->label, what);
    goto out;
  }
  if (cipher == MBEDTLS_CIPHER_NONE) { /* RC2: ours, not mbedTLS's */
    sg_rc2 rc2;
    if (sg_rc2_setkey(&rc2, key, key_len, (unsigned)(key_len * 8)) != 0 ||
        sg_rc2_cbc_decrypt(&rc2, iv, in, in_len, out) != 0) {
      sg_rc2_free(&rc2);
      ret = sg_fail("%s: RC2 decryption failed for the %s", x->label, what);
      goto out;
    }
    sg_rc2_free(&rc2);
    *out_len = in_len;
    if (sg_unpad(out, out_len, 8) != 0) {
      ret = sg_fail("%s: cannot decrypt the %s (wrong passphrase?)", x->label, what);
      goto out;
    }
  } else {
    mbedtls_cipher_context_t c;
    mbedtls_cipher_init(&c);
    int rc = mbedtls_cipher_setup(&c, mbedtls_cipher_info_from_type(cipher));
    rc = rc != 0 ? rc : mbedtls_cipher_setkey(&c, key, (int)(key_len * 8), MBEDTLS_DECRYPT);
    rc = rc != 0 ? rc : mbedtls_cipher_set_padding_mode(&c, MBEDTLS_PADDING_PKCS7);
    rc = rc != 0 ? rc : mbedtls_cipher_crypt(&c, iv, sizeof iv, in, in_len, out, out_len);
    mbedtls_cipher_free(&c);
    if (rc != 0) {
      ret = sg_fail("%s: cannot decrypt the %s (wrong passphrase?)", x->label, what);
      goto out;
    }
  }
  ret = SG_EXIT_OK;
out:
  mbedtls_platform_zeroize(key, sizeof key);
  mbedtls_platform_zeroize(iv, sizeof iv);
  return ret;
}

/* Decrypt `in` encrypted with algorithm (alg, params) into a fresh buffer. */
static int sg_pfx_decrypt(const sg_pfx *x, const char *what, const mbedtls_asn1_buf *alg,
                          mbedtls_asn1_buf *params, const uint8_t *in, size_t in_len,
                          uint8_t **out, size_t *out_len) {
  int ret = SG_EXIT_FAIL;
  char oid[64];
  *out = NULL;
  *out_len = 0;
  uint8_t *buf = malloc(in_len + 16);
  if (buf == NULL) {
    return sg_fail("%s: out of memory", x->label);
  }
  size_t len = 0;
  if (SG_OID_IS(alg, MBEDTLS_OID_PKCS12_PBE_SHA1_DES3_EDE_CBC)) {
    ret = sg_pfx_pbe12(x, what, params, MBEDTLS_CIPHER_DES_EDE3_CBC, 24, in, in_len, buf, &len);
  } else if (SG_OID_IS(alg, MBEDTLS_OID_PKCS12_PBE_SHA1_DES2_EDE_CBC)) {
    ret = sg_pfx_pbe12(x, what, params, MBEDTLS_CIPHER_DES_EDE_CBC, 16, in, in_len, buf, &len);
  } else if (SG_OID_IS(alg, MBEDTLS_OID_PKCS12_PBE_SHA1_RC2_40_CBC)) {
    ret = sg_pfx_pbe12(x, what, params, MBEDTLS_CIPHER_NONE, 5, in, in_len, buf, &len);
  } else if (SG_OID_IS(alg, MBEDTLS_OID_PKCS12_PBE_SHA1_RC2_128_CBC)) {
    ret = sg_pfx_pbe12(x, what, params, MBEDTLS_CIPHER_NONE, 16, in, in_len, buf, &len);
  } else if (SG_OID_IS(alg, MBEDTLS_OID_PKCS5_PBES2)) {
    /* PBES2 takes the passphrase as its UTF-8 bytes, not as a BMPString. */
    const int rc = mbedtls_pkcs5_pbes2_ext(params, MBEDTLS_PKCS5_DECRYPT,
                                           (const unsigned char *)x->pass, x->pass_len, in, in_len,
                                           buf, in_len + 16, &len);
    if (rc == MBEDTLS_ERR_PKCS5_PASSWORD_MISMATCH) {
      ret = sg_fail("%s: cannot decrypt the %s (wrong passphrase?)", x->label, what);
    } else if (rc == MBEDTLS_ERR_PKCS5_FEATURE_UNAVAILABLE) {
      ret = sg_fail("%s: the %s uses a PBES2 key derivation or cipher that is not supported "
                    "(PBKDF2 with AES-CBC or 3DES is)",
                    x->label, what);
    } else if (rc != 0) {
      char m[128];
      ret = sg_fail("%s: cannot decrypt the %s: %s", x->label, what,
                    sg_mbedtls_msg(rc, m, sizeof m));
    } else {
      ret = SG_EXIT_OK;
    }
  } else {
    sg_oid_text(alg, oid, sizeof oid);
    ret = sg_fail("%s: the %s is encrypted with %s, which is not supported", x->label, what, oid);
  }
  if (ret != SG_EXIT_OK) {
    sg_free_secret(buf, in_len + 16);
    return ret;
  }
  *out = buf;
  *out_len = len;
  return ret;
}

/* ---- bags --------------------------------------------------------------- */

static int sg_pfx_safe_contents(sg_pfx *x, uint8_t *p, const uint8_t *end, unsigned depth);

static int sg_pfx_keep_key(sg_pfx *x, const uint8_t *der, size_t len) {
  x->n_keys++;
  if (x->key_der != NULL) {
    return SG_EXIT_OK; /* counted; more than one is refused by the caller */
  }
  x->key_der = malloc(len == 0 ? 1 : len);
  if (x->key_der == NULL) {
    return sg_fail("%s: out of memory", x->label);
  }
  memcpy(x->key_der, der, len);
  x->key_len = len;
  return SG_EXIT_OK;
}

/* SafeBag ::= SEQUENCE { bagId OID, bagValue [0] EXPLICIT ANY, bagAttributes SET OPTIONAL } */
static int sg_pfx_bag(sg_pfx *x, uint8_t *p, const uint8_t *end, unsigned depth) {
  int ret = SG_EXIT_FAIL;
  mbedtls_asn1_buf id;
  size_t len;
  if (mbedtls_asn1_get_tag(&p, end, &id.len, MBEDTLS_ASN1_OID) != 0) {
    return sg_fail("%s: malformed bag", x->label);
  }
  id.p = p;
  p += id.len;
  if (mbedtls_asn1_get_tag(&p, end, &len, SG_ASN1_EXPLICIT0) != 0) {
    return sg_fail("%s: malformed bag value", x->label);
  }
  uint8_t *v = p;
  const uint8_t *v_end = p + len; /* attributes after it are not needed */
  if (SG_OID_IS(&id, SG_OID_BAG_KEY)) {
    ret = sg_pfx_keep_key(x, v, len);
  } else if (SG_OID_IS(&id, SG_OID_BAG_SHROUDED)) {
    /* EncryptedPrivateKeyInfo ::= SEQUENCE { AlgorithmIdentifier, OCTET STRING } */
    mbedtls_asn1_buf alg, params;
    size_t enc_len;
    if (mbedtls_asn1_get_tag(&v, v_end, &len, SG_ASN1_SEQ) != 0 ||
        mbedtls_asn1_get_alg(&v, v_end, &alg, &params) != 0 ||
        mbedtls_asn1_get_tag(&v, v_end, &enc_len, MBEDTLS_ASN1_OCTET_STRING) != 0) {
      return sg_fail("%s: malformed encrypted private key", x->label);
    }
    uint8_t *plain = NULL;
    size_t plain_len = 0;
    ret = sg_pfx_decrypt(x, "private key", &alg, &params, v, enc_len, &plain, &plain_len);
    if (ret == SG_EXIT_OK) {
      ret = sg_pfx_keep_key(x, plain, plain_len);
      sg_free_secret(plain, enc_len + 16);
    }
  } else if (SG_OID_IS(&id, SG_OID_BAG_CERT)) {
    /* CertBag ::= SEQUENCE { certId OID, certValue [0] EXPLICIT OCTET STRING } */
    mbedtls_asn1_buf type;
    if (mbedtls_asn1_get_tag(&v, v_end, &len, SG_ASN1_SEQ) != 0 ||
        mbedtls_asn1_get_tag(&v, v_end, &type.len, MBEDTLS_ASN1_OID) != 0) {
      return sg_fail("%s: malformed certificate bag", x->label);
    }
    type.p = v;
    v += type.len;
    if (!SG_OID_IS(&type, SG_OID_CERT_X509)) {
      return SG_EXIT_OK; /* SDSI certificates: not ours */
    }
    if (mbedtls_asn1_get_tag(&v, v_end, &len, SG_ASN1_EXPLICIT0) != 0 ||
        mbedtls_asn1_get_tag(&v, v_end, &len, MBEDTLS_ASN1_OCTET_STRING) != 0) {
      return sg_fail("%s: malformed certificate bag", x->label);
    }
    const int rc = mbedtls_x509_crt_parse_der(&x->certs, v, len);
    if (rc != 0) {
      char m[128];
      return sg_fail("%s: a certificate in it does not parse: %s", x->label,
                     sg_mbedtls_msg(rc, m, sizeof m));
    }
    x->n_certs++;
    ret = SG_EXIT_OK;
  } else if (SG_OID_IS(&id, SG_OID_BAG_SAFE_CONTENTS)) {
    ret = sg_pfx_safe_contents(x, v, v_end, depth + 1);
  } else {
    ret = SG_EXIT_OK; /* CRL and secret bags: nothing to sign with */
  }
  return ret;
}

/* SafeContents ::= SEQUENCE OF SafeBag */
static int sg_pfx_safe_contents(sg_pfx *x, uint8_t *p, const uint8_t *end, unsigned depth) {
  int ret = SG_EXIT_FAIL;
  size_t len;
  if (depth > SG_PFX_MAX_DEPTH) {
    return sg_fail("%s: bags nested too deeply", x->label);
  }
  if (mbedtls_asn1_get_tag(&p, end, &len, SG_ASN1_SEQ) != 0 || p + len != end) {
    return sg_fail("%s: malformed SafeContents (wrong passphrase?)", x->label);
  }
  ret = SG_EXIT_OK;
  while (ret == SG_EXIT_OK && p < end) {
    if (mbedtls_asn1_get_tag(&p, end, &len, SG_ASN1_SEQ) != 0) {
      return sg_fail("%s: malformed bag", x->label);
    }
    ret = sg_pfx_bag(x, p, p + len, depth);
    p += len;
  }
  return ret;
}

/*
 * One ContentInfo of the AuthenticatedSafe: `data` (plain SafeContents) or
 * `encryptedData` (password-encrypted SafeContents).
 */
static int sg_pfx_content_info(sg_pfx *x, uint8_t *p, const uint8_t *end) {
  int ret = SG_EXIT_FAIL;
  mbedtls_asn1_buf type;
  size_t len;
  char oid[64];
  if (mbedtls_asn1_get_tag(&p, end, &type.len, MBEDTLS_ASN1_OID) != 0) {
    return sg_fail("%s: malformed content", x->label);
  }
  type.p = p;
  p += type.len;
  if (mbedtls_asn1_get_tag(&p, end, &len, SG_ASN1_EXPLICIT0) != 0) {
    return sg_fail("%s: malformed content (BER indefinite lengths are not supported)",
                   x->label);
  }
  if (SG_OID_IS(&type, MBEDTLS_OID_PKCS7_DATA)) {
    if (mbedtls_asn1_get_tag(&p, end, &len, MBEDTLS_ASN1_OCTET_STRING) != 0) {
      return sg_fail("%s: malformed data content", x->label);
    }
    return sg_pfx_safe_contents(x, p, p + len, 0);
  }
  if (!SG_OID_IS(&type, MBEDTLS_OID_PKCS7_ENCRYPTED_DATA)) {
    sg_oid_text(&type, oid, sizeof oid);
    return sg_fail("%s: content type %s not supported (public-key protected .pfx files are "
                   "not)",
                   x->label, oid);
  }
  /* EncryptedData ::= SEQUENCE { version INTEGER, EncryptedContentInfo ::= SEQUENCE {
   *   contentType OID, contentEncryptionAlgorithm AlgorithmIdentifier,
   *   encryptedContent [0] IMPLICIT OCTET STRING } } */
  int version = -1;
  mbedtls_asn1_buf alg, params;
  size_t enc_len;
  if (mbedtls_asn1_get_tag(&p, end, &len, SG_ASN1_SEQ) != 0 ||
      mbedtls_asn1_get_int(&p, end, &version) != 0 ||
      mbedtls_asn1_get_tag(&p, end, &len, SG_ASN1_SEQ) != 0 ||
      mbedtls_asn1_get_tag(&p, end, &type.len, MBEDTLS_ASN1_OID) != 0) {
    return sg_fail("%s: malformed encrypted content", x->label);
  }
  p += type.len;
  if (mbedtls_asn1_get_alg(&p, end, &alg, &params) != 0 ||
      mbedtls_asn1_get_tag(&p, end, &enc_len, SG_ASN1_IMPLICIT0) != 0) {
    return sg_fail("%s: malformed encrypted content (constructed BER strings are not "
                   "supported)",
                   x->label);
  }
  uint8_t *plain = NULL;
  size_t plain_len = 0;
  ret = sg_pfx_decrypt(x, "certificates", &alg, &params, p, enc_len, &plain, &plain_len);
  if (ret == SG_EXIT_OK) {
    ret = sg_pfx_safe_contents(x, plain, plain + plain_len, 0);
    sg_free_secret(plain, enc_len + 16);
  }
  return ret;
}

/* ---- the file ----------------------------------------------------------- */

/* Find the MAC encoding of the passphrase that verifies; sets x->bmp. */
static int sg_pfx_unlock(sg_pfx *x, uint8_t *mac, const uint8_t *mac_end, const uint8_t *data,
                         size_t data_len) {
  int ret = SG_EXIT_FAIL;
  int has_non_ascii = 0;
  for (size_t i = 0; i < x->pass_len; i++) {
    has_non_ascii |= ((const uint8_t *)x->pass)[i] >= 0x80;
  }
  /* OpenSSL 3 encodes the passphrase from UTF-8; older exports zero-extended
   * each byte. Try both for a non-ASCII passphrase, like openssl does. */
  for (int latin1 = 0; latin1 <= has_non_ascii; latin1++) {
    uint8_t *bmp = NULL;
    size_t bmp_len = 0;
    if (sg_pkcs12_bmp(x->pass, x->pass_len, latin1, &bmp, &bmp_len) != 0) {
      if (!latin1) {
        continue; /* not UTF-8: only the byte form can match */
      }
      return sg_fail("%s: out of memory", x->label);
    }
    if (mac == NULL) { /* no MAC: nothing to choose by, take the standard form */
      x->bmp = bmp;
      x->bmp_len = bmp_len;
      return SG_EXIT_OK;
    }
    ret = sg_pfx_mac_check(x, mac, mac_end, data, data_len, bmp, bmp_len);
    if (ret == 1) {
      x->bmp = bmp;
      x->bmp_len = bmp_len;
      return SG_EXIT_OK;
    }
    sg_free_secret(bmp, bmp_len);
    if (ret != 0) {
      return ret; /* malformed MAC data: already reported */
    }
  }
  return sg_fail("%s: wrong passphrase (the file's MAC does not verify)", x->label);
}

int sg_pfx_load(const char *label, const uint8_t *der, size_t der_len, const char *pass,
                size_t pass_len, mbedtls_pk_context *key, mbedtls_x509_crt *leaf,
                mbedtls_x509_crt *extra, sg_rng *rng) {
  int ret = SG_EXIT_FAIL;
  sg_pfx x;
  size_t len;
  int version = 0;
  uint8_t *work = NULL;
  memset(&x, 0, sizeof x);
  mbedtls_x509_crt_init(&x.certs);
  x.label = label;
  x.pass = pass;
  x.pass_len = pass_len;
  if (der == NULL || der_len == 0 || key == NULL || leaf == NULL || extra == NULL ||
      (pass == NULL && pass_len != 0)) {
    return sg_fail("%s: empty file", label);
  }
  /* mbedTLS's ASN.1 reader wants writable pointers: parse a private copy. */
  work = malloc(der_len);
  if (work == NULL) {
    ret = sg_fail("%s: out of memory", label);
    goto out;
  }
  memcpy(work, der, der_len);
  uint8_t *p = work;
  const uint8_t *end = work + der_len;
  /* PFX ::= SEQUENCE { version INTEGER {v3(3)}, authSafe ContentInfo, macData MacData OPTIONAL } */
  if (mbedtls_asn1_get_tag(&p, end, &len, SG_ASN1_SEQ) != 0 || p + len != end ||
      mbedtls_asn1_get_int(&p, end, &version) != 0) {
    ret = sg_fail("%s: not a PKCS#12 (.pfx) file", label);
    goto out;
  }
  if (version != 3) {
    ret = sg_fail("%s: PKCS#12 version %d not supported (only 3)", label, version);
    goto out;
  }
  mbedtls_asn1_buf type;
  if (mbedtls_asn1_get_tag(&p, end, &len, SG_ASN1_SEQ) != 0) {
    ret = sg_fail("%s: malformed PKCS#12 content", label);
    goto out;
  }
  uint8_t *mac = p + len;
  if (mbedtls_asn1_get_tag(&p, mac, &type.len, MBEDTLS_ASN1_OID) != 0) {
    ret = sg_fail("%s: malformed PKCS#12 content", label);
    goto out;
  }
  type.p = p;
  p += type.len;
  if (!SG_OID_IS(&type, MBEDTLS_OID_PKCS7_DATA)) {
    ret = sg_fail("%s: public-key integrity mode (signed .pfx) is not supported: export it "
                  "with a passphrase",
                  label);
    goto out;
  }
  if (mbedtls_asn1_get_tag(&p, mac, &len, SG_ASN1_EXPLICIT0) != 0 ||
      mbedtls_asn1_get_tag(&p, mac, &len, MBEDTLS_ASN1_OCTET_STRING) != 0 || p + len != mac) {
    ret = sg_fail("%s: malformed PKCS#12 content (BER constructed strings are not supported)",
                  label);
    goto out;
  }
  uint8_t *safe = p;
  const size_t safe_len = len;
  ret = sg_pfx_unlock(&x, mac == end ? NULL : mac, end, safe, safe_len);
  if (ret != SG_EXIT_OK) {
    goto out;
  }
  /* AuthenticatedSafe ::= SEQUENCE OF ContentInfo */
  p = safe;
  const uint8_t *safe_end = safe + safe_len;
  if (mbedtls_asn1_get_tag(&p, safe_end, &len, SG_ASN1_SEQ) != 0 || p + len != safe_end) {
    ret = sg_fail("%s: malformed authenticated safe", label);
    goto out;
  }
  while (p < safe_end) {
    if (mbedtls_asn1_get_tag(&p, safe_end, &len, SG_ASN1_SEQ) != 0) {
      ret = sg_fail("%s: malformed authenticated safe", label);
      goto out;
    }
    ret = sg_pfx_content_info(&x, p, p + len);
    if (ret != SG_EXIT_OK) {
      goto out;
    }
    p += len;
  }
  if (x.n_keys == 0) {
    ret = sg_fail("%s: holds no private key", label);
    goto out;
  }
  if (x.n_keys > 1) {
    ret = sg_fail("%s: holds %u private keys; export only the signing key", label, x.n_keys);
    goto out;
  }
  int rc = mbedtls_pk_parse_key(key, x.key_der, x.key_len, NULL, 0, mbedtls_ctr_drbg_random,
                                &rng->drbg);
  if (rc != 0) {
    char m[128];
    ret = sg_fail("%s: its private key does not parse: %s", label, sg_mbedtls_msg(rc, m, sizeof m));
    goto out;
  }
  /* The leaf is the certificate of this key; every other one is chain. */
  int found = 0;
  for (const mbedtls_x509_crt *c = &x.certs; x.n_certs != 0 && c != NULL; c = c->next) {
    mbedtls_x509_crt *dst = extra;
    if (!found &&
        mbedtls_pk_check_pair(&c->pk, key, mbedtls_ctr_drbg_random, &rng->drbg) == 0) {
      dst = leaf;
      found = 1;
    }
    rc = mbedtls_x509_crt_parse_der(dst, c->raw.p, c->raw.len);
    if (rc != 0) {
      ret = sg_fail("%s: out of memory", label);
      goto out;
    }
  }
  if (!found) {
    ret = sg_fail("%s: no certificate in it matches its private key", label);
    goto out;
  }
  ret = SG_EXIT_OK;
out:
  sg_free_secret(x.key_der, x.key_len == 0 ? 1 : x.key_len);
  sg_free_secret(x.bmp, x.bmp_len);
  sg_free_secret(work, der_len);
  mbedtls_x509_crt_free(&x.certs);
  return ret;
}
