/*
 * I-JSON (RFC 7493) in strict RFC 8259 grammar, checked on the raw text
 * before cJSON sees it (issue 9, defect 5). cJSON is lenient where two
 * readers of one signed profile could disagree: it cuts strings at
 * "\u0000" ("ES256\u0000" read as ES256), takes "007" and "5.", passes raw
 * control characters, lone surrogates and invalid UTF-8 through. A signed
 * text must mean one thing to every reader, so anything outside the
 * strict grammar is refused, not repaired.
 *
 * Refused: any RFC 8259 syntax error (leading zeros, "5.", ".5", "+1",
 * bare words, trailing commas, comments, single quotes); raw control
 * characters (< 0x20) in strings; "\u0000"; unpaired surrogate escapes;
 * invalid, overlong or surrogate UTF-8 and code points over U+10FFFF;
 * noncharacters (U+FDD0..FDEF, U+xFFFE/xFFFF), raw or escaped; nesting
 * deeper than SG_IJSON_MAX_DEPTH; a top level that is not one object;
 * anything but whitespace after it. Members the caller names in `ints`
 * (those the agent reads as integers) must be integer literals in
 * [0, 2^53) — I-JSON's exact-integer range — with no fraction, exponent
 * or sign, so a value such as 4503599627370495.5, which a double rounds
 * to an integer, or 1e3, is not read as one. Other numbers are opaque to
 * the agent (a handler's settings) and need only the grammar: I-JSON
 * says a sender SHOULD NOT exceed a double's precision, not MUST, and
 * the existing vectors carry such a setting. Duplicate names are checked
 * after parsing (json.c), on the unescaped names.
 */
#ifndef SG_IJSON_H
#define SG_IJSON_H

#include <stddef.h>

#define SG_IJSON_MAX_DEPTH 16 /* cJSON is built with CJSON_NESTING_LIMIT=16 too */

typedef enum {
  SG_IJSON_OK = 0,
  SG_IJSON_SYNTAX = 1,    /* not RFC 8259 */
  SG_IJSON_CONTROL = 2,   /* raw control character in a string */
  SG_IJSON_NUL = 3,       /* \u0000 */
  SG_IJSON_SURROGATE = 4, /* unpaired surrogate escape */
  SG_IJSON_UTF8 = 5,      /* invalid, overlong or surrogate UTF-8 */
  SG_IJSON_NONCHAR = 6,   /* a Unicode noncharacter */
  SG_IJSON_INTEGER = 7,   /* a member read as an integer is not an integer literal in [0, 2^53) */
  SG_IJSON_DEPTH = 8,     /* nested deeper than SG_IJSON_MAX_DEPTH */
  SG_IJSON_TOP = 9,       /* top level is not one object */
} sg_ijson_result;

/* A member the agent reads as an integer: its names from the root, "[]"
 * standing for any element of an array. E.g. {"actions", "[]", "activate_at"}. */
typedef struct {
  const char *path[3];
  unsigned len;
} sg_ijson_int_path;

/* Check text[0..len). `ints` (count entries) may be NULL. */
sg_ijson_result sg_ijson_check(const char *text, size_t len, const sg_ijson_int_path *ints, size_t count);

/* "syntax", "control character", ... for messages and tests. */
const char *sg_ijson_result_name(sg_ijson_result r);

#endif
