/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Snapshots (docs/testbench.md, issue 11 item 1): a card, in a file or in
 * memory, saved with veuicc_card_snapshot() and brought back with
 * veuicc_card_restore() / veuicc_card_restore_file() answers the same APDU
 * script byte for byte (ATR, GET STATUS of the ISD-R, PIN counters, EF
 * contents, AUTHENTICATE with a fixed RAND, notifications) as the card did
 * when the snapshot was taken, after its state was changed meanwhile. The
 * snapshot holds exactly the records of the card file. A failed or
 * interrupted restore leaves the old card file.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "apdu/card_helpers.h"
#include "core/card.h"
#include "store/store.h"
#include "testbench/store_dump.h"
#include "test_tmp.h"

#define V7     "TS48_V7.0_eSIM_GTP_SAIP2.3_BERTLV_SUCI.der"
#define FB     "saip/profiles/TS48V5-SAIP2-3-BERTLV-SUCI-UNIQUE.der"
#define PFX    "A0000005591010FFFFFFFF89"
#define ISDR   PFX "00000100"
#define USIM   "A0000000871002"
#define PIN1   "30303030FFFFFFFF"
#define PINBAD "31323334FFFFFFFF"
#define RAND   "00112233445566778899AABBCCDDEEFF"

static uint8_t *pkg_v7, *pkg_fb;
static size_t len_v7, len_fb;

static void tmp_path(char *out, size_t cap, const char *tag)
{
	static unsigned n;
	snprintf(out, cap, "%s/veuicc-snap-%ld-%s-%u.db", test_tmp_dir(), (long)getpid(), tag, n++);
	unlink(out);
}

/* Send; append "C-APDU > R-APDU" to out. */
static void ex(veuicc_card *card, const char *capdu, char *out, size_t cap)
{
	static uint8_t c[512], r[VEUICC_RAPDU_MAX];
	static char hex[2 * 4096 + 1];
	size_t cl = th_unhex(capdu, c, sizeof(c)), rl = 0;
	assert_int_equal(veuicc_transmit(card, c, cl, r, sizeof(r), &rl), VEUICC_OK);
	assert_true(rl >= 2 && rl < 4096);
	th_hex(r, rl, hex);
	size_t n = strlen(out);
	snprintf(out + n, cap - n, "%s > %s\n", capdu, hex);
}

/* The APDU script both cards answer; the answers, as text. */
static void script(veuicc_card *card, char *out, size_t cap)
{
	uint8_t atr[VEUICC_ATR_MAX];
	size_t al = 0;
	char hex[2 * VEUICC_ATR_MAX + 1];
	out[0] = '\0';
	assert_int_equal(veuicc_reset(card, VEUICC_RESET_COLD, atr, &al), VEUICC_OK);
	th_hex(atr, al, hex);
	snprintf(out, cap, "ATR %s\n", hex);
	assert_int_equal(veuicc_set_protocol(card, VEUICC_PROTO_T1), VEUICC_OK);
	ex(card, "00A4040C10" ISDR, out, cap);
	ex(card, "80F24002 08 4F00 5C04 4F9F7053 00", out, cap); /* GET STATUS of ISD-Ps */
	ex(card, "80F28002 02 4F00 00", out, cap);               /* ... of the ISD-R */
	ex(card, "80CA005A00", out, cap);                        /* EID */
	ex(card, "00A40004023F00", out, cap);
	ex(card, "00A4000C022FE2", out, cap);
	ex(card, "00B000000A", out, cap); /* ICCID */
	ex(card, "00A4040C07" USIM, out, cap);
	ex(card, "0020000100", out, cap); /* PIN1 tries left */
	ex(card, "0020000108" PIN1, out, cap);
	ex(card, "00A4000C026F7E", out, cap);
	ex(card, "00B0000000", out, cap); /* EF.LOCI */
	ex(card, "00A4000C026F07", out, cap);
	ex(card, "00B0000000", out, cap);               /* EF.IMSI */
	ex(card, "0088008011 10" RAND " 00", out, cap); /* AUTHENTICATE, GSM context */
	for (size_t i = 0; i < veuicc_card_notification_count(card); i++) {
		veuicc_notification nf;
		assert_int_equal(veuicc_card_notification_get(card, i, &nf), VEUICC_OK);
		char d[2 * VEUICC_NOTIFICATION_MAX + 1];
		th_hex(nf.data, nf.len, d);
		size_t n = strlen(out);
		snprintf(out + n, cap - n, "notification %u type %02X %s\n", nf.seq, nf.type, d);
	}
	for (size_t i = 0; i < veuicc_card_profile_count(card); i++) {
		veuicc_profile_info in;
		assert_int_equal(veuicc_card_profile_info(card, i, &in), VEUICC_OK);
		size_t n = strlen(out);
		snprintf(out + n, cap - n, "profile %zu %s%s\n", i, in.iccid, in.active ? "*" : "");
	}
	assert_true(strlen(out) < cap - 1);
}

