/*
 * Platform ports through the same trust-slot load/store path as the
 * simulator: the POSIX file block device, clock and identity (Linux
 * presets), or the Cortex-M flash region and clock (cortex-m4 preset).
 */
#if defined(SG_TEST_POSIX_PORT)
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sg_posix.h"
#elif defined(SG_TEST_CM_PORT)
#include "sg_cm_port.h"
#else
#error "build test_ports for one port"
#endif

#include <string.h>

#include "sg_slot_fixture.h"
#include "sg_test.h"
#include "stagegate/errors.h"

static sg_trust_record rec, want, got;
static uint8_t cert_a[1200], cert_b[700];

static void make_record(void) {
  sg_fx_blob(cert_a, sizeof cert_a, 1);
  sg_fx_blob(cert_b, sizeof cert_b, 2);
  sg_fx_trusted(&want, cert_a, sizeof cert_a, SG_ANCHOR_PINNED);
  sg_fx_pending(&want, cert_b, sizeof cert_b, SG_ANCHOR_CA, 1764000000u);
  want.seq_floor = 5;
  want.time_floor = 1763900000u;
}

/* The common path: factory, store, reload, corrupt both copies. */
static void slot_round_trip(const sg_blockdev *bd) {
  SG_CHECK_CODE(sg_trustslot_load(bd, &got), SG_OK);
  SG_CHECK(got.state == SG_STATE_UNTRUSTED && got.generation == 0);
  make_record();
  memcpy(&rec, &want, sizeof rec);
  SG_CHECK_CODE(sg_trustslot_store(bd, &rec), SG_OK);
  SG_CHECK_CODE(sg_trustslot_load(bd, &got), SG_OK);
  SG_CHECK(sg_fx_same(&got, &want) && got.generation == 3);
}

#if defined(SG_TEST_POSIX_PORT)

static char path[256];
static char idpath[256];

static void temp_path(char *out, size_t n, const char *tag) {
  const char *dir = getenv("TMPDIR");
  snprintf(out, n, "%s/sg_%s_XXXXXX", dir != NULL ? dir : "/tmp", tag);
  const int fd = mkstemp(out);
  SG_CHECK(fd >= 0);
  if (fd >= 0) {
    close(fd);
  }
}

static void poke(const char *p, long at, uint8_t v) {
  FILE *fp = fopen(p, "r+b");
  SG_CHECK(fp != NULL);
  if (fp != NULL) {
    SG_CHECK(fseek(fp, at, SEEK_SET) == 0);
    SG_CHECK(fputc(v, fp) == v);
    fclose(fp);
  }
}

static void test_file_blockdev(void) {
  sg_file_bd f;
  sg_blockdev bd;
  struct stat st;
  temp_path(path, sizeof path, "slot");
  unlink(path); /* mkstemp made it empty: only a missing file is factory-fresh */
  sg_file_bd_init(&f);
  sg_file_bd_close(&f); /* safe before open */
  SG_CHECK_CODE(sg_file_bd_open(&f, path, 4096, 4, 8), SG_OK);
  SG_CHECK(stat(path, &st) == 0 && st.st_size == 4 * 4096);
  sg_file_bd_blockdev(&f, &bd);
  slot_round_trip(&bd);
  sg_file_bd_close(&f);
  sg_file_bd_close(&f); /* twice is fine */

  /* It persisted: a new open loads it. */
  SG_CHECK_CODE(sg_file_bd_open(&f, path, 4096, 4, 8), SG_OK);
  sg_file_bd_blockdev(&f, &bd);
  SG_CHECK_CODE(sg_trustslot_load(&bd, &got), SG_OK);
  SG_CHECK(sg_fx_same(&got, &want));
  sg_file_bd_close(&f);

  /* Another geometry never reinterprets the file. */
  SG_CHECK_CODE(sg_file_bd_open(&f, path, 4096, 2, 8), SG_ERR_LOCKED);
  SG_CHECK(f.found_size == 4 * 4096);
  SG_CHECK_CODE(sg_file_bd_open(&f, path, 4096, 4, 3), SG_ERR_ARG);

  /* One copy corrupted: the other loads; both: LOCKED. */
  poke(path, 100, 0x00);
  SG_CHECK_CODE(sg_file_bd_open(&f, path, 4096, 4, 8), SG_OK);
  sg_file_bd_blockdev(&f, &bd);
  SG_CHECK_CODE(sg_trustslot_load(&bd, &got), SG_OK);
  SG_CHECK(sg_fx_same(&got, &want));
  poke(path, 2 * 4096 + 100, 0x00);
  SG_CHECK_CODE(sg_trustslot_load(&bd, &got), SG_ERR_LOCKED);
  SG_CHECK(got.state == SG_STATE_LOCKED);

  /* NOR semantics: erase to 0xFF, programming ANDs, alignment enforced. */
  uint8_t buf[8];
  memset(buf, 0x0F, sizeof buf);
  SG_CHECK(bd.erase(bd.ctx, 3) == 0);
  SG_CHECK(bd.prog(bd.ctx, 3, 8, buf, 8) == 0);
  memset(buf, 0xF0, sizeof buf);
  SG_CHECK(bd.prog(bd.ctx, 3, 8, buf, 8) == 0);
  SG_CHECK(bd.read(bd.ctx, 3, 6, buf, 4) == 0);
  SG_CHECK(buf[0] == 0xFF && buf[1] == 0xFF && buf[2] == 0x00 && buf[3] == 0x00);
  SG_CHECK(bd.prog(bd.ctx, 3, 4, buf, 8) != 0);
  SG_CHECK(bd.read(bd.ctx, 4, 0, buf, 1) != 0);
  SG_CHECK(bd.read(bd.ctx, 3, 4090, buf, 8) != 0);
  sg_file_bd_close(&f);
  unlink(path);
}

