/*
 * The signer: a private key, its certificate and optional intermediates,
 * from PEM/DER files or a .pfx, with the passphrase from the environment,
 * a file, the command line or the terminal.
 *
 * Keys and .pfx files go through OpenSSL 3 libcrypto, the library the
 * administrators' own tools use: OSSL_DECODER for PEM/DER keys (PKCS#8,
 * encrypted PKCS#8, PKCS#1, SEC1, legacy encrypted PEM) and PKCS12_parse
 * for .pfx/.p12 (AES, and RC2-40/3DES through the legacy provider).
 * Certificates are handed on as mbedTLS objects, parsed as devices do.
 *
 * A wrong passphrase is not always detectable as such: without a MAC, a
 * wrong key decrypts to garbage whose CBC padding is valid once in 256
 * tries, and only the ASN.1 parse fails. So whenever a passphrase was used
 * and the result does not parse, the message is "wrong passphrase, or the
 * key file is damaged" and never "not a private key" (issue 16).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <openssl/decoder.h>
#include <openssl/err.h>
#include <openssl/pkcs12.h>
#include <openssl/provider.h>
#include <openssl/x509.h>

#include "mbedtls/error.h"
#include "mbedtls/platform_util.h"
#include "sg_sign.h"

#define SG_PASS_MAX 1024u /* longest passphrase typed at the terminal */

int sg_rng_init(sg_rng *rng) {
  static const char pers[] = "stagegate-sign";
  mbedtls_entropy_init(&rng->entropy);
  mbedtls_ctr_drbg_init(&rng->drbg);
  const int rc = mbedtls_ctr_drbg_seed(&rng->drbg, mbedtls_entropy_func, &rng->entropy,
                                       (const unsigned char *)pers, sizeof pers - 1);
  if (rc != 0) {
    char m[128];
    return sg_fail("cannot seed the random generator: %s", sg_mbedtls_msg(rc, m, sizeof m));
  }
  return SG_EXIT_OK;
}

void sg_rng_free(sg_rng *rng) {
  mbedtls_ctr_drbg_free(&rng->drbg);
  mbedtls_entropy_free(&rng->entropy);
}

void sg_signer_init(sg_signer *s) {
  memset(s, 0, sizeof *s);
  mbedtls_x509_crt_init(&s->leaf);
  mbedtls_x509_crt_init(&s->chain);
}

void sg_signer_free(sg_signer *s) {
  EVP_PKEY_free(s->key);
  mbedtls_x509_crt_free(&s->leaf);
  mbedtls_x509_crt_free(&s->chain);
  memset(s, 0, sizeof *s);
}

int sg_cert_load_file(mbedtls_x509_crt *crt, const char *path) {
  int ret = SG_EXIT_FAIL;
  uint8_t *buf = NULL;
  size_t len = 0;
  ret = sg_read_file(path, &buf, &len);
  if (ret != SG_EXIT_OK) {
    return ret;
  }
  int rc;
  if (sg_is_pem(buf, len, "CERTIFICATE-----")) {
    rc = mbedtls_x509_crt_parse(crt, buf, len + 1); /* PEM: the NUL counts */
  } else if (sg_is_pem(buf, len, "")) {
    ret = sg_fail("%s: PEM file without a CERTIFICATE block", path);
    goto out;
  } else {
    rc = mbedtls_x509_crt_parse_der(crt, buf, len);
  }
  if (rc != 0) {
    char m[128];
    /* parse() returns a positive count when some PEM blocks failed */
    ret = sg_fail("%s: certificate does not parse: %s", path,
                  rc > 0 ? "some blocks are not certificates" : sg_mbedtls_msg(rc, m, sizeof m));
    goto out;
  }
  ret = SG_EXIT_OK;
out:
  sg_free_buf(buf);
  return ret;
}

/* ---- passphrases -------------------------------------------------------- */

/* Copy text[0..n) into a fresh NUL-terminated buffer. */
static int sg_pass_dup(const char *text, size_t n, char **pass, size_t *pass_len) {
  *pass = malloc(n + 1);
  if (*pass == NULL) {
    return sg_fail("out of memory");
  }
  memcpy(*pass, text, n);
  (*pass)[n] = '\0';
  *pass_len = n;
  return SG_EXIT_OK;
}

