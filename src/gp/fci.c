/* SPDX-License-Identifier: Apache-2.0 */
#include "gp/fci.h"

#include "apdu/sw.h"
#include "tlv/tlv.h"

/* GP CS v2.3 §11.9.3.1 Table 11-50 */
#define TAG_FCI            0x6F
#define TAG_DF_NAME        0x84
#define TAG_PROPRIETARY    0xA5
#define TAG_MAX_CMD_LENGTH 0x9F65

/* P2 b4-b3 of SELECT (ISO 7816-4 §11.1.1) */
#define P2_RETURN_MASK 0x0C
#define P2_FCI         0x00
#define P2_FCP         0x04
#define P2_FMD         0x08
#define P2_NO_DATA     0x0C

uint16_t veuicc_gp_sd_select(const uint8_t *aid, size_t aid_len, const veuicc_capdu *cmd,
                             veuicc_rsp *rsp)
{
	switch (cmd->p2 & P2_RETURN_MASK) {
	case P2_NO_DATA: return VEUICC_SW_OK;
	case P2_FMD: return VEUICC_SW_WRONG_P1P2;
	default: break; /* FCI or FCP: the domain answers with its FCI */
	}
	uint8_t buf[64];
	veuicc_tlv_writer w;
	veuicc_tlv_writer_init(&w, buf, sizeof(buf));
	veuicc_tlv_begin(&w, TAG_FCI);
	veuicc_tlv_put(&w, TAG_DF_NAME, aid, aid_len);
	veuicc_tlv_begin(&w, TAG_PROPRIETARY);
	veuicc_tlv_put_u8(&w, TAG_MAX_CMD_LENGTH, VEUICC_GP_MAX_CMD_DATA);
	veuicc_tlv_end(&w);
	veuicc_tlv_end(&w);
	size_t len;
	if (veuicc_tlv_writer_finish(&w, &len) != VEUICC_OK)
		return VEUICC_SW_NO_DIAGNOSIS;
	if (veuicc_rsp_put(rsp, buf, len) != VEUICC_OK)
		return VEUICC_SW_MEMORY_FAILURE;
	return VEUICC_SW_OK;
}
