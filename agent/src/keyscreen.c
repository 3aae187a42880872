/*
 * The private-key screen (issue 9, defect 4).
 *
 * Why: a profile is printed on paper and photographed, so a private key
 * that rides along in one is published. The signer refuses to sign one;
 * the device refuses to accept one, so a mistake (or a hostile tool) is
 * caught where it would do harm.
 *
 * What it catches, anywhere in a profile (member names, strings, arrays of
 * byte values), in JWS header members the agent reads (kid) and in every
 * decoded certificate (TurnOn/Rotate "certificate", each x5c entry):
 *  - PEM armour: any text containing "PRIVATE KEY" (PKCS#1, PKCS#8,
 *    encrypted PKCS#8, SEC1, OpenSSH, PGP armour lines) or a PuTTY key
 *    file header;
 *  - the DER of a key at any byte offset of the decoded data, the data
 *    being read as base64 and base64url (both alphabets at once, line
 *    breaks and spaces skipped, so PEM bodies without their armour lines
 *    count, at all four alignments), as hex (colons and spaces skipped,
 *    both alignments) and as Latin-1 code points; the DER recognised is
 *    the start of: PKCS#1 RSAPrivateKey and the OpenSSL DSA form; PKCS#8
 *    PrivateKeyInfo / OneAsymmetricKey for RSA, RSA-PSS, EC, DSA, DH,
 *    Ed25519/Ed448, X25519/X448; SEC1 ECPrivateKey; PKCS#8
 *    EncryptedPrivateKeyInfo (PBES1, PBES2, PKCS#12 PBE); a PKCS#12 PFX
 *    (any .p12, keys inside or not); an OpenSSH private key blob;
 *  - only the start of a key is recognised (its first ~8..24 bytes), so
 *    keys with text before or after them count, and so do keys cut short,
 *    as long as the base64 or hex run holding them is as long as the
 *    smallest whole key (64 base64 characters, 96 hex digits; shorter
 *    runs are not decoded, which keeps ordinary settings cheap);
 *  - a key split over two neighbouring strings of one object or array
 *    (each string is screened joined to the one before it);
 *  - a JWK with private members: an object with "kty" and any of d, p, q,
 *    dp, dq, qi, k, oth; and, without "kty", a d/dp/dq/qi member holding
 *    at least 32 base64url characters.
 *
 * What it cannot catch, and no screen can: a bare secret scalar or
 * symmetric key with no structure around it (32 random bytes look like
 * any other 32 bytes), a key split over more than two strings or over
 * strings that are not neighbours, a key encoded in anything else
 * (base32, base85, decimal digits in a string, URL-encoding, compressed,
 * encrypted with a scheme that is not a PKCS#8/PKCS#12 container,
 * reversed), and keys in formats not listed (e.g. Microsoft PVK, JKS).
 * It is a guard
 * against mistakes and lazy exfiltration, not against a signer who means
 * to smuggle a key: such a signer already holds a key the device trusts.
 *
 * It never allocates and has no failure mode that reads as "no key":
 * scanning is a fixed-size streaming state machine per encoding.
 */
#include "keyscreen.h"

#include <string.h>

#include "stagegate/errors.h"

/* --- key structures in DER ---------------------------------------------- */

/* Tag `tag`, then a DER length (short or long form, 1..3 bytes); the
 * content may run past `n` (truncated keys count). Returns the header
 * length, or 0. */
static size_t sg_ks_hdr(const uint8_t *p, size_t n, uint8_t tag, size_t *len) {
  if (n < 2 || p[0] != tag) {
    return 0;
  }
  if (p[1] < 0x80) {
    *len = p[1];
    return 2;
  }
  const size_t k = p[1] & 0x7fu;
  if (k == 0 || k > 3 || n < 2 + k) {
    return 0;
  }
  size_t v = 0;
  for (size_t i = 0; i < k; i++) {
    v = (v << 8) | p[2 + i];
  }
  *len = v;
  return 2 + k;
}

typedef struct {
  uint8_t len;
  uint8_t bytes[9];
} sg_ks_oid;