/*
 * Ask on the terminal with echo off. Only when both stdin and stderr are
 * terminals: a script, a pipe or a CI job never blocks on a prompt.
 */
static int sg_pass_prompt(const char *what, const char *file, char **pass, size_t *pass_len) {
  if (!isatty(STDIN_FILENO) || !isatty(STDERR_FILENO)) {
    return SG_EXIT_OK; /* no terminal: no passphrase */
  }
  struct termios old, quiet;
  if (tcgetattr(STDIN_FILENO, &old) != 0) {
    return SG_EXIT_OK;
  }
  quiet = old;
  quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
  quiet.c_lflag |= ICANON;
  /* Echo off before the prompt shows: nothing typed after it is shown. */
  if (tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) != 0) {
    return sg_fail("cannot turn off the terminal's echo for the passphrase");
  }
  fprintf(stderr, "%spassphrase for %s: ", what, file);
  fflush(stderr);
  char buf[SG_PASS_MAX + 2];
  size_t n = 0;
  int ended = 0;
  while (n < sizeof buf) {
    const ssize_t got = read(STDIN_FILENO, buf + n, 1);
    if (got != 1 || buf[n] == '\n' || buf[n] == '\r') {
      ended = got == 1;
      break;
    }
    n++;
  }
  (void)tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
  fputc('\n', stderr);
  int ret = SG_EXIT_FAIL;
  if (!ended) {
    ret = n >= sizeof buf ? sg_fail("passphrase longer than %u characters", SG_PASS_MAX)
                          : sg_usage("no passphrase typed (end of input)");
  } else if (memchr(buf, 0, n) != NULL) {
    ret = sg_fail("passphrase contains a NUL byte");
  } else {
    ret = sg_pass_dup(buf, n, pass, pass_len);
  }
  mbedtls_platform_zeroize(buf, sizeof buf);
  return ret;
}

int sg_passphrase_get(const sg_key_source *src, const char *prompt_for, char **pass,
                      size_t *pass_len) {
  int ret = SG_EXIT_FAIL;
  const int given = (src->pass != NULL) + (src->pass_env != NULL) + (src->pass_file != NULL);
  *pass = NULL;
  *pass_len = 0;
  if (given > 1) {
    return sg_usage("give one of --%spass, --%spass-env, --%spass-file", src->what, src->what,
                    src->what);
  }
  if (given == 0) {
    return sg_pass_prompt(src->what, prompt_for, pass, pass_len);
  }
  if (src->pass_file != NULL) {
    uint8_t *file = NULL;
    size_t len = 0;
    ret = sg_read_file(src->pass_file, &file, &len);
    if (ret != SG_EXIT_OK) {
      return ret;
    }
    /* The first line is the passphrase, without its line break. */
    size_t n = 0;
    while (n < len && file[n] != '\n' && file[n] != '\r') {
      n++;
    }
    if (memchr(file, 0, n) != NULL) {
      ret = sg_fail("%s: passphrase contains a NUL byte", src->pass_file);
    } else {
      ret = sg_pass_dup((const char *)file, n, pass, pass_len);
    }
    sg_free_secret(file, len + 1);
    return ret;
  }
  const char *text = src->pass;
  if (src->pass_env != NULL) {
    text = getenv(src->pass_env);
    if (text == NULL) {
      return sg_fail("environment variable %s (--%spass-env) is not set", src->pass_env,
                     src->what);
    }
  }
  return sg_pass_dup(text, strlen(text), pass, pass_len);
}

/* The innermost OpenSSL reason, for messages ("" if none). */
static const char *sg_ossl_reason(void) {
  const unsigned long e = ERR_peek_last_error();
  const char *r = e != 0 ? ERR_reason_error_string(e) : NULL;
  return r != NULL ? r : "";
}

/* ---- private key files -------------------------------------------------- */

/* Passphrase on demand: OpenSSL asks only for an encrypted key. */
typedef struct {
  const sg_key_source *src;
  char *pass;
  size_t len;
  int asked;   /* the key is encrypted */
  int missing; /* ... and no passphrase could be had */
  int error;   /* getting it failed (message recorded) */
} sg_pass_cb_ctx;

