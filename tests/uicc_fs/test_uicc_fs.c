/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The UICC file system and its file commands (ETSI TS 102 221 §8, §11.1),
 * driven through the application's operations with parsed C-APDUs.
 *
 * The tree is a small TS.48-like profile:
 *   MF 3F00
 *     EF.DIR    2F00 linear fixed 3 x 32, SFI 1E
 *     EF.ICCID  2FE2 transparent 10 (89000123456789012341, nibble-swapped)
 *     EF.ARR    2F06 linear fixed 3 x 16, no SFI: every record allows
 *               READ, UPDATE and INCREASE always (access rules are tested
 *               in tests/uicc_sec)
 *     DF.TELECOM 7F10
 *       DF.GRAPHICS 5F50
 *         EF.IMG 4F20 linear fixed 2 x 9
 *     DF.GSM    7F20
 *   ADF.USIM (7FF0) A0000000871002FF33FF018900000100
 *     EF.ARR    6F06 linear fixed 2 x 16, no SFI, as the MF's
 *     EF.IMSI   6F07 transparent 9 (IMSI 001010123456789), implicit SFI 07
 *     EF.AD     6FAD transparent 4, SFI 03
 *     EF.ACM    6F39 cyclic 5 x 3
 *     EF.SPN    6F46 transparent 17, deactivated
 *     EF 6FB0   BER-TLV 32 (commands not supported)
 *   ADF.ISIM (7FF1) A0000000871004FF49FF018900000100
 */
#include <stdlib.h>

#include "apdu/card_helpers.h"

#include "apdu/apdu.h"
#include "apdu/engine.h"
#include "apdu/sw.h"
#include "uicc/uicc_app.h"

#define USIM_AID "A0000000871002FF33FF018900000100"
#define ISIM_AID "A0000000871004FF49FF018900000100"
#define ICCID    "98001032547698103214"
#define IMSI     "080910101032547698"

/* A real eUICC's EF.ICCID FCP (sysmoEUICC1-C2T, read over OTA in osmocom
 * pySim's smpp2sim test): transparent, FID 2FE2, A5 { D0 01 40 }, activated,
 * EF.ARR 2F06 record 3, 10 bytes, SFI not supported (88 00). */
#define ICCID_FCP "621B8202412183022FE2A503D001408A01058B032F06038002000A8800"

/* MF: DF descriptor, 3F00, A5 { 80 71 }, activated, total size of the EFs
 * below it: EF.DIR 96 + EF.ICCID 10 + EF.ARR 48 + EF.IMG 18 = 172 = 00AC. */
#define MF_FCP "6214 82027821 83023F00 A503800171 8A0105 810200AC"
/* ADF.USIM: EFs 32 + 9 + 4 + 15 + 17 + 32 = 109 = 006D */
#define USIM_FCP "6221 82027821 83027FF0 8410" USIM_AID " 8A0105 8102006D"
/* EF.ARR record: 80 01 03 90 00 (read, update: always), 84 01 32 90 00
 * (INCREASE: always) */
#define ARR_ALWAYS "8001039000 840132 9000"
/* EF.IMSI: transparent, ARR 6F06 record 2, 9 bytes, implicit SFI (no 88) */
#define IMSI_FCP "6214 82024121 83026F07 8A0105 8B036F0602 80020009"
/* EF.DIR: linear fixed 3 records of 0x20, 96 bytes, SFI 1E (F0) */
#define DIR_FCP "6215 8205422100200 3 83022F00 8A0105 80020060 8801F0"
/* EF.DIR record 1: application template { AID of USIM, label "USIM" } */
#define DIR_REC1 "61184F10" USIM_AID "5004 5553494D FFFFFFFFFFFF"
#define DIR_REC2 "61184F10" ISIM_AID "5004 4953494D FFFFFFFFFFFF"
#define FF32     "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF"
#define FF31     "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF"

typedef struct fx {
	const veuicc_applet_ops *ops;
	void *ctx;
	veuicc_fs_node *mf, *dir, *iccid, *telecom, *graphics, *img, *gsm, *usim, *isim, *imsi, *ad,
	    *acm, *spn, *bertlv;
} fx;

static veuicc_fs_node *mk_ef(veuicc_fs *fs, veuicc_fs_node *parent, uint16_t fid,
                             veuicc_fs_ef_struct s, size_t size, uint16_t rec_len, uint8_t nrec,
                             uint8_t sfi, uint8_t fill)
{
	veuicc_fs_ef_params p;
	veuicc_fs_ef_params_init(&p, fid, s);
	p.size = size;
	p.rec_len = rec_len;
	p.nrec = nrec;
	p.sfi = sfi;
	p.fill = fill;
	veuicc_fs_node *n = NULL;
	assert_int_equal(veuicc_fs_create_ef(fs, parent, &p, &n), VEUICC_OK);
	assert_non_null(n);
	return n;
}

static void fill(veuicc_fs_node *ef, size_t off, const char *hex)
{
	uint8_t b[256];
	size_t n = th_unhex(hex, b, sizeof(b));
	assert_int_equal(veuicc_fs_write(ef, off, b, n), VEUICC_OK);
}

