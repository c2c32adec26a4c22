/* SPDX-License-Identifier: Apache-2.0 */
/**
 * \file ota.c
 * \brief The SM-SR side of an SCP80 OTA session (see ota.h): scripts,
 *        SMS-PP download ENVELOPEs, the terminal's 61xx/91xx handling and
 *        the decoded PoR.
 */
#include <stdarg.h>
#include <string.h>

#include "cli.h"
#include "ota.h"
#include "scp/remote_apdu.h"
#include "tlv/tlv.h"
#include "core/hex.h"

/* TS 23.040 §9.2.2.1 SMS-DELIVER, as an SM-SR's SMSC delivers it */
#define TP_MTI_DELIVER_UDHI 0x40u /* TP-MTI 00, TP-UDHI 1 */
#define TP_PID_USIM_DL      0x7Fu /* §9.2.3.9: (U)SIM data download */
#define TP_DCS_CLASS2_8BIT  0xF6u /* TS 23.038 §4: class 2, 8-bit data */
#define TP_UD_MAX           140u
/* TS 31.115 §4 / TS 23.040 §9.2.3.24 user data header information elements */
#define IEI_CONCAT_8 0x00u
#define IEI_CPI      0x70u /* command packet identifier */
#define IEI_RPI      0x71u /* response packet identifier */
/* The SCTS of every SMS built here: 2000-11-21 21:00:00 +01:00 (swapped BCD),
 * fixed so that the output is reproducible. */
static const uint8_t scts[7] = {0x00, 0x11, 0x12, 0x12, 0x00, 0x00, 0x04};

/* TS 102 223 §9.3 / Annex C BER-TLV tags and §8 COMPREHENSION-TLV tags */
#define TAG_SMS_PP_DOWNLOAD 0xD1u
#define TAG_PROACTIVE       0xD0u
#define CT_CMD_DETAILS      0x01u
#define CT_DEVICE_IDS       0x02u
#define CT_SMS_TPDU         0x0Bu
#define DEV_UICC            0x81u
#define DEV_TERMINAL        0x82u
#define DEV_NETWORK         0x83u
#define CMD_SEND_SMS        0x13u /* TS 102 223 §9.4 type of command */
#define RESULT_PERFORMED    0x00u /* §8.12 general result */
#define RESULT_BEYOND_CAPS  0x30u

/* TS 102 221 §10.1.2 / TS 102 223 §6 / TS 31.111 */
#define CLA_PROPRIETARY      0x80u
#define INS_ENVELOPE         0xC2u
#define INS_FETCH            0x12u
#define INS_TERMINAL_RSP     0x14u
#define INS_GET_RESPONSE     0xC0u
#define SW1_MORE             0x61u
#define SW1_WRONG_LE         0x6Cu
#define SW1_PROACTIVE        0x91u
#define MAX_PROACTIVE_ROUNDS 16

int veuicc_cli_ota_unhex(const char *s, uint8_t *out, size_t cap, size_t *n, char *why,
                         size_t why_cap)
{
	size_t k = 0;
	int hi = -1;
	for (const char *p = s; *p; p++) {
		if (*p == ' ' || *p == '\t')
			continue;
		int v = veuicc_hex_digit((unsigned char)*p);
		if (v < 0) {
			snprintf(why, why_cap, "'%c' at position %zu is not a hex digit", *p,
			         (size_t)(p - s) + 1);
			return -1;
		}
		if (hi < 0) {
			hi = v;
			continue;
		}
		if (k == cap) {
			snprintf(why, why_cap, "more than %zu bytes", cap);
			return -1;
		}
		out[k++] = (uint8_t)(hi << 4 | v);
		hi = -1;
	}
	if (hi >= 0) {
		snprintf(why, why_cap, "an odd number of hex digits");
		return -1;
	}
	*n = k;
	return 0;
}

int veuicc_cli_ota_address(const char *digits, uint8_t *out, size_t *n)
{
	uint8_t ton = 0x81; /* TON unknown, NPI ISDN/E.164 */
	if (*digits == '+') {
		ton = 0x91; /* international */
		digits++;
	}
	size_t nd = strlen(digits);
	if (nd == 0 || nd > 20)
		return -1;
	out[0] = (uint8_t)nd;
	out[1] = ton;
	memset(out + 2, 0xFF, (nd + 1) / 2);
	for (size_t i = 0; i < nd; i++) {
		if (digits[i] < '0' || digits[i] > '9')
			return -1;
		uint8_t d = (uint8_t)(digits[i] - '0');
		uint8_t *b = &out[2 + i / 2];
		*b = (i & 1) ? (uint8_t)((*b & 0x0F) | d << 4) : (uint8_t)((*b & 0xF0) | d);
	}
	*n = 2 + (nd + 1) / 2;
	return 0;
}

