/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Security commands of the UICC runtime through the APDU engine (T=1):
 * PINs (ETSI TS 102 221 §11.1.9 to §11.1.13), access conditions of EF.ARR
 * (§9.2.4 to §9.2.7), the C6 PIN status template (§9.5.2) and AUTHENTICATE
 * (3GPP TS 31.102 §7.1.2, TS 31.103 §7.1.2).
 *
 * The tree follows the GSMA TS.48 V7.0 test profile
 * (profiles/TS48_V7.0_eSIM_GTP_SAIP2.3_NoBERTLV_NoRAMRFM.txt): its PIN and
 * PUK values, retry counters, PIN status template key references, EF.UST
 * and the access rules of its EF.ARR files (copied record by record):
 *   MF 3F00 (PS template 01 0A 0B)
 *     EF.ARR   2F06 linear fixed 5 x 46: TS.48 MF records 1-4, record 5
 *              "read never" (ours)
 *     EF.ICCID 2FE2 ARR 2F06 02: read always, update ADM1
 *     EF.NEVER 2F10 ARR 2F06 05
 *     EF.MISS  2F11 ARR 2F06 09 (no such record)
 *     EF.FREE  2F12 no ARR reference
 *   ADF.USIM 7FF0 (PS template 81 01 0A 0B)
 *     EF.ARR   6F06 linear fixed 15 x 54: the TS.48 USIM records
 *     EF.IMSI  6F07 ARR 6F06 0A: read PIN1, update ADM1; SFI 07
 *     EF.UST   6F38 ARR 6F06 04: read PIN1, update ADM1
 *     EF.ACM   6F39 cyclic 5 x 3, ARR 6F06 0B: read PIN1, INCREASE PIN1,
 *              update PIN1 OR PIN2
 *   ADF.ISIM 7FF1
 * PINs: PIN1 01 "0000" (3 tries, PUK 01 "11111111", 10 tries), PIN2 81 of
 * the USIM "9999" (PUK 81 "22222222"), ADM1 0A "55555555" and ADM2 0B
 * "66666666" (10 tries).
 *
 * AUTHENTICATE is checked against the MILENAGE test sets of 3GPP TS 35.208
 * (tests/data/uicc_auth/milenage.txt): AUTN is built here from the
 * published f1 and f5, and RES, CK, IK, AK* from the published f2, f3, f4,
 * f5*; SRES and Kc are the c2/c3 XORs of TS 33.102 §6.8.1.2 computed here.
 * GET IDENTITY (TS 31.102 §7.5) is checked against the ECIES test data of
 * TS 33.501 Annex C.4 (tests/data/uicc_auth/suci_ts33501_c4.txt: IMSI
 * 274012001002086, Profile A and Profile B).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apdu/card_helpers.h"

#include "apdu/engine.h"
#include "apdu/sw.h"
#include "uicc/arr.h"
#include "uicc/auth/milenage.h"
#include "uicc/uicc_app.h"

#define USIM_AID "A0000000871002FF33FF018900000100"
#define ISIM_AID "A0000000871004FF49FF018900000100"
#define IMSI     "080910101032547698"
#define ICCID    "98001032547698103214"
#define UST      "9EFFBF1DFF3E0083410310010400003E11"

#define PIN1     "30303030FFFFFFFF"
#define PIN1_NEW "31323334FFFFFFFF"
#define PIN_BAD  "39383736FFFFFFFF"
#define PUK1     "3131313131313131"
#define PIN2     "39393939FFFFFFFF"
#define ADM1     "3535353535353535"

/* TS.48 V7.0 EF.ARR of the MF, records 1-4 */
static const char *const mf_arr[] = {
    "80015EA40683010A9501088401D4A40683010A950108",
    "800101900080015AA40683010A9501088401D4A40683010A950108",
    "8001019000800118A40683010A950108",
    "8001019000800102A4068301019501088401D4A40683010A950108800158A40683010A950108",
    "8001019700", /* ours: READ never */
};

/* TS.48 V7.0 EF.ARR of ADF.USIM, records 1-15 */
static const char *const usim_arr[] = {
    "800101A406830101950108800102A406830181950108800158A40683010A950108",
    "800103A406830101950108800158A40683010A950108",
    "800101A40683010195010880015AA40683010A950108",
    "800101A40683010195010880015AA40683010A9501088401D4A40683010A950108",
    "8001019000800102A4068301019501088401D4A40683010A950108800158A40683010A950108",
    "800103A4068301019501088401D4A40683010A950108800158A40683010A950108",
    "800101900080015AA40683010A950108",
    "800101900080015AA40683010A9501088401D4A40683010A950108",
    "800101A406830101950108800102A4068301819501088401D4A40683010A950108800158A40683010A950108",
    "800101A40683010195010880011AA40683010A950108",
    ("800101A406830101950108800158A40683010A950108840132A406830101950108800102A010A40683010195"
     "0108A406830181950108"),
    "800103A40683010A950108",
    "80015EA40683010A9501088401D4A40683010A950108",
    "80010390008401D4A40683010A950108800158A40683010A950108",
    "80015FA40683010A9501088401D4A40683010A950108",
};

typedef struct fx {
	veuicc_engine e;
	veuicc_fs *fs;
	void *ctx;
	veuicc_fs_node *mf, *usim, *isim, *imsi, *ust, *acm;
} fx;

static veuicc_fs_node *mk_ef(veuicc_fs *fs, veuicc_fs_node *parent, uint16_t fid,
                             veuicc_fs_ef_struct s, size_t size, uint16_t rec_len, uint8_t nrec)
{
	veuicc_fs_ef_params p;
	veuicc_fs_ef_params_init(&p, fid, s);
	p.size = size;
	p.rec_len = rec_len;
	p.nrec = nrec;
	p.sfi = VEUICC_FS_SFI_NONE;
	veuicc_fs_node *n = NULL;
	assert_int_equal(veuicc_fs_create_ef(fs, parent, &p, &n), VEUICC_OK);
	return n;
}

static void fill(veuicc_fs_node *ef, const char *hex)
{
	uint8_t b[256];
	size_t n = th_unhex(hex, b, sizeof(b));
	assert_int_equal(veuicc_fs_write(ef, 0, b, n), VEUICC_OK);
}

