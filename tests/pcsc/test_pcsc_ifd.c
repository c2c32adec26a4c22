/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The IFD handler called in-process the way pcscd calls it
 * (PCSC/ifdhandler.h v3): channels by DEVICENAME, capabilities, power,
 * protocol, transmit, presence, control codes, the polling function, traces,
 * and every kind of bad input. The pcscd integration tests
 * (test_pcscd_*.sh) cover the same driver inside a real pcscd.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include <ifdhandler.h>
#include <reader.h>

#include "pcsc/ifd_veuicc.h"
#include "veuicc/veuicc.h"
#include "test_tmp.h"

#define LUN_A 0x00000000ul
#define LUN_B 0x00010000ul
#define LUN_X 0x00420000ul /* never opened */

#define EID_A "89049032123451234512345678901235"
#define EID_B "89044045116727494800000004479366"

/* SGP.02 §2.2.1: SELECT ISD-R by AID, case 4 (T=0 form: no Le). */
static const uint8_t select_isdr[] = {0x00, 0xA4, 0x04, 0x00, 0x10, 0xA0, 0x00,
                                      0x00, 0x05, 0x59, 0x10, 0x10, 0xFF, 0xFF,
                                      0xFF, 0xFF, 0x89, 0x00, 0x00, 0x01, 0x00};

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static SCARD_IO_HEADER pci(DWORD t)
{
	SCARD_IO_HEADER h = {.Protocol = t, .Length = sizeof(SCARD_IO_HEADER)};
	return h;
}

static RESPONSECODE power_up(DWORD lun, UCHAR *atr, DWORD *atr_len)
{
	return IFDHPowerICC(lun, IFD_POWER_UP, atr, atr_len);
}

static RESPONSECODE xmit(DWORD lun, const uint8_t *c, size_t cn, uint8_t *r, DWORD *rn)
{
	SCARD_IO_HEADER recv;
	return IFDHTransmitToICC(lun, pci(0), (PUCHAR)c, (DWORD)cn, r, rn, &recv);
}

static uint8_t get_byte_cap(DWORD lun, DWORD tag)
{
	UCHAR v[8];
	DWORD n = sizeof(v);
	assert_int_equal(IFDHGetCapabilities(lun, tag, &n, v), IFD_SUCCESS);
	assert_int_equal(n, 1);
	return v[0];
}

static void test_refused_devicenames(void **state)
{
	(void)state;
	char bad1[] = "veuicc:colour=blue";
	char bad2[] = "/dev/null:0x8C7B";
	char bad3[] = "veuicc:state=/proc/veuicc/card.db";           /* cannot be created */
	char bad4[] = "veuicc:eid=89049032123451234512345678901234"; /* check digits */
	assert_int_equal(IFDHCreateChannelByName(LUN_A, bad1), IFD_COMMUNICATION_ERROR);
	assert_int_equal(IFDHCreateChannelByName(LUN_A, bad2), IFD_COMMUNICATION_ERROR);
	assert_int_equal(IFDHCreateChannelByName(LUN_A, bad3), IFD_COMMUNICATION_ERROR);
	assert_int_equal(IFDHCreateChannelByName(LUN_A, bad4), IFD_COMMUNICATION_ERROR);
	char bad5[] = "veuicc:profile=/nonexistent/profile.der";
	assert_int_equal(IFDHCreateChannelByName(LUN_A, bad5), IFD_COMMUNICATION_ERROR);
	assert_int_equal(IFDHCreateChannelByName(LUN_A, NULL), IFD_COMMUNICATION_ERROR);
	/* nothing was opened */
	assert_int_equal(IFDHICCPresence(LUN_A), IFD_COMMUNICATION_ERROR);
	assert_int_equal(IFDHCloseChannel(LUN_A), IFD_COMMUNICATION_ERROR);
}

static void test_unknown_lun(void **state)
{
	(void)state;
	UCHAR buf[300];
	DWORD n = sizeof(buf), got = 0;
	assert_int_equal(IFDHICCPresence(LUN_X), IFD_COMMUNICATION_ERROR);
	assert_int_equal(power_up(LUN_X, buf, &n), IFD_COMMUNICATION_ERROR);
	n = sizeof(buf);
	assert_int_equal(xmit(LUN_X, select_isdr, sizeof(select_isdr), buf, &n),
	                 IFD_COMMUNICATION_ERROR);
	assert_int_equal(n, 0);
	assert_int_equal(IFDHSetProtocolParameters(LUN_X, SCARD_PROTOCOL_T0, 0, 0, 0, 0),
	                 IFD_COMMUNICATION_ERROR);
	assert_int_equal(IFDHControl(LUN_X, VEUICC_IFD_CTL_STATUS, NULL, 0, buf, sizeof(buf), &got),
	                 IFD_COMMUNICATION_ERROR);
	n = sizeof(buf);
	assert_int_equal(IFDHGetCapabilities(LUN_X, TAG_IFD_ATR, &n, buf), IFD_COMMUNICATION_ERROR);
}

