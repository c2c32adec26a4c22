/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Persistent card state (docs/store.md "Card state") and the factory
 * configuration (docs/factory.md):
 *  - a card file rebuilds exactly the state it was closed with: registry
 *    (ISD-Ps with their SM-SR-chosen AIDs and states), profiles, EF bodies
 *    changed by UPDATE, PIN retry counters;
 *  - the power-cut test of issue 7 item 7: every write point of CreateISDP ->
 *    STORE DATA install of TS.48 V7 -> EnableProfile -> VERIFY -> UPDATE BINARY
 *    -> DisableProfile -> DeleteProfile is cut in turn; the reopened card must
 *    be in its state before or after the interrupted command and must finish
 *    the scenario from there;
 *  - factory files: the shipped default, the identity kept across reopen, and
 *    errors naming the JSON path with nothing written.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "apdu/card_helpers.h"
#include "core/card.h"
#include "core/factory.h"
#include "gp/registry_store.h"
#include "store/store.h"
#include "uicc/fs.h"
#include "test_tmp.h"

#define V7     "TS48_V7.0_eSIM_GTP_SAIP2.3_BERTLV_SUCI.der"
#define FB     "saip/profiles/TS48V5-SAIP2-3-BERTLV-SUCI-UNIQUE.der"
#define PFX    "A0000005591010FFFFFFFF89"
#define ISDR   PFX "00000100"
#define ELF    PFX "00000D00"
#define EM     PFX "00000E00"
#define ISDP11 PFX "00001100"
#define USIM   "A0000000871002"
#define PIN1   "30303030FFFFFFFF"
#define PINBAD "31323334FFFFFFFF"
#define LOCI   0x6F7E

static void tmp_path(char *out, size_t cap, const char *tag)
{
	static unsigned n;
	snprintf(out, cap, "%s/veuicc-state-%ld-%s-%u.db", test_tmp_dir(), (long)getpid(), tag,
	         n++);
	unlink(out);
}

/* ---- the scenario --------------------------------------------------------- */

static uint8_t *pkg_v7, *pkg_fb;
static size_t len_v7, len_fb;

/* Send one APDU. Returns 1 if the card died on it (a store write was cut:
 * the card answered 6581 and is dead), else checks the answer. */
static int send(veuicc_card *card, const char *capdu, const char *expect)
{
	static uint8_t c[VEUICC_CAPDU_MAX], r[VEUICC_RAPDU_MAX], x[VEUICC_RAPDU_MAX];
	static char got[2 * VEUICC_RAPDU_MAX + 1], want[2 * VEUICC_RAPDU_MAX + 1];
	size_t cl = th_unhex(capdu, c, sizeof(c)), rl = 0;
	assert_int_equal(veuicc_transmit(card, c, cl, r, sizeof(r), &rl), VEUICC_OK);
	if (card->dead) {
		assert_int_equal(rl, 2);
		assert_int_equal(r[0] << 8 | r[1], 0x6581);
		return 1;
	}
	size_t xl = th_unhex(expect, x, sizeof(x));
	th_hex(r, rl, got);
	th_hex(x, xl, want);
	if (strcmp(got, want))
		fail_msg("C-APDU %s\n  expected %s\n  got      %s", capdu, want, got);
	return 0;
}

static void boot(veuicc_card *card)
{
	assert_int_equal(veuicc_reset(card, VEUICC_RESET_COLD, NULL, NULL), VEUICC_OK);
	assert_int_equal(veuicc_set_protocol(card, VEUICC_PROTO_T1), VEUICC_OK);
}

static int download(veuicc_card *card, const uint8_t *der, size_t len)
{
	static char apdu[2 * 300];
	size_t off = 0;
	unsigned block = 0;
	while (off < len) {
		size_t n = len - off > 255 ? 255 : len - off;
		int last = off + n == len;
		int k = snprintf(apdu, sizeof(apdu), "80E2%02X%02X%02zX", last ? 0x90 : 0x10,
		                 block & 0xFF, n);
		th_hex(der + off, n, apdu + k);
		if (last)
			strcat(apdu, "00");
		if (send(card, apdu, last ? "3003800100 9000" : "9000"))
			return 1;
		off += n;
		block++;
	}
	return 0;
}

/* Each step starts from a reset and holds exactly one state-changing command
 * (the last APDU), so "before or after the command" is before or after it. */