int veuicc_cli_ota_script(int expanded, const uint8_t *apdus, const size_t *lens, size_t count,
                          uint8_t *out, size_t cap, size_t *n)
{
	size_t body = 0;
	for (size_t i = 0; i < count; i++)
		body += expanded ? 1 + veuicc_tlv_len_size(lens[i]) + lens[i] : lens[i];
	size_t total = expanded ? 1 + veuicc_tlv_len_size(body) + body : body;
	if (total > cap || body > 0xFFFF)
		return VEUICC_ERR_BUFFER_TOO_SMALL;
	size_t k = 0;
	if (expanded) {
		out[k++] = VEUICC_REMOTE_TAG_CMD_DEF;
		k += veuicc_tlv_put_len(out + k, body);
	}
	for (size_t i = 0; i < count; i++) {
		if (expanded) {
			out[k++] = VEUICC_REMOTE_TAG_CAPDU;
			k += veuicc_tlv_put_len(out + k, lens[i]);
		}
		memcpy(out + k, apdus, lens[i]);
		k += lens[i];
		apdus += lens[i];
	}
	*n = k;
	return VEUICC_OK;
}

/* One ENVELOPE(SMS-PP download) around TP-UD = udh ‖ part. */
static void one_envelope(const veuicc_cli_ota_ctx *o, const uint8_t *udh, size_t udh_len,
                         const uint8_t *part, size_t part_len, veuicc_cli_ota_env *e)
{
	uint8_t tpdu[1 + 12 + 2 + 7 + 1 + TP_UD_MAX];
	size_t t = 0;
	tpdu[t++] = TP_MTI_DELIVER_UDHI;
	memcpy(tpdu + t, o->oa, o->oa_len);
	t += o->oa_len;
	tpdu[t++] = TP_PID_USIM_DL;
	tpdu[t++] = TP_DCS_CLASS2_8BIT;
	memcpy(tpdu + t, scts, sizeof(scts));
	t += sizeof(scts);
	tpdu[t++] = (uint8_t)(udh_len + part_len); /* TP-UDL: octets, 8-bit data */
	memcpy(tpdu + t, udh, udh_len);
	t += udh_len;
	memcpy(tpdu + t, part, part_len);
	t += part_len;

	/* D1 { 82 02 83 81 (network -> UICC), 8B SMS TPDU } (TS 102 223 §7.1.1.2) */
	size_t inner = 4 + 1 + veuicc_tlv_len_size(t) + t;
	uint8_t *a = e->apdu;
	size_t k = 0;
	a[k++] = CLA_PROPRIETARY;
	a[k++] = INS_ENVELOPE;
	a[k++] = 0x00;
	a[k++] = 0x00;
	a[k++] = (uint8_t)(1 + veuicc_tlv_len_size(inner) + inner); /* Lc */
	a[k++] = TAG_SMS_PP_DOWNLOAD;
	k += veuicc_tlv_put_len(a + k, inner);
	a[k++] = 0x80 | CT_DEVICE_IDS;
	a[k++] = 0x02;
	a[k++] = DEV_NETWORK;
	a[k++] = DEV_UICC;
	a[k++] = 0x80 | CT_SMS_TPDU;
	k += veuicc_tlv_put_len(a + k, t);
	memcpy(a + k, tpdu, t);
	e->len = k + t;
}