static void test_capabilities(void **state)
{
	(void)state;
	char dn[] = "veuicc:name=cap";
	assert_int_equal(IFDHCreateChannelByName(LUN_A, dn), IFD_SUCCESS);
	assert_int_equal(IFDHCreateChannelByName(LUN_A, dn), IFD_COMMUNICATION_ERROR);
	assert_int_equal(get_byte_cap(LUN_A, TAG_IFD_SLOTS_NUMBER), 1);
	assert_int_equal(get_byte_cap(LUN_A, TAG_IFD_SIMULTANEOUS_ACCESS), VEUICC_IFD_MAX_READERS);
	assert_int_equal(get_byte_cap(LUN_A, TAG_IFD_THREAD_SAFE), 1);
	assert_int_equal(get_byte_cap(LUN_A, TAG_IFD_POLLING_THREAD_KILLABLE), 0);

	UCHAR v[64];
	DWORD n = sizeof(v);
	assert_int_equal(IFDHGetCapabilities(LUN_A, TAG_IFD_POLLING_THREAD_WITH_TIMEOUT, &n, v),
	                 IFD_SUCCESS);
	assert_int_equal(n, sizeof(void (*)(void)));
	n = sizeof(v);
	assert_int_equal(IFDHGetCapabilities(LUN_A, SCARD_ATTR_VENDOR_NAME, &n, v), IFD_SUCCESS);
	assert_string_equal((char *)v, "veuicc");
	n = 3;
	assert_int_equal(IFDHGetCapabilities(LUN_A, SCARD_ATTR_VENDOR_NAME, &n, v),
	                 IFD_ERROR_INSUFFICIENT_BUFFER);
	assert_int_equal(n, 0);
	n = sizeof(v);
	assert_int_equal(IFDHGetCapabilities(LUN_A, SCARD_ATTR_VENDOR_IFD_SERIAL_NO, &n, v),
	                 IFD_SUCCESS);
	assert_int_equal(n, 32);
	/* the default EID: SGP.26 test EID */
	assert_memory_equal(v, EID_A, 32);
	n = sizeof(v);
	assert_int_equal(IFDHGetCapabilities(LUN_A, 0x7FFF, &n, v), IFD_ERROR_TAG);
	assert_int_equal(IFDHGetCapabilities(LUN_A, TAG_IFD_ATR, NULL, v), IFD_COMMUNICATION_ERROR);
	assert_int_equal(IFDHSetCapabilities(LUN_A, TAG_IFD_ATR, 1, v), IFD_ERROR_TAG);

	/* unpowered: empty ATR */
	n = sizeof(v);
	assert_int_equal(IFDHGetCapabilities(LUN_A, TAG_IFD_ATR, &n, v), IFD_SUCCESS);
	assert_int_equal(n, 0);
	assert_int_equal(IFDHCloseChannel(LUN_A), IFD_SUCCESS);
	assert_int_equal(IFDHCloseChannel(LUN_A), IFD_COMMUNICATION_ERROR);
}

/* ISO 7816-3 §8.2: walk the interface bytes; T=0 and T=1 offered, TCK valid. */
static void check_atr_offers_t0_t1(const UCHAR *atr, DWORD n)
{
	assert_true(n >= 2 && atr[0] == 0x3B);
	unsigned protocols = 0, first = 99;
	size_t pos = 1;
	uint8_t y = atr[1] >> 4;
	for (;;) {
		size_t k = (size_t)__builtin_popcount(y);
		pos += k;
		assert_true(pos < n);
		if (!(y & 0x8))
			break;
		uint8_t td = atr[pos];
		if (first == 99)
			first = td & 0x0F;
		protocols |= 1u << (td & 0x0F);
		y = td >> 4;
	}
	assert_int_equal(first, 0);
	assert_true(protocols & 1u);
	assert_true(protocols & 2u);
	uint8_t x = 0;
	for (DWORD i = 1; i < n; i++)
		x ^= atr[i];
	assert_int_equal(x, 0); /* §8.2.5 TCK */
}

