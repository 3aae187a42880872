/*
 * Certificate validity and chains to a CA anchor.
 *
 * mbedTLS builds and checks the path (signatures, CA flag, keyCertSign,
 * path length, allowed algorithms); we check time ourselves because the
 * device's notion of "now" is its effective time (max of clock and the
 * secure time floor), not the libc clock mbedTLS would read.
 */
#include <string.h>

#include "mbedtls/x509_crt.h"
#include "sg_crypto.h"
#include "stagegate/errors.h"

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant). */
static int64_t sg_days_from_civil(int64_t y, int64_t m, int64_t d) {
  y -= m <= 2 ? 1 : 0;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

int64_t sg_x509_time_to_unix(const mbedtls_x509_time *t) {
  if (t->year < 1950 || t->year > 9999 || t->mon < 1 || t->mon > 12 || t->day < 1 ||
      t->day > 31 || t->hour < 0 || t->hour > 23 || t->min < 0 || t->min > 59 || t->sec < 0 ||
      t->sec > 60) {
    return -1;
  }
  return sg_days_from_civil(t->year, t->mon, t->day) * 86400 + (int64_t)t->hour * 3600 +
         (int64_t)t->min * 60 + t->sec;
}

int sg_cert_check_time(const mbedtls_x509_crt *crt, int64_t now) {
  int ret = SG_ERR_CERT_EXPIRED;
  const int64_t from = sg_x509_time_to_unix(&crt->valid_from);
  const int64_t to = sg_x509_time_to_unix(&crt->valid_to);
  if (from < 0 || to < 0) {
    ret = SG_ERR_CERT_FORMAT;
  } else if (now < from) {
    ret = SG_ERR_CERT_NOT_YET_VALID;
  } else if (now > to) {
    ret = SG_ERR_CERT_EXPIRED;
  } else {
    ret = SG_OK;
  }
  return ret;
}

typedef struct {
  int64_t now;
  int time_err; /* first time failure seen on the path */
} sg_chain_ctx;

/* Called by mbedTLS for every certificate of the path it built. */
static int sg_chain_visit(void *p, mbedtls_x509_crt *crt, int depth, uint32_t *flags) {
  sg_chain_ctx *ctx = p;
  (void)depth;
  (void)flags;
  const int t = sg_cert_check_time(crt, ctx->now);
  if (t != SG_OK && ctx->time_err == SG_OK) {
    ctx->time_err = t;
  }
  return 0;
}

static const mbedtls_x509_crt_profile sg_chain_profile = {
    MBEDTLS_X509_ID_FLAG(MBEDTLS_MD_SHA256) | MBEDTLS_X509_ID_FLAG(MBEDTLS_MD_SHA384) |
        MBEDTLS_X509_ID_FLAG(MBEDTLS_MD_SHA512),
    MBEDTLS_X509_ID_FLAG(MBEDTLS_PK_RSA) | MBEDTLS_X509_ID_FLAG(MBEDTLS_PK_RSASSA_PSS) |
        MBEDTLS_X509_ID_FLAG(MBEDTLS_PK_ECKEY) | MBEDTLS_X509_ID_FLAG(MBEDTLS_PK_ECDSA),
    MBEDTLS_X509_ID_FLAG(MBEDTLS_ECP_DP_SECP256R1) | MBEDTLS_X509_ID_FLAG(MBEDTLS_ECP_DP_SECP384R1),
    SG_RSA_MIN_BITS,
};

int sg_chain_verify(mbedtls_x509_crt *chain, mbedtls_x509_crt *anchor, int64_t now) {
  int ret = SG_ERR_CHAIN;
  uint32_t flags = 0;
  sg_chain_ctx ctx = {now, SG_OK};
  if (chain == NULL || anchor == NULL) {
    return SG_ERR_ARG;
  }
  /* A leaf whose key usage forbids signatures cannot sign profiles. */
  if (mbedtls_x509_crt_check_key_usage(chain, MBEDTLS_X509_KU_DIGITAL_SIGNATURE) != 0) {
    return SG_ERR_CERT_USAGE;
  }
  const int rc = mbedtls_x509_crt_verify_with_profile(chain, anchor, NULL, &sg_chain_profile,
                                                      NULL, &flags, sg_chain_visit, &ctx);
  /* The return code first: on a fatal error (a path longer than
   * MBEDTLS_X509_MAX_INTERMEDIATE_CA, out of memory) mbedTLS sets every
   * flag, so reading BAD_KEY first reported a too-long chain as WEAK_KEY
   * and would have hidden an allocation failure the same way. Only when
   * mbedTLS finished building the path (rc is 0 or "verify failed") do the
   * flags say what is wrong with it. */
  if (rc == 0 && flags == 0) {
    ret = ctx.time_err != SG_OK ? ctx.time_err : SG_ACCEPTED;
  } else if (sg_mbedtls_is_oom(rc)) {
    ret = SG_ERR_NO_MEMORY;
  } else if (rc != 0 && rc != MBEDTLS_ERR_X509_CERT_VERIFY_FAILED) {
    ret = SG_ERR_CHAIN; /* fatal: flags are all set and mean nothing */
  } else if ((flags & MBEDTLS_X509_BADCERT_BAD_KEY) != 0) {
    ret = SG_ERR_WEAK_KEY;
  } else {
    ret = SG_ERR_CHAIN;
  }
  return ret;
}
