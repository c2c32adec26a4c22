/* SPDX-License-Identifier: Apache-2.0 */
/**
 * \file cmd_demo.c
 * \brief `veuicc demo`: the main job of the README on the embedded default
 *        card: boot, open a logical channel, select ISD-R and ECASD, read
 *        the EID, close the channel; every exchange printed and checked.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "saip/saip.h"
#include "tlv/tlv.h"
#include "uicc/auth/testalg.h"

/* SGP.02 §2.2.3: AIDs of the always-present security domains. */
static const uint8_t aid_isdr[] = {0xA0, 0x00, 0x00, 0x05, 0x59, 0x10, 0x10, 0xFF,
                                   0xFF, 0xFF, 0xFF, 0x89, 0x00, 0x00, 0x01, 0x00};
static const uint8_t aid_ecasd[] = {0xA0, 0x00, 0x00, 0x05, 0x59, 0x10, 0x10, 0xFF,
                                    0xFF, 0xFF, 0xFF, 0x89, 0x00, 0x00, 0x02, 0x00};

#define INS_MANAGE_CHANNEL 0x70u /* ISO 7816-4 §11.1.2, TS 102 221 §11.1.17 */
#define INS_SELECT         0xA4u /* TS 102 221 §11.1.1 */
#define INS_GET_DATA       0xCAu /* GP CS v2.3 §11.3 */
#define SELECT_BY_DF_NAME  0x04u
#define SELECT_FIRST_FCI   0x00u /* P2: first occurrence, return FCI */
#define MC_OPEN            0x00u
#define MC_CLOSE           0x80u
#define TAG_FCI            0x6Fu /* ISO 7816-4 §5.3.3 */
#define TAG_DF_NAME        0x84u
#define TAG_EID            0x5Au /* SGP.02 §2.2.2, GET DATA on the ECASD */
#define EID_LEN            16u
#define SW_OK              0x9000u
#define MAX_CHANNEL        19

static void usage(FILE *f)
{
	fputs("usage: veuicc demo [--eid EID] [--protocol T=0|T=1]\n"
	      "\n"
	      "Create a card with the default configuration, cold reset it, open a logical\n"
	      "channel, select the ISD-R and the ECASD on it, read the EID from the ECASD,\n"
	      "check it, and close the channel; then, as an SM-SR and SM-DP would on plain\n"
	      "APDUs, create an ISD-P, download the built-in GSMA TS.48 test profile into it\n"
	      "and enable it; then act as a modem: EF.ICCID, the USIM from EF.DIR, PIN1,\n"
	      "EF.IMSI, AUTHENTICATE. Each exchange is printed decoded; in T=0\n"
	      "the demo behaves like a T=0 terminal (GET RESPONSE after 61xx, repeat after\n"
	      "6Cxx). Exit status 1 if the card answers any step unexpectedly.\n"
	      "\n"
	      "options:\n"
	      "  --eid EID           use this EID (32 digits) instead of the SGP.26 test EID\n"
	      "  --protocol T=0|T=1  protocol to select after the reset (default T=0)\n"
	      "  -h, --help          show this help\n",
	      f);
}

struct demo {
	veuicc_card *card;
	veuicc_cli_term term;
	veuicc_protocol proto;
	int step;
	uint8_t *r;
	size_t rn;
};

static void title(struct demo *d, const char *t)
{
	printf("\n%d. %s\n", ++d->step, t);
}

__attribute__((format(printf, 2, 3))) static int failed(struct demo *d, const char *fmt, ...)
{
	va_list ap;
	printf("   FAILED at step %d: ", d->step);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	return VEUICC_CLI_EXIT_MISMATCH;
}

static uint16_t sw_of(const struct demo *d)
{
	return (uint16_t)(d->r[d->rn - 2] << 8 | d->r[d->rn - 1]);
}

