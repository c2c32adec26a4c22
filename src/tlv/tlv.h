/* SPDX-License-Identifier: Apache-2.0 */
/**
 * \file tlv.h
 * \brief BER-TLV (ISO/IEC 7816-4 §5.2, ITU-T X.690), SIMPLE-TLV and
 *        COMPACT-TLV (ISO/IEC 7816-4 §5.2.1, §8.1.1) readers and writers.
 *
 * Readers never allocate and never read outside the buffer they were given;
 * values point into that buffer. Writers write into a caller buffer and keep
 * a sticky error, so a sequence of puts is checked once at the end.
 */
#ifndef VEUICC_TLV_H
#define VEUICC_TLV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "veuicc/veuicc.h"

/* ---- BER-TLV ---------------------------------------------------------- */

/** Reader flags. */
enum {
	/** Strict DER (X.690 §10): minimal length encoding, minimal tag encoding. */
	VEUICC_TLV_DER = 1u << 0,
	/** Skip 00 and FF bytes before and between data objects (ISO 7816-4 §5.2). */
	VEUICC_TLV_SKIP_PADDING = 1u << 1,
};

/** One BER-TLV data object. */
typedef struct veuicc_tlv {
	uint32_t tag;         /**< tag bytes big-endian, e.g. 0x7F21, 0x5A, 0xBF2D */
	uint8_t tag_len;      /**< 1..4 */
	bool constructed;     /**< bit 6 of the first tag byte */
	size_t len;           /**< length of the value */
	const uint8_t *value; /**< the value, inside the reader's buffer */
	const uint8_t *raw;   /**< first tag byte */
	size_t raw_len;       /**< tag + length + value */
	size_t offset;        /**< offset of the first tag byte from the start of the
	                           outermost buffer (for error messages) */
} veuicc_tlv;

/** Iterator over the data objects of one buffer (one nesting level). */
typedef struct veuicc_tlv_reader {
	const uint8_t *start; /**< start of this level */
	const uint8_t *pos;   /**< next byte to read */
	const uint8_t *end;   /**< one past the last byte of this level */
	size_t base;          /**< offset of start in the outermost buffer */
	unsigned flags;
	size_t err_offset; /**< offset of the offending byte after an error */
} veuicc_tlv_reader;

/** Start reading \p len bytes of \p buf with VEUICC_TLV_* \p flags. */
void veuicc_tlv_reader_init(veuicc_tlv_reader *r, const uint8_t *buf, size_t len, unsigned flags);

/**
 * Read the next data object.
 * \returns 1 with \p out filled, 0 at the clean end of the buffer, or a
 *          negative veuicc_err (VEUICC_ERR_MALFORMED: bad tag, bad or
 *          non-minimal length in DER mode, indefinite length, length past the
 *          end; r->err_offset says where). After an error the reader stays at
 *          the error (calling again returns the same error).
 *
 * r->err_offset (offset in the outermost buffer) points at: the first tag byte
 * 00 (end-of-contents is not a data object); the 4th tag byte if it announces a
 * 5th; in DER mode the leading 80 tag byte or the second byte of a two-byte tag
 * whose number is below 31; the first length byte for indefinite (80), 85..FF,
 * non-minimal (DER) lengths and lengths past the end; the end of the buffer
 * (one past its last byte) when the tag or length is truncated.
 */
int veuicc_tlv_next(veuicc_tlv_reader *r, veuicc_tlv *out);

/** A reader over the value of the constructed object \p t, same flags. */
void veuicc_tlv_enter(const veuicc_tlv_reader *parent, const veuicc_tlv *t,
                      veuicc_tlv_reader *child);

/**
 * Find the first object with \p tag at the top level of \p buf.
 * \returns 1 found, 0 not found, negative veuicc_err if the buffer is malformed
 *          before the tag was found.
 */
int veuicc_tlv_find(const uint8_t *buf, size_t len, unsigned flags, uint32_t tag, veuicc_tlv *out);

/** Deepest nesting veuicc_tlv_validate() looks into; larger max_depth is clamped. */
#define VEUICC_TLV_VALIDATE_MAX_DEPTH 32

/** Check that \p buf is a well-formed sequence of objects, recursing into
 *  constructed ones up to \p max_depth levels (0: top level only; the values
 *  of constructed objects deeper than that are not examined). No recursion,
 *  fixed stack use. Returns VEUICC_OK or VEUICC_ERR_MALFORMED with
 *  *err_offset set (if not NULL). */
int veuicc_tlv_validate(const uint8_t *buf, size_t len, unsigned flags, unsigned max_depth,
                        size_t *err_offset);