/* The tree of the file comment; node pointers are kept in \p f. */
static veuicc_fs *build_tree(fx *f)
{
	veuicc_fs *fs = NULL;
	assert_int_equal(veuicc_fs_new(VEUICC_FS_UICC_CHAR_DEFAULT, &fs), VEUICC_OK);
	f->mf = veuicc_fs_mf(fs);

	f->dir = mk_ef(fs, f->mf, 0x2F00, VEUICC_FS_LINEAR_FIXED, 0, 0x20, 3, 0x1E, 0xFF);
	fill(f->dir, 0, DIR_REC1);

	f->iccid =
	    mk_ef(fs, f->mf, 0x2FE2, VEUICC_FS_TRANSPARENT, 10, 0, 0, VEUICC_FS_SFI_NONE, 0xFF);
	fill(f->iccid, 0, ICCID);
	static const uint8_t toolkit_ac[] = {0xD0, 0x01, 0x40};
	assert_int_equal(veuicc_fs_set_proprietary(f->iccid, toolkit_ac, sizeof(toolkit_ac)),
	                 VEUICC_OK);
	assert_int_equal(veuicc_fs_set_arr(f->iccid, 0x2F06, 3), VEUICC_OK);
	veuicc_fs_node *arr =
	    mk_ef(fs, f->mf, 0x2F06, VEUICC_FS_LINEAR_FIXED, 0, 16, 3, VEUICC_FS_SFI_NONE, 0xFF);
	for (unsigned r = 0; r < 3; r++)
		fill(arr, r * 16, ARR_ALWAYS);

	assert_int_equal(veuicc_fs_create_df(fs, f->mf, 0x7F10, &f->telecom), VEUICC_OK);
	assert_int_equal(veuicc_fs_create_df(fs, f->telecom, 0x5F50, &f->graphics), VEUICC_OK);
	f->img = mk_ef(fs, f->graphics, 0x4F20, VEUICC_FS_LINEAR_FIXED, 0, 9, 2,
	               VEUICC_FS_SFI_IMPLICIT, 0xFF);
	assert_int_equal(veuicc_fs_create_df(fs, f->mf, 0x7F20, &f->gsm), VEUICC_OK);

	uint8_t aid[16];
	th_unhex(USIM_AID, aid, sizeof(aid));
	assert_int_equal(veuicc_fs_create_adf(fs, 0x7FF0, aid, 16, &f->usim), VEUICC_OK);
	arr =
	    mk_ef(fs, f->usim, 0x6F06, VEUICC_FS_LINEAR_FIXED, 0, 16, 2, VEUICC_FS_SFI_NONE, 0xFF);
	for (unsigned r = 0; r < 2; r++)
		fill(arr, r * 16, ARR_ALWAYS);
	f->imsi = mk_ef(fs, f->usim, 0x6F07, VEUICC_FS_TRANSPARENT, 9, 0, 0, VEUICC_FS_SFI_IMPLICIT,
	                0xFF);
	fill(f->imsi, 0, IMSI);
	assert_int_equal(veuicc_fs_set_arr(f->imsi, 0x6F06, 2), VEUICC_OK);
	f->ad = mk_ef(fs, f->usim, 0x6FAD, VEUICC_FS_TRANSPARENT, 4, 0, 0, 0x03, 0xFF);
	fill(f->ad, 0, "00000002");
	f->acm = mk_ef(fs, f->usim, 0x6F39, VEUICC_FS_CYCLIC, 0, 3, 5, VEUICC_FS_SFI_IMPLICIT, 0);
	f->spn = mk_ef(fs, f->usim, 0x6F46, VEUICC_FS_TRANSPARENT, 17, 0, 0, VEUICC_FS_SFI_IMPLICIT,
	               0xFF);
	assert_int_equal(veuicc_fs_set_lcsi(f->spn, VEUICC_FS_LCS_DEACTIVATED), VEUICC_OK);
	f->bertlv = mk_ef(fs, f->usim, 0x6FB0, VEUICC_FS_BER_TLV, 32, 0, 0, VEUICC_FS_SFI_NONE, 0);
	th_unhex(ISIM_AID, aid, sizeof(aid));
	assert_int_equal(veuicc_fs_create_adf(fs, 0x7FF1, aid, 16, &f->isim), VEUICC_OK);

	return fs;
}

static int setup(void **state)
{
	fx *f = calloc(1, sizeof(*f));
	assert_non_null(f);
	veuicc_fs *fs = build_tree(f);
	assert_int_equal(veuicc_uicc_app_new(fs, &f->ops, &f->ctx), VEUICC_OK);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fx *f = *state;
	f->ops->destroy(f->ctx);
	free(f);
	return 0;
}

/* Parse a hex C-APDU, run it through op (process or select), and compare the
 * response data and status word with \p expect. */
static void run(fx *f, bool via_select, const char *capdu, const char *expect)
{
	static uint8_t c[VEUICC_CAPDU_MAX], r[VEUICC_RAPDU_MAX], x[VEUICC_RAPDU_MAX];
	static char got[2 * VEUICC_RAPDU_MAX + 1], want[2 * VEUICC_RAPDU_MAX + 1];
	size_t cl = th_unhex(capdu, c, sizeof(c));
	veuicc_capdu cmd;
	assert_int_equal(veuicc_capdu_parse(c, cl, &cmd), VEUICC_OK);
	assert_true(veuicc_cla_decode(c[0], &cmd.cl));
	veuicc_rsp rsp = {.buf = r, .cap = sizeof(r) - 2, .len = 0, .owner = NULL, .err = 0};
	uint16_t sw =
	    via_select ? f->ops->select(f->ctx, &cmd, &rsp) : f->ops->process(f->ctx, &cmd, &rsp);
	assert_int_equal(rsp.err, 0);
	if (!veuicc_sw_allows_data(sw))
		assert_int_equal(rsp.len, 0); /* an error comes without data */
	r[rsp.len] = (uint8_t)(sw >> 8);
	r[rsp.len + 1] = (uint8_t)sw;
	size_t xl = th_unhex(expect, x, sizeof(x));
	th_hex(r, rsp.len + 2, got);
	th_hex(x, xl, want);
	if (strcmp(got, want) != 0)
		fail_msg("C-APDU %s\n  expected %s\n  got      %s", capdu, want, got);
}

#define X(capdu, expect)  run(f, false, capdu, expect)
#define XS(capdu, expect) run(f, true, capdu, expect)

/* ---- FCP ------------------------------------------------------------- */

/* The FCP of a file built with a real card's attributes is that card's FCP,
 * byte for byte (TS 102 221 §11.1.1.3.2). */
