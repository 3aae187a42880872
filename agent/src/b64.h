/*
 * Strict base64 decoding: RFC 4648 §5 base64url without padding (JWS) and
 * §4 standard base64 with canonical padding (certificates in profiles and
 * x5c). Anything non-canonical is rejected: characters outside the
 * alphabet, whitespace, wrong padding, non-zero trailing bits — so one
 * encoded text has exactly one decoding and cannot smuggle variants.
 */
#ifndef SG_B64_H
#define SG_B64_H

#include <stddef.h>
#include <stdint.h>

typedef enum { SG_B64_URL, SG_B64_STD } sg_b64_alphabet;

/* Upper bound of the decoded length of `len` encoded characters. */
#define SG_B64_DECODED_MAX(len) (((len) / 4u) * 3u + 3u)

/*
 * Decode in[0..in_len) into out[0..out_cap). On success *out_len is the
 * decoded length and the result is SG_OK; otherwise `fmt_err` for bad
 * encoding or SG_ERR_TOO_LARGE when out_cap is too small.
 */
int sg_b64_decode(sg_b64_alphabet alphabet, const char *in, size_t in_len, uint8_t *out,
                  size_t out_cap, size_t *out_len, int fmt_err);

/* Length of the encoding of n bytes, without the NUL (URL: no padding). */
size_t sg_b64_encoded_len(sg_b64_alphabet alphabet, size_t n);

/*
 * Encode in[0..n) into out[0..out_cap) with a terminating NUL: the one
 * canonical text sg_b64_decode accepts. The device never encodes; the host
 * tools do, with this code, so that what they write is what the device
 * reads. Returns SG_OK, SG_ERR_ARG or SG_ERR_TOO_LARGE (out_cap too small).
 */
int sg_b64_encode(sg_b64_alphabet alphabet, const uint8_t *in, size_t n, char *out,
                  size_t out_cap);

#endif