/* Private-key algorithm OIDs (PKCS#8 AlgorithmIdentifier), exactly:
 * signature OIDs (sha256WithRSAEncryption, ecdsa-with-SHA256) are not
 * here, so a certificate's TBS never reads as a key. */
static const sg_ks_oid sg_ks_key_algs[] = {
    {9, {0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x01}}, /* rsaEncryption */
    {9, {0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x0A}}, /* RSASSA-PSS */
    {9, {0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x03, 0x01}}, /* PKCS#3 DH */
    {7, {0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x02, 0x01}},             /* ecPublicKey */
    {7, {0x2A, 0x86, 0x48, 0xCE, 0x38, 0x04, 0x01}},             /* DSA */
    {7, {0x2A, 0x86, 0x48, 0xCE, 0x3E, 0x02, 0x01}},             /* X9.42 DH */
    {3, {0x2B, 0x65, 0x6E}},                                     /* X25519 */
    {3, {0x2B, 0x65, 0x6F}},                                     /* X448 */
    {3, {0x2B, 0x65, 0x70}},                                     /* Ed25519 */
    {3, {0x2B, 0x65, 0x71}},                                     /* Ed448 */
};

/* ... and password-based encryption OID prefixes (EncryptedPrivateKeyInfo). */
static const sg_ks_oid sg_ks_pbe_algs[] = {
    {8, {0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x05}},       /* PKCS#5: PBES1, PBES2 */
    {9, {0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x0C, 0x01}}, /* PKCS#12 PBE */
};

static const uint8_t sg_ks_pkcs7[] = {0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x07}; /* data, signedData */
static const char sg_ks_openssh[] = "openssh-key-v1";

/* p[0..n) starts with AlgorithmIdentifier SEQUENCE { OID ... } whose OID
 * is one of `oids` (exact, or a prefix when `prefix`), followed by an
 * OCTET STRING (the key, plain or encrypted) when that byte is in view. */
static int sg_ks_alg_id(const uint8_t *p, size_t n, const sg_ks_oid *oids, size_t count, int prefix) {
  size_t len = 0;
  size_t olen = 0;
  const size_t h = sg_ks_hdr(p, n, 0x30, &len);
  if (h == 0) {
    return 0;
  }
  const size_t oh = sg_ks_hdr(p + h, n - h, 0x06, &olen);
  if (oh == 0) {
    return 0;
  }
  for (size_t i = 0; i < count; i++) {
    if ((prefix ? olen >= oids[i].len : olen == oids[i].len) && n >= h + oh + oids[i].len &&
        memcmp(p + h + oh, oids[i].bytes, oids[i].len) == 0) {
      return h + len >= n || p[h + len] == 0x04;
    }
  }
  return 0;
}

