/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ISD-R (SGP.02 §2.2.1.1). Selectable by its AID with its GlobalPlatform FCI.
 * Its ES5 functions (CreateISDP, EnableProfile, ... over GP commands and
 * STORE DATA) are not implemented yet: every command is answered 6D00
 * "instruction not supported", so nothing pretends to work.
 */
#include "apdu/sw.h"
#include "euicc/euicc.h"
#include "gp/fci.h"

static uint16_t isdr_select(void *ctx, const veuicc_capdu *cmd, veuicc_rsp *rsp)
{
	(void)ctx;
	return veuicc_gp_sd_select(veuicc_aid_isdr, sizeof(veuicc_aid_isdr), cmd, rsp);
}

static uint16_t isdr_process(void *ctx, const veuicc_capdu *cmd, veuicc_rsp *rsp)
{
	(void)ctx;
	(void)cmd;
	(void)rsp;
	return VEUICC_SW_INS_NOT_SUPP;
}

const veuicc_applet_ops veuicc_isdr_ops = {
    .name = "ISD-R",
    .select = isdr_select,
    .process = isdr_process,
};