int veuicc_cli_ota_envelopes(const veuicc_cli_ota_ctx *o, const uint8_t *pkt, size_t pkt_len,
                             veuicc_cli_ota_env *env, size_t max, size_t *count)
{
	/* TS 31.115 §4: TP-UD = UDH `02 70 00` ‖ command packet, if it fits */
	if (3 + pkt_len <= TP_UD_MAX) {
		if (max < 1)
			return VEUICC_ERR_BUFFER_TOO_SMALL;
		static const uint8_t udh[3] = {0x02, IEI_CPI, 0x00};
		one_envelope(o, udh, sizeof(udh), pkt, pkt_len, &env[0]);
		*count = 1;
		return VEUICC_OK;
	}
	/* concatenated (TS 23.040 §9.2.3.24.1): first segment UDH
	 * 07 00 03 ref total 01 70 00 (132 bytes of packet), later ones
	 * 05 00 03 ref total seq (134 bytes) */
	const size_t first = TP_UD_MAX - 8, later = TP_UD_MAX - 6;
	size_t total = 1 + (pkt_len - first + later - 1) / later;
	if (total > max || total > 255)
		return VEUICC_ERR_BUFFER_TOO_SMALL;
	size_t at = 0;
	for (size_t s = 0; s < total; s++) {
		uint8_t udh[8] = {s ? 0x05 : 0x07, IEI_CONCAT_8,     0x03,    o->concat_ref,
		                  (uint8_t)total,  (uint8_t)(s + 1), IEI_CPI, 0x00};
		size_t room = s ? later : first;
		size_t part = pkt_len - at < room ? pkt_len - at : room;
		one_envelope(o, udh, s ? 6 : 8, pkt + at, part, &env[s]);
		at += part;
	}
	*count = total;
	return VEUICC_OK;
}

static void log_apdu(FILE *log, const char *dir, const uint8_t *b, size_t n)
{
	if (!log)
		return;
	fprintf(log, "    %s ", dir);
	veuicc_cli_hex_rows(log, b, n, 32, 6);
}

/* Send \p c; while the card says 61xx (or 6Cxx to a GET RESPONSE) fetch the
 * rest. Response data is appended to \p data; the last SW is returned in *sw. */
static int xfer_collect(veuicc_cli_ota_xfer_fn xfer, void *ctx, FILE *log, const uint8_t *c,
                        size_t cn, uint8_t *data, size_t cap, size_t *dlen, uint16_t *sw)
{
	uint8_t r[VEUICC_RAPDU_MAX];
	uint8_t gr[5] = {0x00, INS_GET_RESPONSE, 0x00, 0x00, 0x00};
	size_t rn = 0;
	*dlen = 0;
	for (unsigned round = 0; round < 300; round++) {
		log_apdu(log, ">", c, cn);
		int rc = xfer(ctx, c, cn, r, sizeof(r), &rn);
		if (rc)
			return rc;
		if (rn < 2)
			return VEUICC_ERR_MALFORMED;
		log_apdu(log, "<", r, rn);
		if (*dlen + rn - 2 > cap)
			return VEUICC_ERR_BUFFER_TOO_SMALL;
		memcpy(data + *dlen, r, rn - 2);
		*dlen += rn - 2;
		uint8_t sw1 = r[rn - 2], sw2 = r[rn - 1];
		*sw = (uint16_t)(sw1 << 8 | sw2);
		if (sw1 == SW1_MORE || (sw1 == SW1_WRONG_LE && c == gr)) {
			/* TS 102 221 §7.3.1.1.4: GET RESPONSE, Le = xx */
			gr[4] = sw2;
			c = gr;
			cn = sizeof(gr);
			continue;
		}
		return VEUICC_OK;
	}
	return VEUICC_ERR_MALFORMED;
}

/* Digits of a TP-DA / TP-OA (len, TON, BCD) for the log. */
static size_t address_text(const uint8_t *a, size_t avail, char *out, size_t cap)
{
	if (avail < 2)
		return 0;
	size_t nd = a[0], nb = (nd + 1) / 2;
	if (avail < 2 + nb || nd + 2 > cap)
		return 0;
	size_t k = 0;
	if (a[1] == 0x91)
		out[k++] = '+';
	for (size_t i = 0; i < nd; i++) {
		uint8_t v = (i & 1) ? a[2 + i / 2] >> 4 : a[2 + i / 2] & 0x0F;
		out[k++] = v <= 9 ? (char)('0' + v) : '?';
	}
	out[k] = '\0';
	return 2 + nb;
}

/* The TP-UD of an SMS-SUBMIT TPDU (TS 23.040 §9.2.2.2), or NULL. */
static const uint8_t *submit_ud(const uint8_t *t, size_t n, size_t *ud_len, char *da, size_t dcap)
{
	if (n < 2 || (t[0] & 0x03) != 0x01)
		return NULL;
	size_t k = 2; /* first octet, TP-MR */
	size_t a = address_text(t + k, n - k, da, dcap);
	if (!a)
		return NULL;
	k += a + 2; /* TP-DA, TP-PID, TP-DCS */
	unsigned vpf = (t[0] >> 3) & 0x03;
	k += vpf == 0x02 ? 1 : vpf ? 7 : 0; /* TP-VP: relative 1, enhanced/absolute 7 */
	if (k >= n)
		return NULL;
	size_t udl = t[k++];
	if (udl > n - k)
		return NULL;
	*ud_len = udl;
	return t + k;
}

