/* SPDX-License-Identifier: Apache-2.0 */
/* APDU trace writer: pcap + IPv4 + UDP + GSMTAP SIM (see trace.h). */
#include "pcsc/trace.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "veuicc/veuicc.h"

/* pcap file format (draft-ietf-opsawg-pcap §4): microsecond timestamps. */
#define PCAP_MAGIC         0xa1b2c3d4u
#define PCAP_VERSION_MAJOR 2
#define PCAP_VERSION_MINOR 4
#define PCAP_SNAPLEN       65535u
/* tcpdump.org link-layer header types: LINKTYPE_RAW, the packet is IPv4/IPv6. */
#define PCAP_LINKTYPE_RAW 101u

/* RFC 791 and RFC 768. */
#define IPV4_HDR_LEN   20
#define IPV4_MAX_TOTAL 65535u
#define IPV4_PROTO_UDP 17
#define IPV4_TTL       64
#define UDP_HDR_LEN    8
#define TRACE_SRC_IP   0x7f000001u /* 127.0.0.1: the reader */
#define TRACE_DST_IP   0x7f000002u /* 127.0.0.2: the card */
#define TRACE_SRC_PORT 4729u
/* IANA service name "gsmtap". */
#define GSMTAP_UDP_PORT 4729u

/* GSMTAP header (osmocom libosmocore include/osmocom/core/gsmtap.h):
 * version, hdr_len in 32-bit words, type, timeslot, arfcn(2), signal_dbm,
 * snr_db, frame_number(4), sub_type, antenna_nr, sub_slot, res. */
#define GSMTAP_VERSION      0x02
#define GSMTAP_HDR_LEN      16
#define GSMTAP_TYPE_SIM     0x04
#define GSMTAP_SIM_SUB_APDU 0x00

#define TRACE_HDRS (IPV4_HDR_LEN + UDP_HDR_LEN + GSMTAP_HDR_LEN)

struct veuicc_pcsc_trace {
	FILE *f;
	uint32_t seq; /* IPv4 identification and GSMTAP frame number */
	uint8_t *buf; /* one packet: headers + payload */
};

static void put_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static void put_le16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put_be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* RFC 791 §3.1: one's complement sum of the header's 16-bit words. */
static uint16_t ipv4_checksum(const uint8_t *h)
{
	uint32_t sum = 0;
	for (int i = 0; i < IPV4_HDR_LEN; i += 2)
		sum += (uint32_t)(h[i] << 8 | h[i + 1]);
	while (sum >> 16)
		sum = (sum & 0xffffu) + (sum >> 16);
	return (uint16_t)~sum;
}

int veuicc_pcsc_trace_open(const char *path, veuicc_pcsc_trace **out)
{
	if (path == NULL || out == NULL)
		return VEUICC_ERR_INVALID_ARG;
	*out = NULL;
	veuicc_pcsc_trace *t = calloc(1, sizeof(*t));
	if (t == NULL)
		return VEUICC_ERR_NO_MEMORY;
	t->buf = malloc(IPV4_MAX_TOTAL);
	if (t->buf == NULL) {
		free(t);
		return VEUICC_ERR_NO_MEMORY;
	}
	t->f = fopen(path, "wb");
	if (t->f == NULL) {
		free(t->buf);
		free(t);
		return VEUICC_ERR_IO;
	}
	uint8_t gh[24];
	put_le32(gh, PCAP_MAGIC);
	put_le16(gh + 4, PCAP_VERSION_MAJOR);
	put_le16(gh + 6, PCAP_VERSION_MINOR);
	put_le32(gh + 8, 0);  /* thiszone */
	put_le32(gh + 12, 0); /* sigfigs */
	put_le32(gh + 16, PCAP_SNAPLEN);
	put_le32(gh + 20, PCAP_LINKTYPE_RAW);
	if (fwrite(gh, 1, sizeof(gh), t->f) != sizeof(gh) || fflush(t->f) != 0) {
		veuicc_pcsc_trace_close(t);
		return VEUICC_ERR_IO;
	}
	*out = t;
	return VEUICC_OK;
}

int veuicc_pcsc_trace_apdu(veuicc_pcsc_trace *t, const uint8_t *capdu, size_t capdu_len,
                           const uint8_t *rapdu, size_t rapdu_len)
{
	if (t == NULL || (capdu == NULL && capdu_len > 0) || (rapdu == NULL && rapdu_len > 0))
		return VEUICC_ERR_INVALID_ARG;

	const size_t room = IPV4_MAX_TOTAL - TRACE_HDRS;
	size_t c = capdu_len < room ? capdu_len : room;
	size_t r = rapdu_len < room - c ? rapdu_len : room - c;
	const size_t total = TRACE_HDRS + c + r;
	uint8_t *p = t->buf;
	t->seq++;

	/* RFC 791 §3.1 */
	memset(p, 0, TRACE_HDRS);
	p[0] = 0x45; /* version 4, IHL 5 words */
	put_be16(p + 2, (uint16_t)total);
	put_be16(p + 4, (uint16_t)t->seq);
	p[6] = 0x40; /* don't fragment */
	p[8] = IPV4_TTL;
	p[9] = IPV4_PROTO_UDP;
	put_be32(p + 12, TRACE_SRC_IP);
	put_be32(p + 16, TRACE_DST_IP);
	put_be16(p + 10, ipv4_checksum(p));

	/* RFC 768: checksum 0 means none was computed. */
	uint8_t *u = p + IPV4_HDR_LEN;
	put_be16(u, TRACE_SRC_PORT);
	put_be16(u + 2, GSMTAP_UDP_PORT);
	put_be16(u + 4, (uint16_t)(total - IPV4_HDR_LEN));

	uint8_t *g = u + UDP_HDR_LEN;
	g[0] = GSMTAP_VERSION;
	g[1] = GSMTAP_HDR_LEN / 4;
	g[2] = GSMTAP_TYPE_SIM;
	put_be32(g + 8, t->seq);
	g[12] = GSMTAP_SIM_SUB_APDU;

	if (c > 0)
		memcpy(p + TRACE_HDRS, capdu, c);
	if (r > 0)
		memcpy(p + TRACE_HDRS + c, rapdu, r);

	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	uint8_t rh[16];
	put_le32(rh, (uint32_t)ts.tv_sec);
	put_le32(rh + 4, (uint32_t)(ts.tv_nsec / 1000));
	put_le32(rh + 8, (uint32_t)total);
	put_le32(rh + 12, (uint32_t)total);
	if (fwrite(rh, 1, sizeof(rh), t->f) != sizeof(rh) || fwrite(p, 1, total, t->f) != total ||
	    fflush(t->f) != 0)
		return VEUICC_ERR_IO;
	return VEUICC_OK;
}

void veuicc_pcsc_trace_close(veuicc_pcsc_trace *t)
{
	if (t == NULL)
		return;
	if (t->f != NULL)
		fclose(t->f);
	free(t->buf);
	free(t);
}
