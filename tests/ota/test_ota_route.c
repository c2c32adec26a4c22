/* SPDX-License-Identifier: Apache-2.0 */
/*
 * SCP80 packets routed by TAR into the enabled profile (docs/cat.md
 * "Routing"): the card comes from factory/default.json, which installs and
 * enables the GSMA TS.48 V7.0 profile (profiles/, facts in
 * tests/data/ota/ts48_ota_facts.txt): RFM TARs B00120 (UICC), B00140 (USIM),
 * minimum security level 02, access domains 00; MNO-SD A000000151000000 with
 * toolkit TARs B20100 and 000000 and the SCP80 key sets KVN 01 (3DES) and
 * KVN 02 (AES), every key 000102..0F. Packets are built with
 * veuicc_scp80_wrap_cmd() and the PoRs checked with veuicc_scp80_unwrap_por().
 */
#include <stdlib.h>
#include <unistd.h>

#include "apdu/card_helpers.h"
#include "cat/sms_pp.h"
#include "cat/ota_route.h"
#include "core/card.h"
#include "saip/install.h"
#include "saip/saip.h"
#include "scp/scp80.h"
#include "test_tmp.h"

#define TAR_UICC_RFM "B00120"
#define TAR_USIM_RFM "B00140"
#define TAR_MNO_SD   "B20100"
#define ICCID_EF     "98001032547698103214" /* EF.ICCID of the TS.48 profile */
#define IMSI_EF      "080910101032547698"   /* EF.IMSI of its USIM */
#define USIM_AID     "A0000000871002FF49FF0589"

typedef struct host {
	veuicc_scp80_keyset ks;
	veuicc_scp80_host h;
} host;

/* KVN 02 AES (KIc/KID 22) or KVN 01 3DES 2-key (15), the TS.48 MNO-SD keys. */
static void host_init(host *x, int kvn, const char *tar, uint8_t spi1, uint8_t spi2, uint8_t cntr)
{
	memset(x, 0, sizeof(*x));
	x->ks.kvn = (uint8_t)kvn;
	x->ks.kic_alg = x->ks.kid_alg = kvn == 2 ? VEUICC_SCP80_ALG_AES : VEUICC_SCP80_ALG_3DES2;
	x->ks.kic_len = x->ks.kid_len = 16;
	for (int i = 0; i < 16; i++)
		x->ks.kic[i] = x->ks.kid[i] = (uint8_t)i;
	x->ks.cc_len = 8;
	x->h.spi[0] = spi1;
	x->h.spi[1] = spi2;
	x->h.kic = x->h.kid = kvn == 2 ? 0x22 : 0x15;
	th_unhex(tar, x->h.tar, 3);
	x->h.cntr[4] = cntr;
	x->h.kic_ks = x->h.kid_ks = &x->ks;
}

/* SPI 16 19: CC, ciphering, counter higher; PoR required, CC, ciphered. */
static void host_std(host *x, const char *tar, uint8_t cntr)
{
	host_init(x, 2, tar, 0x16, 0x19, cntr);
}

/* Wrap `script` (hex) for x, send it (T=1, Le 00), return the R-APDU. */
static size_t send_packet(veuicc_card *card, const host *x, const char *script, uint8_t *r,
                          size_t rcap)
{
	uint8_t data[200], pkt[255], apdu[300];
	size_t dl = th_unhex(script, data, sizeof(data)), pl = 0;
	assert_int_equal(veuicc_scp80_wrap_cmd(&x->h, data, dl, pkt, sizeof(pkt), &pl), VEUICC_OK);
	size_t al = sms_pp_envelope(SMS_PP_DEVICES, "027000", pkt, pl, 0, apdu);
	apdu[al++] = 0x00;
	size_t rl = 0;
	assert_int_equal(veuicc_transmit(card, apdu, al, r, rcap, &rl), VEUICC_OK);
	return rl;
}

