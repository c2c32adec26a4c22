/* SPDX-License-Identifier: Apache-2.0 */
/*
 * AUTHENTICATE end to end (issue 6 §5): the GSMA TS.48 V7 profile installed on
 * a card through the public API, the terminal's APDUs on ADF.USIM after
 * VERIFY PIN1 (TS 31.102 §7.1.2), and the expected RES/CK/IK/Kc/AUTS/SRES from
 * published test sets or from independent python implementations, computed
 * at test time by e2e_vectors.py (see there for the line format):
 *   shipped   the profile as shipped (TS 34.108 test algorithm), SQN resync
 *   milenage  personalised (veuicc_saip_set_aka) with each TS 35.208 set,
 *             3G and GSM context, resync
 *   tuak      personalised for TUAK with the TS 35.233 inputs that fit a
 *             64-bit MAC
 *   random    random K/OPc/RAND/SQN against the python Milenage
 */
#include <stdlib.h>
#include <sys/wait.h>

#include "apdu/card_helpers.h"
#include "saip/saip.h"

#define V7        "TS48_V7.0_eSIM_GTP_SAIP2.3_BERTLV_SUCI.der"
#define SEL_USIM  "00A4040C07A0000000871002"   /* partial AID, TS 31.102 Annex A */
#define PIN1_OK   "002000010830303030FFFFFFFF" /* TS.48: PIN1 0000 */
#define AUTH_3G   "0088008122"                 /* TS 31.102 §7.1.2.1, P2 81: 3G context */
#define AUTH_GSM  "0088008011"                 /* P2 80: GSM context */
#define TAG_OK    0xDB
#define TAG_SYNC  0xDC
#define LINE_MAX_ 1024

static uint8_t *load_v7(size_t *len)
{
	return th_load("VEUICC_PROFILES", V7, len);
}

/* The V7 profile personalised through the library: algorithm, K, OPc/TOPc,
 * numberOfKeccak (veuicc_saip_set_aka, as `veuicc saip personalize`), and
 * every sqnInit entry set to the network's last SEQ (the HSS state the
 * published SQN belongs to). */
/* ICCID 8988211000000000NN + Luhn check digit (ITU-T E.118), NN = \p n. */
static void iccid_for(unsigned n, char out[21])
{
	snprintf(out, 21, "8988211000000000%02u", n % 100);
	unsigned sum = 0;
	for (size_t i = 0; i < 18; i++) {
		unsigned v = (unsigned)(out[17 - i] - '0');
		if (i % 2 == 0)
			v = v * 2 > 9 ? v * 2 - 9 : v * 2;
		sum += v;
	}
	out[18] = (char)('0' + (10 - sum % 10) % 10);
	out[19] = 0;
}

static uint8_t *personalise(const uint8_t *der, size_t len, const char *alg, const char *khex,
                            const char *ohex, const char *keccak, const char *seqhex,
                            const char *iccid, size_t *out_len)
{
	veuicc_saip_profile *p;
	assert_int_equal(veuicc_saip_decode(der, len, &p, NULL), VEUICC_OK);
	uint8_t k[32], o[32], seq[6];
	veuicc_saip_aka_edit e = {0};
	e.algorithm_id =
	    strcmp(alg, "tuak") == 0 ? VEUICC_SAIP_ALGO_TUAK : VEUICC_SAIP_ALGO_MILENAGE;
	e.k = k;
	e.k_len = th_unhex(khex, k, sizeof(k));
	e.opc = o;
	e.opc_len = th_unhex(ohex, o, sizeof(o));
	e.number_of_keccak = strcmp(keccak, "-") == 0 ? 0 : (uint32_t)atoi(keccak);
	assert_int_equal(veuicc_saip_set_aka(p, &e), VEUICC_OK);
	if (iccid)
		assert_int_equal(veuicc_saip_set_iccid(p, iccid), VEUICC_OK);
	if (strcmp(seqhex, "-") != 0) {
		assert_int_equal(th_unhex(seqhex, seq, sizeof(seq)), 6);
		size_t set = 0;
		for (size_t i = 0; i < p->count; i++) {
			if (p->pes[i].type != VEUICC_SAIP_PE_AKA)
				continue;
			veuicc_saip_oct_list *l = &p->pes[i].u.aka->sqn_init;
			for (size_t j = 0; j < l->count; j++, set++)
				assert_int_equal(veuicc_saip_set_bytes(p, &l->items[j], seq, 6),
				                 VEUICC_OK);
		}
		assert_true(set >= 32); /* the USIM's array of 32 (IND 5 bits) */
	}
	uint8_t *out;
	assert_int_equal(veuicc_saip_encode(p, &out, out_len), VEUICC_OK);
	veuicc_saip_free(p);
	return out;
}