static veuicc_fs_node *mk_arr(veuicc_fs *fs, veuicc_fs_node *dir, uint16_t fid, uint16_t rec_len,
                              const char *const *recs, uint8_t n)
{
	veuicc_fs_node *arr = mk_ef(fs, dir, fid, VEUICC_FS_LINEAR_FIXED, 0, rec_len, n);
	for (uint8_t i = 0; i < n; i++) {
		uint8_t b[128];
		size_t l = th_unhex(recs[i], b, sizeof(b));
		assert_int_equal(veuicc_fs_set_record(arr, i + 1u, b, l, 0xFF), VEUICC_OK);
	}
	return arr;
}

static void add_pin(veuicc_fs *fs, uint8_t ref, const veuicc_fs_node *adf, const char *value,
                    uint8_t tries, uint8_t puk)
{
	veuicc_pin_params p;
	uint8_t v[8];
	veuicc_pin_params_init(&p, ref);
	p.adf = adf;
	p.value = v;
	p.value_len = th_unhex(value, v, sizeof(v));
	p.max_tries = p.tries_left = tries;
	p.puk_ref = puk;
	assert_int_equal(veuicc_pin_add(&fs->pins, &p), VEUICC_OK);
}

static void add_puk(veuicc_fs *fs, uint8_t ref, const char *value)
{
	uint8_t v[8];
	size_t n = th_unhex(value, v, sizeof(v));
	assert_int_equal(veuicc_pin_add_puk(&fs->pins, ref, v, n, 10, 10), VEUICC_OK);
}

static int setup(void **state)
{
	fx *f = calloc(1, sizeof(*f));
	assert_non_null(f);
	veuicc_fs *fs;
	assert_int_equal(veuicc_fs_new(VEUICC_FS_UICC_CHAR_DEFAULT, &fs), VEUICC_OK);
	f->fs = fs;
	f->mf = veuicc_fs_mf(fs);
	static const uint8_t mf_ps[] = {0x01, 0x0A, 0x0B}, usim_ps[] = {0x81, 0x01, 0x0A, 0x0B};
	assert_int_equal(veuicc_fs_set_pin_template(f->mf, mf_ps, sizeof(mf_ps)), VEUICC_OK);

	veuicc_fs_node *arr = mk_arr(fs, f->mf, 0x2F06, 46, mf_arr, 5);
	assert_int_equal(veuicc_fs_set_arr(arr, 0x2F06, 2), VEUICC_OK);
	veuicc_fs_node *n = mk_ef(fs, f->mf, 0x2FE2, VEUICC_FS_TRANSPARENT, 10, 0, 0);
	fill(n, ICCID);
	assert_int_equal(veuicc_fs_set_arr(n, 0x2F06, 2), VEUICC_OK);
	n = mk_ef(fs, f->mf, 0x2F10, VEUICC_FS_TRANSPARENT, 4, 0, 0);
	assert_int_equal(veuicc_fs_set_arr(n, 0x2F06, 5), VEUICC_OK);
	n = mk_ef(fs, f->mf, 0x2F11, VEUICC_FS_TRANSPARENT, 4, 0, 0);
	assert_int_equal(veuicc_fs_set_arr(n, 0x2F06, 9), VEUICC_OK);
	n = mk_ef(fs, f->mf, 0x2F12, VEUICC_FS_TRANSPARENT, 4, 0, 0);
	fill(n, "01020304");

	uint8_t aid[16];
	th_unhex(USIM_AID, aid, sizeof(aid));
	assert_int_equal(veuicc_fs_create_adf(fs, 0x7FF0, aid, 16, &f->usim), VEUICC_OK);
	assert_int_equal(veuicc_fs_set_pin_template(f->usim, usim_ps, sizeof(usim_ps)), VEUICC_OK);
	mk_arr(fs, f->usim, 0x6F06, 54, usim_arr, 15);
	f->imsi = mk_ef(fs, f->usim, 0x6F07, VEUICC_FS_TRANSPARENT, 9, 0, 0);
	fill(f->imsi, IMSI);
	assert_int_equal(veuicc_fs_set_sfi(f->imsi, VEUICC_FS_SFI_IMPLICIT), VEUICC_OK);
	assert_int_equal(veuicc_fs_set_arr(f->imsi, 0x6F06, 0x0A), VEUICC_OK);
	f->ust = mk_ef(fs, f->usim, 0x6F38, VEUICC_FS_TRANSPARENT, 17, 0, 0);
	fill(f->ust, UST);
	assert_int_equal(veuicc_fs_set_arr(f->ust, 0x6F06, 0x04), VEUICC_OK);
	f->acm = mk_ef(fs, f->usim, 0x6F39, VEUICC_FS_CYCLIC, 0, 3, 5);
	assert_int_equal(veuicc_fs_set_arr(f->acm, 0x6F06, 0x0B), VEUICC_OK);
	th_unhex(ISIM_AID, aid, sizeof(aid));
	assert_int_equal(veuicc_fs_create_adf(fs, 0x7FF1, aid, 16, &f->isim), VEUICC_OK);

	add_puk(fs, 0x01, PUK1);
	add_puk(fs, 0x81, "3232323232323232");
	add_pin(fs, 0x01, NULL, PIN1, 3, 0x01);
	add_pin(fs, 0x81, f->usim, PIN2, 3, 0x81);
	add_pin(fs, 0x0A, NULL, ADM1, 10, 0);
	add_pin(fs, 0x0B, NULL, "3636363636363636", 10, 0);

	const veuicc_applet_ops *ops;
	assert_int_equal(veuicc_uicc_app_new(fs, &ops, &f->ctx), VEUICC_OK);
	veuicc_engine_init(&f->e);
	th_unhex(USIM_AID, aid, sizeof(aid));
	assert_int_equal(veuicc_engine_add_app(&f->e, aid, 16, ops, f->ctx), VEUICC_OK);
	assert_int_equal(veuicc_engine_set_default_app(&f->e, aid, 16), VEUICC_OK);
	veuicc_engine_reset(&f->e);
	f->e.proto = VEUICC_PROTO_T1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fx *f = *state;
	veuicc_engine_free(&f->e); /* frees the application and the fs */
	free(f);
	return 0;
}

/* Card reset: the engine and the application's security status. */
static void card_reset(fx *f)
{
	veuicc_engine_reset(&f->e);
	veuicc_uicc_app_reset(f->ctx);
	f->e.proto = VEUICC_PROTO_T1;
}

static void xfer_buf(fx *f, const char *capdu, uint8_t *r, size_t cap, size_t *rl)
{
	uint8_t c[VEUICC_CAPDU_MAX];
	size_t cl = th_unhex(capdu, c, sizeof(c));
	assert_int_equal(veuicc_engine_transmit(&f->e, c, cl, r, cap, rl), VEUICC_OK);
}