/* Check the PoR in r (data ‖ 9000); its status, and its data in hex. */
static uint8_t por_of(const host *x, const uint8_t *r, size_t rl, char *hex)
{
	assert_true(rl > 2);
	assert_int_equal(r[rl - 2], 0x90);
	assert_int_equal(r[rl - 1], 0x00);
	uint8_t work[600], status = 0xFF;
	const uint8_t *d;
	size_t dl;
	assert_int_equal(
	    veuicc_scp80_unwrap_por(&x->h, r, rl - 2, work, sizeof(work), &status, &d, &dl),
	    VEUICC_OK);
	th_hex(d, dl, hex);
	return status;
}

/* Send and expect PoR `status` with data `expect` (hex). */
static void exchange(veuicc_card *card, const host *x, const char *script, uint8_t status,
                     const char *expect)
{
	uint8_t r[600];
	char hex[1200], want[1200];
	size_t rl = send_packet(card, x, script, r, sizeof(r));
	uint8_t st = por_of(x, r, rl, hex);
	uint8_t w[600];
	th_hex(w, th_unhex(expect, w, sizeof(w)), want);
	if (st != status || strcmp(hex, want))
		fail_msg("script %s\n  expected %02X %s\n  got      %02X %s", script, status, want,
		         st, hex);
}

static void cfg_factory(veuicc_config *cfg)
{
	const char *f = getenv("VEUICC_FACTORY");
	assert_non_null(f);
	veuicc_config_init(cfg);
	cfg->factory = f;
}

static veuicc_card *new_card(void)
{
	veuicc_config cfg;
	cfg_factory(&cfg);
	veuicc_card *card;
	assert_int_equal(veuicc_card_new(&cfg, &card), VEUICC_OK);
	assert_int_equal(veuicc_reset(card, VEUICC_RESET_COLD, NULL, NULL), VEUICC_OK);
	assert_int_equal(veuicc_set_protocol(card, VEUICC_PROTO_T1), VEUICC_OK);
	return card;
}

/* Install profiles/<name> with its ICCID replaced; returns its index. */
static size_t install_copy(veuicc_card *card, const char *name, const char *iccid)
{
	size_t len, out_len, idx;
	uint8_t *der = th_load("VEUICC_PROFILES", name, &len), *out;
	veuicc_saip_profile *p;
	veuicc_saip_error e;
	assert_int_equal(veuicc_saip_decode(der, len, &p, &e), VEUICC_OK);
	assert_int_equal(veuicc_saip_set_iccid(p, iccid), VEUICC_OK);
	assert_int_equal(veuicc_saip_encode(p, &out, &out_len), VEUICC_OK);
	assert_int_equal(veuicc_card_install_profile(card, out, out_len, &idx, NULL, 0), VEUICC_OK);
	veuicc_saip_free(p);
	free(out);
	free(der);
	return idx;
}

#define SEL_ICCID    "00A40004022FE2"
#define SEL_ICCID_NR "00A4000C022FE2" /* no response data */
#define READ_ICCID   "00B000000A"
#define UPD_ICCID    "00D600000A 98112233445566778899"
/* EF.UMPC (2F08, ARR 2F06 record 2: read always, update ADM1) */
#define UMPC_EF     "3C3C000000"
#define NEW_UMPC    "3C05020000"
#define SEL_UMPC_NR "00A4000C022F08"
#define UPD_UMPC    "00D6000005" NEW_UMPC
#define READ_UMPC   "00B0000005"

/* Terminal path: SELECT a MF EF on the basic channel, READ BINARY. */
static void terminal_read(veuicc_card *card, const char *fid, const char *len, const char *value)
{
	char sel[32], rd[16], want[80];
	snprintf(sel, sizeof(sel), "00A4080C02%s", fid); /* path from the MF */
	snprintf(rd, sizeof(rd), "00B00000%s", len);
	snprintf(want, sizeof(want), "%s9000", value);
	th_xfer(card, sel, "9000");
	th_xfer(card, rd, want);
}

