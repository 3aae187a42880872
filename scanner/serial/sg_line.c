/* Serial line framing (see sg_line.h). */
#include "sg_line.h"

#include <string.h>

#include "stagegate/errors.h"

int sg_line_init(sg_line *l, uint8_t *buf, size_t cap, sg_line_term term) {
  if (l == NULL || buf == NULL || cap == 0 || (unsigned)term > (unsigned)SG_LINE_CRLF) {
    return SG_ERR_ARG;
  }
  memset(l, 0, sizeof *l);
  l->buf = buf;
  l->cap = cap;
  l->term = term;
  return SG_OK;
}

void sg_line_reset(sg_line *l) {
  l->len = 0;
  l->pending_cr = 0;
  l->overflow = 0;
  l->done = 0;
}

static void sg_line_store(sg_line *l, uint8_t c) {
  if (l->len < l->cap) {
    l->buf[l->len++] = c;
  } else {
    l->overflow = 1;
  }
}

/* A terminator arrived: hand out the symbol, report an over-long one, or
 * skip an empty one. The bytes stay in buf until the next push. */
static int sg_line_end(sg_line *l) {
  const int overflow = l->overflow;
  l->overflow = 0;
  l->pending_cr = 0;
  if (overflow) {
    l->len = 0;
    return SG_ERR_SYMBOL_TOO_LARGE;
  }
  if (l->len == 0) {
    return 0;
  }
  l->done = 1;
  return 1;
}

/* The previous symbol was handed out: the next byte starts afresh. */
static void sg_line_next(sg_line *l) {
  if (l->done) {
    l->done = 0;
    l->len = 0;
  }
}

int sg_line_push(sg_line *l, uint8_t c) {
  sg_line_next(l);
  switch (l->term) {
    case SG_LINE_ANY:
      if (c == '\r' || c == '\n') return sg_line_end(l);
      break;
    case SG_LINE_CR:
      if (c == '\r') return sg_line_end(l);
      break;
    case SG_LINE_LF:
      if (c == '\n') return sg_line_end(l);
      break;
    case SG_LINE_CRLF:
      if (l->pending_cr) {
        l->pending_cr = 0;
        if (c == '\n') return sg_line_end(l);
        sg_line_store(l, '\r'); /* a lone CR was data */
      }
      if (c == '\r') {
        l->pending_cr = 1;
        return 0;
      }
      break;
  }
  sg_line_store(l, c);
  return 0;
}

int sg_line_flush(sg_line *l) {
  sg_line_next(l);
  return sg_line_end(l);
}

const uint8_t *sg_line_symbol(const sg_line *l, size_t *len) {
  *len = l->done ? l->len : 0;
  return l->buf;
}

void sg_line_spoil(sg_line *l) {
  sg_line_next(l);
  l->len = 0;
  l->pending_cr = 0;
  l->overflow = 1;
}

int sg_line_busy(const sg_line *l) {
  return !l->done && (l->len != 0 || l->overflow || l->pending_cr);
}

int sg_line_term_parse(const char *name, sg_line_term *out) {
  static const struct {
    const char *name;
    sg_line_term term;
  } names[] = {{"any", SG_LINE_ANY}, {"cr", SG_LINE_CR}, {"lf", SG_LINE_LF}, {"crlf", SG_LINE_CRLF}};
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
    if (strcmp(name, names[i].name) == 0) {
      *out = names[i].term;
      return 1;
    }
  }
  return 0;
}
