/*
 * stagegate — the fleet keystore port: the keys that open encrypted
 * profiles (JWE, RFC 7516; docs/DESIGN.md "Encrypted profiles").
 *
 * An encrypted profile names its key with "kid", the RFC 7638 thumbprint
 * of the key's JWK (base64url of SHA-256, 43 characters). The agent asks
 * the port which key that is and has the port do the one operation the
 * key is for, so a port can keep the key out of RAM (a secure element
 * performs the ECDH itself):
 *
 *   ECDH-ES+A256KW  find() says SG_FLEET_KEY_EC_P256; ecdh() returns the
 *                   shared secret Z with the sender's ephemeral point.
 *   dir             find() says SG_FLEET_KEY_AES256; secret() hands out
 *                   the 32-byte content key.
 *
 * Every function returns SG_OK or a negative sg_err: SG_ERR_UNKNOWN_KEY
 * when no key has that kid (or the key is of the other type),
 * SG_ERR_DECRYPT_FAILED when the operation fails (e.g. a point that is not
 * on the curve), SG_ERR_NO_MEMORY. Output buffers are wiped by the agent
 * after use.
 *
 * Ready-made ports: sg_ram_keystore (crypto/sg_keystore_ram.h: keys held in
 * memory or in flash as const data) and, on Linux, key files
 * (platform/posix: PEM EC private key, or a JWK with kty "EC" or "oct").
 */
#ifndef STAGEGATE_KEYSTORE_H
#define STAGEGATE_KEYSTORE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
  SG_FLEET_KEY_NONE = 0,
  SG_FLEET_KEY_EC_P256 = 0x4b4531, /* ECDH-ES+A256KW recipient key */
  SG_FLEET_KEY_AES256 = 0x4b4132,  /* "dir" content key */
} sg_fleet_key_type;

/* RFC 7638 thumbprint, base64url without padding. */
#define SG_KID_LEN 43

typedef struct sg_keystore {
  void *ctx;
  int (*find)(void *ctx, const char *kid, size_t kid_len, sg_fleet_key_type *type);
  /* peer: the sender's ephemeral P-256 point, x || y (big-endian). */
  int (*ecdh)(void *ctx, const char *kid, size_t kid_len, const uint8_t peer[64],
              uint8_t z[32]);
  int (*secret)(void *ctx, const char *kid, size_t kid_len, uint8_t key[32]);
} sg_keystore;

/*
 * The RAM keystore: keys held as bytes (in RAM, or const in flash on a
 * microcontroller), each named by its computed thumbprint. The caller owns
 * the key table (`cap` entries); nothing is allocated.
 *
 *   static sg_ram_key keys[2];
 *   sg_ram_keystore ks;
 *   sg_ram_keystore_init(&ks, keys, 2, NULL, NULL);
 *   sg_ram_keystore_add(&ks, SG_FLEET_KEY_EC_P256, d, NULL);  // P-256 private scalar
 *   sg_keystore port = sg_ram_keystore_port(&ks);             // -> sg_agent_config.keystore
 *
 * rng: randomness for blinding the ECDH scalar multiplication; NULL uses a
 * deterministic generator derived from the key and the peer point (see
 * crypto/sg_jwe_crypto.h for what that does and does not protect).
 */
typedef struct sg_ram_key {
  sg_fleet_key_type type;
  uint8_t key[32];      /* P-256 private scalar, or the AES-256 key */
  char kid[SG_KID_LEN]; /* its RFC 7638 thumbprint */
} sg_ram_key;

typedef struct sg_ram_keystore {
  sg_ram_key *keys;
  size_t count;
  size_t cap;
  int (*rng)(void *p_rng, unsigned char *out, size_t len);
  void *p_rng;
} sg_ram_keystore;

void sg_ram_keystore_init(sg_ram_keystore *ks, sg_ram_key *keys, size_t cap,
                          int (*rng)(void *p_rng, unsigned char *out, size_t len), void *p_rng);
/* Add a key; its kid is computed (copied to kid_out when not NULL). SG_OK,
 * SG_ERR_ARG (not a valid key of that type), SG_ERR_TOO_LARGE (table
 * full), SG_ERR_NO_MEMORY. */
int sg_ram_keystore_add(sg_ram_keystore *ks, sg_fleet_key_type type, const uint8_t key[32],
                        char kid_out[SG_KID_LEN]);
/* The port's function table over `ks` (which must outlive it). */
sg_keystore sg_ram_keystore_port(sg_ram_keystore *ks);
/* Wipe every key. */
void sg_ram_keystore_wipe(sg_ram_keystore *ks);

#ifdef __cplusplus
}
#endif

#endif /* STAGEGATE_KEYSTORE_H */
