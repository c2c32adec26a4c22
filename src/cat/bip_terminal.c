/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Terminal side of BIP for test benches (include/veuicc/bip.h): ETSI
 * TS 102 223 §6.4.16 SET UP EVENT LIST, §6.4.27 OPEN CHANNEL (TCP client
 * mode), §6.4.28 CLOSE CHANNEL, §6.4.29 RECEIVE DATA, §6.4.30 SEND DATA,
 * §6.4.31 GET CHANNEL STATUS, §7.5.10 Data available, §7.5.11 Channel
 * status; one channel bridged to a TCP socket.
 */
#include "veuicc/bip.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* TS 102 223 §8 / §9 tags (CR bit masked) and values */
#define CT_DETAILS     0x01
#define CT_DEV_IDS     0x02
#define CT_RESULT      0x03
#define CT_EVENT_LIST  0x19
#define CT_BEARER      0x35
#define CT_CHAN_DATA   0x36
#define CT_CHAN_LEN    0x37
#define CT_CHAN_STATUS 0x38
#define CT_BUFSIZE     0x39
#define CT_TRANSPORT   0x3C
#define CT_OTHER_ADR   0x3E
#define CR             0x80
#define TAG_PROACTIVE  0xD0
#define TAG_EVENT      0xD6
#define CMD_SETUP_EVT  0x05
#define CMD_OPEN       0x40
#define CMD_CLOSE      0x41
#define CMD_RECEIVE    0x42
#define CMD_SEND       0x43
#define CMD_STATUS     0x44
#define CMD_TIMER      0x27 /* TIMER MANAGEMENT (§6.4.21) */
#define CT_TIMER_ID    0x24
#define CT_TIMER_VALUE 0x25
#define TAG_TIMER_EXP  0xD7
#define EVT_DATA_AVAIL 0x09
#define EVT_CHAN_STAT  0x0A
#define RES_OK         0x00
#define RES_MODIFIED   0x07 /* command performed with modification */
#define RES_MISSING    0x02 /* ... with missing information */
#define RES_BEYOND     0x30 /* beyond the terminal's capabilities */
#define RES_NOT_UNDER  0x32 /* command data not understood */
#define RES_BIP_ERROR  0x3A
#define BIP_NO_CHANNEL 0x03 /* §8.12.11 additional info: channel identifier not valid */
#define LINK_DROPPED   0x05 /* §8.56 */
#define CHAN_ID        1
#define RECV_MAX       237 /* channel data that fits a TERMINAL RESPONSE */

struct veuicc_bip_term {
	veuicc_bip_term_opts o;
	veuicc_bip_term_stats st;
	int fd;
	bool open;
	bool dropped;   /* the peer closed: told the card once */
	bool notified;  /* Data available sent since the buffer was last empty */
	bool drop_told; /* Channel status "link dropped" sent */
	uint16_t bufsize;
	uint8_t *rx;
	size_t rx_len;
	uint8_t timer_id;       /* a started timer (one), 0: none */
	uint8_t timer_value[3]; /* as the card gave it */
	double timer_due;       /* CLOCK_MONOTONIC seconds */
};

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* §8.38: hours, minutes, seconds in semi-octets (low nibble first digit). */
static double timer_seconds(const uint8_t v[3])
{
	double s = 0;
	static const double unit[3] = {3600, 60, 1};
	for (int i = 0; i < 3; i++)
		s += unit[i] * (double)((v[i] & 0x0F) * 10 + (v[i] >> 4));
	return s;
}

int veuicc_bip_term_new(const veuicc_bip_term_opts *opts, veuicc_bip_term **out)
{
	if (!out)
		return VEUICC_ERR_INVALID_ARG;
	veuicc_bip_term *t = calloc(1, sizeof(*t));
	if (!t)
		return VEUICC_ERR_NO_MEMORY;
	if (opts)
		t->o = *opts;
	if (!t->o.buffer_max)
		t->o.buffer_max = 1500;
	t->fd = -1;
	*out = t;
	return VEUICC_OK;
}

static void chan_close(veuicc_bip_term *t)
{
	if (t->fd >= 0)
		close(t->fd);
	t->fd = -1;
	t->open = t->dropped = t->notified = t->drop_told = false;
	free(t->rx);
	t->rx = NULL;
	t->rx_len = 0;
}

