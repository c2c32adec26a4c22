/* SPDX-License-Identifier: Apache-2.0 */
/**
 * \file hex.h
 * \brief The one hex-digit decoder of the code base: card settings
 *        (factory JSON, fault rules, reader device names), SAIP JSON, the
 *        CLI and the tests read hex text through it.
 */
#ifndef VEUICC_CORE_HEX_H
#define VEUICC_CORE_HEX_H

/** Value of the hex digit \p c (either case), or -1 for any other character. */
static inline int veuicc_hex_digit(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

#endif /* VEUICC_CORE_HEX_H */