static int sg_pass_cb(char *out, size_t size, size_t *out_len, const OSSL_PARAM params[],
                      void *arg) {
  (void)params;
  sg_pass_cb_ctx *cx = arg;
  if (!cx->asked) {
    cx->asked = 1;
    if (sg_passphrase_get(cx->src, cx->src->key, &cx->pass, &cx->len) != SG_EXIT_OK) {
      cx->error = 1;
    } else if (cx->pass == NULL) {
      cx->missing = 1;
    }
  }
  if (cx->pass == NULL || cx->len > size) {
    return 0;
  }
  memcpy(out, cx->pass, cx->len);
  *out_len = cx->len;
  return 1;
}

static int sg_key_load_file(sg_signer *s, const sg_key_source *src) {
  int ret = SG_EXIT_FAIL;
  uint8_t *buf = NULL;
  size_t len = 0;
  sg_pass_cb_ctx cx = {src, NULL, 0, 0, 0, 0};
  OSSL_DECODER_CTX *dctx = NULL;
  ret = sg_read_file(src->key, &buf, &len);
  if (ret != SG_EXIT_OK) {
    return ret;
  }
  ERR_clear_error();
  /* Any input form (PEM or DER), any structure, a key pair only. */
  dctx = OSSL_DECODER_CTX_new_for_pkey(&s->key, NULL, NULL, NULL, EVP_PKEY_KEYPAIR, NULL, NULL);
  if (dctx == NULL || OSSL_DECODER_CTX_set_passphrase_cb(dctx, sg_pass_cb, &cx) != 1) {
    ret = sg_fail("%s: cannot set up OpenSSL's key decoder: %s", src->key, sg_ossl_reason());
    goto out;
  }
  const unsigned char *p = buf;
  size_t left = len;
  const int decoded = OSSL_DECODER_from_data(dctx, &p, &left) == 1 && s->key != NULL;
  if (cx.error) {
    ret = SG_EXIT_FAIL; /* the passphrase source's own message */
    if (sg_error()[0] == '\0') {
      ret = sg_fail("%s: cannot read the passphrase", src->key);
    }
  } else if (cx.missing) {
    ret = sg_usage("%s: the private key is encrypted: give its passphrase with --%spass-env, "
                   "--%spass-file or --%spass (or type it at a terminal)",
                   src->key, src->what, src->what, src->what);
  } else if (!decoded && cx.asked) {
    ret = sg_fail("%s: wrong passphrase, or the key file is damaged", src->key);
  } else if (!decoded) {
    ret = sg_fail("%s: not a private key (PEM or DER; PKCS#8, PKCS#1 or SEC1)", src->key);
  } else {
    ret = SG_EXIT_OK;
  }
out:
  if (ret != SG_EXIT_OK) {
    EVP_PKEY_free(s->key);
    s->key = NULL;
  }
  ERR_clear_error();
  OSSL_DECODER_CTX_free(dctx);
  sg_free_secret(cx.pass, cx.len + 1);
  sg_free_secret(buf, len + 1);
  return ret;
}

/* ---- .pfx / .p12 -------------------------------------------------------- */

/* One OpenSSL certificate into an mbedTLS chain (appended). */
static int sg_x509_to_mbedtls(X509 *x, mbedtls_x509_crt *chain, const char *label) {
  unsigned char *der = NULL;
  const int n = i2d_X509(x, &der);
  if (n <= 0) {
    return sg_fail("%s: cannot encode a certificate", label);
  }
  const int rc = mbedtls_x509_crt_parse_der(chain, der, (size_t)n);
  OPENSSL_free(der);
  if (rc != 0) {
    char m[128];
    return sg_fail("%s: a certificate in the file does not parse: %s", label,
                   sg_mbedtls_msg(rc, m, sizeof m));
  }
  return SG_EXIT_OK;
}

/*
 * RC2-40 and the other PKCS#12 PBE ciphers of `openssl pkcs12 -legacy`
 * live in OpenSSL 3's legacy provider; loading it keeps the default one.
 */