/* Does a private key (or a container of one) start at p[0..n)? */
static int sg_ks_key_at(const uint8_t *p, size_t n) {
  size_t len = 0;
  if (p[0] != 0x30 && p[0] != (uint8_t)'o') {
    return 0; /* the common case, first */
  }
  if (n >= sizeof sg_ks_openssh && memcmp(p, sg_ks_openssh, sizeof sg_ks_openssh) == 0) {
    return 1; /* the NUL is part of the magic */
  }
  const size_t h = sg_ks_hdr(p, n, 0x30, &len);
  if (h == 0) {
    return 0;
  }
  const uint8_t *q = p + h;
  const size_t m = n - h;
  /* EncryptedPrivateKeyInfo: SEQUENCE { AlgorithmIdentifier (PBE), OCTET STRING } */
  if (sg_ks_alg_id(q, m, sg_ks_pbe_algs, sizeof sg_ks_pbe_algs / sizeof sg_ks_pbe_algs[0], 1)) {
    return 1;
  }
  /* Everything else starts with a small version INTEGER. */
  if (m < 4 || q[0] != 0x02 || q[1] != 0x01) {
    return 0;
  }
  const uint8_t version = q[2];
  const uint8_t *r = q + 3;
  const size_t k = m - 3;
  switch (version) {
    case 0: /* PKCS#8 v1, PKCS#1 RSA, OpenSSL DSA */
    case 1: /* PKCS#8 v2 (OneAsymmetricKey), SEC1 */
      if (sg_ks_alg_id(r, k, sg_ks_key_algs, sizeof sg_ks_key_algs / sizeof sg_ks_key_algs[0], 0)) {
        return 1;
      }
      if (version == 0) { /* an INTEGER of 128 bytes or more: a modulus or a DSA p */
        return k >= 2 && r[0] == 0x02 && (r[1] == 0x81 || r[1] == 0x82);
      }
      /* SEC1: OCTET STRING of a private scalar, P-192 .. P-521 */
      return k >= 2 && r[0] == 0x04 && r[1] >= 0x18 && r[1] <= 0x42;
    case 3: { /* PKCS#12 PFX: SEQUENCE { INTEGER 3, ContentInfo { OID pkcs7-* ...} } */
      size_t ci = 0;
      const size_t ch = sg_ks_hdr(r, k, 0x30, &ci);
      const size_t oh = ch == 0 ? 0 : sg_ks_hdr(r + ch, k - ch, 0x06, &ci);
      return oh != 0 && k >= ch + oh + sizeof sg_ks_pkcs7 &&
             memcmp(r + ch + oh, sg_ks_pkcs7, sizeof sg_ks_pkcs7) == 0;
    }
    default:
      return 0;
  }
}

/* --- streaming: a window over decoded bytes ----------------------------- */

/* Every decoded byte is checked once as the start of a key, with up to
 * SG_KS_LOOK bytes of what follows it. */
#define SG_KS_LOOK 32u

/* Characters of the previous string screened with the next one: enough to
 * encode 2 * SG_KS_LOOK bytes as base64 and SG_KS_LOOK + 16 as hex. */
#define SG_KS_JOIN 96u

typedef struct {
  uint8_t buf[2 * SG_KS_LOOK];
  size_t n;
  int found;
} sg_ks_win;

static void sg_ks_win_flush(sg_ks_win *w) {
  for (size_t i = 0; i < w->n && !w->found; i++) {
    w->found = sg_ks_key_at(w->buf + i, w->n - i);
  }
  w->n = 0;
}

static void sg_ks_win_push(sg_ks_win *w, uint8_t b) {
  w->buf[w->n++] = b;
  if (w->n == sizeof w->buf) {
    for (size_t i = 0; i < SG_KS_LOOK && !w->found; i++) {
      w->found = sg_ks_key_at(w->buf + i, w->n - i);
    }
    memmove(w->buf, w->buf + SG_KS_LOOK, SG_KS_LOOK);
    w->n = SG_KS_LOOK;
  }
}

int sg_keyscreen_bytes(const uint8_t *b, size_t n) {
  for (size_t i = 0; i < n; i++) {
    if (sg_ks_key_at(b + i, n - i)) {
      return SG_ERR_PRIVATE_KEY;
    }
  }
  return SG_OK;
}

/* Base64 (both alphabets) at 4 alignments, hex at 2, Latin-1 at 1. */
typedef struct {
  sg_ks_win w;
  unsigned skip; /* characters of the run this phase ignores */
  uint32_t acc;
  unsigned bits;
} sg_ks_dec;

typedef struct {
  sg_ks_dec b64[4];
  sg_ks_dec hex[2];
  sg_ks_win latin1;
  unsigned utf8_need; /* continuation bytes still expected */
  uint32_t cp;
  size_t pem_match;   /* how much of "PRIVATE KEY" matched so far */
  size_t putty_match;
  int found;
} sg_ks_text;

static const char sg_ks_pem_marker[] = "PRIVATE KEY";
static const char sg_ks_putty_marker[] = "PuTTY-User-Key-File";

static void sg_ks_dec_put(sg_ks_dec *d, unsigned v, unsigned width) {
  if (d->skip > 0) {
    d->skip--;
    return;
  }
  d->acc = (d->acc << width) | v;
  d->bits += width;
  if (d->bits >= 8) {
    d->bits -= 8;
    sg_ks_win_push(&d->w, (uint8_t)(d->acc >> d->bits));
    d->acc &= (1u << d->bits) - 1u;
  }
}

