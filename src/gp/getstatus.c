/* SPDX-License-Identifier: Apache-2.0 */
/*
 * GET STATUS P1 20 / 10 (GP CS v2.3 §11.4.2.1, §11.4.3.1). An SGP.02 eUICC
 * holds one executable load file, the ISD-P ELF (SGP.02 Annex H,
 * A0000005591010FFFFFFFF8900000D00) with one module, the ISD-P EM
 * (...00000E00), in the life-cycle state LOADED (01, GP CS §5.3.1). It is
 * associated with the ISD-R, the card's issuer security domain. The search
 * criteria are coded as for P1 40 (4F AID prefix, optional 5C tag list).
 */
#include "gp/getstatus.h"

#include <string.h>

#include "apdu/sw.h"
#include "euicc/euicc.h"
#include "tlv/tlv.h"

#define GS_P1_ELF_EM 0x10 /* load files and their executable modules */
#define GS_P1_ELF    0x20 /* load files */
#define GS_P2_TLV    0x02
#define GS_P2_NEXT   0x01
#define TAG_SEARCH   0x4F
#define TAG_TAG_LIST 0x5C
#define TAG_GS_ENTRY 0xE3
#define TAG_AID      0x4F
#define TAG_LCS      0x9F70
#define TAG_ASSOC_SD 0xCC
#define TAG_EM_AID   0x84
#define LCS_LOADED   0x01 /* GP CS v2.3 §11.1.1: executable load file LOADED */
#define TAGS_MAX     16

static int tag_ok(uint32_t tag, uint8_t p1)
{
	return tag == TAG_AID || tag == TAG_LCS || tag == TAG_ASSOC_SD ||
	       (tag == TAG_EM_AID && p1 == GS_P1_ELF_EM);
}

uint16_t veuicc_gp_get_status_elf(const veuicc_capdu *cmd, veuicc_rsp *rsp)
{
	if ((cmd->p1 != GS_P1_ELF && cmd->p1 != GS_P1_ELF_EM) ||
	    (cmd->p2 & ~GS_P2_NEXT) != GS_P2_TLV)
		return VEUICC_SW_WRONG_P1P2;
	if (cmd->lc == 0)
		return VEUICC_SW_WRONG_LENGTH;
	/* the one entry always fits: there is never a search to continue */
	if (cmd->p2 & GS_P2_NEXT)
		return VEUICC_SW_COND_NOT_SATISFIED;
	veuicc_tlv_reader r;
	veuicc_tlv t;
	int rc, have_4f = 0;
	size_t prefix_len = 0, tags_len = 0;
	uint8_t prefix[16], tags[TAGS_MAX];
	veuicc_tlv_reader_init(&r, cmd->data, cmd->lc, 0);
	while ((rc = veuicc_tlv_next(&r, &t)) == 1) {
		if (t.tag == TAG_SEARCH && !have_4f && t.len <= sizeof(prefix)) {
			memcpy(prefix, t.value, t.len);
			prefix_len = t.len;
			have_4f = 1;
		} else if (t.tag == TAG_TAG_LIST && !tags_len && t.len && t.len <= sizeof(tags)) {
			memcpy(tags, t.value, t.len);
			tags_len = t.len;
		} else {
			return VEUICC_SW_WRONG_DATA;
		}
	}
	if (rc < 0 || !have_4f)
		return VEUICC_SW_WRONG_DATA;
	if (!tags_len) {
		/* default: AID, LCS, associated SD (+ module AIDs for P1 10) */
		static const uint8_t dflt[] = {0x4F, 0x9F, 0x70, 0xCC, 0x84};
		tags_len = cmd->p1 == GS_P1_ELF_EM ? sizeof(dflt) : sizeof(dflt) - 1;
		memcpy(tags, dflt, tags_len);
	}
	uint8_t buf[96];
	veuicc_tlv_writer w;
	veuicc_tlv_writer_init(&w, buf, sizeof(buf));
	veuicc_tlv_begin(&w, TAG_GS_ENTRY);
	for (size_t p = 0; p < tags_len;) {
		uint32_t tag = tags[p++];
		if ((tag & 0x1F) == 0x1F) {
			if (p >= tags_len)
				return VEUICC_SW_WRONG_DATA;
			tag = tag << 8 | tags[p++];
		}
		if (!tag_ok(tag, cmd->p1))
			return VEUICC_SW_WRONG_DATA;
		switch (tag) {
		case TAG_AID: veuicc_tlv_put(&w, TAG_AID, veuicc_aid_isdp_elf, 16); break;
		case TAG_LCS: veuicc_tlv_put_u8(&w, TAG_LCS, LCS_LOADED); break;
		case TAG_ASSOC_SD: veuicc_tlv_put(&w, TAG_ASSOC_SD, veuicc_aid_isdr, 16); break;
		default: veuicc_tlv_put(&w, TAG_EM_AID, veuicc_aid_isdp_em, 16); break;
		}
	}
	veuicc_tlv_end(&w);
	if (prefix_len > 16 || memcmp(veuicc_aid_isdp_elf, prefix, prefix_len))
		return VEUICC_SW_REF_DATA_NOT_FOUND;
	size_t n;
	if (veuicc_tlv_writer_finish(&w, &n) || veuicc_rsp_put(rsp, buf, n))
		return VEUICC_SW_MEMORY_FAILURE;
	return VEUICC_SW_OK;
}