/* State changes: a wrong PIN, an EF update, a profile switch, a notification. */
static void mutate(veuicc_card *card, int round)
{
	assert_int_equal(veuicc_reset(card, VEUICC_RESET_COLD, NULL, NULL), VEUICC_OK);
	assert_int_equal(veuicc_set_protocol(card, VEUICC_PROTO_T1), VEUICC_OK);
	th_xfer(card, "00A4040C07" USIM, "9000");
	th_xfer(card, "0020000108" PINBAD, "63C2");
	th_xfer(card, "0020000108" PIN1, "9000");
	th_xfer(card, "00A4000C026F7E", "9000");
	th_xfer(card, round ? "00D6000004 55667788" : "00D6000004 11223344", "9000");
	th_xfer(card, "0020000108" PINBAD, "63C2");
	if (round && veuicc_card_profile_count(card) > 1) {
		assert_int_equal(veuicc_card_activate_profile(card, 1), VEUICC_OK);
		assert_int_equal(veuicc_card_network_attach_failed(card), VEUICC_OK);
	}
}

static char *dump_file(const char *path)
{
	veuicc_store *st;
	assert_int_equal(veuicc_store_open(path, VEUICC_STORE_NO_CREATE, &st), VEUICC_OK);
	char *d = store_dump(st, NULL);
	veuicc_store_close(st);
	return d;
}

static veuicc_config cfg_seeded(void)
{
	veuicc_config cfg;
	veuicc_config_init(&cfg);
	cfg.rng_deterministic = 1;
	cfg.rng_seed = 42;
	cfg.test_mode = 1;
	return cfg;
}

#define CAP 16384

