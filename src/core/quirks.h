/* SPDX-License-Identifier: Apache-2.0 */
/**
 * \file quirks.h
 * \brief Card quirks (docs/quirks.md): the ATR they build and how the
 *        engine, the file systems and the CAT layer learn them.
 */
#ifndef VEUICC_CORE_QUIRKS_H
#define VEUICC_CORE_QUIRKS_H

#include <stddef.h>
#include <stdint.h>

#include "veuicc/veuicc.h"

/** veuicc_fs.quirks bits (uicc/fs.h) */
#define VEUICC_FSQ_NO_PIN_STATUS  0x01u /**< FCP of DF/ADF without C6 */
#define VEUICC_FSQ_NO_PROPRIETARY 0x02u /**< FCP without A5 */
#define VEUICC_FSQ_NO_SFI_TAG     0x04u /**< FCP of EFs without 88 */
#define VEUICC_FSQ_SFI_UNSUPP     0x08u /**< SFI addressing refused with 6A81 */

/** \returns VEUICC_OK if every field of \p q is in range, else VEUICC_ERR_INVALID_ARG. */
int veuicc_quirks_check(const veuicc_quirks *q);

/** Non-zero if \p q changes the ATR. */
int veuicc_quirks_touch_atr(const veuicc_quirks *q);

/**
 * Build the ATR \p q describes (the default ATR when no ATR quirk is set)
 * into \p buf (VEUICC_ATR_MAX bytes). \returns its length.
 */
size_t veuicc_quirks_atr(const veuicc_quirks *q, uint8_t *buf);

/** The veuicc_fs.quirks bits of \p q. */
unsigned veuicc_quirks_fs_flags(const veuicc_quirks *q);

/** \p base with every non-default field of \p over taken from \p over. */
void veuicc_quirks_merge(veuicc_quirks *base, const veuicc_quirks *over);

#endif /* VEUICC_CORE_QUIRKS_H */
