/*
 * The firmware's own mbedTLS at work beside stagegate (tests/consumer/run,
 * own-mbedtls): SHA-256 through the context API (mbedtls_sha256_init, the
 * symbol of the reported clash), SHA-1 and AES, which stagegate's device
 * configuration does not have, and a CA certificate loaded from a file
 * (mbedtls_x509_crt_parse_file, MBEDTLS_FS_IO: the firmware's x509_crt.o,
 * which defines the same parser stagegate's does). Runs before main() and
 * stops the program if the firmware's mbedTLS does not give the known
 * answers.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mbedtls/aes.h"
#include "mbedtls/sha1.h"
#include "mbedtls/sha256.h"
#include "mbedtls/x509_crt.h"

static const unsigned char abc_sha256[32] = {
    0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea, 0x41, 0x41, 0x40, 0xde, 0x5d, 0xae, 0x22, 0x23,
    0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17, 0x7a, 0x9c, 0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad};
static const unsigned char abc_sha1[20] = {0xa9, 0x99, 0x3e, 0x36, 0x47, 0x06, 0x81,
                                           0x6a, 0xba, 0x3e, 0x25, 0x71, 0x78, 0x50,
                                           0xc2, 0x6c, 0x9c, 0xd0, 0xd8, 0x9d};
/* FIPS-197 appendix C.1 */
static const unsigned char aes_ct[16] = {0x69, 0xc4, 0xe0, 0xd8, 0x6a, 0x7b, 0x04, 0x30,
                                         0xd8, 0xcd, 0xb7, 0x80, 0x70, 0xb4, 0xc5, 0x5a};

__attribute__((constructor)) static void own_mbedtls_selftest(void) {
  unsigned char out[32], key[16], pt[16];
  int ok = 1;
  mbedtls_sha256_context sha;
  mbedtls_sha256_init(&sha);
  ok &= mbedtls_sha256_starts(&sha, 0) == 0 &&
        mbedtls_sha256_update(&sha, (const unsigned char *)"abc", 3) == 0 &&
        mbedtls_sha256_finish(&sha, out) == 0 && memcmp(out, abc_sha256, 32) == 0;
  mbedtls_sha256_free(&sha);
  ok &= mbedtls_sha1((const unsigned char *)"abc", 3, out) == 0 && memcmp(out, abc_sha1, 20) == 0;
  for (int i = 0; i < 16; i++) {
    key[i] = (unsigned char)i;
    pt[i] = (unsigned char)(i * 0x11);
  }
  mbedtls_aes_context aes;
  mbedtls_aes_init(&aes);
  ok &= mbedtls_aes_setkey_enc(&aes, key, 128) == 0 &&
        mbedtls_aes_crypt_ecb(&aes, MBEDTLS_AES_ENCRYPT, pt, out) == 0 &&
        memcmp(out, aes_ct, 16) == 0;
  mbedtls_aes_free(&aes);
  mbedtls_x509_crt ca;
  mbedtls_x509_crt_init(&ca);
  ok &= mbedtls_x509_crt_parse_file(&ca, OWN_CA_FILE) == 0 && ca.version == 3;
  mbedtls_x509_crt_free(&ca);
  printf("firmware's own mbedTLS (SHA-256, SHA-1, AES, X.509 from a file): %s\n",
         ok ? "ok" : "WRONG");
  if (!ok) {
    exit(1);
  }
}
