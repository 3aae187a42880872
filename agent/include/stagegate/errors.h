/*
 * stagegate — result codes.
 *
 * One enum for the whole agent: SG_OK = 0, every failure a distinct
 * negative code with a stable name and a one-line message, one per reason a
 * person needs to tell apart. Codes are stable: add new ones at the end of
 * their group, never renumber.
 *
 * Security decisions are not reported as SG_OK: a verified signature or an
 * accepted profile is SG_ACCEPTED, a value far from 0, from 1 and from
 * every error code, so a glitched register or a forgotten assignment
 * cannot read as "yes".
 */
#ifndef STAGEGATE_ERRORS_H
#define STAGEGATE_ERRORS_H

#ifdef __cplusplus
extern "C" {
#endif

/* Hardened positive results. */
#define SG_ACCEPTED  0x3CA55AC3
#define SG_NEED_MORE 0x0D0E0F01 /* a chunk was held; more symbols are needed */

/* X(name, value, message) */
#define SG_ERROR_TABLE(X)                                                              \
  X(SG_OK,                       0,   "success")                                       \
  /* generic */                                                                         \
  X(SG_ERR_ARG,                  -1,  "invalid argument")                              \
  X(SG_ERR_NO_MEMORY,            -2,  "out of memory")                                 \
  X(SG_ERR_INTERNAL,             -3,  "internal error or fault detected")              \
  X(SG_ERR_TOO_LARGE,            -4,  "input larger than the configured maximum")      \
  X(SG_ERR_CONFIG_MISMATCH,      -5,  "caller built with other SG_MAX_* limits than the library") \
  /* barcode chunks */                                                                  \
  X(SG_ERR_CHUNK_FORMAT,         -10, "barcode text is not a stagegate chunk")         \
  X(SG_ERR_CHUNK_HASH,           -11, "reassembled profile does not match its set id") \
  X(SG_ERR_CHUNK_RESTARTED,      -12, "chunk of another profile: started over")        \
  /* envelope (JWS) */                                                                  \
  X(SG_ERR_FORMAT,               -20, "signed envelope is malformed")                  \
  X(SG_ERR_HEADER,               -21, "forbidden or malformed JWS header parameter")   \
  X(SG_ERR_ALG,                  -22, "signature algorithm not allowed")               \
  X(SG_ERR_BAD_SIGNATURE,        -23, "signature does not verify")                     \
  X(SG_ERR_UNKNOWN_SIGNER,       -24, "signer certificate unknown to this device")     \
  X(SG_ERR_CHAIN,                -25, "signer certificate does not chain to the anchor")\
  X(SG_ERR_WEAK_KEY,             -26, "key too weak (RSA under 2048 bits)")            \
  X(SG_ERR_CERT_FORMAT,          -27, "certificate does not parse")                    \
  X(SG_ERR_CERT_EXPIRED,         -28, "certificate expired")                           \
  X(SG_ERR_CERT_NOT_YET_VALID,   -29, "certificate not yet valid")                     \
  X(SG_ERR_CERT_USAGE,           -30, "certificate not allowed to sign this")          \
  X(SG_ERR_KEY_PARAMS,           -37, "key parameters refused (RSA public exponent over 32 bits)") \
  /* profile */                                                                         \
  X(SG_ERR_PROFILE_FORMAT,       -40, "profile JSON malformed or violates the schema") \
  X(SG_ERR_PROFILE_VERSION,      -41, "unsupported profile format version")            \
  X(SG_ERR_PRIVATE_KEY,          -42, "profile carries private-key material")          \
  X(SG_ERR_PROFILE_EXPIRED,      -43, "profile expired")                               \
  X(SG_ERR_PROFILE_FUTURE,       -44, "profile issued in the future")                  \
  X(SG_ERR_REPLAY,               -45, "profile replayed or older than one accepted")   \
  X(SG_ERR_NOT_FOR_DEVICE,       -46, "profile targets other devices")                 \
  X(SG_ERR_UNSUPPORTED_ACTION,   -47, "no handler for an action in the profile")       \
  X(SG_ERR_ACTION_ARGS,          -48, "action arguments invalid")                      \
  X(SG_ERR_HANDLER_FAILED,       -49, "an action handler failed")                      \
  /* trust policy */                                                                    \
  X(SG_ERR_UNSIGNED_ON_TRUSTED,  -60, "unsigned profile refused: device is in trusted mode") \
  X(SG_ERR_NO_POSSESSION,        -61, "TurnOn not signed by the certificate it deploys") \
  X(SG_ERR_NOT_TRUSTED,          -62, "device is not in trusted mode")                 \
  X(SG_ERR_ALREADY_TRUSTED,      -63, "device already trusts another certificate")     \
  X(SG_ERR_ROTATION,             -64, "rotation needs signatures by current and new certificate") \
  X(SG_ERR_LOCKED,               -65, "trust state unreadable or rolled back: device locked") \
  X(SG_ERR_EXP_REQUIRED,         -70, "TurnOff and Rotate must carry exp")            \
  X(SG_ERR_EXP_TOO_LONG,         -71, "exp too far after iat for a trust change")     \
  X(SG_ERR_ANCHOR_KEY_REQUIRED,  -72, "only the CA anchor's own key may turn off or rotate it") \
  X(SG_ERR_NO_RECOVERY,          -73, "no recovery certificate configured")          \
  /* storage */                                                                         \
  X(SG_ERR_STORAGE,              -80, "storage read, program or erase failed")         \
  X(SG_ERR_STORAGE_FULL,         -81, "trust record does not fit the storage slot")   \
  /* encrypted profiles (JWE) */                                                        \
  X(SG_ERR_JWE_FORMAT,           -90,  "encrypted profile (JWE) is malformed")         \
  X(SG_ERR_JWE_ALG,              -91,  "encryption algorithm or JWE header parameter not supported") \
  X(SG_ERR_UNKNOWN_KEY,          -92,  "encrypted for a key this device does not hold") \
  X(SG_ERR_DECRYPT_FAILED,       -93,  "encrypted profile does not decrypt (wrong key or tampered)") \
  X(SG_ERR_ENCRYPTION_REQUIRED,  -94,  "plaintext profile refused: this device requires encryption") \
  /* scanner/images */                                                                  \
  X(SG_ERR_IMAGE_IO,             -100, "image file could not be opened or read")       \
  X(SG_ERR_IMAGE_EMPTY,          -101, "image file is empty")                          \
  X(SG_ERR_IMAGE_TRUNCATED,      -102, "image data ends early (truncated file)")       \
  X(SG_ERR_IMAGE_TOO_LARGE,      -103, "image file or dimensions over the configured maximum") \
  X(SG_ERR_IMAGE_FORMAT,         -104, "not a supported image format (PNG, JPEG, PGM/PPM)") \
  X(SG_ERR_IMAGE_CORRUPT,        -105, "image header or pixel data is corrupt")        \
  X(SG_ERR_NO_SYMBOL,            -106, "no readable barcode in the image")             \
  X(SG_ERR_SYMBOL_OVERFLOW,      -107, "more barcodes than the caller's list holds")   \
  X(SG_ERR_SYMBOL_TOO_LARGE,     -108, "barcode content larger than the caller's buffer") \
  X(SG_ERR_ENCODE,               -109, "payload does not fit the chosen symbology and settings") \
  X(SG_ERR_OUTPUT_TOO_SMALL,     -110, "rendered image larger than the caller's buffer") \
  X(SG_ERR_SCAN_END,             -111, "scanner has no more symbols")                 \
  X(SG_ERR_SCAN_IO,              -112, "scanner input stream could not be read")

typedef enum {
#define SG_X_ENUM(name, value, msg) name = value,
  SG_ERROR_TABLE(SG_X_ENUM)
#undef SG_X_ENUM
} sg_err;

/* One-line message for a code (also SG_ACCEPTED / SG_NEED_MORE); never NULL. */
const char *sg_strerror(int code);
/* Stable name ("SG_ERR_REPLAY"); "SG_UNKNOWN" for a code not in the table. */
const char *sg_strerror_name(int code);

#ifdef __cplusplus
}
#endif
#endif /* STAGEGATE_ERRORS_H */