static void X(fx *f, const char *capdu, const char *expect)
{
	static uint8_t r[VEUICC_RAPDU_MAX], x[VEUICC_RAPDU_MAX];
	static char got[2 * VEUICC_RAPDU_MAX + 1], want[2 * VEUICC_RAPDU_MAX + 1];
	size_t rl = 0;
	xfer_buf(f, capdu, r, sizeof(r), &rl);
	size_t xl = th_unhex(expect, x, sizeof(x));
	th_hex(r, rl, got);
	th_hex(x, xl, want);
	if (strcmp(got, want) != 0)
		fail_msg("C-APDU %s\n  expected %s\n  got      %s", capdu, want, got);
}

#define SEL_USIM "00A4040C10" USIM_AID
#define SEL_ISIM "00A4040C10" ISIM_AID

/* ---- PINs --------------------------------------------------------------- */

static void test_verify_block_unblock(void **state)
{
	fx *f = *state;
	X(f, SEL_USIM, "9000");
	X(f, "00A4000C02 6F07", "9000");
	X(f, "00B0000009", "6982"); /* read needs PIN1 */
	X(f, "00200001", "63C3");   /* no data: the retry counter */
	X(f, "0020000108" PIN_BAD, "63C2");
	X(f, "00200001", "63C2");
	X(f, "0020000108" PIN1, "9000");
	X(f, "00200001", "9000"); /* verified */
	X(f, "00B0000009", IMSI "9000");
	/* a wrong PIN clears the status; a right one gives the tries back */
	X(f, "0020000108" PIN_BAD, "63C2");
	X(f, "00B0000009", "6982");
	X(f, "0020000108" PIN1, "9000");
	X(f, "00200001", "9000");
	/* three wrong: blocked; then even the right PIN is refused */
	X(f, "0020000108" PIN_BAD, "63C2");
	X(f, "0020000108" PIN_BAD, "63C1");
	X(f, "0020000108" PIN_BAD, "63C0");
	X(f, "0020000108" PIN1, "6983");
	X(f, "0020000108" PIN_BAD, "6983"); /* the counter stays at 0 */
	X(f, "00200001", "63C0");
	X(f, "00B0000009", "6982");
	X(f, "00240001 10" PIN1 PIN1_NEW, "6983");
	/* UNBLOCK PIN: PUK counter, a bad new PIN, a wrong PUK, the right PUK */
	X(f, "002C0001", "63CA");
	X(f, "002C000110" PUK1 "3132FFFFFFFFFFFF", "6A80"); /* 2 digits: no try used */
	X(f, "002C0001", "63CA");
	X(f, "002C000110 3232323232323232" PIN1_NEW, "63C9");
	X(f, "002C000110" PUK1 PIN1_NEW, "9000");
	X(f, "002C0001", "63CA");
	X(f, "00200001", "9000"); /* unblocked and verified */
	X(f, "00B0000009", IMSI "9000");
	card_reset(f);
	X(f, SEL_USIM, "9000");
	X(f, "00200001", "63C3");
	X(f, "0020000108" PIN1, "63C2"); /* the old value is gone */
	X(f, "0020000108" PIN1_NEW, "9000");
	X(f, "00B0000009", "6986");      /* reset: no current EF */
	X(f, "00B0870009", IMSI "9000"); /* SFI 07 */
}

static void test_puk_blocks(void **state)
{
	fx *f = *state;
	for (int i = 0; i < 3; i++)
		X(f, "0020000108" PIN_BAD, i == 2 ? "63C0" : (i ? "63C1" : "63C2"));
	char cmd[80], sw[8];
	for (int left = 9; left >= 0; left--) {
		snprintf(sw, sizeof(sw), "63C%X", left);
		X(f, "002C000110 3939393939393939" PIN1_NEW, sw);
	}
	snprintf(cmd, sizeof(cmd), "002C000110%s%s", PUK1, PIN1_NEW);
	X(f, cmd, "6983"); /* the PUK is blocked too */
	X(f, "002C0001", "6983");
	X(f, "0020000108" PIN1, "6983");
}

static void test_pin_errors(void **state)
{
	fx *f = *state;
	X(f, "00200005", "6A88"); /* valid key reference, no such PIN */
	X(f, "00200000", "6A86"); /* not a key reference */
	X(f, "00200012", "6A86");
	X(f, "00200101", "6A86"); /* P1 */
	X(f, "0020000104 30303030", "6700");
	X(f, "0024000108" PIN1, "6700");
	X(f, "00200081", "6A88"); /* a local PIN with no current application */
	X(f, "80200001", "6E00");
	X(f, "00200001", "63C3"); /* nothing used a try */
	/* CHANGE to a malformed PIN: refused before the old one is checked */
	X(f, "0024000110" PIN1 "31323334FF35FFFF", "6A80");
	X(f, "0024000110" PIN1 "313233FFFFFFFFFF", "6A80");
	X(f, "00200001", "63C3");
	X(f, "002C0081", "6A88");
	X(f, "002C000A", "6A88"); /* ADM1 has no PUK */
}

static void test_change_disable_enable(void **state)
{
	fx *f = *state;
	X(f, SEL_USIM, "9000");
	X(f, "0024000110" PIN_BAD PIN1_NEW, "63C2");
	X(f, "0024000110" PIN1 PIN1_NEW, "9000");
	X(f, "00B0870009", IMSI "9000"); /* CHANGE verifies */
	card_reset(f);
	X(f, SEL_USIM, "9000");
	X(f, "0020000108" PIN1, "63C2");
	X(f, "0020000108" PIN1_NEW, "9000");
	/* DISABLE: a wrong PIN uses a try; PIN2 and ADM may not be disabled */
	X(f, "0026000108" PIN_BAD, "63C2");
	X(f, "0026008108" PIN2, "6985");
	X(f, "0026000A08" ADM1, "6985");
	X(f, "0026110108" PIN1_NEW, "6A86"); /* replacement by the universal PIN */
	X(f, "0026000108" PIN1_NEW, "9000");
	X(f, "0026000108" PIN1_NEW, "6985");      /* already disabled */
	X(f, "0024000110" PIN1_NEW PIN1, "6984"); /* CHANGE of a disabled PIN */
	card_reset(f);
	X(f, SEL_USIM, "9000");
	X(f, "00200001", "9000"); /* disabled: no verification needed */
	X(f, "00B0870009", IMSI "9000");
	X(f, "0028000108" PIN_BAD, "63C2");
	X(f, "0028000108" PIN1_NEW, "9000");
	X(f, "0028000108" PIN1_NEW, "6985"); /* already enabled */
	card_reset(f);
	X(f, SEL_USIM, "9000");
	X(f, "00B0870009", "6982");
	X(f, "00200001", "63C3");
}

