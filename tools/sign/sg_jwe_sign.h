/*
 * stagegate-sign encrypt / keygen (encrypt.c, on OpenSSL 3 libcrypto):
 * encrypted profiles for the device's agent/src/jwe.c. Same error model as
 * sg_sign.h: SG_EXIT_OK or an exit code with one message recorded.
 */
#ifndef SG_JWE_SIGN_H
#define SG_JWE_SIGN_H

#include <stddef.h>
#include <stdint.h>

/*
 * Encrypt profile text pt[0..n) (signed or unsigned) as a JWE compact
 * serialization to the fleet key in `key_path`: a P-256 public key (PEM
 * "PUBLIC KEY" or a JWK kty "EC") gives ECDH-ES+A256KW, an AES-256 JWK (kty
 * "oct") gives "dir"; A256GCM in both. *out is OPENSSL_malloc'ed text.
 */
int sg_jwe_encrypt(const char *key_path, const uint8_t *pt, size_t n, char **out,
                   size_t *out_len);

/*
 * New fleet key: kind "ec" writes a P-256 private key to `path`.key.pem
 * (PEM, mode 0600) and its public key to `path`.pub.pem; "oct" writes an
 * AES-256 JWK to `path` (0600). Existing files are never overwritten.
 */
int sg_fleet_keygen(const char *kind, const char *path);

/* The commands (argv[0] is the command's name). */
int sg_cmd_encrypt(int argc, char **argv);
int sg_cmd_keygen(int argc, char **argv);

#endif