/* Install \p der on \p card (a new card if NULL), make it active, select the
 * USIM and verify PIN1. */
static veuicc_card *card_with(veuicc_card *card, const uint8_t *der, size_t len)
{
	size_t idx;
	char msg[256] = "";
	if (!card) {
		assert_int_equal(veuicc_card_new(NULL, &card), VEUICC_OK);
		assert_int_equal(veuicc_reset(card, VEUICC_RESET_COLD, NULL, NULL), VEUICC_OK);
		assert_int_equal(veuicc_set_protocol(card, VEUICC_PROTO_T1), VEUICC_OK);
	}
	int rc = veuicc_card_install_profile(card, der, len, &idx, msg, sizeof(msg));
	if (rc != VEUICC_OK)
		fail_msg("install: %d %s", rc, msg);
	assert_int_equal(veuicc_card_activate_profile(card, idx), VEUICC_OK);
	th_xfer(card, SEL_USIM, "9000");
	th_xfer(card, PIN1_OK, "9000");
	return card;
}

/* Send a C-APDU built from hex pieces; the R-APDU into r. */
static size_t send(veuicc_card *card, const char *head, const char *a, const char *b, uint8_t *r)
{
	char hex[2 * VEUICC_CAPDU_MAX + 1];
	uint8_t c[VEUICC_CAPDU_MAX];
	if (b)
		snprintf(hex, sizeof(hex), "%s10%s10%s00", head, a, b);
	else
		snprintf(hex, sizeof(hex), "%s10%s00", head, a);
	size_t cl = th_unhex(hex, c, sizeof(c)), rl = 0;
	assert_int_equal(veuicc_transmit(card, c, cl, r, VEUICC_RAPDU_MAX, &rl), VEUICC_OK);
	assert_true(rl >= 2);
	return rl;
}

/* Compare the LV at r[*at] with hex \p want. */
static void expect_lv(const uint8_t *r, size_t rl, size_t *at, const char *want, const char *what,
                      const char *note)
{
	uint8_t w[64];
	size_t wl = th_unhex(want, w, sizeof(w));
	char got[2 * VEUICC_RAPDU_MAX + 1];
	if (*at >= rl || *at + 1 + r[*at] > rl || r[*at] != wl || memcmp(r + *at + 1, w, wl) != 0) {
		th_hex(r, rl, got);
		fail_msg("%s: %s differs from %s\n  response %s", note, what, want, got);
	}
	*at += 1 + wl;
}

static void expect_sw(const uint8_t *r, size_t rl, uint16_t sw, const char *note)
{
	uint16_t got = (uint16_t)(r[rl - 2] << 8 | r[rl - 1]);
	if (got != sw)
		fail_msg("%s: SW %04X, want %04X", note, got, sw);
}

struct tally {
	unsigned cards, ok, sync, mac, gsm, kc;
};

/* Run the vectors of part \p part: a fresh card per CARD line, or with
 * \p one_card all profiles (distinct ICCIDs) on one card, each made active
 * in turn. */
