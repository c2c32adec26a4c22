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

#include <mbedtls/platform_util.h>

#include "cli.h"
#include "ota.h"
#include "sm.h"
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
	fputs("usage: veuicc demo [--factory FILE] [--protocol T=0|T=1]\n"
	      "\n"
	      "Boot a card personalised from a factory configuration (default\n"
	      "factory/default.json: EID, ISD-R keys and TAR, the TS.48 profile enabled),\n"
	      "cold reset it, open a logical channel, select the ISD-R and the ECASD, read\n"
	      "and check the EID, close the channel. Then an over-the-air session: an SM-SR\n"
	      "holding the ISD-R's SCP80 keys sends the SGP.02 ES5 functions as secured\n"
	      "SMS-PP download ENVELOPEs (GET STATUS audit, CreateISDP, EnableProfile,\n"
	      "DeleteProfile; a replay and a wrong key refused), each with its proof of\n"
	      "receipt decoded and the card's state afterwards. Then act as a modem:\n"
	      "EF.ICCID, the USIM from EF.DIR, PIN1, EF.IMSI, AUTHENTICATE. Last, SGP.02's\n"
	      "whole story with `veuicc sm`'s SM-SR and SM-DP: CreateISDP, EstablishISDPKeySet\n"
	      "(test PKI in factory/pki), the TS.48 V7 package downloaded in SCP03t segments\n"
	      "with ICCID 89000123456789012374, EnableProfile, the REFRESH, the modem on the\n"
	      "new profile, the notification by SMS and its confirmation. Each exchange is\n"
	      "printed; in T=0 the demo behaves like a T=0 terminal (GET RESPONSE after\n"
	      "61xx, repeat after 6Cxx). Exit status 1 if the card answers any step\n"
	      "unexpectedly.\n"
	      "\n"
	      "options:\n"
	      "  --factory FILE      factory configuration (docs/factory.md); default\n"
	      "                      factory/default.json, here or in the source tree\n"
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
	veuicc_cli_ota_ctx ota;                         /**< the SM-SR's key set and addressing */
	veuicc_cli_ota_env env[VEUICC_CLI_OTA_MAX_SMS]; /**< the ENVELOPEs of the last step */
	veuicc_cli_ota_env last_env;
	unsigned last_cntr;
	veuicc_cli_ota_result last_res;
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
 * demo's SM-SR gives the new ISD-P (…89 000011 00: …1000 holds the factory
 * profile). */
#define AID_PFX  "A0000005591010FFFFFFFF89"
#define AID_ELF  AID_PFX "00000D00"
#define AID_EM   AID_PFX "00000E00"
#define AID_ISDP AID_PFX "00001100"

static const char *isdp_state_name(veuicc_isdp_state s)
{
	switch (s) {
	case VEUICC_ISDP_CREATED: return "SELECTABLE (07)";
	case VEUICC_ISDP_PERSONALISED: return "PERSONALIZED (0F)";
	case VEUICC_ISDP_DISABLED: return "DISABLED (1F)";
	case VEUICC_ISDP_ENABLED: return "ENABLED (3F)";
	}
	return "?";
}

static void aid_hex(const uint8_t *aid, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		snprintf(out + 2 * i, 3, "%02X", aid[i]);
}

/* The card's ISD-Ps as the library reports them: the state after a step. */
static void print_isdps(struct demo *d)
{
	size_t n = veuicc_card_isdp_count(d->card);
	printf("   card state: %zu ISD-P%s\n", n, n == 1 ? "" : "s");
	for (size_t i = 0; i < n; i++) {
		veuicc_isdp_info in;
		char aid[33];
		if (veuicc_card_isdp_info(d->card, i, &in))
			continue;
		aid_hex(in.aid, in.aid_len, aid);
		printf("     %s  %-17s %s%s\n", aid, isdp_state_name(in.state),
		       in.iccid[0] ? "ICCID " : "no profile", in.iccid);
		if (in.fallback)
			printf("%*sFall-Back Attribute\n", 40, "");
	}
}