/* Local PIN2: found through the current application, lost when the
 * application is terminated; EF.ACM: update PIN1 OR PIN2, INCREASE PIN1. */
static void test_local_pin_and_or_rule(void **state)
{
	fx *f = *state;
	X(f, SEL_USIM, "9000");
	X(f, "00200081", "63C3");
	X(f, "0020008108" PIN2, "9000");
	X(f, "00A4000C02 6F39", "9000");
	X(f, "00DC000303 000102", "9000");    /* PIN2 satisfies the OR */
	X(f, "00B2010403", "6982");           /* read: PIN1 */
	X(f, "8032000003 000001 00", "6982"); /* INCREASE: PIN1 */
	X(f, "0020000108" PIN1, "9000");
	X(f, "00B2010403", "000102 9000");
	X(f, "8032000003 000001 00", "000103 000001 9000");
	/* a second channel shares the card's security status */
	X(f, "0070000001", "01 9000");
	X(f, "01A4040C10" USIM_AID, "9000");
	X(f, "01A4000C02 6F07", "9000");
	X(f, "01B0000009", IMSI "9000");
	/* terminate the USIM: its local PIN2 loses its status, PIN1 keeps it */
	X(f, "00A4044C10" USIM_AID, "9000");
	X(f, SEL_USIM, "9000");
	X(f, "00200081", "63C3");
	X(f, "00200001", "9000");
}

/* ---- access conditions ---------------------------------------------------- */

static void test_arr_adm(void **state)
{
	fx *f = *state;
	X(f, "00A4000C02 2FE2", "9000");
	X(f, "00B000000A", ICCID "9000"); /* read always */
	X(f, "00D6000001 11", "6982");    /* update ADM1 */
	X(f, "00A4000C02 2F12", "9000");  /* no ARR reference */
	X(f, "00B0000004", "01020304 9000");
	X(f, "00D6000001 AA", "9000");
	X(f, "00A4000C02 2F10", "9000");
	X(f, "00B0000004", "6982"); /* never */
	X(f, "00A4000C02 2F11", "9000");
	X(f, "00B0000004", "6982"); /* the ARR record does not exist */
	X(f, SEL_USIM, "9000");
	X(f, "0020000108" PIN1, "9000");
	X(f, "00A4000C02 6F07", "9000");
	X(f, "00B0000009", IMSI "9000");
	X(f, "00D6000001 09", "6982"); /* PIN1 is not enough */
	X(f, "0020000A08" PIN_BAD, "63C9");
	X(f, "0020000A08" ADM1, "9000");
	X(f, "00D6000001 09", "9000");
	X(f, "00B0000002", "0909 9000");
	/* SEARCH RECORD reads */
	X(f, "00A4000C02 6F06", "9000");
	X(f, "00A2010403 800101 00", "01 03 04 05 07 08 09 0A 0B 9000");
	/* ADM does not open 'never' */
	X(f, "00A4080C02 2F10", "9000");
	X(f, "00B0000004", "6982");
	card_reset(f);
	X(f, "00A4000C02 2FE2", "9000");
	X(f, "00D6000001 11", "6982");
}

/* Access rules evaluated directly: AND and OR templates, AM_DO 84. */
static void test_arr_rules(void **state)
{
	fx *f = *state;
	uint8_t rec[64];
	veuicc_pin_table *pins = &f->fs->pins;
	/* READ: PIN1 AND ADM1 */
	size_t n =
	    th_unhex("800101 AF10 A40683010195 0108 A40683010A950108 FFFF", rec, sizeof(rec));
	assert_false(veuicc_arr_rule_allows(rec, n, VEUICC_ARR_READ, pins, NULL));
	X(f, "0020000108" PIN1, "9000");
	assert_false(veuicc_arr_rule_allows(rec, n, VEUICC_ARR_READ, pins, NULL));
	X(f, "0020000A08" ADM1, "9000");
	assert_true(veuicc_arr_rule_allows(rec, n, VEUICC_ARR_READ, pins, NULL));
	assert_false(veuicc_arr_rule_allows(rec, n, VEUICC_ARR_UPDATE, pins, NULL));
	assert_false(veuicc_arr_rule_allows(rec, n, VEUICC_ARR_INCREASE, pins, NULL));
	/* INCREASE by a command header AM_DO, also as AM byte b8 = 1 */
	n = th_unhex("840132 9000", rec, sizeof(rec));
	assert_true(veuicc_arr_rule_allows(rec, n, VEUICC_ARR_INCREASE, pins, NULL));
	assert_false(veuicc_arr_rule_allows(rec, n, VEUICC_ARR_READ, pins, NULL));
	n = th_unhex("80028432 9000", rec, sizeof(rec));
	assert_true(veuicc_arr_rule_allows(rec, n, VEUICC_ARR_INCREASE, pins, NULL));
	/* local PIN2 with no application: not satisfied */
	n = th_unhex("800101 A406830181950108", rec, sizeof(rec));
	assert_false(veuicc_arr_rule_allows(rec, n, VEUICC_ARR_READ, pins, NULL));
	/* truncated and malformed records deny */
	n = th_unhex("800101 A40683", rec, sizeof(rec));
	assert_false(veuicc_arr_rule_allows(rec, n, VEUICC_ARR_READ, pins, NULL));
	n = th_unhex("8001", rec, sizeof(rec));
	assert_false(veuicc_arr_rule_allows(rec, n, VEUICC_ARR_READ, pins, NULL));
	n = th_unhex("800101 AF00", rec, sizeof(rec));
	assert_false(veuicc_arr_rule_allows(rec, n, VEUICC_ARR_READ, pins, NULL));
}

/* Random records built from the access rule tags (EF.ARR is writable with
 * ADM): the parser stays inside the record (run under ASan by tools/dev
 * asan) and a record without 90/A4 never allows anything. */