/* UICC RFM READ BINARY of EF.ICCID, compact and expanded. */
static void test_uicc_rfm_read(void **state)
{
	(void)state;
	veuicc_card *card = new_card();
	host x;
	host_std(&x, TAR_UICC_RFM, 1);
	/* compact: count 02, last SW, last data (TS 102 226 §5.1.2) */
	exchange(card, &x, SEL_ICCID READ_ICCID, 0x00, "02 9000" ICCID_EF);
	host_std(&x, TAR_UICC_RFM, 2);
	exchange(card, &x, "AA 10 22 07" SEL_ICCID_NR " 22 05" READ_ICCID, 0x00,
	         "AB 15 80 01 02 23 02 9000 23 0C" ICCID_EF "9000");
	/* the same packet with the 3DES key set KVN 01 */
	host_init(&x, 1, TAR_UICC_RFM, 0x16, 0x19, 3);
	exchange(card, &x, SEL_ICCID READ_ICCID, 0x00, "02 9000" ICCID_EF);
	veuicc_card_free(card);
}

/* UICC RFM UPDATE BINARY of EF.UMPC (update: ADM1): the terminal is refused,
 * RFM with access domain 00 writes it and the terminal reads the new value;
 * the terminal's own selection (EF.IMSI in the USIM) is not disturbed.
 * EF.ICCID has no update rule at all (never): refused to RFM as well. */
static void test_uicc_rfm_update(void **state)
{
	(void)state;
	veuicc_card *card = new_card();
	th_xfer(card, SEL_UMPC_NR, "9000");
	th_xfer(card, UPD_UMPC, "6982");
	th_xfer(card, "00A4040C0C" USIM_AID, "9000");
	th_xfer(card, "00A4000C026F07", "9000");
	host x;
	host_std(&x, TAR_UICC_RFM, 1);
	exchange(card, &x, SEL_UMPC_NR UPD_UMPC, 0x00, "02 9000");
	host_std(&x, TAR_UICC_RFM, 2);
	exchange(card, &x, SEL_ICCID_NR UPD_ICCID, 0x00, "02 6982");
	/* still EF.IMSI current on the terminal's channel: its read rule
	 * wants PIN1 (6982), where EF.ICCID or EF.UMPC would answer data */
	th_xfer(card, "00B0000009", "6982");
	terminal_read(card, "2F08", "05", NEW_UMPC);
	terminal_read(card, "2FE2", "0A", ICCID_EF);
	veuicc_card_free(card);
}

/* USIM RFM (ADF RFM, TAR B00140): the ADF is selected first; EF.IMSI is
 * read with the ADF access domain 00. */
static void test_usim_rfm_read_imsi(void **state)
{
	(void)state;
	veuicc_card *card = new_card();
	host x;
	host_std(&x, TAR_USIM_RFM, 1);
	exchange(card, &x, "00A4000C026F07 00B0000009", 0x00, "02 9000" IMSI_EF);
	/* UICC RFM has no current ADF: 7FFF is not found */
	host_std(&x, TAR_UICC_RFM, 2);
	exchange(card, &x, "00A4000C027FFF", 0x00, "01 6A82");
	/* no selection by DF name in RFM (TS 102 226 §8) */
	host_std(&x, TAR_USIM_RFM, 3);
	exchange(card, &x, "00A4040C0C" USIM_AID, 0x00, "01 6A86");
	/* PIN commands are not run in the RFM context (R5) */
	host_std(&x, TAR_USIM_RFM, 4);
	exchange(card, &x, "0020000108 31323334FFFFFFFF", 0x00, "01 6D00");
	veuicc_card_free(card);
}

/* Access domain FF (no access): the exact SW in the PoR, the file unchanged. */
static void test_access_domain_denied(void **state)
{
	(void)state;
	veuicc_card *card = new_card();
	veuicc_profile_slot *s = &card->profiles.slot[card->profiles.active];
	assert_int_equal(s->gp->rfm[0].ntars, 1);
	assert_memory_equal(s->gp->rfm[0].tars[0], "\xB0\x01\x20", 3);
	s->gp->rfm[0].uicc_ad[0] = 0xFF;
	host x;
	host_std(&x, TAR_UICC_RFM, 1);
	exchange(card, &x, SEL_UMPC_NR UPD_UMPC, 0x00, "02 6982");
	exchange(card, &x, "", 0x02, ""); /* the counter moved: replay */
	host_std(&x, TAR_UICC_RFM, 2);
	exchange(card, &x, SEL_ICCID_NR READ_ICCID, 0x00, "02 6982");
	terminal_read(card, "2F08", "05", UMPC_EF);
	/* the USIM RFM's UICC access domain is still 00 */
	host_std(&x, TAR_USIM_RFM, 3);
	exchange(card, &x, "00A40804022FE2" READ_ICCID, 0x00, "02 9000" ICCID_EF);
	veuicc_card_free(card);
}

