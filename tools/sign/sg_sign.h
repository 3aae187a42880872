/*
 * stagegate-sign — private declarations shared by the tool's files.
 *
 * Host tool only: links the core built against the tools mbedTLS
 * configuration (stagegate_tools: sg_mbedtls_tools.h), so base64, the
 * envelope, the profile schema and signature verification are the device's.
 *
 * Error model: every function that can fail returns SG_EXIT_OK (0) or an
 * exit code (SG_EXIT_USAGE, SG_EXIT_FAIL) and, at the point of failure,
 * records one message with sg_fail()/sg_usage(). Only the first message is
 * kept, so the user sees the innermost reason on exactly one line.
 */
#ifndef SG_SIGN_H
#define SG_SIGN_H

#include <stddef.h>
#include <stdint.h>

#include "cJSON.h"
#include "mbedtls/ctr_drbg.h"
#include "mbedtls/entropy.h"
#include "mbedtls/pk.h"
#include "mbedtls/x509_crt.h"
#include "b64.h"          /* the device's base64 (agent/src) */
#include "stagegate/config.h" /* SG_MAX_PROFILE: the agent's arena, for the device checks */
#include "stagegate/errors.h"
#include "sg_crypto.h"    /* the device's algorithms and verification (crypto/) */
#include "sg_ecdsa_der.h" /* shared with the device: crypto/ecdsa_der.c */

#define SG_EXIT_OK 0
#define SG_EXIT_USAGE 1
#define SG_EXIT_FAIL 2

/* ---- errors (main.c) ---------------------------------------------------- */

/* Record the first failure message; return SG_EXIT_FAIL / SG_EXIT_USAGE. */
int sg_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int sg_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The recorded message ("" if none); sg_error_clear forgets it. */
const char *sg_error(void);
void sg_error_clear(void);
/* Short text for an mbedTLS error code (mbedtls_strerror, no trailing junk). */
const char *sg_mbedtls_msg(int code, char *buf, size_t size);

/* ---- files (io.c) ------------------------------------------------------- */

/*
 * Read a whole file ("-" = stdin) into a fresh heap buffer with one extra
 * NUL byte after `*len` (PEM parsers need it). Caller frees with
 * sg_free_buf (or sg_free_secret for key material). Files over 16 MiB are
 * refused: nothing this tool reads is that large.
 */
int sg_read_file(const char *path, uint8_t **buf, size_t *len);
/* Write buf to path ("-" = stdout), replacing the file. */
int sg_write_file(const char *path, const void *buf, size_t len);
void sg_free_buf(void *buf);
/* Wipe then free a buffer that held a secret. */
void sg_free_secret(void *buf, size_t len);
/* Does buf[0..len) contain a PEM block "-----BEGIN <label>"? */
int sg_is_pem(const uint8_t *buf, size_t len, const char *label);

/* ---- base64 (the device's: agent/src/b64.h; heap helpers in b64_heap.c) */

/* Length of the encoding of n bytes (url: no padding). */
size_t sg_b64_len(size_t n, int url);
/* Encode into a fresh heap string: url != 0 base64url without padding
 * (JWS), else standard with padding (certificates); NULL when out of memory. */
char *sg_b64_encode_alloc(const uint8_t *in, size_t n, int url);
/* Decode exactly as the device does into a fresh heap buffer (*out freed
 * by the caller); 0 or -1. */
int sg_b64_decode_alloc(const char *in, size_t n, int url, uint8_t **out, size_t *out_len);

/* ---- RC2, RFC 2268 (rc2.c) --------------------------------------------- */

typedef struct {
  uint16_t k[64]; /* expanded key: secret, wiped by sg_rc2_free */
} sg_rc2;

/* key: 1..128 bytes; effective_bits: 1..1024. Returns 0 or -1. */
int sg_rc2_setkey(sg_rc2 *ctx, const uint8_t *key, size_t key_len, unsigned effective_bits);
void sg_rc2_encrypt_block(const sg_rc2 *ctx, const uint8_t in[8], uint8_t out[8]);
void sg_rc2_decrypt_block(const sg_rc2 *ctx, const uint8_t in[8], uint8_t out[8]);
/* CBC decrypt len bytes (a multiple of 8) in place-safe; iv is updated. */
int sg_rc2_cbc_decrypt(const sg_rc2 *ctx, uint8_t iv[8], const uint8_t *in, size_t len,
                       uint8_t *out);
