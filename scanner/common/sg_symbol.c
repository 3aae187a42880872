/* Helpers for the scanner hook's symbol struct (stagegate/scanner.h). */
#include <string.h>

#include "stagegate/scanner.h"

void sg_symbol_clear(sg_symbol *s) {
  if (s != NULL) {
    memset(s, 0, sizeof *s);
    s->symbology = SG_SYMBOLOGY_UNKNOWN;
    s->sa_index = -1;
    s->sa_count = -1;
  }
}

const char *sg_symbology_name(sg_symbology s) {
  switch (s) {
    case SG_SYMBOLOGY_PDF417: return "PDF417";
    case SG_SYMBOLOGY_QR: return "QR";
    case SG_SYMBOLOGY_DATAMATRIX: return "DataMatrix";
    case SG_SYMBOLOGY_AZTEC: return "Aztec";
    case SG_SYMBOLOGY_UNKNOWN: break;
  }
  return "unknown";
}