static struct tally run_part(const char *part, bool one_card)
{
	struct tally t = {0};
	size_t v7_len, pl;
	uint8_t *v7 = load_v7(&v7_len);
	const char *data = getenv("VEUICC_TEST_DATA");
	assert_non_null(data);
	char cmd[2048];
	snprintf(cmd, sizeof(cmd), "'%s' '%s' '%s/uicc_auth' %s 50", VEUICC_PYTHON,
	         VEUICC_E2E_SCRIPT, data, part);
	FILE *py = popen(cmd, "r");
	assert_non_null(py);
	veuicc_card *card = NULL;
	static char line[LINE_MAX_], note[LINE_MAX_] = "";
	static uint8_t r[VEUICC_RAPDU_MAX];
	while (fgets(line, sizeof(line), py)) {
		char *f[8] = {0};
		size_t n = 0;
		line[strcspn(line, "\n")] = 0;
		if (strncmp(line, "NOTE ", 5) == 0) {
			snprintf(note, sizeof(note), "%s", line + 5);
			continue;
		}
		for (char *s = strtok(line, " "); s && n < 8; s = strtok(NULL, " "))
			f[n++] = s;
		if (n == 0)
			continue;
		if (strcmp(f[0], "CARD") == 0 && n == 6) {
			char iccid[21];
			iccid_for(t.cards, iccid);
			if (!one_card) {
				veuicc_card_free(card);
				card = NULL;
			}
			if (strcmp(f[1], "shipped") == 0) {
				card = card_with(card, v7, v7_len);
			} else {
				uint8_t *p = personalise(v7, v7_len, f[1], f[2], f[3], f[4], f[5],
				                         one_card ? iccid : NULL, &pl);
				card = card_with(card, p, pl);
				free(p);
			}
			if (one_card)
				assert_int_equal(veuicc_card_profile_count(card), t.cards + 1);
			t.cards++;
		} else if (strcmp(f[0], "OK") == 0 && n == 7) {
			size_t rl = send(card, AUTH_3G, f[1], f[2], r), at = 1;
			expect_sw(r, rl, 0x9000, note);
			if (r[0] != TAG_OK)
				fail_msg("%s: no DB tag (%02X)", note, r[0]);
			expect_lv(r, rl - 2, &at, f[3], "RES", note);
			expect_lv(r, rl - 2, &at, f[4], "CK", note);
			expect_lv(r, rl - 2, &at, f[5], "IK", note);
			if (at < rl - 2) { /* Kc when GSM access is on (TS 31.102 §7.1.2.1) */
				expect_lv(r, rl - 2, &at, f[6], "Kc", note);
				t.kc++;
			}
			assert_int_equal(at, rl - 2);
			t.ok++;
		} else if (strcmp(f[0], "SYNC") == 0 && n == 4) {
			size_t rl = send(card, AUTH_3G, f[1], f[2], r), at = 1;
			expect_sw(r, rl, 0x9000, note);
			if (r[0] != TAG_SYNC)
				fail_msg("%s: no DC tag (%02X)", note, r[0]);
			expect_lv(r, rl - 2, &at, f[3], "AUTS", note);
			assert_int_equal(at, rl - 2);
			t.sync++;
		} else if (strcmp(f[0], "MAC") == 0 && n == 3) {
			size_t rl = send(card, AUTH_3G, f[1], f[2], r);
			assert_int_equal(rl, 2);
			expect_sw(r, rl, 0x9862, note); /* TS 31.102 §7.1.2: authentication error */
			t.mac++;
		} else if (strcmp(f[0], "GSM") == 0 && n == 4) {
			size_t rl = send(card, AUTH_GSM, f[1], NULL, r), at = 0;
			expect_sw(r, rl, 0x9000, note);
			expect_lv(r, rl - 2, &at, f[2], "SRES", note);
			expect_lv(r, rl - 2, &at, f[3], "Kc", note);
			assert_int_equal(at, rl - 2);
			t.gsm++;
		} else {
			fail_msg("bad line from e2e_vectors.py: %s", f[0]);
		}
	}
	print_message("%s: %u cards, %u AUTHENTICATE ok (%u with Kc), %u resync, %u MAC failures, "
	              "%u GSM context\n",
	              part, t.cards, t.ok, t.kc, t.sync, t.mac, t.gsm);
	int st = pclose(py);
	if (one_card && card) {
		/* every profile is still there; switching back works */
		assert_int_equal(veuicc_card_profile_count(card), t.cards);
		assert_int_equal(veuicc_card_activate_profile(card, 0), VEUICC_OK);
		veuicc_profile_info info;
		assert_int_equal(veuicc_card_profile_info(card, 0, &info), VEUICC_OK);
		assert_true(info.active);
	}
	veuicc_card_free(card);
	free(v7);
	if (WIFEXITED(st) && WEXITSTATUS(st) == 77)
		fail_msg("python3-cryptography is missing (tools/dev deps installs it)");
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		fail_msg("e2e_vectors.py %s failed (status %d)", part, st);
	return t;
}

static void test_shipped_ts48(void **state)
{
	(void)state;
	struct tally t = run_part("shipped", false);
	assert_int_equal(t.cards, 1);
	assert_int_equal(t.ok, 4);
	assert_int_equal(t.kc, 4); /* TS.48 EF.UST has GSM access: Kc follows IK */
	assert_int_equal(t.sync, 2);
	assert_int_equal(t.mac, 1);
}

static void test_milenage_sets(void **state)
{
	(void)state;
	struct tally t = run_part("milenage", false);
	assert_int_equal(t.cards, 20); /* TS 35.207 sets 1-6 = TS 35.208 sets 1-6, 7-20 */
	assert_int_equal(t.ok, 20);
	assert_int_equal(t.sync, 20);
	assert_int_equal(t.gsm, 20);
}