/* Issue 9, defect 11: a zero-length or short slot file (a crash on some
 * file systems) was read as a factory part, silently dropping the anchor
 * and the floors. Only a missing file is factory-fresh now; the others are
 * refused as LOCKED and left exactly as they were. */
static void test_empty_or_short_slot_file_is_not_factory(void) {
  sg_file_bd f;
  sg_blockdev bd;
  struct stat st;
  temp_path(path, sizeof path, "empty");      /* exists, zero bytes */
  sg_file_bd_init(&f);
  SG_CHECK_CODE(sg_file_bd_open(&f, path, 4096, 4, 8), SG_ERR_LOCKED);
  SG_CHECK(f.found_size == 0);
  SG_CHECK(stat(path, &st) == 0 && st.st_size == 0); /* not "repaired" into a factory part */
  FILE *fp = fopen(path, "wb");
  SG_CHECK(fp != NULL);
  if (fp != NULL) {
    for (int i = 0; i < 4096 * 3; i++) {
      fputc(0xFF, fp); /* three of four sectors: cut short */
    }
    fclose(fp);
  }
  SG_CHECK_CODE(sg_file_bd_open(&f, path, 4096, 4, 8), SG_ERR_LOCKED);
  SG_CHECK(f.found_size == 4096 * 3);
  SG_CHECK(stat(path, &st) == 0 && st.st_size == 4096 * 3);
  /* missing: created whole, and the port says it cannot see a rollback */
  unlink(path);
  SG_CHECK_CODE(sg_file_bd_open(&f, path, 4096, 4, 8), SG_OK);
  SG_CHECK(stat(path, &st) == 0 && st.st_size == 4 * 4096);
  sg_file_bd_blockdev(&f, &bd);
  SG_CHECK(bd.rollback_protection != NULL && strncmp(bd.rollback_protection, "none", 4) == 0);
  sg_file_bd_close(&f);
  unlink(path);
}

static void write_file(const char *p, const char *text) {
  FILE *fp = fopen(p, "w");
  SG_CHECK(fp != NULL);
  if (fp != NULL) {
    fputs(text, fp);
    fclose(fp);
  }
}