static void test_power_and_transmit(void **state)
{
	(void)state;
	char dn[] = "veuicc:name=pt,seed=7";
	assert_int_equal(IFDHCreateChannelByName(LUN_A, dn), IFD_SUCCESS);
	assert_int_equal(IFDHICCPresence(LUN_A), IFD_ICC_PRESENT);

	UCHAR atr[MAX_ATR_SIZE];
	DWORD atr_len = 0;
	assert_int_equal(power_up(LUN_A, atr, &atr_len), IFD_SUCCESS);
	check_atr_offers_t0_t1(atr, atr_len);
	/* the driver passes the library's ATR through unchanged */
	veuicc_card *ref;
	assert_int_equal(veuicc_card_new(NULL, &ref), VEUICC_OK);
	uint8_t ref_atr[VEUICC_ATR_MAX];
	size_t ref_len;
	assert_int_equal(veuicc_reset(ref, VEUICC_RESET_COLD, ref_atr, &ref_len), VEUICC_OK);
	veuicc_card_free(ref);
	assert_int_equal(atr_len, ref_len);
	assert_memory_equal(atr, ref_atr, ref_len);

	UCHAR v[64];
	DWORD n = sizeof(v);
	assert_int_equal(IFDHGetCapabilities(LUN_A, TAG_IFD_ATR, &n, v), IFD_SUCCESS);
	assert_int_equal(n, atr_len);
	assert_memory_equal(v, atr, n);
	n = sizeof(v);
	assert_int_equal(IFDHGetCapabilities(LUN_A, SCARD_ATTR_ATR_STRING, &n, v), IFD_SUCCESS);
	assert_memory_equal(v, atr, n);

	/* T=0 (TS 102 221 §7.3.1.1.4): case 4 → 61xx, GET RESPONSE → FCI */
	uint8_t r[300];
	DWORD rn = sizeof(r);
	assert_int_equal(xmit(LUN_A, select_isdr, sizeof(select_isdr), r, &rn), IFD_SUCCESS);
	assert_int_equal(rn, 2);
	assert_int_equal(r[0], 0x61);
	uint8_t gr[5] = {0x00, 0xC0, 0x00, 0x00, r[1]};
	rn = sizeof(r);
	assert_int_equal(xmit(LUN_A, gr, sizeof(gr), r, &rn), IFD_SUCCESS);
	assert_int_equal(rn, gr[4] + 2u);
	assert_int_equal(r[0], 0x6F);
	assert_int_equal(r[rn - 2], 0x90);
	assert_int_equal(r[rn - 1], 0x00);

	/* PTS to T=1: case 4 with Le answers the FCI directly */
	assert_int_equal(IFDHSetProtocolParameters(LUN_A, SCARD_PROTOCOL_T1, 0, 0, 0, 0),
	                 IFD_SUCCESS);
	n = sizeof(v);
	assert_int_equal(IFDHGetCapabilities(LUN_A, SCARD_ATTR_CURRENT_PROTOCOL_TYPE, &n, v),
	                 IFD_SUCCESS);
	assert_int_equal(v[0], SCARD_PROTOCOL_T1);
	uint8_t sel_le[sizeof(select_isdr) + 1];
	memcpy(sel_le, select_isdr, sizeof(select_isdr));
	sel_le[sizeof(select_isdr)] = 0x00;
	rn = sizeof(r);
	assert_int_equal(xmit(LUN_A, sel_le, sizeof(sel_le), r, &rn), IFD_SUCCESS);
	assert_true(rn > 2);
	assert_int_equal(r[0], 0x6F);
	assert_int_equal(r[rn - 2] << 8 | r[rn - 1], 0x9000);
	assert_int_equal(IFDHSetProtocolParameters(LUN_A, 4 /* T=15 */, 0, 0, 0, 0),
	                 IFD_PROTOCOL_NOT_SUPPORTED);

	/* warm reset: same ATR, back to T=0 */
	atr_len = 0;
	assert_int_equal(IFDHPowerICC(LUN_A, IFD_RESET, v, &atr_len), IFD_SUCCESS);
	assert_int_equal(atr_len, ref_len);
	assert_memory_equal(v, atr, atr_len);
	rn = sizeof(r);
	assert_int_equal(xmit(LUN_A, select_isdr, sizeof(select_isdr), r, &rn), IFD_SUCCESS);
	assert_int_equal(r[0], 0x61);
	assert_int_equal(IFDHPowerICC(LUN_A, 999, v, &atr_len), IFD_NOT_SUPPORTED);
	assert_int_equal(IFDHCloseChannel(LUN_A), IFD_SUCCESS);
}

/* VEUICC_PCSC_DEBUG=1 logs every APDU: long ones are cut, never overrun. */
static void test_debug_log(void **state)
{
	(void)state;
	setenv(VEUICC_IFD_ENV_DEBUG, "1", 1);
	char dn[] = "veuicc:name=dbg";
	RESPONSECODE rc = IFDHCreateChannelByName(LUN_A, dn);
	unsetenv(VEUICC_IFD_ENV_DEBUG);
	assert_int_equal(rc, IFD_SUCCESS);
	UCHAR atr[MAX_ATR_SIZE];
	DWORD atr_len;
	assert_int_equal(power_up(LUN_A, atr, &atr_len), IFD_SUCCESS);
	/* SELECT by DF name with 255 bytes of AID: no such application */
	uint8_t c[5 + 255];
	memset(c, 0xA5, sizeof(c));
	c[0] = 0x00;
	c[1] = 0xA4;
	c[2] = 0x04;
	c[3] = 0x00;
	c[4] = 0xFF;
	uint8_t r[300];
	DWORD rn = sizeof(r);
	assert_int_equal(xmit(LUN_A, c, sizeof(c), r, &rn), IFD_SUCCESS);
	assert_int_equal(rn, 2);
	assert_int_equal(r[0] & 0xF0, 0x60);
	assert_int_equal(IFDHSetProtocolParameters(LUN_A, SCARD_PROTOCOL_T1, 0, 0, 0, 0),
	                 IFD_SUCCESS);
	assert_int_equal(IFDHCloseChannel(LUN_A), IFD_SUCCESS);
}

/* fault= (docs/testbench.md): the first SELECT is answered 6A82 without
 * running, the driver waits latency:MS before every APDU, and each fault
 * logs its line through the driver's log (stderr). */