static int step(veuicc_card *card, int i)
{
	/* a cold reset writes too (notification retry counters) */
	int rc = veuicc_reset(card, VEUICC_RESET_COLD, NULL, NULL);
	if (rc == VEUICC_ERR_IO && card->dead)
		return 1;
	assert_int_equal(rc, VEUICC_OK);
	assert_int_equal(veuicc_set_protocol(card, VEUICC_PROTO_T1), VEUICC_OK);
	switch (i) {
	case 0: /* CreateISDP with an AID the SM-SR chose */
		return send(card, "00A4040C10" ISDR, "9000") ||
		       send(card,
		            "80E60C00 3F 10" ELF " 10" EM " 10" ISDP11
		            " 03 80C000 06 C90481028100 00 00",
		            "00 9000");
	case 1: /* the TS.48 V7 package in plain STORE DATA */
		return send(card, "00A4040C10" ISDP11, "9000") || download(card, pkg_v7, len_v7);
	case 2: /* EnableProfile */
		return send(card, "00A4040C10" ISDR, "9000") ||
		       send(card, "80E28800 15 3A0312 4F10" ISDP11, "9000");
	case 3: /* a wrong PIN costs a try */
		return send(card, "00A4040C07" USIM, "9000") ||
		       send(card, "0020000108" PINBAD, "63C2");
	case 4: /* the right one restores the counter */
		return send(card, "00A4040C07" USIM, "9000") ||
		       send(card, "0020000108" PIN1, "9000");
	case 5: /* UPDATE BINARY of EF.LOCI (PIN1) */
		return send(card, "00A4040C07" USIM, "9000") ||
		       send(card, "0020000108" PIN1, "9000") ||
		       send(card, "00A4000C026F7E", "9000") ||
		       send(card, "00D6000004 11223344", "9000");
	case 6: /* DisableProfile: the Fall-Back Profile is enabled instead */
		return send(card, "00A4040C10" ISDR, "9000") ||
		       send(card, "80E28800 15 3A0412 4F10" ISDP11, "9000");
	case 7: /* DeleteProfile */
		return send(card, "00A4040C10" ISDR, "9000") ||
		       send(card, "80E40000 12 4F10" ISDP11 " 00", "00 9000");
	default: fail();
	}
	return 0;
}
#define NSTEPS 8

/* The card as text: GET STATUS of every ISD-P (AID, LCS, attributes) and, per
 * profile, ICCID, active flag, PIN1 counter and EF.LOCI. */
static void capture(veuicc_card *card, char *out, size_t cap)
{
	static uint8_t r[VEUICC_RAPDU_MAX];
	static char hex[2 * 1024 + 1];
	uint8_t c[32];
	size_t rl, n = 0;
	boot(card);
	size_t cl = th_unhex("00A4040C10" ISDR, c, sizeof(c));
	assert_int_equal(veuicc_transmit(card, c, cl, r, sizeof(r), &rl), VEUICC_OK);
	cl = th_unhex("80F24002 08 4F00 5C04 4F9F7053 00", c, sizeof(c));
	assert_int_equal(veuicc_transmit(card, c, cl, r, sizeof(r), &rl), VEUICC_OK);
	assert_true(rl < 1024);
	th_hex(r, rl, hex);
	n += (size_t)snprintf(out + n, cap - n, "gs=%s", hex);
	/* pending notifications (their retry counters grow with every reset, so
	 * they are left out) */
	for (size_t i = 0; i < veuicc_card_notification_count(card); i++) {
		veuicc_notification nf;
		assert_int_equal(veuicc_card_notification_get(card, i, &nf), VEUICC_OK);
		th_hex(nf.data, nf.len, hex);
		n += (size_t)snprintf(out + n, cap - n, " notif %u type %02X %s", nf.seq, nf.type,
		                      hex);
	}
	for (size_t i = 0; i < veuicc_card_profile_count(card); i++) {
		veuicc_profile_info in;
		assert_int_equal(veuicc_card_profile_info(card, i, &in), VEUICC_OK);
		veuicc_fs *fs = card->profiles.slot[i].fs;
		uint8_t aid[7];
		th_unhex(USIM, aid, sizeof(aid));
		veuicc_fs_node *adf = veuicc_fs_find_adf(fs, aid, sizeof(aid), NULL);
		assert_non_null(adf);
		veuicc_fs_node *ef = veuicc_fs_child(adf, LOCI);
		assert_non_null(ef);
		veuicc_pin *pin = veuicc_pin_find(&fs->pins, 0x01, NULL);
		assert_non_null(pin);
		th_hex(ef->data, ef->size, hex);
		n += (size_t)snprintf(out + n, cap - n, " | %s%s pin1=%u loci=%s", in.iccid,
		                      in.active ? "*" : "", pin->tries_left, hex);
	}
	assert_true(n < cap - 1);
}

/* Open the card file; a rebuilt card must equal the saved one exactly, so
 * opening writes nothing. */
static veuicc_card *reopen(const char *path)
{
	veuicc_card *card;
	assert_int_equal(veuicc_card_open(path, NULL, &card), VEUICC_OK);
	assert_int_equal(veuicc_store_writes(card->store), 0);
	return card;
}