static void test_fcp_matches_real_iccid(void **state)
{
	fx *f = *state;
	uint8_t buf[VEUICC_FS_FCP_MAX], want[64];
	size_t len = 0;
	assert_int_equal(veuicc_fs_fcp(f->iccid, buf, sizeof(buf), &len), VEUICC_OK);
	size_t wl = th_unhex(ICCID_FCP, want, sizeof(want));
	assert_int_equal(len, wl);
	assert_memory_equal(buf, want, wl);
	/* and through SELECT by FID with P2 = 04 */
	X("00A4000402 2FE2", ICCID_FCP "9000");
	/* a buffer too small is an error, not a truncated FCP */
	assert_int_equal(veuicc_fs_fcp(f->iccid, buf, 20, &len), VEUICC_ERR_BUFFER_TOO_SMALL);
}

static void test_fcp_of_each_kind(void **state)
{
	fx *f = *state;
	X("00A4000402 3F00", MF_FCP "9000");
	X("00A4000402 2F00", DIR_FCP "9000");
	X("00A4040410" USIM_AID, USIM_FCP "9000");
	X("00A4000402 6F07", IMSI_FCP "9000");
	/* cyclic: FDB 46, record length 3, 5 records, 15 bytes */
	X("00A4000402 6F39", "6212 82054621000305 83026F39 8A0105 8002000F 9000");
	/* BER-TLV EF: FDB 79 */
	X("00A4000402 6FB0", "6211 82027921 83026FB0 8A0105 80020020 8800 9000");
	/* a DF: no 84, total size of EF.IMG (18 = 12) */
	X("00A4000402 3F00", MF_FCP "9000");
	X("00A4000402 7F10", "620F 82027821 83027F10 8A0105 81020012 9000");
}

/* ---- SELECT ---------------------------------------------------------- */

static void test_select_no_data(void **state)
{
	fx *f = *state;
	X("00A4000C02 3F00", "9000");
	X("00A4000C02 2FE2", "9000");
	X("00B000000A", ICCID "9000");
}

/* §8.4.1: children, the current DF, its parent, sibling DFs, the MF. */
static void test_select_fid_rules(void **state)
{
	fx *f = *state;
	X("00A4000C02 7F10", "9000"); /* child DF of the MF */
	X("00A4000C02 5F50", "9000"); /* child of 7F10 */
	X("00A4000C02 4F20", "9000"); /* EF child of 5F50 */
	X("00A4000C02 5F50", "9000"); /* the current DF (the EF's parent) */
	X("00A4000C02 7F10", "9000"); /* its parent */
	X("00A4000C02 7F20", "9000"); /* a sibling DF of 7F10 */
	X("00A4000C02 7F10", "9000"); /* and back */
	X("00A4000C02 2FE2", "6A82"); /* an EF of the parent is not reachable */
	X("00A4000C02 5F50", "9000");
	X("00A4000C02 7F20", "6A82"); /* not a sibling of 5F50 */
	X("00A4000C02 6F07", "6A82"); /* USIM EF without the ADF */
	X("00A4000C02 7FF0", "6A82"); /* an ADF is not a child of the MF */
	X("00A4000C02 7FFF", "6A82"); /* no current application */
	X("00A4000C02 3F00", "9000"); /* the MF from anywhere */
	X("00A4000C02 4F20", "6A82"); /* not a child of the MF */
}

static void test_select_failure_keeps_selection(void **state)
{
	fx *f = *state;
	X("00A4000C02 2FE2", "9000");
	X("00A4000C02 1234", "6A82");
	X("00A4000C03 7F1000", "6700");
	X("00A4080C04 7F10 9999", "6A82");
	X("00A4020C02 2FE2", "6A86");
	X("00B0000002", "9800"
	                "9000"); /* EF.ICCID is still current */
}

static void test_select_child_parent(void **state)
{
	fx *f = *state;
	X("00A4010402 7F10", "620F 82027821 83027F10 8A0105 81020012 9000");
	X("00A4010C02 5F50", "9000");
	X("00A4010C02 4F20", "6A82"); /* an EF is not a child DF */
	X("00A4010C02 7F20", "6A82"); /* a sibling is not a child */
	X("00A4030C", "9000");        /* 5F50 → 7F10 */
	X("00A4030C01 00", "6700");   /* P1 03 takes no data */
	X("00A4030C", "9000");        /* 7F10 → MF */
	X("00A4030C", "6A82");        /* the MF has no parent */
	X("00A4000C02 2F00", "9000");
	X("00A40304", "6A82"); /* EF selected in the MF: the MF has no parent */
}

static void test_select_path(void **state)
{
	fx *f = *state;
	X("00A4080406 7F10 5F50 4F20", "6212 82054221000902 83024F20 8A0105 80020012 9000");
	X("00A4080C04 2FE2 4F20", "6A82"); /* an EF in the middle */
	X("00A4080C04 3F00 2FE2", "6A82"); /* the path from the MF omits 3F00 */
	X("00A4080C04 7FFF 6F07", "6A82"); /* no current application */
	X("00A4080C03 7F10 5F", "6700");   /* odd length */
	X("00A4080C", "6700");             /* no path */
	X("00A4000C02 7F10", "9000");
	X("00A4090C04 5F50 4F20", "9000"); /* from the current DF */
	X("00A4090C02 7F10", "6A82");      /* 7F10 is not a child of 5F50 */
	X("00A4090C02 4F20", "9000");      /* a child of the current DF */
	X("00A40404 10" USIM_AID, USIM_FCP "9000");
	X("00A4080402 7FFF", USIM_FCP "9000");
	X("00A4080C04 7FFF 6F07", "9000");
	X("00B0000009", IMSI "9000");
	X("00A4080C02 2FE2", "9000");
	X("00B000000A", ICCID "9000");
	X("00A4090C04 7FFF 6F07", "6A82"); /* 7FFF only starts a path from the MF */
}