/* A card file: snapshot, change, restore the file, and restore into memory. */
static void test_file_card(void **state)
{
	(void)state;
	static char a[CAP], b[CAP], c[CAP];
	char path[256], snap[256];
	tmp_path(path, sizeof(path), "card");
	tmp_path(snap, sizeof(snap), "snap");
	veuicc_config cfg = cfg_seeded();
	cfg.profile = pkg_fb;
	cfg.profile_len = len_fb;
	veuicc_card *card;
	assert_int_equal(veuicc_card_open(path, &cfg, &card), VEUICC_OK);
	size_t idx;
	assert_int_equal(veuicc_card_install_profile(card, pkg_v7, len_v7, &idx, NULL, 0),
	                 VEUICC_OK);
	mutate(card, 0);
	assert_int_equal(veuicc_card_snapshot(card, snap), VEUICC_OK);
	/* the snapshot holds exactly what the card file holds */
	char *df = store_dump(card->store, NULL), *ds = dump_file(snap);
	assert_string_equal(df, ds);
	assert_non_null(strstr(ds, "pstate/"));
	assert_non_null(strstr(ds, "gp/registry="));
	free(df);
	free(ds);
	script(card, a, CAP);
	assert_non_null(strstr(a, "11223344"));          /* EF.LOCI as updated */
	assert_non_null(strstr(a, "0020000100 > 63C2")); /* a try lost */
	struct stat sb;
	assert_int_equal(stat(snap, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);

	mutate(card, 1);
	script(card, b, CAP);
	assert_string_not_equal(a, b);
	veuicc_card_free(card);

	/* into memory: the snapshot file is only read */
	veuicc_config rc = cfg_seeded();
	assert_int_equal(veuicc_card_restore(snap, &rc, &card), VEUICC_OK);
	assert_null(card->store);
	script(card, c, CAP);
	assert_string_equal(a, c);
	veuicc_card_free(card);

	/* over the card file */
	assert_int_equal(veuicc_card_restore_file(snap, path), VEUICC_OK);
	assert_int_equal(veuicc_card_open(path, &rc, &card), VEUICC_OK);
	assert_int_equal(veuicc_store_writes(card->store), 0); /* rebuilt exactly */
	script(card, c, CAP);
	assert_string_equal(a, c);
	/* and it keeps working as a card file: the change is saved */
	mutate(card, 1);
	script(card, c, CAP);
	assert_string_equal(b, c);
	veuicc_card_free(card);
	/* the snapshot itself is untouched and restores again */
	assert_int_equal(veuicc_card_restore(snap, &rc, &card), VEUICC_OK);
	script(card, c, CAP);
	assert_string_equal(a, c);
	veuicc_card_free(card);
	test_rm_card_file(path);
	test_rm_card_file(snap);
}

/* A card in memory: snapshot, change, restore; the snapshot opens as a card file. */
static void test_memory_card(void **state)
{
	(void)state;
	static char a[CAP], b[CAP], c[CAP];
	char snap[256], path[256];
	tmp_path(snap, sizeof(snap), "msnap");
	tmp_path(path, sizeof(path), "mcard");
	veuicc_config cfg = cfg_seeded();
	cfg.profile = pkg_v7;
	cfg.profile_len = len_v7;
	veuicc_card *card;
	assert_int_equal(veuicc_card_new(&cfg, &card), VEUICC_OK);
	mutate(card, 0);
	assert_int_equal(veuicc_card_snapshot(card, snap), VEUICC_OK);
	/* a second snapshot over the first: same records */
	char *d1 = dump_file(snap);
	assert_int_equal(veuicc_card_snapshot(card, snap), VEUICC_OK);
	char *d2 = dump_file(snap);
	assert_string_equal(d1, d2);
	free(d1);
	free(d2);
	script(card, a, CAP);
	mutate(card, 1);
	script(card, b, CAP);
	assert_string_not_equal(a, b);
	veuicc_card_free(card);

	veuicc_config rc = cfg_seeded();
	assert_int_equal(veuicc_card_restore(snap, &rc, &card), VEUICC_OK);
	script(card, c, CAP);
	assert_string_equal(a, c);
	veuicc_card_free(card);
	/* restore_file creates a missing card file */
	assert_int_equal(veuicc_card_restore_file(snap, path), VEUICC_OK);
	assert_int_equal(veuicc_card_open(path, &rc, &card), VEUICC_OK);
	script(card, c, CAP);
	assert_string_equal(a, c);
	veuicc_card_free(card);
	test_rm_card_file(path);
	test_rm_card_file(snap);
}

/* Failing and interrupted restores leave the old card file. */
static void test_restore_atomic(void **state)
{
	(void)state;
	static char a[CAP], b[CAP], c[CAP];
	char path[256], snap_a[256], snap_b[256], bad[256];
	tmp_path(path, sizeof(path), "acard");
	tmp_path(snap_a, sizeof(snap_a), "asnap");
	tmp_path(snap_b, sizeof(snap_b), "bsnap");
	tmp_path(bad, sizeof(bad), "abad");
	veuicc_config cfg = cfg_seeded();
	cfg.profile = pkg_fb;
	cfg.profile_len = len_fb;
	veuicc_card *card;
	assert_int_equal(veuicc_card_open(path, &cfg, &card), VEUICC_OK);
	assert_int_equal(veuicc_card_install_profile(card, pkg_v7, len_v7, NULL, NULL, 0),
	                 VEUICC_OK);
	assert_int_equal(veuicc_card_snapshot(card, snap_a), VEUICC_OK);
	/* the card file is in use: refused */
	assert_int_equal(veuicc_card_restore_file(snap_a, path), VEUICC_ERR_IO);
	mutate(card, 1);
	assert_int_equal(veuicc_card_snapshot(card, snap_b), VEUICC_OK);
	veuicc_card_free(card);
	veuicc_config rc = cfg_seeded();
	assert_int_equal(veuicc_card_restore(snap_a, &rc, &card), VEUICC_OK);
	script(card, a, CAP);
	veuicc_card_free(card);
	assert_int_equal(veuicc_card_restore(snap_b, &rc, &card), VEUICC_OK);
	script(card, b, CAP);
	veuicc_card_free(card);
	assert_string_not_equal(a, b);
	size_t l0, l1;
	char *before = (char *)test_read_file(path, &l0);

	/* not a snapshot: a store without a card, a missing file, garbage */
	veuicc_store *st;
	assert_int_equal(veuicc_store_open(bad, 0, &st), VEUICC_OK);
	assert_int_equal(
	    veuicc_store_put(st, "x", (const uint8_t *)"k", 1, (const uint8_t *)"v", 1), VEUICC_OK);
	veuicc_store_close(st);
	assert_int_equal(veuicc_card_restore_file(bad, path), VEUICC_ERR_MALFORMED);
	assert_int_equal(veuicc_card_restore(bad, NULL, &card), VEUICC_ERR_MALFORMED);
	assert_null(card);
	test_rm_card_file(bad);
	assert_int_equal(veuicc_card_restore_file(bad, path), VEUICC_ERR_NOT_FOUND);
	assert_int_equal(access(bad, F_OK), -1); /* not created by the attempt */
	FILE *f = fopen(bad, "w");
	fputs("not a card\n", f);
	fclose(f);
	assert_int_equal(veuicc_card_restore_file(bad, path), VEUICC_ERR_MALFORMED);
	test_rm_card_file(bad);
	char *after = (char *)test_read_file(path, &l1);
	assert_int_equal(l0, l1);
	assert_memory_equal(before, after, l0);
	free(after);
	free(before);
	char tmp[300];
	snprintf(tmp, sizeof(tmp), "%s.tmp-%ld", path, (long)getpid());
	assert_int_equal(access(tmp, F_OK), -1); /* nothing left behind */

	/* an old file with a hot WAL (its process was killed after a commit):
	 * the WAL must not be replayed onto the restored file */
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		veuicc_card *k;
		if (veuicc_card_open(path, NULL, &k))
			_exit(2);
		veuicc_reset(k, VEUICC_RESET_COLD, NULL, NULL);
		static const uint8_t sel[] = {0x00, 0xA4, 0x04, 0x0C, 0x07, 0xA0,
		                              0x00, 0x00, 0x00, 0x87, 0x10, 0x02};
		static const uint8_t ver[] = {0x00, 0x20, 0x00, 0x01, 0x08, 0x31, 0x32,
		                              0x33, 0x34, 0xFF, 0xFF, 0xFF, 0xFF};
		uint8_t r[64];
		size_t rl;
		veuicc_transmit(k, sel, sizeof(sel), r, sizeof(r), &rl);
		veuicc_transmit(k, ver, sizeof(ver), r, sizeof(r), &rl);
		_exit(0); /* no close: the WAL stays */
	}
	int ws;
	assert_int_equal(waitpid(pid, &ws, 0), pid);
	assert_true(WIFEXITED(ws) && WEXITSTATUS(ws) == 0);
	char wal[300];
	snprintf(wal, sizeof(wal), "%s-wal", path);
	assert_int_equal(access(wal, F_OK), 0);
	assert_int_equal(veuicc_card_restore_file(snap_a, path), VEUICC_OK);
	assert_int_equal(veuicc_card_open(path, &rc, &card), VEUICC_OK);
	script(card, c, CAP);
	assert_string_equal(a, c);
	veuicc_card_free(card);

	/* killed at various moments while restoring A over B: the card file is
	 * the old one or the restored one, never anything else */
	int old = 0, new_ = 0;
	for (int i = 0; i < 12; i++) {
		assert_int_equal(veuicc_card_restore_file(snap_b, path), VEUICC_OK);
		pid = fork();
		assert_true(pid >= 0);
		if (pid == 0)
			_exit(veuicc_card_restore_file(snap_a, path) ? 1 : 0);
		nanosleep(&(struct timespec){0, (long)i * 1500000L}, NULL);
		kill(pid, SIGKILL);
		assert_int_equal(waitpid(pid, &ws, 0), pid);
		char t[300];
		snprintf(t, sizeof(t), "%s.tmp-%ld", path, (long)pid);
		test_rm_card_file(t); /* what the killed restore left */
		assert_int_equal(veuicc_card_open(path, &rc, &card), VEUICC_OK);
		script(card, c, CAP);
		veuicc_card_free(card);
		if (!strcmp(c, a))
			new_++;
		else if (!strcmp(c, b))
			old++;
		else
			fail_msg("after a kill at %d us the card is neither state:\n%s", i * 1500,
			         c);
	}
	printf("killed restores: %d left the old card, %d the restored one\n", old, new_);
	assert_int_equal(old + new_, 12);
	test_rm_card_file(path);
	test_rm_card_file(snap_a);
	test_rm_card_file(snap_b);
}