static int sg_ks_b64_value(unsigned char c) {
  if (c >= 'A' && c <= 'Z') {
    return c - 'A';
  }
  if (c >= 'a' && c <= 'z') {
    return c - 'a' + 26;
  }
  if (c >= '0' && c <= '9') {
    return c - '0' + 52;
  }
  if (c == '+' || c == '-') {
    return 62;
  }
  if (c == '/' || c == '_') {
    return 63;
  }
  return -1;
}

static int sg_ks_hex_value(unsigned char c) {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  if (c >= 'A' && c <= 'F') {
    return c - 'A' + 10;
  }
  return -1;
}


static void sg_ks_marker(size_t *matched, const char *marker, size_t len, unsigned char c, int *found) {
  if ((unsigned char)marker[*matched] == c) {
    if (++*matched == len) {
      *found = 1;
    }
  } else {
    *matched = (unsigned char)marker[0] == c ? 1 : 0; /* neither marker repeats its first letter */
  }
}

static void sg_ks_latin1(sg_ks_text *t, unsigned char c) {
  if (t->utf8_need > 0 && (c & 0xC0u) == 0x80u) {
    t->cp = (t->cp << 6) | (c & 0x3Fu);
    if (--t->utf8_need == 0) {
      if (t->cp <= 0xFFu) {
        sg_ks_win_push(&t->latin1, (uint8_t)t->cp);
      } else {
        sg_ks_win_flush(&t->latin1);
      }
    }
    return;
  }
  t->utf8_need = 0;
  if (c < 0x80u) {
    sg_ks_win_push(&t->latin1, c);
  } else if ((c & 0xE0u) == 0xC0u) {
    t->cp = c & 0x1Fu;
    t->utf8_need = 1;
  } else {
    sg_ks_win_flush(&t->latin1); /* 3- and 4-byte sequences are never byte values */
    t->cp = c & 0x0Fu;
    t->utf8_need = (c & 0xF0u) == 0xE0u ? 2 : 3;
  }
}

/* The text being screened: a[0..an) then b[0..bn), read as one. */
typedef struct {
  const char *a, *b;
  size_t an, bn;
} sg_ks_src;

static unsigned char sg_ks_at(const sg_ks_src *s, size_t i) {
  return (unsigned char)(i < s->an ? s->a[i] : s->b[i - s->an]);
}

/* The smallest whole key is 48 bytes (Ed25519/X25519 PKCS#8): 64 base64
 * characters, 96 hex digits. Shorter runs are not decoded at all — that
 * keeps the screen cheap on ordinary settings — and a key cut short
 * inside one string is out of its promise (see the top of this file). */
#define SG_KS_MIN_B64 64u
#define SG_KS_MIN_HEX 96u

static void sg_ks_decode_b64(sg_ks_text *t, const sg_ks_src *s, size_t from, size_t to) {
  memset(t->b64, 0, sizeof t->b64);
  for (unsigned k = 0; k < 4; k++) {
    t->b64[k].skip = k;
  }
  for (size_t i = from; i < to; i++) {
    const int v = sg_ks_b64_value(sg_ks_at(s, i));
    for (unsigned k = 0; v >= 0 && k < 4; k++) {
      sg_ks_dec_put(&t->b64[k], (unsigned)v, 6); /* whitespace (v < 0) is skipped */
    }
  }
  for (unsigned k = 0; k < 4; k++) {
    sg_ks_win_flush(&t->b64[k].w);
    t->found |= t->b64[k].w.found;
  }
}