static void test_select_aid(void **state)
{
	fx *f = *state;
	X("00A4040C10 A0000000871002FF33FF018900000199", "6A82");
	/* through the engine's SELECT by DF name entry point */
	XS("00A4040410" USIM_AID, USIM_FCP "9000");
	X("00A4000C02 6F07", "9000");
	X("00B0000009", IMSI "9000");
	X("00A4000402 7FFF", USIM_FCP "9000");
	X("00A4000402 7FF0", USIM_FCP "9000"); /* the current DF by its own FID */
	X("00A4000C02 6F07", "9000");
	X("00A4000C02 7FF1", "6A82"); /* another ADF's FID: never */
	/* the MF does not end the application: 7FFF still works */
	X("00A4000C02 3F00", "9000");
	X("00A4000C02 7FFF", "9000");
	X("00A4000C02 6FAD", "9000");
	X("00B0000004", "00000002 9000");
	/* right-truncated AID; first, next and previous occurrence */
	X("00A4040C07 A0000000871002", "9000");
	X("80F20001", "8410" USIM_AID "9000");
	X("00A4040E05 A000000087", "9000"); /* next after USIM: ISIM */
	X("80F20001", "8410" ISIM_AID "9000");
	X("00A4040E05 A000000087", "6A82"); /* no occurrence after ISIM */
	X("00A4040F05 A000000087", "9000"); /* previous: USIM */
	X("80F20001", "8410" USIM_AID "9000");
	X("00A4040D05 A000000087", "9000"); /* last: ISIM */
	X("80F20001", "8410" ISIM_AID "9000");
	/* termination of another application fails, of the current one works */
	X("00A4044C10" USIM_AID, "6A82");
	X("00A4044C10" ISIM_AID, "9000");
	X("80F20001", "6A88");
	X("00A4000C02 7FFF", "6A82");
	X("80F20000", MF_FCP "9000");
	/* malformed */
	X("00A4040C", "6700");
	X("00A4040C11" USIM_AID "01", "6A82");
	X("00A4048C10" USIM_AID, "6A86");
	X("00A4041C10" USIM_AID, "6A86");
	X("00A4040810" USIM_AID, "6A86");
	/* P2 00 (return FCI, the GP form): RFU for an ADF in TS 102 221; an
	 * AID no ADF has is not found, as for applets (decision A23) */
	X("00A4040010" USIM_AID, "6A86");
	X("00A4040007 A0000000871002", "6A86");
	X("00A4040010 A0000000871002FF33FF018900000199", "6A82");
	X("00A404000A F0766575696363120101", "6A82");
	X("00A4044010" USIM_AID, "6A86");
}

static void test_select_malformed(void **state)
{
	fx *f = *state;
	X("00A4020C02 3F00", "6A86"); /* P1 02 RFU */
	X("00A4100C02 3F00", "6A86");
	X("00A4000002 3F00", "6A86"); /* P2 00 (FCI) is RFU in TS 102 221 */
	X("00A4000802 3F00", "6A86");
	X("00A4000502 3F00", "6A86"); /* occurrence bits by FID */
	X("00A4004C02 3F00", "6A86");
	X("00A4000C01 3F", "6700");
	X("00A4000C03 3F0000", "6700");
	X("00A4000C", "6700");
	X("00A4010C", "6700");
	X("80A4000C02 3F00", "6E00"); /* SELECT is CLA 0X */
	X("00CA005A00", "6D00");
}

static void test_select_deactivated(void **state)
{
	fx *f = *state;
	X("00A4040C10" USIM_AID, "9000");
	/* §11.1.1: selected, with a warning; the FCP says 04 */
	X("00A4000402 6F46", "620F 82024121 83026F46 8A0104 80020011 6283");
	X("00B0000001", "6283");
	X("00D6000001 00", "6283");
}

/* ---- STATUS ---------------------------------------------------------- */

static void test_status(void **state)
{
	fx *f = *state;
	X("80F2000000", MF_FCP "9000");
	X("80F2000C00", "9000");
	X("80F20001", "6A88"); /* no application yet */
	X("00A4000C02 2FE2", "9000");
	X("80F20000", MF_FCP "9000"); /* the current directory, not the EF */
	X("00A4040C10" USIM_AID, "9000");
	X("00A4000C02 6F07", "9000");
	X("80F2000000", USIM_FCP "9000");
	X("80F2010100", "8410" USIM_AID "9000");
	X("80F2020C00", "9000");
	X("80F2030000", "6A86");
	X("80F2000200", "6A86");
	X("80F2000001 00", "6700");
	X("00F2000000", "6E00"); /* STATUS is CLA 8X */
	/* STATUS does not change the selection */
	X("00B0000009", IMSI "9000");
}

/* ---- READ / UPDATE BINARY ----------------------------------------------- */

static void test_read_binary(void **state)
{
	fx *f = *state;
	X("00B000000A", "6986"); /* the MF is selected: no current EF */
	X("00A4000C02 2FE2", "9000");
	X("00B000000A", ICCID "9000");
	X("00B0000005", "9800103254 9000");
	X("00B0000505", "7698103214 9000");
	X("00B0000800", "3214 6282"); /* Le 256: the 2 bytes left, end of file */
	X("00B0000000", ICCID "6282");
	X("00B0000A01", "6B00");       /* offset at the end */
	X("00B0010001", "6B00");       /* offset 256 */
	X("00B00000", "6700");         /* no Le (case 1) */
	X("00B0000001 00 01", "6700"); /* data in a READ */
	X("00A4000C02 2F00", "9000");
	X("00B0000001", "6981"); /* a record EF */
	X("00A4000C02 7F10", "9000");
	X("00B0000001", "6986"); /* a DF */
}

