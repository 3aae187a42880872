/*
 * The private-key screen: keys never travel to devices (DESIGN.md). What
 * it catches and what it cannot is written at the top of keyscreen.c.
 *
 * Every function returns SG_OK (nothing found), SG_ERR_PRIVATE_KEY, or —
 * for the JSON walk only — SG_ERR_PROFILE_FORMAT when the tree is deeper
 * than SG_KEYSCREEN_MAX_DEPTH. None allocates: there is no internal
 * failure that could read as "no key".
 */
#ifndef SG_KEYSCREEN_H
#define SG_KEYSCREEN_H

#include <stddef.h>
#include <stdint.h>

#include "cJSON.h"

#define SG_KEYSCREEN_MAX_DEPTH 16

/* Raw bytes (a decoded certificate, an x5c entry): a key structure
 * starting at any offset. */
int sg_keyscreen_bytes(const uint8_t *b, size_t n);

/* Text a[0..an) followed by b[0..bn) (b may be NULL): PEM armour, and key
 * structures in base64/base64url (with or without line breaks, at any
 * alignment), in hex, or as Latin-1 code points. Screening two texts as
 * one catches a key split over two neighbouring JSON strings. */
int sg_keyscreen_text(const char *a, size_t an, const char *b, size_t bn);

/* Every member name, string (alone and joined to the string before it in
 * the same object or array), byte array and JWK object of a JSON tree. */
int sg_keyscreen_json(const cJSON *root);

#endif
