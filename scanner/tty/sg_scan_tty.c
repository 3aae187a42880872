/* The tty scanner backend (see sg_scan_tty.h). */
#define _GNU_SOURCE /* ppoll */
#include "sg_scan_tty.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "stagegate/errors.h"

static int sg_tty_speed(unsigned baud, speed_t *out) {
  static const struct {
    unsigned baud;
    speed_t speed;
  } speeds[] = {{9600, B9600},     {19200, B19200},   {38400, B38400},   {57600, B57600},
                {115200, B115200}, {230400, B230400}, {460800, B460800}, {921600, B921600}};
  for (size_t i = 0; i < sizeof speeds / sizeof speeds[0]; i++) {
    if (speeds[i].baud == baud) {
      *out = speeds[i].speed;
      return 1;
    }
  }
  return 0;
}

static int sg_tty_setup(sg_scan_tty *t, int fd, unsigned baud, uint8_t *buf, size_t cap,
                        sg_line_term term, unsigned timeout_ms) {
  speed_t speed = B0;
  if (baud != 0 && !sg_tty_speed(baud, &speed)) {
    return SG_ERR_ARG;
  }
  const int ret = sg_line_init(&t->line, buf, cap, term);
  if (ret != SG_OK) {
    return ret;
  }
  t->fd = fd;
  t->timeout_ms = timeout_ms;
  if (tcgetattr(fd, &t->saved) != 0) {
    return baud == 0 && errno == ENOTTY ? SG_OK : SG_ERR_SCAN_IO; /* a pipe or file: read as is */
  }
  t->have_saved = 1;
  struct termios raw = t->saved;
  cfmakeraw(&raw);
  raw.c_cflag |= CLOCAL | CREAD;
  raw.c_cc[VMIN] = 1;
  raw.c_cc[VTIME] = 0;
  if (baud != 0 && (cfsetispeed(&raw, speed) != 0 || cfsetospeed(&raw, speed) != 0)) {
    return SG_ERR_ARG;
  }
  return tcsetattr(fd, TCSANOW, &raw) == 0 ? SG_OK : SG_ERR_SCAN_IO;
}

static void sg_tty_clear(sg_scan_tty *t) {
  memset(t, 0, sizeof *t);
  t->fd = -1;
}

int sg_scan_tty_open(sg_scan_tty *t, const char *device, unsigned baud, uint8_t *buf, size_t cap,
                     sg_line_term term, unsigned timeout_ms) {
  if (t == NULL || device == NULL) {
    return SG_ERR_ARG;
  }
  sg_tty_clear(t);
  const int fd = open(device, O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (fd < 0) {
    return SG_ERR_SCAN_IO;
  }
  if (!isatty(fd)) {
    (void)close(fd);
    return SG_ERR_SCAN_IO;
  }
  t->owns_fd = 1;
  const int ret = sg_tty_setup(t, fd, baud, buf, cap, term, timeout_ms);
  if (ret != SG_OK) {
    sg_scan_tty_close(t);
  }
  return ret;
}

int sg_scan_tty_attach(sg_scan_tty *t, int fd, uint8_t *buf, size_t cap, sg_line_term term,
                       unsigned timeout_ms) {
  if (t == NULL || fd < 0) {
    return SG_ERR_ARG;
  }
  sg_tty_clear(t);
  return sg_tty_setup(t, fd, 0, buf, cap, term, timeout_ms);
}

void sg_scan_tty_set_stop(sg_scan_tty *t, const volatile sig_atomic_t *stop, const sigset_t *wait_mask) {
  t->stop = stop;
  t->wait_mask = wait_mask;
}

void sg_scan_tty_close(sg_scan_tty *t) {
  if (t == NULL || t->fd < 0) {
    return;
  }
  if (t->have_saved) {
    (void)tcsetattr(t->fd, TCSANOW, &t->saved);
  }
  if (t->owns_fd) {
    (void)close(t->fd);
  }
  sg_tty_clear(t);
}

/* Wait for input: 1 readable, 0 timed out, -1 stopped. */
static int sg_tty_wait(sg_scan_tty *t) {
  const int timed = t->timeout_ms != 0 && sg_line_busy(&t->line);
  struct timespec ts = {(time_t)(t->timeout_ms / 1000u), (long)(t->timeout_ms % 1000u) * 1000000L};
  for (;;) {
    if (t->stop != NULL && *t->stop) {
      return -1;
    }
    struct pollfd pfd = {t->fd, POLLIN, 0};
    const int n = ppoll(&pfd, 1, timed ? &ts : NULL, t->wait_mask);
    if (n > 0) {
      return 1;
    }
    if (n == 0) {
      return 0;
    }
    if (errno != EINTR) {
      return 1; /* let read() report it */
    }
  }
}

static int sg_tty_symbol(sg_scan_tty *t, int rc, sg_symbol *out) {
  if (rc == 1) {
    out->data = sg_line_symbol(&t->line, &out->len);
    return SG_OK;
  }
  return SG_ERR_SYMBOL_TOO_LARGE;
}

static int sg_scan_tty_next(void *ctx, sg_symbol *out) {
  sg_scan_tty *t = ctx;
  if (out == NULL) {
    return SG_ERR_ARG;
  }
  sg_symbol_clear(out);
  if (t == NULL || t->fd < 0 || t->ended) {
    return SG_ERR_SCAN_END;
  }
  for (;;) {
    while (t->chunk_pos < t->chunk_len) {
      const int rc = sg_line_push(&t->line, t->chunk[t->chunk_pos++]);
      if (rc != 0) {
        return sg_tty_symbol(t, rc, out);
      }
    }
    const int w = sg_tty_wait(t);
    if (w < 0) {
      t->ended = 1;
      return SG_ERR_SCAN_END;
    }
    if (w == 0) { /* silence after part of a symbol: it ends here */
      const int rc = sg_line_flush(&t->line);
      if (rc != 0) {
        return sg_tty_symbol(t, rc, out);
      }
      continue;
    }
    const ssize_t n = read(t->fd, t->chunk, sizeof t->chunk);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) {
      continue;
    }
    if (n <= 0) {
      /* End of file, or EIO: the other end of a pty or a USB port went away. */
      const int hangup = n == 0 || errno == EIO;
      t->ended = 1;
      const int rc = sg_line_flush(&t->line);
      if (rc != 0) {
        return sg_tty_symbol(t, rc, out);
      }
      return hangup ? SG_ERR_SCAN_END : SG_ERR_SCAN_IO;
    }
    t->chunk_len = (size_t)n;
    t->chunk_pos = 0;
  }
}

static void sg_scan_tty_reset(void *ctx) {
  sg_scan_tty *t = ctx;
  if (t != NULL) {
    sg_line_reset(&t->line);
    t->chunk_len = t->chunk_pos = 0;
  }
}

void sg_scan_tty_scanner(sg_scan_tty *t, sg_scanner *ops) {
  if (ops != NULL) {
    ops->ctx = t;
    ops->next = sg_scan_tty_next;
    ops->reset = sg_scan_tty_reset;
  }
}