/* Send like a T=0 (or T=1) terminal; the response lands in d->r / d->rn. */
static int send(struct demo *d, const uint8_t *c, size_t cn)
{
	int rc = veuicc_cli_xfer_auto(&d->term, "", c, cn, d->r, VEUICC_RAPDU_MAX, &d->rn);
	if (rc)
		return failed(d, "veuicc_transmit: %s", veuicc_strerror(rc));
	return VEUICC_CLI_EXIT_OK;
}

/* CLA for a channel, interindustry or proprietary (TS 102 221 §10.1.1). */
static uint8_t cla_for(int channel, int proprietary)
{
	uint8_t base = proprietary ? 0x80 : 0x00;
	if (channel <= 3)
		return (uint8_t)(base | channel);
	return (uint8_t)(base | 0x40 | (channel - 4));
}

static const char *tag_name(unsigned tag)
{
	switch (tag) {
	case 0x6F: return "FCI template";
	case 0x84: return "DF name (AID)";
	case 0xA5: return "proprietary data";
	case 0x73: return "security domain management data";
	case 0x9F65: return "maximum length of data field in command message";
	case 0x9F6E: return "application production life cycle data";
	case 0x5A: return "EID";
	default: return "";
	}
}

/* Print the data objects of \p r (two levels deep) and find the DF name. */
static int dump_tlvs(veuicc_tlv_reader *r, int depth, const uint8_t **df, size_t *df_len)
{
	veuicc_tlv t;
	int rc;
	while ((rc = veuicc_tlv_next(r, &t)) == 1) {
		printf("%*s%X (%zu byte%s) %s", 5 + 2 * depth, "", (unsigned)t.tag, t.len,
		       t.len == 1 ? "" : "s", tag_name(t.tag));
		if (t.constructed && depth < 2) {
			veuicc_tlv_reader child;
			putchar('\n');
			veuicc_tlv_enter(r, &t, &child);
			if (dump_tlvs(&child, depth + 1, df, df_len))
				return -1;
		} else {
			printf("%s", *tag_name(t.tag) ? ": " : ":");
			for (size_t i = 0; i < t.len; i++)
				printf("%02X", t.value[i]);
			putchar('\n');
		}
		if (t.tag == TAG_DF_NAME && depth == 1) {
			*df = t.value;
			*df_len = t.len;
		}
	}
	return rc;
}

static int select_sd(struct demo *d, int channel, const char *name, const uint8_t *aid,
                     size_t aid_len)
{
	char t[160];
	snprintf(t, sizeof(t), "SELECT the %s by its AID on channel %d", name, channel);
	title(d, t);

	uint8_t c[6 + 16];
	size_t cn = 0;
	c[cn++] = cla_for(channel, 0);
	c[cn++] = INS_SELECT;
	c[cn++] = SELECT_BY_DF_NAME;
	c[cn++] = SELECT_FIRST_FCI;
	c[cn++] = (uint8_t)aid_len;
	memcpy(c + cn, aid, aid_len);
	cn += aid_len;
	if (d->proto == VEUICC_PROTO_T1)
		c[cn++] = 0x00; /* case 4; a T=0 terminal sends case 3 and fetches */
	int rc = send(d, c, cn);
	if (rc)
		return rc;
	if (sw_of(d) != SW_OK)
		return failed(d, "SW %04X, expected 9000 with the FCI", sw_of(d));
	const uint8_t *df = NULL;
	size_t df_len = 0, data = d->rn - 2;
	if (data < 2 || d->r[0] != TAG_FCI)
		return failed(d, "the response is not an FCI template (tag 6F)");
	printf("   FCI:\n");
	veuicc_tlv_reader rd;
	veuicc_tlv_reader_init(&rd, d->r, data, 0);
	if (dump_tlvs(&rd, 0, &df, &df_len))
		return failed(d, "the FCI is not valid BER-TLV");
	if (!df || df_len != aid_len || memcmp(df, aid, aid_len) != 0)
		return failed(d, "the FCI's DF name (84) is not the AID of the %s", name);
	printf("   -> the %s is selected on channel %d; its FCI names it (tag 84)\n", name,
	       channel);
	return VEUICC_CLI_EXIT_OK;
}