static veuicc_card *fresh(const char *path)
{
	veuicc_config cfg;
	veuicc_config_init(&cfg);
	cfg.profile = pkg_fb; /* enabled, with the Fall-Back Attribute */
	cfg.profile_len = len_fb;
	veuicc_card *card;
	assert_int_equal(veuicc_card_open(path, &cfg, &card), VEUICC_OK);
	veuicc_card_free(card);
	return reopen(path);
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

#define CAP 4096

static void test_power_cut_every_write(void **state)
{
	(void)state;
	static char states[NSTEPS + 1][CAP], live[CAP], got[CAP];
	char path[256];
	tmp_path(path, sizeof(path), "ref");

	/* reference run: the state after each command, from the reopened file */
	veuicc_card *card = fresh(path);
	capture(card, states[0], CAP);
	uint64_t writes = 0;
	for (int i = 0; i < NSTEPS; i++) {
		uint64_t w0 = veuicc_store_writes(card->store);
		assert_int_equal(step(card, i), 0);
		writes += veuicc_store_writes(card->store) - w0;
		capture(card, live, CAP);
		veuicc_card_free(card);
		card = reopen(path);
		capture(card, states[i + 1], CAP);
		/* the file holds exactly what the card had in memory */
		assert_string_equal(live, states[i + 1]);
	}
	veuicc_card_free(card);
	test_rm_card_file(path);
	/* every command changed the card, and the changes are the ones meant */
	for (int i = 0; i < NSTEPS; i++)
		assert_string_not_equal(states[i], states[i + 1]);
	assert_non_null(strstr(states[1], "4F10" ISDP11 "9F700107")); /* SELECTABLE */
	assert_non_null(strstr(states[2], "4F10" ISDP11 "9F70011F")); /* DISABLED */
	assert_non_null(strstr(states[3], "4F10" ISDP11 "9F70013F")); /* ENABLED */
	assert_non_null(strstr(states[4], "pin1=2"));
	assert_null(strstr(states[5], "pin1=2"));
	assert_non_null(strstr(states[6], "loci=11223344"));
	assert_null(strstr(states[8], "4F10" ISDP11 "9F70")); /* deleted */
	assert_null(strstr(states[8], "loci=11223344"));      /* its profile went with it */

	/* every cut point */
	uint64_t tried = 0;
	int before = 0, after = 0;
	for (uint64_t k = 1; k <= writes; k++) {
		tmp_path(path, sizeof(path), "cut");
		card = fresh(path);
		veuicc_store_set_fault(card->store, k);
		int i = 0;
		while (i < NSTEPS && !step(card, i))
			i++;
		if (i == NSTEPS)
			fail_msg("cut point %llu was never reached", (unsigned long long)k);
		assert_int_equal(veuicc_reset(card, VEUICC_RESET_COLD, NULL, NULL), VEUICC_ERR_IO);
		veuicc_card_free(card);
		card = reopen(path);
		capture(card, got, CAP);
		int resume = NSTEPS;
		if (!strcmp(got, states[i])) {
			resume = i; /* before the command */
			before++;
		} else if (!strcmp(got, states[i + 1])) {
			resume = i + 1; /* after it */
			after++;
		} else {
			fail_msg("cut %llu in step %d: state\n%s\nis neither\n%s\nnor\n%s",
			         (unsigned long long)k, i, got, states[i], states[i + 1]);
		}
		/* the card keeps working: the rest of the scenario ends where the
		 * uncut run ended */
		for (int s = resume; s < NSTEPS; s++)
			assert_int_equal(step(card, s), 0);
		capture(card, got, CAP);
		assert_string_equal(got, states[NSTEPS]);
		veuicc_card_free(card);
		test_rm_card_file(path);
		tried++;
	}
	printf("writes: %llu, cut points tried: %llu (state before the command: %d, after: %d)\n",
	       (unsigned long long)writes, (unsigned long long)tried, before, after);
	assert_int_equal(tried, writes);
	assert_true(writes >= 2 * NSTEPS); /* at least one put and a commit each */
	/* the commit is the last write point of a command, so a cut anywhere
	 * leaves the state before it; "after" would mean a lost commit */
	assert_int_equal(before, (int)tried);
	assert_int_equal(after, 0);
}

/* ---- damaged card files --------------------------------------------------- */

#define MAX_RECS 512

struct rec {
	char ns[32];
	uint8_t key[64];
	size_t key_len;
	uint8_t *val;
	size_t val_len;
};

struct recs {
	struct rec r[MAX_RECS];
	size_t n;
};

static int collect(void *ctx, const char *ns, const uint8_t *key, size_t kl, const uint8_t *v,
                   size_t vl)
{
	struct recs *rs = ctx;
	assert_true(rs->n < MAX_RECS && strlen(ns) < sizeof(rs->r[0].ns) &&
	            kl <= sizeof(rs->r[0].key));
	struct rec *r = &rs->r[rs->n++];
	snprintf(r->ns, sizeof(r->ns), "%s", ns);
	memcpy(r->key, key, kl);
	r->key_len = kl;
	r->val = malloc(vl ? vl : 1);
	assert_non_null(r->val);
	memcpy(r->val, v, vl);
	r->val_len = vl;
	return 0;
}

static void copy_file(const char *from, const char *to)
{
	size_t n;
	uint8_t *b = test_read_file(from, &n);
	FILE *f = fopen(to, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(b, 1, n, f), n);
	assert_int_equal(fclose(f), 0);
	free(b);
}

/* Profile references 1 and 2 are the card's two profiles (slots 0, 1). */
static long two_slots(void *ctx, uint64_t ref)
{
	(void)ctx;
	return ref == 1 || ref == 2 ? (long)ref - 1 : -1;
}

static uint64_t two_refs(void *ctx, long slot)
{
	(void)ctx;
	return slot >= 0 ? (uint64_t)slot + 1 : 0;
}

/* The registry record with every byte changed in turn (+1, top bit
 * inverted) and cut at every length: it loads or is refused as MALFORMED or
 * UNSUPPORTED; what loads is written back and loads again. */
static void registry_every_byte(const uint8_t *reg, size_t len)
{
	uint8_t *b = malloc(len);
	assert_non_null(b);
	unsigned loaded = 0, refused = 0;
	for (size_t i = 0; i <= len; i++) {
		for (int m = 0; m < 3; m++) {
			memcpy(b, reg, len);
			size_t n = len;
			if (m == 2)
				n = i; /* cut */
			else if (i == len)
				continue;
			else
				b[i] = m == 0 ? (uint8_t)(b[i] + 1) : (uint8_t)(b[i] ^ 0x80);
			veuicc_gp_registry r;
			veuicc_gp_registry_init(&r);
			int rc = veuicc_gp_registry_deserialise(&r, b, n, two_slots, NULL);
			if (rc == VEUICC_OK) {
				loaded++;
				uint8_t *again;
				size_t al;
				assert_int_equal(
				    veuicc_gp_registry_serialise(&r, two_refs, NULL, &again, &al),
				    VEUICC_OK);
				veuicc_gp_registry r2;
				veuicc_gp_registry_init(&r2);
				assert_int_equal(
				    veuicc_gp_registry_deserialise(&r2, again, al, two_slots, NULL),
				    VEUICC_OK);
				veuicc_gp_registry_free(&r2);
				free(again);
			} else {
				if (rc != VEUICC_ERR_MALFORMED && rc != VEUICC_ERR_UNSUPPORTED)
					fail_msg("registry byte %zu mutation %d: error %d", i, m,
					         rc);
				refused++;
			}
			veuicc_gp_registry_free(&r);
		}
	}
	printf("registry record of %zu bytes: %u variants load, %u refused\n", len, loaded,
	       refused);
	assert_true(refused > 0 && loaded > 0);
	free(b);
}

enum damage { D_HALF, D_LONGER, D_FLIP, D_FLIP_LAST, D_EMPTY, D_COUNT };

/* Every record of a card file spoilt in turn (cut to half, one byte longer,
 * first or last byte inverted, emptied): opening the file either refuses it with
 * VEUICC_ERR_MALFORMED (or UNSUPPORTED for a layout version it does not
 * know) and leaves the file as it was, or gives a card that answers. Never a crash, a leak or
 * another error (ASan/UBSan runs this). */
static void test_damaged_records(void **state)
{
	(void)state;
	char path[256], copy[256];
	tmp_path(path, sizeof(path), "dmg");
	tmp_path(copy, sizeof(copy), "dmgcopy");
	veuicc_card *card = fresh(path);
	for (int i = 0; i < 6; i++) /* an ISD-P with V7 enabled, PIN and EF changes */
		assert_int_equal(step(card, i), 0);
	veuicc_card_free(card);
	static struct recs rs;
	rs.n = 0;
	veuicc_store *st;
	assert_int_equal(veuicc_store_open(path, VEUICC_STORE_NO_CREATE, &st), VEUICC_OK);
	assert_int_equal(veuicc_store_iterate(st, "", false, NULL, 0, collect, &rs), VEUICC_OK);
	veuicc_store_close(st);
	assert_true(rs.n >= 7); /* card, registry, two profiles and their states */
	for (size_t i = 0; i < rs.n; i++)
		if (!strcmp(rs.r[i].ns, "gp"))
			registry_every_byte(rs.r[i].val, rs.r[i].val_len);
	unsigned refused = 0, opened = 0;
	for (size_t i = 0; i < rs.n; i++) {
		struct rec *r = &rs.r[i];
		for (int d = 0; d < D_COUNT; d++) {
			if (d != D_LONGER && r->val_len == 0)
				continue;
			uint8_t *v = malloc(r->val_len + 1);
			assert_non_null(v);
			memcpy(v, r->val, r->val_len);
			size_t vl = r->val_len;
			if (d == D_HALF)
				vl /= 2;
			else if (d == D_LONGER)
				v[vl++] = 0x00;
			else if (d == D_FLIP)
				v[0] ^= 0xFF;
			else if (d == D_FLIP_LAST)
				v[vl - 1] ^= 0xFF;
			else
				vl = 0;
			test_rm_card_file(copy);
			copy_file(path, copy);
			assert_int_equal(veuicc_store_open(copy, VEUICC_STORE_NO_CREATE, &st),
			                 VEUICC_OK);
			assert_int_equal(veuicc_store_begin(st), VEUICC_OK);
			assert_int_equal(veuicc_store_put(st, r->ns, r->key, r->key_len, v, vl),
			                 VEUICC_OK);
			assert_int_equal(veuicc_store_commit(st), VEUICC_OK);
			veuicc_store_close(st);
			free(v);
			size_t before_len, after_len;
			uint8_t *before = test_read_file(copy, &before_len);
			card = NULL;
			int rc = veuicc_card_open(copy, NULL, &card);
			if (rc == VEUICC_OK) {
				opened++;
				boot(card);
				send(card, "00A4040C10" ISDR, "9000");
				veuicc_card_free(card);
			} else {
				/* UNSUPPORTED: a layout byte from the future */
				if (rc != VEUICC_ERR_MALFORMED && rc != VEUICC_ERR_UNSUPPORTED)
					fail_msg("record %s/%.*s damage %d: error %d (%s)", r->ns,
					         (int)r->key_len, (const char *)r->key, d, rc,
					         veuicc_strerror(rc));
				assert_null(card);
				refused++;
				/* a refused file is left exactly as it was */
				uint8_t *after = test_read_file(copy, &after_len);
				assert_int_equal(after_len, before_len);
				assert_memory_equal(after, before, before_len);
				free(after);
			}
			free(before);
		}
	}
	printf("records: %zu, damaged files refused: %u, opened and answering: %u\n", rs.n, refused,
	       opened);
	/* the records that hold structure (registry, keys, counters) are checked */
	assert_true(refused > rs.n);
	for (size_t i = 0; i < rs.n; i++)
		free(rs.r[i].val);
	test_rm_card_file(copy);
	test_rm_card_file(path);
}

/* A card file of the previous layout (packages + active ICCID) is converted. */
static void test_layout1_file_converted(void **state)
{
	(void)state;
	char path[256];
	tmp_path(path, sizeof(path), "l1");
	/* a layout-1 card file as the previous version wrote it */
	veuicc_store *st;
	assert_int_equal(veuicc_store_open(path, 0, &st), VEUICC_OK);
	assert_int_equal(veuicc_store_put(st, "card", (const uint8_t *)"eid", 3,
	                                  (const uint8_t *)"89049032123451234512345678901235", 32),
	                 VEUICC_OK);
	uint64_t seq;
	assert_int_equal(veuicc_store_incr(st, "card", (const uint8_t *)"next", 4, 1, &seq),
	                 VEUICC_OK);
	assert_int_equal(veuicc_store_put(st, "profile", (const uint8_t *)"0000000000000001", 16,
	                                  pkg_v7, len_v7),
	                 VEUICC_OK);
	assert_int_equal(veuicc_store_put(st, "card", (const uint8_t *)"active", 6,
	                                  (const uint8_t *)"89000123456789012341", 20),
	                 VEUICC_OK);
	veuicc_store_close(st);
	veuicc_card *card;
	assert_int_equal(veuicc_card_open(path, NULL, &card), VEUICC_OK);
	assert_true(veuicc_store_writes(card->store) > 0); /* converted */
	veuicc_card_free(card);
	card = reopen(path);
	assert_int_equal(veuicc_card_profile_count(card), 1);
	assert_int_equal(veuicc_card_isdp_count(card), 1);
	veuicc_isdp_info in;
	assert_int_equal(veuicc_card_isdp_info(card, 0, &in), VEUICC_OK);
	assert_int_equal(in.state, VEUICC_ISDP_ENABLED);
	assert_true(in.fallback);
	assert_string_equal(in.iccid, "89000123456789012341");
	/* the old records are gone */
	assert_int_equal(veuicc_store_get(card->store, "card", (const uint8_t *)"active", 6, NULL,
	                                  0, &(size_t){0}),
	                 VEUICC_ERR_NOT_FOUND);
	veuicc_card_free(card);
	test_rm_card_file(path);
}

/* A failed write: 6581, the card stops, the file keeps the state before. */
static void test_write_failure_kills_card(void **state)
{
	(void)state;
	char path[256];
	tmp_path(path, sizeof(path), "fail");
	veuicc_card *card = fresh(path);
	boot(card);
	th_xfer(card, "00A4040C07" USIM, "9000");
	veuicc_store_set_fault(card->store, 1);
	th_xfer(card, "0020000108" PINBAD, "6581");
	assert_int_equal(veuicc_is_powered(card), 0);
	uint8_t r[8];
	size_t rl;
	assert_int_equal(
	    veuicc_transmit(card, (const uint8_t *)"\x00\xA4\x00\x00", 4, r, sizeof(r), &rl),
	    VEUICC_ERR_IO);
	assert_int_equal(veuicc_reset(card, VEUICC_RESET_COLD, NULL, NULL), VEUICC_ERR_IO);
	veuicc_card_free(card);
	card = reopen(path);
	boot(card);
	th_xfer(card, "00A4040C07" USIM, "9000");
	th_xfer(card, "0020000100", "63C3"); /* the try was not counted */
	/* API calls: a failed save is reported and the card stops too */
	veuicc_store_set_fault(card->store, 1);
	assert_int_equal(veuicc_card_install_profile(card, pkg_v7, len_v7, NULL, NULL, 0),
	                 VEUICC_ERR_IO);
	veuicc_card_free(card);
	card = reopen(path);
	assert_int_equal(veuicc_card_profile_count(card), 1);
	veuicc_card_free(card);
	test_rm_card_file(path);
}

/* ---- factory configuration --------------------------------------------------- */

static void factory_path(char *out, size_t cap)
{
	const char *d = getenv("VEUICC_FACTORY");
	assert_non_null(d);
	snprintf(out, cap, "%s/default.json", d);
}

static void test_factory_default(void **state)
{
	(void)state;
	char fpath[1024], path[256], msg[512] = "";
	factory_path(fpath, sizeof(fpath));
	tmp_path(path, sizeof(path), "fac");
	int rc = veuicc_card_create(path, fpath, msg, sizeof(msg));
	if (rc)
		fail_msg("create: %s (%s)", veuicc_strerror(rc), msg);
	/* never over an existing card */
	assert_int_equal(veuicc_card_create(path, fpath, msg, sizeof(msg)), VEUICC_ERR_STATE);
	struct stat sb;
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	veuicc_card *card = reopen(path);
	char eid[33];
	veuicc_get_eid(card, eid);
	assert_string_equal(eid, "89049032123451234512345678901235");
	assert_int_equal(veuicc_card_keyset_count(card), 3);
	veuicc_keyset ks;
	assert_int_equal(veuicc_card_keyset(card, 0, &ks), VEUICC_OK);
	assert_int_equal(ks.type, VEUICC_KEYSET_SCP80);
	assert_int_equal(ks.kvn, 1);
	assert_int_equal(ks.kic_algo, 0x02); /* TS 102 225 §5.1.2: AES */
	assert_int_equal(ks.key1_len, 16);
	assert_int_equal(ks.key1[15], 0x0F);
	assert_int_equal(ks.key2[0], 0x10);
	assert_int_equal(veuicc_card_keyset(card, 1, &ks), VEUICC_OK);
	assert_int_equal(ks.type, VEUICC_KEYSET_SCP81);
	assert_string_equal(ks.psk_id, "veuicc-isdr-psk");
	assert_int_equal(veuicc_card_keyset(card, 2, &ks), VEUICC_OK);
	assert_int_equal(ks.type, VEUICC_KEYSET_SCP03);
	assert_int_equal(ks.kvn, 48);
	assert_int_equal(ks.key3[0], 0x50);
	assert_int_equal(veuicc_card_keyset(card, 3, &ks), VEUICC_ERR_NOT_FOUND);
	uint8_t tar[3];
	assert_int_equal(veuicc_card_isdr_tar(card, tar), VEUICC_OK);
	assert_memory_equal(tar, "\x00\x00\x01", 3);
	/* the ECASD identity: the SGP.26 eUICC key, public point from the cert */
	assert_non_null(card->factory);
	assert_int_equal(card->factory->ecasd_priv_len, 32);
	assert_int_equal(card->factory->ecasd_pub[0], 0x04);
	assert_int_equal(card->factory->nci, 2);
	assert_string_equal(card->factory->ci[1].curve, "brainpoolP256r1");
	/* the pre-installed profile, enabled with the Fall-Back Attribute */
	assert_int_equal(veuicc_card_isdp_count(card), 1);
	veuicc_isdp_info in;
	assert_int_equal(veuicc_card_isdp_info(card, 0, &in), VEUICC_OK);
	assert_int_equal(in.state, VEUICC_ISDP_ENABLED);
	assert_true(in.fallback);
	assert_false(in.emergency);
	assert_string_equal(in.iccid, "89000123456789012341");
	boot(card);
	th_xfer(card, "00A4000C022FE2", "9000");
	th_xfer(card, "00B000000A", "98001032547698103214 9000");
	veuicc_card_free(card);
	test_rm_card_file(path);

	/* the same through veuicc_config.factory, in memory */
	veuicc_config cfg;
	veuicc_config_init(&cfg);
	cfg.factory = fpath;
	assert_int_equal(veuicc_card_new(&cfg, &card), VEUICC_OK);
	assert_int_equal(veuicc_card_keyset_count(card), 3);
	assert_int_equal(veuicc_card_profile_count(card), 1);
	veuicc_card_free(card);
	/* and by veuicc_card_open creating the file */
	tmp_path(path, sizeof(path), "fac2");
	assert_int_equal(veuicc_card_open(path, &cfg, &card), VEUICC_OK);
	veuicc_card_free(card);
	card = reopen(path);
	assert_int_equal(veuicc_card_keyset_count(card), 3);
	veuicc_card_free(card);
	test_rm_card_file(path);
}

/* The factory identity reaches the ECASD: GET DATA 7F21 returns the
 * configured certificate, also for an EID the built-in identity lacks, and
 * again after the card file is reopened. */
static void test_factory_ecasd(void **state)
{
	(void)state;
	const char *d = getenv("VEUICC_STATE_DATA");
	assert_non_null(d);
	char cfg[512], path[256], msg[512] = "", want[2048];
	snprintf(cfg, sizeof(cfg), "%s/eid66.json", d);
	snprintf(path, sizeof(path), "%s/cert_ecasd_eid66.hex", d);
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	size_t n = fread(want, 1, sizeof(want) - 1, f);
	fclose(f);
	while (n && (want[n - 1] == '\n' || want[n - 1] == '\r'))
		n--;
	want[n] = 0;
	strcat(want, " 9000");
	tmp_path(path, sizeof(path), "ecasd");
	int rc = veuicc_card_create(path, cfg, msg, sizeof(msg));
	if (rc)
		fail_msg("create: %s (%s)", veuicc_strerror(rc), msg);
	for (int round = 0; round < 2; round++) {
		veuicc_card *card = reopen(path);
		char eid[33];
		veuicc_get_eid(card, eid);
		assert_string_equal(eid, "89049032000000000000000000000066");
		assert_int_equal(veuicc_card_keyset_count(card), 0);
		assert_int_equal(veuicc_card_isdr_tar(card, (uint8_t[3]){0}), VEUICC_ERR_NOT_FOUND);
		boot(card);
		th_xfer(card, "00A4040C10" PFX "00000200", "9000");
		th_xfer(card, "80CA005A00", "5A10 89049032000000000000000000000066 9000");
		th_xfer(card, "80CA7F2100", want);
		veuicc_card_free(card);
	}
	test_rm_card_file(path);
}

/* Write \p json to a file next to the default configuration's files. */
static void write_cfg(char *out, size_t cap, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void write_cfg(char *out, size_t cap, const char *fmt, ...)
{
	const char *d = getenv("VEUICC_FACTORY");
	char dir[256];
	snprintf(dir, sizeof(dir), "%s/veuicc-factory-%ld", test_tmp_dir(), (long)getpid());
	mkdir(dir, 0700);
	snprintf(out, cap, "%s/cfg.json", dir);
	FILE *f = fopen(out, "w");
	assert_non_null(f);
	va_list ap;
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fclose(f);
	(void)d;
}

static void expect_error(const char *json, int rc_want, const char *msg_part)
{
	char cfg[300], path[256], msg[512] = "";
	write_cfg(cfg, sizeof(cfg), "%s", json);
	tmp_path(path, sizeof(path), "bad");
	int rc = veuicc_card_create(path, cfg, msg, sizeof(msg));
	if (rc != rc_want || !strstr(msg, msg_part))
		fail_msg("config %s\n  rc %d (want %d), message \"%s\" (want \"%s\")", json, rc,
		         rc_want, msg, msg_part);
	assert_non_null(strstr(msg, cfg)); /* the file is named */
	/* nothing written: no card file, no temporary left */
	assert_int_equal(access(path, F_OK), -1);
	unlink(cfg);
	char *slash = strrchr(cfg, '/');
	if (slash != NULL) {
		*slash = '\0';
		rmdir(cfg); /* write_cfg's folder */
	}
}

static void test_factory_errors(void **state)
{
	(void)state;
	const char *d = getenv("VEUICC_FACTORY");
	assert_non_null(d);
	char j[4096];
#define EID "\"eid\": \"89049032123451234512345678901235\""
	expect_error("{\"version\": 1, " EID ", \"isdr\": {}", VEUICC_ERR_MALFORMED, "line 1");
	expect_error("[1]", VEUICC_ERR_MALFORMED, "$: must be an object");
	expect_error("{\"version\": 2}", VEUICC_ERR_UNSUPPORTED, "$.version");
	expect_error(
	    "{\"version\": 1, \"eid\": \"89049032123451234512345678901234\", \"isdr\": {}}",
	    VEUICC_ERR_MALFORMED, "$.eid: must be 32 digits");
	expect_error("{\"version\": 1, " EID ", \"isdr\": {}, \"colour\": 1}", VEUICC_ERR_MALFORMED,
	             "$: unknown member \"colour\"");
	expect_error("{\"version\": 1, " EID ", \"isdr\": {\"tar\": \"0001\"}}",
	             VEUICC_ERR_MALFORMED, "$.isdr.tar: must be 3 bytes");
	expect_error("{\"version\": 1, " EID ", \"isdr\": {\"keysets\": [{\"type\": \"scp80\", "
	             "\"kvn\": 1, \"kic\": {\"algorithm\": \"aes-128\", \"key\": \"0011\"}}]}}",
	             VEUICC_ERR_MALFORMED, "$.isdr.keysets[0].kic: aes-128 needs a 16-byte key");
	expect_error("{\"version\": 1, " EID ", \"isdr\": {\"keysets\": [{\"type\": \"scp02\", "
	             "\"kvn\": 1}]}}",
	             VEUICC_ERR_MALFORMED, "$.isdr.keysets[0].type: \"scp02\" is not");
	expect_error("{\"version\": 1, " EID ", \"isdr\": {\"keysets\": [{\"type\": \"scp81\", "
	             "\"kvn\": 128, \"psk\": \"00\"}]}}",
	             VEUICC_ERR_MALFORMED, "$.isdr.keysets[0].kvn: must be an integer in 1..127");
	/* the ECASD certificate names another EID */
	snprintf(j, sizeof(j),
	         "{\"version\": 1, \"eid\": \"89049032000000000000000000000066\", \"isdr\": {}, "
	         "\"ecasd\": {\"private_key_file\": \"%s/ecasd_nist.pem\", \"certificate_file\": "
	         "\"%s/cert_ecasd_nist.hex\"}}",
	         d, d);
	expect_error(j, VEUICC_ERR_MALFORMED, "$.ecasd: the certificate's subject (5F20) is not");
	/* a private key that is not the certificate's */
	snprintf(j, sizeof(j),
	         "{\"version\": 1, " EID ", \"isdr\": {}, \"ecasd\": {\"private_key\": "
	         "\"0000000000000000000000000000000000000000000000000000000000000001\", "
	         "\"certificate_file\": \"%s/cert_ecasd_nist.hex\"}}",
	         d);
	expect_error(j, VEUICC_ERR_MALFORMED, "$.ecasd: the private key does not match");
#define ECASD_OK                                                                                   \
	"\"ecasd\": {\"private_key_file\": \"%s/ecasd_nist.pem\", \"certificate_file\": "          \
	"\"%s/cert_ecasd_nist.hex\"}"
	snprintf(j, sizeof(j),
	         "{\"version\": 1, " EID ", \"isdr\": {}, " ECASD_OK ", \"ci\": [{\"curve\": "
	         "\"P-256\", \"public_key\": \"04%0128d\"}]}",
	         d, d, 0);
	expect_error(j, VEUICC_ERR_MALFORMED, "$.ci[0]: public_key is not an uncompressed point");
	expect_error("{\"version\": 1, " EID ", \"isdr\": {}, \"ci\": []}", VEUICC_ERR_MALFORMED,
	             "$.ci: the ECASD takes CI keys with its identity");
	/* the ECASD checks the chain: an "EUM certificate" that did not sign it */
	snprintf(j, sizeof(j),
	         "{\"version\": 1, " EID ", \"isdr\": {}, \"ecasd\": {\"private_key_file\": "
	         "\"%s/ecasd_nist.pem\", \"certificate_file\": \"%s/cert_ecasd_nist.hex\", "
	         "\"eum_certificate_file\": \"%s/cert_ci_nist.hex\"}}",
	         d, d, d);
	expect_error(j, VEUICC_ERR_CRYPTO, "$.ecasd: the ECASD refuses the identity");
#undef ECASD_OK
	expect_error("{\"version\": 1, " EID ", \"isdr\": {}, \"profiles\": [{\"file\": "
	             "\"no-such.der\"}]}",
	             VEUICC_ERR_IO, "$.profiles[0].file: cannot read");
	snprintf(j, sizeof(j),
	         "{\"version\": 1, " EID ", \"isdr\": {}, \"profiles\": ["
	         "{\"file\": \"%s/../profiles/" V7 "\", \"state\": \"enabled\"},"
	         "{\"file\": \"%s/../tests/data/" FB "\", \"state\": \"enabled\"}]}",
	         d, d);
	expect_error(j, VEUICC_ERR_MALFORMED, "$.profiles[1]: a second enabled profile");
	snprintf(j, sizeof(j),
	         "{\"version\": 1, " EID ", \"isdr\": {}, \"profiles\": ["
	         "{\"file\": \"%s/../profiles/" V7 "\", \"state\": \"on\"}]}",
	         d);
	expect_error(j, VEUICC_ERR_MALFORMED, "$.profiles[0].state: must be");
	/* the same package twice: the second install fails, nothing is written */
	snprintf(j, sizeof(j),
	         "{\"version\": 1, " EID ", \"isdr\": {}, \"profiles\": ["
	         "{\"file\": \"%s/../profiles/" V7 "\"}, {\"file\": \"%s/../profiles/" V7 "\"}]}",
	         d, d);
	expect_error(j, VEUICC_ERR_STATE, "$.profiles[1].file");
#undef EID
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_power_cut_every_write),
	    cmocka_unit_test(test_layout1_file_converted),
	    cmocka_unit_test(test_damaged_records),
	    cmocka_unit_test(test_write_failure_kills_card),
	    cmocka_unit_test(test_factory_default),
	    cmocka_unit_test(test_factory_errors),
	    cmocka_unit_test(test_factory_ecasd),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
