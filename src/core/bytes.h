/* SPDX-License-Identifier: Apache-2.0 */
/**
 * \file bytes.h
 * \brief Byte-record writer and reader for the card file's private records
 *        (counters, key sets: see src/core/state.c). The writer grows on the
 *        heap and wipes every buffer it drops, since records hold keys.
 */
#ifndef VEUICC_CORE_BYTES_H
#define VEUICC_CORE_BYTES_H

#include <stddef.h>
#include <stdint.h>

/** A growing output record; start it as {0}. err: first error (sticky). */
typedef struct veuicc_wbuf {
	uint8_t *b;
	size_t len, cap;
	int err; /**< VEUICC_ERR_NO_MEMORY after a failed growth, else 0 */
} veuicc_wbuf;

/** Append \p n bytes (nothing after an error). */
void veuicc_wbuf_put(veuicc_wbuf *w, const void *p, size_t n);
/** Append one byte. */
void veuicc_wbuf_u8(veuicc_wbuf *w, unsigned v);
/** Append the low \p n bytes of \p v, most significant first. */
void veuicc_wbuf_be(veuicc_wbuf *w, uint32_t v, int n);
/**
 * Hand the record over: on success *out (caller frees) and *len; after an
 * error the buffer is wiped and freed and the error returned.
 */
int veuicc_wbuf_take(veuicc_wbuf *w, uint8_t **out, size_t *len);
/** Wipe and free the record (an unwanted one). */
void veuicc_wbuf_wipe(veuicc_wbuf *w);

/** A reader over a record; err becomes non-zero on any overrun. */
typedef struct veuicc_rbuf {
	const uint8_t *b;
	size_t len, pos;
	int err;
} veuicc_rbuf;

/** Next byte (0 and err set at the end). */
unsigned veuicc_rbuf_u8(veuicc_rbuf *r);
/** Next \p n bytes into \p p; err when \p n > \p max or past the end. */
void veuicc_rbuf_get(veuicc_rbuf *r, void *p, size_t n, size_t max);
/** Next \p n bytes as a big-endian number. */
uint32_t veuicc_rbuf_be(veuicc_rbuf *r, int n);

#endif /* VEUICC_CORE_BYTES_H */