/** Number of bytes the tag \p tag occupies (1..4). */
size_t veuicc_tlv_tag_size(uint32_t tag);
/** Number of bytes the length \p len occupies in DER (1..5). */
size_t veuicc_tlv_len_size(size_t len);
/** Write the DER length of \p len at \p p (veuicc_tlv_len_size(len) bytes,
 *  at most 5: p needs that room). \returns the bytes written. */
size_t veuicc_tlv_put_len(uint8_t *p, size_t len);

/** BER-TLV writer into a caller buffer. */
#define VEUICC_TLV_MAX_DEPTH 8
typedef struct veuicc_tlv_writer {
	uint8_t *buf;
	size_t cap;
	size_t len;
	int err; /**< sticky: first error, VEUICC_OK while all went well */
	unsigned depth;
	size_t open[VEUICC_TLV_MAX_DEPTH]; /**< offsets of open constructed objects */
} veuicc_tlv_writer;

/** Start writing into \p buf of \p cap bytes (DER lengths, sticky error). */
void veuicc_tlv_writer_init(veuicc_tlv_writer *w, uint8_t *buf, size_t cap);
/** Append tag, DER length and \p len bytes of \p value (value may be NULL if len is 0). */
void veuicc_tlv_put(veuicc_tlv_writer *w, uint32_t tag, const uint8_t *value, size_t len);
/** Append a one-byte value. */
void veuicc_tlv_put_u8(veuicc_tlv_writer *w, uint32_t tag, uint8_t value);
/** Append raw bytes (an already encoded object). */
void veuicc_tlv_put_raw(veuicc_tlv_writer *w, const uint8_t *bytes, size_t len);
/** Open a constructed object; its length is fixed up by veuicc_tlv_end().
 *  More than VEUICC_TLV_MAX_DEPTH open objects set VEUICC_ERR_INVALID_ARG. */
void veuicc_tlv_begin(veuicc_tlv_writer *w, uint32_t tag);
/** Close the innermost open constructed object (DER length, moving the value if needed).
 *  Without an open object: VEUICC_ERR_INVALID_ARG. */
void veuicc_tlv_end(veuicc_tlv_writer *w);
/** VEUICC_OK and the total length, or the sticky error (BUFFER_TOO_SMALL,
 *  or INVALID_ARG for unbalanced begin/end). */
int veuicc_tlv_writer_finish(veuicc_tlv_writer *w, size_t *len);

/* ---- SIMPLE-TLV (ISO 7816-4 §5.2.1): tag 01..FE, length 1 byte or FF + 2 bytes ---- */

typedef struct veuicc_stlv {
	uint8_t tag;
	size_t len;
	const uint8_t *value;
	size_t offset;
} veuicc_stlv;

/** Like veuicc_tlv_next for SIMPLE-TLV on buf[*pos, len). Returns 1 (and advances *pos),
 *  0 at the end, or VEUICC_ERR_MALFORMED (tag 00/FF, truncated length, value past the
 *  end; *pos unchanged, out->offset = offset of the offending byte). The 3-byte length
 *  form is accepted for any length. */
int veuicc_stlv_next(const uint8_t *buf, size_t len, size_t *pos, veuicc_stlv *out);
/** Append one SIMPLE-TLV object at buf[*pos], advance *pos (1-byte length below 255).
 *  Returns VEUICC_OK, VEUICC_ERR_INVALID_ARG (tag 00/FF, len > 65535) or
 *  VEUICC_ERR_BUFFER_TOO_SMALL. */
int veuicc_stlv_put(uint8_t *buf, size_t cap, size_t *pos, uint8_t tag, const uint8_t *value,
                    size_t len);

/* ---- COMPACT-TLV (ISO 7816-4 §8.1.1.2, historical bytes): tag nibble, length nibble ---- */

typedef struct veuicc_ctlv {
	uint8_t tag; /**< 0..15 */
	uint8_t len; /**< 0..15 */
	const uint8_t *value;
	size_t offset;
} veuicc_ctlv;

/** Read the COMPACT-TLV object at buf[*pos] (pass the historical bytes after the
 *  category indicator). Returns 1 (advances *pos), 0 at the end, or
 *  VEUICC_ERR_MALFORMED if the value runs past \p len (*pos unchanged). */
int veuicc_ctlv_next(const uint8_t *buf, size_t len, size_t *pos, veuicc_ctlv *out);
/** Append one COMPACT-TLV object (tag and len 0..15) at buf[*pos], advance *pos.
 *  Returns VEUICC_OK, VEUICC_ERR_INVALID_ARG or VEUICC_ERR_BUFFER_TOO_SMALL. */
int veuicc_ctlv_put(uint8_t *buf, size_t cap, size_t *pos, uint8_t tag, const uint8_t *value,
                    size_t len);

#endif /* VEUICC_TLV_H */
