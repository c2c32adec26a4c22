/* SPDX-License-Identifier: Apache-2.0 */
#include "euicc/euicc.h"

#include "euicc/ecasd.h"

#include <stdlib.h>
#include <string.h>

#define AID_GSMA(b13, b14, b15)                                                                    \
	{                                                                                          \
		0xA0, 0x00, 0x00, 0x05, 0x59, 0x10, 0x10, 0xFF, 0xFF, 0xFF, 0xFF, 0x89, b13, b14,  \
		    b15, 0x00                                                                      \
	}

const uint8_t veuicc_aid_isdr[16] = AID_GSMA(0x00, 0x00, 0x01);
const uint8_t veuicc_aid_ecasd[16] = AID_GSMA(0x00, 0x00, 0x02);
const uint8_t veuicc_aid_isdp_elf[16] = AID_GSMA(0x00, 0x00, 0x0D);
const uint8_t veuicc_aid_isdp_em[16] = AID_GSMA(0x00, 0x00, 0x0E);

/* GP CS v2.3 §11.1.2 privileges (3 bytes): byte 1 b8 Security Domain;
 * byte 2 b8 Trusted Path, b7 Authorized Management. The ISD-R gets the
 * privileges SGP.02 ISD-Ps are created with (`80 C0`, digest §1.1 [I]),
 * the ECASD only the Security Domain privilege (docs/spec-decisions.md). */
static const uint8_t priv_isdr[3] = {0x80, 0xC0, 0x00};
static const uint8_t priv_ecasd[3] = {0x80, 0x00, 0x00};

static int add_sd(veuicc_card *card, const uint8_t aid[16], veuicc_gp_kind kind,
                  const uint8_t priv[3])
{
	veuicc_gp_entry e;
	memset(&e, 0, sizeof(e));
	memcpy(e.aid, aid, 16);
	e.aid_len = 16;
	e.kind = kind;
	e.lcs = VEUICC_GP_LCS_PERSONALIZED; /* personalised by the EUM (SGP.02 §2.2.1) */
	memcpy(e.priv, priv, 3);
	memcpy(e.assoc, veuicc_aid_isdr, 16); /* associated with the ISD-R (digest §1.1) */
	e.assoc_len = 16;
	e.slot = -1;
	return veuicc_gp_registry_add(&card->registry, &e, NULL);
}

int veuicc_euicc_install(veuicc_card *card)
{
	/* Registration order is the order of partial-AID occurrences: ISD-R first. */
	int rc = veuicc_engine_add_app(&card->engine, veuicc_aid_isdr, sizeof(veuicc_aid_isdr),
	                               &veuicc_isdr_ops, card);
	if (!rc)
		rc = veuicc_ecasd_install(card); /* euicc/ecasd.h: owns the ECASD's identity */
	if (!rc)
		rc = add_sd(card, veuicc_aid_isdr, VEUICC_GP_ISDR, priv_isdr);
	if (!rc)
		rc = add_sd(card, veuicc_aid_ecasd, VEUICC_GP_ECASD, priv_ecasd);
	return rc;
}

size_t veuicc_euicc_free_nvm(const veuicc_card *card)
{
	size_t taken = 0;
	const veuicc_gp_registry *r = &card->registry;
	for (size_t i = 0; i < r->count; i++) {
		if (r->e[i].kind != VEUICC_GP_ISDP)
			continue;
		taken += r->e[i].quota > r->e[i].used ? r->e[i].quota : r->e[i].used;
	}
	return taken >= VEUICC_EUICC_NVM_BYTES ? 0 : VEUICC_EUICC_NVM_BYTES - taken;
}

size_t veuicc_euicc_free_vm(const veuicc_card *card)
{
	size_t taken = 0;
	const veuicc_gp_registry *r = &card->registry;
	for (size_t i = 0; i < r->count; i++)
		taken += r->e[i].rx.len;
	return taken >= VEUICC_EUICC_VM_BYTES ? 0 : VEUICC_EUICC_VM_BYTES - taken;
}
