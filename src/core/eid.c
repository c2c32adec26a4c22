/* SPDX-License-Identifier: Apache-2.0 */
#include <string.h>

#include "core/card.h"

/* SGP.02 §2.2.2 (aligned with SGP.29): 32 digits, the last two are check
 * digits chosen so that the whole number mod 97 equals 1 (ISO 7064 MOD 97-10). */
int veuicc_eid_check(const char *eid)
{
	if (!eid || strlen(eid) != 32)
		return VEUICC_ERR_INVALID_ARG;
	unsigned rem = 0;
	for (size_t i = 0; i < 32; i++) {
		if (eid[i] < '0' || eid[i] > '9')
			return VEUICC_ERR_INVALID_ARG;
		rem = (rem * 10 + (unsigned)(eid[i] - '0')) % 97;
	}
	return rem == 1 ? VEUICC_OK : VEUICC_ERR_INVALID_ARG;
}

int veuicc_eid_from_digits(const char *digits, uint8_t out[VEUICC_EID_LEN])
{
	int rc = veuicc_eid_check(digits);
	if (rc)
		return rc;
	for (size_t i = 0; i < VEUICC_EID_LEN; i++)
		out[i] = (uint8_t)(((digits[2 * i] - '0') << 4) | (digits[2 * i + 1] - '0'));
	return VEUICC_OK;
}

int veuicc_get_eid(const veuicc_card *card, char out[33])
{
	if (!card || !out)
		return VEUICC_ERR_INVALID_ARG;
	static const char hex[] = "0123456789";
	for (size_t i = 0; i < VEUICC_EID_LEN; i++) {
		out[2 * i] = hex[card->eid[i] >> 4];
		out[2 * i + 1] = hex[card->eid[i] & 0x0F];
	}
	out[32] = '\0';
	return VEUICC_OK;
}