static OSSL_PROVIDER *sg_legacy_provider(void) {
  return OSSL_PROVIDER_try_load(NULL, "legacy", 1);
}

/*
 * A .pfx without a MAC (`openssl pkcs12 -export -nomac`): OpenSSL 3.0's
 * PKCS12_parse insists on a MAC, so walk the bags with OpenSSL's own
 * PKCS#12 functions. Every decryption that fails, or decrypts to
 * something that does not parse, is the passphrase or damage.
 */
static int sg_pfx_walk_nomac(PKCS12 *p12, const char *pass, size_t pass_len, const char *label,
                             EVP_PKEY **key, STACK_OF(X509) *certs) {
  int ret = SG_EXIT_FAIL;
  const int plen = (int)pass_len;
  STACK_OF(PKCS7) *safes = PKCS12_unpack_authsafes(p12);
  if (safes == NULL) {
    return sg_fail("%s: not a PKCS#12 file (.pfx/.p12): its contents do not parse", label);
  }
  ret = SG_EXIT_OK;
  for (int i = 0; ret == SG_EXIT_OK && i < sk_PKCS7_num(safes); i++) {
    PKCS7 *p7 = sk_PKCS7_value(safes, i);
    STACK_OF(PKCS12_SAFEBAG) *bags = NULL;
    if (PKCS7_type_is_data(p7)) {
      bags = PKCS12_unpack_p7data(p7);
    } else if (PKCS7_type_is_encrypted(p7)) {
      bags = PKCS12_unpack_p7encdata(p7, pass, plen);
    }
    if (bags == NULL) {
      ret = sg_fail("%s: wrong passphrase, or the key file is damaged", label);
      break;
    }
    for (int j = 0; ret == SG_EXIT_OK && j < sk_PKCS12_SAFEBAG_num(bags); j++) {
      const PKCS12_SAFEBAG *bag = sk_PKCS12_SAFEBAG_value(bags, j);
      const int nid = PKCS12_SAFEBAG_get_nid(bag);
      if (nid == NID_keyBag || nid == NID_pkcs8ShroudedKeyBag) {
        PKCS8_PRIV_KEY_INFO *p8 = nid == NID_keyBag ? NULL : PKCS12_decrypt_skey(bag, pass, plen);
        const PKCS8_PRIV_KEY_INFO *info = nid == NID_keyBag ? PKCS12_SAFEBAG_get0_p8inf(bag) : p8;
        EVP_PKEY *k = info != NULL ? EVP_PKCS82PKEY(info) : NULL;
        PKCS8_PRIV_KEY_INFO_free(p8);
        if (k == NULL) {
          ret = sg_fail("%s: wrong passphrase, or the key file is damaged", label);
        } else if (*key != NULL) {
          EVP_PKEY_free(k);
          ret = sg_fail("%s: holds more than one private key", label);
        } else {
          *key = k;
        }
      } else if (nid == NID_certBag && PKCS12_SAFEBAG_get_bag_nid(bag) == NID_x509Certificate) {
        X509 *x = PKCS12_SAFEBAG_get1_cert(bag);
        if (x == NULL || sk_X509_push(certs, x) <= 0) {
          X509_free(x);
          ret = sg_fail("%s: a certificate bag does not parse", label);
        }
      }
    }
    sk_PKCS12_SAFEBAG_pop_free(bags, PKCS12_SAFEBAG_free);
  }
  sk_PKCS7_pop_free(safes, PKCS7_free);
  return ret;
}

