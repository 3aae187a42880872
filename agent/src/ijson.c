/* Strict RFC 8259 + I-JSON (RFC 7493) checker: see ijson.h for the rules. */
#include "ijson.h"

#include <string.h>

/* Member names are compared with the integer paths after unescaping; a
 * name longer than this never matches one (the paths are short). */
#define SG_IJSON_NAME_MAX 24

typedef struct {
  char name[SG_IJSON_NAME_MAX]; /* decoded member name; "[]" in an array */
  size_t name_len;              /* SIZE_MAX: too long to match anything */
} sg_ijson_frame;

typedef struct {
  const unsigned char *p;
  const unsigned char *end;
  const sg_ijson_int_path *ints;
  size_t nints;
  unsigned depth;
  sg_ijson_frame path[SG_IJSON_MAX_DEPTH + 1];
} sg_ijson;

static void sg_ijson_ws(sg_ijson *j) {
  while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r')) {
    j->p++;
  }
}

static int sg_ijson_nonchar(unsigned long cp) {
  return (cp >= 0xFDD0 && cp <= 0xFDEF) || (cp & 0xFFFEu) == 0xFFFEu;
}

static int sg_ijson_hex4(sg_ijson *j, unsigned long *v) {
  *v = 0;
  if (j->end - j->p < 4) {
    return 0;
  }
  for (int i = 0; i < 4; i++) {
    const unsigned char c = *j->p++;
    const int d = c >= '0' && c <= '9'   ? c - '0'
                  : c >= 'a' && c <= 'f' ? c - 'a' + 10
                  : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                         : -1;
    if (d < 0) {
      return 0;
    }
    *v = (*v << 4) | (unsigned long)d;
  }
  return 1;
}

/* One UTF-8 sequence starting at a byte >= 0x80 (RFC 3629 table 3-7). */
static sg_ijson_result sg_ijson_utf8(sg_ijson *j, unsigned long *cp) {
  const unsigned char c = *j->p++;
  unsigned need = 0;
  unsigned char lo = 0x80, hi = 0xBF;
  if (c >= 0xC2 && c <= 0xDF) {
    need = 1;
    *cp = c & 0x1Fu;
  } else if (c >= 0xE0 && c <= 0xEF) {
    need = 2;
    *cp = c & 0x0Fu;
    lo = c == 0xE0 ? 0xA0 : 0x80; /* overlong */
    hi = c == 0xED ? 0x9F : 0xBF; /* surrogates */
  } else if (c >= 0xF0 && c <= 0xF4) {
    need = 3;
    *cp = c & 0x07u;
    lo = c == 0xF0 ? 0x90 : 0x80; /* overlong */
    hi = c == 0xF4 ? 0x8F : 0xBF; /* over U+10FFFF */
  } else {
    return SG_IJSON_UTF8; /* continuation byte, C0/C1 (overlong), F5..FF */
  }
  for (unsigned i = 0; i < need; i++) {
    if (j->p >= j->end || *j->p < lo || *j->p > hi) {
      return SG_IJSON_UTF8;
    }
    *cp = (*cp << 6) | (*j->p++ & 0x3Fu);
    lo = 0x80;
    hi = 0xBF;
  }
  return SG_IJSON_OK;
}

static void sg_ijson_name_put(sg_ijson_frame *f, unsigned long cp) {
  if (f == NULL || f->name_len == (size_t)-1) {
    return;
  }
  if (cp > 0x7F || f->name_len + 1 >= sizeof f->name) {
    f->name_len = (size_t)-1; /* the paths are ASCII and short */
    return;
  }
  f->name[f->name_len++] = (char)cp;
  f->name[f->name_len] = '\0';
}