static int read_eid(struct demo *d, int channel)
{
	title(d, "GET DATA tag 5A (EID) from the ECASD");
	uint8_t c[5] = {cla_for(channel, 1), INS_GET_DATA, 0x00, TAG_EID, 0x00};
	int rc = send(d, c, sizeof(c));
	if (rc)
		return rc;
	if (sw_of(d) != SW_OK)
		return failed(d, "SW %04X, expected 9000", sw_of(d));
	if (d->rn != 2 + 2 + EID_LEN || d->r[0] != TAG_EID || d->r[1] != EID_LEN)
		return failed(d, "expected 5A 10 followed by 16 bytes");

	/* SGP.02 §2.2.2: 32 decimal digits, two per byte, first digit high nibble */
	char eid[33], want[33];
	for (unsigned i = 0; i < EID_LEN; i++) {
		uint8_t b = d->r[2 + i];
		if ((b >> 4) > 9 || (b & 0x0F) > 9)
			return failed(d, "EID byte %u (%02X) is not two decimal digits", i, b);
		eid[2 * i] = (char)('0' + (b >> 4));
		eid[2 * i + 1] = (char)('0' + (b & 0x0F));
	}
	eid[32] = '\0';
	rc = veuicc_get_eid(d->card, want);
	if (rc)
		return failed(d, "veuicc_get_eid: %s", veuicc_strerror(rc));
	printf("   EID ");
	for (int i = 0; i < 32; i += 4)
		printf("%.4s%s", eid + i, i < 28 ? " " : "\n");
	if (strcmp(eid, want) != 0)
		return failed(d, "the card says %s but veuicc_get_eid() says %s", eid, want);
	if (veuicc_eid_check(eid) != VEUICC_OK)
		return failed(d, "the EID's check digits are wrong");
	printf("   -> equals veuicc_get_eid(); check digits valid (ISO 7064 MOD 97-10)\n");
	return VEUICC_CLI_EXIT_OK;
}

/* Send the hex command \p hex (spaces allowed); require SW \p want. */
static int cmd(struct demo *d, const char *hex, uint16_t want)
{
	uint8_t c[300];
	size_t n = 0;
	int hi = -1;
	for (const char *p = hex; *p; p++) {
		if (*p == ' ')
			continue;
		int v = (*p >= '0' && *p <= '9')   ? *p - '0'
		        : (*p >= 'A' && *p <= 'F') ? *p - 'A' + 10
		                                   : -1;
		if (v < 0 || (hi < 0 && n == sizeof(c)))
			return failed(d, "bad demo command %s", hex);
		if (hi < 0) {
			hi = v;
		} else {
			c[n++] = (uint8_t)(hi << 4 | v);
			hi = -1;
		}
	}
	if (hi >= 0)
		return failed(d, "bad demo command %s", hex);
	int rc = send(d, c, n);
	if (rc)
		return rc;
	if (sw_of(d) != want)
		return failed(d, "SW %04X, expected %04X", sw_of(d), want);
	return VEUICC_CLI_EXIT_OK;
}

/* TS 102 221 §13.2 / TS 31.102 §4.2.2: BCD with nibbles swapped, F filler. */
static void swapped_digits(const uint8_t *b, size_t n, size_t skip, char *out)
{
	size_t k = 0;
	for (size_t i = 0; i < 2 * n; i++) {
		uint8_t v = (i & 1) ? b[i / 2] >> 4 : b[i / 2] & 0x0F;
		if (i >= skip && v <= 9)
			out[k++] = (char)('0' + v);
	}
	out[k] = '\0';
}

/* The TS.48 profiles' AKA key (akaParameter, usim-test-algorithm); the demo
 * plays the network with it. */
static const uint8_t ts48_k[16] = {0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
                                   0x08, 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x0E, 0x0F};