static void test_arr_random_records(void **state)
{
	fx *f = *state;
	static const uint8_t tags[] = {0x80, 0x84, 0x8C, 0x90, 0x97, 0xA4, 0xA0, 0xAF,
	                               0x83, 0x95, 0x81, 0xFF, 0x00, 0x1F, 0x9E};
	uint32_t x = 0x9E3779B9u;
	X(f, "0020000108" PIN1, "9000");
	for (int i = 0; i < 20000; i++) {
		uint8_t rec[48];
		x ^= x << 13, x ^= x >> 17, x ^= x << 5;
		size_t n = 1 + x % sizeof(rec);
		for (size_t k = 0; k < n; k++) {
			x ^= x << 13, x ^= x >> 17, x ^= x << 5;
			rec[k] = (x & 3) ? tags[(x >> 8) % sizeof(tags)] : (uint8_t)(x >> 16) % 8;
		}
		/* copy to a heap block of exactly n bytes so ASan sees overreads */
		uint8_t *h = malloc(n);
		assert_non_null(h);
		memcpy(h, rec, n);
		bool any_grant = memchr(h, 0x90, n) || memchr(h, 0xA4, n);
		for (int op = VEUICC_ARR_READ; op <= VEUICC_ARR_INCREASE; op++) {
			bool ok =
			    veuicc_arr_rule_allows(h, n, (veuicc_arr_op)op, &f->fs->pins, f->usim);
			if (ok)
				assert_true(any_grant);
		}
		free(h);
	}
}

/* ---- C6 PIN status template ---------------------------------------------- */

/* The value of tag C6 in the FCP of a SELECT response, as hex. */
static void c6_of(fx *f, const char *select, char *out)
{
	uint8_t r[VEUICC_RAPDU_MAX];
	size_t rl = 0;
	xfer_buf(f, select, r, sizeof(r), &rl);
	assert_true(rl > 4 && r[0] == 0x62 && r[rl - 2] == 0x90);
	size_t i = 2;
	while (i + 1 < rl - 2 && r[i] != 0xC6)
		i += 2u + r[i + 1];
	assert_true(i + 1 < rl - 2);
	th_hex(r + i, 2u + r[i + 1], out);
}

static void test_pin_status_template(void **state)
{
	fx *f = *state;
	char c6[128];
	/* MF: 01 0A 0B all enabled */
	c6_of(f, "00A40004023F00 00", c6);
	assert_string_equal(c6, "C60C9001E083010183010A83010B");
	/* USIM: 81 01 0A 0B all enabled */
	c6_of(f, "00A4040410" USIM_AID "00", c6);
	assert_string_equal(c6, "C60F9001F083018183010183010A83010B");
	X(f, "0026000108" PIN1, "9000");
	/* PIN1 (second bit) disabled */
	c6_of(f, "00A4040410" USIM_AID "00", c6);
	assert_string_equal(c6, "C60F9001B083018183010183010A83010B");
	c6_of(f, "80F2000000", c6); /* STATUS gives the same */
	assert_string_equal(c6, "C60F9001B083018183010183010A83010B");
	/* no template, no C6: the ISIM */
	uint8_t r[VEUICC_RAPDU_MAX];
	size_t rl = 0;
	xfer_buf(f, "00A4040410" ISIM_AID "00", r, sizeof(r), &rl);
	assert_true(rl > 2 && r[0] == 0x62);
	assert_null(memchr(r, 0xC6, rl - 2));
	/* the universal PIN gets its usage qualifier */
	static const uint8_t ups[] = {0x01, 0x11};
	assert_int_equal(veuicc_fs_set_pin_template(f->isim, ups, 2), VEUICC_OK);
	add_pin(f->fs, 0x11, NULL, "3838383838383838", 3, 0);
	c6_of(f, "00A4040410" ISIM_AID "00", c6);
	assert_string_equal(c6, "C60C900140830101950108830111");
}

static void test_construction(void **state)
{
	fx *f = *state;
	veuicc_pin_params p;
	uint8_t v[8] = "1234";
	veuicc_pin_params_init(&p, 0x81);
	p.value = v;
	p.value_len = 4;
	assert_int_equal(veuicc_pin_add(&f->fs->pins, &p), VEUICC_ERR_INVALID_ARG); /* no ADF */
	p.adf = f->usim;
	assert_int_equal(veuicc_pin_add(&f->fs->pins, &p), VEUICC_ERR_INVALID_ARG); /* duplicate */
	p.adf = f->isim;
	assert_int_equal(veuicc_pin_add(&f->fs->pins, &p), VEUICC_OK); /* PIN2 of another ADF */
	veuicc_pin_params_init(&p, 0x01);
	p.value = v;
	p.value_len = 4;
	assert_int_equal(veuicc_pin_add(&f->fs->pins, &p), VEUICC_ERR_INVALID_ARG);
	veuicc_pin_params_init(&p, 0x02);
	p.value = v;
	p.value_len = 9;
	assert_int_equal(veuicc_pin_add(&f->fs->pins, &p), VEUICC_ERR_INVALID_ARG);
	p.value_len = 4;
	p.max_tries = 16;
	assert_int_equal(veuicc_pin_add(&f->fs->pins, &p), VEUICC_ERR_INVALID_ARG);
	p.max_tries = 3;
	p.tries_left = 4;
	assert_int_equal(veuicc_pin_add(&f->fs->pins, &p), VEUICC_ERR_INVALID_ARG);
	veuicc_pin_params_init(&p, 0x09); /* not a PIN key reference */
	p.value = v;
	p.value_len = 4;
	assert_int_equal(veuicc_pin_add(&f->fs->pins, &p), VEUICC_ERR_INVALID_ARG);
	assert_int_equal(veuicc_pin_add_puk(&f->fs->pins, 0x01, v, 4, 10, 10),
	                 VEUICC_ERR_INVALID_ARG);
	static const uint8_t bad[] = {0x01, 0x12};
	assert_int_equal(veuicc_fs_set_pin_template(f->mf, bad, 2), VEUICC_ERR_INVALID_ARG);
	assert_int_equal(veuicc_fs_set_pin_template(f->imsi, bad, 1), VEUICC_ERR_INVALID_ARG);
	/* a PIN installed with one try left and blocked ones */
	veuicc_pin_params_init(&p, 0x03);
	p.value = v;
	p.value_len = 4;
	p.tries_left = 0;
	assert_int_equal(veuicc_pin_add(&f->fs->pins, &p), VEUICC_OK);
	X(f, "00200003", "63C0");
	X(f, "0020000308 31323334FFFFFFFF", "6983");
}

/* ---- AUTHENTICATE ---------------------------------------------------------- */

/* The next token of \p *p separated by blanks, NUL-terminated in place. */
static char *next_tok(char **p)
{
	char *s = *p;
	while (*s == ' ' || *s == '\n' || *s == '\r')
		s++;
	if (!*s)
		return NULL;
	char *t = s;
	while (*s && *s != ' ' && *s != '\n' && *s != '\r')
		s++;
	if (*s)
		*s++ = 0;
	*p = s;
	return t;
}