static void test_devname_faults(void **state)
{
	(void)state;
	char logpath[512];
	snprintf(logpath, sizeof(logpath), "%s/veuicc-ifd-fault-%ld.log", test_tmp_dir(),
	         (long)getpid());
	fflush(stderr);
	int saved = dup(2);
	FILE *lf = freopen(logpath, "w", stderr);
	assert_non_null(lf);
	char dn[] = "veuicc:name=flt,fault=sw:6A82:00A4:1;latency:120";
	assert_int_equal(IFDHCreateChannelByName(LUN_A, dn), IFD_SUCCESS);
	UCHAR atr[MAX_ATR_SIZE];
	DWORD atr_len;
	assert_int_equal(power_up(LUN_A, atr, &atr_len), IFD_SUCCESS);
	uint8_t r[300];
	DWORD rn = sizeof(r);
	double t0 = now_s();
	assert_int_equal(xmit(LUN_A, select_isdr, sizeof(select_isdr), r, &rn), IFD_SUCCESS);
	double t1 = now_s();
	assert_int_equal(rn, 2);
	assert_int_equal(r[0] << 8 | r[1], 0x6A82);
	rn = sizeof(r);
	assert_int_equal(xmit(LUN_A, select_isdr, sizeof(select_isdr), r, &rn), IFD_SUCCESS);
	double t2 = now_s();
	assert_int_equal(r[0], 0x61); /* T=0: the FCI waits for GET RESPONSE */
	assert_int_equal(IFDHCloseChannel(LUN_A), IFD_SUCCESS);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	assert_true(t1 - t0 >= 0.119);
	assert_true(t2 - t1 >= 0.119);
	FILE *f = fopen(logpath, "r");
	assert_non_null(f);
	char log[4096] = "";
	size_t n = fread(log, 1, sizeof(log) - 1, f);
	log[n] = '\0';
	fclose(f);
	unlink(logpath);
	assert_non_null(strstr(log, "[flt] faults armed: sw:6A82:00A4:1;latency:120"));
	assert_non_null(strstr(log, "[flt] veuicc fault: latency 120 ms before APDU 1\n"));
	assert_non_null(strstr(
	    log, "[flt] veuicc fault: APDU 1 (00 A4 04 00, match 1) answered 6A82, not run"));
	assert_non_null(strstr(log, "[flt] veuicc fault: latency 120 ms before APDU 2\n"));
	assert_null(strstr(log, "APDU 2 (")); /* fired once */
	/* cut: needs a card file */
	char bad[] = "veuicc:name=flt,fault=cut:1";
	assert_int_equal(IFDHCreateChannelByName(LUN_A, bad), IFD_COMMUNICATION_ERROR);
}

static void test_bad_transmits(void **state)
{
	(void)state;
	char dn[] = "veuicc:name=bad";
	assert_int_equal(IFDHCreateChannelByName(LUN_A, dn), IFD_SUCCESS);
	UCHAR atr[MAX_ATR_SIZE];
	DWORD atr_len;
	uint8_t r[300];
	DWORD rn = sizeof(r);

	/* powered off: never powered up */
	assert_int_equal(xmit(LUN_A, select_isdr, sizeof(select_isdr), r, &rn),
	                 IFD_COMMUNICATION_ERROR);
	assert_int_equal(rn, 0);
	assert_int_equal(IFDHSetProtocolParameters(LUN_A, SCARD_PROTOCOL_T1, 0, 0, 0, 0),
	                 IFD_COMMUNICATION_ERROR);
	assert_int_equal(power_up(LUN_A, atr, &atr_len), IFD_SUCCESS);
	assert_int_equal(power_up(LUN_A, NULL, &atr_len), IFD_COMMUNICATION_ERROR);

	/* zero-length APDU */
	rn = sizeof(r);
	assert_int_equal(xmit(LUN_A, select_isdr, 0, r, &rn), IFD_COMMUNICATION_ERROR);
	assert_int_equal(rn, 0);
	/* NULL buffers */
	rn = sizeof(r);
	assert_int_equal(xmit(LUN_A, NULL, 5, r, &rn), IFD_COMMUNICATION_ERROR);
	SCARD_IO_HEADER recv;
	assert_int_equal(IFDHTransmitToICC(LUN_A, pci(0), (PUCHAR)select_isdr, 5, r, NULL, &recv),
	                 IFD_COMMUNICATION_ERROR);
	/* response buffer too small: the answer is 61xx, two bytes */
	rn = 1;
	assert_int_equal(xmit(LUN_A, select_isdr, sizeof(select_isdr), r, &rn),
	                 IFD_ERROR_INSUFFICIENT_BUFFER);
	assert_int_equal(rn, 0);
	/* a malformed but non-empty command gets a status word, not an error */
	static const uint8_t three[] = {0x00, 0xA4, 0x04};
	rn = sizeof(r);
	assert_int_equal(xmit(LUN_A, three, sizeof(three), r, &rn), IFD_SUCCESS);
	assert_int_equal(rn, 2);
	assert_int_equal(r[0] & 0xF0, 0x60);

	/* power down, then transmit */
	assert_int_equal(IFDHPowerICC(LUN_A, IFD_POWER_DOWN, atr, &atr_len), IFD_SUCCESS);
	assert_int_equal(atr_len, 0);
	rn = sizeof(r);
	assert_int_equal(xmit(LUN_A, select_isdr, sizeof(select_isdr), r, &rn),
	                 IFD_COMMUNICATION_ERROR);
	assert_int_equal(rn, 0);
	/* IFD_RESET of an unpowered card powers it up */
	atr_len = 0;
	assert_int_equal(IFDHPowerICC(LUN_A, IFD_RESET, atr, &atr_len), IFD_SUCCESS);
	assert_true(atr_len > 0);
	assert_int_equal(IFDHCloseChannel(LUN_A), IFD_SUCCESS);
}

static RESPONSECODE (*poll_fn(DWORD lun))(DWORD, int)
{
	RESPONSECODE (*fn)(DWORD, int) = NULL;
	DWORD n = sizeof(fn);
	assert_int_equal(
	    IFDHGetCapabilities(lun, TAG_IFD_POLLING_THREAD_WITH_TIMEOUT, &n, (PUCHAR)&fn),
	    IFD_SUCCESS);
	return fn;
}

