/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ECASD (SGP.02 §2.2.1.3): holds the EID. GET DATA for tag 5A returns it
 * (SGP.02 §2.2.2; `80 CA 00 5A 00` → `5A 10 <EID>` as public tools read it).
 * The certificate, key agreement and the other GET DATA objects come with
 * the security-domain work; they are answered 6A88 (referenced data not
 * found) and other instructions 6D00 until then.
 */
#include "apdu/sw.h"
#include "euicc/euicc.h"
#include "gp/fci.h"
#include "tlv/tlv.h"

#define INS_GET_DATA 0xCA
#define TAG_EID      0x5A

static uint16_t ecasd_select(void *ctx, const veuicc_capdu *cmd, veuicc_rsp *rsp)
{
	(void)ctx;
	return veuicc_gp_sd_select(veuicc_aid_ecasd, sizeof(veuicc_aid_ecasd), cmd, rsp);
}

static uint16_t get_data(veuicc_card *card, const veuicc_capdu *cmd, veuicc_rsp *rsp)
{
	/* GP CS v2.3 §11.3: GET DATA is case 2, P1-P2 the tag */
	if (cmd->lc)
		return VEUICC_SW_WRONG_LENGTH;
	uint16_t tag = (uint16_t)((cmd->p1 << 8) | cmd->p2);
	if (tag != TAG_EID)
		return VEUICC_SW_REF_DATA_NOT_FOUND;
	uint8_t *p = veuicc_rsp_reserve(rsp, 2 + VEUICC_EID_LEN);
	if (!p)
		return VEUICC_SW_MEMORY_FAILURE;
	p[0] = TAG_EID;
	p[1] = VEUICC_EID_LEN;
	for (size_t i = 0; i < VEUICC_EID_LEN; i++)
		p[2 + i] = card->eid[i];
	return VEUICC_SW_OK;
}

static uint16_t ecasd_process(void *ctx, const veuicc_capdu *cmd, veuicc_rsp *rsp)
{
	if (cmd->ins == INS_GET_DATA)
		return get_data(ctx, cmd, rsp);
	return VEUICC_SW_INS_NOT_SUPP;
}

const veuicc_applet_ops veuicc_ecasd_ops = {
    .name = "ECASD",
    .select = ecasd_select,
    .process = ecasd_process,
};
