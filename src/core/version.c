/* SPDX-License-Identifier: Apache-2.0 */
#include "veuicc/veuicc.h"

const char *veuicc_version(void)
{
	return VEUICC_VERSION_STRING;
}

const char *veuicc_strerror(int err)
{
	switch (err) {
	case VEUICC_OK: return "success";
	case VEUICC_ERR_INVALID_ARG: return "invalid argument";
	case VEUICC_ERR_NO_MEMORY: return "out of memory";
	case VEUICC_ERR_BUFFER_TOO_SMALL: return "buffer too small";
	case VEUICC_ERR_MALFORMED: return "malformed input";
	case VEUICC_ERR_UNSUPPORTED: return "not supported";
	case VEUICC_ERR_NOT_POWERED: return "card is not powered";
	case VEUICC_ERR_NOT_FOUND: return "not found";
	case VEUICC_ERR_STATE: return "not allowed in the current state";
	case VEUICC_ERR_CRYPTO: return "cryptographic operation failed";
	case VEUICC_ERR_IO: return "input/output error";
	case VEUICC_ERR_INTERNAL: return "internal error";
	default: return "unknown error";
	}
}
