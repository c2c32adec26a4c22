/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The tear test over SGP.02's whole story as the off-card SM-SR / SM-DP of
 * `veuicc sm` (tools/veuicc/sm.c) plays it against a card file made from
 * factory/default.json: terminal session, UpdateSMSRAddressingParameters,
 * CreateISDP, EstablishISDPKeySet and DownloadAndInstallation in SCP03t
 * (its segments and the last one that installs), all in SCP80 SMS through
 * the ISD-R, EnableProfile, REFRESH, the modem, notification confirmation,
 * audit (docs/testbench.md "Tear test").
 *
 * The SM-DP draws its ephemeral key and challenges from the system, so two
 * runs differ in bytes: each cut run checks itself. Before every command the
 * child keeps the card file's records; when the injected cut fires (its log
 * line) it writes them to a side file and dies on the spot. The parent
 * reopens the card (rebuilt exactly: no write) and its records must be that
 * side file's: the state before the interrupted command (its commit is its
 * last write point, so "after" cannot happen without the next command).
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "apdu/card_helpers.h"
#include "core/card.h"
#include "sm.h"
#include "store/store.h"
#include "testbench/store_dump.h"
#include "test_tmp.h"

#define FB  "saip/profiles/TS48V5-SAIP2-3-BERTLV-SUCI-UNIQUE.der"
#define AID "A0000005591010FFFFFFFF8900001100"

static char factory[512], path[256], side[300];
static uint8_t *pkg;
static size_t pkg_len;

struct tcard {
	veuicc_card *card;
	int keep; /* child: keep the records before each command */
	char *before;
	size_t before_len;
};

static void keep(struct tcard *t)
{
	if (!t->keep)
		return;
	free(t->before);
	t->before = store_dump(t->card->store, &t->before_len);
}

static int t_xfer(void *ctx, const uint8_t *c, size_t cn, uint8_t *r, size_t rcap, size_t *rn)
{
	struct tcard *t = ctx;
	keep(t);
	return veuicc_transmit(t->card, c, cn, r, rcap, rn);
}

static int t_reset(void *ctx)
{
	struct tcard *t = ctx;
	keep(t);
	int rc = veuicc_reset(t->card, VEUICC_RESET_COLD, NULL, NULL);
	return rc ? rc : veuicc_set_protocol(t->card, VEUICC_PROTO_T1);
}

static struct tcard *child_t;

static void die_now(void *ctx, const char *line)
{
	(void)ctx;
	if (!strstr(line, "power cut"))
		return;
	FILE *f = fopen(side, "w");
	if (!f || fwrite(child_t->before, 1, child_t->before_len, f) != child_t->before_len)
		_exit(5);
	fclose(f);
	_exit(0); /* the power is gone */
}

static veuicc_card *open_card(void)
{
	veuicc_config cfg;
	veuicc_config_init(&cfg);
	cfg.factory = factory;
	veuicc_card *card;
	if (veuicc_card_open(path, &cfg, &card))
		return NULL;
	return card;
}

/* The whole story; returns veuicc_sm_run's result. */
static int story(struct tcard *t)
{
	veuicc_sm *sm = calloc(1, sizeof(*sm));
	if (!sm || veuicc_sm_smsr_from_factory(sm, factory))
		return -1;
	sm->counter = 1000;
	sm->xfer = t_xfer;
	sm->reset = t_reset;
	sm->xctx = t;
	uint8_t aid[16];
	th_unhex(AID, aid, sizeof(aid));
	int rc = t_reset(t) ? -1 : veuicc_sm_run(sm, aid, sizeof(aid), pkg, pkg_len, "0000");
	veuicc_sm_free(sm);
	free(sm);
	return rc;
}

static void test_tear_sm_story(void **state)
{
	(void)state;
	snprintf(path, sizeof(path), "%s/veuicc-tearsm-%ld.db", test_tmp_dir(), (long)getpid());
	snprintf(side, sizeof(side), "%s.before", path);
	test_rm_card_file(path);
	struct tcard t = {open_card(), 0, NULL, 0};
	assert_non_null(t.card);
	uint64_t w0 = veuicc_store_writes(t.card->store);
	assert_int_equal(story(&t), 0);
	uint64_t writes = veuicc_store_writes(t.card->store) - w0;
	assert_int_equal(veuicc_card_isdp_count(t.card), 2);
	veuicc_card_free(t.card);
	test_rm_card_file(path);
	assert_true(writes > 10);

	uint64_t tried = 0, recovered = 0;
	for (uint64_t k = 1; k <= writes; k++) {
		fflush(stdout);
		fflush(stderr);
		pid_t pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			struct tcard c = {open_card(), 1, NULL, 0};
			if (!c.card)
				_exit(4);
			child_t = &c;
			veuicc_set_log(c.card, die_now, NULL);
			char spec[32];
			snprintf(spec, sizeof(spec), "cut:%llu", (unsigned long long)k);
			if (veuicc_card_fault(c.card, spec))
				_exit(4);
			story(&c);
			_exit(3); /* the cut never came */
		}
		int ws;
		assert_int_equal(waitpid(pid, &ws, 0), pid);
		if (!WIFEXITED(ws) || WEXITSTATUS(ws) != 0)
			fail_msg("cut %llu: child status %d", (unsigned long long)k, ws);
		tried++;
		veuicc_card *card = open_card();
		assert_non_null(card);
		assert_int_equal(veuicc_store_writes(card->store), 0); /* rebuilt exactly */
		size_t gl, wl;
		char *got = store_dump(card->store, &gl);
		uint8_t *want = test_read_file(side, &wl);
		if (gl != wl || memcmp(got, want, gl))
			fail_msg("cut %llu: the reopened card is not the one before the command",
			         (unsigned long long)k);
		recovered++;
		assert_int_equal(veuicc_reset(card, VEUICC_RESET_COLD, NULL, NULL), VEUICC_OK);
		th_xfer(card, "00A4040C10A0000005591010FFFFFFFF8900000100", "9000");
		free(got);
		free(want);
		veuicc_card_free(card);
		test_rm_card_file(path);
		unlink(side);
	}
	printf("SM story tear test (SCP80 ES5, ES8 key establishment, SCP03t download): writes: "
	       "%llu, cut points tried: %llu, recovered: %llu\n",
	       (unsigned long long)writes, (unsigned long long)tried,
	       (unsigned long long)recovered);
	assert_int_equal(tried, writes);
	assert_int_equal(recovered, tried);
}

static int setup(void **state)
{
	(void)state;
	const char *f = getenv("VEUICC_FACTORY");
	assert_non_null(f);
	snprintf(factory, sizeof(factory), "%s", f);
	pkg = th_load("VEUICC_TEST_DATA", FB, &pkg_len);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(pkg);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_tear_sm_story),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