static void sg_ks_decode_hex(sg_ks_text *t, const sg_ks_src *s, size_t from, size_t to) {
  memset(t->hex, 0, sizeof t->hex);
  t->hex[1].skip = 1;
  for (size_t i = from; i < to; i++) {
    const int v = sg_ks_hex_value(sg_ks_at(s, i));
    for (unsigned k = 0; v >= 0 && k < 2; k++) {
      sg_ks_dec_put(&t->hex[k], (unsigned)v, 4); /* ':' and whitespace are skipped */
    }
  }
  for (unsigned k = 0; k < 2; k++) {
    sg_ks_win_flush(&t->hex[k].w);
    t->found |= t->hex[k].w.found;
  }
}

/* Character classes for the first pass. */
enum { SG_KS_B64 = 1, SG_KS_HEX = 2, SG_KS_SPACE = 4, SG_KS_COLON = 8, SG_KS_BINARY = 16 };

static inline unsigned sg_ks_class(unsigned char c) {
  if (c >= 'a' && c <= 'z') {
    return SG_KS_B64 | (c <= 'f' ? SG_KS_HEX : 0u);
  }
  if (c >= 'A' && c <= 'Z') {
    return SG_KS_B64 | (c <= 'F' ? SG_KS_HEX : 0u);
  }
  if (c >= '0' && c <= '9') {
    return SG_KS_B64 | SG_KS_HEX;
  }
  switch (c) {
    case '+':
    case '/':
    case '-':
    case '_':
      return SG_KS_B64;
    case ' ':
    case '\t':
    case '\r':
    case '\n':
      return SG_KS_SPACE | SG_KS_BINARY * (c != ' ');
    case ':':
      return SG_KS_COLON;
    default:
      return c < 0x20 || c >= 0x80 ? SG_KS_BINARY : 0u;
  }
}

/* No key structure or marker recognised here is shorter than this. */
#define SG_KS_MIN_TEXT 7u

/* Does s[0..n) hold `marker`? */
static int sg_ks_has(const char *s, size_t n, const char *marker, size_t len) {
  for (const char *p = s; n >= len && (p = memchr(p, marker[0], n - (size_t)(p - s) - len + 1)) != NULL;
       p++) {
    if (memcmp(p, marker, len) == 0) {
      return 1;
    }
  }
  return 0;
}

/*
 * Most settings are short printable ASCII (an SSID, a name, a member
 * name). Shorter than SG_KS_MIN_B64 characters nothing is decoded, so
 * only the armour markers can match, and the Latin-1 reading only when
 * a character outside printable ASCII is present: answer those without
 * the per-character state machine (it was most of the screen's cost on
 * an ordinary profile). SG_KS_FULL_PATH: not such a text.
 */
#define SG_KS_FULL_PATH 1
static int sg_ks_short_printable(const sg_ks_src *src, size_t n) {
  char buf[SG_KS_MIN_B64];
  unsigned outside = 0;
  if (n >= SG_KS_MIN_B64) {
    return SG_KS_FULL_PATH;
  }
  memcpy(buf, src->a, src->an);
  memcpy(buf + src->an, src->b, src->bn);
  for (size_t i = 0; i < n; i++) {
    outside |= (uint8_t)((uint8_t)buf[i] - 0x20u) >= 0x60u; /* below ' ' or above 0x7F */
  }
  if (outside) {
    return SG_KS_FULL_PATH;
  }
  return sg_ks_has(buf, n, sg_ks_pem_marker, sizeof sg_ks_pem_marker - 1) ||
                 sg_ks_has(buf, n, sg_ks_putty_marker, sizeof sg_ks_putty_marker - 1)
             ? SG_ERR_PRIVATE_KEY
             : SG_OK;
}