void veuicc_bip_term_reset(veuicc_bip_term *t)
{
	if (!t)
		return;
	chan_close(t);
	t->timer_id = 0;
}

void veuicc_bip_term_free(veuicc_bip_term *t)
{
	if (!t)
		return;
	chan_close(t);
	free(t);
}

size_t veuicc_bip_term_profile(uint8_t *out, size_t cap)
{
	/* TS 102 223 §5.2: byte 1 b2 SMS-PP download, b6 timer expiration; 3 b8
	 * REFRESH; 4 b2 SEND SHORT MESSAGE; 5 b1 SET UP EVENT LIST; 8 b1 TIMER
	 * MANAGEMENT (start, stop); 6 b3 b4 Data available,
	 * Channel status; 12 b1-b5 OPEN/CLOSE CHANNEL, RECEIVE/SEND DATA, GET
	 * CHANNEL STATUS; 13 b6-b8 one channel; 17 b2 TCP client mode remote */
	static const uint8_t tp[17] = {0x22, 0x00, 0x80, 0x02, 0x01, 0x0C, 0x00, 0x01, 0x00,
	                               0x00, 0x00, 0x1F, 0x20, 0x00, 0x00, 0x00, 0x02};
	if (out && cap >= sizeof(tp))
		memcpy(out, tp, sizeof(tp));
	return sizeof(tp);
}

int veuicc_bip_term_is_open(const veuicc_bip_term *t)
{
	return t && t->open;
}

int veuicc_bip_term_idle(const veuicc_bip_term *t)
{
	return !t || ((!t->open || (t->rx_len == 0 && !t->dropped) || t->notified) && !t->timer_id);
}

void veuicc_bip_term_get_stats(const veuicc_bip_term *t, veuicc_bip_term_stats *out)
{
	if (t && out)
		*out = t->st;
}

/* Next COMPREHENSION-TLV at *i of p[0..n): tag without CR, value. */
static bool ctlv(const uint8_t *p, size_t n, size_t *i, uint8_t *tag, const uint8_t **v, size_t *l)
{
	if (*i + 2 > n)
		return false;
	size_t h = 2, len = p[*i + 1];
	if (len == 0x81) {
		if (*i + 3 > n)
			return false;
		len = p[*i + 2];
		h = 3;
	} else if (len > 0x7F) {
		return false;
	}
	if (len > n - *i - h)
		return false;
	*tag = (uint8_t)(p[*i] & ~CR);
	*v = p + *i + h;
	*l = len;
	*i += h + len;
	return true;
}

/* The TERMINAL RESPONSE being written. */
typedef struct trw {
	uint8_t *b;
	size_t cap, n;
	bool err;
} trw;

static void put(trw *w, uint8_t tag, const uint8_t *v, size_t l)
{
	size_t h = l < 0x80 ? 2 : 3;
	if (w->err || w->n + h + l > w->cap || l > 0xFF) {
		w->err = true;
		return;
	}
	w->b[w->n++] = tag;
	if (h == 3)
		w->b[w->n++] = 0x81;
	w->b[w->n++] = (uint8_t)l;
	if (l)
		memcpy(w->b + w->n, v, l);
	w->n += l;
}

static uint8_t avail_byte(size_t n)
{
	return n > 0xFE ? 0xFF : (uint8_t)n; /* §8.54: FF means more than 255 */
}

/* TS 102 223 §8.58 other address: type 21 IPv4 (4 bytes), 57 IPv6 (16). */
#define ADDR_IPV4 0x21
#define ADDR_IPV6 0x57