/* Below the RFM minimum security level 02 (CC): status 0A, nothing runs. */
static void test_below_msl(void **state)
{
	(void)state;
	veuicc_card *card = new_card();
	host x;
	host_init(&x, 2, TAR_UICC_RFM, 0x00, 0x01, 1); /* no security; PoR required, clear */
	uint8_t r[300];
	char hex[600];
	size_t rl = send_packet(card, &x, SEL_UMPC_NR UPD_UMPC, r, sizeof(r));
	th_hex(r, rl, hex);
	/* 02 71 00 RPL 000B RHL 0A TAR CNTR (not deciphered: 0) PCNTR status 0A */
	assert_string_equal(hex, "027100000B0AB001200000000000000A9000");
	host_init(&x, 2, TAR_UICC_RFM, 0x04, 0x01, 1); /* ciphering without CC */
	rl = send_packet(card, &x, SEL_UMPC_NR UPD_UMPC, r, sizeof(r));
	assert_int_equal(r[15], 0x0A); /* status, after 02 71 00 RPL RHL TAR CNTR PCNTR */
	terminal_read(card, "2F08", "05", UMPC_EF);
	/* CC alone meets MSL 02: accepted (counter not checked in mode 00) */
	host_init(&x, 2, TAR_UICC_RFM, 0x02, 0x09, 0);
	exchange(card, &x, SEL_ICCID READ_ICCID, 0x00, "02 9000" ICCID_EF);
	veuicc_card_free(card);
}

/* Only the ENABLED profile is reachable: with another profile enabled the
 * RFM TAR is unknown (09, PoR in clear); the copy with its own ICCID answers
 * once it is enabled. */
static void test_disabled_profile(void **state)
{
	(void)state;
	veuicc_card *card = new_card();
	size_t other = install_copy(card, "TS48_V7.0_eSIM_GTP_SAIP2.3_NoBERTLV_NoRAMRFM.der",
	                            "89000123456789012358");
	size_t rfm_copy = install_copy(card, "TS48_V7.0_eSIM_GTP_SAIP2.3_BERTLV_SUCI.der",
	                               "89000123456789012366");
	assert_int_equal(veuicc_card_activate_profile(card, other), VEUICC_OK);
	host x;
	host_std(&x, TAR_UICC_RFM, 1);
	uint8_t r[300];
	char hex[600];
	size_t rl = send_packet(card, &x, SEL_ICCID READ_ICCID, r, sizeof(r));
	th_hex(r, rl, hex);
	assert_string_equal(hex, "027100000B0AB0012000000000000009"
	                         "9000");
	/* the MNO-SD TAR of the disabled profile too */
	host_std(&x, TAR_MNO_SD, 1);
	rl = send_packet(card, &x, "80CA00E000", r, sizeof(r));
	th_hex(r, rl, hex);
	assert_string_equal(hex, "027100000B0AB2010000000000000009"
	                         "9000");
	assert_int_equal(veuicc_card_activate_profile(card, rfm_copy), VEUICC_OK);
	host_std(&x, TAR_UICC_RFM, 1);
	exchange(card, &x, SEL_ICCID READ_ICCID, 0x00, "02 9000 98001032547698103266");
	veuicc_card_free(card);
}