int sg_keyscreen_text(const char *a, size_t an, const char *b, size_t bn) {
  sg_ks_text t;
  const sg_ks_src src = {a != NULL ? a : "", b != NULL ? b : "", a != NULL ? an : 0, b != NULL ? bn : 0};
  const size_t n = src.an + src.bn;
  if (n < SG_KS_MIN_TEXT) {
    return SG_OK;
  }
  const int quick = sg_ks_short_printable(&src, n);
  if (quick != SG_KS_FULL_PATH) {
    return quick;
  }
  size_t b64_start = 0, b64_count = 0; /* the current base64 run and its alphabet characters */
  size_t hex_start = 0, hex_count = 0;
  unsigned seen = 0;                   /* classes seen: SG_KS_BINARY enables the Latin-1 pass */
  t.found = 0;
  t.pem_match = 0;
  t.putty_match = 0;
  for (unsigned part = 0; part < 2; part++) {
    const unsigned char *p = (const unsigned char *)(part == 0 ? src.a : src.b);
    const size_t len = part == 0 ? src.an : src.bn;
    const size_t base = part == 0 ? 0 : src.an;
    for (size_t j = 0; j < len && !t.found; j++) {
      const unsigned char c = p[j];
      const unsigned k = sg_ks_class(c);
      seen |= k;
      if (c == 'P' || t.pem_match != 0 || t.putty_match != 0) { /* both markers start with 'P' */
        sg_ks_marker(&t.pem_match, sg_ks_pem_marker, sizeof sg_ks_pem_marker - 1, c, &t.found);
        sg_ks_marker(&t.putty_match, sg_ks_putty_marker, sizeof sg_ks_putty_marker - 1, c, &t.found);
      }
      if (k & (SG_KS_B64 | SG_KS_SPACE)) {
        b64_count += (k & SG_KS_B64) != 0;
      } else {
        if (b64_count >= SG_KS_MIN_B64) {
          sg_ks_decode_b64(&t, &src, b64_start, base + j);
        }
        b64_start = base + j + 1;
        b64_count = 0;
      }
      if (k & (SG_KS_HEX | SG_KS_SPACE | SG_KS_COLON)) {
        hex_count += (k & SG_KS_HEX) != 0;
      } else {
        if (hex_count >= SG_KS_MIN_HEX) {
          sg_ks_decode_hex(&t, &src, hex_start, base + j);
        }
        hex_start = base + j + 1;
        hex_count = 0;
      }
    }
  }
  if (!t.found && b64_count >= SG_KS_MIN_B64) {
    sg_ks_decode_b64(&t, &src, b64_start, n);
  }
  if (!t.found && hex_count >= SG_KS_MIN_HEX) {
    sg_ks_decode_hex(&t, &src, hex_start, n);
  }
  if ((seen & SG_KS_BINARY) && !t.found) {
    t.utf8_need = 0;
    t.latin1.n = 0;
    t.latin1.found = 0;
    for (size_t i = 0; i < n; i++) {
      sg_ks_latin1(&t, sg_ks_at(&src, i));
    }
    sg_ks_win_flush(&t.latin1);
    t.found = t.latin1.found;
  }
  return t.found ? SG_ERR_PRIVATE_KEY : SG_OK;
}

/* Length of the run of base64/hex characters (whitespace and ':'
 * included) at the end of s[0..n), at most `cap`; and at its start. */
static size_t sg_ks_run_end(const char *s, size_t n, size_t cap) {
  size_t r = 0;
  while (r < n && r < cap && (sg_ks_class((unsigned char)s[n - 1 - r]) & (SG_KS_B64 | SG_KS_SPACE | SG_KS_COLON))) {
    r++;
  }
  return r;
}

static size_t sg_ks_run_start(const char *s, size_t n, size_t cap) {
  size_t r = 0;
  while (r < n && r < cap && (sg_ks_class((unsigned char)s[r]) & (SG_KS_B64 | SG_KS_SPACE | SG_KS_COLON))) {
    r++;
  }
  return r;
}

/* --- JSON ---------------------------------------------------------------- */

static int sg_ks_b64url_len(const char *s) {
  size_t n = 0;
  for (; s[n] != '\0'; n++) {
    const int v = sg_ks_b64_value((unsigned char)s[n]);
    if (v < 0 || s[n] == '+' || s[n] == '/') {
      return -1;
    }
  }
  return (int)n;
}