static void test_read_binary_sfi(void **state)
{
	fx *f = *state;
	X("00A4040C10" USIM_AID, "9000");
	X("00B0870009", IMSI "9000");     /* implicit SFI 07 of 6F07 */
	X("00B0000009", IMSI "9000");     /* the SFI made EF.IMSI current */
	X("00B0830004", "00000002 9000"); /* explicit SFI 03 */
	X("00B0830202", "0002 9000");
	X("00B0830400", "6B00");
	X("00B0850001", "6A82"); /* no EF with SFI 05 */
	X("00B0800001", "6A86"); /* SFI 0 */
	X("00B09F0001", "6A86"); /* SFI 31 */
	X("00B0A70001", "6A86"); /* b6 set */
	X("00B0990001", "6981"); /* SFI 25 = 6F39 cyclic */
	X("00B0000003", "6981"); /* now current, still cyclic */
	X("00A4000C02 6FB0", "9000");
	X("00B0000001", "6981"); /* BER-TLV EF */
	X("00A4000C02 3F00", "9000");
	X("00B0820001", "6A82"); /* 2FE2 has no SFI (88 00) */
}

static void test_update_binary(void **state)
{
	fx *f = *state;
	X("00D6000002 1234", "6986");
	X("00A4000C02 2FE2", "9000");
	X("00D6000202 AABB", "9000");
	X("00B000000A", "9800AABB5476981032149000");
	X("00D6000A01 00", "6B00");
	X("00D6000902 0000", "6700");
	X("00D6000000", "6700"); /* no data */
	X("00D60000", "6700");
	X("00D600000A" ICCID, "9000");
	X("00B000000A", ICCID "9000");
	X("00A4040C10" USIM_AID, "9000");
	X("00D6830001 01", "9000"); /* by SFI */
	X("00B0000004", "01000002 9000");
	X("00A4000C02 6F39", "9000");
	X("00D6000001 01", "6981");
	assert_int_equal(f->iccid->data[0], 0x98);
}

/* ---- records --------------------------------------------------------- */

static void test_read_record_linear(void **state)
{
	fx *f = *state;
	X("00A4000C02 2F00", "9000");
	X("00B2010420", DIR_REC1 "9000");
	X("00B2030420", FF32 "9000");
	X("00B2040420", "6A83");
	X("00B2000420", "6A83");          /* current record: the pointer is not set */
	X("00B2000220", DIR_REC1 "9000"); /* next from unset: record 1 */
	X("00B2000220", FF32 "9000");     /* 2 */
	X("00B2000220", FF32 "9000");     /* 3 */
	X("00B2000220", "6A83");          /* no wrap in a linear fixed EF */
	X("00B2000320", FF32 "9000");     /* previous: 2 */
	X("00B2000320", DIR_REC1 "9000"); /* 1 */
	X("00B2000320", "6A83");
	X("00B2000420", DIR_REC1 "9000"); /* current = 1 */
	X("00B2030420", FF32 "9000");     /* absolute does not move the pointer */
	X("00B2000420", DIR_REC1 "9000");
	X("00A4000C02 2F00", "9000"); /* reselection clears it */
	X("00B2000320", FF32 "9000"); /* previous from unset: the last */
	X("00B2FF0420", "6A86");
	X("00B2010120", "6A86");
	X("00B2010520", "6A86");
	X("00B20104", "6700");
	X("00A4000C02 3F00", "9000");
	X("00B201F420", DIR_REC1 "9000"); /* SFI 1E */
	X("00B200F220", DIR_REC1 "9000"); /* next: record 1 (pointer not set) */
	X("00B200F220", FF32 "9000");     /* same EF by SFI: the pointer stays, 2 */
	X("00B201FC20", "6A86");          /* SFI 31 */
	X("00B201EC20", "6A82");          /* SFI 1D */
	X("00B2010420", DIR_REC1 "9000"); /* EF.DIR is current */
	X("00A4000C02 2FE2", "9000");
	X("00B2010400", "6981");
	X("00A4000C02 7F10", "9000");
	X("00B2010400", "6986");
}

static void test_update_record_linear(void **state)
{
	fx *f = *state;
	X("00A4000C02 2F00", "9000");
	X("00DC020420" DIR_REC2, "9000");
	X("00B2020420", DIR_REC2 "9000");
	X("00DC02041F" FF31, "6700"); /* wrong length */
	X("00DC020401 00", "6700");
	X("00DC040420" FF32, "6A83");
	X("00DC000420" FF32, "6A83");     /* current, pointer not set */
	X("00DC000220" DIR_REC1, "9000"); /* next: record 1 */
	X("00B2000420", DIR_REC1 "9000");
	X("00DC000220" FF32, "9000"); /* next: record 2 */
	X("00B2020420", FF32 "9000");
	X("00DC020420" DIR_REC2, "9000");
	X("00DC010020" FF32, "6A86");
	X("00A4000C02 2FE2", "9000");
	X("00DC010401 00", "6981");
}

static void test_cyclic(void **state)
{
	fx *f = *state;
	X("00A4040C10" USIM_AID, "9000");
	X("00A4000C02 6F39", "9000");
	X("00B2010403", "000000 9000");
	/* §11.1.6: PREVIOUS writes the oldest record, which becomes record 1 */
	X("00DC000303 000001", "9000");
	X("00DC000303 000002", "9000");
	X("00B2010403", "000002 9000");
	X("00B2020403", "000001 9000");
	X("00B2030403", "000000 9000");
	X("00DC010403 000009", "6981"); /* absolute: not on a cyclic EF */
	X("00DC000203 000009", "6981");
	X("00DC000302 0000", "6700");
	/* the pointer is record 1 after the update; cyclic NEXT/PREVIOUS wrap */
	X("00B2000403", "000002 9000");
	X("00B2000303", "000000 9000"); /* previous from 1: record 5 */
	X("00B2000203", "000002 9000"); /* next from 5: record 1 */
	X("00B2000203", "000001 9000");
	/* INCREASE (CLA 8X): record 1 + value becomes the new record 1 */
	X("8032000003 000005", "000007 000005 9000");
	X("00B2010403", "000007 9000");
	X("00B2020403", "000002 9000");
	X("8032000001 F9", "000100 F9 9000");
	X("00B2010403", "000100 9000");
	X("00DC000303 FFFFFF", "9000");
	X("8032000001 01", "9850"); /* maximum reached: nothing written */
	X("00B2010403", "FFFFFF 9000");
	X("00B2020403", "000100 9000");
	X("8032010001 01", "6A86");
	X("8032000004 00000001", "6700");
	X("80320000", "6700");
	X("0032000001 01", "6E00");
	X("00A4000C02 6F07", "9000");
	X("8032000001 01", "6981");
	X("00A4000C02 7FFF", "9000");
	X("8032000001 01", "6986");
	/* all records after 5 pushes keep their order */
	assert_int_equal(f->acm->nrec, 5);
}