static int authenticate(struct demo *d)
{
	title(d, "AUTHENTICATE (3G context): the demo plays the network with the TS.48 key");
	uint8_t rand[16], sqn[6] = {0, 0, 0, 0, 0, 0x21}, amf[2] = {0x80, 0x00}, mac[8], ak[6];
	uint8_t res[16], ck[16], ik[16];
	/* any 16 bytes; these are the RAND of TS 35.208 test set 1 */
	static const uint8_t rand_set1[16] = {0x23, 0x55, 0x3C, 0xBE, 0x96, 0x37, 0xA8, 0x9D,
	                                      0x21, 0x8A, 0xE6, 0x4D, 0xAE, 0x47, 0xBF, 0x35};
	memcpy(rand, rand_set1, sizeof(rand));
	/* TS 34.108 §8.1.2: the test algorithm; AUTN = SQN xor AK || AMF || MAC */
	if (veuicc_testalg_f1(ts48_k, rand, sqn, amf, mac) ||
	    veuicc_testalg_f2345(ts48_k, rand, res, sizeof(res), ck, ik, ak))
		return failed(d, "test algorithm");
	uint8_t c[5 + 34 + 1] = {0x00, 0x88, 0x00, 0x81, 34, 0x10};
	memcpy(c + 6, rand, 16);
	c[22] = 0x10;
	for (int i = 0; i < 6; i++)
		c[23 + i] = sqn[i] ^ ak[i];
	memcpy(c + 29, amf, 2);
	memcpy(c + 31, mac, 8);
	size_t cn = 39;
	if (d->proto == VEUICC_PROTO_T1)
		c[cn++] = 0x00;
	int rc = send(d, c, cn);
	if (rc)
		return rc;
	if (sw_of(d) != SW_OK || d->rn < 2 + 2 + 16 || d->r[0] != 0xDB || d->r[1] != 16)
		return failed(d, "expected DB 10 RES ... 9000 (successful 3G authentication)");
	if (memcmp(d->r + 2, res, 16) != 0)
		return failed(d, "RES differs from the network's XRES");
	printf("   -> RES equals the network's XRES; CK and IK follow (TS 31.102 §7.1.2)\n");
	return VEUICC_CLI_EXIT_OK;
}

/* SGP.02 Annex H: ISD-P executable load file / module AIDs, and the AID this
 * demo's SM-SR gives the new ISD-P (…89 000010 00, the first of the range). */
#define AID_ELF  "A0000005591010FFFFFFFF8900000D00"
#define AID_EM   "A0000005591010FFFFFFFF8900000E00"
#define AID_ISDP "A0000005591010FFFFFFFF8900001000"
#define AID_ISDR "A0000005591010FFFFFFFF8900000100"

/* GET STATUS of the ISD-P (SGP.02 §4.1.1.5: 4F filter, tag list 4F 9F70);
 * returns its life-cycle byte or -1. */
static int isdp_state(struct demo *d)
{
	if (cmd(d, "00A4040C10" AID_ISDR, SW_OK) ||
	    cmd(d, "80F2400217 4F10" AID_ISDP "5C03 4F9F70 00", SW_OK))
		return -1;
	veuicc_tlv e3, lcs;
	if (veuicc_tlv_find(d->r, d->rn - 2, 0, 0xE3, &e3) != 1 ||
	    veuicc_tlv_find(e3.value, e3.len, 0, 0x9F70, &lcs) != 1 || lcs.len != 1)
		return -1;
	return lcs.value[0];
}

/* ES5 CreateISDP, then the profile package in STORE DATA blocks to the ISD-P
 * (SGP.02 §4.1.1.1, §4.1.3.2 on plain APDUs; docs/euicc.md). */
