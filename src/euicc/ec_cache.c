/* SPDX-License-Identifier: Apache-2.0 */
/* Per-card cache of loaded elliptic-curve groups (ec_cache.h, decision DL6). */
#include "euicc/ec_cache.h"

#include <stdbool.h>
#include <stdlib.h>

#include "euicc/cert.h"

#define SLOTS 2

struct veuicc_ec_cache {
	mbedtls_ecp_group grp[SLOTS];
	bool loaded[SLOTS];
};

veuicc_ec_cache *veuicc_ec_cache_new(void)
{
	veuicc_ec_cache *c = calloc(1, sizeof(*c));
	if (c)
		for (size_t i = 0; i < SLOTS; i++)
			mbedtls_ecp_group_init(&c->grp[i]);
	return c;
}

void veuicc_ec_cache_free(veuicc_ec_cache *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < SLOTS; i++)
		mbedtls_ecp_group_free(&c->grp[i]);
	free(c);
}

mbedtls_ecp_group *veuicc_ec_cache_group(veuicc_ec_cache *c, uint8_t curve)
{
	/* GP Amd E key parameter references of the curves veuicc supports */
	size_t slot;
	mbedtls_ecp_group_id id;
	switch (curve) {
	case VEUICC_CERT_CURVE_P256:
		slot = 0;
		id = MBEDTLS_ECP_DP_SECP256R1;
		break;
	case VEUICC_CERT_CURVE_BP256R1:
		slot = 1;
		id = MBEDTLS_ECP_DP_BP256R1;
		break;
	default: return NULL;
	}
	if (!c)
		return NULL;
	if (!c->loaded[slot]) {
		if (mbedtls_ecp_group_load(&c->grp[slot], id)) {
			mbedtls_ecp_group_free(&c->grp[slot]);
			mbedtls_ecp_group_init(&c->grp[slot]);
			return NULL;
		}
		c->loaded[slot] = true;
	}
	return &c->grp[slot];
}