/* A string; its decoded text goes to `name` when that is not NULL. */
static sg_ijson_result sg_ijson_string(sg_ijson *j, sg_ijson_frame *name) {
  if (name != NULL) {
    name->name_len = 0;
    name->name[0] = '\0';
  }
  j->p++; /* the opening quote */
  while (j->p < j->end) {
    if (name == NULL) {
      /* Fast path: printable ASCII needs no decoding and is never a noncharacter. */
      while (j->p < j->end && *j->p >= 0x20 && *j->p < 0x80 && *j->p != '"' && *j->p != '\\') {
        j->p++;
      }
      if (j->p >= j->end) {
        break;
      }
    }
    const unsigned char c = *j->p;
    unsigned long cp = c;
    if (c == '"') {
      j->p++;
      return SG_IJSON_OK;
    }
    if (c < 0x20) {
      return SG_IJSON_CONTROL;
    }
    if (c >= 0x80) {
      const sg_ijson_result r = sg_ijson_utf8(j, &cp);
      if (r != SG_IJSON_OK) {
        return r;
      }
    } else if (c == '\\') {
      j->p++;
      if (j->p >= j->end) {
        return SG_IJSON_SYNTAX;
      }
      const unsigned char e = *j->p++;
      static const char simple[] = "\"\\/bfnrt";
      static const char value[] = "\"\\/\b\f\n\r\t";
      const char *s = e != '\0' ? strchr(simple, e) : NULL;
      if (s != NULL) {
        cp = (unsigned char)value[s - simple];
      } else if (e == 'u') {
        if (!sg_ijson_hex4(j, &cp)) {
          return SG_IJSON_SYNTAX;
        }
        if (cp == 0) {
          return SG_IJSON_NUL;
        }
        if (cp >= 0xDC00 && cp <= 0xDFFF) {
          return SG_IJSON_SURROGATE; /* a low half first */
        }
        if (cp >= 0xD800 && cp <= 0xDBFF) {
          unsigned long low = 0;
          if (j->end - j->p < 6 || j->p[0] != '\\' || j->p[1] != 'u') {
            return SG_IJSON_SURROGATE;
          }
          j->p += 2;
          if (!sg_ijson_hex4(j, &low)) {
            return SG_IJSON_SYNTAX;
          }
          if (low < 0xDC00 || low > 0xDFFF) {
            return SG_IJSON_SURROGATE;
          }
          cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
        }
      } else {
        return SG_IJSON_SYNTAX;
      }
    } else {
      j->p++;
    }
    if (sg_ijson_nonchar(cp)) {
      return SG_IJSON_NONCHAR;
    }
    sg_ijson_name_put(name, cp);
  }
  return SG_IJSON_SYNTAX; /* unterminated */
}

/* Is the value about to be read one the caller reads as an integer? */
static int sg_ijson_is_int_member(const sg_ijson *j) {
  for (size_t i = 0; i < j->nints; i++) {
    const sg_ijson_int_path *ip = &j->ints[i];
    if (ip->len != j->depth) {
      continue;
    }
    unsigned k = 0;
    for (; k < ip->len; k++) {
      const sg_ijson_frame *f = &j->path[k + 1];
      if (f->name_len == (size_t)-1 || strcmp(f->name, ip->path[k]) != 0) {
        break;
      }
    }
    if (k == ip->len) {
      return 1;
    }
  }
  return 0;
}

static int sg_ijson_digit(const sg_ijson *j) { return j->p < j->end && *j->p >= '0' && *j->p <= '9'; }

/* RFC 8259 number grammar. Members the caller reads as integers must be
 * integer literals (no sign, fraction or exponent) of at most 2^53 - 1;
 * other numbers are opaque to the agent and only need the grammar. */
static sg_ijson_result sg_ijson_number(sg_ijson *j) {
  static const char max_int[] = "9007199254740991"; /* 2^53 - 1 */
  const int must_be_int = sg_ijson_is_int_member(j);
  int plain = 1; /* no sign, fraction or exponent */
  if (*j->p == '-') {
    plain = 0;
    j->p++;
  }
  if (!sg_ijson_digit(j)) {
    return SG_IJSON_SYNTAX;
  }
  const unsigned char *int_start = j->p;
  if (*j->p == '0') {
    j->p++;
    if (sg_ijson_digit(j)) {
      return SG_IJSON_SYNTAX; /* leading zero: "007" */
    }
  } else {
    while (sg_ijson_digit(j)) {
      j->p++;
    }
  }
  const size_t int_len = (size_t)(j->p - int_start);
  if (j->p < j->end && *j->p == '.') {
    plain = 0;
    j->p++;
    if (!sg_ijson_digit(j)) {
      return SG_IJSON_SYNTAX; /* "5." */
    }
    while (sg_ijson_digit(j)) {
      j->p++;
    }
  }
  if (j->p < j->end && (*j->p == 'e' || *j->p == 'E')) {
    plain = 0;
    j->p++;
    if (j->p < j->end && (*j->p == '+' || *j->p == '-')) {
      j->p++;
    }
    if (!sg_ijson_digit(j)) {
      return SG_IJSON_SYNTAX;
    }
    while (sg_ijson_digit(j)) {
      j->p++;
    }
  }
  if (must_be_int && (!plain || int_len > sizeof max_int - 1 ||
                      (int_len == sizeof max_int - 1 && memcmp(int_start, max_int, int_len) > 0))) {
    return SG_IJSON_INTEGER;
  }
  return SG_IJSON_OK;
}