static int download(struct demo *d, size_t *slot)
{
	title(d, "ES5 CreateISDP on the ISD-R: INSTALL [for install and make selectable]");
	int rc;
	if ((rc = cmd(d, "00A4040C10" AID_ISDR, SW_OK)) ||
	    (rc = cmd(d,
	              "80E60C003F 10" AID_ELF "10" AID_EM "10" AID_ISDP
	              "0380C000 06C90481028100 00 00",
	              SW_OK)))
		return rc;
	int lcs = isdp_state(d);
	if (lcs != 0x07)
		return failed(d, "the new ISD-P is not SELECTABLE (07) but %02X", lcs);
	printf("   -> ISD-P %s created, life cycle 07 (SELECTABLE)\n", AID_ISDP);

	size_t len;
	const uint8_t *der = veuicc_saip_default_profile(&len);
	size_t nblocks = (len + 254) / 255;
	char t[160];
	snprintf(t, sizeof(t),
	         "Download the built-in GSMA TS.48 V7 package (%zu bytes) into the ISD-P: %zu "
	         "STORE DATA blocks",
	         len, nblocks);
	title(d, t);
	if ((rc = cmd(d, "00A4040C10" AID_ISDP, SW_OK)))
		return rc;
	FILE *trace = d->term.trace;
	for (size_t b = 0; b < nblocks; b++) {
		size_t n = len - b * 255 < 255 ? len - b * 255 : 255;
		int last = b + 1 == nblocks;
		uint8_t c[5 + 255];
		/* GP CS §11.11.2: P1 b8 last block, b5-b4 01 BER-TLV data; P2 block number */
		c[0] = 0x80, c[1] = 0xE2, c[2] = last ? 0x90 : 0x10, c[3] = (uint8_t)b,
		c[4] = (uint8_t)n;
		memcpy(c + 5, der + b * 255, n);
		d->term.trace = (b == 0 || last) ? trace : NULL;
		if (b == 1)
			printf("   ... blocks 2 to %zu, 255 bytes each, not shown ...\n",
			       nblocks - 1);
		rc = send(d, c, 5 + n);
		d->term.trace = trace;
		if (rc)
			return rc;
		if (sw_of(d) != SW_OK)
			return failed(d, "block %zu: SW %04X", b, sw_of(d));
	}
	/* the installation result: 30 { 80 SAIP status [81 PE index] [82 identification] } */
	veuicc_tlv res, st;
	if (veuicc_tlv_find(d->r, d->rn - 2, 0, 0x30, &res) != 1 ||
	    veuicc_tlv_find(res.value, res.len, 0, 0x80, &st) != 1 || st.len != 1 || st.value[0])
		return failed(d, "the ISD-P did not report a successful installation");
	lcs = isdp_state(d);
	if (lcs != 0x1F)
		return failed(d, "after the download the ISD-P is %02X, not DISABLED (1F)", lcs);
	*slot = veuicc_card_profile_count(d->card) - 1;
	veuicc_profile_info info;
	veuicc_card_profile_info(d->card, *slot, &info);
	printf("   -> installed: SAIP status 0 (ok), ICCID %s, %zu files; ISD-P life cycle 1F "
	       "(DISABLED)\n",
	       info.iccid, info.files);

	title(d, "ES5 EnableProfile: STORE DATA DGI 3A03 { 4F ISD-P AID } to the ISD-R");
	if ((rc = cmd(d, "00A4040C10" AID_ISDR, SW_OK)) ||
	    (rc = cmd(d, "80E2880015 3A03 12 4F10" AID_ISDP, SW_OK)))
		return rc;
	lcs = isdp_state(d);
	if (lcs != 0x3F)
		return failed(d, "the ISD-P is %02X, not ENABLED (3F)", lcs);
	printf("   -> ISD-P life cycle 3F (ENABLED): the terminal now sees this profile\n");
	return VEUICC_CLI_EXIT_OK;
}

/* The profile part: download the shipped TS.48 profile the SGP.02 way, then
 * act as a modem. */
