/* SPDX-License-Identifier: Apache-2.0 */
/**
 * \file util.c
 * \brief Small helpers of the `veuicc` CLI: options, files, hex output.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"

int veuicc_cli_opt(int argc, char **argv, int *i, const char *name, const char **value)
{
	const char *a = argv[*i];
	size_t n = strlen(name);

	if (strncmp(a, name, n) != 0)
		return 0;
	if (!value)
		return a[n] == '\0';
	if (a[n] == '=') {
		*value = a + n + 1;
		return 1;
	}
	if (a[n] != '\0')
		return 0;
	if (*i + 1 >= argc) {
		fprintf(stderr, "veuicc %s: option %s needs a value\n", argv[0], name);
		return -1;
	}
	*value = argv[++*i];
	return 1;
}

int veuicc_cli_read_file(const char *path, char **out, size_t *len)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	if (!f)
		return VEUICC_ERR_IO;

	size_t cap = 4096, n = 0;
	char *buf = malloc(cap);
	int rc = buf ? VEUICC_OK : VEUICC_ERR_NO_MEMORY;
	while (rc == VEUICC_OK) {
		if (n == cap) {
			char *p = cap <= SIZE_MAX / 2 ? realloc(buf, cap * 2) : NULL;
			if (!p) {
				rc = VEUICC_ERR_NO_MEMORY;
				break;
			}
			buf = p;
			cap *= 2;
		}
		size_t got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (got == 0) {
			if (ferror(f))
				rc = VEUICC_ERR_IO;
			break;
		}
	}
	if (f != stdin)
		fclose(f);
	if (rc) {
		free(buf);
		return rc;
	}
	*out = buf;
	*len = n;
	return VEUICC_OK;
}

void veuicc_cli_hex_rows(FILE *f, const uint8_t *b, size_t n, size_t per_row, size_t indent)
{
	if (n == 0) {
		fputs("(none)\n", f);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		if (i && per_row && i % per_row == 0)
			fprintf(f, "\n%*s", (int)indent, "");
		else if (i)
			fputc(' ', f);
		fprintf(f, "%02X", b[i]);
	}
	fputc('\n', f);
}

int veuicc_cli_parse_protocol(const char *s, veuicc_protocol *out)
{
	if (strcasecmp(s, "T=0") == 0)
		*out = VEUICC_PROTO_T0;
	else if (strcasecmp(s, "T=1") == 0)
		*out = VEUICC_PROTO_T1;
	else
		return -1;
	return 0;
}

int veuicc_cli_parse_u64(const char *s, uint64_t *out)
{
	char *end = NULL;
	if (!*s || *s == '-' || *s == '+')
		return -1;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 0);
	if (errno || !end || *end)
		return -1;
	*out = (uint64_t)v;
	return 0;
}
