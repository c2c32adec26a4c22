/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Soak client for many veuicc readers in one pcscd (issue 11 item 4,
 * tests/pcsc/test_pcscd_soak.sh, docs/testbench.md "Many cards").
 *
 *   pcsc_soak eid I
 *       print the EID of reader I: 890490321234512345, I on 12 digits, and
 *       check digits making the value 1 mod 97 (SGP.02 §2.2.2, ISO 7064)
 *   pcsc_soak run READERS SECONDS THREADS SEED CHAOS
 *       readers "veuicc sNN" (NN = 00..READERS-1). A reference pass reads
 *       from every card its ATR, EID (must be the one of "eid NN"), ICCID
 *       and ISD-R GET STATUS answer. Then THREADS threads loop for SECONDS
 *       over random readers: connect (T=0, T=1 or either), transaction,
 *       the check sequence, sometimes SCardReconnect with a warm or cold
 *       reset (the ATR is checked) and the sequence again, disconnect with
 *       a random disposition (leave, reset, unpower). CHAOS 1: one more
 *       thread removes a random reader's card and puts it back every few ms
 *       (SCardControl, as `veuicc reader remove/insert`).
 *
 * Every answer that arrives is checked byte for byte against the reference
 * of its reader; an error is accepted only when a removal, a reset or a
 * power-off by another client explains it (counted per kind). At the end
 * every card is inserted and must answer the reference again. One
 * "ok"/"not ok" line per check; exit status 1 on any failure.
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

#define MAX_READERS   16 /* PCSCLITE_MAX_READERS_CONTEXTS of pcsc-lite */
#define MAX_THREADS   16
#define SW_OK         0x9000
#define SW1_MORE      0x61
#define SW1_WRONG_LE  0x6C
#define INS_GET_RESP  0xC0
#define TAG_EID       0x5A
#define RSP_MAX       600
#define READER_PREFIX "veuicc s"

/* SGP.02 §2.2.1: AIDs of the ISD-R and the ECASD. */
static const uint8_t aid_isdr[] = {0xA0, 0x00, 0x00, 0x05, 0x59, 0x10, 0x10, 0xFF,
                                   0xFF, 0xFF, 0xFF, 0x89, 0x00, 0x00, 0x01, 0x00};
static const uint8_t aid_ecasd[] = {0xA0, 0x00, 0x00, 0x05, 0x59, 0x10, 0x10, 0xFF,
                                    0xFF, 0xFF, 0xFF, 0x89, 0x00, 0x00, 0x02, 0x00};
/* GET DATA EID on the ECASD (SGP.02 §2.2.2); SELECT MF, EF.ICCID, READ
 * BINARY 10 bytes (TS 102 221 §11.1.1, §13.2); GET STATUS of the ISD-R
 * itself (GP CS v2.3 §11.4.2: P1 80, P2 02, search 4F 00). */
static const uint8_t get_eid[] = {0x80, 0xCA, 0x00, TAG_EID, 0x00};
static const uint8_t sel_mf[] = {0x00, 0xA4, 0x00, 0x0C, 0x02, 0x3F, 0x00};
static const uint8_t sel_iccid[] = {0x00, 0xA4, 0x00, 0x0C, 0x02, 0x2F, 0xE2};
static const uint8_t read_iccid[] = {0x00, 0xB0, 0x00, 0x00, 0x0A};
static const uint8_t get_status[] = {0x80, 0xF2, 0x80, 0x02, 0x02, 0x4F, 0x00, 0x00};

struct ref {
	char name[128];
	char eid[33];
	uint8_t atr[MAX_ATR_SIZE];
	DWORD atr_len;
	uint8_t iccid[10];
	uint8_t status[RSP_MAX];
	DWORD status_len;
};