static RESPONSECODE (*stop_fn(DWORD lun))(DWORD)
{
	RESPONSECODE (*fn)(DWORD) = NULL;
	DWORD n = sizeof(fn);
	assert_int_equal(IFDHGetCapabilities(lun, TAG_IFD_STOP_POLLING_THREAD, &n, (PUCHAR)&fn),
	                 IFD_SUCCESS);
	return fn;
}

static void test_presence_and_control(void **state)
{
	(void)state;
	char dn[] = "veuicc:name=ctl,present=0,eid=" EID_B;
	assert_int_equal(IFDHCreateChannelByName(LUN_B, dn), IFD_SUCCESS);
	UCHAR buf[64], atr[MAX_ATR_SIZE];
	DWORD got = 0, atr_len = 0;

	assert_int_equal(IFDHICCPresence(LUN_B), IFD_ICC_NOT_PRESENT);
	assert_int_equal(power_up(LUN_B, atr, &atr_len), IFD_ERROR_POWER_ACTION);
	assert_int_equal(atr_len, 0);
	assert_int_equal(IFDHControl(LUN_B, VEUICC_IFD_CTL_STATUS, NULL, 0, buf, sizeof(buf), &got),
	                 IFD_SUCCESS);
	assert_int_equal(got, VEUICC_IFD_STATUS_LEN);
	assert_int_equal(buf[0], 0);
	assert_int_equal(buf[1], 0);
	assert_memory_equal(buf + 3, EID_B, 32);
	assert_int_equal(IFDHControl(LUN_B, VEUICC_IFD_CTL_STATUS, NULL, 0, buf, 10, &got),
	                 IFD_ERROR_INSUFFICIENT_BUFFER);
	assert_int_equal(got, 0);
	assert_int_equal(IFDHControl(LUN_B, 0x42000000 + 1, NULL, 0, buf, sizeof(buf), &got),
	                 IFD_ERROR_NOT_SUPPORTED);
	assert_int_equal(IFDHControl(LUN_B, VEUICC_IFD_CTL_STATUS, NULL, 0, buf, sizeof(buf), NULL),
	                 IFD_COMMUNICATION_ERROR);
	assert_int_equal(
	    IFDHControl(LUN_B, VEUICC_IFD_CTL_GET_FEATURES, NULL, 0, buf, sizeof(buf), &got),
	    IFD_SUCCESS);
	assert_int_equal(got, 0);

	/* insert, power up, remove: the card goes unpowered and absent */
	assert_int_equal(IFDHControl(LUN_B, VEUICC_IFD_CTL_INSERT, NULL, 0, NULL, 0, &got),
	                 IFD_SUCCESS);
	assert_int_equal(IFDHICCPresence(LUN_B), IFD_ICC_PRESENT);
	assert_int_equal(power_up(LUN_B, atr, &atr_len), IFD_SUCCESS);
	assert_int_equal(IFDHControl(LUN_B, VEUICC_IFD_CTL_REMOVE, NULL, 0, NULL, 0, &got),
	                 IFD_SUCCESS);
	assert_int_equal(IFDHICCPresence(LUN_B), IFD_ICC_NOT_PRESENT);
	uint8_t r[300];
	DWORD rn = sizeof(r);
	assert_int_equal(xmit(LUN_B, select_isdr, sizeof(select_isdr), r, &rn),
	                 IFD_ICC_NOT_PRESENT);
	assert_int_equal(IFDHSetProtocolParameters(LUN_B, SCARD_PROTOCOL_T0, 0, 0, 0, 0),
	                 IFD_ICC_NOT_PRESENT);

	/* a removal is reported once even if the card is back already */
	assert_int_equal(IFDHControl(LUN_B, VEUICC_IFD_CTL_INSERT, NULL, 0, NULL, 0, &got),
	                 IFD_SUCCESS);
	assert_int_equal(IFDHControl(LUN_B, VEUICC_IFD_CTL_REMOVE, NULL, 0, NULL, 0, &got),
	                 IFD_SUCCESS);
	assert_int_equal(IFDHControl(LUN_B, VEUICC_IFD_CTL_INSERT, NULL, 0, NULL, 0, &got),
	                 IFD_SUCCESS);
	assert_int_equal(IFDHICCPresence(LUN_B), IFD_ICC_NOT_PRESENT);
	assert_int_equal(IFDHICCPresence(LUN_B), IFD_ICC_PRESENT);
	assert_int_equal(IFDHICCPresence(LUN_B), IFD_ICC_PRESENT);

	/* the counters: 2 removals, 1 power-up so far; a warm reset counts */
	static const UCHAR counters_2_1[] = {0, 0, 0, 2, 0, 0, 0, 1};
	static const UCHAR counters_2_3[] = {0, 0, 0, 2, 0, 0, 0, 3};
	assert_int_equal(
	    IFDHControl(LUN_B, VEUICC_IFD_CTL_COUNTERS, NULL, 0, buf, sizeof(buf), &got),
	    IFD_SUCCESS);
	assert_int_equal(got, VEUICC_IFD_COUNTERS_LEN);
	assert_memory_equal(buf, counters_2_1, sizeof(counters_2_1));
	assert_int_equal(power_up(LUN_B, atr, &atr_len), IFD_SUCCESS);
	atr_len = sizeof(atr);
	assert_int_equal(IFDHPowerICC(LUN_B, IFD_RESET, atr, &atr_len), IFD_SUCCESS);
	assert_int_equal(
	    IFDHControl(LUN_B, VEUICC_IFD_CTL_COUNTERS, NULL, 0, buf, sizeof(buf), &got),
	    IFD_SUCCESS);
	assert_memory_equal(buf, counters_2_3, sizeof(counters_2_3));
	assert_int_equal(IFDHControl(LUN_B, VEUICC_IFD_CTL_COUNTERS, NULL, 0, buf, 7, &got),
	                 IFD_ERROR_INSUFFICIENT_BUFFER);
	assert_int_equal(IFDHCloseChannel(LUN_B), IFD_SUCCESS);
}