/* The 20 Milenage profiles side by side on one card, switched by the API. */
static void test_milenage_one_card(void **state)
{
	(void)state;
	struct tally t = run_part("milenage", true);
	assert_int_equal(t.cards, 20);
	assert_int_equal(t.ok, 20);
	assert_int_equal(t.sync, 20);
	assert_int_equal(t.gsm, 20);
}

/* veuicc_saip_set_aka checks every PE before changing any. */
static void test_set_aka_checks(void **state)
{
	(void)state;
	size_t len, elen;
	uint8_t *der = load_v7(&len), *enc;
	veuicc_saip_profile *p;
	assert_int_equal(veuicc_saip_decode(der, len, &p, NULL), VEUICC_OK);
	static const uint8_t k[16] = {1}, topc[32] = {2};
	veuicc_saip_aka_edit e = {VEUICC_SAIP_ALGO_TUAK, NULL, 0, NULL, 0, 0};
	/* TUAK needs a 32-byte TOPc; the shipped OPc has 16 */
	assert_int_equal(veuicc_saip_set_aka(p, &e), VEUICC_ERR_INVALID_ARG);
	e = (veuicc_saip_aka_edit){VEUICC_SAIP_ALGO_MILENAGE, k, 16, topc, 32, 0};
	assert_int_equal(veuicc_saip_set_aka(p, &e), VEUICC_ERR_INVALID_ARG);
	e = (veuicc_saip_aka_edit){0, NULL, 0, NULL, 0, 2}; /* numberOfKeccak without TUAK */
	assert_int_equal(veuicc_saip_set_aka(p, &e), VEUICC_ERR_INVALID_ARG);
	e = (veuicc_saip_aka_edit){7, NULL, 0, NULL, 0, 0}; /* not a SAIP algorithmID */
	assert_int_equal(veuicc_saip_set_aka(p, &e), VEUICC_ERR_INVALID_ARG);
	/* nothing changed: the package encodes to the same bytes */
	assert_int_equal(veuicc_saip_encode(p, &enc, &elen), VEUICC_OK);
	assert_int_equal(elen, len);
	assert_memory_equal(enc, der, len);
	free(enc);
	/* TUAK with a 256-bit K: the header asks for tuak256 instead of the test algorithm */
	static const uint8_t k32[32] = {3};
	e = (veuicc_saip_aka_edit){VEUICC_SAIP_ALGO_TUAK, k32, 32, topc, 32, 3};
	assert_int_equal(veuicc_saip_set_aka(p, &e), VEUICC_OK);
	size_t aka = 0;
	for (size_t i = 0; i < p->count; i++) {
		if (p->pes[i].type == VEUICC_SAIP_PE_HEADER) {
			uint32_t svc = p->pes[i].u.header->mandatory_services.bits;
			assert_true(svc & (1u << VEUICC_SAIP_SVC_TUAK256));
			assert_false(svc & (1u << VEUICC_SAIP_SVC_USIM_TEST_ALGORITHM));
		}
		if (p->pes[i].type == VEUICC_SAIP_PE_AKA) {
			const veuicc_saip_algo_parameter *ap =
			    p->pes[i].u.aka->algo_configuration.algo_parameter;
			assert_int_equal(ap->algorithm_id, VEUICC_SAIP_ALGO_TUAK);
			assert_int_equal(ap->number_of_keccak, 3);
			assert_memory_equal(ap->opc.data, topc, 32);
			aka++;
		}
	}
	assert_int_equal(aka, 2); /* USIM and ISIM */
	static veuicc_saip_report rep;
	assert_int_equal(veuicc_saip_validate(p, NULL, &rep), VEUICC_OK);
	assert_int_equal(rep.errors, 0);
	veuicc_saip_free(p);
	free(der);
}

static void test_tuak_sets(void **state)
{
	(void)state;
	struct tally t = run_part("tuak", false);
	assert_int_equal(t.cards, 2); /* sets 1 (K 128) and 5 (K 256): 64-bit MAC */
	assert_int_equal(t.ok, 2);
	assert_int_equal(t.sync, 2);
}

static void test_random_milenage(void **state)
{
	(void)state;
	struct tally t = run_part("random", false);
	assert_int_equal(t.cards, 50);
	assert_int_equal(t.ok, 50);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_shipped_ts48),      cmocka_unit_test(test_milenage_sets),
	    cmocka_unit_test(test_milenage_one_card), cmocka_unit_test(test_set_aka_checks),
	    cmocka_unit_test(test_tuak_sets),         cmocka_unit_test(test_random_milenage),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