/* The ISD-P state of \p aid (hex), or -1. */
static int isdp_state_of(struct demo *d, const char *aid_want, char *iccid)
{
	for (size_t i = 0; i < veuicc_card_isdp_count(d->card); i++) {
		veuicc_isdp_info in;
		char aid[33];
		if (veuicc_card_isdp_info(d->card, i, &in))
			continue;
		aid_hex(in.aid, in.aid_len, aid);
		if (strcmp(aid, aid_want) == 0) {
			if (iccid)
				strcpy(iccid, in.iccid);
			return (int)in.state;
		}
	}
	return -1;
}

/* The terminal's transport for the OTA exchanges: veuicc_transmit, counted. */
static int ota_xfer(void *ctx, const uint8_t *c, size_t cn, uint8_t *r, size_t rcap, size_t *rn)
{
	struct demo *d = ctx;
	d->term.exchanges++;
	/* GET RESPONSE, FETCH, TERMINAL RESPONSE: the terminal's own */
	if (cn >= 2 && (c[1] == 0xC0 || c[1] == 0x12 || c[1] == 0x14))
		d->term.automatic++;
	return veuicc_transmit(d->card, c, cn, r, rcap, rn);
}

/* Send prepared ENVELOPEs as the terminal, decode the PoR, check its status. */
static int ota_send(struct demo *d, const veuicc_cli_ota_env *env, size_t ne, int want)
{
	uint8_t por[VEUICC_CLI_OTA_POR_MAX];
	size_t por_len = 0;
	int rc = veuicc_cli_ota_exchange(ota_xfer, d, env, ne, stdout, por, sizeof(por), &por_len);
	if (rc)
		return failed(d, "the ENVELOPE exchange failed: %s", veuicc_strerror(rc));
	if (want < 0) {
		if (por_len)
			return failed(d, "a PoR came back; the ISD-R must stay silent");
		printf("   -> no PoR: the ISD-R discarded the packet without a word (SGP.02 "
		       "§2.4.3)\n");
		return VEUICC_CLI_EXIT_OK;
	}
	if (!por_len)
		return failed(d, "no PoR came back");
	veuicc_cli_ota_result res;
	if (veuicc_cli_ota_print_por(stdout, &d->ota, por, por_len, &res))
		return failed(d, "the PoR does not verify with the factory keys");
	if (res.status != (uint8_t)want)
		return failed(d, "PoR status %02X, expected %02X", res.status, want);
	if (want == VEUICC_SCP80_POR_OK && res.sw_error)
		return failed(d, "a command of the script failed");
	d->last_res = res;
	return VEUICC_CLI_EXIT_OK;
}

/* One SM-SR step: the C-APDUs (hex) in an expanded script, secured with the
 * ISD-R's factory keys and the next counter, sent in SMS-PP download
 * ENVELOPEs, the PoR decoded. \p want: the PoR status expected, or -1 for
 * "no PoR at all". The last ENVELOPE is kept in d->last_env. */
static int ota_step(struct demo *d, const char *const *apdus, size_t n, int want)
{
	uint8_t buf[1024], script[1100], pkt[VEUICC_CLI_OTA_PKT_MAX];
	size_t lens[8], used = 0, sn = 0, pn = 0, ne = 0;
	char why[96];
	printf("   SM-SR script (expanded remote APDU format, TS 102 226 §5.2):\n");
	for (size_t i = 0; i < n; i++) {
		if (veuicc_cli_ota_unhex(apdus[i], buf + used, sizeof(buf) - used, &lens[i], why,
		                         sizeof(why)))
			return failed(d, "bad demo command %s: %s", apdus[i], why);
		char desc[256];
		veuicc_cli_describe_capdu(buf + used, lens[i], desc, sizeof(desc));
		printf("     C-APDU %zu: %s\n       ", i + 1, desc);
		veuicc_cli_hex_rows(stdout, buf + used, lens[i], 32, 7);
		used += lens[i];
	}
	d->ota.h.cntr[4]++; /* counter "must be higher" (SPI1 b5b4 10) */
	if (veuicc_cli_ota_script(1, buf, lens, n, script, sizeof(script), &sn) ||
	    veuicc_scp80_wrap_cmd(&d->ota.h, script, sn, pkt, sizeof(pkt), &pn) ||
	    veuicc_cli_ota_envelopes(&d->ota, pkt, pn, d->env, VEUICC_CLI_OTA_MAX_SMS, &ne))
		return failed(d, "cannot build the command packet");
	printf(
	    "   secured (SPI %02X%02X: CC + ciphering + counter; PoR with CC, ciphered), KIc/KID "
	    "%02X, TAR %02X%02X%02X, counter %u: a %zu-byte command packet in %zu SMS\n",
	    d->ota.h.spi[0], d->ota.h.spi[1], d->ota.h.kic, d->ota.h.tar[0], d->ota.h.tar[1],
	    d->ota.h.tar[2], d->ota.h.cntr[4], pn, ne);
	d->last_env = d->env[ne - 1];
	d->last_cntr = d->ota.h.cntr[4];
	return ota_send(d, d->env, ne, want);
}