/* Errors another client or the chaos thread explain (pcsc-lite winscard.h). */
enum disrupt {
	D_REMOVED,
	D_NO_CARD,
	D_RESET,
	D_UNPOWERED,
	D_UNRESPONSIVE,
	D_NOT_TRANSACTED,
	D_PROTO,
	D_SHARING,
	D_CYCLED,
	D_N
};
static const char *const disrupt_names[D_N] = {"removed",
                                               "no card",
                                               "reset by another",
                                               "unpowered",
                                               "unresponsive (removed during power-up)",
                                               "not transacted",
                                               "protocol another client negotiated",
                                               "sharing",
                                               ("card cycled between pcscd's check and the "
                                                "transmit (driver counters)")};

struct stats {
	unsigned long iterations, sequences, apdus, reconnects, disconnects[3];
	unsigned long disrupt[D_N];
	unsigned long failures;
	char first_failure[200];
};

struct soak {
	struct ref ref[MAX_READERS];
	int nreaders;
	double end;
	int done;
	unsigned long removes;
};

struct worker {
	struct soak *soak;
	uint64_t rng;
	struct stats st;
};

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

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

/* xorshift64 (Marsaglia 2003): a per-thread, seeded choice of actions */
static uint32_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return (uint32_t)(*s >> 32);
}

static void make_eid(unsigned long serial, char eid[33])
{
	snprintf(eid, 33, "890490321234512345%012lu00", serial % 1000000000000ul);
	unsigned r = 0;
	for (int i = 0; i < 32; i++)
		r = (r * 10 + (unsigned)(eid[i] - '0')) % 97;
	unsigned check_digits = 98 - r;
	eid[30] = (char)('0' + check_digits / 10);
	eid[31] = (char)('0' + check_digits % 10);
}

static int disruption(LONG rv)
{
	switch (rv) {
	case SCARD_W_REMOVED_CARD: return D_REMOVED;
	case SCARD_E_NO_SMARTCARD: return D_NO_CARD;
	case SCARD_W_RESET_CARD: return D_RESET;
	case SCARD_W_UNPOWERED_CARD: return D_UNPOWERED;
	case SCARD_W_UNRESPONSIVE_CARD: return D_UNRESPONSIVE;
	case SCARD_E_NOT_TRANSACTED: return D_NOT_TRANSACTED;
	case SCARD_E_PROTO_MISMATCH: return D_PROTO;
	case SCARD_E_SHARING_VIOLATION: return D_SHARING;
	default: return -1;
	}
}

