/* Strict base64/base64url: one text, one meaning. */
#include <string.h>

#include "b64.h"
#include "sg_test.h"
#include "stagegate/errors.h"

typedef struct {
  sg_b64_alphabet alph;
  const char *in;
  const char *out; /* NULL: must be rejected */
} b64_case;

static const b64_case cases[] = {
    {SG_B64_URL, "", ""},
    {SG_B64_URL, "Zg", "f"},
    {SG_B64_URL, "Zm8", "fo"},
    {SG_B64_URL, "Zm9v", "foo"},
    {SG_B64_URL, "Zm9vYg", "foob"},
    {SG_B64_URL, "-_8", "\xfb\xff"},
    {SG_B64_URL, "Zg==", NULL},  /* JWS forbids padding */
    {SG_B64_URL, "Zh", NULL},    /* non-zero trailing bits */
    {SG_B64_URL, "Z", NULL},     /* impossible length */
    {SG_B64_URL, "Zm9v YQ", NULL},
    {SG_B64_URL, "+/8", NULL},   /* standard alphabet in base64url */
    {SG_B64_STD, "Zm9vYg==", "foob"},
    {SG_B64_STD, "Zm9vYmE=", "fooba"},
    {SG_B64_STD, "+/8=", "\xfb\xff"},
    {SG_B64_STD, "Zm9vYg", NULL}, /* missing padding */
    {SG_B64_STD, "Zm9vYh==", NULL},
    {SG_B64_STD, "Zm9vY===", NULL},
    {SG_B64_STD, "-_8=", NULL},
    {SG_B64_STD, "Zm9v\nYmFy", NULL},
};

static void test_table(void) {
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    const b64_case *c = &cases[i];
    uint8_t out[16];
    size_t n = 99;
    const int ret = sg_b64_decode(c->alph, c->in, strlen(c->in), out, sizeof out, &n, SG_ERR_FORMAT);
    if (c->out == NULL) {
      SG_CHECK_CODE(ret, SG_ERR_FORMAT);
    } else {
      SG_CHECK_CODE(ret, SG_OK);
      SG_CHECK(n == strlen(c->out) && memcmp(out, c->out, n) == 0);
    }
  }
}

static void test_output_bound(void) {
  uint8_t out[2];
  size_t n = 0;
  SG_CHECK_CODE(sg_b64_decode(SG_B64_URL, "Zm9v", 4, out, sizeof out, &n, SG_ERR_FORMAT),
                SG_ERR_TOO_LARGE);
  SG_CHECK_CODE(sg_b64_decode(SG_B64_URL, NULL, 0, out, sizeof out, &n, SG_ERR_FORMAT), SG_ERR_ARG);
}

/* Encoding (the host tools' path): RFC 4648 §10 vectors in both forms,
 * each decoding back, and the bound on the output buffer. */
static void test_encode_rfc4648(void) {
  static const char *const in[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
  static const char *const url[] = {"", "Zg", "Zm8", "Zm9v", "Zm9vYg", "Zm9vYmE", "Zm9vYmFy"};
  static const char *const std[] = {"", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};
  char out[32];
  for (size_t i = 0; i < sizeof in / sizeof in[0]; i++) {
    const size_t n = strlen(in[i]);
    SG_CHECK_CODE(sg_b64_encode(SG_B64_URL, (const uint8_t *)in[i], n, out, sizeof out), SG_OK);
    SG_CHECK(strcmp(out, url[i]) == 0);
    SG_CHECK(sg_b64_encoded_len(SG_B64_URL, n) == strlen(url[i]));
    SG_CHECK_CODE(sg_b64_encode(SG_B64_STD, (const uint8_t *)in[i], n, out, sizeof out), SG_OK);
    SG_CHECK(strcmp(out, std[i]) == 0);
    SG_CHECK(sg_b64_encoded_len(SG_B64_STD, n) == strlen(std[i]));
    uint8_t back[16];
    size_t bl = 99;
    SG_CHECK_CODE(sg_b64_decode(SG_B64_URL, url[i], strlen(url[i]), back, sizeof back, &bl,
                                SG_ERR_FORMAT), SG_OK);
    SG_CHECK(bl == n && memcmp(back, in[i], n) == 0);
  }
  static const uint8_t hi[] = {0xfb, 0xff, 0xbf};
  SG_CHECK_CODE(sg_b64_encode(SG_B64_URL, hi, sizeof hi, out, sizeof out), SG_OK);
  SG_CHECK(strcmp(out, "-_-_") == 0);
  SG_CHECK_CODE(sg_b64_encode(SG_B64_STD, hi, sizeof hi, out, sizeof out), SG_OK);
  SG_CHECK(strcmp(out, "+/+/") == 0);
  /* The buffer must hold the NUL too; nothing is written past it. */
  out[4] = 'x';
  SG_CHECK_CODE(sg_b64_encode(SG_B64_URL, hi, sizeof hi, out, 4), SG_ERR_TOO_LARGE);
  SG_CHECK(out[4] == 'x');
  SG_CHECK_CODE(sg_b64_encode(SG_B64_URL, NULL, 1, out, sizeof out), SG_ERR_ARG);
}

/* Every byte value, in a whole group of four and in the last group: the
 * table decoder accepts exactly the alphabet's 64 characters (bytes from
 * 0x80, NUL, '=' inside the text and the other alphabet's two refused). */
static void test_every_byte(void) {
  static const char url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  static const char std[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  unsigned accepted[2] = {0, 0};
  for (unsigned b = 0; b < 256; b++) {
    for (int a = 0; a < 2; a++) {
      const sg_b64_alphabet alpha = a == 0 ? SG_B64_URL : SG_B64_STD;
      const int in_alphabet = b != 0 && strchr(a == 0 ? url : std, (int)b) != NULL;
      char group[5] = {(char)b, 'A', 'A', 'A', 0}; /* b first: '=' is not padding here */
      char tail[9] = {'A', 'A', 'A', 'A', 'A', (char)b, 'A', '=', 0};
      uint8_t out[8];
      size_t n = 0;
      const int g = sg_b64_decode(alpha, group, 4, out, sizeof out, &n, SG_ERR_FORMAT);
      const int t = sg_b64_decode(alpha, tail, alpha == SG_B64_URL ? 7 : 8, out, sizeof out, &n,
                                  SG_ERR_FORMAT);
      SG_CHECK(g == (in_alphabet ? SG_OK : SG_ERR_FORMAT));
      SG_CHECK(t == (in_alphabet ? SG_OK : SG_ERR_FORMAT)); /* 'A', b, 'A': b's bits all used */
      accepted[a] += g == SG_OK;
    }
  }
  SG_CHECK(accepted[0] == 64 && accepted[1] == 64);
}

int main(void) {
  sg_test_begin("b64");
  SG_RUN(test_table);
  SG_RUN(test_output_bound);
  SG_RUN(test_encode_rfc4648);
  SG_RUN(test_every_byte);
  return sg_test_end();
}