struct remover {
	DWORD lun;
	int delay_ms;
};

static void *remove_later(void *p)
{
	struct remover *rm = p;
	struct timespec ts = {0, rm->delay_ms * 1000000L};
	nanosleep(&ts, NULL);
	DWORD got;
	IFDHControl(rm->lun, VEUICC_IFD_CTL_REMOVE, NULL, 0, NULL, 0, &got);
	return NULL;
}

static void test_polling(void **state)
{
	(void)state;
	char dn[] = "veuicc:name=poll";
	assert_int_equal(IFDHCreateChannelByName(LUN_A, dn), IFD_SUCCESS);
	RESPONSECODE (*poll)(DWORD, int) = poll_fn(LUN_A);
	RESPONSECODE (*stop)(DWORD) = stop_fn(LUN_A);
	assert_non_null(poll);
	assert_non_null(stop);

	/* nothing reported yet: returns at once */
	double t = now_s();
	assert_int_equal(poll(LUN_A, 5000), IFD_SUCCESS);
	assert_true(now_s() - t < 1.0);
	assert_int_equal(IFDHICCPresence(LUN_A), IFD_ICC_PRESENT);
	/* no change: waits for the timeout */
	t = now_s();
	assert_int_equal(poll(LUN_A, 200), IFD_SUCCESS);
	assert_true(now_s() - t >= 0.19);
	/* a removal from another thread wakes it at once */
	struct remover rm = {LUN_A, 100};
	pthread_t th;
	pthread_create(&th, NULL, remove_later, &rm);
	t = now_s();
	assert_int_equal(poll(LUN_A, 10000), IFD_SUCCESS);
	double dt = now_s() - t;
	pthread_join(th, NULL);
	assert_true(dt >= 0.05 && dt < 5.0);
	assert_int_equal(IFDHICCPresence(LUN_A), IFD_ICC_NOT_PRESENT);
	/* stopped: returns at once for good */
	assert_int_equal(stop(LUN_A), IFD_SUCCESS);
	t = now_s();
	assert_int_equal(poll(LUN_A, 10000), IFD_SUCCESS);
	assert_true(now_s() - t < 1.0);
	assert_int_equal(IFDHCloseChannel(LUN_A), IFD_SUCCESS);
	assert_int_equal(poll(LUN_A, 10), IFD_COMMUNICATION_ERROR);
}

/* pcscd's event thread: the polling function, then a presence check. */
struct event_step {
	DWORD lun;
	int timeout_ms;
	RESPONSECODE presence;
};

static void *event_step_main(void *p)
{
	struct event_step *e = p;
	RESPONSECODE (*poll)(DWORD, int) = poll_fn(e->lun);
	poll(e->lun, e->timeout_ms);
	e->presence = IFDHICCPresence(e->lun);
	return NULL;
}

static RESPONSECODE event_step(DWORD lun, int timeout_ms)
{
	struct event_step e = {lun, timeout_ms, 0};
	pthread_t th;
	pthread_create(&th, NULL, event_step_main, &e);
	pthread_join(th, NULL);
	return e.presence;
}

/* A presence check from a client thread (pcscd's IFDPowerICC does one)
 * between a quick remove+insert and the event thread's check must not
 * consume the latched removal: the event thread still sees it, so pcscd
 * learns that the card lost power (found by the pcscd_soak test). */
static void test_removal_left_for_event_thread(void **state)
{
	(void)state;
	char dn[] = "veuicc:name=evt";
	DWORD got;
	assert_int_equal(IFDHCreateChannelByName(LUN_A, dn), IFD_SUCCESS);
	assert_int_equal(event_step(LUN_A, 0), IFD_ICC_PRESENT);
	assert_int_equal(IFDHControl(LUN_A, VEUICC_IFD_CTL_REMOVE, NULL, 0, NULL, 0, &got),
	                 IFD_SUCCESS);
	assert_int_equal(IFDHControl(LUN_A, VEUICC_IFD_CTL_INSERT, NULL, 0, NULL, 0, &got),
	                 IFD_SUCCESS);
	/* client threads: absent while the removal is unreported, twice */
	assert_int_equal(IFDHICCPresence(LUN_A), IFD_ICC_NOT_PRESENT);
	assert_int_equal(IFDHICCPresence(LUN_A), IFD_ICC_NOT_PRESENT);
	/* the event thread is woken at once and sees the removal, then the card */
	double t = now_s();
	assert_int_equal(event_step(LUN_A, 5000), IFD_ICC_NOT_PRESENT);
	assert_int_equal(event_step(LUN_A, 5000), IFD_ICC_PRESENT);
	assert_true(now_s() - t < 2.0);
	assert_int_equal(IFDHICCPresence(LUN_A), IFD_ICC_PRESENT);
	assert_int_equal(IFDHCloseChannel(LUN_A), IFD_SUCCESS);
}

