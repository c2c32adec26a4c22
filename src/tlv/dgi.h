/* SPDX-License-Identifier: Apache-2.0 */
/**
 * \file dgi.h
 * \brief Data Grouping Identifier records (GlobalPlatform Card Specification
 *        v2.3 §11.11.2.2, as STORE DATA carries them): a 2-byte DGI tag, a
 *        length of one byte (00-FE) or FF followed by two bytes, the value.
 */
#ifndef VEUICC_TLV_DGI_H
#define VEUICC_TLV_DGI_H

#include <stddef.h>
#include <stdint.h>

/**
 * Read the DGI at \p *pos of \p b (\p len bytes): its tag, value and value
 * length; \p *pos moves past it. \returns 0, or -1 when the record is
 * truncated (nothing is changed then).
 */
int veuicc_dgi_next(const uint8_t *b, size_t len, size_t *pos, uint16_t *tag, const uint8_t **v,
                    size_t *vlen);

#endif /* VEUICC_TLV_DGI_H */