/* FETCH and handle one proactive command (TS 102 223 §6.4, §6.8). */
static int proactive(veuicc_cli_ota_xfer_fn xfer, void *ctx, FILE *log, uint8_t len, uint8_t *por,
                     size_t por_cap, size_t *por_len, uint16_t *sw)
{
	uint8_t fetch[5] = {CLA_PROPRIETARY, INS_FETCH, 0x00, 0x00, len};
	uint8_t cmd[VEUICC_RAPDU_MAX];
	size_t n = 0;
	if (log)
		fprintf(log, "  FETCH the proactive command (91%02X)\n", len);
	int rc = xfer_collect(xfer, ctx, log, fetch, sizeof(fetch), cmd, sizeof(cmd), &n, sw);
	if (rc)
		return rc;
	veuicc_tlv d0, det, tpdu;
	uint8_t details[3] = {0, 0, 0};
	int have_tpdu = 0;
	if (*sw == 0x9000 && veuicc_tlv_find(cmd, n, 0, TAG_PROACTIVE, &d0) == 1) {
		/* COMPREHENSION-TLV: tag with or without the CR bit */
		if ((veuicc_tlv_find(d0.value, d0.len, 0, 0x80 | CT_CMD_DETAILS, &det) == 1 ||
		     veuicc_tlv_find(d0.value, d0.len, 0, CT_CMD_DETAILS, &det) == 1) &&
		    det.len == 3)
			memcpy(details, det.value, 3);
		have_tpdu = veuicc_tlv_find(d0.value, d0.len, 0, 0x80 | CT_SMS_TPDU, &tpdu) == 1 ||
		            veuicc_tlv_find(d0.value, d0.len, 0, CT_SMS_TPDU, &tpdu) == 1;
	}
	uint8_t result = RESULT_BEYOND_CAPS;
	if (details[1] == CMD_SEND_SMS && have_tpdu) {
		char da[24] = "";
		size_t ud_len = 0;
		const uint8_t *ud = submit_ud(tpdu.value, tpdu.len, &ud_len, da, sizeof(da));
		if (ud && ud_len >= 3 && ud[0] == 0x02 && ud[1] == IEI_RPI && ud[2] == 0x00 &&
		    ud_len <= por_cap) {
			memcpy(por, ud, ud_len);
			*por_len = ud_len;
			result = RESULT_PERFORMED;
			if (log)
				fprintf(log,
				        "  SEND SHORT MESSAGE to %s carries the PoR (%zu bytes)\n",
				        da, ud_len);
		} else if (log) {
			fprintf(log, "  SEND SHORT MESSAGE without a response packet: sent on\n");
			result = RESULT_PERFORMED;
		}
	} else if (log) {
		fprintf(log, "  proactive command type %02X: beyond this terminal (result 30)\n",
		        details[1]);
	}
	/* TERMINAL RESPONSE: command details, device identities terminal -> UICC, result */
	uint8_t tr[5 + 12] = {CLA_PROPRIETARY,
	                      INS_TERMINAL_RSP,
	                      0x00,
	                      0x00,
	                      12,
	                      0x80 | CT_CMD_DETAILS,
	                      0x03,
	                      details[0],
	                      details[1],
	                      details[2],
	                      0x82,
	                      0x02,
	                      DEV_TERMINAL,
	                      DEV_UICC,
	                      0x83,
	                      0x01,
	                      result};
	if (log)
		fprintf(log, "  TERMINAL RESPONSE, result %02X (%s)\n", result,
		        result == RESULT_PERFORMED ? "command performed successfully"
		                                   : "command beyond terminal's capabilities");
	uint8_t ignored[VEUICC_RAPDU_MAX];
	return xfer_collect(xfer, ctx, log, tr, sizeof(tr), ignored, sizeof(ignored), &n, sw);
}

