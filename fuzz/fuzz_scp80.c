/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target for src/scp: the input is an SCP80 command packet (CPL ..
 * end) for TAR B00011 / B00000 with the pySim test key sets (AES KVN 2, 3DES
 * KVN 3). Every packet goes through veuicc_scp80_unwrap(); accepted ones run
 * their secured data through both TS 102 226 formats and get a PoR. The
 * counter may only move on success, and only upwards.
 */
#include <stdlib.h>
#include <string.h>

#include "scp/remote_apdu.h"
#include "scp/scp80.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                                                                                   \
	do {                                                                                       \
		if (!(c))                                                                          \
			abort();                                                                   \
	} while (0)

typedef struct sets {
	veuicc_scp80_keyset ks[2];
	veuicc_scp80_counter cntr[2];
} sets;

static int lookup(void *ctx, const uint8_t tar[3], uint8_t kvn, const veuicc_scp80_keyset **ks,
                  veuicc_scp80_counter **cntr)
{
	sets *s = ctx;
	if (tar[0] != 0xB0 || tar[1] != 0x00 || (tar[2] != 0x11 && tar[2] != 0x00))
		return VEUICC_SCP80_NO_TAR;
	for (int i = 0; i < 2; i++)
		if (s->ks[i].kvn == kvn) {
			*ks = &s->ks[i];
			*cntr = &s->cntr[i];
			return VEUICC_SCP80_FOUND;
		}
	return VEUICC_SCP80_NO_KEYSET;
}

static int exec(void *ctx, const uint8_t *c, size_t len, uint8_t *r, size_t cap, size_t *rlen)
{
	(void)ctx;
	CHECK(len >= 4 && cap >= 4);
	/* odd INS: 6A82; even INS: the INS byte as data and 9000 */
	if (c[1] & 1) {
		r[0] = 0x6A;
		r[1] = 0x82;
		*rlen = 2;
	} else {
		r[0] = c[1];
		r[1] = 0x90;
		r[2] = 0x00;
		*rlen = 3;
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t aes_c[16] = {0x20, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
	static const uint8_t aes_d[16] = {0x20, 0x11, 2,  3,  4,  5,  6,  7,
	                                  8,    9,    10, 11, 12, 13, 14, 15};
	static const uint8_t des_c[16] = {0x30, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
	static const uint8_t des_d[16] = {0x30, 0x11, 2,  3,  4,  5,  6,  7,
	                                  8,    9,    10, 11, 12, 13, 14, 15};
	sets s;
	memset(&s, 0, sizeof(s));
	s.ks[0] = (veuicc_scp80_keyset){.kvn = 2,
	                                .kic_alg = VEUICC_SCP80_ALG_AES,
	                                .kid_alg = VEUICC_SCP80_ALG_AES,
	                                .kic_len = 16,
	                                .kid_len = 16};
	memcpy(s.ks[0].kic, aes_c, 16);
	memcpy(s.ks[0].kid, aes_d, 16);
	s.ks[1] = (veuicc_scp80_keyset){.kvn = 3,
	                                .kic_alg = VEUICC_SCP80_ALG_3DES2,
	                                .kid_alg = VEUICC_SCP80_ALG_3DES2,
	                                .kic_len = 16,
	                                .kid_len = 16};
	memcpy(s.ks[1].kic, des_c, 16);
	memcpy(s.ks[1].kid, des_d, 16);
	const sets before = s;

	static uint8_t out[70000], resp[140000], por[140000];
	veuicc_scp80_cmd cmd;
	int rc = veuicc_scp80_unwrap(data, size, lookup, &s, 0, out, sizeof(out), &cmd);
	CHECK(rc == VEUICC_OK || rc == VEUICC_ERR_MALFORMED);
	if (rc != VEUICC_OK || cmd.status != VEUICC_SCP80_POR_OK) {
		CHECK(memcmp(&before, &s, sizeof(s)) == 0);
		if (rc == VEUICC_OK) {
			size_t pl;
			CHECK(veuicc_scp80_wrap_por(&cmd, cmd.status, NULL, 0, por, sizeof(por),
			                            &pl) == VEUICC_OK);
		}
		return 0;
	}
	for (int i = 0; i < 2; i++)
		CHECK(memcmp(s.cntr[i].value, before.cntr[i].value, 5) >= 0);
	CHECK(cmd.data_len <= size);
	size_t rl = 0, pl = 0;
	rc =
	    veuicc_remote_run_expanded(cmd.data, cmd.data_len, exec, NULL, resp, sizeof(resp), &rl);
	if (rc == VEUICC_ERR_MALFORMED)
		rc = veuicc_remote_run_compact(cmd.data, cmd.data_len, exec, NULL, resp,
		                               sizeof(resp), &rl);
	CHECK(rc == VEUICC_OK);
	rc = veuicc_scp80_wrap_por(&cmd, 0, resp, rl, por, sizeof(por), &pl);
	CHECK(rc == VEUICC_OK || rc == VEUICC_ERR_INVALID_ARG); /* > 64 KiB PoR */
	return 0;
}
