/* sg_file_bd: a file with NOR-flash semantics (see sg_posix.h). */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sg_posix.h"
#include "stagegate/errors.h"

#define SG_FILE_CHUNK 256u

static int sg_pread_all(int fd, uint8_t *buf, size_t len, off_t at) {
  while (len > 0) {
    const ssize_t n = pread(fd, buf, len, at);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      return -1; /* error, or a file shorter than its geometry */
    }
    buf += n;
    len -= (size_t)n;
    at += n;
  }
  return 0;
}

static int sg_pwrite_all(int fd, const uint8_t *buf, size_t len, off_t at) {
  while (len > 0) {
    const ssize_t n = pwrite(fd, buf, len, at);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      return -1;
    }
    buf += n;
    len -= (size_t)n;
    at += n;
  }
  return 0;
}

static off_t sg_file_at(const sg_file_bd *f, uint32_t sector, uint32_t off) {
  return (off_t)sector * (off_t)f->sector_size + (off_t)off;
}

static int sg_file_range_ok(const sg_file_bd *f, uint32_t sector, uint32_t off, uint32_t len) {
  return f->fd >= 0 && sector < f->sector_count && off <= f->sector_size &&
         len <= f->sector_size - off;
}

static int sg_file_read(void *ctx, uint32_t sector, uint32_t off, void *buf, uint32_t len) {
  sg_file_bd *f = ctx;
  if (!sg_file_range_ok(f, sector, off, len)) {
    return -2;
  }
  return sg_pread_all(f->fd, buf, len, sg_file_at(f, sector, off));
}

static int sg_file_prog(void *ctx, uint32_t sector, uint32_t off, const void *buf, uint32_t len) {
  sg_file_bd *f = ctx;
  const uint8_t *src = buf;
  uint8_t cur[SG_FILE_CHUNK];
  if (!sg_file_range_ok(f, sector, off, len) || off % f->prog_size != 0 ||
      len % f->prog_size != 0) {
    return -2;
  }
  /* NOR: programming ANDs into what is there. */
  for (uint32_t done = 0; done < len;) {
    const uint32_t n = len - done < SG_FILE_CHUNK ? len - done : SG_FILE_CHUNK;
    const off_t at = sg_file_at(f, sector, off + done);
    if (sg_pread_all(f->fd, cur, n, at) != 0) {
      return -1;
    }
    for (uint32_t i = 0; i < n; i++) {
      cur[i] &= src[done + i];
    }
    if (sg_pwrite_all(f->fd, cur, n, at) != 0) {
      return -1;
    }
    done += n;
  }
  return fsync(f->fd) == 0 ? 0 : -1;
}

static int sg_file_fill_erased(int fd, off_t at, size_t len) {
  uint8_t ff[SG_FILE_CHUNK];
  memset(ff, 0xFF, sizeof ff);
  while (len > 0) {
    const size_t n = len < sizeof ff ? len : sizeof ff;
    if (sg_pwrite_all(fd, ff, n, at) != 0) {
      return -1;
    }
    at += (off_t)n;
    len -= n;
  }
  return 0;
}

static int sg_file_erase(void *ctx, uint32_t sector) {
  sg_file_bd *f = ctx;
  if (!sg_file_range_ok(f, sector, 0, 0)) {
    return -2;
  }
  if (sg_file_fill_erased(f->fd, sg_file_at(f, sector, 0), f->sector_size) != 0) {
    return -1;
  }
  return fsync(f->fd) == 0 ? 0 : -1;
}

void sg_file_bd_init(sg_file_bd *f) {
  memset(f, 0, sizeof *f);
  f->fd = -1;
}

/* Make the new file's directory entry durable too. */
static void sg_fsync_parent(const char *path) {
  char dir[512];
  const char *slash = strrchr(path, '/');
  size_t n = slash == NULL ? 1 : (size_t)(slash - path);
  if (slash == NULL) {
    dir[0] = '.';
  } else if (n == 0) {
    dir[0] = '/';
    n = 1;
  } else if (n < sizeof dir) {
    memcpy(dir, path, n);
  } else {
    return;
  }
  dir[n] = '\0';
  const int dfd = open(dir, O_RDONLY | O_CLOEXEC);
  if (dfd >= 0) {
    (void)fsync(dfd);
    (void)close(dfd);
  }
}

/* A missing slot file is a factory part: make it fully erased under a
 * temporary name, then give it its name in one rename(), so a crash
 * part-way leaves no file at all (still factory) rather than a short one. */
static int sg_file_create_erased(const char *path, off_t total) {
  char tmp[4096];
  const int n = snprintf(tmp, sizeof tmp, "%s.new", path);
  if (n < 0 || (size_t)n >= sizeof tmp) {
    return -1;
  }
  const int fd = open(tmp, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) {
    return -1;
  }
  int ok = sg_file_fill_erased(fd, 0, (size_t)total) == 0 && fsync(fd) == 0;
  ok = close(fd) == 0 && ok;
  if (!ok || rename(tmp, path) != 0) {
    (void)unlink(tmp);
    return -1;
  }
  sg_fsync_parent(path);
  return 0;
}

int sg_file_bd_open(sg_file_bd *f, const char *path, uint32_t sector_size, uint32_t sector_count,
                    uint32_t prog_size) {
  int ret = SG_ERR_STORAGE;
  struct stat st;
  if (f == NULL || path == NULL || sector_size == 0 || sector_count == 0 || prog_size == 0 ||
      sector_size % prog_size != 0 || sector_count > UINT32_MAX / sector_size) {
    return SG_ERR_ARG;
  }
  sg_file_bd_init(f);
  const off_t total = (off_t)sector_size * (off_t)sector_count;
  int fd = open(path, O_RDWR | O_CLOEXEC);
  if (fd < 0 && errno == ENOENT) {
    /* Only a missing file means a factory-fresh part. */
    if (sg_file_create_erased(path, total) != 0) {
      return SG_ERR_STORAGE;
    }
    fd = open(path, O_RDWR | O_CLOEXEC);
  }
  if (fd < 0) {
    return SG_ERR_STORAGE;
  }
  if (fstat(fd, &st) != 0) {
    goto fail;
  }
  if (st.st_size != total) {
    /* Empty, short (a crash on some file systems leaves a file of length
     * zero) or another geometry's: never read as a factory part, never
     * reinterpreted, never rewritten. The caller reports it; the device
     * stays locked until someone looks. */
    f->found_size = (long long)st.st_size;
    ret = SG_ERR_LOCKED;
    goto fail;
  }
  f->fd = fd;
  f->sector_size = sector_size;
  f->sector_count = sector_count;
  f->prog_size = prog_size;
  return SG_OK;
fail:
  (void)close(fd);
  return ret;
}

void sg_file_bd_blockdev(sg_file_bd *f, sg_blockdev *bd) {
  memset(bd, 0, sizeof *bd);
  bd->ctx = f;
  bd->read = sg_file_read;
  bd->prog = sg_file_prog;
  bd->erase = sg_file_erase;
  bd->sector_size = f->sector_size;
  bd->prog_size = f->prog_size;
  bd->sector_count = f->sector_count;
  /* A file can be copied back: nothing here notices an older slot. */
  bd->rollback_protection = "none (the slot file can be restored from a copy unnoticed)";
}

void sg_file_bd_close(sg_file_bd *f) {
  if (f != NULL && f->fd >= 0) {
    (void)close(f->fd);
    f->fd = -1;
  }
}