/* A second profile for the OTA session: the built-in TS.48 package with its
 * own ICCID, installed through the library (the real ES8 download follows in
 * sm_story()). */
#define ICCID2 "89000123456789012374"

static int install_second(struct demo *d, char *aid_out)
{
	size_t len;
	const uint8_t *der = veuicc_saip_default_profile(&len);
	veuicc_saip_profile *p = NULL;
	uint8_t *out = NULL;
	size_t out_len = 0, before = veuicc_card_isdp_count(d->card);
	if (veuicc_saip_decode(der, len, &p, NULL) || veuicc_saip_set_iccid(p, ICCID2) ||
	    veuicc_saip_encode(p, &out, &out_len)) {
		veuicc_saip_free(p);
		return failed(d, "cannot personalise the built-in profile");
	}
	veuicc_saip_free(p);
	char msg[256] = "";
	int rc = veuicc_card_install_profile(d->card, out, out_len, NULL, msg, sizeof(msg));
	free(out);
	if (rc)
		return failed(d, "the second profile does not install: %s", msg);
	veuicc_isdp_info in;
	if (veuicc_card_isdp_count(d->card) != before + 1 ||
	    veuicc_card_isdp_info(d->card, before, &in))
		return failed(d, "no ISD-P for the second profile");
	aid_hex(in.aid, in.aid_len, aid_out);
	return VEUICC_CLI_EXIT_OK;
}

/* The over-the-air session: an SM-SR drives the ISD-R with SCP80-secured
 * SMS-PP download ENVELOPEs (SGP.02 ES5), keys from the factory file. */
