/*
 * The signer: a private key, its certificate and optional intermediates,
 * from PEM/DER files or a .pfx, with the passphrase from the environment,
 * a file or the command line.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mbedtls/error.h"
#include "mbedtls/platform_util.h"
#include "sg_sign.h"

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
  mbedtls_pk_init(&s->key);
  mbedtls_x509_crt_init(&s->leaf);
  mbedtls_x509_crt_init(&s->chain);
}

void sg_signer_free(sg_signer *s) {
  mbedtls_pk_free(&s->key);
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

/* Exactly one passphrase source; *pass is a fresh buffer wiped by the caller. */
static int sg_passphrase(const sg_key_source *src, int required, char **pass, size_t *pass_len) {
  int ret = SG_EXIT_FAIL;
  const int given = (src->pass != NULL) + (src->pass_env != NULL) + (src->pass_file != NULL);
  *pass = NULL;
  *pass_len = 0;
  if (given > 1) {
    return sg_usage("give one of --%spass, --%spass-env, --%spass-file", src->what, src->what,
                    src->what);
  }
  if (given == 0) {
    if (required) {
      return sg_usage("--%spfx needs its passphrase: --%spass-env VAR, --%spass-file FILE or "
                      "--%spass TEXT",
                      src->what, src->what, src->what, src->what);
    }
    return SG_EXIT_OK;
  }
  const char *text = src->pass;
  size_t len = 0;
  uint8_t *file = NULL;
  if (src->pass_env != NULL) {
    text = getenv(src->pass_env);
    if (text == NULL) {
      return sg_fail("environment variable %s (--%spass-env) is not set", src->pass_env,
                     src->what);
    }
  }
  if (src->pass_file != NULL) {
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
      sg_free_secret(file, len + 1);
      return sg_fail("%s: passphrase contains a NUL byte", src->pass_file);
    }
    *pass = malloc(n + 1);
    if (*pass != NULL) {
      memcpy(*pass, file, n);
      (*pass)[n] = '\0';
      *pass_len = n;
    }
    sg_free_secret(file, len + 1);
  } else {
    len = strlen(text);
    *pass = malloc(len + 1);
    if (*pass != NULL) {
      memcpy(*pass, text, len + 1);
      *pass_len = len;
    }
  }
  if (*pass == NULL) {
    return sg_fail("out of memory");
  }
  ret = SG_EXIT_OK;
  return ret;
}

static void sg_label(sg_signer *s, const char *path) {
  (void)snprintf(s->label, sizeof s->label, "%s", path);
}

static int sg_key_load_file(sg_signer *s, const sg_key_source *src, sg_rng *rng) {
  int ret = SG_EXIT_FAIL;
  uint8_t *buf = NULL;
  size_t len = 0;
  char *pass = NULL;
  size_t pass_len = 0;
  ret = sg_read_file(src->key, &buf, &len);
  if (ret != SG_EXIT_OK) {
    return ret;
  }
  ret = sg_passphrase(src, 0, &pass, &pass_len);
  if (ret != SG_EXIT_OK) {
    goto out;
  }
  const size_t parse_len = sg_is_pem(buf, len, "") ? len + 1 : len;
  const int rc = mbedtls_pk_parse_key(&s->key, buf, parse_len, (const unsigned char *)pass,
                                      pass_len, mbedtls_ctr_drbg_random, &rng->drbg);
  if (rc == MBEDTLS_ERR_PK_PASSWORD_REQUIRED) {
    ret = sg_usage("%s: the private key is encrypted: give its passphrase with --%spass-env, "
                   "--%spass-file or --%spass",
                   src->key, src->what, src->what, src->what);
  } else if (rc == MBEDTLS_ERR_PK_PASSWORD_MISMATCH) {
    ret = sg_fail("%s: wrong passphrase for the private key", src->key);
  } else if (rc != 0) {
    char m[128];
    ret = sg_fail("%s: not a private key (PEM or DER; PKCS#8, PKCS#1 or SEC1): %s", src->key,
                  sg_mbedtls_msg(rc, m, sizeof m));
  } else {
    ret = SG_EXIT_OK;
  }
out:
  sg_free_secret(pass, pass_len + 1);
  sg_free_secret(buf, len + 1);
  return ret;
}

static int sg_pfx_load_file(sg_signer *s, const sg_key_source *src, sg_rng *rng) {
  int ret = SG_EXIT_FAIL;
  uint8_t *buf = NULL;
  size_t len = 0;
  char *pass = NULL;
  size_t pass_len = 0;
  ret = sg_passphrase(src, 1, &pass, &pass_len);
  if (ret != SG_EXIT_OK) {
    return ret;
  }
  ret = sg_read_file(src->pfx, &buf, &len);
  if (ret == SG_EXIT_OK) {
    if (sg_is_pem(buf, len, "")) {
      ret = sg_fail("%s: a PEM file, not a .pfx: use --%skey and --%scert", src->pfx, src->what,
                    src->what);
    } else {
      ret = sg_pfx_load(src->pfx, buf, len, pass, pass_len, &s->key, &s->leaf, &s->chain, rng);
    }
  }
  sg_free_secret(pass, pass_len + 1);
  sg_free_secret(buf, len + 1);
  return ret;
}

int sg_signer_load(sg_signer *s, const sg_key_source *src, sg_rng *rng) {
  int ret = SG_EXIT_FAIL;
  if (src->pfx != NULL) {
    if (src->key != NULL || src->cert != NULL) {
      return sg_usage("give either --%spfx or --%skey with --%scert, not both", src->what,
                      src->what, src->what);
    }
    sg_label(s, src->pfx);
    ret = sg_pfx_load_file(s, src, rng);
    if (ret != SG_EXIT_OK) {
      return ret;
    }
    if (src->chain != NULL) { /* --chain replaces the .pfx's extra certificates */
      mbedtls_x509_crt_free(&s->chain);
      mbedtls_x509_crt_init(&s->chain);
    }
  } else {
    if (src->key == NULL || src->cert == NULL) {
      return sg_usage("a signing key is needed: --%skey FILE with --%scert FILE, or --%spfx FILE",
                      src->what, src->what, src->what);
    }
    sg_label(s, src->key);
    ret = sg_key_load_file(s, src, rng);
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
    if (mbedtls_pk_check_pair(&s->leaf.pk, &s->key, mbedtls_ctr_drbg_random, &rng->drbg) != 0) {
      return sg_fail("private key %s does not match certificate %s", src->key, src->cert);
    }
  }
  if (src->chain != NULL) {
    ret = sg_cert_load_file(&s->chain, src->chain);
    if (ret != SG_EXIT_OK) {
      return ret;
    }
  }
  s->has_chain = s->chain.raw.p != NULL;
  return SG_EXIT_OK;
}