enum { M_K, M_RAND, M_SQN, M_AMF, M_OP, M_OPC, M_F1, M_F1S, M_F2, M_F3, M_F4, M_F5, M_F5S, M_N };

typedef struct mset {
	uint8_t v[M_N][16];
	char hex[M_N][33];
} mset;

static void load_set(int set, mset *m)
{
	const char *dir = getenv("VEUICC_TEST_DATA");
	assert_non_null(dir);
	char path[512], line[1024];
	snprintf(path, sizeof(path), "%s/uicc_auth/milenage.txt", dir);
	FILE *fp = fopen(path, "r");
	assert_non_null(fp);
	bool found = false;
	while (!found && fgets(line, sizeof(line), fp)) {
		if (line[0] == '#')
			continue;
		char *cur = line, *tok = next_tok(&cur);
		if (!tok || atoi(tok) != set)
			continue;
		for (int i = 0; i < M_N; i++) {
			tok = next_tok(&cur);
			assert_non_null(tok);
			assert_true(strlen(tok) <= 32);
			strcpy(m->hex[i], tok);
			th_unhex(tok, m->v[i], 16);
		}
		found = true;
	}
	fclose(fp);
	assert_true(found);
}

static uint64_t be48(const uint8_t *b)
{
	uint64_t x = 0;
	for (int i = 0; i < 6; i++)
		x = x << 8 | b[i];
	return x;
}

/* Install the set's K and OPc for \p adf with an SQN array whose entry for
 * the set's IND is one below its SEQ, so that its SQN is fresh. */
static void install_set(fx *f, const veuicc_fs_node *adf, const mset *m)
{
	veuicc_aka_params p;
	assert_int_equal(veuicc_aka_params_milenage(&p, m->v[M_K], m->v[M_OPC], NULL), VEUICC_OK);
	uint64_t sqn = be48(m->v[M_SQN]);
	unsigned ind_bits = p.sqn.ind_bits;
	uint64_t seq[VEUICC_AKA_SQN_ARRAY_MAX] = {0};
	seq[sqn & ((1u << ind_bits) - 1)] = (sqn >> ind_bits) - 1;
	veuicc_aka_sqn_state st;
	assert_int_equal(veuicc_aka_sqn_state_init(&st, seq, VEUICC_AKA_SQN_ARRAY_MAX), VEUICC_OK);
	assert_int_equal(veuicc_fs_set_aka(f->fs, adf, &p, &st, 0), VEUICC_OK);
	veuicc_aka_params_clear(&p);
}

/* AUTHENTICATE 3G context data: 10 RAND 10 AUTN with AUTN = SQN xor AK ||
 * AMF || MAC-A from the published f5 and f1. */
static void auth_cmd(const mset *m, uint8_t p2, bool bad_mac, char *out)
{
	uint8_t autn[16];
	for (int i = 0; i < 6; i++)
		autn[i] = m->v[M_SQN][i] ^ m->v[M_F5][i];
	memcpy(autn + 6, m->v[M_AMF], 2);
	memcpy(autn + 8, m->v[M_F1], 8);
	if (bad_mac)
		autn[15] ^= 0x01;
	char ah[33];
	th_hex(autn, 16, ah);
	sprintf(out, "008800%02X22 10%s 10%s 00", p2, m->hex[M_RAND], ah);
}

/* Kc = c3(CK, IK) = CK1 xor CK2 xor IK1 xor IK2 (TS 33.102 §6.8.1.2). */
static void c3_hex(const mset *m, char *out)
{
	uint8_t kc[8];
	for (int i = 0; i < 8; i++)
		kc[i] = m->v[M_F3][i] ^ m->v[M_F3][8 + i] ^ m->v[M_F4][i] ^ m->v[M_F4][8 + i];
	th_hex(kc, 8, out);
}

static void test_authenticate_3g(void **state)
{
	fx *f = *state;
	X(f, SEL_USIM, "9000");
	for (int set = 1; set <= 20; set++) {
		mset m;
		load_set(set, &m);
		install_set(f, NULL, &m);
		char cmd[160], want[200], kc[17];
		auth_cmd(&m, 0x81, false, cmd);
		card_reset(f);
		X(f, SEL_USIM, "9000");
		X(f, cmd, "6982"); /* PIN1 not verified */
		X(f, "0020000108" PIN1, "9000");
		/* a wrong MAC: 9862, and the SQN is not consumed */
		char bad[160];
		auth_cmd(&m, 0x81, true, bad);
		X(f, bad, "9862");
		/* DB 08 RES 10 CK 10 IK 08 Kc (EF.UST has service n°27) */
		c3_hex(&m, kc);
		snprintf(want, sizeof(want), "DB 08%.16s 10%s 10%s 08%s 9000", m.hex[M_F2],
		         m.hex[M_F3], m.hex[M_F4], kc);
		X(f, cmd, want);
		/* replayed: SQN not fresh, DC 0E AUTS with AUTS = SQN_MS xor AK*
		 * || MAC-S, SQN_MS the SQN just accepted */
		uint8_t r[VEUICC_RAPDU_MAX];
		size_t rl = 0;
		xfer_buf(f, cmd, r, sizeof(r), &rl);
		assert_int_equal(rl, 2 + 14 + 2);
		assert_int_equal(r[0], 0xDC);
		assert_int_equal(r[1], 14);
		assert_int_equal(r[16], 0x90);
		for (int i = 0; i < 6; i++)
			assert_int_equal(r[2 + i], m.v[M_SQN][i] ^ m.v[M_F5S][i]);
		/* MAC-S = f1*(SQN_MS, RAND, AMF 0000): f1* itself is checked
		 * against the published values in tests/uicc_auth */
		veuicc_milenage_ctx mc;
		uint8_t macs[8];
		static const uint8_t amf0[2] = {0, 0};
		assert_int_equal(
		    veuicc_milenage_start(&mc, NULL, m.v[M_K], m.v[M_OPC], m.v[M_RAND]), VEUICC_OK);
		assert_int_equal(veuicc_milenage_f1(&mc, m.v[M_SQN], amf0, NULL, macs), VEUICC_OK);
		veuicc_milenage_end(&mc);
		assert_memory_equal(r + 8, macs, 8);
	}
}