/* A dead card (power cut) has no snapshot; bad arguments. */
static void test_snapshot_errors(void **state)
{
	(void)state;
	char path[256], snap[256];
	tmp_path(path, sizeof(path), "ecard");
	tmp_path(snap, sizeof(snap), "esnap");
	veuicc_card *card;
	veuicc_config cfg = cfg_seeded();
	cfg.profile = pkg_v7;
	cfg.profile_len = len_v7;
	assert_int_equal(veuicc_card_open(path, &cfg, &card), VEUICC_OK);
	assert_int_equal(veuicc_card_snapshot(NULL, snap), VEUICC_ERR_INVALID_ARG);
	assert_int_equal(veuicc_card_snapshot(card, NULL), VEUICC_ERR_INVALID_ARG);
	assert_int_equal(veuicc_card_snapshot(card, "/proc/no/such/dir/x.db"), VEUICC_ERR_IO);
	assert_int_equal(veuicc_reset(card, VEUICC_RESET_COLD, NULL, NULL), VEUICC_OK);
	veuicc_store_set_fault(card->store, 1);
	th_xfer(card, "00A4040C07" USIM, "9000");
	th_xfer(card, "0020000108" PINBAD, "6581");
	assert_int_equal(veuicc_card_snapshot(card, snap), VEUICC_ERR_IO);
	assert_int_equal(access(snap, F_OK), -1);
	veuicc_card_free(card);
	assert_int_equal(veuicc_card_restore(NULL, NULL, &card), VEUICC_ERR_INVALID_ARG);
	assert_int_equal(veuicc_card_restore_file(NULL, path), VEUICC_ERR_INVALID_ARG);
	test_rm_card_file(path);
}

static int setup(void **state)
{
	(void)state;
	pkg_v7 = th_load("VEUICC_PROFILES", V7, &len_v7);
	pkg_fb = th_load("VEUICC_TEST_DATA", FB, &len_fb);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(pkg_v7);
	free(pkg_fb);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_file_card),
	    cmocka_unit_test(test_memory_card),
	    cmocka_unit_test(test_restore_atomic),
	    cmocka_unit_test(test_snapshot_errors),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