static int sg_pfx_parse(sg_signer *s, const sg_key_source *src, const uint8_t *der, size_t len,
                        const char *pass, size_t pass_len) {
  int ret = SG_EXIT_FAIL;
  X509 *cert = NULL;
  STACK_OF(X509) *ca = NULL;
  OSSL_PROVIDER *legacy = sg_legacy_provider();
  const unsigned char *p = der;
  ERR_clear_error();
  PKCS12 *p12 = len <= (size_t)0x7fffffff ? d2i_PKCS12(NULL, &p, (long)len) : NULL;
  if (p12 == NULL) {
    ret = sg_fail("%s: not a PKCS#12 file (.pfx/.p12)", src->pfx);
    goto out;
  }
  if (PKCS12_mac_present(p12) && PKCS12_verify_mac(p12, pass, (int)pass_len) != 1) {
    ret = sg_fail("%s: wrong passphrase (the file's integrity check fails), or the file is "
                  "damaged",
                  src->pfx);
    goto out;
  }
  if (!PKCS12_mac_present(p12)) {
    /* Without a MAC: our walk, then the leaf is the key's certificate. */
    ca = sk_X509_new_null();
    ret = ca == NULL ? sg_fail("out of memory")
                     : sg_pfx_walk_nomac(p12, pass, pass_len, src->pfx, &s->key, ca);
    for (int i = 0; ret == SG_EXIT_OK && s->key != NULL && i < sk_X509_num(ca); i++) {
      if (EVP_PKEY_eq(X509_get0_pubkey(sk_X509_value(ca, i)), s->key) == 1) {
        cert = sk_X509_delete(ca, i);
        break;
      }
    }
    if (ret != SG_EXIT_OK) {
      goto out;
    }
  } else if (PKCS12_parse(p12, pass, &s->key, &cert, &ca) != 1) {
    const unsigned long e = ERR_peek_last_error();
    if (ERR_GET_REASON(e) == ERR_R_UNSUPPORTED || ERR_GET_REASON(e) == EVP_R_UNSUPPORTED_ALGORITHM) {
      ret = sg_fail("%s: encrypted with an algorithm OpenSSL cannot load here%s: %s", src->pfx,
                    legacy == NULL ? " (the legacy provider is missing)" : "", sg_ossl_reason());
    } else {
      ret = sg_fail("%s: wrong passphrase, or the key file is damaged", src->pfx);
    }
    goto out;
  }
  if (s->key == NULL) {
    ret = sg_fail("%s: holds no private key", src->pfx);
    goto out;
  }
  if (cert == NULL) {
    ret = sg_fail("%s: holds no certificate for its private key", src->pfx);
    goto out;
  }
  ret = sg_x509_to_mbedtls(cert, &s->leaf, src->pfx);
  for (int i = 0; ret == SG_EXIT_OK && i < sk_X509_num(ca); i++) {
    ret = sg_x509_to_mbedtls(sk_X509_value(ca, i), &s->chain, src->pfx);
  }
out:
  if (ret != SG_EXIT_OK) {
    EVP_PKEY_free(s->key);
    s->key = NULL;
  }
  X509_free(cert);
  sk_X509_pop_free(ca, X509_free);
  PKCS12_free(p12);
  ERR_clear_error();
  if (legacy != NULL) {
    (void)OSSL_PROVIDER_unload(legacy);
  }
  return ret;
}

static int sg_pfx_load_file(sg_signer *s, const sg_key_source *src) {
  int ret = SG_EXIT_FAIL;
  uint8_t *buf = NULL;
  size_t len = 0;
  char *pass = NULL;
  size_t pass_len = 0;
  ret = sg_read_file(src->pfx, &buf, &len);
  if (ret != SG_EXIT_OK) {
    return ret;
  }
  if (sg_is_pem(buf, len, "")) {
    ret = sg_fail("%s: a PEM file, not a .pfx: use --%skey and --%scert", src->pfx, src->what,
                  src->what);
    goto out;
  }
  ret = sg_passphrase_get(src, src->pfx, &pass, &pass_len);
  if (ret == SG_EXIT_OK && pass == NULL) {
    ret = sg_usage("--%spfx needs its passphrase: --%spass-env VAR, --%spass-file FILE or "
                   "--%spass TEXT (or type it at a terminal)",
                   src->what, src->what, src->what, src->what);
  }
  if (ret == SG_EXIT_OK) {
    ret = sg_pfx_parse(s, src, buf, len, pass, pass_len);
  }
out:
  sg_free_secret(pass, pass_len + 1);
  sg_free_secret(buf, len + 1);
  return ret;
}

int sg_is_pkcs12(const uint8_t *der, size_t len) {
  const unsigned char *p = der;
  PKCS12 *p12 = len <= (size_t)0x7fffffff ? d2i_PKCS12(NULL, &p, (long)len) : NULL;
  PKCS12_free(p12);
  ERR_clear_error();
  return p12 != NULL;
}