static void test_search_record(void **state)
{
	fx *f = *state;
	X("00A4000C02 2F00", "9000");
	X("00DC020420" DIR_REC2, "9000");
	X("00A2010407 61184F10A0000000", "0102 9000");
	X("00B2000420", DIR_REC1 "9000"); /* the pointer is on the first match */
	X("00A203050161", "0201 9000");   /* backward from record 3 */
	X("00B2000420", DIR_REC2 "9000");
	X("00A2000405 61184F10A0", "02 9000"); /* forward from the current record */
	X("00A2010402 AAAA", "9000");          /* no match: empty */
	X("00B2000420", DIR_REC2 "9000");      /* pointer unchanged */
	X("00A2010421" FF32 "FF", "9000");     /* pattern longer than a record */
	X("00A20104", "6700");
	X("00A2010603 040000", "6A81"); /* enhanced search: not supported */
	X("00A2010702 6118", "6A86");
	X("00A2040402 6118", "6A83");
	X("00A2FF0402 6118", "6A86");
	X("00A4000C02 3F00", "9000");
	X("00A200F402 6118", "6A83"); /* by SFI 1E: the pointer is not set */
	X("00A201F402 6118", "0102 9000");
	X("00A4000C02 2FE2", "9000");
	X("00A2010401 98", "6981");
}

/* §8.4.3: an SFI makes its EF current; the record pointer survives only if
 * the EF was current already. */
static void test_sfi_record_pointer(void **state)
{
	fx *f = *state;
	X("00A4040C10" USIM_AID, "9000");
	X("00A4000C02 6F39", "9000");
	X("00DC000303 000001", "9000");
	X("00DC000303 000002", "9000"); /* record pointer: 1 */
	X("00B200CA03", "000001 9000"); /* SFI 25 (6F39), NEXT: record 2 */
	X("00B0870009", IMSI "9000");   /* SFI 07: EF.IMSI is current now */
	X("00B200CA03", "000002 9000"); /* back on 6F39: pointer reset, record 1 */
}

/* ---- logical channels ------------------------------------------------ */

static void test_channels_independent(void **state)
{
	fx *f = *state;
	X("00A4040C10" USIM_AID, "9000");
	X("00A4000C02 6F07", "9000");
	X("01B0000009", "6986");      /* channel 1: MF, no current EF */
	X("01A4000C02 7FFF", "6A82"); /* and no application */
	X("01A4000C02 2FE2", "9000");
	X("00B0000009", IMSI "9000"); /* channel 0 unchanged */
	X("01B000000A", ICCID "9000");
	X("4FA4000C02 2F00", "9000"); /* channel 19 (CLA 4F) */
	X("4FB2010420", DIR_REC1 "9000");
	X("4FB2000220", DIR_REC1 "9000"); /* its own record pointer */
	X("00A4000C02 6F39", "9000");
	X("00B2000203", "000000 9000");
	X("4FB2000220", FF32 "9000");
	/* MANAGE CHANNEL: from channel 0 the new one starts at the MF, from
	 * another channel it inherits that channel's selection */
	veuicc_uicc_app_channel_opened(f->ctx, 2, 0);
	X("02B0000001", "6986");
	veuicc_uicc_app_channel_opened(f->ctx, 3, 1);
	X("03B000000A", ICCID "9000");
	veuicc_uicc_app_channel_opened(f->ctx, 4, 0);
	X("C0F20001", "6A88"); /* channel 4 (CLA C0): no application */
	X("01A4040C10" USIM_AID, "9000");
	veuicc_uicc_app_channel_opened(f->ctx, 5, 1);
	X("C1F20001", "8410" USIM_AID "9000"); /* inherited from channel 1 */
	X("C1F20000", USIM_FCP "9000");
	/* the engine closes channel 0's selection: back to the MF */
	f->ops->deselect(f->ctx, 0);
	X("00A4000C02 7FFF", "6A82");
	X("80F20000", MF_FCP "9000");
	X("03B000000A", ICCID "9000");
	veuicc_uicc_app_reset(f->ctx);
	X("03B000000A", "6986");
}

/* ---- through the APDU engine ------------------------------------------ */

static void engine_xfer(veuicc_engine *e, const char *capdu, const char *expect)
{
	static uint8_t c[VEUICC_CAPDU_MAX], r[VEUICC_RAPDU_MAX], x[VEUICC_RAPDU_MAX];
	static char got[2 * VEUICC_RAPDU_MAX + 1], want[2 * VEUICC_RAPDU_MAX + 1];
	size_t cl = th_unhex(capdu, c, sizeof(c)), rl = 0;
	assert_int_equal(veuicc_engine_transmit(e, c, cl, r, sizeof(r), &rl), VEUICC_OK);
	size_t xl = th_unhex(expect, x, sizeof(x));
	th_hex(r, rl, got);
	th_hex(x, xl, want);
	if (strcmp(got, want) != 0)
		fail_msg("C-APDU %s\n  expected %s\n  got      %s", capdu, want, got);
}

/* The application as the engine's default application (the file system
 * selected after reset): the T=0/T=1 transport rules apply to its answers. */
