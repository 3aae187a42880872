#include "stagegate/errors.h"

#include <stddef.h>

typedef struct {
  int code;
  const char *name;
  const char *msg;
} sg_err_entry;

static const sg_err_entry sg_err_table[] = {
#define SG_X_ENTRY(name, value, msg) {value, #name, msg},
    SG_ERROR_TABLE(SG_X_ENTRY)
#undef SG_X_ENTRY
    {SG_ACCEPTED, "SG_ACCEPTED", "accepted"},
    {SG_NEED_MORE, "SG_NEED_MORE", "waiting for more barcodes"},
};

static const sg_err_entry *sg_err_find(int code) {
  for (size_t i = 0; i < sizeof sg_err_table / sizeof sg_err_table[0]; i++) {
    if (sg_err_table[i].code == code) {
      return &sg_err_table[i];
    }
  }
  return NULL;
}

const char *sg_strerror(int code) {
  const sg_err_entry *e = sg_err_find(code);
  return e != NULL ? e->msg : "unknown error code";
}

const char *sg_strerror_name(int code) {
  const sg_err_entry *e = sg_err_find(code);
  return e != NULL ? e->name : "SG_UNKNOWN";
}