static int profile_steps(struct demo *d)
{
	size_t idx = 0;
	int rc = download(d, &idx);
	if (rc)
		return rc;
	veuicc_profile_info info;
	veuicc_card_profile_info(d->card, idx, &info);

	title(d, "Read EF.ICCID (2FE2) as a modem does at boot");
	if ((rc = cmd(d, "00A4000C022FE2", SW_OK)))
		return rc;
	if ((rc = cmd(d, "00B000000A", SW_OK)))
		return rc;
	char iccid[21];
	swapped_digits(d->r, d->rn - 2, 0, iccid);
	if (strcmp(iccid, info.iccid) != 0)
		return failed(d, "EF.ICCID says %s, the package header %s", iccid, info.iccid);
	printf("   -> ICCID %s, as in the package header\n", iccid);

	title(d, "Find the USIM in EF.DIR (2F00) and select it by its AID");
	if ((rc = cmd(d, "00A4000C022F00", SW_OK)) || (rc = cmd(d, "00B2010400", SW_OK)))
		return rc;
	veuicc_tlv t, aid;
	if (veuicc_tlv_find(d->r, d->rn - 2, VEUICC_TLV_SKIP_PADDING, 0x61, &t) != 1 ||
	    veuicc_tlv_find(t.value, t.len, 0, 0x4F, &aid) != 1 || aid.len > 16)
		return failed(d, "EF.DIR record 1 has no application template 61 { 4F AID }");
	uint8_t sel[5 + 16] = {0x00, INS_SELECT, SELECT_BY_DF_NAME, 0x0C, (uint8_t)aid.len};
	memcpy(sel + 5, aid.value, aid.len);
	if ((rc = send(d, sel, 5 + aid.len)))
		return rc;
	if (sw_of(d) != SW_OK)
		return failed(d, "SW %04X selecting the USIM", sw_of(d));
	printf("   -> the USIM is selected\n");

	title(d, "VERIFY PIN1 (TS.48 test value 0000), then read EF.IMSI (6F07)");
	if ((rc = cmd(d, "00A4000C026F07", SW_OK)) || (rc = cmd(d, "00B0000009", 0x6982)))
		return rc;
	printf("   -> EF.IMSI is protected by PIN1 (EF.ARR): 6982 before VERIFY\n");
	if ((rc = cmd(d, "002000010830303030FFFFFFFF", SW_OK)) ||
	    (rc = cmd(d, "00B0000009", SW_OK)))
		return rc;
	char imsi[20];
	/* EF.IMSI: length byte, then the digits with the parity nibble first */
	swapped_digits(d->r + 1, d->rn - 3, 1, imsi);
	printf("   -> IMSI %s\n", imsi);
	return authenticate(d);
}

static int run(struct demo *d, const char *eid)
{
	uint8_t atr[VEUICC_ATR_MAX];
	size_t atr_len = 0;
	char id[33];
	int rc;

	title(d, "Cold reset");
	if ((rc = veuicc_reset(d->card, VEUICC_RESET_COLD, atr, &atr_len)))
		return failed(d, "veuicc_reset: %s", veuicc_strerror(rc));
	veuicc_cli_print_atr(stdout, 3, atr, atr_len);
	if (veuicc_get_protocol(d->card) != VEUICC_PROTO_T0)
		return failed(d, "the protocol after reset is not T=0");
	if (d->proto == VEUICC_PROTO_T1) {
		if ((rc = veuicc_set_protocol(d->card, VEUICC_PROTO_T1)))
			return failed(d, "the card refused T=1: %s", veuicc_strerror(rc));
		printf("   PPS: T=1 selected\n");
	} else {
		printf("   protocol in use: T=0 (the first one offered)\n");
	}
	if ((rc = veuicc_get_eid(d->card, id)))
		return failed(d, "veuicc_get_eid: %s", veuicc_strerror(rc));
	printf("   card EID (from the API): %s%s\n", id, eid ? "" : " (SGP.26 test EID)");

	title(d, "MANAGE CHANNEL: open a logical channel, the card picks its number");
	const uint8_t open[5] = {0x00, INS_MANAGE_CHANNEL, MC_OPEN, 0x00, 0x01};
	if ((rc = send(d, open, sizeof(open))))
		return rc;
	if (sw_of(d) != SW_OK || d->rn != 3 || d->r[0] < 1 || d->r[0] > MAX_CHANNEL)
		return failed(d, "expected one byte 01..13 and 9000");
	int ch = d->r[0];
	printf("   -> channel %d is open\n", ch);

	if ((rc = select_sd(d, ch, "ISD-R", aid_isdr, sizeof(aid_isdr))))
		return rc;
	if ((rc = select_sd(d, ch, "ECASD", aid_ecasd, sizeof(aid_ecasd))))
		return rc;
	if ((rc = read_eid(d, ch)))
		return rc;

	char t[80];
	snprintf(t, sizeof(t), "MANAGE CHANNEL: close channel %d", ch);
	title(d, t);
	const uint8_t close[4] = {0x00, INS_MANAGE_CHANNEL, MC_CLOSE, (uint8_t)ch};
	if ((rc = send(d, close, sizeof(close))))
		return rc;
	if (sw_of(d) != SW_OK || d->rn != 2)
		return failed(d, "expected 9000");
	printf("   -> channel %d is closed\n", ch);

	if ((rc = profile_steps(d)))
		return rc;

	printf("\nAll %d steps answered as expected (%u exchanges, %u of them added by the "
	       "terminal).\n",
	       d->step, d->term.exchanges, d->term.automatic);
	return VEUICC_CLI_EXIT_OK;
}

