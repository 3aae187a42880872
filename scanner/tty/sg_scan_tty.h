/*
 * The tty scanner backend (Linux): a scan engine on a serial port (USB CDC
 * ACM, a UART, a pseudo-terminal in tests) that sends each decoded symbol
 * followed by a terminator. The port is put in raw mode (termios: no echo,
 * no line editing, no CR/LF translation, 8 bits) and restored on close;
 * framing is scanner/serial's sg_line (terminator any|cr|lf|crlf, bounded
 * buffer, over-long symbols reported and skipped).
 *
 * timeout_ms: a symbol whose terminator has not come after this much
 * silence ends there (scan engines configured without a suffix); 0 waits
 * for the terminator.
 *
 * Stopping (for a long-running agent): `stop` is checked before every wait
 * and when a wait is interrupted; with `wait_mask` set, waits use ppoll()
 * with that signal mask, so a caller that keeps SIGINT/SIGTERM blocked and
 * passes a mask without them gets the signals only while waiting — never
 * while a symbol is being fed — and without the race between checking
 * `stop` and starting to wait.
 *
 * next() returns SG_OK with a symbol, SG_ERR_SYMBOL_TOO_LARGE (one symbol
 * dropped; call again), SG_ERR_SCAN_IO (a read error, reported once) or
 * SG_ERR_SCAN_END (stopped, end of file, or the other end hung up).
 */
#ifndef SG_SCAN_TTY_H
#define SG_SCAN_TTY_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <termios.h>

#include "sg_line.h"
#include "stagegate/scanner.h"

typedef struct {
  int fd;
  int owns_fd;
  struct termios saved;
  int have_saved;
  sg_line line;
  unsigned timeout_ms;
  const volatile sig_atomic_t *stop;
  const sigset_t *wait_mask;
  uint8_t chunk[256];
  size_t chunk_len, chunk_pos;
  int ended;
} sg_scan_tty;

/* Open `device`, make it raw (and set `baud` unless 0: 9600 .. 921600).
 * `buf`/`cap`: the caller's symbol buffer. SG_OK, SG_ERR_ARG (bad baud or
 * terminator) or SG_ERR_SCAN_IO (cannot open, not a tty). */
int sg_scan_tty_open(sg_scan_tty *t, const char *device, unsigned baud, uint8_t *buf, size_t cap,
                     sg_line_term term, unsigned timeout_ms);

/* The same on a descriptor the caller opened (and keeps ownership of). A
 * descriptor that is not a tty (a pipe, a file) is read as it is. */
int sg_scan_tty_attach(sg_scan_tty *t, int fd, uint8_t *buf, size_t cap, sg_line_term term,
                       unsigned timeout_ms);

/* See above. Either may be NULL. */
void sg_scan_tty_set_stop(sg_scan_tty *t, const volatile sig_atomic_t *stop, const sigset_t *wait_mask);

/* Restore the port's settings and close it (if opened here). */
void sg_scan_tty_close(sg_scan_tty *t);

void sg_scan_tty_scanner(sg_scan_tty *t, sg_scanner *ops);

#endif /* SG_SCAN_TTY_H */