/* MC6: a card removed while powered and put back before pcscd powered it
 * again gets a PTS: it is powered up again and answers; a card that was
 * never powered still refuses the PTS. */
static void test_pts_after_unseen_reinsertion(void **state)
{
	(void)state;
	char dn[] = "veuicc:name=mc6";
	UCHAR atr[MAX_ATR_SIZE];
	DWORD atr_len = sizeof(atr), got;
	uint8_t r[300];
	DWORD rn = sizeof(r);
	assert_int_equal(IFDHCreateChannelByName(LUN_A, dn), IFD_SUCCESS);
	assert_int_equal(IFDHSetProtocolParameters(LUN_A, SCARD_PROTOCOL_T1, 0, 0, 0, 0),
	                 IFD_COMMUNICATION_ERROR); /* never powered */
	assert_int_equal(power_up(LUN_A, atr, &atr_len), IFD_SUCCESS);
	assert_int_equal(IFDHControl(LUN_A, VEUICC_IFD_CTL_REMOVE, NULL, 0, NULL, 0, &got),
	                 IFD_SUCCESS);
	assert_int_equal(IFDHControl(LUN_A, VEUICC_IFD_CTL_INSERT, NULL, 0, NULL, 0, &got),
	                 IFD_SUCCESS);
	assert_int_equal(IFDHSetProtocolParameters(LUN_A, SCARD_PROTOCOL_T1, 0, 0, 0, 0),
	                 IFD_SUCCESS);
	assert_int_equal(xmit(LUN_A, select_isdr, sizeof(select_isdr), r, &rn), IFD_SUCCESS);
	assert_true(rn >= 2);
	assert_true(r[rn - 2] == 0x90 || r[rn - 2] == 0x61); /* the ISD-R answers */
	/* an explicit power down clears it: the next PTS is refused again */
	assert_int_equal(IFDHPowerICC(LUN_A, IFD_POWER_DOWN, NULL, NULL), IFD_SUCCESS);
	assert_int_equal(IFDHControl(LUN_A, VEUICC_IFD_CTL_REMOVE, NULL, 0, NULL, 0, &got),
	                 IFD_SUCCESS);
	assert_int_equal(IFDHControl(LUN_A, VEUICC_IFD_CTL_INSERT, NULL, 0, NULL, 0, &got),
	                 IFD_SUCCESS);
	assert_int_equal(IFDHSetProtocolParameters(LUN_A, SCARD_PROTOCOL_T1, 0, 0, 0, 0),
	                 IFD_COMMUNICATION_ERROR);
	assert_int_equal(IFDHCloseChannel(LUN_A), IFD_SUCCESS);
}