int veuicc_cli_demo(int argc, char **argv)
{
	const char *eid = NULL, *proto_s = NULL;
	struct demo d = {0};

	for (int i = 1; i < argc; i++) {
		int m;
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			usage(stdout);
			return VEUICC_CLI_EXIT_OK;
		}
		if ((m = veuicc_cli_opt(argc, argv, &i, "--eid", &eid)) != 0 ||
		    (m = veuicc_cli_opt(argc, argv, &i, "--protocol", &proto_s)) != 0) {
			if (m < 0)
				return VEUICC_CLI_EXIT_USAGE;
			continue;
		}
		fprintf(stderr, "veuicc demo: unexpected argument '%s'\n", argv[i]);
		usage(stderr);
		return VEUICC_CLI_EXIT_USAGE;
	}
	d.proto = VEUICC_PROTO_T0;
	if (proto_s && veuicc_cli_parse_protocol(proto_s, &d.proto)) {
		fprintf(stderr, "veuicc demo: --protocol takes T=0 or T=1, not '%s'\n", proto_s);
		return VEUICC_CLI_EXIT_USAGE;
	}
	if (eid && veuicc_eid_check(eid) != VEUICC_OK) {
		fprintf(stderr, "veuicc demo: '%s' is not a valid EID\n", eid);
		return VEUICC_CLI_EXIT_USAGE;
	}

	veuicc_config cfg;
	veuicc_config_init(&cfg);
	cfg.eid = eid;
	/* the demo drives the ES5/ES8 functions with plain APDUs, as a test bench
	 * does: test mode (docs/scp03.md); the SGP.02 way is OTA (SCP80) */
	cfg.test_mode = 1;
	printf("veuicc demo: a virtual eUICC in this process (libveuicc %s), as seen by a T=%d "
	       "terminal\n",
	       veuicc_version(), d.proto == VEUICC_PROTO_T1 ? 1 : 0);
	int rc = veuicc_card_new(&cfg, &d.card);
	if (rc) {
		fprintf(stderr, "veuicc demo: cannot create the card: %s\n", veuicc_strerror(rc));
		return VEUICC_CLI_EXIT_MISMATCH;
	}
	d.r = malloc(VEUICC_RAPDU_MAX);
	int status;
	if (!d.r || veuicc_cli_term_init(&d.term, d.card, stdout)) {
		fprintf(stderr, "veuicc demo: out of memory\n");
		status = VEUICC_CLI_EXIT_MISMATCH;
	} else {
		status = run(&d, eid);
	}
	veuicc_cli_term_free(&d.term);
	free(d.r);
	veuicc_card_free(d.card);
	return status;
}
