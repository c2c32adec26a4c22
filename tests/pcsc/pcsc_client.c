/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A libpcsclite client that drives the veuicc reader through a real pcscd in
 * the integration tests (tests/pcsc/test_pcscd_X.sh). Every scenario prints one
 * "ok - ..." or "not ok - ..." line per check and exits non-zero if any
 * check failed.
 *
 *   pcsc_client list
 *   pcsc_client wait-readers N SECONDS
 *   pcsc_client wait-state READER present|absent SECONDS
 *   pcsc_client basic READER EID        connect T=0/T=1, APDUs, reconnect, attributes
 *   pcsc_client eid READER [t0|t1]      print the EID read with SELECT ECASD + GET DATA
 *   pcsc_client events READER           removal/insertion through control codes
 *   pcsc_client stress READER           removals racing transmits
 *   pcsc_client control READER remove|insert|status
 *
 * READER is a reader name or a part of it that names exactly one reader.
 * The expected card behaviour (status words, FCI, EID in tag 5A) follows
 * TS 102 221 §7.3 / §11.1, ISO 7816-4 and SGP.02 §2.2.
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <reader.h>
#include <winscard.h>

#include "pcsc/ifd_veuicc.h"

/* SGP.02 §2.2.1: AIDs of the ISD-R and the ECASD. */
static const uint8_t aid_isdr[] = {0xA0, 0x00, 0x00, 0x05, 0x59, 0x10, 0x10, 0xFF,
                                   0xFF, 0xFF, 0xFF, 0x89, 0x00, 0x00, 0x01, 0x00};
static const uint8_t aid_ecasd[] = {0xA0, 0x00, 0x00, 0x05, 0x59, 0x10, 0x10, 0xFF,
                                    0xFF, 0xFF, 0xFF, 0x89, 0x00, 0x00, 0x02, 0x00};
/* An AID no card application has. */
static const uint8_t aid_unknown[] = {0xA0, 0x00, 0x00, 0x05, 0x59, 0x10, 0x10, 0xFF,
                                      0xFF, 0xFF, 0xFF, 0x89, 0x00, 0x00, 0x0F, 0x00};

/* ISO 7816-4 §5.6 status words. */
#define SW_OK             0x9000
#define SW1_MORE          0x61
#define SW1_WRONG_LE      0x6C
#define SW_FILE_NOT_FOUND 0x6A82
#define INS_GET_RESPONSE  0xC0
#define TAG_FCI           0x6F
#define TAG_EID           0x5A

static int failures;

