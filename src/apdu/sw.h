/* SPDX-License-Identifier: Apache-2.0 */
/**
 * \file sw.h
 * \brief Status words used by the card (ISO/IEC 7816-4 §5.6, ETSI TS 102 221
 *        §10.2, GlobalPlatform Card Specification v2.3 §11.1.3).
 */
#ifndef VEUICC_APDU_SW_H
#define VEUICC_APDU_SW_H

#define VEUICC_SW_OK                   0x9000u
#define VEUICC_SW_PROACTIVE            0x9100u /* 91xx: proactive command of xx bytes pending */
#define VEUICC_SW_BYTES_AVAILABLE      0x6100u /* 61xx: xx more bytes (T=0 GET RESPONSE) */
#define VEUICC_SW_WRONG_LE             0x6C00u /* 6Cxx: wrong Le, xx = exact length */
#define VEUICC_SW_WARN_NO_INFO         0x6200u
#define VEUICC_SW_WARN_EOF             0x6282u /* end of file/record reached before Ne bytes */
#define VEUICC_SW_WARN_DEACTIVATED     0x6283u /* selected file deactivated */
#define VEUICC_SW_MORE_DATA            0x6310u /* GP: more data available (GET STATUS) */
#define VEUICC_SW_MEMORY_FAILURE       0x6581u
#define VEUICC_SW_WRONG_LENGTH         0x6700u
#define VEUICC_SW_CLA_FUNC_NOT_SUPP    0x6800u
#define VEUICC_SW_CHANNEL_NOT_SUPP     0x6881u /* logical channel not supported / not open */
#define VEUICC_SW_SM_NOT_SUPP          0x6882u /* secure messaging not supported */
#define VEUICC_SW_LAST_CMD_EXPECTED    0x6883u /* last command of the chain expected */
#define VEUICC_SW_CHAINING_NOT_SUPP    0x6884u
#define VEUICC_SW_CMD_NOT_ALLOWED      0x6900u
#define VEUICC_SW_INCOMPATIBLE_FILE    0x6981u
#define VEUICC_SW_SECURITY_STATUS      0x6982u
#define VEUICC_SW_AUTH_BLOCKED         0x6983u
#define VEUICC_SW_COND_NOT_SATISFIED   0x6985u
#define VEUICC_SW_NO_CURRENT_EF        0x6986u /* command not allowed (no current EF) */
#define VEUICC_SW_WRONG_DATA           0x6A80u
#define VEUICC_SW_FUNC_NOT_SUPP        0x6A81u
#define VEUICC_SW_NOT_FOUND            0x6A82u /* file or application not found */
#define VEUICC_SW_RECORD_NOT_FOUND     0x6A83u
#define VEUICC_SW_NOT_ENOUGH_MEMORY    0x6A84u
#define VEUICC_SW_WRONG_P1P2           0x6A86u
#define VEUICC_SW_LC_INCONSISTENT_P1P2 0x6A87u
#define VEUICC_SW_REF_DATA_NOT_FOUND   0x6A88u
#define VEUICC_SW_WRONG_P1P2_OFFSET    0x6B00u
#define VEUICC_SW_INS_NOT_SUPP         0x6D00u
#define VEUICC_SW_CLA_NOT_SUPP         0x6E00u
#define VEUICC_SW_NO_DIAGNOSIS         0x6F00u

/** True for the status words after which response data may be returned:
 *  9000 and the warnings 62xx / 63xx (ISO/IEC 7816-4 §5.6). */
static inline int veuicc_sw_allows_data(unsigned sw)
{
	return sw == VEUICC_SW_OK || (sw >> 8) == 0x62 || (sw >> 8) == 0x63;
}

#endif /* VEUICC_APDU_SW_H */
