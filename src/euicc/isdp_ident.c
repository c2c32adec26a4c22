/* SPDX-License-Identifier: Apache-2.0 */
/*
 * SD identification data of an ISD-P (DGI 0070). The SM-DP sends them after
 * the download with the token key (SGP.02 §3.10; digest §3.6 [I, WHTY]:
 * `80 E2 88 00` DGI 0070 { 45 }, DGI 0070 { 42 }, DGI 0070 { 5F20 }); the
 * delete token's CRT `B6` names the same values (GP CS v2.3 Table 11-23).
 * Choices and evidence: docs/spec-decisions.md G8-G12.
 */
#include "euicc/isdp_ident.h"

#include <string.h>

#include "apdu/sw.h"
#include "tlv/tlv.h"

#define TAG_SIN  0x42u   /* Security Domain Provider Identification Number */
#define TAG_SDIN 0x45u   /* Security Domain Image Number */
#define TAG_APID 0x5F20u /* Application Provider Identifier */

int veuicc_sd_ident_index(uint32_t tag)
{
	switch (tag) {
	case TAG_SIN: return VEUICC_SD_IDENT_SIN;
	case TAG_SDIN: return VEUICC_SD_IDENT_SDIN;
	case TAG_APID: return VEUICC_SD_IDENT_APID;
	default: return -1;
	}
}

uint32_t veuicc_sd_ident_tag(int i)
{
	static const uint32_t tags[VEUICC_SD_IDENT_COUNT] = {TAG_SIN, TAG_SDIN, TAG_APID};
	return i >= 0 && i < VEUICC_SD_IDENT_COUNT ? tags[i] : 0;
}

uint16_t veuicc_isdp_store_ident(veuicc_gp_entry *e, const uint8_t *v, size_t len)
{
	const uint8_t *val[VEUICC_SD_IDENT_COUNT] = {0};
	size_t vlen[VEUICC_SD_IDENT_COUNT] = {0};
	veuicc_tlv_reader rd;
	veuicc_tlv t;
	int rc, n = 0;
	veuicc_tlv_reader_init(&rd, v, len, 0);
	while ((rc = veuicc_tlv_next(&rd, &t)) == 1) {
		int i = veuicc_sd_ident_index(t.tag);
		if (i < 0 || val[i] || t.len == 0 || t.len > VEUICC_SD_IDENT_MAX)
			return VEUICC_SW_WRONG_DATA;
		val[i] = t.value;
		vlen[i] = t.len;
		n++;
	}
	if (rc < 0 || n == 0)
		return VEUICC_SW_WRONG_DATA;
	for (int i = 0; i < VEUICC_SD_IDENT_COUNT; i++)
		if (val[i]) {
			memcpy(e->sd_ident[i], val[i], vlen[i]);
			e->sd_ident_len[i] = (uint8_t)vlen[i];
		}
	return VEUICC_SW_OK;
}

bool veuicc_isdp_crt_matches(const veuicc_gp_entry *e, const uint8_t *crt, size_t len)
{
	veuicc_tlv_reader rd;
	veuicc_tlv t;
	veuicc_tlv_reader_init(&rd, crt, len, 0);
	while (veuicc_tlv_next(&rd, &t) == 1) {
		int i = veuicc_sd_ident_index(t.tag);
		if (i < 0 || !e->sd_ident_len[i])
			continue; /* 93 token identifier, or a value never personalised */
		/* public identifiers: no constant-time compare needed */
		if (t.len != e->sd_ident_len[i] || memcmp(t.value, e->sd_ident[i], t.len))
			return false;
	}
	return true;
}

uint16_t veuicc_isdp_get_ident(const veuicc_gp_entry *e, uint16_t tag, veuicc_rsp *rsp)
{
	int i = tag == TAG_SIN || tag == TAG_SDIN ? veuicc_sd_ident_index(tag) : -1;
	if (i < 0 || !e->sd_ident_len[i])
		return VEUICC_SW_REF_DATA_NOT_FOUND;
	uint8_t buf[2 + VEUICC_SD_IDENT_MAX];
	buf[0] = (uint8_t)tag;
	buf[1] = e->sd_ident_len[i];
	memcpy(buf + 2, e->sd_ident[i], e->sd_ident_len[i]);
	if (veuicc_rsp_put(rsp, buf, 2u + e->sd_ident_len[i]))
		return VEUICC_SW_MEMORY_FAILURE;
	return VEUICC_SW_OK;
}
