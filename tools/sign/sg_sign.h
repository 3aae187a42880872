/*
 * stagegate-sign — private declarations shared by the tool's files.
 *
 * Host tool only: OpenSSL 3 libcrypto for private keys, .pfx and signing;
 * the core built against the tools mbedTLS configuration (stagegate_tools:
 * sg_mbedtls_tools.h) for everything a device checks, so base64, the
 * envelope, the profile schema, the key screen and signature verification
 * are the device's own code.
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
#include <openssl/evp.h>
#include "b64.h"          /* the device's base64 (agent/src) */
#include "batch_actions.h" /* the device's Batch table (agent/src) */
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

/* ---- randomness (keys.c) ------------------------------------------------ */

/*
 * mbedTLS's DRBG, still used where the tools mbedTLS build needs one (the
 * private-key detector in profile.c). Signing itself uses OpenSSL's RNG.
 */
typedef struct {
  mbedtls_entropy_context entropy;
  mbedtls_ctr_drbg_context drbg;
} sg_rng;

int sg_rng_init(sg_rng *rng);
void sg_rng_free(sg_rng *rng);

/* ---- signer: key + certificate (keys.c) --------------------------------- */

typedef struct {
  const char *key;       /* --key: PEM/DER private key (maybe encrypted) */
  const char *cert;      /* --cert: PEM/DER, leaf first (+ intermediates) */
  const char *pfx;       /* --pfx */
  const char *chain;     /* --chain: intermediates for x5c; "none": the leaf alone */
  const char *pass;      /* --pass */
  const char *pass_env;  /* --pass-env */
  const char *pass_file; /* --pass-file */
  const char *what;      /* "", "old ", "new ": prefix for messages */
} sg_key_source;

/*
 * Private keys and .pfx files are read with OpenSSL 3 libcrypto (keys.c):
 * PKCS#12 with AES or, through the legacy provider, RC2-40/3DES; PEM and
 * DER keys, encrypted or not. Certificates stay mbedTLS objects, parsed as
 * the device parses them.
 */
typedef struct {
  EVP_PKEY *key;          /* OpenSSL key: freed by sg_signer_free */
  mbedtls_x509_crt leaf;  /* exactly one certificate */
  mbedtls_x509_crt chain; /* intermediates, maybe empty */
  int has_chain;
  int x5c_chain;          /* the chain goes into x5c after the leaf (not with --chain none) */
  char label[256]; /* file the key came from, for messages */
} sg_signer;

void sg_signer_init(sg_signer *s);
void sg_signer_free(sg_signer *s);
int sg_signer_load(sg_signer *s, const sg_key_source *src);

/* Does der[0..len) parse as a PKCS#12 (.pfx/.p12) file? */
int sg_is_pkcs12(const uint8_t *der, size_t len);
/* "EC P-256", "RSA-2048", ... for messages (static string per call). */
const char *sg_key_describe(const EVP_PKEY *key);

/*
 * The passphrase for `src`: from --pass/--pass-env/--pass-file, else
 * typed at the terminal without echo when stdin and stderr are terminals
 * (`prompt_for` names the file), else none (*pass NULL, SG_EXIT_OK).
 * *pass is a fresh NUL-terminated buffer: the caller wipes it with
 * sg_free_secret(*pass, *pass_len + 1).
 */
int sg_passphrase_get(const sg_key_source *src, const char *prompt_for, char **pass,
                      size_t *pass_len);

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
int sg_jws_pick_alg(const EVP_PKEY *pk, const char *requested, const char *label,
                    sg_jws_alg *alg);

/* ECDSA R||S <-> DER: sg_ecdsa_der.h (crypto/ecdsa_der.c). */

/* The protected header JSON text for `s` (fresh heap string). */
int sg_jws_header(const sg_signer *s, sg_jws_alg alg, int with_x5c, char **out);
/*
 * Sign `input` (the JWS signing input) with `s`'s key (OpenSSL EVP) in JWS
 * form: ECDSA as fixed-size R || S, RSA as the raw signature. The result is
 * checked with the certificate's key (mbedTLS) before it is returned.
 */
int sg_jws_sign(sg_signer *s, sg_jws_alg alg, const uint8_t *input, size_t input_len, uint8_t *sig,
                size_t *sig_len);
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
/* Does the profile hold a Batch TurnOnTrustedMode action? */
int sg_profile_is_turn_on(const cJSON *root);
/* Reject any string that is, or carries, private-key material. */
int sg_profile_check_no_keys(const cJSON *item);
/* Parse an unsigned integer < 2^53 ("now" allowed when allow_now). */
int sg_parse_uint53(const char *text, int allow_now, const char *what, double *out);
/* Standard base64 of a certificate's DER (fresh heap string). */
char *sg_cert_b64(const mbedtls_x509_crt *crt);

/*
 * Times as people write them: Unix seconds, "now", a date "2027-01-01"
 * (00:00 UTC), "2027-01-01T12:00Z" / "...T12:00:30+02:00", or a delay
 * "+30d" (s, m, h, d, w) after `base` (the profile's iat). `what` names
 * the option in messages. Result below 2^53.
 */
int sg_parse_time(const char *text, double base, const char *what, double *out);
/* Days since 1970-01-01 of a proleptic Gregorian date. */
long long sg_days_from_civil(long long y, long long m, long long d);

