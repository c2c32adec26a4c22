/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Card quirks (docs/quirks.md) through the public API: each one off and on,
 * with the exact bytes veuicc_transmit() gives; their text form; the ATR
 * variants (checked by an ISO 7816-3 walk written here, and by
 * tests/quirks/atr_decode.py from the CLI's ATR).
 */
#include <stdlib.h>

#include "apdu/card_helpers.h"
#include "saip/saip.h"

#define USIM_AID "A0000000871002FF49FF0589"
/* EF.ICCID of the TS.48 V7 profile: ICCID 89000123456789012341 (published) */
#define ICCID_BODY "98001032547698103214"
/* FCP of the MF of that profile (41 bytes): 16 + 25 */
#define MF_FCP_A                                                                                   \
	"6227820278218302"                                                                         \
	"3F00A5038001718A"
#define MF_FCP_B                                                                                   \
	"01058B032F0601C6"                                                                         \
	"0C9001E083010183"                                                                         \
	"010A83010B810226"                                                                         \
	"17"
#define MF_FCP MF_FCP_A MF_FCP_B

static veuicc_card *card_q(const veuicc_quirks *q, veuicc_protocol proto, int profile)
{
	veuicc_config cfg;
	veuicc_config_init(&cfg);
	if (q)
		cfg.quirks = *q;
	size_t len = 0;
	if (profile) {
		cfg.profile = veuicc_saip_default_profile(&len);
		cfg.profile_len = len;
	}
	veuicc_card *card = NULL;
	assert_int_equal(veuicc_card_new(&cfg, &card), VEUICC_OK);
	assert_int_equal(veuicc_reset(card, VEUICC_RESET_COLD, NULL, NULL), VEUICC_OK);
	if (proto == VEUICC_PROTO_T1)
		assert_int_equal(veuicc_set_protocol(card, VEUICC_PROTO_T1), VEUICC_OK);
	return card;
}

/* ---- text form ------------------------------------------------------------ */

static void test_parse(void **state)
{
	(void)state;
	veuicc_quirks q = {0};
	char msg[200], out[256];
	assert_int_equal(veuicc_quirks_parse("", &q, msg, sizeof(msg)), VEUICC_OK);
	assert_int_equal(veuicc_quirks_format(&q, out, sizeof(out)), VEUICC_OK);
	assert_string_equal(out, "");
	assert_int_equal(veuicc_quirks_parse("atr-ta1=95,atr-classes=BC;atr-protocols=t0,"
	                                     "fcp-no-pin-status,fcp-no-proprietary=1,"
	                                     "fcp-no-sfi=on,sfi-unsupported,refresh=04,"
	                                     "t0-case2=61xx,t0-case4=data,t0-le00=exact",
	                                     &q, msg, sizeof(msg)),
	                 VEUICC_OK);
	assert_int_equal(q.atr_ta1, 0x95);
	assert_int_equal(q.atr_classes, 6);
	assert_int_equal(q.atr_protocols, VEUICC_QUIRK_PROTO_T0);
	assert_int_equal(q.fcp_no_pin_status, 1);
	assert_int_equal(q.fcp_no_proprietary, 1);
	assert_int_equal(q.fcp_no_sfi, 1);
	assert_int_equal(q.sfi_unsupported, 1);
	assert_int_equal(q.refresh_force, 1);
	assert_int_equal(q.refresh_qualifier, 4);
	assert_int_equal(q.t0_case2, VEUICC_QUIRK_T0_CASE2_61);
	assert_int_equal(q.t0_case4, VEUICC_QUIRK_T0_CASE4_DATA);
	assert_int_equal(q.t0_le00, VEUICC_QUIRK_T0_LE00_EXACT);
	/* the text form reads back to the same quirks */
	assert_int_equal(veuicc_quirks_format(&q, out, sizeof(out)), VEUICC_OK);
	assert_string_equal(out, "atr-ta1=95,atr-classes=BC,atr-protocols=t0,fcp-no-pin-status,"
	                         "fcp-no-proprietary,fcp-no-sfi,sfi-unsupported,refresh=04,"
	                         "t0-case2=61xx,t0-case4=data,t0-le00=exact");
	veuicc_quirks r = {0};
	assert_int_equal(veuicc_quirks_parse(out, &r, msg, sizeof(msg)), VEUICC_OK);
	assert_memory_equal(&q, &r, sizeof(q));
	assert_int_equal(veuicc_quirks_format(&q, out, 20), VEUICC_ERR_BUFFER_TOO_SMALL);
	/* back to the defaults, item by item */
	assert_int_equal(veuicc_quirks_parse("fcp-no-pin-status=0,refresh=default,t0-le00=256,"
	                                     "t0-case4=61xx,t0-case2=6cxx,atr-protocols=both",
	                                     &r, msg, sizeof(msg)),
	                 VEUICC_OK);
	assert_int_equal(r.fcp_no_pin_status, 0);
	assert_int_equal(r.refresh_force, 0);
	assert_int_equal(r.t0_le00 | r.t0_case4 | r.t0_case2 | r.atr_protocols, 0);

	/* bad names and values: a clear message naming the item */
	static const struct {
		const char *spec, *msg;
	} bad[] = {
	    {"frobnicate", "unknown quirk 'frobnicate' (docs/quirks.md)"},
	    {"atr-ta1=12",
	     "quirk atr-ta1: bad value '12': takes 11, 13, 18, 94, 95, 96 or 97 (hex)"},
	    {"atr-ta1", "quirk atr-ta1: bad value '': takes 11, 13, 18, 94, 95, 96 or 97 (hex)"},
	    {"atr-classes=D", "quirk atr-classes: bad value 'D': takes A, B, C, AB, AC, BC or ABC"},
	    {"atr-protocols=t2", "quirk atr-protocols: bad value 't2': takes both, t0 or t1"},
	    {"fcp-no-sfi=yes", "quirk fcp-no-sfi: bad value 'yes': takes nothing, 1 or 0"},
	    {"refresh=01", "quirk refresh: bad value '01': takes 00, 03, 04, 05, 06, 09 (hex "
	                   "qualifier, TS 102 223 §8.6) or default"},
	    {"t0-case2=6c", "quirk t0-case2: bad value '6c': takes 6cxx or 61xx"},
	    {"t0-case4=", "quirk t0-case4: bad value '': takes 61xx or data"},
	    {"t0-le00=255", "quirk t0-le00: bad value '255': takes 256 or exact"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		veuicc_quirks z = {0};
		assert_int_equal(veuicc_quirks_parse(bad[i].spec, &z, msg, sizeof(msg)),
		                 VEUICC_ERR_INVALID_ARG);
		assert_string_equal(msg, bad[i].msg);
	}
	assert_int_equal(veuicc_quirks_parse(NULL, &q, NULL, 0), VEUICC_ERR_INVALID_ARG);
}

/* ---- ATR ------------------------------------------------------------------ */

/* ISO 7816-3 §8.2: walk the interface bytes; TA1, the protocols, the first
 * TA after T=15 and whether the XOR of T0..TCK is zero. */
typedef struct atr_walk {
	int ta1;       /* -1: absent */
	unsigned prot; /* bit n: T=n indicated */
	int ta15;      /* -1: absent */
	int first;     /* protocol of TD1 */
	int tck_ok;
} atr_walk;

static atr_walk walk(const uint8_t *a, size_t n)
{
	atr_walk w = {-1, 0, -1, 0, 0};
	size_t p = 2;
	unsigned y = a[1] >> 4, i = 1, t = 0;
	for (;;) {
		if (y & 1) {
			if (i == 1)
				w.ta1 = a[p];
			else if (t == 15 && w.ta15 < 0)
				w.ta15 = a[p];
			p++;
		}
		p += ((y >> 1) & 1) + ((y >> 2) & 1);
		if (!(y & 8))
			break;
		t = a[p++] & 0x0F;
		if (i == 1)
			w.first = (int)t;
		w.prot |= 1u << t;
		y = a[p - 1] >> 4;
		i++;
	}
	p += a[1] & 0x0F;
	assert_int_equal(p + 1, n); /* TCK is the last byte */
	uint8_t x = 0;
	for (size_t k = 1; k < n; k++)
		x ^= a[k];
	w.tck_ok = x == 0;
	return w;
}

static void test_atr(void **state)
{
	(void)state;
	static const struct {
		uint8_t ta1, classes, proto;
		const char *atr;
		unsigned prot;
	} v[] = {
	    {0, 0, 0, "3B9B968091FE1FC78031E073FE21DF830090000B", 0x8003},
	    {0x95, 0, VEUICC_QUIRK_PROTO_T0, "3B9B95801FC78031E073FE219F8300900027", 0x8001},
	    {0x11, 4, VEUICC_QUIRK_PROTO_T1, "3B9B118191FE1FC48031E073FE21DF830090008E", 0x8002},
	    {0x97, 3, 0, "3B9B978091FE1FC38031E073FE21DF830090000E", 0x8003},
	    {0x94, 6, VEUICC_QUIRK_PROTO_T0, "3B9B94801FC68031E073FE219F8300900027", 0x8001},
	    {0x18, 1, 0, "3B9B188091FE1FC18031E073FE21DF8300900083", 0x8003},
	};
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		veuicc_quirks q = {0};
		q.atr_ta1 = v[i].ta1;
		q.atr_classes = v[i].classes;
		q.atr_protocols = v[i].proto;
		veuicc_config cfg;
		veuicc_config_init(&cfg);
		cfg.quirks = q;
		veuicc_card *card;
		assert_int_equal(veuicc_card_new(&cfg, &card), VEUICC_OK);
		uint8_t atr[VEUICC_ATR_MAX];
		size_t n = 0;
		char hex[2 * VEUICC_ATR_MAX + 1];
		assert_int_equal(veuicc_reset(card, VEUICC_RESET_COLD, atr, &n), VEUICC_OK);
		th_hex(atr, n, hex);
		assert_string_equal(hex, v[i].atr);
		atr_walk w = walk(atr, n);
		assert_true(w.tck_ok);
		assert_int_equal(w.ta1, v[i].ta1 ? v[i].ta1 : 0x96);
		assert_int_equal(w.prot, v[i].prot);
		assert_int_equal(w.ta15, 0xC0 | (v[i].classes ? v[i].classes : 7));
		/* the first protocol after reset is TD1's; the other only if offered */
		veuicc_protocol first = w.first == 1 ? VEUICC_PROTO_T1 : VEUICC_PROTO_T0;
		assert_int_equal(veuicc_get_protocol(card), first);
		for (int t = 0; t <= 1; t++)
			assert_int_equal(veuicc_set_protocol(card, (veuicc_protocol)t),
			                 (w.prot >> t) & 1 ? VEUICC_OK : VEUICC_ERR_UNSUPPORTED);
		/* card capabilities (historical byte 7): extended Lc/Le (b7) only
		 * when T=1 is offered (ISO 7816-4 §8.1.1.2.7) */
		assert_int_equal(atr[n - 1 - 11 + 6] & 0x40, (w.prot & 2) ? 0x40 : 0);
		/* the card works in its protocol: SELECT ISD-R by AID */
		assert_int_equal(veuicc_reset(card, VEUICC_RESET_WARM, NULL, NULL), VEUICC_OK);
		th_xfer(card, "00A4040C10A0000005591010FFFFFFFF8900000100", "9000");
		veuicc_quirks got;
		assert_int_equal(veuicc_card_get_quirks(card, &got), VEUICC_OK);
		assert_memory_equal(&got, &q, sizeof(q));
		veuicc_card_free(card);
	}

	/* at run time: veuicc_get_atr() at once, the terminal at the next reset */
	veuicc_card *card = card_q(NULL, VEUICC_PROTO_T0, 0);
	veuicc_quirks q = {0};
	q.atr_protocols = VEUICC_QUIRK_PROTO_T1;
	q.atr_ta1 = 0x11;
	q.atr_classes = 4;
	assert_int_equal(veuicc_card_set_quirks(card, &q), VEUICC_OK);
	uint8_t atr[VEUICC_ATR_MAX];
	size_t n = 0;
	char hex[2 * VEUICC_ATR_MAX + 1];
	assert_int_equal(veuicc_reset(card, VEUICC_RESET_COLD, atr, &n), VEUICC_OK);
	th_hex(atr, n, hex);
	assert_string_equal(hex, "3B9B118191FE1FC48031E073FE21DF830090008E");
	assert_int_equal(veuicc_get_protocol(card), VEUICC_PROTO_T1);
	memset(&q, 0, sizeof(q));
	assert_int_equal(veuicc_card_set_quirks(card, &q), VEUICC_OK); /* back to default */
	assert_int_equal(veuicc_reset(card, VEUICC_RESET_COLD, atr, &n), VEUICC_OK);
	th_hex(atr, n, hex);
	assert_string_equal(hex, "3B9B968091FE1FC78031E073FE21DF830090000B");
	q.atr_ta1 = 0x12; /* not offered */
	assert_int_equal(veuicc_card_set_quirks(card, &q), VEUICC_ERR_INVALID_ARG);
	q.atr_ta1 = 0;
	q.refresh_qualifier = 4; /* without refresh_force */
	assert_int_equal(veuicc_card_set_quirks(card, &q), VEUICC_ERR_INVALID_ARG);
	veuicc_card_free(card);

	/* an explicit ATR and ATR quirks exclude each other */
	veuicc_config cfg;
	veuicc_config_init(&cfg);
	uint8_t own[32];
	cfg.atr_len = th_unhex("3B9F96801FC78031E073FE211B633A204E8300900093", own, sizeof(own));
	cfg.atr = own;
	cfg.quirks.atr_ta1 = 0x95;
	assert_int_equal(veuicc_card_new(&cfg, &card), VEUICC_ERR_INVALID_ARG);
	cfg.quirks.atr_ta1 = 0;
	cfg.quirks.t0_le00 = VEUICC_QUIRK_T0_LE00_EXACT; /* other quirks are fine */
	assert_int_equal(veuicc_card_new(&cfg, &card), VEUICC_OK);
	q = cfg.quirks;
	q.atr_classes = 1;
	assert_int_equal(veuicc_card_set_quirks(card, &q), VEUICC_ERR_INVALID_ARG);
	veuicc_card_free(card);
}

/* ---- T=0 styles ------------------------------------------------------------- */

/* Standard T=0 (TS 102 221 §7.3.1.1): STATUS (case 2, the MF's 41-byte FCP)
 * with Le 00, 10, 29; SELECT MF as case 4 then GET RESPONSE with Le 00, 10,
 * 19; READ BINARY past the end of EF.ICCID (10 bytes). */
static void test_t0_default(void **state)
{
	(void)state;
	veuicc_card *card = card_q(NULL, VEUICC_PROTO_T0, 1);
	th_xfer(card, "80F2000000", "6C29"); /* Le 00 is 256 (ISO 7816-3 §12.2.3) */
	th_xfer(card, "80F2000010", "6C29");
	th_xfer(card, "80F2000029", MF_FCP "9000");
	/* case 4: the Le never reaches a T=0 card: 61xx, then GET RESPONSE */
	th_xfer(card, "00A40004023F0000", "6129");
	th_xfer(card, "00C0000000", "6C29"); /* Le 00 = 256 > 41 */
	th_xfer(card, "00C0000010", MF_FCP_A "6119");
	th_xfer(card, "00C0000019", MF_FCP_B "9000");
	th_xfer(card, "00A4000C022FE2", "9000");
	th_xfer(card, "00B0000005", "98001032549000");
	th_xfer(card, "00B0000000", "6C0A");
	th_xfer(card, "00B000000A", ICCID_BODY "9000");
	veuicc_card_free(card);
}

/* t0-case4=data: case 4 answered at once (an APDU-level reader). */
static void test_t0_case4_data(void **state)
{
	(void)state;
	veuicc_quirks q = {0};
	q.t0_case4 = VEUICC_QUIRK_T0_CASE4_DATA;
	veuicc_card *card = card_q(&q, VEUICC_PROTO_T0, 1);
	th_xfer(card, "00A40004023F0000", MF_FCP "9000");
	th_xfer(card, "00A40004023F0010", MF_FCP_A "6119"); /* Ne 16 */
	th_xfer(card, "00C0000019", MF_FCP_B "9000");
	/* case 3 still 61xx; case 2 still exact-or-6Cxx */
	th_xfer(card, "00A40004023F00", "6129");
	th_xfer(card, "80F2000010", "6C29");
	/* in T=1 nothing changes */
	assert_int_equal(veuicc_set_protocol(card, VEUICC_PROTO_T1), VEUICC_OK);
	th_xfer(card, "00A40004023F0000", MF_FCP "9000");
	veuicc_card_free(card);
}

/* t0-case2=61xx: a wrong Le gets 61xx with the data kept. */
static void test_t0_case2_61(void **state)
{
	(void)state;
	veuicc_quirks q = {0};
	q.t0_case2 = VEUICC_QUIRK_T0_CASE2_61;
	veuicc_card *card = card_q(&q, VEUICC_PROTO_T0, 1);
	th_xfer(card, "80F2000010", "6129");
	th_xfer(card, "00C0000029", MF_FCP "9000");
	th_xfer(card, "80F2000000", "6129");
	th_xfer(card, "00C0000010", MF_FCP_A "6119");
	th_xfer(card, "00C0000019", MF_FCP_B "9000");
	th_xfer(card, "80F2000029", MF_FCP "9000");
	/* GET RESPONSE with Le too long keeps 6Cxx (ISO 7816-3 §12.2.3) */
	th_xfer(card, "80F2000010", "6129");
	th_xfer(card, "00C000002A", "6C29");
	th_xfer(card, "00C0000029", MF_FCP "9000");
	/* READ BINARY past the end: 61xx, the data then ends with 6282 */
	th_xfer(card, "00A4000C022FE2", "9000");
	th_xfer(card, "00B0000000", "610A");
	th_xfer(card, "00C000000A", ICCID_BODY "6282");
	veuicc_card_free(card);
}

/* t0-le00=exact: Le 00 takes the bytes available (case 2, GET RESPONSE). */
static void test_t0_le00_exact(void **state)
{
	(void)state;
	veuicc_quirks q = {0};
	q.t0_le00 = VEUICC_QUIRK_T0_LE00_EXACT;
	veuicc_card *card = card_q(&q, VEUICC_PROTO_T0, 1);
	th_xfer(card, "80F2000000", MF_FCP "9000");
	th_xfer(card, "80F2000010", "6C29"); /* any other wrong Le: 6Cxx */
	th_xfer(card, "00A40004023F0000", "6129");
	th_xfer(card, "00C0000000", MF_FCP "9000");
	th_xfer(card, "00A40004023F0000", "6129");
	th_xfer(card, "00C000002A", "6C29");
	/* READ BINARY past the end: the bytes up to the end, 6282 (as in T=1) */
	th_xfer(card, "00A4000C022FE2", "9000");
	th_xfer(card, "00B0000000", ICCID_BODY "6282");
	veuicc_card_free(card);
}

/* ---- FCP -------------------------------------------------------------------------- */

/* The FCP (62 L ...) of the SELECT answer \p r without the top-level
 * objects whose tag is in \p drop, rebuilt with the new length. */
static size_t fcp_without(const uint8_t *r, size_t n, const uint8_t *drop, size_t ndrop,
                          uint8_t *out)
{
	assert_true(n >= 2 && r[0] == 0x62 && r[1] < 0x80 && (size_t)r[1] + 2 <= n);
	size_t o = 2, end = 2 + r[1];
	for (size_t p = 2; p < end;) {
		uint8_t tag = r[p], len = r[p + 1];
		assert_true(len < 0x80);
		if (!memchr(drop, tag, ndrop)) {
			memcpy(out + o, r + p, 2u + len);
			o += 2u + len;
		}
		p += 2u + len;
	}
	out[0] = 0x62;
	out[1] = (uint8_t)(o - 2);
	return o;
}

static size_t xfer(veuicc_card *card, const char *capdu, uint8_t *r, size_t cap)
{
	uint8_t c[300];
	size_t cl = th_unhex(capdu, c, sizeof(c)), rl = 0;
	assert_int_equal(veuicc_transmit(card, c, cl, r, cap, &rl), VEUICC_OK);
	assert_true(rl >= 2);
	return rl;
}

static int has_tag(const uint8_t *r, size_t n, uint8_t tag)
{
	for (size_t p = 2; p < 2u + r[1] && p < n; p += 2u + r[p + 1])
		if (r[p] == tag)
			return 1;
	return 0;
}

/* Each FCP quirk changes exactly its object: the answer with the quirk is
 * the standard one without that object. */
static void check_fcp_quirk(const veuicc_quirks *q, const char *prep, const char *select,
                            uint8_t tag)
{
	uint8_t std[300], qr[300], want[300];
	veuicc_card *a = card_q(NULL, VEUICC_PROTO_T1, 1);
	veuicc_card *b = card_q(q, VEUICC_PROTO_T1, 1);
	th_xfer(a, prep, "9000");
	th_xfer(b, prep, "9000");
	size_t sn = xfer(a, select, std, sizeof(std));
	size_t qn = xfer(b, select, qr, sizeof(qr));
	assert_int_equal(std[sn - 2], 0x90);
	assert_int_equal(qr[qn - 2], 0x90);
	assert_true(has_tag(std, sn, tag));
	assert_false(has_tag(qr, qn, tag));
	size_t wn = fcp_without(std, sn - 2, &tag, 1, want);
	assert_int_equal(qn - 2, wn);
	assert_memory_equal(qr, want, wn);
	veuicc_card_free(a);
	veuicc_card_free(b);
}

#define MF   "00A4000C023F00"
#define USIM "00A4040C0C" USIM_AID

static void test_fcp(void **state)
{
	(void)state;
	veuicc_quirks q = {0};
	q.fcp_no_pin_status = 1;
	check_fcp_quirk(&q, MF, "00A40004023F0000", 0xC6);         /* MF */
	check_fcp_quirk(&q, MF, "00A404040C" USIM_AID "00", 0xC6); /* ADF */
	memset(&q, 0, sizeof(q));
	q.fcp_no_proprietary = 1;
	check_fcp_quirk(&q, MF, "00A40004023F0000", 0xA5);
	check_fcp_quirk(&q, USIM, "00A40004026F0700", 0xA5); /* EF.IMSI */
	memset(&q, 0, sizeof(q));
	q.fcp_no_sfi = 1;
	check_fcp_quirk(&q, USIM, "00A40004026F0700", 0x88); /* 88 01 38: SFI 07 */
	check_fcp_quirk(&q, USIM, "00A40004026FAD00", 0x88); /* 88 01 18: SFI 03 */

	/* exact bytes of the ADF's answer without C6 */
	memset(&q, 0, sizeof(q));
	q.fcp_no_pin_status = 1;
	veuicc_card *card = card_q(&q, VEUICC_PROTO_T1, 1);
	th_xfer(card, "00A404040C" USIM_AID "00",
	        "6222 8202782183027FD0840C" USIM_AID "8A01058B032F0601 8102287F 9000");
	/* STATUS gives the same FCP (TS 102 221 §11.1.2) */
	th_xfer(card, "80F2000000",
	        "6222 8202782183027FD0840C" USIM_AID "8A01058B032F0601 8102287F 9000");
	/* switched off at run time: C6 is back */
	memset(&q, 0, sizeof(q));
	assert_int_equal(veuicc_card_set_quirks(card, &q), VEUICC_OK);
	th_xfer(card, "80F2000000",
	        "6233 8202782183027FD0840C" USIM_AID "8A01058B032F0601"
	        "C60F9001F083018183010183010A83010B 8102287F 9000");
	veuicc_card_free(card);
}

/* ---- SFI -------------------------------------------------------------------------- */

static void test_sfi(void **state)
{
	(void)state;
	uint8_t r[300];
	for (int on = 0; on <= 1; on++) {
		veuicc_quirks q = {0};
		q.sfi_unsupported = (uint8_t)on;
		veuicc_card *card = card_q(&q, VEUICC_PROTO_T1, 1);
		/* EF.AD by SFI 03 in ADF USIM (READ/UPDATE BINARY P1 b8, §11.1.3.2) */
		th_xfer(card, USIM, "9000");
		th_xfer(card, "00B0830004", on ? "6A81" : "800000029000");
		/* EF.DIR record 1 by SFI 1E in the MF (READ RECORD P2 b8-b4, §11.1.5.2) */
		th_xfer(card, "00A4000C023F00", "9000");
		size_t n = xfer(card, "00B201F400", r, sizeof(r));
		if (on) {
			assert_int_equal(n, 2);
			assert_int_equal(r[0] << 8 | r[1], 0x6A81);
		} else {
			assert_true(n > 6);
			assert_memory_equal(r, "\x61\x14\x4F\x0C", 4);
			assert_int_equal(r[n - 2] << 8 | r[n - 1], 0x9000);
		}
		/* UPDATE BINARY by SFI too; the current EF still works */
		th_xfer(card, USIM, "9000");
		if (on)
			th_xfer(card, "00D6830001 80", "6A81");
		th_xfer(card, "00A4000C026FAD", "9000");
		th_xfer(card, "00B0000004", "800000029000");
		th_xfer(card, MF, "9000");
		th_xfer(card, "00A4000C022F00", "9000");
		n = xfer(card, "00B2010400", r, sizeof(r));
		assert_memory_equal(r, "\x61\x14\x4F\x0C", 4);
		veuicc_card_free(card);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse),       cmocka_unit_test(test_atr),
	    cmocka_unit_test(test_t0_default),  cmocka_unit_test(test_t0_case4_data),
	    cmocka_unit_test(test_t0_case2_61), cmocka_unit_test(test_t0_le00_exact),
	    cmocka_unit_test(test_fcp),         cmocka_unit_test(test_sfi),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