static int ota_session(struct demo *d, size_t *active)
{
	int rc;
	char cmd1[128], cmd2[128], aid2[33], iccid[21];

	title(d, "Over the air: ES5 GET STATUS audit of the ISD-Ps, as an SCP80 SMS to the ISD-R");
	int audit_step = d->step;
	const char *audit[] = {"80F24002024F0000"};
	if ((rc = ota_step(d, audit, 1, VEUICC_SCP80_POR_OK)))
		return rc;
	print_isdps(d);
	veuicc_cli_ota_env replay = d->last_env;
	unsigned replay_cntr = d->last_cntr;

	title(d, "Over the air: ES5 CreateISDP (INSTALL [for install and make selectable])");
	const char *create[] = {"80E60C003F 10" AID_ELF "10" AID_EM "10" AID_ISDP
	                        "0380C000 06C90481028100 00 00"};
	if ((rc = ota_step(d, create, 1, VEUICC_SCP80_POR_OK)))
		return rc;
	print_isdps(d);
	if (isdp_state_of(d, AID_ISDP, NULL) != VEUICC_ISDP_CREATED)
		return failed(d, "ISD-P %s was not created", AID_ISDP);
	printf("   -> ISD-P %s created, life cycle 07 (SELECTABLE)\n", AID_ISDP);

	title(d, "A second profile arrives (installed through the library here; the SM-DP's "
	         "ES8 download over the air is the last part of the demo)");
	if ((rc = install_second(d, aid2)))
		return rc;
	print_isdps(d);
	printf("   -> the built-in TS.48 package with ICCID %s is in ISD-P %s, DISABLED\n", ICCID2,
	       aid2);

	title(d, "Over the air: ES5 EnableProfile of the second profile (STORE DATA DGI 3A03)");
	snprintf(cmd1, sizeof(cmd1), "80E2880015 3A03 12 4F10%s", aid2);
	const char *enable2[] = {cmd1};
	if ((rc = ota_step(d, enable2, 1, VEUICC_SCP80_POR_OK)))
		return rc;
	print_isdps(d);
	if (isdp_state_of(d, aid2, iccid) != VEUICC_ISDP_ENABLED)
		return failed(d, "the second profile is not enabled");
	printf("   -> the terminal now sees ICCID %s\n", iccid);

	title(d, "Over the air: ES5 EnableProfile of the factory profile, then DeleteProfile of "
	         "the second one and of the empty ISD-P, in one script");
	snprintf(cmd1, sizeof(cmd1), "80E2880015 3A03 12 4F10%s", AID_PFX "00001000");
	snprintf(cmd2, sizeof(cmd2), "80E4000012 4F10%s 00", aid2);
	const char *back[] = {cmd1, cmd2, "80E4000012 4F10" AID_ISDP " 00"};
	if ((rc = ota_step(d, back, 3, VEUICC_SCP80_POR_OK)))
		return rc;
	print_isdps(d);
	if (isdp_state_of(d, AID_PFX "00001000", iccid) != VEUICC_ISDP_ENABLED ||
	    isdp_state_of(d, aid2, NULL) != -1 || isdp_state_of(d, AID_ISDP, NULL) != -1)
		return failed(d, "the card is not back to its factory profile alone");
	printf("   -> back to the factory profile (ICCID %s); both ISD-Ps deleted\n", iccid);

	char t[96];
	snprintf(t, sizeof(t), "Security: the SMS of step %d again (a replay)", audit_step);
	title(d, t);
	printf("   the same ENVELOPE, counter %u, sent again\n", replay_cntr);
	if ((rc = ota_send(d, &replay, 1, VEUICC_SCP80_CNTR_LOW)))
		return rc;
	printf("   -> PoR status 02: the counter is not higher than the last one; nothing ran\n");

	title(d, "Security: a packet whose CC was made with a wrong KID key");
	veuicc_scp80_keyset good = d->ota.ks;
	d->ota.ks.kid[0] ^= 0x01;
	const char *probe[] = {"80F24002024F0000"};
	rc = ota_step(d, probe, 1, -1);
	d->ota.ks = good;
	mbedtls_platform_zeroize(&good, sizeof(good));
	if (rc)
		return rc;

	for (size_t i = 0; i < veuicc_card_profile_count(d->card); i++) {
		veuicc_profile_info info;
		if (veuicc_card_profile_info(d->card, i, &info) == 0 &&
		    strcmp(info.iccid, iccid) == 0)
			*active = i;
	}
	return VEUICC_CLI_EXIT_OK;
}

/* The profile part: the OTA session, then act as a modem on the profile
 * the SM-SR left enabled. */
