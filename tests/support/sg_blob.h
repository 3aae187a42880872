/* A named, embedded file (see cmake/Embed.cmake). data[len] is a NUL. */
#ifndef SG_BLOB_H
#define SG_BLOB_H

#include <stddef.h>

typedef struct {
  const char *name;
  const unsigned char *data;
  size_t len;
} sg_blob;

/* The blob called `name` in table[0..count), or NULL. */
const sg_blob *sg_blob_find(const sg_blob *table, unsigned count, const char *name);

#endif
