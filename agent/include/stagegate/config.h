/*
 * stagegate — compile-time limits. Override any of them on the compiler
 * command line, or put overrides in a header named by SG_CONFIG_FILE.
 * Every buffer the agent uses is sized from these: no hidden growth.
 */
#ifndef STAGEGATE_CONFIG_H
#define STAGEGATE_CONFIG_H

#if defined(SG_CONFIG_FILE)
#include SG_CONFIG_FILE
#endif

/* Most barcode symbols one profile may span. */
#ifndef SG_MAX_CHUNKS
#define SG_MAX_CHUNKS 16
#endif

/* Largest reassembled profile text (bare JSON or JWS), in bytes. */
#ifndef SG_MAX_PROFILE
#define SG_MAX_PROFILE 8192
#endif

/* Largest certificate (DER) the trust slot holds, anchor or pending. */
#ifndef SG_MAX_CERT
#define SG_MAX_CERT 2048
#endif

/* Most certificates in a JWS x5c header (leaf + intermediates). */
#ifndef SG_MAX_X5C
#define SG_MAX_X5C 4
#endif

/* Most firmware action handlers (CSPs) an agent can register. */
#ifndef SG_MAX_HANDLERS
#define SG_MAX_HANDLERS 16
#endif

/* How far a profile's iat may lie ahead of the device's effective time. */
#ifndef SG_IAT_SKEW_SECONDS
#define SG_IAT_SKEW_SECONDS 300
#endif

#if SG_MAX_CHUNKS < 1 || SG_MAX_CHUNKS > 99
#error "SG_MAX_CHUNKS must be 1..99"
#endif
#if SG_MAX_PROFILE < 256 || SG_MAX_PROFILE > 65535
#error "SG_MAX_PROFILE must be 256..65535 (chunk offsets are 16-bit)"
#endif
#if SG_MAX_CERT < 256 || SG_MAX_CERT > 16384
#error "SG_MAX_CERT must be 256..16384"
#endif

#endif /* STAGEGATE_CONFIG_H */