void sg_rc2_free(sg_rc2 *ctx);

/* ---- randomness (keys.c) ------------------------------------------------ */

typedef struct {
  mbedtls_entropy_context entropy;
  mbedtls_ctr_drbg_context drbg;
} sg_rng;

int sg_rng_init(sg_rng *rng);
void sg_rng_free(sg_rng *rng);

/* ---- PKCS#12 (pfx.c) ---------------------------------------------------- */

/*
 * RFC 7292 appendix B.2 key derivation. `pwd` is the BMPString password
 * (UTF-16BE with its two-byte terminator), any length — mbedTLS's
 * mbedtls_pkcs12_derivation stops at 31 characters, too short for a
 * passphrase. id: 1 key, 2 IV, 3 MAC key. Returns 0 or -1.
 */
int sg_pkcs12_kdf(mbedtls_md_type_t md, const uint8_t *pwd, size_t pwd_len, const uint8_t *salt,
                  size_t salt_len, int id, int iterations, uint8_t *out, size_t out_len);

/*
 * UTF-8 passphrase -> BMPString (UTF-16BE, surrogate pairs above U+FFFF,
 * plus the 00 00 terminator) as OpenSSL 3 does. latin1 != 0: zero-extend
 * every byte instead (what older tools did with non-ASCII passphrases).
 * *out is a fresh buffer the caller wipes and frees. Returns 0 or -1
 * (invalid UTF-8, out of memory).
 */
int sg_pkcs12_bmp(const char *pass, size_t pass_len, int latin1, uint8_t **out, size_t *out_len);

/*
 * Parse a PKCS#12 file (DER), verify its MAC with the passphrase, decrypt
 * its bags and return the one private key, the certificate matching it
 * (`leaf`) and every other certificate (`extra`, file order). `label`
 * names the file in messages. `key`, `leaf`, `extra` are initialised by
 * the caller.
 */
int sg_pfx_load(const char *label, const uint8_t *der, size_t der_len, const char *pass,
                size_t pass_len, mbedtls_pk_context *key, mbedtls_x509_crt *leaf,
                mbedtls_x509_crt *extra, sg_rng *rng);

/* ---- signer: key + certificate (keys.c) --------------------------------- */

typedef struct {
  const char *key;       /* --key: PEM/DER private key (maybe encrypted) */
  const char *cert;      /* --cert: PEM/DER, leaf first (+ intermediates) */
  const char *pfx;       /* --pfx */
  const char *chain;     /* --chain: intermediates for x5c */
  const char *pass;      /* --pass */
  const char *pass_env;  /* --pass-env */
  const char *pass_file; /* --pass-file */
  const char *what;      /* "", "old ", "new ": prefix for messages */
} sg_key_source;

typedef struct {
  mbedtls_pk_context key;
  mbedtls_x509_crt leaf;  /* exactly one certificate */
  mbedtls_x509_crt chain; /* intermediates, maybe empty */
  int has_chain;
  char label[256]; /* file the key came from, for messages */
} sg_signer;

void sg_signer_init(sg_signer *s);
void sg_signer_free(sg_signer *s);
int sg_signer_load(sg_signer *s, const sg_key_source *src, sg_rng *rng);

/* Read one or more certificates (PEM or DER) from a file into crt. */
int sg_cert_load_file(mbedtls_x509_crt *crt, const char *path);

/* ---- JWS (jws.c) -------------------------------------------------------- */

/* The algorithms are the device's (sg_alg, crypto/alg.c); these names are
 * the tool's spelling of them. */
typedef sg_alg sg_jws_alg;
#define SG_JWS_NONE SG_ALG_INVALID
#define SG_JWS_ES256 SG_ALG_ES256
#define SG_JWS_ES384 SG_ALG_ES384
#define SG_JWS_PS256 SG_ALG_PS256
#define SG_JWS_RS256 SG_ALG_RS256

#define SG_JWS_SIG_MAX 512u /* RSA-4096 */

const char *sg_jws_alg_name(sg_jws_alg alg);
sg_jws_alg sg_jws_alg_parse(const char *name);
/*
 * Choose and check the algorithm for a key: `requested` NULL = from the key
 * (P-256 ES256, P-384 ES384, RSA PS256). Refuses RSA under 2048 bits and
 * an algorithm that does not fit the key. `label` names the key's file.
 */
int sg_jws_pick_alg(const mbedtls_pk_context *pk, const char *requested, const char *label,
                    sg_jws_alg *alg);

