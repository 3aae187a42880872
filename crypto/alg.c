#include <string.h>

#include "sg_crypto.h"
#include "stagegate/errors.h"

typedef struct {
  const char *name;
  sg_alg alg;
} sg_alg_entry;

/* The allow-list. "none", HS*, RS384, ES512 ... are absent on purpose;
 * ES384 and PS256 only when the mbedTLS configuration has what they need
 * (a port may leave them out: crypto/config/sg_mbedtls_device.h). */
static const sg_alg_entry sg_algs[] = {
    {"ES256", SG_ALG_ES256},
#if SG_HAVE_ES384
    {"ES384", SG_ALG_ES384},
#endif
#if SG_HAVE_PS256
    {"PS256", SG_ALG_PS256},
#endif
    {"RS256", SG_ALG_RS256},
};

int sg_alg_parse(const char *name, size_t len, sg_alg *alg) {
  int ret = SG_ERR_ALG;
  if (alg == NULL) {
    return SG_ERR_ARG;
  }
  *alg = SG_ALG_INVALID;
  if (name == NULL) {
    return SG_ERR_ALG;
  }
  for (size_t i = 0; i < sizeof sg_algs / sizeof sg_algs[0]; i++) {
    if (strlen(sg_algs[i].name) == len && memcmp(sg_algs[i].name, name, len) == 0) {
      *alg = sg_algs[i].alg;
      ret = SG_OK;
      break;
    }
  }
  return ret;
}

const char *sg_alg_name(sg_alg alg) {
  for (size_t i = 0; i < sizeof sg_algs / sizeof sg_algs[0]; i++) {
    if (sg_algs[i].alg == alg) {
      return sg_algs[i].name;
    }
  }
  return "invalid";
}