static bool connect_to(veuicc_bip_term *t, uint8_t type, const uint8_t *addr, size_t alen,
                       uint16_t port)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	memset(&ss, 0, sizeof(ss));
	struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
	uint16_t p = htons(t->o.connect_port ? t->o.connect_port : port);
	if (t->o.connect_host) {
		if (inet_pton(AF_INET, t->o.connect_host, &s4->sin_addr) == 1)
			ss.ss_family = AF_INET;
		else if (inet_pton(AF_INET6, t->o.connect_host, &s6->sin6_addr) == 1)
			ss.ss_family = AF_INET6;
		else
			return false;
	} else if (type == ADDR_IPV4 && alen == 4) {
		ss.ss_family = AF_INET;
		memcpy(&s4->sin_addr, addr, 4);
	} else if (type == ADDR_IPV6 && alen == 16) {
		ss.ss_family = AF_INET6;
		memcpy(&s6->sin6_addr, addr, 16);
	} else {
		return false;
	}
	if (ss.ss_family == AF_INET) {
		s4->sin_port = p;
		sl = sizeof(*s4);
	} else {
		s6->sin6_port = p;
		sl = sizeof(*s6);
	}
	int fd = socket(ss.ss_family, SOCK_STREAM, 0);
	if (fd < 0)
		return false;
	if (connect(fd, (struct sockaddr *)&ss, sl) != 0) {
		close(fd);
		return false;
	}
	/* each SEND DATA goes out at once: no Nagle delay waiting for an ACK */
	int one = 1;
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	t->fd = fd;
	return true;
}

static void do_open(veuicc_bip_term *t, const uint8_t *p, size_t n, trw *w, uint8_t *res)
{
	const uint8_t *bearer = NULL, *addr = NULL;
	uint8_t atype = 0;
	size_t bl = 0, al = 0;
	uint16_t want = 0, port = 0;
	bool tcp = false;
	for (size_t i = 0; i < n;) {
		uint8_t tag;
		const uint8_t *v;
		size_t l;
		if (!ctlv(p, n, &i, &tag, &v, &l))
			break;
		if (tag == CT_BEARER) {
			bearer = v;
			bl = l;
		} else if (tag == CT_BUFSIZE && l == 2) {
			want = (uint16_t)(v[0] << 8 | v[1]);
		} else if (tag == CT_TRANSPORT && l == 3) {
			tcp = v[0] == 0x02;
			port = (uint16_t)(v[1] << 8 | v[2]);
		} else if (tag == CT_OTHER_ADR && l >= 1) {
			atype = v[0];
			addr = v + 1;
			al = l - 1;
		}
	}
	uint16_t grant = want < t->o.buffer_max ? want : t->o.buffer_max;
	uint8_t bs[2] = {(uint8_t)(grant >> 8), (uint8_t)grant};
	if (t->open || !bearer || !want || !tcp) {
		*res = t->open ? RES_BIP_ERROR : RES_NOT_UNDER;
		return;
	}
	if (!connect_to(t, atype, addr, al, port)) {
		t->st.open_fails++;
		*res = RES_BIP_ERROR; /* §8.12.11 additional info 00: no specific cause */
		put(w, CT_BEARER, bearer, bl);
		put(w, CT_BUFSIZE, bs, 2);
		return;
	}
	t->rx = malloc(grant);
	if (!t->rx) {
		chan_close(t);
		*res = RES_BIP_ERROR;
		return;
	}
	t->open = true;
	t->bufsize = grant;
	t->st.opens++;
	*res = grant < want ? RES_MODIFIED : RES_OK;
	const uint8_t cs[2] = {0x80 | CHAN_ID, 0x00}; /* §8.56: link established */
	put(w, CT_CHAN_STATUS, cs, 2);
	put(w, CT_BEARER, bearer, bl);
	put(w, CT_BUFSIZE, bs, 2);
}

static bool send_all(veuicc_bip_term *t, const uint8_t *d, size_t n)
{
	while (n) {
		ssize_t k = send(t->fd, d, n, MSG_NOSIGNAL);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return false;
		t->st.to_net += (size_t)k;
		d += k;
		n -= (size_t)k;
	}
	return true;
}

