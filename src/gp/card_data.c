/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Card Recognition Data (GP CS v2.3 §H.2, Table H-1). Every OID is
 * {globalPlatform n ...} = 1.2.840.114283.n..., coded 2A 86 48 86 FC 6B n...
 * The SCP entry appends the SCP identifier and its "i" parameter as raw
 * bytes (so SCP80 i=00 gives `80 00`, which is not a minimal BER arc: GP
 * codes it that way and readers take the last two bytes; G3).
 */
#include "gp/card_data.h"

#include "apdu/sw.h"
#include "tlv/tlv.h"

#define TAG_CARD_DATA    0x66 /* Card Data */
#define TAG_CRD          0x73 /* Card Recognition Data */
#define TAG_OID          0x06
#define TAG_CARD_MGMT    0x60 /* card management type and version */
#define TAG_CARD_ID      0x63 /* card identification scheme */
#define TAG_SCP          0x64 /* secure channel protocol and its i */
#define GP_ARC_CRD       0x01 /* {globalPlatform 1}: card recognition data */
#define GP_ARC_CARD_MGMT 0x02 /* {globalPlatform 2 v} */
#define GP_ARC_CARD_ID   0x03 /* {globalPlatform 3} */
#define GP_ARC_SCP       0x04 /* {globalPlatform 4 scp i} */
#define SCP03            0x03
#define SCP03_I          0x70 /* pseudo-random challenge, C/R-MAC, C/R-ENC (S3-1) */
#define SCP80            0x80 /* ETSI TS 102 225 (G3) */
#define SCP80_I          0x00

/* 1.2.840.114283 */
static const uint8_t gp_rid[6] = {0x2A, 0x86, 0x48, 0x86, 0xFC, 0x6B};

/* OID {globalPlatform arc tail...} as 06 L ... */
static void put_oid(veuicc_tlv_writer *w, uint8_t arc, const uint8_t *tail, size_t tail_len)
{
	uint8_t b[sizeof(gp_rid) + 1 + 4];
	size_t n = 0;
	for (size_t i = 0; i < sizeof(gp_rid); i++)
		b[n++] = gp_rid[i];
	b[n++] = arc;
	for (size_t i = 0; i < tail_len && i < 4; i++)
		b[n++] = tail[i];
	veuicc_tlv_put(w, TAG_OID, b, n);
}

static void put_scp(veuicc_tlv_writer *w, uint8_t scp, uint8_t i)
{
	const uint8_t tail[2] = {scp, i};
	veuicc_tlv_begin(w, TAG_SCP);
	put_oid(w, GP_ARC_SCP, tail, sizeof(tail));
	veuicc_tlv_end(w);
}

uint16_t veuicc_gp_card_data(bool isdr, veuicc_rsp *rsp)
{
	/* card management type and version: GP Card Specification v2.3
	 * (2.3 -> arcs 2 3 after {globalPlatform 2}; G2) */
	static const uint8_t version[2] = {0x02, 0x03};
	uint8_t buf[96];
	veuicc_tlv_writer w;
	veuicc_tlv_writer_init(&w, buf, sizeof(buf));
	veuicc_tlv_begin(&w, TAG_CARD_DATA);
	veuicc_tlv_begin(&w, TAG_CRD);
	put_oid(&w, GP_ARC_CRD, NULL, 0);
	veuicc_tlv_begin(&w, TAG_CARD_MGMT);
	put_oid(&w, GP_ARC_CARD_MGMT, version, sizeof(version));
	veuicc_tlv_end(&w);
	veuicc_tlv_begin(&w, TAG_CARD_ID);
	put_oid(&w, GP_ARC_CARD_ID, NULL, 0);
	veuicc_tlv_end(&w);
	/* SCPs the domain implements (G4): SCP03 on both; SCP80 (OTA SMS,
	 * cat/envelope.c) only on the ISD-R; SCP81 (cat/bip.c) not listed:
	 * its i parameter is not known from a source (H81-16) */
	put_scp(&w, SCP03, SCP03_I);
	if (isdr)
		put_scp(&w, SCP80, SCP80_I);
	veuicc_tlv_end(&w);
	veuicc_tlv_end(&w);
	size_t n;
	if (veuicc_tlv_writer_finish(&w, &n) != VEUICC_OK)
		return VEUICC_SW_NO_DIAGNOSIS;
	if (veuicc_rsp_put(rsp, buf, n) != VEUICC_OK)
		return VEUICC_SW_MEMORY_FAILURE;
	return VEUICC_SW_OK;
}