static void test_authenticate_gsm_isim(void **state)
{
	fx *f = *state;
	mset m1, m2;
	load_set(1, &m1);
	load_set(2, &m2);
	install_set(f, f->usim, &m1);
	install_set(f, f->isim, &m2);
	char cmd[160], want[200], kc[17];
	X(f, SEL_USIM, "9000");
	X(f, "0020000108" PIN1, "9000");
	/* GSM context: 04 SRES 08 Kc, SRES = c2(RES) = RES1 xor RES2 */
	uint8_t sres[4];
	for (int i = 0; i < 4; i++)
		sres[i] = m1.v[M_F2][i] ^ m1.v[M_F2][4 + i];
	char sh[9];
	th_hex(sres, 4, sh);
	c3_hex(&m1, kc);
	snprintf(cmd, sizeof(cmd), "0088008011 10%s 00", m1.hex[M_RAND]);
	snprintf(want, sizeof(want), "04%s 08%s 9000", sh, kc);
	X(f, cmd, want);
	/* bad command codings */
	X(f, "0088008010 10000102030405060708090A0B0C0D0E", "6700");
	X(f, "0088008011 0F000102030405060708090A0B0C0D0E0F", "6A80");
	X(f, "0088018011 10000102030405060708090A0B0C0D0E0F", "6A86");
	X(f, "0088000111 10000102030405060708090A0B0C0D0E0F", "6A86");
	X(f, "8088008011 10000102030405060708090A0B0C0D0E0F", "6E00");
	/* without service n°27: no GSM context, no Kc in the 3G answer */
	uint8_t ust4 = 0x19; /* 1D with b3 cleared */
	assert_int_equal(veuicc_fs_write(f->ust, 3, &ust4, 1), VEUICC_OK);
	X(f, cmd, "6A86");
	auth_cmd(&m1, 0x81, false, cmd);
	snprintf(want, sizeof(want), "DB 08%.16s 10%s 10%s 9000", m1.hex[M_F2], m1.hex[M_F3],
	         m1.hex[M_F4]);
	X(f, cmd, want);
	/* ISIM: IMS AKA with its own credentials (set 2), no Kc; no GSM context */
	X(f, SEL_ISIM, "9000");
	auth_cmd(&m2, 0x81, false, cmd);
	snprintf(want, sizeof(want), "DB 08%.16s 10%s 10%s 9000", m2.hex[M_F2], m2.hex[M_F3],
	         m2.hex[M_F4]);
	X(f, cmd, want);
	snprintf(cmd, sizeof(cmd), "0088008011 10%s 00", m2.hex[M_RAND]);
	X(f, cmd, "6A86");
	/* no application: not a USIM command */
	X(f, "00A4000C02 3F00", "9000");
	X(f, "00A4044C10" ISIM_AID, "9000");
	X(f, cmd, "6D00");
}

/* ---- GET IDENTITY ------------------------------------------------------------ */

/* RNG handing out the test's ephemeral private key first, then a fixed
 * stream (only used to blind the scalar multiplications). */
typedef struct fixed_rng {
	uint8_t key[32];
	int calls;
	uint32_t x;
} fixed_rng;

static int fixed_rng_fn(void *ctx, unsigned char *out, size_t len)
{
	fixed_rng *r = ctx;
	if (r->calls++ == 0) {
		assert_int_equal(len, 32);
		memcpy(out, r->key, 32);
		return 0;
	}
	for (size_t i = 0; i < len; i++) {
		r->x ^= r->x << 13, r->x ^= r->x >> 17, r->x ^= r->x << 5;
		out[i] = (uint8_t)r->x;
	}
	return 0;
}

/* Fields of one line of suci_ts33501_c4.txt. */
enum {
	C_ID,
	C_SCHEME,
	C_HNPRIV,
	C_HNPUB,
	C_EPHPRIV,
	C_EPHPUB,
	C_Z,
	C_ENC,
	C_ICB,
	C_MAC,
	C_IN,
	C_CT,
	C_TAG,
	C_OUT,
	C_N
};

static void load_c4(const char *id, char f[C_N][300])
{
	const char *dir = getenv("VEUICC_TEST_DATA");
	assert_non_null(dir);
	char path[512], line[2048];
	snprintf(path, sizeof(path), "%s/uicc_auth/suci_ts33501_c4.txt", dir);
	FILE *fp = fopen(path, "r");
	assert_non_null(fp);
	bool found = false;
	while (!found && fgets(line, sizeof(line), fp)) {
		if (strncmp(line, id, strlen(id)) != 0 || line[strlen(id)] != ' ')
			continue;
		char *cur = line, *tok = next_tok(&cur);
		for (int i = 0; i < C_N; i++, tok = next_tok(&cur)) {
			assert_non_null(tok);
			assert_true(strlen(tok) < 300);
			strcpy(f[i], tok);
		}
		found = true;
	}
	fclose(fp);
	assert_true(found);
}