static void test_two_readers_and_limit(void **state)
{
	(void)state;
	char da[] = "veuicc:name=a,eid=" EID_A;
	char db[] = "veuicc:name=b,eid=" EID_B;
	assert_int_equal(IFDHCreateChannelByName(LUN_A, da), IFD_SUCCESS);
	assert_int_equal(IFDHCreateChannelByName(LUN_B, db), IFD_SUCCESS);
	UCHAR v[64];
	DWORD n = sizeof(v);
	assert_int_equal(IFDHGetCapabilities(LUN_A, SCARD_ATTR_VENDOR_IFD_SERIAL_NO, &n, v),
	                 IFD_SUCCESS);
	assert_memory_equal(v, EID_A, 32);
	n = sizeof(v);
	assert_int_equal(IFDHGetCapabilities(LUN_B, SCARD_ATTR_VENDOR_IFD_SERIAL_NO, &n, v),
	                 IFD_SUCCESS);
	assert_memory_equal(v, EID_B, 32);

	/* up to VEUICC_IFD_MAX_READERS channels, then a refusal */
	int opened = 2;
	DWORD lun = 0x00020000ul;
	for (; opened < VEUICC_IFD_MAX_READERS; opened++, lun += 0x10000ul)
		assert_int_equal(IFDHCreateChannel(lun, 0), IFD_SUCCESS);
	assert_int_equal(IFDHCreateChannel(lun, 0), IFD_COMMUNICATION_ERROR);
	for (DWORD l = 0x00020000ul; l < lun; l += 0x10000ul)
		assert_int_equal(IFDHCloseChannel(l), IFD_SUCCESS);
	assert_int_equal(IFDHCloseChannel(LUN_A), IFD_SUCCESS);
	assert_int_equal(IFDHCloseChannel(LUN_B), IFD_SUCCESS);
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void test_trace_file(void **state)
{
	(void)state;
	char path[512];
	test_tmp_template(path, sizeof(path), "ifd-trace");
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	char dn[600];
	snprintf(dn, sizeof(dn), "veuicc:name=tr,trace=%s", path);
	assert_int_equal(IFDHCreateChannelByName(LUN_A, dn), IFD_SUCCESS);
	UCHAR atr[MAX_ATR_SIZE];
	DWORD atr_len;
	assert_int_equal(power_up(LUN_A, atr, &atr_len), IFD_SUCCESS);
	uint8_t r[300];
	DWORD rn = sizeof(r);
	assert_int_equal(xmit(LUN_A, select_isdr, sizeof(select_isdr), r, &rn), IFD_SUCCESS);
	DWORD rn2 = 1; /* refused exchanges are not traced */
	assert_int_equal(xmit(LUN_A, select_isdr, sizeof(select_isdr), r, &rn2),
	                 IFD_ERROR_INSUFFICIENT_BUFFER);
	assert_int_equal(IFDHCloseChannel(LUN_A), IFD_SUCCESS);

	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	uint8_t b[512];
	size_t len = fread(b, 1, sizeof(b), f);
	fclose(f);
	unlink(path);
	/* pcap global header: magic, LINKTYPE_RAW (101) */
	assert_true(len > 24 + 16);
	assert_int_equal(le32(b), 0xa1b2c3d4u);
	assert_int_equal(le32(b + 20), 101);
	/* one record: IPv4 + UDP to 4729 + GSMTAP v2 type SIM + C-APDU + R-APDU */
	uint32_t incl = le32(b + 24 + 8);
	assert_int_equal(len, 24 + 16 + incl);
	const uint8_t *ip = b + 40;
	assert_int_equal(ip[0], 0x45);
	assert_int_equal(ip[9], 17);
	assert_int_equal(ip[22] << 8 | ip[23], 4729);
	const uint8_t *g = ip + 28;
	assert_int_equal(g[0], 2);
	assert_int_equal(g[1], 4);
	assert_int_equal(g[2], 4);
	assert_int_equal(incl, 20 + 8 + 16 + sizeof(select_isdr) + rn);
	assert_memory_equal(g + 16, select_isdr, sizeof(select_isdr));
	assert_memory_equal(g + 16 + sizeof(select_isdr), r, rn);
}

static void test_unwritable_trace(void **state)
{
	(void)state;
	char dn[] = "veuicc:trace=/nonexistent-dir/x.pcap";
	assert_int_equal(IFDHCreateChannelByName(LUN_A, dn), IFD_COMMUNICATION_ERROR);
	assert_int_equal(IFDHICCPresence(LUN_A), IFD_COMMUNICATION_ERROR);
}

struct racer {
	int stop;
	int bad;
	long ok;
};

static void *transmit_loop(void *p)
{
	struct racer *rc = p;
	uint8_t r[300];
	while (!__atomic_load_n(&rc->stop, __ATOMIC_SEQ_CST)) {
		DWORD rn = sizeof(r);
		RESPONSECODE x = xmit(LUN_A, select_isdr, sizeof(select_isdr), r, &rn);
		if (x == IFD_SUCCESS)
			__atomic_add_fetch(&rc->ok, 1, __ATOMIC_SEQ_CST);
		else if (x != IFD_COMMUNICATION_ERROR && x != IFD_ICC_NOT_PRESENT)
			rc->bad++;
		IFDHICCPresence(LUN_A);
	}
	return NULL;
}

/* Power off and removal racing transmits from another thread. */
static void test_power_off_during_transmit(void **state)
{
	(void)state;
	char dn[] = "veuicc:name=race";
	assert_int_equal(IFDHCreateChannelByName(LUN_A, dn), IFD_SUCCESS);
	UCHAR atr[MAX_ATR_SIZE];
	DWORD atr_len, got;
	assert_int_equal(power_up(LUN_A, atr, &atr_len), IFD_SUCCESS);
	struct racer rc = {0};
	pthread_t th;
	pthread_create(&th, NULL, transmit_loop, &rc);
	double end = now_s() + 5.0;
	for (int i = 0;
	     i < 300 || (__atomic_load_n(&rc.ok, __ATOMIC_SEQ_CST) < 10 && now_s() < end); i++) {
		struct timespec ts = {0, 200000L};
		IFDHPowerICC(LUN_A, IFD_POWER_DOWN, atr, &atr_len);
		nanosleep(&ts, NULL);
		IFDHPowerICC(LUN_A, IFD_POWER_UP, atr, &atr_len);
		nanosleep(&ts, NULL);
		if (i % 10 == 0) {
			IFDHControl(LUN_A, VEUICC_IFD_CTL_REMOVE, NULL, 0, NULL, 0, &got);
			IFDHControl(LUN_A, VEUICC_IFD_CTL_INSERT, NULL, 0, NULL, 0, &got);
		}
	}
	__atomic_store_n(&rc.stop, 1, __ATOMIC_SEQ_CST);
	pthread_join(th, NULL);
	assert_int_equal(rc.bad, 0);
	assert_true(rc.ok > 0);
	assert_int_equal(IFDHCloseChannel(LUN_A), IFD_SUCCESS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_refused_devicenames),
	    cmocka_unit_test(test_unknown_lun),
	    cmocka_unit_test(test_capabilities),
	    cmocka_unit_test(test_power_and_transmit),
	    cmocka_unit_test(test_bad_transmits),
	    cmocka_unit_test(test_debug_log),
	    cmocka_unit_test(test_presence_and_control),
	    cmocka_unit_test(test_polling),
	    cmocka_unit_test(test_removal_left_for_event_thread),
	    cmocka_unit_test(test_pts_after_unseen_reinsertion),
	    cmocka_unit_test(test_two_readers_and_limit),
	    cmocka_unit_test(test_trace_file),
	    cmocka_unit_test(test_unwritable_trace),
	    cmocka_unit_test(test_power_off_during_transmit),
	    cmocka_unit_test(test_devname_faults),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
