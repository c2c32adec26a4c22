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
	      "check it, and close the channel. Each exchange is printed decoded; in T=0\n"
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

/* Minimal bounded BER-TLV header reader (ISO 7816-4 §5.2): tag up to 3
 * bytes, length up to 3 bytes. Returns 0 and fills tag/len/hdr, or -1. */
static int tlv_head(const uint8_t *p, size_t n, unsigned *tag, size_t *len, size_t *hdr)
{
	size_t i = 0;
	if (n < 2)
		return -1;
	*tag = p[i++];
	if ((*tag & 0x1F) == 0x1F) {
		do {
			if (i >= n || i >= 3)
				return -1;
			*tag = *tag << 8 | p[i];
		} while (p[i++] & 0x80);
	}
	if (i >= n)
		return -1;
	uint8_t l = p[i++];
	if (l < 0x80) {
		*len = l;
	} else {
		unsigned k = l & 0x7F;
		if (k == 0 || k > 2 || i + k > n)
			return -1;
		*len = 0;
		while (k--)
			*len = *len << 8 | p[i++];
	}
	if (*len > n - i)
		return -1;
	*hdr = i;
	return 0;
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

/* Print the data objects of \p p (two levels deep) and find the DF name. */
static int dump_tlvs(const uint8_t *p, size_t n, int depth, const uint8_t **df, size_t *df_len)
{
	while (n) {
		unsigned tag;
		size_t len, hdr;
		if (tlv_head(p, n, &tag, &len, &hdr))
			return -1;
		printf("%*s%X (%zu byte%s) %s", 5 + 2 * depth, "", tag, len, len == 1 ? "" : "s",
		       tag_name(tag));
		int constructed = p[0] & 0x20; /* b6 of the first tag byte */
		if (constructed && depth < 2) {
			putchar('\n');
			if (dump_tlvs(p + hdr, len, depth + 1, df, df_len))
				return -1;
		} else {
			printf("%s", *tag_name(tag) ? ": " : ":");
			for (size_t i = 0; i < len; i++)
				printf("%02X", p[hdr + i]);
			putchar('\n');
		}
		if (tag == TAG_DF_NAME && depth == 1) {
			*df = p + hdr;
			*df_len = len;
		}
		p += hdr + len;
		n -= hdr + len;
	}
	return 0;
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
	if (dump_tlvs(d->r, data, 0, &df, &df_len))
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