static void test_get_identity(void **state)
{
	fx *f = *state;
	/* the SUPI of Annex C.4.3.1 / C.4.4.1: IMSI 274012001002086, MNC of 3
	 * digits (EF.AD byte 4), MSIN 001002086 */
	fill(f->imsi, "082947100210000268");
	veuicc_fs_node *ad = mk_ef(f->fs, f->usim, 0x6FAD, VEUICC_FS_TRANSPARENT, 4, 0, 0);
	fill(ad, "00000003");
	char c4[C_N][300], want[400];
	fixed_rng rng = {.x = 0x2468ACE1u};
	veuicc_uicc_app_set_rng(f->ctx, fixed_rng_fn, &rng);

	X(f, SEL_USIM, "9000");
	X(f, "80780081 00", "6982"); /* PIN1 */
	X(f, "0020000108" PIN1, "9000");
	X(f, "80780081 00", "6985"); /* no scheme stored */

	/* Profile A (C.4.3.1), Home Network Public Key Identifier 27 */
	load_c4("C.4.3.1", c4);
	uint8_t pub[65];
	size_t pl = th_unhex(c4[C_HNPUB], pub, sizeof(pub));
	assert_int_equal(veuicc_fs_set_suci(f->fs, 1, 0x27, pub, pl), VEUICC_OK);
	th_unhex(c4[C_EPHPRIV], rng.key, 32);
	/* A1 35: 01, HNI 72 24 10 (MCC 274, MNC 012), routing F0FF, scheme 01,
	 * key id 27, scheme output (45 bytes) */
	snprintf(want, sizeof(want), "A135 01 722410 F0FF 01 27 %s 9000", c4[C_OUT]);
	X(f, "80780081 00", want);

	/* Profile B (C.4.4.1, compressed ephemeral key), with a Routing
	 * Indicator in DF.5GS */
	load_c4("C.4.4.1", c4);
	pl = th_unhex(c4[C_HNPUB], pub, sizeof(pub));
	assert_int_equal(veuicc_fs_set_suci(f->fs, 2, 0x05, pub, pl), VEUICC_OK);
	th_unhex(c4[C_EPHPRIV], rng.key, 32);
	rng.calls = 0;
	veuicc_fs_node *df5gs, *ri;
	assert_int_equal(veuicc_fs_create_df(f->fs, f->usim, 0x5FC0, &df5gs), VEUICC_OK);
	ri = mk_ef(f->fs, df5gs, 0x4F0A, VEUICC_FS_TRANSPARENT, 4, 0, 0);
	fill(ri, "2143FFFF");
	snprintf(want, sizeof(want), "A136 01 722410 2143 02 05 %s 9000", c4[C_OUT]);
	X(f, "00780081 00", want); /* class 0X is taken too */

	/* null scheme: the MSIN in clear */
	assert_int_equal(veuicc_fs_set_suci(f->fs, 0, 0, NULL, 0), VEUICC_OK);
	X(f, "80780081 00", "A10D 01 722410 2143 00 00 00012080F6 9000");

	/* codings, the other applications, service n°125 */
	X(f, "80780001 00", "6A86");
	X(f, "80780181 00", "6A86");
	X(f, "8078008101 00 00", "6700");
	X(f, SEL_ISIM, "9000");
	X(f, "80780081 00", "6D00");
	X(f, SEL_USIM, "9000");
	uint8_t b16 = 0x2E; /* 3E without service n°125 (b5) */
	assert_int_equal(veuicc_fs_write(f->ust, 15, &b16, 1), VEUICC_OK);
	X(f, "80780081 00", "6985");
	/* bad keys are refused when stored */
	assert_int_equal(veuicc_fs_set_suci(f->fs, 1, 0, pub, 33), VEUICC_ERR_INVALID_ARG);
	assert_int_equal(veuicc_fs_set_suci(f->fs, 3, 0, NULL, 0), VEUICC_ERR_INVALID_ARG);
	assert_int_equal(veuicc_fs_set_suci(f->fs, 0, 0, pub, 1), VEUICC_ERR_INVALID_ARG);
}

/* Without a stored scheme, GET IDENTITY reads EF.SUCI_Calc_Info_USIM (DF.SAIP
 * 4F01, TS 31.102 §4.4.11.8 coding): the first entry of the A0 list names
 * the scheme and the index of its key in the A1 list. */
static void test_get_identity_from_ef(void **state)
{
	fx *f = *state;
	fill(f->imsi, "082947100210000268");
	veuicc_fs_node *ad = mk_ef(f->fs, f->usim, 0x6FAD, VEUICC_FS_TRANSPARENT, 4, 0, 0);
	fill(ad, "00000003");
	char c4[C_N][300], want[400], ef_hex[800];
	fixed_rng rng = {.x = 0x13579BDFu};
	veuicc_uicc_app_set_rng(f->ctx, fixed_rng_fn, &rng);
	load_c4("C.4.3.1", c4);
	th_unhex(c4[C_EPHPRIV], rng.key, 32);
	/* A0: (Profile A, key 2), (null, 0); A1: key id 11 (a P-256 key,
	 * unused), key id 27 (the Annex C.4.3.1 X25519 key); FF padding */
	snprintf(ef_hex, sizeof(ef_hex),
	         "A004 0102 0000 A1%02X 800111 8121 02%s 800127 8120 %s FFFF",
	         3 + 2 + 33 + 3 + 2 + 32,
	         "00000000000000000000000000000000000000000000000000000000000000AA", c4[C_HNPUB]);
	uint8_t ef[200];
	size_t el = th_unhex(ef_hex, ef, sizeof(ef));
	veuicc_fs_node *saip, *calc;
	assert_int_equal(veuicc_fs_create_df(f->fs, f->usim, 0x5FD0, &saip), VEUICC_OK);
	calc = mk_ef(f->fs, saip, 0x4F01, VEUICC_FS_TRANSPARENT, el, 0, 0);
	assert_int_equal(veuicc_fs_write(calc, 0, ef, el), VEUICC_OK);
	X(f, SEL_USIM, "9000");
	X(f, "0020000108" PIN1, "9000");
	snprintf(want, sizeof(want), "A135 01 722410 F0FF 01 27 %s 9000", c4[C_OUT]);
	X(f, "80780081 00", want);
	/* the null scheme first: the MSIN in clear, key id 0 */
	ef[2] = 0x00;
	ef[3] = 0x00;
	assert_int_equal(veuicc_fs_write(calc, 0, ef, el), VEUICC_OK);
	X(f, "80780081 00", "A10D 01 722410 F0FF 00 00 00012080F6 9000");
	/* an index past the key list: no SUCI (6985) */
	ef[2] = 0x01;
	ef[3] = 0x03;
	assert_int_equal(veuicc_fs_write(calc, 0, ef, el), VEUICC_OK);
	X(f, "80780081 00", "6985");
}

/* The application's own RNG: two SUCIs of the same SUPI differ. */
static void test_get_identity_own_rng(void **state)
{
	fx *f = *state;
	char c4[C_N][300];
	load_c4("C.4.3.1", c4);
	uint8_t pub[32], r1[128], r2[128];
	th_unhex(c4[C_HNPUB], pub, sizeof(pub));
	assert_int_equal(veuicc_fs_set_suci(f->fs, 1, 1, pub, 32), VEUICC_OK);
	X(f, SEL_USIM, "9000");
	X(f, "0020000108" PIN1, "9000");
	size_t l1 = 0, l2 = 0;
	xfer_buf(f, "80780081 00", r1, sizeof(r1), &l1);
	xfer_buf(f, "80780081 00", r2, sizeof(r2), &l2);
	assert_int_equal(l1, 2 + 8 + 32 + 5 + 8 + 2);
	assert_int_equal(l2, l1);
	assert_int_equal(r1[l1 - 2], 0x90);
	assert_memory_equal(r1, r2, 10);               /* the same header */
	assert_memory_not_equal(r1 + 10, r2 + 10, 32); /* fresh ephemeral keys */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_verify_block_unblock, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_puk_blocks, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_pin_errors, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_change_disable_enable, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_local_pin_and_or_rule, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_arr_adm, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_arr_rules, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_arr_random_records, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_pin_status_template, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_construction, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_authenticate_3g, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_authenticate_gsm_isim, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_get_identity, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_get_identity_own_rng, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_get_identity_from_ef, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
