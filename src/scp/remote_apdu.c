/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ETSI TS 102 226 §5 remote APDU formats (compact and expanded). The inner
 * objects of the expanded templates are read with the BER-TLV reader; the
 * indefinite-length outer template (which that reader rejects) is delimited
 * here by its end-of-contents octets 00 00 (ITU-T X.690 §8.1.5).
 */
#include "scp/remote_apdu.h"

#include <string.h>

#include "tlv/tlv.h"

/* SW1 values after which a script goes on (TS 102 226 §5.1.1, §5.2.1) */
static bool sw_continues(uint8_t sw1)
{
	return sw1 == 0x90 || sw1 == 0x91 || sw1 == 0x61 || sw1 == 0x62 || sw1 == 0x63;
}

/* INS of the case-2 commands of TS 102 221 §10.1.2 / ISO 7816-4 (P3 = Le) */
static bool ins_is_case2(uint8_t ins)
{
	static const uint8_t case2[] = {0xB0, 0xB2, 0xC0, 0xF2, 0x84, 0xCA, 0x12};
	for (size_t i = 0; i < sizeof(case2); i++)
		if (case2[i] == ins)
			return true;
	return false;
}

static int exec_one(veuicc_remote_exec_fn exec, void *ctx, const uint8_t *c, size_t n, uint8_t *r,
                    size_t *rlen)
{
	*rlen = 0;
	int rc = exec(ctx, c, n, r, VEUICC_REMOTE_MAX, rlen);
	if (rc < 0)
		return rc;
	if (*rlen < 2 || *rlen > VEUICC_REMOTE_MAX)
		return VEUICC_ERR_INTERNAL;
	return VEUICC_OK;
}

int veuicc_remote_run_compact(const uint8_t *script, size_t len, veuicc_remote_exec_fn exec,
                              void *ctx, uint8_t *out, size_t cap, size_t *out_len)
{
	if ((!script && len) || !exec || !out || !out_len)
		return VEUICC_ERR_INVALID_ARG;
	uint8_t r[VEUICC_REMOTE_MAX];
	size_t rlen = 0, pos = 0;
	unsigned count = 0;

	while (pos < len && count < 255) {
		size_t rest = len - pos, n;
		if (rest < 4)
			break; /* truncated header: end of script */
		if (rest == 4)
			n = 4; /* case 1 */
		else if (ins_is_case2(script[pos + 1]))
			n = 5;
		else
			n = 5 + (size_t)script[pos + 4];
		if (n > rest)
			break;
		int rc = exec_one(exec, ctx, script + pos, n, r, &rlen);
		if (rc)
			return rc;
		count++;
		pos += n;
		if (!sw_continues(r[rlen - 2]))
			break;
	}
	/* TS 102 226 §5.1.2: number of commands ‖ last SW ‖ last data */
	size_t need = 1 + rlen;
	if (cap < need)
		return VEUICC_ERR_BUFFER_TOO_SMALL;
	out[0] = (uint8_t)count;
	if (rlen) {
		out[1] = r[rlen - 2];
		out[2] = r[rlen - 1];
		memcpy(out + 3, r, rlen - 2);
	}
	*out_len = need;
	return VEUICC_OK;
}

/* Bad format value for a reader error at \p off of a level ending at \p end. */
static uint8_t bad_kind(size_t off, size_t end)
{
	return off >= end ? VEUICC_REMOTE_BAD_NO_LENGTH : VEUICC_REMOTE_BAD_WRONG_LENGTH;
}

