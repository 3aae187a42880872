/* The RAM keystore (stagegate/keystore.h): keys as bytes, found by kid. */
#include <string.h>

#include "sg_crypto.h"
#include "sg_jwe_crypto.h"
#include "stagegate/errors.h"
#include "stagegate/keystore.h"

#if SG_HAVE_JWE

void sg_ram_keystore_init(sg_ram_keystore *ks, sg_ram_key *keys, size_t cap,
                          int (*rng)(void *p_rng, unsigned char *out, size_t len), void *p_rng) {
  memset(ks, 0, sizeof *ks);
  ks->keys = keys;
  ks->cap = cap;
  ks->rng = rng;
  ks->p_rng = p_rng;
}

int sg_ram_keystore_add(sg_ram_keystore *ks, sg_fleet_key_type type, const uint8_t key[32],
                        char kid_out[SG_KID_LEN]) {
  if (ks == NULL || key == NULL) {
    return SG_ERR_ARG;
  }
  if (ks->count >= ks->cap) {
    return SG_ERR_TOO_LARGE;
  }
  sg_ram_key *k = &ks->keys[ks->count];
  if (type == SG_FLEET_KEY_EC_P256) {
    uint8_t pub[64];
    const int ret = sg_p256_public(key, pub);
    if (ret != SG_OK) {
      return ret;
    }
    sg_jwk_thumbprint_ec(pub, k->kid);
  } else if (type == SG_FLEET_KEY_AES256) {
    sg_jwk_thumbprint_oct(key, k->kid);
  } else {
    return SG_ERR_ARG;
  }
  k->type = type;
  memcpy(k->key, key, 32);
  if (kid_out != NULL) {
    memcpy(kid_out, k->kid, SG_KID_LEN);
  }
  ks->count++;
  return SG_OK;
}

static const sg_ram_key *sg_ram_find(const sg_ram_keystore *ks, const char *kid, size_t len,
                                     sg_fleet_key_type type) {
  if (len != SG_KID_LEN) {
    return NULL;
  }
  for (size_t i = 0; i < ks->count; i++) {
    if (memcmp(ks->keys[i].kid, kid, SG_KID_LEN) == 0 &&
        (type == SG_FLEET_KEY_NONE || ks->keys[i].type == type)) {
      return &ks->keys[i];
    }
  }
  return NULL;
}

static int sg_ram_find_op(void *ctx, const char *kid, size_t len, sg_fleet_key_type *type) {
  const sg_ram_key *k = sg_ram_find(ctx, kid, len, SG_FLEET_KEY_NONE);
  if (k == NULL) {
    return SG_ERR_UNKNOWN_KEY;
  }
  *type = k->type;
  return SG_OK;
}

static int sg_ram_ecdh_op(void *ctx, const char *kid, size_t len, const uint8_t peer[64],
                          uint8_t z[32]) {
  const sg_ram_keystore *ks = ctx;
  const sg_ram_key *k = sg_ram_find(ks, kid, len, SG_FLEET_KEY_EC_P256);
  if (k == NULL) {
    return SG_ERR_UNKNOWN_KEY;
  }
  return sg_p256_ecdh(k->key, peer, ks->rng, ks->p_rng, z);
}

static int sg_ram_secret_op(void *ctx, const char *kid, size_t len, uint8_t key[32]) {
  const sg_ram_key *k = sg_ram_find(ctx, kid, len, SG_FLEET_KEY_AES256);
  if (k == NULL) {
    return SG_ERR_UNKNOWN_KEY;
  }
  memcpy(key, k->key, 32);
  return SG_OK;
}

sg_keystore sg_ram_keystore_port(sg_ram_keystore *ks) {
  sg_keystore port = {ks, sg_ram_find_op, sg_ram_ecdh_op, sg_ram_secret_op};
  return port;
}

void sg_ram_keystore_wipe(sg_ram_keystore *ks) {
  if (ks != NULL && ks->keys != NULL) {
    sg_wipe(ks->keys, ks->cap * sizeof *ks->keys);
    ks->count = 0;
  }
}

#else
typedef int sg_keystore_ram_left_out; /* SG_NO_JWE: an empty unit is not ISO C */
#endif