static sg_ijson_result sg_ijson_value(sg_ijson *j);

static sg_ijson_result sg_ijson_container(sg_ijson *j, int is_object) {
  const unsigned char close = is_object ? '}' : ']';
  if (j->depth >= SG_IJSON_MAX_DEPTH) {
    return SG_IJSON_DEPTH;
  }
  j->depth++;
  sg_ijson_frame *f = &j->path[j->depth];
  memcpy(f->name, "[]", 3);
  f->name_len = 2;
  j->p++;
  sg_ijson_ws(j);
  if (j->p < j->end && *j->p == close) {
    j->p++;
    j->depth--;
    return SG_IJSON_OK;
  }
  for (;;) {
    sg_ijson_result r = SG_IJSON_OK;
    if (is_object) {
      if (j->p >= j->end || *j->p != '"') {
        return SG_IJSON_SYNTAX;
      }
      r = sg_ijson_string(j, f);
      if (r != SG_IJSON_OK) {
        return r;
      }
      sg_ijson_ws(j);
      if (j->p >= j->end || *j->p != ':') {
        return SG_IJSON_SYNTAX;
      }
      j->p++;
      sg_ijson_ws(j);
    }
    r = sg_ijson_value(j);
    if (r != SG_IJSON_OK) {
      return r;
    }
    sg_ijson_ws(j);
    if (j->p >= j->end) {
      return SG_IJSON_SYNTAX;
    }
    if (*j->p == close) {
      j->p++;
      j->depth--;
      return SG_IJSON_OK;
    }
    if (*j->p != ',') {
      return SG_IJSON_SYNTAX;
    }
    j->p++;
    sg_ijson_ws(j);
  }
}

static sg_ijson_result sg_ijson_literal(sg_ijson *j, const char *word) {
  const size_t n = strlen(word);
  if ((size_t)(j->end - j->p) < n || memcmp(j->p, word, n) != 0) {
    return SG_IJSON_SYNTAX;
  }
  j->p += n;
  return sg_ijson_is_int_member(j) ? SG_IJSON_INTEGER : SG_IJSON_OK;
}

static sg_ijson_result sg_ijson_value(sg_ijson *j) {
  if (j->p >= j->end) {
    return SG_IJSON_SYNTAX;
  }
  switch (*j->p) {
    case '{':
    case '[': {
      const int must_be_int = sg_ijson_is_int_member(j);
      const sg_ijson_result r = sg_ijson_container(j, *j->p == '{');
      return r == SG_IJSON_OK && must_be_int ? SG_IJSON_INTEGER : r;
    }
    case '"': {
      const int must_be_int = sg_ijson_is_int_member(j);
      const sg_ijson_result r = sg_ijson_string(j, NULL);
      return r == SG_IJSON_OK && must_be_int ? SG_IJSON_INTEGER : r;
    }
    case 't':
      return sg_ijson_literal(j, "true");
    case 'f':
      return sg_ijson_literal(j, "false");
    case 'n':
      return sg_ijson_literal(j, "null");
    default:
      return sg_ijson_number(j);
  }
}

sg_ijson_result sg_ijson_check(const char *text, size_t len, const sg_ijson_int_path *ints, size_t count) {
  sg_ijson j;
  if (text == NULL) {
    return SG_IJSON_SYNTAX;
  }
  memset(&j, 0, sizeof j);
  j.p = (const unsigned char *)text;
  j.end = j.p + len;
  j.ints = ints;
  j.nints = ints != NULL ? count : 0;
  sg_ijson_ws(&j);
  if (j.p >= j.end || *j.p != '{') {
    /* a scalar or array at the top is valid JSON but not a profile */
    return j.p < j.end && (*j.p == '[' || *j.p == '"' || *j.p == '-' || (*j.p >= '0' && *j.p <= '9') ||
                           *j.p == 't' || *j.p == 'f' || *j.p == 'n')
               ? SG_IJSON_TOP
               : SG_IJSON_SYNTAX;
  }
  const sg_ijson_result r = sg_ijson_container(&j, 1);
  if (r != SG_IJSON_OK) {
    return r;
  }
  sg_ijson_ws(&j);
  return j.p == j.end ? SG_IJSON_OK : SG_IJSON_TOP;
}

const char *sg_ijson_result_name(sg_ijson_result r) {
  static const char *const names[] = {"ok",         "syntax",      "control character",
                                      "\\u0000",    "surrogate",   "invalid UTF-8",
                                      "noncharacter", "integer",
                                      "nesting",    "top level"};
  return (unsigned)r < sizeof names / sizeof names[0] ? names[r] : "?";
}