static void test_through_engine(void **state)
{
	(void)state;
	fx f = {0};
	veuicc_fs *fs = build_tree(&f);
	veuicc_engine e;
	veuicc_engine_init(&e);
	assert_int_equal(veuicc_uicc_app_new(fs, &f.ops, &f.ctx), VEUICC_OK);
	uint8_t aid[16];
	th_unhex(USIM_AID, aid, sizeof(aid));
	assert_int_equal(veuicc_engine_add_app(&e, aid, sizeof(aid), f.ops, f.ctx), VEUICC_OK);
	assert_int_equal(veuicc_engine_set_default_app(&e, aid, sizeof(aid)), VEUICC_OK);
	veuicc_engine_reset(&e);
	engine_xfer(&e, "00B0000001", "6986"); /* the MF is selected */
	engine_xfer(&e, "00A4000402 2FE2", "611D");
	engine_xfer(&e, "00C000001D", ICCID_FCP "9000");
	engine_xfer(&e, "00B000000A", ICCID "9000");
	engine_xfer(&e, "00B0000000", "6C0A"); /* T=0: 6282 with 10 bytes for Le 256 */
	engine_xfer(&e, "00A4000C02 2F00", "9000");
	engine_xfer(&e, "00B2010400", "6C20"); /* the record length */
	engine_xfer(&e, "00B2010420", DIR_REC1 "9000");
	engine_xfer(&e, "80F2000000", "6C16");
	engine_xfer(&e, "80F2000016", MF_FCP "9000");
	engine_xfer(&e, "00A4080C06 7F10 5F50 4F20", "9000");
	engine_xfer(&e, "00B2010409", "FFFFFFFFFFFFFFFFFF 9000");
	/* a channel opened from the basic channel starts at the MF */
	engine_xfer(&e, "0070000001", "01 9000");
	engine_xfer(&e, "01B2010409", "6986");
	engine_xfer(&e, "01A4000C02 2FE2", "9000");
	engine_xfer(&e, "01B000000A", ICCID "9000");
	engine_xfer(&e, "00B2010409", "FFFFFFFFFFFFFFFFFF 9000");
	e.proto = VEUICC_PROTO_T1;
	engine_xfer(&e, "00A4000C02 2FE2", "6A82"); /* not from 5F50 */
	engine_xfer(&e, "00A4080C02 2FE2", "9000");
	engine_xfer(&e, "00B0000000", ICCID "6282"); /* T=1: the data and the warning */
	engine_xfer(&e, "00A4000402 2FE2 00", ICCID_FCP "9000");
	/* SELECT of the USIM by AID stays selected for the next file command */
	engine_xfer(&e, "00A4040C10" USIM_AID, "9000");
	engine_xfer(&e, "00A4000C02 6F07", "9000");
	engine_xfer(&e, "00B0000009", IMSI "9000");
	/* an ADF that is not registered in the engine is found by the UICC */
	engine_xfer(&e, "00A4040C10" ISIM_AID, "9000");
	engine_xfer(&e, "80F2000100", "8410" ISIM_AID "9000");
	/* a channel opened from channel 1 inherits its current DF */
	engine_xfer(&e, "01A4000C02 7F10", "9000");
	engine_xfer(&e, "0170000001", "02 9000");
	engine_xfer(&e, "02A4000C02 5F50", "9000");
	veuicc_engine_free(&e); /* destroys the application and its file system */
}

/* ---- construction API ------------------------------------------------ */

