/* The text scanner backend (see sg_scan_text.h). */
#include "sg_scan_text.h"

#include <string.h>

#include "stagegate/errors.h"

int sg_scan_text_init(sg_scan_text *st, uint8_t *line, size_t line_cap, sg_symbology default_sym,
                      int strip_aim) {
  if (st == NULL || line == NULL || line_cap == 0) {
    return SG_ERR_ARG;
  }
  memset(st, 0, sizeof *st);
  st->line = line;
  st->line_cap = line_cap;
  st->default_sym = default_sym;
  st->strip_aim = strip_aim != 0;
  return SG_OK;
}

int sg_scan_text_set_buffer(sg_scan_text *st, const uint8_t *data, size_t len) {
  if (st == NULL || (data == NULL && len != 0)) {
    return SG_ERR_ARG;
  }
  st->mem = data;
  st->mem_len = len;
  st->mem_pos = 0;
  st->read = NULL;
  return SG_OK;
}

int sg_scan_text_set_stream(sg_scan_text *st, sg_scan_text_read_fn read, void *ctx) {
  if (st == NULL || read == NULL) {
    return SG_ERR_ARG;
  }
  st->read = read;
  st->read_ctx = ctx;
  st->chunk_len = 0;
  st->chunk_pos = 0;
  st->eof = 0;
  st->stream_error = 0;
  st->mem = NULL;
  st->mem_len = 0;
  st->mem_pos = 0;
  return SG_OK;
}

int sg_scan_text_push(sg_scan_text *st, const uint8_t *data, size_t len, sg_symbology sym) {
  if (st == NULL || st->line == NULL || (data == NULL && len != 0)) {
    return SG_ERR_ARG;
  }
  if (len > st->line_cap) {
    return SG_ERR_SYMBOL_TOO_LARGE;
  }
  if (len != 0) {
    memcpy(st->line, data, len);
  }
  st->line_len = len;
  st->pushed = 1;
  st->pushed_sym = sym;
  return SG_OK;
}

/* Next input byte from the memory buffer or the stream: 1 = *c set,
 * 0 = end, negative = stream error (reported once). */
static int sg_text_getc(sg_scan_text *st, uint8_t *c) {
  if (st->read == NULL) {
    if (st->mem_pos >= st->mem_len) return 0;
    *c = st->mem[st->mem_pos++];
    return 1;
  }
  if (st->chunk_pos >= st->chunk_len) {
    if (st->eof) return 0;
    const long n = st->read(st->read_ctx, st->chunk, sizeof st->chunk);
    if (n <= 0 || (size_t)n > sizeof st->chunk) {
      st->eof = 1;
      return n == 0 ? 0 : SG_ERR_SCAN_IO;
    }
    st->chunk_len = (size_t)n;
    st->chunk_pos = 0;
  }
  *c = st->chunk[st->chunk_pos++];
  return 1;
}

/* "]" + symbology code + modifier digit (ISO/IEC 15424). */
static sg_symbology sg_text_aim(const uint8_t *p, size_t len) {
  if (len < 3 || p[0] != ']' || p[2] < '0' || p[2] > '9') {
    return SG_SYMBOLOGY_UNKNOWN;
  }
  switch (p[1]) {
    case 'L': return SG_SYMBOLOGY_PDF417;
    case 'Q': return SG_SYMBOLOGY_QR;
    case 'd': return SG_SYMBOLOGY_DATAMATRIX;
    case 'z': return SG_SYMBOLOGY_AZTEC;
    default: return SG_SYMBOLOGY_UNKNOWN;
  }
}

static void sg_text_emit(sg_scan_text *st, sg_symbology sym, sg_symbol *out) {
  const uint8_t *p = st->line;
  size_t len = st->line_len;
  if (st->strip_aim) {
    const sg_symbology aim = sg_text_aim(p, len);
    if (aim != SG_SYMBOLOGY_UNKNOWN) {
      sym = aim;
      p += 3;
      len -= 3;
    }
  }
  out->data = p;
  out->len = len;
  out->symbology = sym;
}

/* Read one line into st->line. SG_OK, SG_ERR_SCAN_END, SG_ERR_SYMBOL_TOO_LARGE
 * (line skipped to its end) or SG_ERR_IMAGE_IO. Empty lines are skipped. */
static int sg_text_read_line(sg_scan_text *st) {
  for (;;) {
    size_t n = 0;
    int too_long = 0, got_any = 0, rc = 0, cr_past_end = 0;
    uint8_t c = 0;
    while ((rc = sg_text_getc(st, &c)) == 1) {
      got_any = 1;
      if (c == '\n') break;
      if (cr_past_end) {
        too_long = 1; /* the '\r' after a full buffer was content after all */
      }
      if (n < st->line_cap) {
        st->line[n++] = c;
      } else if (c == '\r' && !too_long) {
        cr_past_end = 1; /* may be the "\r\n" of a line of exactly line_cap bytes */
      } else {
        too_long = 1;
      }
    }
    if (cr_past_end && c != '\n') {
      too_long = 1;
    }
    if (rc < 0) {
      return rc;
    }
    if (!got_any) {
      return SG_ERR_SCAN_END;
    }
    if (too_long) {
      return SG_ERR_SYMBOL_TOO_LARGE;
    }
    /* A "\r" before "\n" belongs to the terminator. */
    if (c == '\n' && !cr_past_end && n > 0 && st->line[n - 1] == '\r') {
      n--;
    }
    if (n != 0) {
      st->line_len = n;
      return SG_OK;
    }
  }
}

static int sg_scan_text_next(void *ctx, sg_symbol *out) {
  int ret = SG_ERR_SCAN_END;
  sg_scan_text *st = ctx;
  if (out == NULL) {
    return SG_ERR_ARG;
  }
  sg_symbol_clear(out);
  if (st == NULL || st->line == NULL) {
    return SG_ERR_ARG;
  }
  if (st->pushed) {
    st->pushed = 0;
    sg_text_emit(st, st->pushed_sym, out);
    return SG_OK;
  }
  ret = sg_text_read_line(st);
  if (ret == SG_OK) {
    sg_text_emit(st, st->default_sym, out);
  }
  return ret;
}

static void sg_scan_text_reset(void *ctx) {
  sg_scan_text *st = ctx;
  if (st != NULL) {
    st->pushed = 0;
    st->line_len = 0;
  }
}

void sg_scan_text_scanner(sg_scan_text *st, sg_scanner *ops) {
  if (ops != NULL) {
    ops->ctx = st;
    ops->next = sg_scan_text_next;
    ops->reset = sg_scan_text_reset;
  }
}