static int profile_steps(struct demo *d)
{
	size_t idx = 0;
	int rc = ota_session(d, &idx);
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

static void sm_title(void *arg, const char *function)
{
	char t[128];
	snprintf(t, sizeof(t), "SM-SR/SM-DP: %s", function);
	title(arg, t);
}

static int demo_reset(void *arg)
{
	struct demo *d = arg;
	int rc = veuicc_reset(d->card, VEUICC_RESET_COLD, NULL, NULL);
	if (rc == 0 && d->proto == VEUICC_PROTO_T1)
		rc = veuicc_set_protocol(d->card, VEUICC_PROTO_T1);
	return rc;
}

/* The main job (issue 9): the off-card SM-SR and SM-DP of `veuicc sm` run
 * SGP.02's whole story on this card: CreateISDP, EstablishISDPKeySet (the
 * shipped test PKI), the TS.48 V7 package downloaded in SCP03t with its own
 * ICCID, EnableProfile, the REFRESH, the modem on the new profile,
 * the notification by SMS and its confirmation. */
static int sm_story(struct demo *d)
{
	veuicc_sm *sm = calloc(1, sizeof(*sm));
	if (!sm)
		return failed(d, "out of memory");
	printf("\nThe SGP.02 story over the air: an SM-DP downloads a profile through the SM-SR\n");
	sm->xfer = ota_xfer;
	sm->reset = demo_reset;
	sm->xctx = d;
	sm->out = stdout;
	sm->on_step = sm_title;
	sm->on_step_arg = d;
	sm->ota = d->ota;
	for (int i = 0; i < 5; i++)
		sm->counter = sm->counter << 8 | d->ota.h.cntr[i];
	sm->ota.h.kic_ks = sm->ota.h.kid_ks = &sm->ota.ks;
	sm->ota.concat_ref = 0x40;
	memcpy(sm->smsr_addr, d->ota.oa, d->ota.oa_len);
	sm->smsr_addr_len = d->ota.oa_len;
	size_t len = 0;
	const uint8_t *def = veuicc_saip_default_profile(&len);
	veuicc_saip_profile *p = NULL;
	uint8_t *der = NULL, aid[16];
	size_t der_len = 0, aid_len = 0;
	int rc;
	if (veuicc_saip_decode(def, len, &p, NULL) || veuicc_saip_set_iccid(p, ICCID2) ||
	    veuicc_saip_encode(p, &der, &der_len) || veuicc_sm_parse_aid(AID_ISDP, aid, &aid_len))
		rc = failed(d, "cannot personalise the built-in profile");
	else if (veuicc_sm_run(sm, aid, aid_len, der, der_len, "0000"))
		rc = failed(d, "%s", sm->error);
	else
		rc = VEUICC_CLI_EXIT_OK;
	if (rc == VEUICC_CLI_EXIT_OK) {
		double ms = 0;
		unsigned sms = 0;
		for (size_t i = 0; i < sm->nsteps; i++) {
			ms += sm->steps[i].ms;
			sms += sm->steps[i].sms;
		}
		printf(
		    "   -> profile ICCID %s (IMSI %s) downloaded, enabled and in use: %zu steps, "
		    "%u SMS, %.0f ms\n",
		    sm->iccid, sm->imsi, sm->nsteps, sms, ms);
	}
	veuicc_saip_free(p);
	free(der);
	veuicc_sm_free(sm);
	mbedtls_platform_zeroize(sm, sizeof(*sm));
	free(sm);
	return rc;
}

static int run(struct demo *d)
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
	printf("   card EID (from the API): %s\n", id);

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
	if ((rc = sm_story(d)))
		return rc;

	printf("\nAll %d steps answered as expected (%u exchanges, %u of them added by the "
	       "terminal).\n",
	       d->step, d->term.exchanges, d->term.automatic);
	return VEUICC_CLI_EXIT_OK;
}

#ifndef VEUICC_DEFAULT_FACTORY
#define VEUICC_DEFAULT_FACTORY "factory/default.json"
#endif

/* --factory, else factory/default.json here, else the one of the source tree
 * this veuicc was built from. */
static const char *factory_path(const char *given)
{
	if (given)
		return given;
	FILE *f = fopen("factory/default.json", "r");
	if (f) {
		fclose(f);
		return "factory/default.json";
	}
	return VEUICC_DEFAULT_FACTORY;
}

/* The SM-SR's copy of the ISD-R's first SCP80 key set and TAR (what the EUM
 * hands over with the card; the factory file here). */