/* A replayed counter: status 02 in a secured PoR, nothing run. */
static void test_replay(void **state)
{
	(void)state;
	veuicc_card *card = new_card();
	host x;
	host_std(&x, TAR_UICC_RFM, 5);
	exchange(card, &x, SEL_ICCID READ_ICCID, 0x00, "02 9000" ICCID_EF);
	exchange(card, &x, SEL_UMPC_NR UPD_UMPC, 0x02, "");
	host_std(&x, TAR_UICC_RFM, 4);
	exchange(card, &x, SEL_UMPC_NR UPD_UMPC, 0x02, "");
	terminal_read(card, "2F08", "05", UMPC_EF);
	/* counter mode 11: exactly one higher */
	host_init(&x, 2, TAR_UICC_RFM, 0x1E, 0x19, 7);
	exchange(card, &x, SEL_ICCID READ_ICCID, 0x03, "");
	host_init(&x, 2, TAR_UICC_RFM, 0x1E, 0x19, 6);
	exchange(card, &x, SEL_ICCID READ_ICCID, 0x00, "02 9000" ICCID_EF);
	/* the KVN 01 key set has a counter of its own */
	host_init(&x, 1, TAR_UICC_RFM, 0x16, 0x19, 1);
	exchange(card, &x, SEL_ICCID READ_ICCID, 0x00, "02 9000" ICCID_EF);
	/* unknown key set: 06, in clear */
	host_init(&x, 2, TAR_UICC_RFM, 0x16, 0x19, 9);
	x.h.kic = x.h.kid = 0x32;
	uint8_t r[300];
	char hex[600];
	size_t rl = send_packet(card, &x, SEL_ICCID READ_ICCID, r, sizeof(r));
	th_hex(r, rl, hex);
	assert_string_equal(hex, "027100000B0AB0012000000000000006"
	                         "9000");
	veuicc_card_free(card);
}

/* Counters survive veuicc_card_open(); the ISD-R's are separate. */
static void test_counters_persist(void **state)
{
	(void)state;
	char path[512];
	test_tmp_template(path, sizeof(path), "ota");
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	unlink(path);
	veuicc_config cfg;
	cfg_factory(&cfg);
	veuicc_card *card;
	assert_int_equal(veuicc_card_open(path, &cfg, &card), VEUICC_OK);
	assert_int_equal(veuicc_reset(card, VEUICC_RESET_COLD, NULL, NULL), VEUICC_OK);
	assert_int_equal(veuicc_set_protocol(card, VEUICC_PROTO_T1), VEUICC_OK);
	host x;
	host_std(&x, TAR_UICC_RFM, 9);
	exchange(card, &x, SEL_UMPC_NR UPD_UMPC, 0x00, "02 9000");
	veuicc_card_free(card);

	assert_int_equal(veuicc_card_open(path, &cfg, &card), VEUICC_OK);
	assert_int_equal(veuicc_reset(card, VEUICC_RESET_COLD, NULL, NULL), VEUICC_OK);
	assert_int_equal(veuicc_set_protocol(card, VEUICC_PROTO_T1), VEUICC_OK);
	terminal_read(card, "2F08", "05", NEW_UMPC);
	exchange(card, &x, SEL_UMPC_NR READ_UMPC, 0x02, ""); /* replay after reopening */
	host_std(&x, TAR_USIM_RFM, 9);                       /* the same key set: same counter */
	exchange(card, &x, SEL_UMPC_NR READ_UMPC, 0x02, "");
	host_std(&x, TAR_UICC_RFM, 10);
	exchange(card, &x, SEL_UMPC_NR READ_UMPC, 0x00, "02 9000" NEW_UMPC);
	veuicc_card_free(card);
	unlink(path);
}

/* The MNO-SD by its toolkit TARs: GET DATA E0 from its key list, other
 * commands 6D00; the ISD-P's TAR is not routed (09). */