static void check(int cond, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void check(int cond, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	printf("%s - ", cond ? "ok" : "not ok");
	vprintf(fmt, ap);
	printf("\n");
	va_end(ap);
	fflush(stdout);
	if (!cond)
		failures++;
}

static void die(const char *what, LONG rv)
{
	printf("not ok - %s: %s (0x%08lX)\n", what, pcsc_stringify_error(rv), (unsigned long)rv);
	exit(1);
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void hex(char *out, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02X", p[i]);
	out[2 * n] = '\0';
}

static SCARDCONTEXT context(void)
{
	SCARDCONTEXT ctx;
	LONG rv = SCardEstablishContext(SCARD_SCOPE_SYSTEM, NULL, NULL, &ctx);
	if (rv != SCARD_S_SUCCESS)
		die("SCardEstablishContext", rv);
	return ctx;
}

/* All reader names as one multi-string, or NULL when there is none. */
static char *list_readers(SCARDCONTEXT ctx, DWORD *len)
{
	*len = 0;
	LONG rv = SCardListReaders(ctx, NULL, NULL, len);
	if (rv == SCARD_E_NO_READERS_AVAILABLE)
		return NULL;
	if (rv != SCARD_S_SUCCESS)
		die("SCardListReaders", rv);
	char *buf = malloc(*len);
	if (buf == NULL)
		die("malloc", SCARD_E_NO_MEMORY);
	rv = SCardListReaders(ctx, NULL, buf, len);
	if (rv != SCARD_S_SUCCESS)
		die("SCardListReaders", rv);
	return buf;
}

/* The one reader whose name is \p want or contains it. */
static char *find_reader(SCARDCONTEXT ctx, const char *want)
{
	DWORD len;
	char *all = list_readers(ctx, &len);
	char *found = NULL;
	int matches = 0;
	for (char *p = all; p != NULL && *p != '\0'; p += strlen(p) + 1) {
		if (strcmp(p, want) == 0) {
			found = p;
			matches = 1;
			break;
		}
		if (strstr(p, want) != NULL) {
			found = p;
			matches++;
		}
	}
	if (matches != 1) {
		printf("not ok - reader '%s' matches %d readers\n", want, matches);
		exit(1);
	}
	char *name = strdup(found);
	free(all);
	return name;
}

static const SCARD_IO_REQUEST *pci_of(DWORD proto)
{
	return proto == SCARD_PROTOCOL_T1 ? SCARD_PCI_T1 : SCARD_PCI_T0;
}

/* One raw exchange; returns the status word or -1 (and logs) on an error. */
static int xfer_raw(SCARDHANDLE h, DWORD proto, const uint8_t *c, size_t cn, uint8_t *r, DWORD *rn)
{
	DWORD cap = *rn;
	LONG rv = SCardTransmit(h, pci_of(proto), c, (DWORD)cn, NULL, r, &cap);
	if (rv != SCARD_S_SUCCESS) {
		printf("# SCardTransmit: %s (0x%08lX)\n", pcsc_stringify_error(rv),
		       (unsigned long)rv);
		*rn = 0;
		return -1;
	}
	*rn = cap;
	if (cap < 2)
		return -1;
	return r[cap - 2] << 8 | r[cap - 1];
}

/*
 * An exchange as a T=0 terminal completes it (TS 102 221 §7.3.1.1.4):
 * 61xx → GET RESPONSE xx, 6Cxx → the same command again with P3 = xx.
 * Returns the final status word; r holds the data and SW.
 */
static int xfer(SCARDHANDLE h, DWORD proto, const uint8_t *c, size_t cn, uint8_t *r, DWORD *rn)
{
	uint8_t cmd[300];
	DWORD cap = *rn;
	if (cn > sizeof(cmd))
		return -1;
	memcpy(cmd, c, cn);
	int sw = xfer_raw(h, proto, cmd, cn, r, rn);
	for (int i = 0; i < 4 && sw >= 0; i++) {
		if ((sw >> 8) == SW1_WRONG_LE && cn >= 5) {
			cmd[4] = (uint8_t)(sw & 0xFF);
		} else if ((sw >> 8) == SW1_MORE) {
			cmd[0] = (uint8_t)(c[0] & 0x03); /* same logical channel */
			cmd[1] = INS_GET_RESPONSE;
			cmd[2] = cmd[3] = 0;
			cmd[4] = (uint8_t)(sw & 0xFF);
			cn = 5;
		} else {
			break;
		}
		*rn = cap;
		sw = xfer_raw(h, proto, cmd, cn, r, rn);
	}
	return sw;
}

static size_t build_select(uint8_t *out, const uint8_t *aid, size_t aid_len, int with_le)
{
	/* TS 102 221 §11.1.1: SELECT by DF name, return FCP/FCI (P2 = 00) */
	out[0] = 0x00;
	out[1] = 0xA4;
	out[2] = 0x04;
	out[3] = 0x00;
	out[4] = (uint8_t)aid_len;
	memcpy(out + 5, aid, aid_len);
	if (with_le)
		out[5 + aid_len] = 0x00;
	return 5 + aid_len + (with_le ? 1 : 0);
}

/* SELECT ECASD + GET DATA EID (SGP.02 §2.2.2) → 32 digits in \p eid. */
static int read_eid(SCARDHANDLE h, DWORD proto, char eid[33])
{
	uint8_t c[32], r[300];
	DWORD rn = sizeof(r);
	size_t cn = build_select(c, aid_ecasd, sizeof(aid_ecasd), proto == SCARD_PROTOCOL_T1);
	int sw = xfer(h, proto, c, cn, r, &rn);
	if (sw != SW_OK)
		return sw;
	static const uint8_t get_eid[] = {0x80, 0xCA, 0x00, TAG_EID, 0x00};
	rn = sizeof(r);
	sw = xfer(h, proto, get_eid, sizeof(get_eid), r, &rn);
	if (sw != SW_OK)
		return sw;
	if (rn != 2 + 16 + 2 || r[0] != TAG_EID || r[1] != 16)
		return -1;
	for (int i = 0; i < 16; i++) {
		eid[2 * i] = (char)('0' + (r[2 + i] >> 4));
		eid[2 * i + 1] = (char)('0' + (r[2 + i] & 15));
	}
	eid[32] = '\0';
	return SW_OK;
}

static LONG get_atr(SCARDHANDLE h, uint8_t *atr, DWORD *atr_len, DWORD *proto)
{
	DWORD state, rlen = 0;
	*atr_len = MAX_ATR_SIZE;
	return SCardStatus(h, NULL, &rlen, &state, proto, atr, atr_len);
}

static int cmd_list(void)
{
	SCARDCONTEXT ctx = context();
	DWORD len;
	char *all = list_readers(ctx, &len);
	for (char *p = all; p != NULL && *p != '\0'; p += strlen(p) + 1)
		printf("%s\n", p);
	free(all);
	SCardReleaseContext(ctx);
	return 0;
}

static int cmd_wait_readers(int n, double secs)
{
	double end = now_s() + secs;
	for (;;) {
		SCARDCONTEXT ctx;
		if (SCardEstablishContext(SCARD_SCOPE_SYSTEM, NULL, NULL, &ctx) ==
		    SCARD_S_SUCCESS) {
			DWORD len;
			int count = 0;
			char *all = list_readers(ctx, &len);
			for (char *p = all; p != NULL && *p != '\0'; p += strlen(p) + 1)
				count++;
			free(all);
			SCardReleaseContext(ctx);
			if (count >= n)
				return 0;
		}
		if (now_s() > end) {
			printf("not ok - fewer than %d readers after %.0f s\n", n, secs);
			return 1;
		}
		struct timespec ts = {0, 100000000L};
		nanosleep(&ts, NULL);
	}
}

/* Wait until the reader reports the card present (1) or absent (0). */
static int wait_state(SCARDCONTEXT ctx, const char *reader, int present, double secs,
                      DWORD *event_state)
{
	SCARD_READERSTATE rs;
	memset(&rs, 0, sizeof(rs));
	rs.szReader = reader;
	rs.dwCurrentState = SCARD_STATE_UNAWARE;
	double end = now_s() + secs;
	for (;;) {
		double left = end - now_s();
		if (left < 0)
			return 0;
		LONG rv = SCardGetStatusChange(ctx, (DWORD)(left * 1000) + 1, &rs, 1);
		if (rv == SCARD_E_TIMEOUT)
			return 0;
		if (rv != SCARD_S_SUCCESS)
			die("SCardGetStatusChange", rv);
		int is_present = (rs.dwEventState & SCARD_STATE_PRESENT) != 0;
		int is_empty = (rs.dwEventState & SCARD_STATE_EMPTY) != 0;
		if ((present && is_present) || (!present && is_empty)) {
			if (event_state != NULL)
				*event_state = rs.dwEventState;
			return 1;
		}
		rs.dwCurrentState = rs.dwEventState & ~SCARD_STATE_CHANGED;
	}
}

static int cmd_wait_state(const char *want, const char *state, double secs)
{
	SCARDCONTEXT ctx = context();
	char *reader = find_reader(ctx, want);
	int present = strcmp(state, "present") == 0;
	int ok = wait_state(ctx, reader, present, secs, NULL);
	check(ok, "%s reports %s within %.0f s", reader, state, secs);
	free(reader);
	SCardReleaseContext(ctx);
	return failures != 0;
}

/* Send a veuicc control code over a direct connection (no card needed). */
static LONG control(SCARDCONTEXT ctx, const char *reader, DWORD code, uint8_t *out, DWORD *out_len)
{
	SCARDHANDLE h;
	DWORD proto = 0, got = 0;
	LONG rv = SCardConnect(ctx, reader, SCARD_SHARE_DIRECT, 0, &h, &proto);
	if (rv != SCARD_S_SUCCESS)
		return rv;
	uint8_t buf[64];
	rv = SCardControl(h, code, NULL, 0, buf, sizeof(buf), &got);
	if (rv == SCARD_S_SUCCESS && out != NULL && out_len != NULL) {
		if (got > *out_len)
			got = *out_len;
		memcpy(out, buf, got);
		*out_len = got;
	}
	SCardDisconnect(h, SCARD_LEAVE_CARD);
	return rv;
}

static void basic_t0(SCARDCONTEXT ctx, const char *reader, const char *eid, uint8_t *atr0,
                     DWORD *atr0_len)
{
	SCARDHANDLE h;
	DWORD proto = 0;
	LONG rv = SCardConnect(ctx, reader, SCARD_SHARE_SHARED, SCARD_PROTOCOL_T0, &h, &proto);
	check(rv == SCARD_S_SUCCESS && proto == SCARD_PROTOCOL_T0, "connect T=0 (%s)",
	      pcsc_stringify_error(rv));
	if (rv != SCARD_S_SUCCESS)
		exit(1);

	DWORD p2;
	rv = get_atr(h, atr0, atr0_len, &p2);
	char ahex[2 * MAX_ATR_SIZE + 1];
	hex(ahex, atr0, *atr0_len);
	check(rv == SCARD_S_SUCCESS && *atr0_len >= 2 && atr0[0] == 0x3B, "SCardStatus ATR %s",
	      ahex);

	uint8_t attr[64];
	DWORD alen = sizeof(attr);
	rv = SCardGetAttrib(h, SCARD_ATTR_ATR_STRING, attr, &alen);
	check(rv == SCARD_S_SUCCESS && alen == *atr0_len && memcmp(attr, atr0, alen) == 0,
	      "SCARD_ATTR_ATR_STRING equals the ATR (%s)", pcsc_stringify_error(rv));
	alen = sizeof(attr);
	rv = SCardGetAttrib(h, SCARD_ATTR_VENDOR_IFD_SERIAL_NO, attr, &alen);
	check(rv == SCARD_S_SUCCESS && alen == 32 && memcmp(attr, eid, 32) == 0,
	      "SCARD_ATTR_VENDOR_IFD_SERIAL_NO is the EID");
	alen = sizeof(attr);
	rv = SCardGetAttrib(h, SCARD_ATTR_VENDOR_NAME, attr, &alen);
	check(rv == SCARD_S_SUCCESS && alen >= 6 && memcmp(attr, "veuicc", 6) == 0,
	      "SCARD_ATTR_VENDOR_NAME is veuicc");

	/* T=0, case 4 without Le (TS 102 221 §7.3.1.1.4): 61xx, then GET RESPONSE */
	uint8_t c[300], r[300];
	DWORD rn = sizeof(r);
	size_t cn = build_select(c, aid_isdr, sizeof(aid_isdr), 0);
	int sw = xfer_raw(h, proto, c, cn, r, &rn);
	check((sw >> 8) == SW1_MORE, "T=0 SELECT ISD-R answers 61xx (%04X)", sw);
	if ((sw >> 8) == SW1_MORE) {
		uint8_t gr[5] = {0x00, INS_GET_RESPONSE, 0x00, 0x00, (uint8_t)(sw & 0xFF)};
		rn = sizeof(r);
		int sw2 = xfer_raw(h, proto, gr, sizeof(gr), r, &rn);
		check(sw2 == SW_OK && rn == (DWORD)(sw & 0xFF) + 2 && r[0] == TAG_FCI,
		      "GET RESPONSE gives the FCI 6F.. + 9000 (%u bytes, %04X)", (unsigned)rn, sw2);
	}
	rn = sizeof(r);
	cn = build_select(c, aid_unknown, sizeof(aid_unknown), 0);
	sw = xfer_raw(h, proto, c, cn, r, &rn);
	check(sw == SW_FILE_NOT_FOUND, "SELECT of an unknown AID answers 6A82 (%04X)", sw);

	char got[33] = "";
	sw = read_eid(h, proto, got);
	check(sw == SW_OK && strcmp(got, eid) == 0, "T=0 GET DATA 5A on the ECASD gives EID %s",
	      got);

	/* ISO 7816-4 §11.1.2: MANAGE CHANNEL open → channel number + 9000 */
	static const uint8_t mc_open[] = {0x00, 0x70, 0x00, 0x00, 0x01};
	rn = sizeof(r);
	sw = xfer_raw(h, proto, mc_open, sizeof(mc_open), r, &rn);
	check(sw == SW_OK && rn == 3 && r[0] >= 1 && r[0] <= 3,
	      "MANAGE CHANNEL opens channel %d (%04X)", rn == 3 ? r[0] : -1, sw);
	if (sw == SW_OK && rn == 3) {
		const uint8_t mc_close[] = {0x00, 0x70, 0x80, r[0]};
		rn = sizeof(r);
		sw = xfer_raw(h, proto, mc_close, sizeof(mc_close), r, &rn);
		check(sw == SW_OK, "MANAGE CHANNEL closes it (%04X)", sw);
	}

	/* Bad input through pcscd: response buffer too small, empty APDU. */
	cn = build_select(c, aid_isdr, sizeof(aid_isdr), 0);
	DWORD tiny = 1;
	rv = SCardTransmit(h, SCARD_PCI_T0, c, (DWORD)cn, NULL, r, &tiny);
	check(rv == SCARD_E_INSUFFICIENT_BUFFER,
	      "a 1-byte response buffer gives SCARD_E_INSUFFICIENT_BUFFER (%s)",
	      pcsc_stringify_error(rv));
	DWORD rl = sizeof(r);
	rv = SCardTransmit(h, SCARD_PCI_T0, c, 0, NULL, r, &rl);
	check(rv != SCARD_S_SUCCESS, "an empty APDU is refused (%s)", pcsc_stringify_error(rv));
	rn = sizeof(r);
	sw = xfer(h, proto, c, cn, r, &rn);
	check(sw == SW_OK, "the card still answers after the bad input (%04X)", sw);

	/* Reconnect with a warm reset: same ATR, now T=1. */
	rv = SCardReconnect(h, SCARD_SHARE_SHARED, SCARD_PROTOCOL_T1, SCARD_RESET_CARD, &proto);
	check(rv == SCARD_S_SUCCESS && proto == SCARD_PROTOCOL_T1, "reconnect with reset, T=1 (%s)",
	      pcsc_stringify_error(rv));
	uint8_t atr1[MAX_ATR_SIZE];
	DWORD atr1_len;
	rv = get_atr(h, atr1, &atr1_len, &p2);
	check(rv == SCARD_S_SUCCESS && atr1_len == *atr0_len && memcmp(atr1, atr0, atr1_len) == 0 &&
	          p2 == SCARD_PROTOCOL_T1,
	      "ATR again after the reset, protocol T=1");
	/* ISO 7816-4 §5.1.3: in T=1 the Le of case 4 reaches the card: FCI at once */
	rn = sizeof(r);
	cn = build_select(c, aid_isdr, sizeof(aid_isdr), 1);
	sw = xfer_raw(h, proto, c, cn, r, &rn);
	check(sw == SW_OK && rn > 2 && r[0] == TAG_FCI,
	      "T=1 SELECT ISD-R with Le gives FCI + 9000 (%04X)", sw);
	got[0] = '\0';
	sw = read_eid(h, proto, got);
	check(sw == SW_OK && strcmp(got, eid) == 0, "T=1 GET DATA 5A gives the EID");

	/* Reconnect with a power cycle. */
	rv = SCardReconnect(h, SCARD_SHARE_SHARED, SCARD_PROTOCOL_T0, SCARD_UNPOWER_CARD, &proto);
	check(rv == SCARD_S_SUCCESS && proto == SCARD_PROTOCOL_T0,
	      "reconnect with unpower, T=0 (%s)", pcsc_stringify_error(rv));
	rv = get_atr(h, atr1, &atr1_len, &p2);
	check(rv == SCARD_S_SUCCESS && atr1_len == *atr0_len && memcmp(atr1, atr0, atr1_len) == 0,
	      "ATR again after the power cycle");
	rn = sizeof(r);
	cn = build_select(c, aid_isdr, sizeof(aid_isdr), 0);
	sw = xfer_raw(h, proto, c, cn, r, &rn);
	check((sw >> 8) == SW1_MORE, "T=0 again after the power cycle (%04X)", sw);
	SCardDisconnect(h, SCARD_RESET_CARD);
}

static int cmd_basic(const char *want, const char *eid)
{
	SCARDCONTEXT ctx = context();
	char *reader = find_reader(ctx, want);
	printf("# reader: %s\n", reader);
	check(wait_state(ctx, reader, 1, 5, NULL), "card present");

	uint8_t atr0[MAX_ATR_SIZE];
	DWORD atr0_len = 0;
	basic_t0(ctx, reader, eid, atr0, &atr0_len);

	/* A fresh connection asking for T=1 only. */
	SCARDHANDLE h;
	DWORD proto = 0;
	LONG rv = SCardConnect(ctx, reader, SCARD_SHARE_SHARED, SCARD_PROTOCOL_T1, &h, &proto);
	check(rv == SCARD_S_SUCCESS && proto == SCARD_PROTOCOL_T1, "connect T=1 (%s)",
	      pcsc_stringify_error(rv));
	if (rv == SCARD_S_SUCCESS) {
		uint8_t attr[8];
		DWORD alen = sizeof(attr);
		rv = SCardGetAttrib(h, SCARD_ATTR_CURRENT_PROTOCOL_TYPE, attr, &alen);
		check(rv == SCARD_S_SUCCESS && alen == 4 && attr[0] == SCARD_PROTOCOL_T1,
		      "SCARD_ATTR_CURRENT_PROTOCOL_TYPE is T=1");
		char got[33] = "";
		int sw = read_eid(h, proto, got);
		check(sw == SW_OK && strcmp(got, eid) == 0, "T=1 connection reads the EID");
		SCardDisconnect(h, SCARD_RESET_CARD);
	}
	/* Either protocol: pcsc-lite (PHSetProtocol) tries T=1 first when the
	 * ATR offers it. */
	rv = SCardConnect(ctx, reader, SCARD_SHARE_SHARED, SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1,
	                  &h, &proto);
	check(rv == SCARD_S_SUCCESS && proto == SCARD_PROTOCOL_T1,
	      "connect T=0|T=1 negotiates T=1, pcscd's choice");
	if (rv == SCARD_S_SUCCESS)
		SCardDisconnect(h, SCARD_LEAVE_CARD);

	free(reader);
	SCardReleaseContext(ctx);
	return failures != 0;
}

static int cmd_eid(const char *want, const char *protos)
{
	SCARDCONTEXT ctx = context();
	char *reader = find_reader(ctx, want);
	SCARDHANDLE h;
	DWORD proto = 0;
	DWORD ask = strcmp(protos, "t0") == 0   ? SCARD_PROTOCOL_T0
	            : strcmp(protos, "t1") == 0 ? SCARD_PROTOCOL_T1
	                                        : SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1;
	LONG rv = SCardConnect(ctx, reader, SCARD_SHARE_SHARED, ask, &h, &proto);
	if (rv != SCARD_S_SUCCESS)
		die("SCardConnect", rv);
	char eid[33] = "";
	int sw = read_eid(h, proto, eid);
	/* reset: pcscd keeps a negotiated protocol until the card is reset */
	SCardDisconnect(h, SCARD_RESET_CARD);
	free(reader);
	SCardReleaseContext(ctx);
	if (sw != SW_OK) {
		printf("not ok - reading the EID: %04X\n", sw);
		return 1;
	}
	printf("%s\n", eid);
	return 0;
}

static int cmd_control(const char *want, const char *what)
{
	SCARDCONTEXT ctx = context();
	char *reader = find_reader(ctx, want);
	DWORD code = strcmp(what, "remove") == 0   ? VEUICC_IFD_CTL_REMOVE
	             : strcmp(what, "insert") == 0 ? VEUICC_IFD_CTL_INSERT
	                                           : VEUICC_IFD_CTL_STATUS;
	uint8_t out[64];
	DWORD n = sizeof(out);
	LONG rv = control(ctx, reader, code, out, &n);
	if (rv != SCARD_S_SUCCESS)
		die("SCardControl", rv);
	if (code == VEUICC_IFD_CTL_STATUS && n == VEUICC_IFD_STATUS_LEN)
		printf("present=%d powered=%d protocol=T%d eid=%.32s\n", out[0], out[1], out[2],
		       (const char *)out + 3);
	free(reader);
	SCardReleaseContext(ctx);
	return 0;
}

static int cmd_events(const char *want)
{
	SCARDCONTEXT ctx = context();
	char *reader = find_reader(ctx, want);
	check(wait_state(ctx, reader, 1, 5, NULL), "card present at start");

	uint8_t st[64];
	DWORD n = sizeof(st);
	LONG rv = control(ctx, reader, VEUICC_IFD_CTL_STATUS, st, &n);
	check(rv == SCARD_S_SUCCESS && n == VEUICC_IFD_STATUS_LEN && st[0] == 1,
	      "control STATUS: present (%s)", pcsc_stringify_error(rv));
	char eid[33] = "";
	if (n == VEUICC_IFD_STATUS_LEN)
		snprintf(eid, sizeof(eid), "%.32s", (const char *)st + 3);

	SCARDHANDLE h;
	DWORD proto = 0;
	rv = SCardConnect(ctx, reader, SCARD_SHARE_SHARED, SCARD_PROTOCOL_T0, &h, &proto);
	check(rv == SCARD_S_SUCCESS, "connect before the removal");

	double t0 = now_s();
	rv = control(ctx, reader, VEUICC_IFD_CTL_REMOVE, NULL, NULL);
	check(rv == SCARD_S_SUCCESS, "control REMOVE (%s)", pcsc_stringify_error(rv));
	int ok = wait_state(ctx, reader, 0, 5, NULL);
	check(ok, "pcscd reports the reader empty after %.3f s", now_s() - t0);

	uint8_t c[32], r[300];
	DWORD rn = sizeof(r);
	size_t cn = build_select(c, aid_isdr, sizeof(aid_isdr), 0);
	rv = SCardTransmit(h, SCARD_PCI_T0, c, (DWORD)cn, NULL, r, &rn);
	check(rv == SCARD_W_REMOVED_CARD || rv == SCARD_E_NO_SMARTCARD,
	      "transmit on the old handle: %s", pcsc_stringify_error(rv));
	SCardDisconnect(h, SCARD_LEAVE_CARD);
	rv = SCardConnect(ctx, reader, SCARD_SHARE_SHARED, SCARD_PROTOCOL_T0, &h, &proto);
	check(rv == SCARD_E_NO_SMARTCARD, "connect without a card: %s", pcsc_stringify_error(rv));

	n = sizeof(st);
	rv = control(ctx, reader, VEUICC_IFD_CTL_STATUS, st, &n);
	check(rv == SCARD_S_SUCCESS && n == VEUICC_IFD_STATUS_LEN && st[0] == 0 && st[1] == 0,
	      "control STATUS: absent, unpowered");

	t0 = now_s();
	rv = control(ctx, reader, VEUICC_IFD_CTL_INSERT, NULL, NULL);
	check(rv == SCARD_S_SUCCESS, "control INSERT (%s)", pcsc_stringify_error(rv));
	ok = wait_state(ctx, reader, 1, 5, NULL);
	check(ok, "pcscd reports the card present after %.3f s", now_s() - t0);

	rv = SCardConnect(ctx, reader, SCARD_SHARE_SHARED, SCARD_PROTOCOL_T0, &h, &proto);
	check(rv == SCARD_S_SUCCESS, "connect after the insertion (%s)", pcsc_stringify_error(rv));
	if (rv == SCARD_S_SUCCESS) {
		char got[33] = "";
		int sw = read_eid(h, proto, got);
		check(sw == SW_OK && strcmp(got, eid) == 0, "same card (EID %s) after reinsertion",
		      got);
		SCardDisconnect(h, SCARD_LEAVE_CARD);
	}

	/* Remove and insert back to back: the removal is latched until pcscd
	 * has seen it, so its event counter (high 16 bits) moves twice. */
	SCARD_READERSTATE rs;
	memset(&rs, 0, sizeof(rs));
	rs.szReader = reader;
	rs.dwCurrentState = SCARD_STATE_UNAWARE;
	rv = SCardGetStatusChange(ctx, 0, &rs, 1);
	DWORD before = rs.dwEventState >> 16;
	control(ctx, reader, VEUICC_IFD_CTL_REMOVE, NULL, NULL);
	control(ctx, reader, VEUICC_IFD_CTL_INSERT, NULL, NULL);
	DWORD after = before;
	double end = now_s() + 5;
	while (now_s() < end && ((after - before) & 0xFFFF) < 2) {
		rs.dwCurrentState = rs.dwEventState & ~SCARD_STATE_CHANGED;
		rv = SCardGetStatusChange(ctx, 500, &rs, 1);
		if (rv != SCARD_S_SUCCESS && rv != SCARD_E_TIMEOUT)
			break;
		after = rs.dwEventState >> 16;
	}
	check(((after - before) & 0xFFFF) >= 2 && (rs.dwEventState & SCARD_STATE_PRESENT),
	      "a quick remove+insert is seen as two events (counter %lu -> %lu)",
	      (unsigned long)before, (unsigned long)after);

	free(reader);
	SCardReleaseContext(ctx);
	return failures != 0;
}

struct stress_arg {
	SCARDCONTEXT ctx;
	const char *reader;
	int done;
	int ok, removed, other;
	LONG last_other;
};

static void *stress_worker(void *p)
{
	struct stress_arg *a = p;
	SCARDCONTEXT ctx;
	if (SCardEstablishContext(SCARD_SCOPE_SYSTEM, NULL, NULL, &ctx) != SCARD_S_SUCCESS)
		return NULL;
	uint8_t c[32], r[300];
	size_t cn = build_select(c, aid_isdr, sizeof(aid_isdr), 0);
	SCARDHANDLE h = 0;
	int connected = 0;
	while (!__atomic_load_n(&a->done, __ATOMIC_SEQ_CST)) {
		DWORD proto;
		if (!connected) {
			if (SCardConnect(ctx, a->reader, SCARD_SHARE_SHARED, SCARD_PROTOCOL_T0, &h,
			                 &proto) != SCARD_S_SUCCESS)
				continue;
			connected = 1;
		}
		DWORD rn = sizeof(r);
		LONG rv = SCardTransmit(h, SCARD_PCI_T0, c, (DWORD)cn, NULL, r, &rn);
		if (rv == SCARD_S_SUCCESS) {
			a->ok++;
		} else if (rv == SCARD_W_REMOVED_CARD || rv == SCARD_E_NO_SMARTCARD ||
		           rv == SCARD_W_RESET_CARD || rv == SCARD_E_NOT_TRANSACTED ||
		           rv == SCARD_E_PROTO_MISMATCH) {
			/* PROTO_MISMATCH: a handle caught between pcscd's removal and
			 * insertion handling, before the protocol is negotiated again */
			a->removed++;
			SCardDisconnect(h, SCARD_LEAVE_CARD);
			connected = 0;
		} else {
			a->other++;
			a->last_other = rv;
			SCardDisconnect(h, SCARD_LEAVE_CARD);
			connected = 0;
		}
	}
	if (connected)
		SCardDisconnect(h, SCARD_LEAVE_CARD);
	SCardReleaseContext(ctx);
	return NULL;
}

static int cmd_stress(const char *want)
{
	SCARDCONTEXT ctx = context();
	char *reader = find_reader(ctx, want);
	struct stress_arg a = {.ctx = ctx, .reader = reader};
	pthread_t th;
	pthread_create(&th, NULL, stress_worker, &a);
	for (int i = 0; i < 20; i++) {
		struct timespec ts = {0, 20000000L};
		nanosleep(&ts, NULL);
		control(ctx, reader, i % 2 == 0 ? VEUICC_IFD_CTL_REMOVE : VEUICC_IFD_CTL_INSERT,
		        NULL, NULL);
	}
	control(ctx, reader, VEUICC_IFD_CTL_INSERT, NULL, NULL);
	__atomic_store_n(&a.done, 1, __ATOMIC_SEQ_CST);
	pthread_join(th, NULL);
	printf("# %d transmits answered, %d ended by a removal, %d other errors\n", a.ok, a.removed,
	       a.other);
	check(a.ok > 0 && a.removed > 0, "transmits both succeed and see removals");
	check(a.other == 0, "no other error (last: %s)",
	      a.other ? pcsc_stringify_error(a.last_other) : "none");
	check(wait_state(ctx, reader, 1, 5, NULL), "card present at the end");
	SCARDHANDLE h;
	DWORD proto;
	LONG rv = SCardConnect(ctx, reader, SCARD_SHARE_SHARED, SCARD_PROTOCOL_T0, &h, &proto);
	char eid[33] = "";
	int sw = rv == SCARD_S_SUCCESS ? read_eid(h, proto, eid) : -1;
	check(sw == SW_OK, "pcscd and the card still work (EID %s)", eid);
	if (rv == SCARD_S_SUCCESS)
		SCardDisconnect(h, SCARD_LEAVE_CARD);
	free(reader);
	SCardReleaseContext(ctx);
	return failures != 0;
}

static int usage(void)
{
	fprintf(stderr,
	        "usage: pcsc_client list | wait-readers N SECS | wait-state READER "
	        "present|absent SECS | basic READER EID | eid READER [t0|t1] | events READER | "
	        "stress READER | control READER remove|insert|status\n");
	return 2;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return usage();
	const char *cmd = argv[1];
	if (strcmp(cmd, "list") == 0)
		return cmd_list();
	if (strcmp(cmd, "wait-readers") == 0 && argc == 4)
		return cmd_wait_readers(atoi(argv[2]), atof(argv[3]));
	if (strcmp(cmd, "wait-state") == 0 && argc == 5)
		return cmd_wait_state(argv[2], argv[3], atof(argv[4]));
	if (strcmp(cmd, "basic") == 0 && argc == 4)
		return cmd_basic(argv[2], argv[3]);
	if (strcmp(cmd, "eid") == 0 && (argc == 3 || argc == 4))
		return cmd_eid(argv[2], argc == 4 ? argv[3] : "any");
	if (strcmp(cmd, "events") == 0 && argc == 3)
		return cmd_events(argv[2]);
	if (strcmp(cmd, "stress") == 0 && argc == 3)
		return cmd_stress(argv[2]);
	if (strcmp(cmd, "control") == 0 && argc == 4)
		return cmd_control(argv[2], argv[3]);
	return usage();
}