static void fail(struct stats *st, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int failures_printed;

static void fail(struct stats *st, const char *fmt, ...)
{
	char msg[sizeof(st->first_failure)];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (st->failures++ == 0)
		memcpy(st->first_failure, msg, sizeof(msg));
	if (__atomic_fetch_add(&failures_printed, 1, __ATOMIC_SEQ_CST) < 10)
		printf("# failure: %s\n", msg);
}

/* A PC/SC error: a disruption (counted, returns 1) or a failure (0). */
static int pcsc_error(struct stats *st, const char *what, const struct ref *r, LONG rv)
{
	int d = disruption(rv);
	if (d >= 0) {
		st->disrupt[d]++;
		return 1;
	}
	fail(st, "%s on %s: %s (0x%08lX)", what, r->name, pcsc_stringify_error(rv),
	     (unsigned long)rv);
	return 0;
}

static const SCARD_IO_REQUEST *pci_of(DWORD proto)
{
	return proto == SCARD_PROTOCOL_T1 ? SCARD_PCI_T1 : SCARD_PCI_T0;
}

/* One exchange completed as a T=0 terminal does (TS 102 221 §7.3.1.1.4:
 * 61xx → GET RESPONSE, 6Cxx → again with P3 = xx). \returns the status
 * word, or -1 with *rv set on a PC/SC error. */
static int xfer(SCARDHANDLE h, DWORD proto, const uint8_t *c, size_t cn, uint8_t *r, DWORD *rn,
                LONG *rv, unsigned long *apdus)
{
	uint8_t cmd[64];
	DWORD cap = *rn;
	memcpy(cmd, c, cn);
	for (int i = 0; i < 4; i++) {
		*rn = cap;
		(*apdus)++;
		*rv = SCardTransmit(h, pci_of(proto), cmd, (DWORD)cn, NULL, r, rn);
		if (*rv != SCARD_S_SUCCESS || *rn < 2)
			return -1;
		int sw = r[*rn - 2] << 8 | r[*rn - 1];
		if ((sw >> 8) == SW1_WRONG_LE && cn >= 5) {
			cmd[cn - 1] = (uint8_t)sw;
		} else if ((sw >> 8) == SW1_MORE) {
			uint8_t gr[5] = {(uint8_t)(c[0] & 0x03), INS_GET_RESP, 0, 0, (uint8_t)sw};
			memcpy(cmd, gr, sizeof(gr));
			cn = sizeof(gr);
		} else {
			return sw;
		}
	}
	return -1;
}

static size_t build_select(uint8_t *out, const uint8_t *aid, size_t aid_len)
{
	/* SELECT by DF name, FCI (P2 00), Le 00 (case 4; T=0 gets 61xx) */
	out[0] = 0x00;
	out[1] = 0xA4;
	out[2] = 0x04;
	out[3] = 0x00;
	out[4] = (uint8_t)aid_len;
	memcpy(out + 5, aid, aid_len);
	out[5 + aid_len] = 0x00;
	return 6 + aid_len;
}

/* What one pass of the check sequence read. */
struct seen {
	char eid[33];
	uint8_t iccid[10];
	uint8_t status[RSP_MAX];
	DWORD status_len;
};

/* The check sequence: EID from the ECASD, EF.ICCID, GET STATUS of the
 * ISD-R. \returns 0 ok, -1 PC/SC error (*rv), or the unexpected SW. */
static int sequence(SCARDHANDLE h, DWORD proto, struct seen *s, LONG *rv, unsigned long *apdus)
{
	uint8_t c[40], r[RSP_MAX];
	DWORD rn = sizeof(r);
	int sw;
	*rv = SCARD_S_SUCCESS;
	size_t cn = build_select(c, aid_ecasd, sizeof(aid_ecasd));
	if ((sw = xfer(h, proto, c, cn, r, &rn, rv, apdus)) != SW_OK)
		return sw;
	rn = sizeof(r);
	if ((sw = xfer(h, proto, get_eid, sizeof(get_eid), r, &rn, rv, apdus)) != SW_OK)
		return sw;
	if (rn != 2 + 16 + 2 || r[0] != TAG_EID || r[1] != 16)
		return 0x10000; /* a malformed answer */
	for (int i = 0; i < 16; i++) {
		s->eid[2 * i] = (char)('0' + (r[2 + i] >> 4));
		s->eid[2 * i + 1] = (char)('0' + (r[2 + i] & 15));
	}
	s->eid[32] = '\0';
	rn = sizeof(r);
	if ((sw = xfer(h, proto, sel_mf, sizeof(sel_mf), r, &rn, rv, apdus)) != SW_OK)
		return sw;
	rn = sizeof(r);
	if ((sw = xfer(h, proto, sel_iccid, sizeof(sel_iccid), r, &rn, rv, apdus)) != SW_OK)
		return sw;
	rn = sizeof(r);
	if ((sw = xfer(h, proto, read_iccid, sizeof(read_iccid), r, &rn, rv, apdus)) != SW_OK)
		return sw;
	if (rn != 12)
		return 0x10000;
	memcpy(s->iccid, r, 10);
	cn = build_select(c, aid_isdr, sizeof(aid_isdr));
	rn = sizeof(r);
	if ((sw = xfer(h, proto, c, cn, r, &rn, rv, apdus)) != SW_OK)
		return sw;
	rn = sizeof(s->status);
	if ((sw = xfer(h, proto, get_status, sizeof(get_status), s->status, &rn, rv, apdus)) !=
	    SW_OK)
		return sw;
	s->status_len = rn;
	return 0;
}

/* The driver's removal and power-up counters of the reader behind \p h
 * (pcsc/ifd_veuicc.h VEUICC_IFD_CTL_COUNTERS). */
static LONG counters(SCARDHANDLE h, uint8_t out[VEUICC_IFD_COUNTERS_LEN])
{
	DWORD got = 0;
	LONG rv =
	    SCardControl(h, VEUICC_IFD_CTL_COUNTERS, NULL, 0, out, VEUICC_IFD_COUNTERS_LEN, &got);
	return rv == SCARD_S_SUCCESS && got != VEUICC_IFD_COUNTERS_LEN ? SCARD_F_INTERNAL_ERROR
	                                                               : rv;
}

/* A wrong answer is explained when the card was removed or powered up
 * again since \p before: pcscd checks a handle's events before it takes
 * the reader for a transmit, so a remove + insert (or another client's
 * reset) in between reaches the card unseen (decision MC7). \returns 1 when
 * counted as such a disruption. */
static int cycled_since(struct stats *st, SCARDHANDLE h, const uint8_t *before)
{
	uint8_t now[VEUICC_IFD_COUNTERS_LEN];
	LONG rv = counters(h, now);
	if (rv != SCARD_S_SUCCESS) {
		int d = disruption(rv);
		if (d < 0)
			return 0;
		st->disrupt[d]++;
		return 1;
	}
	if (memcmp(now, before, sizeof(now)) == 0)
		return 0;
	st->disrupt[D_CYCLED]++;
	return 1;
}

/* Run the sequence and compare with the reference. \p before: the
 * reader's counters when this handle connected or last reset the card, or
 * NULL. \returns 1 ok, 0 a disruption (counted), -1 a failure (recorded). */
static int checked_sequence(struct stats *st, SCARDHANDLE h, DWORD proto, const struct ref *ref,
                            const uint8_t *before)
{
	struct seen s;
	LONG rv;
	int rc = sequence(h, proto, &s, &rv, &st->apdus);
	if (rc == -1)
		return pcsc_error(st, "transmit", ref, rv) ? 0 : -1;
	if (rc == 0 &&
	    (strcmp(s.eid, ref->eid) != 0 || memcmp(s.iccid, ref->iccid, 10) != 0 ||
	     s.status_len != ref->status_len || memcmp(s.status, ref->status, s.status_len) != 0))
		rc = 0x20000; /* another answer than the reference */
	if (rc != 0 && before != NULL && cycled_since(st, h, before))
		return 0;
	if (rc == 0x20000) {
		fail(st, "%s gave another EID (%s), ICCID or GET STATUS answer", ref->name, s.eid);
		return -1;
	}
	if (rc != 0) {
		fail(st, "%s answered %04X in the check sequence (T=%d)", ref->name, rc,
		     proto == SCARD_PROTOCOL_T1);
		return -1;
	}
	st->sequences++;
	return 1;
}

static int atr_is(SCARDHANDLE h, const struct ref *ref, LONG *rv)
{
	uint8_t atr[MAX_ATR_SIZE];
	DWORD atr_len = sizeof(atr), state, proto, nlen = 0;
	*rv = SCardStatus(h, NULL, &nlen, &state, &proto, atr, &atr_len);
	return *rv == SCARD_S_SUCCESS && atr_len == ref->atr_len &&
	       memcmp(atr, ref->atr, atr_len) == 0;
}

/* One iteration: connect, transaction, sequence, maybe a reset and the
 * sequence again, end, disconnect. */
static void iteration(struct worker *w, SCARDCONTEXT ctx)
{
	struct stats *st = &w->st;
	const struct ref *ref = &w->soak->ref[rnd(&w->rng) % (uint32_t)w->soak->nreaders];
	static const DWORD protos[] = {SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1, SCARD_PROTOCOL_T0,
	                               SCARD_PROTOCOL_T1};
	static const DWORD dispositions[] = {SCARD_LEAVE_CARD, SCARD_RESET_CARD,
	                                     SCARD_UNPOWER_CARD};
	st->iterations++;
	SCARDHANDLE h;
	DWORD proto = 0;
	DWORD want = protos[rnd(&w->rng) % 3];
	LONG rv = SCardConnect(ctx, ref->name, SCARD_SHARE_SHARED, want, &h, &proto);
	if (rv != SCARD_S_SUCCESS) {
		pcsc_error(st, "connect", ref, rv);
		return;
	}
	uint8_t snap[VEUICC_IFD_COUNTERS_LEN];
	const uint8_t *before = counters(h, snap) == SCARD_S_SUCCESS ? snap : NULL;
	rv = SCardBeginTransaction(h);
	int in_tx = rv == SCARD_S_SUCCESS;
	if (!in_tx && !pcsc_error(st, "begin transaction", ref, rv))
		goto out;
	if (in_tx && checked_sequence(st, h, proto, ref, before) == 1 && rnd(&w->rng) % 3 == 0) {
		DWORD how = rnd(&w->rng) % 2 ? SCARD_RESET_CARD : SCARD_UNPOWER_CARD;
		rv = SCardReconnect(h, SCARD_SHARE_SHARED, want, how, &proto);
		if (rv == SCARD_S_SUCCESS) {
			st->reconnects++;
			before = counters(h, snap) == SCARD_S_SUCCESS ? snap : NULL;
			if (!atr_is(h, ref, &rv)) {
				if (rv == SCARD_S_SUCCESS)
					fail(st, "%s: another ATR after the reset", ref->name);
				else
					pcsc_error(st, "status", ref, rv);
			} else {
				checked_sequence(st, h, proto, ref, before);
			}
		} else {
			pcsc_error(st, "reconnect", ref, rv);
		}
	}
	if (in_tx) {
		rv = SCardEndTransaction(h, SCARD_LEAVE_CARD);
		if (rv != SCARD_S_SUCCESS)
			pcsc_error(st, "end transaction", ref, rv);
	}
out:;
	unsigned d = rnd(&w->rng) % 4;
	d = d > 2 ? 0 : d; /* leave half of the time */
	rv = SCardDisconnect(h, dispositions[d]);
	if (rv == SCARD_S_SUCCESS)
		st->disconnects[d]++;
	else
		pcsc_error(st, "disconnect", ref, rv);
}

static void *worker_main(void *p)
{
	struct worker *w = p;
	SCARDCONTEXT ctx;
	LONG rv = SCardEstablishContext(SCARD_SCOPE_SYSTEM, NULL, NULL, &ctx);
	if (rv != SCARD_S_SUCCESS) {
		fail(&w->st, "SCardEstablishContext: %s", pcsc_stringify_error(rv));
		return NULL;
	}
	while (now_s() < w->soak->end)
		iteration(w, ctx);
	SCardReleaseContext(ctx);
	return NULL;
}

/* Send a veuicc control code over a direct connection (no card needed). */
static LONG control(SCARDCONTEXT ctx, const char *reader, DWORD code)
{
	SCARDHANDLE h;
	DWORD proto = 0, got = 0;
	LONG rv = SCardConnect(ctx, reader, SCARD_SHARE_DIRECT, 0, &h, &proto);
	if (rv != SCARD_S_SUCCESS)
		return rv;
	uint8_t buf[64];
	rv = SCardControl(h, code, NULL, 0, buf, sizeof(buf), &got);
	SCardDisconnect(h, SCARD_LEAVE_CARD);
	return rv;
}

struct chaos {
	struct soak *soak;
	uint64_t rng;
	unsigned long removes, inserts, busy;
	struct stats st;
};

/* control() again while another client's transaction or exclusive
 * connection makes the direct connection wait (SCARD_E_SHARING_VIOLATION),
 * for at most 5 s. */
static LONG control_retry(struct chaos *c, SCARDCONTEXT ctx, const char *reader, DWORD code)
{
	double until = now_s() + 5;
	LONG rv;
	while ((rv = control(ctx, reader, code)) == SCARD_E_SHARING_VIOLATION && now_s() < until) {
		c->busy++;
		sleep_ms(5);
	}
	return rv;
}

/* Remove a random reader's card, wait 2..20 ms, put it back, pause. */
static void *chaos_main(void *p)
{
	struct chaos *c = p;
	SCARDCONTEXT ctx;
	LONG rv = SCardEstablishContext(SCARD_SCOPE_SYSTEM, NULL, NULL, &ctx);
	if (rv != SCARD_S_SUCCESS) {
		fail(&c->st, "chaos: SCardEstablishContext: %s", pcsc_stringify_error(rv));
		return NULL;
	}
	while (now_s() < c->soak->end) {
		const struct ref *ref = &c->soak->ref[rnd(&c->rng) % (uint32_t)c->soak->nreaders];
		rv = control_retry(c, ctx, ref->name, VEUICC_IFD_CTL_REMOVE);
		if (rv != SCARD_S_SUCCESS) {
			fail(&c->st, "control REMOVE on %s: %s", ref->name,
			     pcsc_stringify_error(rv));
			break;
		}
		c->removes++;
		sleep_ms(2 + (long)(rnd(&c->rng) % 19));
		rv = control_retry(c, ctx, ref->name, VEUICC_IFD_CTL_INSERT);
		if (rv != SCARD_S_SUCCESS) {
			fail(&c->st, "control INSERT on %s: %s", ref->name,
			     pcsc_stringify_error(rv));
			break;
		}
		c->inserts++;
		sleep_ms(10 + (long)(rnd(&c->rng) % 30));
	}
	SCardReleaseContext(ctx);
	return NULL;
}

/* Find the readers, wait until each has its card, take the references. */
static int reference_pass(SCARDCONTEXT ctx, struct soak *s)
{
	DWORD len = 0;
	LONG rv = SCardListReaders(ctx, NULL, NULL, &len);
	char *all = rv == SCARD_S_SUCCESS ? malloc(len) : NULL;
	if (!all || SCardListReaders(ctx, NULL, all, &len) != SCARD_S_SUCCESS) {
		check(0, "SCardListReaders: %s", pcsc_stringify_error(rv));
		free(all);
		return -1;
	}
	int found = 0;
	for (int i = 0; i < s->nreaders; i++) {
		char want[32];
		snprintf(want, sizeof(want), READER_PREFIX "%02d ", i);
		for (char *p = all; *p; p += strlen(p) + 1)
			if (strncmp(p, want, strlen(want)) == 0) {
				snprintf(s->ref[i].name, sizeof(s->ref[i].name), "%s", p);
				found++;
			}
		make_eid((unsigned long)i, s->ref[i].eid);
	}
	free(all);
	check(found == s->nreaders, "pcscd lists the %d soak readers (%d found)", s->nreaders,
	      found);
	if (found != s->nreaders)
		return -1;
	unsigned long apdus = 0;
	for (int i = 0; i < s->nreaders; i++) {
		struct ref *r = &s->ref[i];
		control(ctx, r->name,
		        VEUICC_IFD_CTL_INSERT); /* a previous run may have left it out */
		SCARDHANDLE h;
		DWORD proto = 0;
		double until = now_s() + 5;
		do {
			rv = SCardConnect(ctx, r->name, SCARD_SHARE_SHARED,
			                  SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1, &h, &proto);
			if (disruption(rv) >= 0)
				sleep_ms(50);
		} while (disruption(rv) >= 0 && now_s() < until);
		if (rv != SCARD_S_SUCCESS) {
			check(0, "connect %s: %s", r->name, pcsc_stringify_error(rv));
			return -1;
		}
		/* other clients may be soaking already: a transaction, and a
		 * retry when one of them reset or removed the card meanwhile */
		struct seen seen;
		int rc = -1;
		for (int tries = 0; tries < 50 && rc != 0; tries++) {
			if (tries) {
				sleep_ms(20);
				rv = SCardReconnect(h, SCARD_SHARE_SHARED,
				                    SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1,
				                    SCARD_LEAVE_CARD, &proto);
				if (rv != SCARD_S_SUCCESS)
					continue;
			}
			if (SCardBeginTransaction(h) != SCARD_S_SUCCESS)
				continue;
			DWORD state, p2, nlen = 0;
			r->atr_len = sizeof(r->atr);
			rv = SCardStatus(h, NULL, &nlen, &state, &p2, r->atr, &r->atr_len);
			rc = rv == SCARD_S_SUCCESS ? sequence(h, proto, &seen, &rv, &apdus) : -1;
			SCardEndTransaction(h, SCARD_LEAVE_CARD);
		}
		SCardDisconnect(h, SCARD_LEAVE_CARD);
		if (rc != 0 || strcmp(seen.eid, r->eid) != 0 || seen.status_len < 2 + 2 ||
		    seen.status[0] != 0xE3) {
			check(0, "%s: reference pass (sequence %d, EID %s, expected %s)", r->name,
			      rc, rc == 0 ? seen.eid : "-", r->eid);
			return -1;
		}
		memcpy(r->iccid, seen.iccid, sizeof(r->iccid));
		memcpy(r->status, seen.status, seen.status_len);
		r->status_len = seen.status_len;
		if (i > 0 && memcmp(r->iccid, s->ref[0].iccid, 10) != 0) {
			check(0, "%s holds another profile than %s", r->name, s->ref[0].name);
			return -1;
		}
	}
	check(1, "reference pass: every card answers with its own EID, the same ICCID and an "
	         "ISD-R GET STATUS");
	return 0;
}

static int cmd_run(int nreaders, double secs, int nthreads, uint64_t seed, int with_chaos)
{
	static struct soak s;
	static struct worker w[MAX_THREADS];
	static struct chaos ch;
	if (nreaders < 1 || nreaders > MAX_READERS || nthreads < 1 || nthreads > MAX_THREADS ||
	    secs <= 0) {
		fprintf(stderr, "pcsc_soak: 1..%d readers, 1..%d threads, seconds > 0\n",
		        MAX_READERS, MAX_THREADS);
		return 2;
	}
	s.nreaders = nreaders;
	SCARDCONTEXT ctx;
	LONG rv = SCardEstablishContext(SCARD_SCOPE_SYSTEM, NULL, NULL, &ctx);
	if (rv != SCARD_S_SUCCESS) {
		check(0, "SCardEstablishContext: %s", pcsc_stringify_error(rv));
		return 1;
	}
	if (reference_pass(ctx, &s))
		return 1;

	pthread_t th[MAX_THREADS], cth;
	double t0 = now_s();
	s.end = t0 + secs;
	for (int i = 0; i < nthreads; i++) {
		w[i].soak = &s;
		w[i].rng = seed * 0x9E3779B97F4A7C15ull + (uint64_t)i + 1;
		pthread_create(&th[i], NULL, worker_main, &w[i]);
	}
	ch.soak = &s;
	ch.rng = seed ^ 0xC0FFEEull;
	if (with_chaos)
		pthread_create(&cth, NULL, chaos_main, &ch);
	struct stats tot;
	memset(&tot, 0, sizeof(tot));
	for (int i = 0; i < nthreads; i++) {
		pthread_join(th[i], NULL);
		struct stats *st = &w[i].st;
		tot.iterations += st->iterations;
		tot.sequences += st->sequences;
		tot.apdus += st->apdus;
		tot.reconnects += st->reconnects;
		for (int k = 0; k < 3; k++)
			tot.disconnects[k] += st->disconnects[k];
		for (int k = 0; k < D_N; k++)
			tot.disrupt[k] += st->disrupt[k];
		if (st->failures && !tot.failures)
			memcpy(tot.first_failure, st->first_failure, sizeof(tot.first_failure));
		tot.failures += st->failures;
	}
	if (with_chaos) {
		pthread_join(cth, NULL);
		if (ch.st.failures && !tot.failures)
			memcpy(tot.first_failure, ch.st.first_failure, sizeof(tot.first_failure));
		tot.failures += ch.st.failures;
	}
	double t = now_s() - t0;
	printf("# %.1f s, %d readers, %d threads: %lu iterations, %lu check sequences (%.0f/s), "
	       "%lu APDUs (%.0f/s), %lu reconnects with reset\n",
	       t, nreaders, nthreads, tot.iterations, tot.sequences, (double)tot.sequences / t,
	       tot.apdus, (double)tot.apdus / t, tot.reconnects);
	printf("# disconnects: %lu leave, %lu reset, %lu unpower; card removals: %lu, "
	       "insertions: %lu\n",
	       tot.disconnects[0], tot.disconnects[1], tot.disconnects[2], ch.removes, ch.inserts);
	printf("# control connections retried while a reader was locked: %lu\n", ch.busy);
	printf("# errors explained by removals/resets:");
	for (int k = 0; k < D_N; k++)
		printf(" %s %lu%s", disrupt_names[k], tot.disrupt[k], k + 1 < D_N ? "," : "\n");
	check(tot.failures == 0,
	      "every answer matched its card's reference, every error was a "
	      "removal or reset (%lu failures%s%s)",
	      tot.failures, tot.failures ? ", first: " : "", tot.first_failure);
	check(tot.sequences >= (unsigned long)nthreads, "the threads got work done (%lu sequences)",
	      tot.sequences);
	if (with_chaos)
		check(ch.removes > 0 && ch.removes == ch.inserts,
		      "the chaos thread removed and re-inserted cards (%lu)", ch.removes);

	/* every card back, every card still answers its reference (another
	 * client may still be soaking: a transaction, retried on a disruption
	 * for up to 5 s; a wrong answer fails at once) */
	int good = 0;
	for (int i = 0; i < nreaders; i++) {
		const struct ref *r = &s.ref[i];
		control(ctx, r->name, VEUICC_IFD_CTL_INSERT);
		struct stats st;
		memset(&st, 0, sizeof(st));
		int res = 0;
		LONG last = SCARD_S_SUCCESS;
		for (double until = now_s() + 5; res == 0 && now_s() < until;) {
			SCARDHANDLE h;
			DWORD proto = 0;
			last = SCardConnect(ctx, r->name, SCARD_SHARE_SHARED,
			                    SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1, &h, &proto);
			if (last != SCARD_S_SUCCESS) {
				sleep_ms(50);
				continue;
			}
			uint8_t snap[VEUICC_IFD_COUNTERS_LEN];
			const uint8_t *before = counters(h, snap) == SCARD_S_SUCCESS ? snap : NULL;
			if ((last = SCardBeginTransaction(h)) == SCARD_S_SUCCESS) {
				res = checked_sequence(&st, h, proto, r, before);
				SCardEndTransaction(h, SCARD_LEAVE_CARD);
			}
			SCardDisconnect(h, SCARD_LEAVE_CARD);
			if (res == 0)
				sleep_ms(50);
		}
		if (res == 1)
			good++;
		else
			printf("# %s: %s\n", r->name,
			       st.failures ? st.first_failure : pcsc_stringify_error(last));
	}
	check(good == nreaders, "after the soak all %d cards answer their reference (%d do)",
	      nreaders, good);
	SCardReleaseContext(ctx);
	return failures != 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "eid") == 0) {
		char eid[33];
		make_eid(strtoul(argv[2], NULL, 10), eid);
		printf("%s\n", eid);
		return 0;
	}
	if (argc == 7 && strcmp(argv[1], "run") == 0)
		return cmd_run(atoi(argv[2]), atof(argv[3]), atoi(argv[4]),
		               strtoull(argv[5], NULL, 0), atoi(argv[6]));
	fprintf(stderr, "usage: pcsc_soak eid I | run READERS SECONDS THREADS SEED CHAOS(0|1)\n");
	return 2;
}