static void test_mno_sd(void **state)
{
	(void)state;
	veuicc_card *card = new_card();
	host x;
	const char *keys = "E0 24 C004 0101 8010 C004 0201 8010 C004 0301 8010"
	                   " C004 0102 8810 C004 0202 8810 C004 0302 8810";
	char want[200];
	snprintf(want, sizeof(want), "01 9000 %s", keys);
	host_std(&x, TAR_MNO_SD, 1);
	exchange(card, &x, "80CA00E000", 0x00, want);
	host_std(&x, "000000", 2);
	exchange(card, &x, "80CA00E000 80E40000024F00", 0x00, "02 6D00");
	host_std(&x, "000000", 3);
	exchange(card, &x, "80CA006600", 0x00, "01 6A88");
	/* below the MNO-SD's MSL (01 02: CC) */
	host_init(&x, 2, TAR_MNO_SD, 0x00, 0x01, 1);
	uint8_t r[300];
	char hex[600];
	size_t rl = send_packet(card, &x, "80CA00E000", r, sizeof(r));
	th_hex(r, rl, hex);
	assert_string_equal(hex, "027100000B0AB201000000000000000A"
	                         "9000");
	/* R2: the ISD-P of the enabled profile has no TAR of its own */
	veuicc_isdp_info info;
	assert_int_equal(veuicc_card_isdp_info(card, 0, &info), VEUICC_OK);
	char tar[7];
	th_hex(info.aid + 12, 3, tar);
	host_std(&x, tar, 1);
	rl = send_packet(card, &x, "80CA00E000", r, sizeof(r));
	assert_int_equal(rl, 18);
	assert_int_equal(r[rl - 3], 0x09);
	veuicc_card_free(card);
}

/* Toolkit parameters of the TS.48 MNO-SD (TS 102 226 §8.2.1.3.2.1). */
static void test_toolkit_params(void **state)
{
	(void)state;
	veuicc_card *card = new_card();
	const veuicc_saip_gp_sd *sd = &card->profiles.slot[card->profiles.active].gp->sd[0];
	char hex[300];
	th_hex(sd->toolkit, sd->toolkit_len, hex);
	assert_string_equal(hex, "010000000002010206B20100000000"
	                         "00");
	veuicc_card_free(card);
}

/* The TS 102 226 §8.2.1.3.2.1 field parser: TARs and MSL, malformed input. */
static void test_toolkit_parser(void **state)
{
	(void)state;
	uint8_t p[64], tars[4][3], msl = 0xEE;
	char hex[32];
	size_t n = th_unhex("010000000002010206B2010000000000", p, sizeof(p));
	assert_int_equal(veuicc_ota_toolkit_params(p, n, &msl, tars, 4), 2);
	assert_int_equal(msl, 0x02);
	th_hex(tars[0], 6, hex);
	assert_string_equal(hex, "B20100000000");
	assert_int_equal(veuicc_ota_toolkit_params(p, n, &msl, tars, 1), 1); /* capped */
	/* two menu entries (position, identifier), MSL 01 1A, one TAR */
	n = th_unhex("01020A02 01010202 01 02011A 03B00001 00", p, sizeof(p));
	assert_int_equal(veuicc_ota_toolkit_params(p, n, &msl, tars, 4), 1);
	assert_int_equal(msl, 0x1A);
	th_hex(tars[0], 3, hex);
	assert_string_equal(hex, "B00001");
	/* cut anywhere before the end of the TARs: malformed */
	for (size_t cut = 0; cut < n - 1; cut++)
		assert_int_equal(veuicc_ota_toolkit_params(p, cut, &msl, tars, 4), -1);
	/* no MSL, no TAR; a TAR field that is no multiple of 3 */
	n = th_unhex("0100000000 00 00", p, sizeof(p));
	assert_int_equal(veuicc_ota_toolkit_params(p, n, &msl, tars, 4), 0);
	assert_int_equal(msl, 0);
	n = th_unhex("0100000000 00 04B0000100", p, sizeof(p));
	assert_int_equal(veuicc_ota_toolkit_params(p, n, &msl, tars, 4), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_uicc_rfm_read),
	    cmocka_unit_test(test_uicc_rfm_update),
	    cmocka_unit_test(test_usim_rfm_read_imsi),
	    cmocka_unit_test(test_access_domain_denied),
	    cmocka_unit_test(test_below_msl),
	    cmocka_unit_test(test_disabled_profile),
	    cmocka_unit_test(test_replay),
	    cmocka_unit_test(test_counters_persist),
	    cmocka_unit_test(test_mno_sd),
	    cmocka_unit_test(test_toolkit_params),
	    cmocka_unit_test(test_toolkit_parser),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