int veuicc_bip_term_proactive(veuicc_bip_term *t, const uint8_t *cmd, size_t n, uint8_t *tr,
                              size_t cap, size_t *tr_len)
{
	if (!t || !cmd || !tr || !tr_len)
		return VEUICC_ERR_INVALID_ARG;
	size_t i = 0;
	uint8_t tag;
	const uint8_t *body, *v;
	size_t bl, l;
	if (n < 2 || cmd[0] != TAG_PROACTIVE)
		return VEUICC_ERR_MALFORMED;
	{
		size_t k = 0;
		uint8_t dummy;
		if (!ctlv(cmd, n, &k, &dummy, &body, &bl))
			return VEUICC_ERR_MALFORMED;
	}
	const uint8_t *det = NULL, *dev = NULL;
	if (!ctlv(body, bl, &i, &tag, &v, &l) || tag != CT_DETAILS || l != 3)
		return VEUICC_ERR_MALFORMED;
	det = v;
	if (!ctlv(body, bl, &i, &tag, &v, &l) || tag != CT_DEV_IDS || l != 2)
		return VEUICC_ERR_MALFORMED;
	dev = v;
	uint8_t type = det[1];
	if (type != CMD_SETUP_EVT && type != CMD_TIMER && (type < CMD_OPEN || type > CMD_STATUS))
		return 0;
	if (cap < 5 + 255)
		return VEUICC_ERR_BUFFER_TOO_SMALL;
	const uint8_t *rest = body + i;
	size_t rn = bl - i;
	trw w = {tr + 5, 255, 0, false};
	const uint8_t ids[2] = {0x82, 0x81};
	put(&w, CT_DETAILS | CR, det, 3);
	put(&w, CT_DEV_IDS | CR, ids, 2);
	size_t res_at = w.n;
	const uint8_t zero = RES_OK;
	put(&w, CT_RESULT | CR, &zero, 1);
	uint8_t res = RES_OK;
	bool on_chan = dev[1] == 0x20 + CHAN_ID && t->open;
	switch (type) {
	case CMD_SETUP_EVT: break;
	case CMD_TIMER: {
		const uint8_t *id = NULL, *val = NULL;
		for (size_t k = 0; k < rn;)
			if (!ctlv(rest, rn, &k, &tag, &v, &l))
				break;
			else if (tag == CT_TIMER_ID && l == 1)
				id = v;
			else if (tag == CT_TIMER_VALUE && l == 3)
				val = v;
		if (!id || !*id || (det[2] == 0x00 && !val) || det[2] > 0x01) {
			res = !id || !*id ? RES_NOT_UNDER : RES_BEYOND; /* get value: not here */
			break;
		}
		if (det[2] == 0x00) { /* start */
			t->timer_id = *id;
			memcpy(t->timer_value, val, 3);
			t->timer_due = now_s() + timer_seconds(val);
			t->st.timers++;
		} else if (t->timer_id == *id) {
			t->timer_id = 0; /* deactivate */
		}
		put(&w, CT_TIMER_ID | CR, id, 1);
		break;
	}
	case CMD_OPEN: do_open(t, rest, rn, &w, &res); break;
	case CMD_CLOSE:
		if (!on_chan) {
			res = RES_BIP_ERROR;
			break;
		}
		chan_close(t);
		break;
	case CMD_SEND: {
		const uint8_t *d = NULL;
		size_t dl = 0;
		for (size_t k = 0; k < rn;)
			if (!ctlv(rest, rn, &k, &tag, &v, &l))
				break;
			else if (tag == CT_CHAN_DATA)
				d = v, dl = l;
		if (!on_chan || t->dropped || !d || !send_all(t, d, dl)) {
			res = RES_BIP_ERROR;
			break;
		}
		uint8_t free_b = avail_byte(t->bufsize); /* sent at once: all free */
		put(&w, CT_CHAN_LEN, &free_b, 1);
		break;
	}
	case CMD_RECEIVE: {
		int want = -1;
		for (size_t k = 0; k < rn;)
			if (!ctlv(rest, rn, &k, &tag, &v, &l))
				break;
			else if (tag == CT_CHAN_LEN && l == 1)
				want = v[0];
		if (!on_chan || want < 0) {
			res = RES_BIP_ERROR;
			break;
		}
		size_t give = (size_t)want < t->rx_len ? (size_t)want : t->rx_len;
		if (give > RECV_MAX)
			give = RECV_MAX;
		if (give < (size_t)want)
			res = RES_MISSING;
		put(&w, CT_CHAN_DATA, t->rx, give);
		memmove(t->rx, t->rx + give, t->rx_len - give);
		t->rx_len -= give;
		if (!t->rx_len)
			t->notified = false; /* the next data is announced again */
		uint8_t left = avail_byte(t->rx_len);
		put(&w, CT_CHAN_LEN, &left, 1);
		break;
	}
	case CMD_STATUS: {
		/* §8.56: the channel, its link up (b8) unless dropped; id 0: none */
		uint8_t cs[2] = {t->open ? (uint8_t)(t->dropped ? CHAN_ID : 0x80 | CHAN_ID) : 0x00,
		                 t->open && t->dropped ? LINK_DROPPED : 0x00};
		put(&w, CT_CHAN_STATUS, cs, 2);
		break;
	}
	default: res = RES_BEYOND; break;
	}
	if (w.err)
		return VEUICC_ERR_BUFFER_TOO_SMALL;
	w.b[res_at + 2] = res;
	tr[0] = 0x80;
	tr[1] = 0x14;
	tr[2] = tr[3] = 0x00;
	tr[4] = (uint8_t)w.n;
	*tr_len = 5 + w.n;
	t->st.commands++;
	return 1;
}