#define SG_TRUST_EXP_DEFAULT (7.0 * 86400.0) /* exp - iat for TurnOff/Rotate by default */

/* ---- Batch actions ------------------------------------------------------ */

/*
 * The schema is the device's table (batch_actions.h: sg_batch_count,
 * sg_batch_at, sg_batch_find, sg_batch_arg_find, ...); actions.c adds the
 * descriptions people read, keyed by action and argument name.
 */
typedef struct {
  const char *action; /* a row's name */
  const char *arg;    /* one of its arguments, or NULL: the action itself */
  const char *text;   /* one line for people */
} sg_action_text;

/* All descriptions (for the test that none is missing or orphaned). */
const sg_action_text *sg_action_texts(size_t *count);
/* The description of an action (arg NULL) or of one of its arguments; NULL if none. */
const char *sg_action_describe(const char *action, const char *arg);
/* "required" or "optional" (SG_ARG_STATED is optional on devices: pinned). */
const char *sg_action_presence(sg_batch_arg_presence presence);

/* ---- skeletons (new.c) -------------------------------------------------- */

/*
 * A profile skeleton: kind "turn-on-pinned", "turn-on-ca", "turn-off",
 * "rotate", "wifi"; cert names the TurnOn's certificate file ("@cert");
 * name, model, serial optional (NULL). NULL if kind is unknown or out of
 * memory. Caller frees with cJSON_Delete.
 */
cJSON *sg_skeleton_build(const char *kind, const char *cert, const char *name, const char *model,
                         const char *serial);

/* ---- preflight (preflight.c) -------------------------------------------- */

typedef enum {
  SG_PREFLIGHT_TRUSTED = 0, /* devices in Trusted Mode under this signer's anchor */
  SG_PREFLIGHT_FACTORY,     /* devices not in Trusted Mode (factory state) */
} sg_preflight_for;

typedef struct {
  sg_preflight_for audience;
  const mbedtls_x509_crt *anchor; /* --anchor: what trusted devices hold, or NULL (README) */
  int64_t now;                    /* the device clock; 0: this computer's */
} sg_preflight_opts;

/*
 * Refuse, with the fix in the message, what the devices `o` names would
 * refuse: `text` (the signed profile, NUL-terminated, not yet written) is
 * fed to the device library's own agent (sg_device.h) in that state, and
 * its sg_err mapped to a message. `payload` is the prepared profile (for
 * the messages, the target and the CSPs), `signers` its n_signers signers
 * (the first decides the anchor), with_x5c: x5c is in the headers. One
 * signer rule comes first: x5c never carries a self-signed root.
 */
int sg_preflight(const char *text, const cJSON *payload, const sg_signer *const *signers,
                 unsigned n_signers, int with_x5c, const sg_preflight_opts *o);
/* Whom a profile goes to when --for is not given: devices in Trusted Mode,
 * except a TurnOn, which goes to factory ones. */
sg_preflight_for sg_preflight_default_for(const cJSON *profile);
/* --for WHO (NULL: `dflt`) and --anchor FILE (NULL: none) into o; `anchor`
 * is initialised here and freed by the caller with mbedtls_x509_crt_free. */
int sg_preflight_opts_parse(const char *for_opt, sg_preflight_for dflt, const char *anchor_file,
                            mbedtls_x509_crt *anchor, sg_preflight_opts *o);

/* ---- what a profile says, for people (facts.c) ------------------------- */

typedef struct {
  char alg[16];
  char subject[256];     /* x5c[0]'s (or the given certificate's) subject */
  char fingerprint[100]; /* x5t#S256 as AB:CD:..., "" if absent */
} sg_signer_facts;

typedef struct {
  char name[256];
  char does[512];   /* "TurnOnTrustedMode (pinned), Wifi" */
  char target[256]; /* "every device" or "models TC52; serials 1, 2" */
  char seq[24], iat[40], exp[40];
  sg_signer_facts signers[2];
  unsigned n_signers; /* 0: unsigned */
  int not_a_profile;  /* render --lines: the texts are not one profile */
  int encrypted;      /* a JWE (`encrypt`): its content is not shown, nor known here */
} sg_facts;

/*
 * The facts of a profile text (JWS compact, General JSON, or bare JSON).
 * `given`: a certificate that may name the signer when there is no x5c
 * (used only if its SHA-256 is the header's x5t#S256), or NULL.
 */
int sg_profile_facts(const uint8_t *text, size_t len, const mbedtls_x509_crt *given,
                     sg_facts *f);

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

/* ---- signing (sign.c) --------------------------------------------------- */

/* The prepared profile `root` signed by s: JWS compact (fresh string). */
int sg_sign_compact(sg_signer *s, sg_jws_alg alg, int x5c, const cJSON *root, char **jws);
/* Directory part of path ("" for the current directory); fresh string. */
char *sg_dirname(const char *path);

/* ---- subcommands -------------------------------------------------------- */

int sg_cmd_sign(int argc, char **argv);
int sg_cmd_rotate(int argc, char **argv);
int sg_cmd_split(int argc, char **argv);
int sg_cmd_inspect(int argc, char **argv);
int sg_cmd_new(int argc, char **argv);
int sg_cmd_actions(int argc, char **argv);
int sg_cmd_batch(int argc, char **argv);

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
