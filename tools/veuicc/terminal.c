/* SPDX-License-Identifier: Apache-2.0 */
/**
 * \file terminal.c
 * \brief What a terminal's transport layer adds around veuicc_transmit():
 *        tracing, and the T=0 habits of repeating after 6Cxx and fetching
 *        after 61xx (ETSI TS 102 221 §7.3.1.1, ISO/IEC 7816-3 §10.3.3).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"

#define INS_GET_RESPONSE 0xC0u /* TS 102 221 §12.1.1 */
#define SW1_BYTES_AVAIL  0x61u /* 61xx: xx bytes available */
#define SW1_WRONG_LE     0x6Cu /* 6Cxx: repeat with Le = xx */
#define SW1_GSM_AVAIL    0x9Fu /* TS 51.011: 9Fxx, GSM class */
#define CLA_GSM          0xA0u

/* Upper bound on GET RESPONSEs for one command: 65536 bytes / 1 byte each
 * would be absurd; 300 x 256 bytes covers every extended response. */
#define MAX_GET_RESPONSES 300

int veuicc_cli_term_init(veuicc_cli_term *t, veuicc_card *card, FILE *trace)
{
	memset(t, 0, sizeof(*t));
	t->card = card;
	t->trace = trace;
	t->scratch = malloc(VEUICC_RAPDU_MAX);
	t->cmd = malloc(VEUICC_CAPDU_MAX);
	if (!t->scratch || !t->cmd) {
		veuicc_cli_term_free(t);
		return VEUICC_ERR_NO_MEMORY;
	}
	return VEUICC_OK;
}

void veuicc_cli_term_free(veuicc_cli_term *t)
{
	free(t->scratch);
	free(t->cmd);
	t->scratch = NULL;
	t->cmd = NULL;
}

int veuicc_cli_xfer(veuicc_cli_term *t, const char *label, const uint8_t *c, size_t cn, uint8_t *r,
                    size_t rcap, size_t *rn)
{
	unsigned delay =
	    veuicc_card_fault_latency(t->card); /* test bench latency: the CLI sleeps */
	if (delay) {
		struct timespec ts = {(time_t)(delay / 1000), (long)(delay % 1000) * 1000000L};
		while (nanosleep(&ts, &ts) && errno == EINTR)
			;
	}
	int rc = veuicc_transmit(t->card, c, cn, r, rcap, rn);
	t->exchanges++;
	if (rc == VEUICC_OK && *rn < 2)
		rc = VEUICC_ERR_INTERNAL; /* the API promises at least SW1 SW2 */
	if (t->trace) {
		if (rc == VEUICC_OK) {
			veuicc_cli_trace_exchange(t->trace, label, c, cn, r, *rn);
		} else {
			char desc[256];
			veuicc_cli_describe_capdu(c, cn, desc, sizeof(desc));
			fprintf(t->trace, "%s  %s\n  > ", label, desc);
			veuicc_cli_hex_rows(t->trace, c, cn, 16, 4);
			fprintf(t->trace, "  ! veuicc_transmit failed: %s\n", veuicc_strerror(rc));
		}
	}
	return rc;
}

/* GET RESPONSE goes to the channel of the command it completes (ISO 7816-4
 * §5.4.1): interindustry class with the same channel number, no SM. */
static uint8_t get_response_cla(uint8_t cla)
{
	if ((cla & 0xF0) == CLA_GSM)
		return CLA_GSM;
	if (cla & 0x40)
		return (uint8_t)(0x40 | (cla & 0x0F));
	return cla & 0x03;
}

/* The command again with Le = \p le (T=0 case 2 after 6Cxx); -1 if the
 * command has no Le to correct (case 3 or extended). */
static int with_le(const uint8_t *c, size_t cn, uint8_t le, uint8_t *out, size_t *m)
{
	if (cn == 4) { /* case 1 sent as P3 = 00: the card asks for Le */
		memcpy(out, c, 4);
		out[4] = le;
		*m = 5;
		return 0;
	}
	if (cn == 5 || (cn > 5 && c[4] != 0 && cn == 6 + (size_t)c[4])) {
		memcpy(out, c, cn);
		out[cn - 1] = le;
		*m = cn;
		return 0;
	}
	return -1;
}

int veuicc_cli_xfer_auto(veuicc_cli_term *t, const char *label, const uint8_t *c, size_t cn,
                         uint8_t *r, size_t rcap, size_t *rn)
{
	const char *auto_label = "  (terminal)";
	size_t n = 0, m = 0;
	int rc = veuicc_cli_xfer(t, label, c, cn, r, rcap, &n);
	if (rc)
		return rc;

	if (n == 2 && r[0] == SW1_WRONG_LE && with_le(c, cn, r[1], t->cmd, &m) == 0) {
		t->automatic++;
		rc = veuicc_cli_xfer(t, auto_label, t->cmd, m, r, rcap, &n);
		if (rc)
			return rc;
	}

	size_t dlen = n - 2;
	uint8_t sw1 = r[n - 2], sw2 = r[n - 1];
	int gsm = cn > 0 && (c[0] & 0xF0) == CLA_GSM;
	for (unsigned k = 0;
	     (sw1 == SW1_BYTES_AVAIL || (gsm && sw1 == SW1_GSM_AVAIL)) && k < MAX_GET_RESPONSES;
	     k++) {
		uint8_t gr[5] = {get_response_cla(c[0]), INS_GET_RESPONSE, 0x00, 0x00, sw2};
		t->automatic++;
		rc = veuicc_cli_xfer(t, auto_label, gr, sizeof(gr), t->scratch, VEUICC_RAPDU_MAX,
		                     &m);
		if (rc)
			return rc;
		if (m == 2 && t->scratch[0] == SW1_WRONG_LE) {
			gr[4] = t->scratch[1];
			t->automatic++;
			rc = veuicc_cli_xfer(t, auto_label, gr, sizeof(gr), t->scratch,
			                     VEUICC_RAPDU_MAX, &m);
			if (rc)
				return rc;
		}
		if (dlen + m > rcap)
			return VEUICC_ERR_BUFFER_TOO_SMALL;
		memcpy(r + dlen, t->scratch, m); /* data and SW over the old SW */
		dlen += m - 2;
		sw1 = r[dlen];
		sw2 = r[dlen + 1];
	}
	*rn = dlen + 2;
	return VEUICC_OK;
}