static int event(veuicc_bip_term *t, uint8_t evt, uint8_t *env, size_t cap, size_t *len)
{
	uint8_t *p = env + 5;
	if (cap < 5 + 2 + 15)
		return VEUICC_ERR_BUFFER_TOO_SMALL;
	size_t n = 2;
	bool down = evt == EVT_CHAN_STAT;
	const uint8_t body[] = {CT_EVENT_LIST | CR,
	                        1,
	                        evt,
	                        CT_DEV_IDS | CR,
	                        2,
	                        0x82,
	                        0x81,
	                        CT_CHAN_STATUS,
	                        2,
	                        (uint8_t)(down ? CHAN_ID : 0x80 | CHAN_ID),
	                        down ? LINK_DROPPED : 0x00};
	memcpy(p + n, body, sizeof(body));
	n += sizeof(body);
	if (evt == EVT_DATA_AVAIL) {
		p[n++] = CT_CHAN_LEN;
		p[n++] = 1;
		p[n++] = avail_byte(t->rx_len);
	}
	p[0] = TAG_EVENT;
	p[1] = (uint8_t)(n - 2);
	env[0] = 0x80;
	env[1] = 0xC2;
	env[2] = env[3] = 0x00;
	env[4] = (uint8_t)n;
	*len = 5 + n;
	t->st.envelopes++;
	return 1;
}

int veuicc_bip_term_poll(veuicc_bip_term *t, int timeout_ms, uint8_t *env, size_t cap,
                         size_t *env_len)
{
	if (!t || !env || !env_len)
		return VEUICC_ERR_INVALID_ARG;
	if (t->timer_id) {
		/* §7.4: the expiration of a running timer */
		double left = t->timer_due - now_s();
		if (left > 0 && !t->open) {
			int ms = left * 1000 < timeout_ms ? (int)(left * 1000) + 1 : timeout_ms;
			poll(NULL, 0, ms);
			left = t->timer_due - now_s();
		}
		if (left <= 0) {
			if (cap < 5 + 2 + 12)
				return VEUICC_ERR_BUFFER_TOO_SMALL;
			const uint8_t d7[] = {TAG_TIMER_EXP,
			                      12,
			                      CT_DEV_IDS | CR,
			                      2,
			                      0x82,
			                      0x81,
			                      CT_TIMER_ID | CR,
			                      1,
			                      t->timer_id,
			                      CT_TIMER_VALUE | CR,
			                      3,
			                      t->timer_value[0],
			                      t->timer_value[1],
			                      t->timer_value[2]};
			const uint8_t h[5] = {0x80, 0xC2, 0x00, 0x00, sizeof(d7)};
			memcpy(env, h, 5);
			memcpy(env + 5, d7, sizeof(d7));
			*env_len = 5 + sizeof(d7);
			t->timer_id = 0;
			t->st.envelopes++;
			return 1;
		}
	}
	if (!t->open)
		return 0;
	if (!t->dropped && t->rx_len < t->bufsize) {
		struct pollfd pfd = {t->fd, POLLIN, 0};
		int r = poll(&pfd, 1, t->rx_len && !t->notified ? 0 : timeout_ms);
		if (r > 0) {
			ssize_t k = recv(t->fd, t->rx + t->rx_len, t->bufsize - t->rx_len, 0);
			if (k > 0) {
				t->rx_len += (size_t)k;
				t->st.from_net += (size_t)k;
			} else if (k == 0 || (errno != EINTR && errno != EAGAIN)) {
				t->dropped = true; /* §7.5.11: told once the data is taken */
			}
		}
	}
	/* told once the ENVELOPE is written (not when \p cap is too small) */
	if (t->rx_len && !t->notified) {
		int rc = event(t, EVT_DATA_AVAIL, env, cap, env_len);
		t->notified = rc == 1;
		return rc;
	}
	if (t->dropped && !t->rx_len && !t->drop_told) {
		int rc = event(t, EVT_CHAN_STAT, env, cap, env_len);
		t->drop_told = rc == 1;
		return rc;
	}
	return 0;
}

