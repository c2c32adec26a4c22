/* SPDX-License-Identifier: Apache-2.0 */
/* Files that sit beside the fuzz targets (factory configurations), found
 * from this header's own path so a target runs from any directory. */
#ifndef VEUICC_FUZZ_FILES_H
#define VEUICC_FUZZ_FILES_H

#include <stdlib.h>
#include <string.h>

/* fuzz/<name> into \p buf (abort if it does not fit); \returns buf. */
static inline const char *fuzz_file(char *buf, size_t cap, const char *name)
{
	if (!buf[0]) {
		const char *slash = strrchr(__FILE__, '/');
		size_t n = slash ? (size_t)(slash - __FILE__) + 1 : 0;
		if (n + strlen(name) + 1 > cap)
			abort();
		memcpy(buf, __FILE__, n);
		strcpy(buf + n, name);
	}
	return buf;
}

#endif