int veuicc_cli_ota_exchange(veuicc_cli_ota_xfer_fn xfer, void *ctx, const veuicc_cli_ota_env *env,
                            size_t count, FILE *log, uint8_t *por, size_t por_cap, size_t *por_len)
{
	*por_len = 0;
	for (size_t i = 0; i < count; i++) {
		if (log)
			fprintf(log, "  ENVELOPE (SMS-PP download), SMS %zu of %zu, %zu bytes\n",
			        i + 1, count, env[i].len);
		uint16_t sw = 0;
		size_t n = 0;
		uint8_t data[VEUICC_RAPDU_MAX];
		int rc = xfer_collect(xfer, ctx, log, env[i].apdu, env[i].len, data, sizeof(data),
		                      &n, &sw);
		if (rc)
			return rc;
		if (n) {
			/* TS 31.111 §7.1.1.2: the data goes back in the SMS-DELIVER-REPORT */
			if (n > por_cap)
				return VEUICC_ERR_BUFFER_TOO_SMALL;
			memcpy(por, data, n);
			*por_len = n;
		}
		for (unsigned k = 0; (sw >> 8) == SW1_PROACTIVE && k < MAX_PROACTIVE_ROUNDS; k++) {
			rc = proactive(xfer, ctx, log, (uint8_t)sw, por, por_cap, por_len, &sw);
			if (rc)
				return rc;
		}
		char m[96];
		if (sw != 0x9000) {
			if (log)
				fprintf(log, "  the card answered %04X (%s)\n", sw,
				        veuicc_sw_meaning(sw, m, sizeof(m)));
			return VEUICC_ERR_MALFORMED;
		}
	}
	return VEUICC_OK;
}

const char *veuicc_cli_ota_status_name(uint8_t status)
{
	static const char *const names[] = {
	    "PoR OK",
	    "RC/CC/DS failed",
	    "CNTR low",
	    "CNTR high",
	    "CNTR blocked",
	    "ciphering error",
	    "unidentified security error",
	    "insufficient memory to process incoming message",
	    "more time needed",
	    "TAR unknown",
	    "insufficient security level",
	    "response data will be sent using SMS-SUBMIT",
	    "response data will be sent using a USSD string",
	};
	return status < sizeof(names) / sizeof(names[0]) ? names[status] : "reserved";
}

static int sw_is_error(uint16_t sw)
{
	uint8_t sw1 = (uint8_t)(sw >> 8);
	/* TS 102 226 §5.1.2: 90xx 91xx 61xx 62xx 63xx let a script go on */
	return !(sw1 == 0x90 || sw1 == 0x91 || sw1 == 0x61 || sw1 == 0x62 || sw1 == 0x63);
}

static void print_rapdu(FILE *f, veuicc_cli_ota_result *res, const uint8_t *r, size_t n)
{
	char m[96];
	res->commands++;
	if (n < 2) {
		fprintf(f, "  R-APDU %u: %zu byte(s), no status word\n", res->commands, n);
		res->sw_error = 1;
		return;
	}
	uint16_t sw = (uint16_t)(r[n - 2] << 8 | r[n - 1]);
	fprintf(f, "  R-APDU %u: SW %04X (%s)", res->commands, sw,
	        veuicc_sw_meaning(sw, m, sizeof(m)));
	if (n > 2) {
		fprintf(f, ", %zu data bytes:\n      ", n - 2);
		veuicc_cli_hex_rows(f, r, n - 2, 32, 6);
	} else {
		fputc('\n', f);
	}
	res->last_sw = sw;
	res->last_len = n - 2 <= sizeof(res->last) ? n - 2 : sizeof(res->last);
	memcpy(res->last, r, res->last_len);
	if (sw_is_error(sw))
		res->sw_error = 1;
}