/* C-APDU → R-APDU with GET RESPONSE after 61xx. */
static int xfer_all(veuicc_bip_xfer_fn xfer, void *ctx, const uint8_t *c, size_t cn, uint8_t *r,
                    size_t cap, size_t *rn)
{
	int rc = xfer(ctx, c, cn, r, cap, rn);
	for (int k = 0; !rc && *rn >= 2 && r[*rn - 2] == 0x61 && k < 64; k++) {
		uint8_t gr[5] = {0x00, 0xC0, 0x00, 0x00, r[*rn - 1]};
		rc = xfer(ctx, gr, sizeof(gr), r, cap, rn);
	}
	if (!rc && *rn < 2)
		rc = VEUICC_ERR_MALFORMED;
	return rc;
}

int veuicc_bip_term_run(veuicc_bip_term *t, veuicc_bip_xfer_fn xfer, void *xctx,
                        veuicc_bip_other_fn other, void *octx, uint16_t sw, int idle_ms)
{
	if (!t || !xfer)
		return VEUICC_ERR_INVALID_ARG;
	uint8_t *r = malloc(VEUICC_RAPDU_MAX);
	uint8_t c[5 + 256];
	if (!r)
		return VEUICC_ERR_NO_MEMORY;
	int rc = VEUICC_OK;
	size_t rn = 0, cn = 0;
	int idle = 0;
	for (;;) {
		if ((sw >> 8) == 0x91) {
			uint8_t f[5] = {0x80, 0x12, 0x00, 0x00, (uint8_t)sw};
			rc = xfer_all(xfer, xctx, f, sizeof(f), r, VEUICC_RAPDU_MAX, &rn);
			if (rc)
				break;
			int h = veuicc_bip_term_proactive(t, r, rn - 2, c, sizeof(c), &cn);
			if (h == 0 && other) {
				rc = other(octx, r, rn - 2, c, sizeof(c), &cn);
				if (rc)
					break;
			} else if (h <= 0) {
				/* not ours: "beyond the terminal's capabilities" */
				const uint8_t *d = r + 2 + (r[1] == 0x81);
				uint8_t tr[] = {0x80, 0x14, 0x00, 0x00, 12,        0x81,
				                0x03, d[2], d[3], d[4], 0x82,      0x02,
				                0x82, 0x81, 0x83, 0x01, RES_BEYOND};
				if (rn < 9) {
					rc = VEUICC_ERR_MALFORMED;
					break;
				}
				memcpy(c, tr, sizeof(tr));
				cn = sizeof(tr);
			}
		} else if (t->open || t->timer_id) {
			int p = veuicc_bip_term_poll(t, 20, c, sizeof(c), &cn);
			if (p < 0) {
				rc = p;
				break;
			}
			if (p == 0) {
				if ((idle += 20) >= idle_ms) {
					rc = VEUICC_ERR_STATE;
					break;
				}
				continue;
			}
		} else {
			break; /* closed, nothing pending */
		}
		idle = 0;
		rc = xfer_all(xfer, xctx, c, cn, r, VEUICC_RAPDU_MAX, &rn);
		if (rc)
			break;
		sw = (uint16_t)(r[rn - 2] << 8 | r[rn - 1]);
	}
	free(r);
	return rc;
}