/* ECDSA R||S <-> DER: sg_ecdsa_der.h (crypto/ecdsa_der.c). */

/* The protected header JSON text for `s` (fresh heap string). */
int sg_jws_header(const sg_signer *s, sg_jws_alg alg, int with_x5c, char **out);
/* Sign `input` (the JWS signing input) with `s`'s key in JWS form. */
int sg_jws_sign(sg_signer *s, sg_jws_alg alg, const uint8_t *input, size_t input_len, uint8_t *sig,
                size_t *sig_len, sg_rng *rng);
/* Verify a JWS-form signature exactly as the device does (sg_verify: key
 * checks included); returns 0 if it verifies, -1 otherwise. */
int sg_jws_verify(mbedtls_pk_context *pk, sg_jws_alg alg, const uint8_t *input, size_t input_len,
                  const uint8_t *sig, size_t sig_len);
/* "<b64u header>.<b64u payload>" (fresh heap string). */
char *sg_jws_signing_input(const char *header, const char *payload);

/* ---- profile JSON (profile.c) ------------------------------------------- */

typedef struct {
  const char *seq, *iat, *exp; /* command-line values or NULL */
  const char *activate_at;     /* rotate only */
  const char *base_dir;        /* where "@path" certificates are resolved */
} sg_profile_opts;

/* Parse the profile file as JSON (*root freed with cJSON_Delete). */
int sg_profile_read(const char *path, cJSON **root);
/* Validate and complete a profile to sign (see README). */
int sg_profile_prepare(cJSON *root, const sg_profile_opts *opts);
/* Reject any string that is, or carries, private-key material. */
int sg_profile_check_no_keys(const cJSON *item);
/* Parse an unsigned integer < 2^53 ("now" allowed when allow_now). */
int sg_parse_uint53(const char *text, int allow_now, const char *what, double *out);
/* Standard base64 of a certificate's DER (fresh heap string). */
char *sg_cert_b64(const mbedtls_x509_crt *crt);

/* ---- chunks (split.c) --------------------------------------------------- */

#define SG_SPLIT_MAX_CHUNKS 16u
#define SG_SPLIT_SET_HEX 12u

typedef enum {
  SG_SPLIT_OK = 0,
  SG_SPLIT_EMPTY = -1,     /* nothing to split */
  SG_SPLIT_TOO_SMALL = -2, /* capacity cannot hold a header and one byte */
  SG_SPLIT_TOO_MANY = -3,  /* more than SG_SPLIT_MAX_CHUNKS symbols needed */
} sg_split_result;

typedef struct {
  size_t off, len; /* slice of the text */
} sg_chunk;

/*
 * Plan chunks of text[0..len) for symbols holding `capacity` bytes each
 * (header included): the fewest chunks, filled in order, never cutting a
 * UTF-8 sequence. set receives the 12 hex digits and a NUL.
 */
int sg_split_plan(const uint8_t *text, size_t len, size_t capacity,
                  sg_chunk chunks[SG_SPLIT_MAX_CHUNKS], unsigned *n, char set[13]);
/* Header "SG1:<i>/<n>:<set>:" into buf (>= 40 bytes); returns its length. */
size_t sg_split_header(unsigned i, unsigned n, const char set[13], char *buf, size_t size);
/* Smallest capacity that fits text in SG_SPLIT_MAX_CHUNKS chunks. */
size_t sg_split_min_capacity(const uint8_t *text, size_t len);

/* ---- subcommands -------------------------------------------------------- */

int sg_cmd_sign(int argc, char **argv);
int sg_cmd_rotate(int argc, char **argv);
int sg_cmd_split(int argc, char **argv);
int sg_cmd_inspect(int argc, char **argv);

/* ---- option parsing (main.c) -------------------------------------------- */

typedef struct {
  const char *name;   /* long name without "--" */
  int has_arg;        /* 1: takes a value ("--x V" or "--x=V") */
  const char **value; /* where the value (or "1" for flags) goes */
} sg_opt;

/*
 * Parse argv[1..] against opts; non-option words go to positional (at most
 * max_pos). "--help" sets *help. Returns SG_EXIT_OK or SG_EXIT_USAGE.
 */
int sg_opts_parse(int argc, char **argv, const sg_opt *opts, const char **positional,
                  unsigned max_pos, unsigned *n_pos, int *help);

#endif /* SG_SIGN_H */