static void test_construction_errors(void **state)
{
	(void)state;
	veuicc_fs *fs = NULL;
	assert_int_equal(veuicc_fs_new(0x71, NULL), VEUICC_ERR_INVALID_ARG);
	assert_int_equal(veuicc_fs_new(0x71, &fs), VEUICC_OK);
	veuicc_fs_node *mf = veuicc_fs_mf(fs), *df, *n = NULL, *ef, *adf;
	assert_int_equal(veuicc_fs_create_df(fs, mf, 0x7F10, &df), VEUICC_OK);
	/* reserved and duplicate FIDs, FID of the parent */
	assert_int_equal(veuicc_fs_create_df(fs, mf, 0x3F00, &n), VEUICC_ERR_INVALID_ARG);
	assert_int_equal(veuicc_fs_create_df(fs, mf, 0x7FFF, &n), VEUICC_ERR_INVALID_ARG);
	assert_int_equal(veuicc_fs_create_df(fs, mf, 0xFFFF, &n), VEUICC_ERR_INVALID_ARG);
	assert_int_equal(veuicc_fs_create_df(fs, mf, 0x7F10, &n), VEUICC_ERR_INVALID_ARG);
	assert_int_equal(veuicc_fs_create_df(fs, df, 0x7F10, &n), VEUICC_ERR_INVALID_ARG);
	assert_null(n);
	veuicc_fs_ef_params p;
	veuicc_fs_ef_params_init(&p, 0x6F01, VEUICC_FS_LINEAR_FIXED);
	p.rec_len = 4;
	p.nrec = 0;
	assert_int_equal(veuicc_fs_create_ef(fs, df, &p, &n), VEUICC_ERR_INVALID_ARG);
	p.nrec = 255;
	assert_int_equal(veuicc_fs_create_ef(fs, df, &p, &n), VEUICC_ERR_INVALID_ARG);
	p.nrec = 2;
	p.rec_len = 256;
	assert_int_equal(veuicc_fs_create_ef(fs, df, &p, &n), VEUICC_ERR_INVALID_ARG);
	p.rec_len = 4;
	p.sfi = 31;
	assert_int_equal(veuicc_fs_create_ef(fs, df, &p, &n), VEUICC_ERR_INVALID_ARG);
	p.sfi = 5;
	assert_int_equal(veuicc_fs_create_ef(fs, df, &p, &ef), VEUICC_OK);
	p.fid = 0x6F02; /* explicit SFI 5 again in the same DF */
	assert_int_equal(veuicc_fs_create_ef(fs, df, &p, &n), VEUICC_ERR_INVALID_ARG);
	p.sfi = VEUICC_FS_SFI_NONE;
	p.structure = 0x03; /* not a structure */
	assert_int_equal(veuicc_fs_create_ef(fs, df, &p, &n), VEUICC_ERR_INVALID_ARG);
	p.structure = VEUICC_FS_TRANSPARENT;
	p.size = 0x10000;
	assert_int_equal(veuicc_fs_create_ef(fs, df, &p, &n), VEUICC_ERR_INVALID_ARG);
	p.size = 4;
	assert_int_equal(veuicc_fs_create_ef(fs, ef, &p, &n),
	                 VEUICC_ERR_INVALID_ARG); /* under an EF */
	assert_int_equal(veuicc_fs_create_df(fs, ef, 0x5F00, &n), VEUICC_ERR_INVALID_ARG);
	/* writes and records */
	const uint8_t rec[4] = {1, 2, 3, 4};
	assert_int_equal(veuicc_fs_write(ef, 6, rec, 3), VEUICC_ERR_INVALID_ARG);
	assert_int_equal(veuicc_fs_write(ef, 9, rec, 0), VEUICC_ERR_INVALID_ARG);
	assert_int_equal(veuicc_fs_write(ef, 4, rec, 4), VEUICC_OK);
	assert_memory_equal(veuicc_fs_record(ef, 2), rec, 4);
	assert_int_equal(veuicc_fs_set_record(ef, 1, rec, 2, 0xFF), VEUICC_OK);
	const uint8_t padded[4] = {1, 2, 0xFF, 0xFF};
	assert_memory_equal(veuicc_fs_record(ef, 1), padded, 4);
	assert_int_equal(veuicc_fs_set_record(ef, 3, rec, 4, 0), VEUICC_ERR_INVALID_ARG);
	assert_int_equal(veuicc_fs_set_record(ef, 0, rec, 4, 0), VEUICC_ERR_INVALID_ARG);
	assert_int_equal(veuicc_fs_set_record(ef, 1, rec, 5, 0), VEUICC_ERR_INVALID_ARG);
	assert_int_equal(veuicc_fs_set_record(df, 1, rec, 1, 0), VEUICC_ERR_INVALID_ARG);
	/* attributes */
	uint8_t big[VEUICC_FS_PROP_MAX + 1] = {0};
	assert_int_equal(veuicc_fs_set_proprietary(ef, big, sizeof(big)), VEUICC_ERR_INVALID_ARG);
	assert_int_equal(veuicc_fs_set_lcsi(ef, 0x02), VEUICC_ERR_INVALID_ARG);
	assert_int_equal(veuicc_fs_set_arr(ef, 0x6F06, 255), VEUICC_ERR_INVALID_ARG);
	assert_int_equal(veuicc_fs_set_sfi(ef, 6), VEUICC_OK);
	assert_int_equal(veuicc_fs_sfi(ef), 6);
	assert_ptr_equal(veuicc_fs_by_sfi(df, 6), ef);
	assert_int_equal(veuicc_fs_set_sfi(df, 6), VEUICC_ERR_INVALID_ARG);
	/* ADFs: AID length and uniqueness, reserved FID */
	const uint8_t aid[16] = {0xA0, 0, 0, 0, 0x87, 0x10, 0x02};
	assert_int_equal(veuicc_fs_create_adf(fs, 0x7FF0, aid, 4, &adf), VEUICC_ERR_INVALID_ARG);
	assert_int_equal(veuicc_fs_create_adf(fs, 0x7FF0, aid, 17, &adf), VEUICC_ERR_INVALID_ARG);
	assert_int_equal(veuicc_fs_create_adf(fs, 0x7FFF, aid, 16, &adf), VEUICC_ERR_INVALID_ARG);
	assert_int_equal(veuicc_fs_create_adf(fs, 0x7FF0, aid, 16, &adf), VEUICC_OK);
	assert_int_equal(veuicc_fs_create_adf(fs, 0x7FF1, aid, 16, &n), VEUICC_ERR_INVALID_ARG);
	assert_ptr_equal(adf->parent, mf);
	assert_ptr_equal(veuicc_fs_find_adf(fs, aid, 7, NULL), adf);
	assert_null(veuicc_fs_find_adf(fs, aid, 7, adf));
	assert_null(veuicc_fs_child(mf, 0x7FF0));
	/* paths for the installer */
	const uint8_t path[] = {0x7F, 0x10, 0x6F, 0x01, 0x12};
	assert_ptr_equal(veuicc_fs_resolve(mf, path, 4), ef);
	assert_ptr_equal(veuicc_fs_resolve(mf, path, 2), df);
	assert_ptr_equal(veuicc_fs_resolve(mf, NULL, 0), mf);
	assert_null(veuicc_fs_resolve(mf, path, 3));
	const uint8_t through_ef[] = {0x7F, 0x10, 0x6F, 0x01, 0x6F, 0x01};
	assert_null(veuicc_fs_resolve(mf, through_ef, 6));
	const uint8_t missing[] = {0x7F, 0x20};
	assert_null(veuicc_fs_resolve(mf, missing, 2));
	/* a deep tree is freed without recursion */
	veuicc_fs_node *d = df;
	for (uint16_t i = 0; i < 2000; i++)
		assert_int_equal(veuicc_fs_create_df(fs, d, (uint16_t)(0x5000 + (i & 1)), &d),
		                 VEUICC_OK);
	veuicc_fs_free(fs);
	veuicc_fs_free(NULL);
	/* the app owns the fs, also on error */
	const veuicc_applet_ops *ops;
	void *ctx;
	assert_int_equal(veuicc_uicc_app_new(NULL, &ops, &ctx), VEUICC_ERR_INVALID_ARG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_fcp_matches_real_iccid, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_fcp_of_each_kind, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_select_no_data, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_select_fid_rules, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_select_failure_keeps_selection, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_select_child_parent, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_select_path, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_select_aid, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_select_malformed, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_select_deactivated, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_status, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_read_binary, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_read_binary_sfi, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_update_binary, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_read_record_linear, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_update_record_linear, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_cyclic, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_search_record, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_sfi_record_pointer, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_channels_independent, setup, teardown),
	    cmocka_unit_test(test_through_engine),
	    cmocka_unit_test(test_construction_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
