/* The bounded symbol list of sg_zxing.h: caller storage only, no heap. */
#include <string.h>

#include "sg_zxing.h"
#include "stagegate/errors.h"

int sg_symbol_list_init(sg_symbol_list *list, sg_symbol *items, size_t cap, uint8_t *arena,
                        size_t arena_cap) {
  if (list == NULL || items == NULL || cap == 0 || (arena == NULL && arena_cap != 0)) {
    return SG_ERR_ARG;
  }
  list->items = items;
  list->cap = cap;
  list->count = 0;
  list->arena = arena;
  list->arena_cap = arena_cap;
  list->arena_used = 0;
  return SG_OK;
}

void sg_symbol_list_clear(sg_symbol_list *list) {
  if (list != NULL) {
    list->count = 0;
    list->arena_used = 0;
  }
}

int sg_symbol_list_push(sg_symbol_list *list, const sg_symbol *sym) {
  if (list == NULL || list->items == NULL || sym == NULL || (sym->data == NULL && sym->len != 0)) {
    return SG_ERR_ARG;
  }
  if (list->count >= list->cap) {
    return SG_ERR_SYMBOL_OVERFLOW;
  }
  if (sym->len > list->arena_cap - list->arena_used) {
    return SG_ERR_SYMBOL_TOO_LARGE;
  }
  sg_symbol *dst = &list->items[list->count];
  *dst = *sym;
  dst->sa_id[sizeof dst->sa_id - 1] = '\0';
  dst->data = list->arena != NULL ? list->arena + list->arena_used : NULL;
  if (sym->len != 0) {
    memcpy(list->arena + list->arena_used, sym->data, sym->len);
  }
  list->arena_used += sym->len;
  list->count++;
  return SG_OK;
}
