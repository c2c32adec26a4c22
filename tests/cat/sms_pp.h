/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The SMS-PP download ENVELOPE the CAT and OTA tests send, built by hand
 * from the specs (not with the card's own code): ENVELOPE (TS 102 221
 * §10.1.1, INS C2) { D1 (TS 102 223 §7.1.1.2) { device identities, [address],
 * 8B SMS TPDU } }, the TPDU an SMS-DELIVER (TS 23.040 §9.2.2.1) with UDHI,
 * TP-OA 4 digits 1234 (international), PID 7F (USIM data download), DCS F6.
 */
#ifndef VEUICC_TESTS_CAT_SMS_PP_H
#define VEUICC_TESTS_CAT_SMS_PP_H

#include <string.h>

#include "apdu/card_helpers.h"

/* The D1 objects before the TPDU: device identities network -> UICC. */
#define SMS_PP_DEVICES "82 02 83 81"
/* The same with the SMSC address 1234 (international). */
#define SMS_PP_DEVICES_SMSC "82 02 83 81 86 03 91 2143"

/* ENVELOPE(SMS-PP download) with the D1 objects `devices` (hex), the UDH
 * `udh` (hex, with its length byte) and `len` bytes of `ud`; Le 00 appended
 * when `le`. Returns the C-APDU length. */
static inline size_t sms_pp_envelope(const char *devices, const char *udh, const uint8_t *ud,
                                     size_t len, int le, uint8_t *apdu)
{
	uint8_t tpdu[200];
	size_t n = th_unhex("40 04912143 7F F6 00112912000004", tpdu, sizeof(tpdu));
	size_t udl_at = n++;
	n += th_unhex(udh, tpdu + n, sizeof(tpdu) - n);
	assert_true(n + len <= sizeof(tpdu));
	memcpy(tpdu + n, ud, len);
	n += len;
	tpdu[udl_at] = (uint8_t)(n - udl_at - 1);
	assert_true(n - udl_at - 1 <= 140);
	uint8_t d1[255];
	size_t m = th_unhex(devices, d1, sizeof(d1));
	d1[m++] = 0x8B;
	if (n >= 0x80)
		d1[m++] = 0x81; /* TS 102 223 Annex C: two-byte length */
	d1[m++] = (uint8_t)n;
	memcpy(d1 + m, tpdu, n);
	m += n;
	size_t a = th_unhex("80 C2 00 00", apdu, 8);
	apdu[a++] = (uint8_t)(m + (m >= 0x80 ? 3 : 2));
	apdu[a++] = 0xD1;
	if (m >= 0x80)
		apdu[a++] = 0x81;
	apdu[a++] = (uint8_t)m;
	memcpy(apdu + a, d1, m);
	a += m;
	if (le)
		apdu[a++] = 0x00;
	return a;
}

#endif