static void print_expanded(FILE *f, veuicc_cli_ota_result *res, const uint8_t *d, size_t n)
{
	veuicc_tlv_reader rd;
	veuicc_tlv t;
	size_t inner_len = n;
	const uint8_t *inner = d;
	if (d[0] == VEUICC_REMOTE_TAG_RSP_INDEF) {
		/* AF 80 … 00 00 */
		if (n < 4 || d[1] != 0x80) {
			fprintf(f, "  response: a malformed AF template\n");
			res->sw_error = 1;
			return;
		}
		inner = d + 2;
		inner_len = n - 4;
		fprintf(f, "  response scripting template AF (indefinite length)\n");
	} else {
		veuicc_tlv ab;
		if (veuicc_tlv_find(d, n, 0, VEUICC_REMOTE_TAG_RSP_DEF, &ab) != 1) {
			fprintf(f, "  response: not a response scripting template\n");
			res->sw_error = 1;
			return;
		}
		inner = ab.value;
		inner_len = ab.len;
		fprintf(f, "  response scripting template AB\n");
	}
	veuicc_tlv_reader_init(&rd, inner, inner_len, 0);
	int rc;
	while ((rc = veuicc_tlv_next(&rd, &t)) == 1) {
		switch (t.tag) {
		case VEUICC_REMOTE_TAG_COUNT:
			fprintf(f, "  commands executed: %u\n", t.len == 1 ? t.value[0] : 0);
			break;
		case VEUICC_REMOTE_TAG_RAPDU: print_rapdu(f, res, t.value, t.len); break;
		case VEUICC_REMOTE_TAG_BAD:
			fprintf(f, "  bad format %02X (%s)\n", t.len ? t.value[0] : 0,
			        t.len && t.value[0] == 1   ? "unknown tag"
			        : t.len && t.value[0] == 2 ? "wrong length"
			        : t.len && t.value[0] == 3 ? "length not found"
			                                   : "?");
			res->sw_error = 1;
			break;
		case VEUICC_REMOTE_TAG_CHAINING:
			fprintf(f, "  script chaining response %02X\n", t.len ? t.value[0] : 0);
			break;
		default: fprintf(f, "  object %X (%zu bytes)\n", (unsigned)t.tag, t.len); break;
		}
	}
	if (rc < 0) {
		fprintf(f, "  the response template is not valid BER-TLV\n");
		res->sw_error = 1;
	}
}

int veuicc_cli_ota_print_por(FILE *f, const veuicc_cli_ota_ctx *o, const uint8_t *por, size_t len,
                             veuicc_cli_ota_result *res)
{
	memset(res, 0, sizeof(*res));
	uint8_t work[VEUICC_CLI_OTA_POR_MAX];
	const uint8_t *d = NULL;
	size_t dn = 0;
	uint8_t status = 0xFF;
	int rc = veuicc_scp80_unwrap_por(&o->h, por, len, work, sizeof(work), &status, &d, &dn);
	if (rc) {
		fprintf(f, "PoR (%zu bytes) rejected: %s\n", len,
		        rc == VEUICC_ERR_CRYPTO ? "its CC/RC does not verify with the KID key"
		        : rc == VEUICC_ERR_MALFORMED
		            ? "malformed, another TAR, or a counter that is "
		              "not the command's"
		            : veuicc_strerror(rc));
		return rc;
	}
	res->checked = 1;
	res->status = status;
	/* TS 31.115 §4.2: 02 71 00 RPL RHL TAR | CNTR PCNTR status RC/CC data;
	 * veuicc_scp80_unwrap_por leaves the deciphered part from CNTR in work */
	size_t chk = len > 5 && por[5] >= 10 ? por[5] - 10u : 0;
	fprintf(f, "PoR: TAR %02X%02X%02X, counter %02X%02X%02X%02X%02X, status %02X (%s)\n",
	        por[6], por[7], por[8], work[0], work[1], work[2], work[3], work[4], status,
	        veuicc_cli_ota_status_name(status));
	fprintf(f, "  %s; %s\n",
	        chk == 0 ? "no RC/CC (a PoR in clear)"
	                 : (((o->h.spi[1] >> 2) & 3) == 1 ? "RC verified" : "CC verified"),
	        (o->h.spi[1] & VEUICC_SCP80_SPI2_POR_CIPHER) && chk ? "ciphered" : "not ciphered");
	if (dn == 0) {
		fprintf(f, "  no response data\n");
		return VEUICC_OK;
	}
	if (d[0] == VEUICC_REMOTE_TAG_RSP_DEF || d[0] == VEUICC_REMOTE_TAG_RSP_INDEF) {
		print_expanded(f, res, d, dn);
	} else if (dn >= 3) {
		/* compact: number of commands, last SW1 SW2, last response data
		 * (TS 102 226 §5.1.2) */
		fprintf(f, "  compact response: %u command(s) executed\n", d[0]);
		uint8_t r[258];
		size_t rl = dn - 3 <= 256 ? dn - 3 : 256;
		memcpy(r, d + 3, rl);
		r[rl] = d[1];
		r[rl + 1] = d[2];
		res->commands = d[0] ? d[0] - 1u : 0;
		print_rapdu(f, res, r, rl + 2);
		res->commands = d[0];
	} else {
		fprintf(f, "  response data: ");
		veuicc_cli_hex_rows(f, d, dn, 32, 4);
	}
	return VEUICC_OK;
}
