/* SPDX-License-Identifier: Apache-2.0 */
/*
 * veuicc PC/SC reader: a pcsc-lite IFD handler (API v3, PCSC/ifdhandler.h)
 * in front of the public libveuicc API. It adds no card logic: power and
 * reset map to veuicc_reset()/veuicc_power_off(), PTS to
 * veuicc_set_protocol(), transmit to veuicc_transmit().
 *
 * One loaded driver serves up to VEUICC_IFD_MAX_READERS readers, one card
 * each, chosen by the reader's DEVICENAME (pcsc/devname.h). pcsc-lite
 * identifies readers by Lun only, so the driver keeps the one table the IFD
 * API requires: a fixed array of slots, each with its own mutex; the table
 * mutex only guards which slots are in use.
 *
 * Card presence is driven from outside with SCardControl() codes
 * (pcsc/ifd_veuicc.h). A polling function (TAG_IFD_POLLING_THREAD_WITH_TIMEOUT)
 * wakes pcscd's event thread at once, and a removal is latched until
 * IFDHICCPresence() has reported it, so pcscd sees every removal even when
 * the card is put back quickly.
 *
 * Log lines go to stderr, which pcscd forwards to its log (or the journal).
 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#pragma GCC visibility push(default)
#include <ifdhandler.h>
#pragma GCC visibility pop
#include <reader.h>

#include "pcsc/devname.h"
#include "pcsc/ifd_veuicc.h"
#include "pcsc/trace.h"
#include "veuicc/veuicc.h"

/* Vendor attributes reported through SCardGetAttrib(). */
static const char ifd_vendor_name[] = "veuicc";
static const char ifd_type[] = "veuicc virtual eUICC reader";
/* SCARD_ATTR_VENDOR_IFD_VERSION is 0xMMmmbbbb (pcsc-lite reader.h). */
#define IFD_VERSION_DWORD 0x00010000u
/* SCARD_ATTR_ICC_PRESENCE values (PC/SC part 3 §3.1.2): 0 absent, 2 present. */
#define ICC_PRESENCE_ABSENT  0
#define ICC_PRESENCE_PRESENT 2

enum log_level { LOG_ERR, LOG_INFO, LOG_DEBUG };
static const char *const log_level_names[] = {"error", "info", "debug"};

struct ifd_slot {
	pthread_mutex_t lock;   /* guards every field below */
	pthread_cond_t changed; /* presence changed, polling stopped, poller left */
	int used;
	DWORD lun;
	char name[VEUICC_PCSC_NAME_MAX + 1];
	veuicc_card *card;
	veuicc_pcsc_trace *trace;
	int debug;
	int present;         /* the card is in the reader */
	int removal_pending; /* a removal IFDHICCPresence() has not reported yet */
	int lost_power;      /* removed while powered, no power action since (MC6) */
	int reported;        /* last presence reported to pcscd, -1 none */
	uint32_t removals;   /* VEUICC_IFD_CTL_COUNTERS */
	uint32_t power_ups;
	int stop_polling;
	int pollers; /* threads inside ifd_poll() */
	/* pcscd's event thread of this reader: the one that calls ifd_poll()
	 * and then IFDHICCPresence(). Only its presence checks consume a latched
	 * removal (see IFDHICCPresence). */
	pthread_t poller;
	int poller_known;
	uint8_t atr[VEUICC_ATR_MAX];
	size_t atr_len; /* 0 while powered off */
};

struct ifd_table {
	pthread_once_t once;
	pthread_mutex_t lock; /* guards used and lun of every slot */
	struct ifd_slot slot[VEUICC_IFD_MAX_READERS];
};

/* The per-Lun table pcsc-lite's IFD API requires (no other mutable state). */
static struct ifd_table ifd = {.once = PTHREAD_ONCE_INIT, .lock = PTHREAD_MUTEX_INITIALIZER};