static int smsr_keys(struct demo *d)
{
	veuicc_keyset k;
	int found = 0;
	for (size_t i = 0; i < veuicc_card_keyset_count(d->card) && !found; i++)
		found = veuicc_card_keyset(d->card, i, &k) == VEUICC_OK &&
		        k.type == VEUICC_KEYSET_SCP80;
	if (!found || veuicc_card_isdr_tar(d->card, d->ota.h.tar))
		return -1;
	veuicc_scp80_keyset *ks = &d->ota.ks;
	ks->kvn = k.kvn;
	ks->kic_alg = k.kic_algo & 0x0F;
	ks->kid_alg = k.kid_algo & 0x0F;
	ks->kic_len = (uint8_t)k.key1_len;
	ks->kid_len = (uint8_t)k.key2_len;
	memcpy(ks->kic, k.key1, k.key1_len);
	memcpy(ks->kid, k.key2, k.key2_len);
	ks->cc_len = 8;
	mbedtls_platform_zeroize(&k, sizeof(k));
	d->ota.h.spi[0] = 0x16; /* CC, ciphering, counter must be higher */
	d->ota.h.spi[1] = 0x19; /* PoR required, with CC, ciphered */
	d->ota.h.kic = (uint8_t)(ks->kvn << 4 | ks->kic_alg);
	d->ota.h.kid = (uint8_t)(ks->kvn << 4 | ks->kid_alg);
	d->ota.h.kic_ks = d->ota.h.kid_ks = ks;
	return veuicc_cli_ota_address("+4479000001", d->ota.oa, &d->ota.oa_len);
}

int veuicc_cli_demo(int argc, char **argv)
{
	const char *factory = NULL, *proto_s = NULL;
	struct demo *dp = calloc(1, sizeof(*dp));
	if (!dp) {
		fprintf(stderr, "veuicc demo: out of memory\n");
		return VEUICC_CLI_EXIT_MISMATCH;
	}
	struct demo *d = dp;
	int status = VEUICC_CLI_EXIT_USAGE;

	for (int i = 1; i < argc; i++) {
		int m;
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			usage(stdout);
			free(dp);
			return VEUICC_CLI_EXIT_OK;
		}
		if ((m = veuicc_cli_opt(argc, argv, &i, "--factory", &factory)) != 0 ||
		    (m = veuicc_cli_opt(argc, argv, &i, "--protocol", &proto_s)) != 0) {
			if (m < 0)
				goto out;
			continue;
		}
		fprintf(stderr, "veuicc demo: unexpected argument '%s'\n", argv[i]);
		usage(stderr);
		goto out;
	}
	d->proto = VEUICC_PROTO_T0;
	if (proto_s && veuicc_cli_parse_protocol(proto_s, &d->proto)) {
		fprintf(stderr, "veuicc demo: --protocol takes T=0 or T=1, not '%s'\n", proto_s);
		goto out;
	}
	factory = factory_path(factory);

	veuicc_config cfg;
	veuicc_config_init(&cfg);
	cfg.factory = factory;
	printf("veuicc demo: a virtual eUICC in this process (libveuicc %s), as seen by a T=%d "
	       "terminal and, over the air, by an SM-SR\n",
	       veuicc_version(), d->proto == VEUICC_PROTO_T1 ? 1 : 0);
	printf("card personalised from %s (test keys only)\n", factory);
	int rc = veuicc_card_new(&cfg, &d->card);
	if (rc) {
		fprintf(stderr, "veuicc demo: cannot create the card from %s: %s\n", factory,
		        veuicc_strerror(rc));
		status = VEUICC_CLI_EXIT_USAGE;
		goto out;
	}
	if (smsr_keys(d)) {
		fprintf(stderr, "veuicc demo: %s gives the ISD-R no SCP80 key set or no TAR\n",
		        factory);
		status = VEUICC_CLI_EXIT_USAGE;
		goto out;
	}
	d->r = malloc(VEUICC_RAPDU_MAX);
	if (!d->r || veuicc_cli_term_init(&d->term, d->card, stdout)) {
		fprintf(stderr, "veuicc demo: out of memory\n");
		status = VEUICC_CLI_EXIT_MISMATCH;
	} else {
		status = run(d);
	}
out:
	veuicc_cli_term_free(&d->term);
	free(d->r);
	veuicc_card_free(d->card);
	mbedtls_platform_zeroize(dp, sizeof(*dp));
	free(dp);
	return status;
}