static void test_identity(void) {
  sg_posix_identity pi;
  sg_identity id;
  temp_path(idpath, sizeof idpath, "id");
  unsetenv("STAGEGATE_MODEL");
  unsetenv("STAGEGATE_SERIAL");
  write_file(idpath, "# scanner identity\n\n  model = TC52 \nsite=wh-1\nserial=21345522501234\n");
  SG_CHECK_CODE(sg_posix_identity_load(&pi, idpath, &id), SG_OK);
  SG_CHECK(id.model != NULL && strcmp(id.model, "TC52") == 0);
  SG_CHECK(id.serial != NULL && strcmp(id.serial, "21345522501234") == 0);

  /* The environment wins. */
  setenv("STAGEGATE_MODEL", "MC3300", 1);
  SG_CHECK_CODE(sg_posix_identity_load(&pi, idpath, &id), SG_OK);
  SG_CHECK(strcmp(id.model, "MC3300") == 0 && strcmp(id.serial, "21345522501234") == 0);
  setenv("STAGEGATE_SERIAL", "S1", 1);
  SG_CHECK_CODE(sg_posix_identity_load(&pi, "/nonexistent/id.conf", &id), SG_OK);
  SG_CHECK(strcmp(id.serial, "S1") == 0);
  SG_CHECK_CODE(sg_posix_identity_load(&pi, NULL, &id), SG_OK);
  setenv("STAGEGATE_SERIAL", "", 1);
  SG_CHECK_CODE(sg_posix_identity_load(&pi, NULL, &id), SG_ERR_ARG);
  unsetenv("STAGEGATE_MODEL");
  unsetenv("STAGEGATE_SERIAL");

  /* Missing pieces. */
  SG_CHECK_CODE(sg_posix_identity_load(&pi, NULL, &id), SG_ERR_ARG);
  SG_CHECK(id.model == NULL && id.serial == NULL);
  SG_CHECK_CODE(sg_posix_identity_load(&pi, "/nonexistent/id.conf", &id), SG_ERR_STORAGE);
  write_file(idpath, "model=TC52\n");
  SG_CHECK_CODE(sg_posix_identity_load(&pi, idpath, &id), SG_ERR_ARG);
  write_file(idpath,
             "model=TC52\nserial=0123456789012345678901234567890123456789012345678901234567890123"
             "456789\n");
  SG_CHECK_CODE(sg_posix_identity_load(&pi, idpath, &id), SG_ERR_ARG);
  unlink(idpath);
}

static void test_clock(void) {
  sg_clock c;
  sg_posix_clock(&c);
  SG_CHECK(c.now != NULL && c.now(c.ctx) > 1700000000);
}

int main(void) {
  sg_test_begin("ports (posix)");
  SG_RUN(test_file_blockdev);
  SG_RUN(test_empty_or_short_slot_file_is_not_factory);
  SG_RUN(test_identity);
  SG_RUN(test_clock);
  return sg_test_end();
}

#else /* SG_TEST_CM_PORT */

static void test_cm_flash(void) {
  sg_cm_flash f;
  sg_blockdev bd;
  sg_cm_flash_init(&f);
  SG_CHECK((uintptr_t)f.base == 0x21000000u);
  sg_cm_flash_format(&f);
  sg_cm_flash_blockdev(&f, &bd);
  SG_CHECK(bd.sector_size * bd.sector_count >= sg_trustslot_footprint(bd.sector_size));
  slot_round_trip(&bd);
  /* A second context over the same region sees the same record. */
  sg_cm_flash g;
  sg_blockdev bd2;
  sg_cm_flash_init(&g);
  sg_cm_flash_blockdev(&g, &bd2);
  SG_CHECK_CODE(sg_trustslot_load(&bd2, &got), SG_OK);
  SG_CHECK(sg_fx_same(&got, &want));
  /* NOR: programming only clears bits. */
  uint8_t buf[8];
  memset(buf, 0x00, sizeof buf);
  SG_CHECK(bd.prog(bd.ctx, 0, 0, buf, 3) != 0); /* unaligned length */
  f.base[bd.sector_size * 2u + 200u] ^= 0x10u;  /* corrupt B */
  SG_CHECK_CODE(sg_trustslot_load(&bd, &got), SG_OK);
  f.base[200] ^= 0x01u; /* and A */
  SG_CHECK_CODE(sg_trustslot_load(&bd, &got), SG_ERR_LOCKED);
  sg_cm_flash_format(&f);
  SG_CHECK_CODE(sg_trustslot_load(&bd, &got), SG_OK);
  SG_CHECK(got.state == SG_STATE_UNTRUSTED);
}

static void test_cm_clock(void) {
  sg_cm_clock c;
  sg_clock clk;
  sg_cm_clock_init(&c);
  sg_cm_clock_get(&c, &clk);
  SG_CHECK(clk.now(clk.ctx) < 0);
  sg_cm_clock_advance(&c, 10);
  SG_CHECK(clk.now(clk.ctx) < 0);
  sg_cm_clock_set(&c, 1763900000);
  sg_cm_clock_advance(&c, 5);
  SG_CHECK(clk.now(clk.ctx) == 1763900005);
}

int main(void) {
  sg_test_begin("ports (cortex-m)");
  SG_RUN(test_cm_flash);
  SG_RUN(test_cm_clock);
  return sg_test_end();
}

#endif