static void ifd_log(const char *name, DWORD lun, enum log_level lvl, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void ifd_log(const char *name, DWORD lun, enum log_level lvl, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (name != NULL && name[0] != '\0')
		fprintf(stderr, "veuicc-ifd %s [%s] %s\n", log_level_names[lvl], name, msg);
	else
		fprintf(stderr, "veuicc-ifd %s [lun 0x%lx] %s\n", log_level_names[lvl],
		        (unsigned long)lun, msg);
}

/* Hex of \p p into \p out (at least 6 bytes), "..." when it does not fit. */
static void hex_dump(char *out, size_t out_len, const uint8_t *p, size_t n)
{
	static const char digits[] = "0123456789ABCDEF";
	size_t o = 0, i = 0;
	/* keep room for two digits plus "..." and the NUL */
	for (; i < n && o + 2 + 4 <= out_len; i++) {
		out[o++] = digits[p[i] >> 4];
		out[o++] = digits[p[i] & 15];
	}
	if (i < n)
		memcpy(out + o, "...", 4);
	else
		out[o] = '\0';
}

static void table_init(void)
{
	for (size_t i = 0; i < VEUICC_IFD_MAX_READERS; i++) {
		pthread_condattr_t ca;
		pthread_mutex_init(&ifd.slot[i].lock, NULL);
		pthread_condattr_init(&ca);
		pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
		pthread_cond_init(&ifd.slot[i].changed, &ca);
		pthread_condattr_destroy(&ca);
	}
}

/* The slot of \p lun, locked, or NULL (logged) if no channel is open. */
static struct ifd_slot *slot_acquire(DWORD lun, const char *what)
{
	pthread_once(&ifd.once, table_init);
	pthread_mutex_lock(&ifd.lock);
	for (size_t i = 0; i < VEUICC_IFD_MAX_READERS; i++) {
		struct ifd_slot *s = &ifd.slot[i];
		if (s->used && s->lun == lun) {
			pthread_mutex_lock(&s->lock);
			pthread_mutex_unlock(&ifd.lock);
			return s;
		}
	}
	pthread_mutex_unlock(&ifd.lock);
	ifd_log(NULL, lun, LOG_ERR, "%s: no channel open on this Lun", what);
	return NULL;
}

static void slot_release(struct ifd_slot *s)
{
	pthread_mutex_unlock(&s->lock);
}

static int card_powered(const struct ifd_slot *s)
{
	return s->present && veuicc_is_powered(s->card);
}

static RESPONSECODE open_trace(struct ifd_slot *s, const veuicc_pcsc_devcfg *dc)
{
	char path[VEUICC_PCSC_PATH_MAX + 64];
	const char *dir = getenv(VEUICC_IFD_ENV_TRACE_DIR);
	if (dc->trace[0] != '\0') {
		snprintf(path, sizeof(path), "%s", dc->trace);
	} else if (dir != NULL && dir[0] != '\0') {
		int n = snprintf(path, sizeof(path), "%s/veuicc-%s.pcap", dir, s->name);
		if (n < 0 || (size_t)n >= sizeof(path)) {
			ifd_log(s->name, s->lun, LOG_ERR, "%s is too long",
			        VEUICC_IFD_ENV_TRACE_DIR);
			return IFD_COMMUNICATION_ERROR;
		}
	} else {
		return IFD_SUCCESS;
	}
	int rc = veuicc_pcsc_trace_open(path, &s->trace);
	if (rc != VEUICC_OK) {
		ifd_log(s->name, s->lun, LOG_ERR, "cannot open trace %s: %s", path,
		        veuicc_strerror(rc));
		return IFD_COMMUNICATION_ERROR;
	}
	ifd_log(s->name, s->lun, LOG_INFO, "tracing APDUs to %s", path);
	return IFD_SUCCESS;
}

/* The card of a reader: in memory or from its card file (state=), with the
 * package of profile= installed and activated. */
static int open_card(const veuicc_pcsc_devcfg *dc, const veuicc_config *cfg, struct ifd_slot *s,
                     DWORD Lun)
{
	int rc = dc->state[0] ? veuicc_card_open(dc->state, cfg, &s->card)
	                      : veuicc_card_new(cfg, &s->card);
	if (rc || !dc->profile[0])
		return rc;
	FILE *f = fopen(dc->profile, "rb");
	if (!f) {
		ifd_log(s->name, Lun, LOG_ERR, "cannot open profile=%s", dc->profile);
		goto fail;
	}
	uint8_t *der = NULL;
	size_t len = 0, cap = 0, idx;
	for (;;) {
		if (len == cap) {
			size_t n = cap ? 2 * cap : 16384;
			uint8_t *b = n <= (64u << 20) ? realloc(der, n) : NULL;
			if (!b)
				break;
			der = b;
			cap = n;
		}
		size_t got = fread(der + len, 1, cap - len, f);
		if (!got)
			break;
		len += got;
	}
	int bad = ferror(f) || len == cap;
	fclose(f);
	char msg[256] = "";
	rc = bad ? VEUICC_ERR_IO
	         : veuicc_card_install_profile(s->card, der, len, &idx, msg, sizeof(msg));
	free(der);
	if (rc == VEUICC_ERR_STATE && dc->state[0])
		return VEUICC_OK; /* the card file has it already */
	if (rc == VEUICC_OK)
		rc = veuicc_card_activate_profile(s->card, idx);
	if (rc == VEUICC_OK)
		return VEUICC_OK;
	ifd_log(s->name, Lun, LOG_ERR, "profile=%s does not install: %s %s", dc->profile,
	        veuicc_strerror(rc), msg);
fail:
	veuicc_card_free(s->card);
	s->card = NULL;
	return VEUICC_ERR_MALFORMED;
}

/* fault log lines of a reader's card (docs/testbench.md) */
static void fault_log(void *ctx, const char *line)
{
	const struct ifd_slot *s = ctx;
	ifd_log(s->name, s->lun, LOG_INFO, "%s", line);
}

static RESPONSECODE create_channel(DWORD Lun, const char *devname)
{
	veuicc_pcsc_devcfg dc;
	char err[160];
	int rc = veuicc_pcsc_devname_parse(devname, &dc, err, sizeof(err));
	if (rc != VEUICC_OK) {
		ifd_log(NULL, Lun, LOG_ERR, "refusing DEVICENAME '%s': %s", devname, err);
		return IFD_COMMUNICATION_ERROR;
	}

	pthread_once(&ifd.once, table_init);
	pthread_mutex_lock(&ifd.lock);
	struct ifd_slot *s = NULL;
	for (size_t i = 0; i < VEUICC_IFD_MAX_READERS; i++) {
		if (ifd.slot[i].used && ifd.slot[i].lun == Lun) {
			pthread_mutex_unlock(&ifd.lock);
			ifd_log(NULL, Lun, LOG_ERR, "a channel is already open on this Lun");
			return IFD_COMMUNICATION_ERROR;
		}
		if (!ifd.slot[i].used && s == NULL)
			s = &ifd.slot[i];
	}
	if (s == NULL) {
		pthread_mutex_unlock(&ifd.lock);
		ifd_log(NULL, Lun, LOG_ERR, "more than %d veuicc readers", VEUICC_IFD_MAX_READERS);
		return IFD_COMMUNICATION_ERROR;
	}
	pthread_mutex_lock(&s->lock);

	if (dc.name[0] != '\0')
		snprintf(s->name, sizeof(s->name), "%s", dc.name);
	else
		snprintf(s->name, sizeof(s->name), "lun%lx", (unsigned long)Lun);
	s->lun = Lun;
	veuicc_config cfg;
	veuicc_pcsc_devcfg_to_config(&dc, &cfg);
	rc = open_card(&dc, &cfg, s, Lun);
	if (rc == VEUICC_OK && dc.fault[0]) {
		veuicc_set_log(s->card, fault_log, s);
		rc = veuicc_card_fault(s->card, dc.fault);
		if (rc == VEUICC_OK)
			ifd_log(s->name, Lun, LOG_INFO, "faults armed: %s", dc.fault);
	}
	RESPONSECODE ret = IFD_SUCCESS;
	if (rc != VEUICC_OK) {
		ifd_log(s->name, Lun, LOG_ERR, "cannot create the card: %s",
		        rc == VEUICC_ERR_INVALID_ARG ? "bad EID check digits or ATR"
		                                     : veuicc_strerror(rc));
		ret = IFD_COMMUNICATION_ERROR;
	} else {
		ret = open_trace(s, &dc);
	}
	if (ret != IFD_SUCCESS) {
		veuicc_card_free(s->card);
		s->card = NULL;
		pthread_mutex_unlock(&s->lock);
		pthread_mutex_unlock(&ifd.lock);
		return ret;
	}
	const char *dbg = getenv(VEUICC_IFD_ENV_DEBUG);
	s->debug = dbg != NULL && strcmp(dbg, "1") == 0;
	s->present = dc.present;
	s->removal_pending = 0;
	s->reported = -1;
	s->removals = 0;
	s->power_ups = 0;
	s->stop_polling = 0;
	s->pollers = 0;
	s->poller_known = 0;
	s->atr_len = 0;
	s->used = 1;
	char eid[33] = "";
	veuicc_get_eid(s->card, eid);
	ifd_log(s->name, Lun, LOG_INFO, "reader open on Lun 0x%lx, card EID %s, %s",
	        (unsigned long)Lun, eid, s->present ? "inserted" : "not inserted");
	pthread_mutex_unlock(&s->lock);
	pthread_mutex_unlock(&ifd.lock);
	return IFD_SUCCESS;
}

/** IFD API v3: open the reader whose reader.conf DEVICENAME is \p DeviceName
 * (pcsc/devname.h); a refused name gives IFD_COMMUNICATION_ERROR and a log line. */

RESPONSECODE IFDHCreateChannelByName(DWORD Lun, LPSTR DeviceName)
{
	if (DeviceName == NULL) {
		ifd_log(NULL, Lun, LOG_ERR, "no DEVICENAME");
		return IFD_COMMUNICATION_ERROR;
	}
	return create_channel(Lun, DeviceName);
}

/** IFD API: open a reader that has no DEVICENAME, with a default card. */
RESPONSECODE IFDHCreateChannel(DWORD Lun, DWORD Channel)
{
	/* A reader.conf entry without DEVICENAME: a default card. */
	(void)Channel;
	return create_channel(Lun, VEUICC_PCSC_DEVNAME_PREFIX);
}

/** IFD API: close the reader of \p Lun, stop its polling and free its card. */
RESPONSECODE IFDHCloseChannel(DWORD Lun)
{
	pthread_once(&ifd.once, table_init);
	pthread_mutex_lock(&ifd.lock);
	struct ifd_slot *s = NULL;
	for (size_t i = 0; i < VEUICC_IFD_MAX_READERS; i++)
		if (ifd.slot[i].used && ifd.slot[i].lun == Lun)
			s = &ifd.slot[i];
	if (s == NULL) {
		pthread_mutex_unlock(&ifd.lock);
		ifd_log(NULL, Lun, LOG_ERR, "close: no channel open on this Lun");
		return IFD_COMMUNICATION_ERROR;
	}
	pthread_mutex_lock(&s->lock);
	s->used = 0;
	s->stop_polling = 1;
	pthread_cond_broadcast(&s->changed);
	while (s->pollers > 0)
		pthread_cond_wait(&s->changed, &s->lock);
	veuicc_card_free(s->card);
	s->card = NULL;
	veuicc_pcsc_trace_close(s->trace);
	s->trace = NULL;
	ifd_log(s->name, Lun, LOG_INFO, "reader closed");
	pthread_mutex_unlock(&s->lock);
	pthread_mutex_unlock(&ifd.lock);
	return IFD_SUCCESS;
}

/* Event condition of the polling function. */
static int presence_event(const struct ifd_slot *s)
{
	return s->stop_polling || s->removal_pending || s->reported != s->present;
}

/*
 * TAG_IFD_POLLING_THREAD_WITH_TIMEOUT: pcscd's event thread calls this in a
 * loop and checks IFDHICCPresence() whenever it returns. Returns at once on a
 * presence change, on a stop request, or after \p timeout ms.
 */
static RESPONSECODE ifd_poll(DWORD Lun, int timeout)
{
	struct ifd_slot *s = slot_acquire(Lun, "poll");
	if (s == NULL)
		return IFD_COMMUNICATION_ERROR;
	struct timespec until;
	clock_gettime(CLOCK_MONOTONIC, &until);
	if (timeout < 0)
		timeout = 0;
	until.tv_sec += timeout / 1000;
	until.tv_nsec += (long)(timeout % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	s->pollers++;
	s->poller = pthread_self();
	s->poller_known = 1;
	while (!presence_event(s)) {
		if (pthread_cond_timedwait(&s->changed, &s->lock, &until) == ETIMEDOUT)
			break;
	}
	s->pollers--;
	pthread_cond_broadcast(&s->changed);
	slot_release(s);
	return IFD_SUCCESS;
}

/* TAG_IFD_STOP_POLLING_THREAD: make ifd_poll() return for good. */
static RESPONSECODE ifd_stop_poll(DWORD Lun)
{
	struct ifd_slot *s = slot_acquire(Lun, "stop polling");
	if (s == NULL)
		return IFD_COMMUNICATION_ERROR;
	s->stop_polling = 1;
	pthread_cond_broadcast(&s->changed);
	slot_release(s);
	return IFD_SUCCESS;
}

static RESPONSECODE put_value(PDWORD Length, PUCHAR Value, const void *src, size_t n)
{
	if (*Length < n) {
		*Length = 0;
		return IFD_ERROR_INSUFFICIENT_BUFFER;
	}
	memcpy(Value, src, n);
	*Length = n;
	return IFD_SUCCESS;
}

static RESPONSECODE put_byte(PDWORD Length, PUCHAR Value, uint8_t b)
{
	return put_value(Length, Value, &b, 1);
}

/* PC/SC attribute DWORDs are 32-bit little-endian on the wire. */
static RESPONSECODE put_u32(PDWORD Length, PUCHAR Value, uint32_t v)
{
	const uint8_t b[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16),
	                      (uint8_t)(v >> 24)};
	return put_value(Length, Value, b, sizeof(b));
}

/** IFD API: reader capabilities (TAG_IFD_*) and PC/SC attributes (SCARD_ATTR_*). */
RESPONSECODE IFDHGetCapabilities(DWORD Lun, DWORD Tag, PDWORD Length, PUCHAR Value)
{
	if (Length == NULL || Value == NULL) {
		ifd_log(NULL, Lun, LOG_ERR, "get capabilities 0x%lx: NULL buffer",
		        (unsigned long)Tag);
		return IFD_COMMUNICATION_ERROR;
	}
	/* Reader-wide tags, asked before or without a channel. */
	switch (Tag) {
	case TAG_IFD_SIMULTANEOUS_ACCESS: return put_byte(Length, Value, VEUICC_IFD_MAX_READERS);
	case TAG_IFD_THREAD_SAFE: return put_byte(Length, Value, 1);
	case TAG_IFD_SLOTS_NUMBER: return put_byte(Length, Value, 1);
	case TAG_IFD_SLOT_THREAD_SAFE: return put_byte(Length, Value, 0);
	case TAG_IFD_POLLING_THREAD_KILLABLE: return put_byte(Length, Value, 0);
	case TAG_IFD_POLLING_THREAD_WITH_TIMEOUT: {
		RESPONSECODE (*fn)(DWORD, int) = ifd_poll;
		return put_value(Length, Value, &fn, sizeof(fn));
	}
	case TAG_IFD_STOP_POLLING_THREAD: {
		RESPONSECODE (*fn)(DWORD) = ifd_stop_poll;
		return put_value(Length, Value, &fn, sizeof(fn));
	}
	case SCARD_ATTR_VENDOR_NAME:
		return put_value(Length, Value, ifd_vendor_name, sizeof(ifd_vendor_name));
	case SCARD_ATTR_VENDOR_IFD_TYPE:
		return put_value(Length, Value, ifd_type, sizeof(ifd_type));
	case SCARD_ATTR_VENDOR_IFD_VERSION: return put_u32(Length, Value, IFD_VERSION_DWORD);
	case SCARD_ATTR_MAXINPUT: return put_u32(Length, Value, VEUICC_CAPDU_MAX);
	default: break;
	}

	struct ifd_slot *s = slot_acquire(Lun, "get capabilities");
	if (s == NULL)
		return IFD_COMMUNICATION_ERROR;
	RESPONSECODE ret;
	switch (Tag) {
	case TAG_IFD_ATR:
	case SCARD_ATTR_ATR_STRING:
		ret = put_value(Length, Value, s->atr, card_powered(s) ? s->atr_len : 0);
		break;
	case SCARD_ATTR_VENDOR_IFD_SERIAL_NO: {
		char eid[33];
		veuicc_get_eid(s->card, eid);
		ret = put_value(Length, Value, eid, 32);
		break;
	}
	case SCARD_ATTR_ICC_PRESENCE:
		ret = put_byte(Length, Value,
		               s->present ? ICC_PRESENCE_PRESENT : ICC_PRESENCE_ABSENT);
		break;
	case SCARD_ATTR_ICC_INTERFACE_STATUS:
		ret = put_byte(Length, Value, card_powered(s) ? 1 : 0);
		break;
	case SCARD_ATTR_CURRENT_PROTOCOL_TYPE:
		ret = put_u32(Length, Value,
		              veuicc_get_protocol(s->card) == VEUICC_PROTO_T1 ? SCARD_PROTOCOL_T1
		                                                              : SCARD_PROTOCOL_T0);
		break;
	default:
		if (s->debug)
			ifd_log(s->name, Lun, LOG_DEBUG, "unknown capability tag 0x%lx",
			        (unsigned long)Tag);
		ret = IFD_ERROR_TAG;
		break;
	}
	if (ret == IFD_ERROR_INSUFFICIENT_BUFFER)
		ifd_log(s->name, Lun, LOG_ERR, "capability 0x%lx: buffer too small",
		        (unsigned long)Tag);
	slot_release(s);
	return ret;
}

/** IFD API: nothing is settable; every tag gives IFD_ERROR_TAG. */
RESPONSECODE IFDHSetCapabilities(DWORD Lun, DWORD Tag, DWORD Length, PUCHAR Value)
{
	(void)Length;
	(void)Value;
	ifd_log(NULL, Lun, LOG_INFO, "set capability 0x%lx: not supported", (unsigned long)Tag);
	return IFD_ERROR_TAG;
}

/** IFD API: the PTS outcome, T=0 or T=1 (ISO/IEC 7816-3 §9), passed to the card. */
RESPONSECODE IFDHSetProtocolParameters(DWORD Lun, DWORD Protocol, UCHAR Flags, UCHAR PTS1,
                                       UCHAR PTS2, UCHAR PTS3)
{
	/* The link is virtual: any Fi/Di/N offered in PTS1..3 works as is. */
	(void)Flags;
	(void)PTS1;
	(void)PTS2;
	(void)PTS3;
	struct ifd_slot *s = slot_acquire(Lun, "set protocol");
	if (s == NULL)
		return IFD_COMMUNICATION_ERROR;
	RESPONSECODE ret = IFD_SUCCESS;
	veuicc_protocol p;
	if (Protocol == SCARD_PROTOCOL_T0) {
		p = VEUICC_PROTO_T0;
	} else if (Protocol == SCARD_PROTOCOL_T1) {
		p = VEUICC_PROTO_T1;
	} else {
		ifd_log(s->name, Lun, LOG_ERR, "protocol 0x%lx not supported",
		        (unsigned long)Protocol);
		slot_release(s);
		return IFD_PROTOCOL_NOT_SUPPORTED;
	}
	if (!s->present) {
		ifd_log(s->name, Lun, LOG_ERR, "set protocol: no card");
		ret = IFD_ICC_NOT_PRESENT;
	} else {
		/* pcscd sets the protocol only on a card it believes powered. A
		 * remove + insert that pcscd's threads saw only in part (a client
		 * thread's presence check before the event thread polled once)
		 * leaves it believing so while the card lost power: power it up
		 * again, as pcscd does on every insertion (decision MC6). */
		if (s->lost_power && !veuicc_is_powered(s->card)) {
			size_t n = 0;
			s->lost_power = 0;
			if (veuicc_reset(s->card, VEUICC_RESET_COLD, s->atr, &n) == VEUICC_OK &&
			    n <= MAX_ATR_SIZE) {
				s->atr_len = n;
				s->power_ups++;
				ifd_log(s->name, Lun, LOG_INFO,
				        "set protocol: the card had lost power (removed and "
				        "inserted): powered up again");
			}
		}
		int rc = veuicc_set_protocol(s->card, p);
		if (rc == VEUICC_ERR_UNSUPPORTED) {
			ifd_log(s->name, Lun, LOG_ERR, "the ATR does not offer T=%d", (int)p);
			ret = IFD_PROTOCOL_NOT_SUPPORTED;
		} else if (rc != VEUICC_OK) {
			ifd_log(s->name, Lun, LOG_ERR, "set protocol T=%d: %s", (int)p,
			        veuicc_strerror(rc));
			ret = IFD_COMMUNICATION_ERROR;
		} else if (s->debug) {
			ifd_log(s->name, Lun, LOG_DEBUG, "protocol T=%d", (int)p);
		}
	}
	slot_release(s);
	return ret;
}

/** IFD API: IFD_POWER_UP is a cold reset, IFD_RESET a warm one (cold if
 * unpowered), IFD_POWER_DOWN powers off; the ATR comes from the card. */
RESPONSECODE IFDHPowerICC(DWORD Lun, DWORD Action, PUCHAR Atr, PDWORD AtrLength)
{
	struct ifd_slot *s = slot_acquire(Lun, "power");
	if (s == NULL)
		return IFD_COMMUNICATION_ERROR;
	if (AtrLength != NULL)
		*AtrLength = 0;
	RESPONSECODE ret = IFD_SUCCESS;
	int rc;
	s->lost_power = 0; /* pcscd knows the power state again */
	switch (Action) {
	case IFD_POWER_DOWN:
		s->atr_len = 0;
		if (s->present) {
			rc = veuicc_power_off(s->card);
			if (rc != VEUICC_OK)
				ifd_log(s->name, Lun, LOG_ERR, "power off: %s",
				        veuicc_strerror(rc));
		}
		if (s->debug)
			ifd_log(s->name, Lun, LOG_DEBUG, "power down");
		break;
	case IFD_POWER_UP:
	case IFD_RESET: {
		if (Atr == NULL || AtrLength == NULL) {
			ifd_log(s->name, Lun, LOG_ERR, "power up: NULL ATR buffer");
			ret = IFD_COMMUNICATION_ERROR;
			break;
		}
		if (!s->present) {
			ifd_log(s->name, Lun, LOG_ERR, "power up: no card in the reader");
			ret = IFD_ERROR_POWER_ACTION;
			break;
		}
		/* IFD_RESET is a warm reset, or a power up of an unpowered card. */
		veuicc_reset_kind kind = (Action == IFD_RESET && veuicc_is_powered(s->card))
		                             ? VEUICC_RESET_WARM
		                             : VEUICC_RESET_COLD;
		size_t n = 0;
		rc = veuicc_reset(s->card, kind, s->atr, &n);
		if (rc != VEUICC_OK || n > MAX_ATR_SIZE) {
			ifd_log(s->name, Lun, LOG_ERR, "reset: %s", veuicc_strerror(rc));
			s->atr_len = 0;
			ret = IFD_ERROR_POWER_ACTION;
			break;
		}
		s->atr_len = n;
		s->power_ups++;
		memcpy(Atr, s->atr, n);
		*AtrLength = n;
		if (s->debug) {
			char hex[2 * VEUICC_ATR_MAX + 4];
			hex_dump(hex, sizeof(hex), s->atr, n);
			ifd_log(s->name, Lun, LOG_DEBUG, "%s reset, ATR %s",
			        kind == VEUICC_RESET_WARM ? "warm" : "cold", hex);
		}
		break;
	}
	default:
		ifd_log(s->name, Lun, LOG_ERR, "power action %lu not supported",
		        (unsigned long)Action);
		ret = IFD_NOT_SUPPORTED;
		break;
	}
	slot_release(s);
	return ret;
}

/** IFD API: one C-APDU to the card, its R-APDU back (and to the trace). */
RESPONSECODE IFDHTransmitToICC(DWORD Lun, SCARD_IO_HEADER SendPci, PUCHAR TxBuffer, DWORD TxLength,
                               PUCHAR RxBuffer, PDWORD RxLength, PSCARD_IO_HEADER RecvPci)
{
	struct ifd_slot *s = slot_acquire(Lun, "transmit");
	if (s == NULL) {
		if (RxLength != NULL)
			*RxLength = 0;
		return IFD_COMMUNICATION_ERROR;
	}
	RESPONSECODE ret = IFD_SUCCESS;
	if (RxBuffer == NULL || RxLength == NULL || (TxBuffer == NULL && TxLength > 0)) {
		ifd_log(s->name, Lun, LOG_ERR, "transmit: NULL buffer");
		if (RxLength != NULL)
			*RxLength = 0;
		slot_release(s);
		return IFD_COMMUNICATION_ERROR;
	}
	const DWORD cap = *RxLength;
	*RxLength = 0;
	if (TxLength == 0) {
		ifd_log(s->name, Lun, LOG_ERR, "transmit: zero-length APDU");
		ret = IFD_COMMUNICATION_ERROR;
	} else if (!s->present) {
		ifd_log(s->name, Lun, LOG_ERR, "transmit: no card in the reader");
		ret = IFD_ICC_NOT_PRESENT;
	} else if (!veuicc_is_powered(s->card)) {
		ifd_log(s->name, Lun, LOG_ERR, "transmit: the card is powered off");
		ret = IFD_COMMUNICATION_ERROR;
	} else {
		if (s->debug &&
		    SendPci.Protocol != (DWORD)(veuicc_get_protocol(s->card) == VEUICC_PROTO_T1))
			ifd_log(s->name, Lun, LOG_DEBUG, "transmit: PCI says T=%lu",
			        (unsigned long)SendPci.Protocol);
		size_t n = 0;
		/* test bench latency: the driver waits, the library never sleeps */
		unsigned delay = veuicc_card_fault_latency(s->card);
		if (delay) {
			struct timespec ts = {(time_t)(delay / 1000),
			                      (long)(delay % 1000) * 1000000L};
			while (nanosleep(&ts, &ts) && errno == EINTR)
				;
		}
		int rc = veuicc_transmit(s->card, TxBuffer, TxLength, RxBuffer, cap, &n);
		if (rc == VEUICC_OK && n <= cap) {
			*RxLength = n;
			if (s->trace != NULL && veuicc_pcsc_trace_apdu(s->trace, TxBuffer, TxLength,
			                                               RxBuffer, n) != VEUICC_OK)
				ifd_log(s->name, Lun, LOG_ERR, "writing the trace failed");
			if (s->debug) {
				char c[200], r[200];
				hex_dump(c, sizeof(c), TxBuffer, TxLength);
				hex_dump(r, sizeof(r), RxBuffer, n);
				ifd_log(s->name, Lun, LOG_DEBUG, "C %s R %s", c, r);
			}
		} else if (rc == VEUICC_ERR_BUFFER_TOO_SMALL || rc == VEUICC_OK) {
			ifd_log(s->name, Lun, LOG_ERR,
			        "transmit: response buffer of %lu bytes is too small",
			        (unsigned long)cap);
			ret = IFD_ERROR_INSUFFICIENT_BUFFER;
		} else {
			ifd_log(s->name, Lun, LOG_ERR, "transmit: %s", veuicc_strerror(rc));
			ret = IFD_COMMUNICATION_ERROR;
		}
	}
	if (RecvPci != NULL) {
		RecvPci->Protocol = veuicc_get_protocol(s->card) == VEUICC_PROTO_T1 ? 1 : 0;
		RecvPci->Length = 0;
	}
	slot_release(s);
	return ret;
}

static RESPONSECODE control_status(struct ifd_slot *s, PUCHAR RxBuffer, DWORD RxLength,
                                   LPDWORD pdwBytesReturned)
{
	if (RxBuffer == NULL || RxLength < VEUICC_IFD_STATUS_LEN) {
		ifd_log(s->name, s->lun, LOG_ERR, "status: answer buffer too small");
		return IFD_ERROR_INSUFFICIENT_BUFFER;
	}
	char eid[33];
	veuicc_get_eid(s->card, eid);
	RxBuffer[0] = (UCHAR)(s->present ? 1 : 0);
	RxBuffer[1] = (UCHAR)(card_powered(s) ? 1 : 0);
	RxBuffer[2] = (UCHAR)(veuicc_get_protocol(s->card) == VEUICC_PROTO_T1 ? 1 : 0);
	memcpy(RxBuffer + 3, eid, 32);
	*pdwBytesReturned = VEUICC_IFD_STATUS_LEN;
	return IFD_SUCCESS;
}

static RESPONSECODE control_counters(struct ifd_slot *s, PUCHAR RxBuffer, DWORD RxLength,
                                     LPDWORD pdwBytesReturned)
{
	if (RxBuffer == NULL || RxLength < VEUICC_IFD_COUNTERS_LEN) {
		ifd_log(s->name, s->lun, LOG_ERR, "counters: answer buffer too small");
		return IFD_ERROR_INSUFFICIENT_BUFFER;
	}
	const uint32_t v[2] = {s->removals, s->power_ups};
	for (int i = 0; i < 2; i++)
		for (int b = 0; b < 4; b++)
			RxBuffer[4 * i + b] = (UCHAR)(v[i] >> (24 - 8 * b));
	*pdwBytesReturned = VEUICC_IFD_COUNTERS_LEN;
	return IFD_SUCCESS;
}

/** IFD API: the control codes of pcsc/ifd_veuicc.h (remove, insert, status,
 * counters) and
 * an empty PC/SC part 10 feature list. */
RESPONSECODE IFDHControl(DWORD Lun, DWORD dwControlCode, PUCHAR TxBuffer, DWORD TxLength,
                         PUCHAR RxBuffer, DWORD RxLength, LPDWORD pdwBytesReturned)
{
	(void)TxBuffer;
	(void)TxLength;
	if (pdwBytesReturned == NULL) {
		ifd_log(NULL, Lun, LOG_ERR, "control: NULL length");
		return IFD_COMMUNICATION_ERROR;
	}
	*pdwBytesReturned = 0;
	struct ifd_slot *s = slot_acquire(Lun, "control");
	if (s == NULL)
		return IFD_COMMUNICATION_ERROR;
	RESPONSECODE ret = IFD_SUCCESS;
	switch (dwControlCode) {
	case VEUICC_IFD_CTL_GET_FEATURES:
		/* PC/SC part 10 §2.2: an empty TLV list, no pinpad or other feature. */
		break;
	case VEUICC_IFD_CTL_REMOVE:
		if (s->present) {
			s->present = 0;
			s->removals++;
			s->removal_pending = 1;
			s->lost_power = veuicc_is_powered(s->card);
			s->atr_len = 0;
			veuicc_power_off(s->card);
			pthread_cond_broadcast(&s->changed);
			ifd_log(s->name, Lun, LOG_INFO, "card removed");
		}
		break;
	case VEUICC_IFD_CTL_INSERT:
		if (!s->present) {
			s->present = 1;
			pthread_cond_broadcast(&s->changed);
			ifd_log(s->name, Lun, LOG_INFO, "card inserted");
		}
		break;
	case VEUICC_IFD_CTL_STATUS:
		ret = control_status(s, RxBuffer, RxLength, pdwBytesReturned);
		break;
	case VEUICC_IFD_CTL_COUNTERS:
		ret = control_counters(s, RxBuffer, RxLength, pdwBytesReturned);
		break;
	default:
		ifd_log(s->name, Lun, LOG_ERR, "control code 0x%lx not supported",
		        (unsigned long)dwControlCode);
		ret = IFD_ERROR_NOT_SUPPORTED;
		break;
	}
	slot_release(s);
	return ret;
}

/** IFD API: whether the card is in the reader; a removal is reported once even
 * if the card was put back before pcscd asked. */
RESPONSECODE IFDHICCPresence(DWORD Lun)
{
	struct ifd_slot *s = slot_acquire(Lun, "presence");
	if (s == NULL)
		return IFD_COMMUNICATION_ERROR;
	RESPONSECODE ret;
	/* pcscd also asks from client threads (IFDPowerICC checks presence
	 * before every power action). Such a check sees a latched removal but
	 * leaves it for the event thread: had it consumed it, pcscd would
	 * never learn that the card lost power and would keep sending PTS and
	 * APDUs to an unpowered card (docs/spec-decisions.md MC4). */
	if (s->poller_known && !pthread_equal(pthread_self(), s->poller)) {
		ret = s->present && !s->removal_pending ? IFD_ICC_PRESENT : IFD_ICC_NOT_PRESENT;
	} else if (s->removal_pending) {
		/* Report the latched removal once, even if the card is back. */
		s->removal_pending = 0;
		s->reported = 0;
		ret = IFD_ICC_NOT_PRESENT;
	} else {
		s->reported = s->present;
		ret = s->present ? IFD_ICC_PRESENT : IFD_ICC_NOT_PRESENT;
	}
	slot_release(s);
	return ret;
}