const char *sg_key_describe(const EVP_PKEY *key) {
  static char desc[96];
  char group[64] = "";
  size_t glen = 0;
  if (EVP_PKEY_is_a(key, "EC")) {
    (void)EVP_PKEY_get_group_name(key, group, sizeof group, &glen);
    (void)snprintf(desc, sizeof desc, "EC %s",
                   strcmp(group, "prime256v1") == 0  ? "P-256"
                   : strcmp(group, "secp384r1") == 0 ? "P-384"
                                                     : group);
  } else {
    (void)snprintf(desc, sizeof desc, "%s-%d", EVP_PKEY_get0_type_name(key),
                   EVP_PKEY_get_bits(key));
  }
  return desc;
}

/* ---- the signer --------------------------------------------------------- */

static void sg_label(sg_signer *s, const char *path) {
  (void)snprintf(s->label, sizeof s->label, "%s", path);
}

/* Is `key` the private half of the certificate's public key? */
static int sg_key_matches(const EVP_PKEY *key, const mbedtls_x509_crt *crt) {
  const unsigned char *p = crt->raw.p;
  X509 *x = d2i_X509(NULL, &p, (long)crt->raw.len);
  const int same = x != NULL && EVP_PKEY_eq(X509_get0_pubkey(x), key) == 1;
  X509_free(x);
  ERR_clear_error();
  return same;
}

int sg_signer_load(sg_signer *s, const sg_key_source *src) {
  int ret = SG_EXIT_FAIL;
  if (src->pfx != NULL) {
    if (src->key != NULL || src->cert != NULL) {
      return sg_usage("give either --%spfx or --%skey with --%scert, not both", src->what,
                      src->what, src->what);
    }
    sg_label(s, src->pfx);
    ret = sg_pfx_load_file(s, src);
    if (ret != SG_EXIT_OK) {
      return ret;
    }
    if (src->chain != NULL && strcmp(src->chain, "none") != 0) {
      /* --chain replaces the .pfx's extra certificates */
      mbedtls_x509_crt_free(&s->chain);
      mbedtls_x509_crt_init(&s->chain);
    }
  } else {
    if (src->key == NULL || src->cert == NULL) {
      return sg_usage("a signing key is needed: --%skey FILE with --%scert FILE, or --%spfx FILE",
                      src->what, src->what, src->what);
    }
    sg_label(s, src->key);
    ret = sg_key_load_file(s, src);
    if (ret != SG_EXIT_OK) {
      return ret;
    }
    mbedtls_x509_crt all;
    mbedtls_x509_crt_init(&all);
    ret = sg_cert_load_file(&all, src->cert);
    /* The first certificate is the signer's; any that follow are its chain. */
    for (const mbedtls_x509_crt *c = &all; ret == SG_EXIT_OK && c != NULL; c = c->next) {
      if (mbedtls_x509_crt_parse_der(c == &all ? &s->leaf : &s->chain, c->raw.p, c->raw.len) !=
          0) {
        ret = sg_fail("%s: out of memory", src->cert);
      }
    }
    mbedtls_x509_crt_free(&all);
    if (ret != SG_EXIT_OK) {
      return ret;
    }
  }
  if (!sg_key_matches(s->key, &s->leaf)) {
    return sg_fail("private key %s does not match certificate %s", s->label,
                   src->cert != NULL ? src->cert : "in the .pfx");
  }
  /* --chain none: x5c carries the signer's certificate alone (a leaf the
   * CA issued directly, from a .p12 that also holds that CA); the chain is
   * still known, for preflight's guess of the anchor. */
  s->x5c_chain = src->chain == NULL || strcmp(src->chain, "none") != 0;
  if (src->chain != NULL && strcmp(src->chain, "none") != 0) {
    ret = sg_cert_load_file(&s->chain, src->chain);
    if (ret != SG_EXIT_OK) {
      return ret;
    }
  }
  s->has_chain = s->chain.raw.p != NULL;
  return SG_EXIT_OK;
}
