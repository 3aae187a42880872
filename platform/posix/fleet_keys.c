/*
 * Fleet keys from files (POSIX port): the keys that open encrypted
 * profiles, loaded into a RAM keystore (stagegate/keystore.h). A file holds
 * one key: a PEM (or DER) P-256 private key, SEC1 or PKCS#8, or a JWK
 * object with "kty" "EC" (crv P-256, "d") or "oct" ("k", 32 bytes).
 * The file's bytes are wiped after reading; ECDH blinding uses getrandom().
 */
#define _GNU_SOURCE /* getrandom, O_CLOEXEC */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "b64.h"
#include "cJSON.h"
#include "sg_crypto.h"
#include "sg_jwe_crypto.h"
#include "sg_posix.h"

#define SG_KEY_FILE_MAX 8192

int sg_posix_random(void *ctx, unsigned char *out, size_t len) {
  (void)ctx;
  while (len > 0) {
    const ssize_t got = getrandom(out, len, 0);
    if (got < 0) {
      if (errno == EINTR) {
        continue;
      }
      return -1;
    }
    out += got;
    len -= (size_t)got;
  }
  return 0;
}

static int sg_jwk_bytes(const cJSON *jwk, const char *name, uint8_t out[32]) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(jwk, name);
  size_t got = 0;
  if (!cJSON_IsString(v) ||
      sg_b64_decode(SG_B64_URL, v->valuestring, strlen(v->valuestring), out, 32, &got,
                    SG_ERR_ARG) != SG_OK ||
      got != 32) {
    return SG_ERR_ARG;
  }
  return SG_OK;
}

static int sg_str_member_is(const cJSON *o, const char *name, const char *want) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
  return cJSON_IsString(v) && strcmp(v->valuestring, want) == 0;
}

static int sg_key_from_jwk(const char *text, sg_fleet_key_type *type, uint8_t key[32]) {
  cJSON *jwk = cJSON_Parse(text);
  int ret = SG_ERR_ARG;
  if (sg_str_member_is(jwk, "kty", "EC") && sg_str_member_is(jwk, "crv", "P-256")) {
    *type = SG_FLEET_KEY_EC_P256;
    ret = sg_jwk_bytes(jwk, "d", key);
  } else if (sg_str_member_is(jwk, "kty", "oct")) {
    *type = SG_FLEET_KEY_AES256;
    ret = sg_jwk_bytes(jwk, "k", key);
  }
  /* the tree holds the private value as text: wipe it before freeing */
  for (cJSON *m = jwk != NULL ? jwk->child : NULL; m != NULL; m = m->next) {
    if (cJSON_IsString(m)) {
      sg_wipe(m->valuestring, strlen(m->valuestring));
    }
  }
  cJSON_Delete(jwk);
  return ret;
}

int sg_posix_fleet_key_load(sg_ram_keystore *ks, const char *path, char kid[SG_KID_LEN]) {
  static uint8_t buf[SG_KEY_FILE_MAX + 1];
  uint8_t key[32];
  sg_fleet_key_type type = SG_FLEET_KEY_NONE;
  size_t n = 0;
  const int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return SG_ERR_STORAGE;
  }
  for (;;) {
    const ssize_t got = read(fd, buf + n, SG_KEY_FILE_MAX + 1 - n);
    if (got < 0 && errno == EINTR) {
      continue;
    }
    if (got <= 0) {
      break;
    }
    n += (size_t)got;
    if (n > SG_KEY_FILE_MAX) {
      break;
    }
  }
  close(fd);
  int ret = SG_ERR_ARG;
  if (n > 0 && n <= SG_KEY_FILE_MAX) {
    buf[n] = '\0';
    size_t lead = 0;
    while (lead < n && (buf[lead] == ' ' || buf[lead] == '\n' || buf[lead] == '\r' || buf[lead] == '\t')) {
      lead++;
    }
    if (lead < n && buf[lead] == '{') {
      ret = sg_key_from_jwk((const char *)buf, &type, key);
    } else {
      type = SG_FLEET_KEY_EC_P256;
      /* PEM wants its NUL counted; DER must not have it */
      const int pem = memchr(buf, '-', n) != NULL && strstr((const char *)buf, "-----BEGIN") != NULL;
      ret = sg_p256_private_from_key_file(buf, pem ? n + 1 : n, sg_posix_random, NULL, key);
    }
  } else if (n > SG_KEY_FILE_MAX) {
    ret = SG_ERR_TOO_LARGE;
  }
  sg_wipe(buf, sizeof buf);
  if (ret == SG_OK) {
    ret = sg_ram_keystore_add(ks, type, key, kid);
  }
  sg_wipe(key, sizeof key);
  return ret;
}
