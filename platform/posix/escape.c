/*
 * Escaping untrusted text for a JSON line or a terminal (issue 9, defect
 * 12). Profile names, CSP names, Wi-Fi SSIDs, certificate subjects and file
 * names all come from outside; printed raw, an ESC sequence in one of them
 * reaches the operator's terminal, and an invalid UTF-8 byte makes an
 * events.jsonl line invalid JSON. Both escapers decode UTF-8 strictly and
 * never split an escape or a character when the output is full.
 */
#include <stdio.h>
#include <string.h>

#include "sg_posix.h"

/* Next code point of s: its value (or -1 for a byte that does not start a
 * valid sequence, which then counts as one byte) and its length. */
static long sg_utf8_next(const unsigned char *s, size_t *len) {
  const unsigned char c = s[0];
  unsigned need = 0;
  long cp = 0;
  unsigned char lo = 0x80, hi = 0xBF;
  *len = 1;
  if (c < 0x80) {
    return c;
  }
  if (c >= 0xC2 && c <= 0xDF) {
    need = 1;
    cp = c & 0x1F;
  } else if (c >= 0xE0 && c <= 0xEF) {
    need = 2;
    cp = c & 0x0F;
    lo = c == 0xE0 ? 0xA0 : 0x80;
    hi = c == 0xED ? 0x9F : 0xBF;
  } else if (c >= 0xF0 && c <= 0xF4) {
    need = 3;
    cp = c & 0x07;
    lo = c == 0xF0 ? 0x90 : 0x80;
    hi = c == 0xF4 ? 0x8F : 0xBF;
  } else {
    return -1;
  }
  for (unsigned i = 1; i <= need; i++) {
    if (s[i] < lo || s[i] > hi) { /* also stops at the NUL */
      return -1;
    }
    cp = (cp << 6) | (s[i] & 0x3F);
    lo = 0x80;
    hi = 0xBF;
  }
  *len = need + 1;
  return cp;
}

/* Characters a terminal acts on or that reorder what is shown: C0, DEL,
 * C1, bidirectional controls, line and paragraph separators. */
static int sg_is_control(long cp) {
  return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) || cp == 0x200E || cp == 0x200F ||
         (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069) || cp == 0x2028 ||
         cp == 0x2029 || cp == 0xFEFF;
}

typedef enum { SG_ESC_JSON, SG_ESC_TEXT } sg_esc_kind;

static size_t sg_escape(char *out, size_t cap, const char *s, sg_esc_kind kind) {
  size_t n = 0;
  const unsigned char *p = (const unsigned char *)(s != NULL ? s : "");
  if (cap == 0) {
    return 0;
  }
  while (*p != '\0') {
    char piece[16];
    size_t len = 0;
    size_t plen = 0;
    const long cp = sg_utf8_next(p, &len);
    if (cp < 0) {
      plen = (size_t)(kind == SG_ESC_JSON ? snprintf(piece, sizeof piece, "\\ufffd")
                                          : snprintf(piece, sizeof piece, "\\x%02x", p[0]));
    } else if (cp == '"' && kind == SG_ESC_JSON) {
      plen = (size_t)snprintf(piece, sizeof piece, "\\\"");
    } else if (cp == '\\') {
      plen = (size_t)snprintf(piece, sizeof piece, "\\\\");
    } else if (sg_is_control(cp)) {
      plen = (size_t)(kind == SG_ESC_JSON ? snprintf(piece, sizeof piece, "\\u%04lx", cp)
                                          : cp < 0x100 ? snprintf(piece, sizeof piece, "\\x%02lx", cp)
                                                       : snprintf(piece, sizeof piece, "\\u%04lx", cp));
    } else {
      memcpy(piece, p, len);
      plen = len;
    }
    if (n + plen >= cap) {
      break; /* whole pieces only */
    }
    memcpy(out + n, piece, plen);
    n += plen;
    p += len;
  }
  out[n] = '\0';
  return n;
}

size_t sg_posix_escape_json(char *out, size_t cap, const char *s) { return sg_escape(out, cap, s, SG_ESC_JSON); }

size_t sg_posix_escape_text(char *out, size_t cap, const char *s) { return sg_escape(out, cap, s, SG_ESC_TEXT); }