int veuicc_remote_run_expanded(const uint8_t *script, size_t len, veuicc_remote_exec_fn exec,
                               void *ctx, uint8_t *out, size_t cap, size_t *out_len)
{
	if ((!script && len) || !exec || !out || !out_len)
		return VEUICC_ERR_INVALID_ARG;
	if (len < 1 ||
	    (script[0] != VEUICC_REMOTE_TAG_CMD_DEF && script[0] != VEUICC_REMOTE_TAG_CMD_INDEF))
		return VEUICC_ERR_MALFORMED;
	const bool indef = script[0] == VEUICC_REMOTE_TAG_CMD_INDEF;
	veuicc_tlv_writer w;
	veuicc_tlv_reader rd;
	uint8_t bad = 0, chain = 0;
	unsigned count = 0;

	veuicc_tlv_writer_init(&w, out, cap);
	if (indef) {
		static const uint8_t head[] = {VEUICC_REMOTE_TAG_RSP_INDEF, 0x80};
		veuicc_tlv_put_raw(&w, head, sizeof(head));
	} else {
		veuicc_tlv_begin(&w, VEUICC_REMOTE_TAG_RSP_DEF);
		veuicc_tlv_put_u8(&w, VEUICC_REMOTE_TAG_COUNT, 0);
	}

	/* the outer template: its value is what the inner reader walks */
	const uint8_t *body = NULL;
	size_t body_len = 0;
	if (indef) {
		if (len < 2)
			bad = VEUICC_REMOTE_BAD_NO_LENGTH;
		else if (script[1] != 0x80)
			bad = VEUICC_REMOTE_BAD_WRONG_LENGTH; /* AE must use the indefinite form */
		else
			body = script + 2, body_len = len - 2;
	} else {
		veuicc_tlv_reader outer;
		veuicc_tlv t;
		veuicc_tlv_reader_init(&outer, script, len, 0);
		int rc = veuicc_tlv_next(&outer, &t);
		if (rc != 1)
			bad = bad_kind(outer.err_offset, len);
		else if (t.raw_len != len)
			bad = VEUICC_REMOTE_BAD_WRONG_LENGTH; /* bytes after the template */
		else
			body = t.value, body_len = t.len;
	}

	if (!bad) {
		veuicc_tlv_reader_init(&rd, body, body_len, 0);
		bool eoc = false;
		uint8_t r[VEUICC_REMOTE_MAX];
		for (;;) {
			veuicc_tlv t;
			if (indef && rd.end - rd.pos >= 2 && rd.pos[0] == 0 && rd.pos[1] == 0) {
				eoc = true;
				if (rd.end - rd.pos != 2)
					bad =
					    VEUICC_REMOTE_BAD_WRONG_LENGTH; /* bytes after 00 00 */
				break;
			}
			int rc = veuicc_tlv_next(&rd, &t);
			if (rc == 0)
				break;
			if (rc < 0) {
				bad = bad_kind(rd.err_offset, body_len);
				break;
			}
			if (t.tag == VEUICC_REMOTE_TAG_CAPDU) {
				size_t rlen;
				if (t.len < 4) {
					bad = VEUICC_REMOTE_BAD_WRONG_LENGTH;
					break;
				}
				rc = exec_one(exec, ctx, t.value, t.len, r, &rlen);
				if (rc)
					return rc;
				count++;
				veuicc_tlv_put(&w, VEUICC_REMOTE_TAG_RAPDU, r, rlen);
				if (!sw_continues(r[rlen - 2]) || count == 255)
					break;
			} else if (t.tag == VEUICC_REMOTE_TAG_ERROR_ACT ||
			           t.tag == VEUICC_REMOTE_TAG_IMMEDIATE) {
				continue; /* no proactive session behind the runner */
			} else if (t.tag == VEUICC_REMOTE_TAG_CHAINING) {
				chain = VEUICC_REMOTE_CHAINING_UNSUPPORTED;
				break;
			} else {
				bad = VEUICC_REMOTE_BAD_UNKNOWN_TAG;
				break;
			}
		}
		/* an indefinite template that ran out without 00 00 lacks its end */
		if (indef && !eoc && !bad && !chain && rd.pos >= rd.end)
			bad = VEUICC_REMOTE_BAD_NO_LENGTH;
	}
	if (bad)
		veuicc_tlv_put_u8(&w, VEUICC_REMOTE_TAG_BAD, bad);
	if (chain)
		veuicc_tlv_put_u8(&w, VEUICC_REMOTE_TAG_CHAINING, chain);
	if (indef) {
		static const uint8_t eoc2[] = {0x00, 0x00};
		veuicc_tlv_put_raw(&w, eoc2, sizeof(eoc2));
	} else {
		veuicc_tlv_end(&w);
	}
	size_t n;
	int rc = veuicc_tlv_writer_finish(&w, &n);
	if (rc)
		return rc;
	if (!indef) {
		/* fill in the count now that it is known (TS 102 226 Table 5.11) */
		veuicc_tlv_reader o;
		veuicc_tlv t;
		veuicc_tlv_reader_init(&o, out, n, 0);
		if (veuicc_tlv_next(&o, &t) != 1 || t.len < 3)
			return VEUICC_ERR_INTERNAL;
		out[(size_t)(t.value - out) + 2] = (uint8_t)count;
	}
	*out_len = n;
	return VEUICC_OK;
}