/* RFC 7517/7518 private members. */
static int sg_ks_jwk(const cJSON *obj) {
  static const char *const with_kty[] = {"d", "p", "q", "dp", "dq", "qi", "k", "oth"};
  static const char *const alone[] = {"d", "dp", "dq", "qi"};
  const int has_kty = cJSON_GetObjectItemCaseSensitive(obj, "kty") != NULL;
  for (const cJSON *m = obj->child; m != NULL; m = m->next) {
    const char *k = m->string;
    if (k == NULL || k[0] == '\0' || (k[1] != '\0' && k[2] != '\0' && k[3] != '\0')) {
      continue; /* every private member name has 1..3 characters */
    }
    for (size_t i = 0; has_kty && i < sizeof with_kty / sizeof with_kty[0]; i++) {
      if (strcmp(m->string, with_kty[i]) == 0) {
        return 1;
      }
    }
    for (size_t i = 0; !has_kty && i < sizeof alone / sizeof alone[0]; i++) {
      if (strcmp(m->string, alone[i]) == 0 && cJSON_IsString(m) && sg_ks_b64url_len(m->valuestring) >= 32) {
        return 1;
      }
    }
  }
  return 0;
}

/* An array of at least 16 integers 0..255 is screened as bytes. */
static int sg_ks_byte_array(const cJSON *arr) {
  sg_ks_win w;
  size_t count = 0;
  memset(&w, 0, sizeof w);
  for (const cJSON *c = arr->child; c != NULL; c = c->next, count++) {
    if (!cJSON_IsNumber(c) || c->valuedouble < 0 || c->valuedouble > 255 ||
        (double)(int)c->valuedouble != c->valuedouble) {
      return 0;
    }
  }
  if (count < 16) {
    return 0;
  }
  for (const cJSON *c = arr->child; c != NULL; c = c->next) {
    sg_ks_win_push(&w, (uint8_t)c->valueint);
  }
  sg_ks_win_flush(&w);
  return w.found;
}

static int sg_ks_node(const cJSON *node, unsigned depth) {
  const cJSON *prev = NULL;
  if (depth > SG_KEYSCREEN_MAX_DEPTH) {
    return SG_ERR_PROFILE_FORMAT;
  }
  if ((cJSON_IsObject(node) && sg_ks_jwk(node)) || (cJSON_IsArray(node) && sg_ks_byte_array(node))) {
    return SG_ERR_PRIVATE_KEY;
  }
  for (const cJSON *c = node->child; c != NULL; prev = c, c = c->next) {
    int ret = SG_OK;
    if (c->string != NULL) {
      ret = sg_keyscreen_text(c->string, strlen(c->string), NULL, 0);
    }
    if (ret == SG_OK && cJSON_IsString(c)) {
      /* This string, after the end of the one before it: a key that starts
       * more than SG_KS_JOIN characters before that end already shows
       * enough of itself there (SG_KS_LOOK bytes) to be found alone. */
      const char *s = c->valuestring;
      const size_t s_len = strlen(s);
      const char *tail = "";
      size_t tail_len = 0;
      const size_t prev_len = prev != NULL && cJSON_IsString(prev) ? strlen(prev->valuestring) : 0;
      if (prev_len > 0 && prev_len + s_len >= SG_KS_MIN_B64) { /* shorter together: nothing to join */
        /* Only the run of encoding characters that ends the previous
         * string can join one that starts this string; when the two are
         * too short together to hold a key, nothing is joined. */
        tail_len = sg_ks_run_end(prev->valuestring, prev_len, SG_KS_JOIN);
        tail = prev->valuestring + prev_len - tail_len;
        if (tail_len == 0 || tail_len + sg_ks_run_start(s, s_len, SG_KS_MIN_HEX) < SG_KS_MIN_B64) {
          tail_len = 0;
        }
      }
      ret = sg_keyscreen_text(tail, tail_len, s, s_len);
    } else if (ret == SG_OK && (cJSON_IsObject(c) || cJSON_IsArray(c))) {
      ret = sg_ks_node(c, depth + 1);
    }
    if (ret != SG_OK) {
      return ret;
    }
  }
  return SG_OK;
}

int sg_keyscreen_json(const cJSON *root) {
  if (root == NULL) {
    return SG_ERR_PROFILE_FORMAT;
  }
  return sg_ks_node(root, 0);
}
