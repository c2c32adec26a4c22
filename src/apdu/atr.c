/* SPDX-License-Identifier: Apache-2.0 */
#include "apdu/atr.h"

#include <string.h>

#include "veuicc/veuicc.h"

/*
 * Default ATR (ISO 7816-3 §8.2, TS 102 221 §6.3):
 *   3B        TS  direct convention
 *   9B        T0  TA1 and TD1 follow; K = 11 historical bytes
 *   96        TA1 Fi = 512, Di = 32
 *   80        TD1 TD2 follows; T=0 (offered first: pySim and lpac use T=0 only)
 *   91        TD2 TA3 and TD3 follow; T=1
 *   FE        TA3 IFSC = 254 (T=1)
 *   1F        TD3 TA4 follows; T=15 (global interface bytes)
 *   C7        TA4 clock stop: no preference; classes A, B and C (TS 102 221 §6.3.3)
 *   historical bytes (ISO 7816-4 §8.1.1), category 80 + COMPACT-TLV:
 *   31 E0     card service data: selection by full and partial DF name, EF.DIR/ATR
 *   73 FE 21 DF  card capabilities: selection methods; data coding 21; byte 3 DF =
 *             command chaining, extended Lc/Le, logical channels assigned by card
 *             and terminal, 8 or more channels
 *   83 00 90 00  status indicator: LCS 00, SW 9000
 *   TCK       mandatory because T=1 and T=15 are indicated
 */
static const uint8_t default_atr[] = {0x3B, 0x9B, 0x96, 0x80, 0x91, 0xFE, 0x1F, 0xC7, 0x80, 0x31,
                                      0xE0, 0x73, 0xFE, 0x21, 0xDF, 0x83, 0x00, 0x90, 0x00};

size_t veuicc_atr_default(uint8_t *buf)
{
	size_t n = sizeof(default_atr);
	uint8_t tck = 0;
	memcpy(buf, default_atr, n);
	for (size_t i = 1; i < n; i++)
		tck ^= buf[i];
	buf[n] = tck;
	return n + 1;
}

static unsigned popcount4(unsigned v)
{
	return (v & 1) + ((v >> 1) & 1) + ((v >> 2) & 1) + ((v >> 3) & 1);
}

int veuicc_atr_parse(const uint8_t *atr, size_t len, veuicc_atr_info *out)
{
	veuicc_atr_info info;
	memset(&info, 0, sizeof(info));
	if (!atr || len < 2 || len > VEUICC_ATR_MAX || (atr[0] != 0x3B && atr[0] != 0x3F))
		return VEUICC_ERR_MALFORMED;
	size_t pos = 1;
	uint8_t y = atr[1] >> 4;
	info.hist_len = atr[1] & 0x0F;
	pos = 2;
	int seen_td = 0;
	info.first_protocol = 0;
	for (;;) {
		/* Y(i) says which of TA, TB, TC, TD follow */
		size_t n = popcount4(y);
		if (pos + n > len)
			return VEUICC_ERR_MALFORMED;
		pos += n;
		if (!(y & 0x8))
			break;
		uint8_t td = atr[pos - 1];
		unsigned t = td & 0x0F;
		if (!seen_td)
			info.first_protocol = (int)t;
		seen_td = 1;
		info.protocols |= 1u << t;
		y = td >> 4;
	}
	if (!seen_td)
		info.protocols = 1u; /* no TD1: T=0 only */
	info.hist_off = pos;
	pos += info.hist_len;
	if (pos > len)
		return VEUICC_ERR_MALFORMED;
	/* TCK is absent only if T=0 alone is indicated (ISO 7816-3 §8.2.5) */
	info.has_tck = (info.protocols & ~1u) != 0;
	if (info.has_tck) {
		if (pos + 1 != len)
			return VEUICC_ERR_MALFORMED;
		uint8_t x = 0;
		for (size_t i = 1; i < len; i++)
			x ^= atr[i];
		if (x)
			return VEUICC_ERR_MALFORMED;
	} else if (pos != len) {
		return VEUICC_ERR_MALFORMED;
	}
	if (out)
		*out = info;
	return VEUICC_OK;
}
