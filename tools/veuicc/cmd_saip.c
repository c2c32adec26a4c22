/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `veuicc saip dump|check|build|personalize`: read, check and write SAIP
 * profile packages (src/saip). Errors name the byte offset, the PE and the
 * SAIP status code; outputs are written to a temporary file in the target's
 * directory and renamed into place, so a failed run never leaves a
 * half-written file.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <mbedtls/platform_util.h>

#include "cli.h"
#include "saip/saip.h"
#include "saip/saip_schema.h"

#define DEFAULT_NAME ":default" /* the TS.48 V7.0 profile built into libveuicc */

static const char usage_text[] =
    "usage: veuicc saip dump FILE [-o OUT.json]\n"
    "       veuicc saip check FILE [-q]\n"
    "       veuicc saip build FILE.json -o OUT.der [--no-check]\n"
    "       veuicc saip personalize FILE -o OUT.der [--iccid DIGITS] [--imsi DIGITS]\n"
    "                               [--ki HEX] [--opc HEX] [--algorithm NAME] [--keccak N]\n"
    "\n"
    "SAIP profile packages (TCA eUICC Profile Package, PEDefinitions 3.3.1), strict DER.\n"
    "  dump         print the profile as JSON (ASN.1 field names, hex octet strings)\n"
    "  check        decode and validate; exit 0 if the profile is valid, 1 if not\n"
    "  build        JSON (as printed by dump) -> DER; validated unless --no-check\n"
    "  personalize  set ICCID (header and EF.ICCID), IMSI (EF.IMSI), K and OPc\n"
    "               (TUAK: TOPc), the algorithm (milenage, tuak,\n"
    "               usim-test-algorithm) and TUAK's numberOfKeccak (1..255) of\n"
    "               akaParameter; the result is validated before it is written\n"
    "FILE may be '-' (standard input) or '" DEFAULT_NAME "' (the built-in TS.48 V7.0\n"
    "SAIP 2.3 BER-TLV SUCI test profile). OUT may be '-' (standard output).\n"
    "exit status: 0 ok, 1 profile invalid, 2 usage, input or I/O error\n";

__attribute__((format(printf, 1, 2))) static int usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("veuicc saip: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\nTry 'veuicc saip --help'.\n", stderr);
	return VEUICC_CLI_EXIT_USAGE;
}

static int read_input(const char *path, char **buf, size_t *len)
{
	if (strcmp(path, DEFAULT_NAME) == 0) {
		const uint8_t *d = veuicc_saip_default_profile(len);
		*buf = malloc(*len);
		if (!*buf)
			return VEUICC_ERR_NO_MEMORY;
		memcpy(*buf, d, *len);
		return VEUICC_OK;
	}
	int rc = veuicc_cli_read_file(path, buf, len);
	if (rc)
		fprintf(stderr, "veuicc saip: %s: %s\n", path,
		        rc == VEUICC_ERR_IO ? strerror(errno) : veuicc_strerror(rc));
	return rc;
}

static void print_error(const char *path, const veuicc_saip_error *e, const char *what)
{
	fprintf(stderr, "veuicc saip: %s: %s", path, what);
	if (e->err == VEUICC_ERR_MALFORMED && strncmp(what, "JSON", 4) != 0)
		fprintf(stderr, " at byte %zu", e->offset);
	if (e->pe_index >= 0) {
		fprintf(stderr, " (PE #%ld", e->pe_index);
		if (e->identification >= 0)
			fprintf(stderr, ", identification %ld", e->identification);
		fputc(')', stderr);
	}
	fprintf(stderr, ": %s [%s]\n",
	        e->err == VEUICC_ERR_MALFORMED ? e->msg : veuicc_strerror(e->err),
	        veuicc_saip_status_name(e->status));
}

static int decode_file(const char *path, veuicc_saip_profile **p)
{
	char *buf;
	size_t len;
	veuicc_saip_error e;

	if (read_input(path, &buf, &len))
		return VEUICC_CLI_EXIT_USAGE;
	int rc = veuicc_saip_decode((const uint8_t *)buf, len, p, &e);
	mbedtls_platform_zeroize(buf, len);
	free(buf);
	if (rc) {
		print_error(path, &e, "not a valid profile package");
		return VEUICC_CLI_EXIT_USAGE;
	}
	return VEUICC_CLI_EXIT_OK;
}

/* Write via a temporary file in the same directory, then rename (POSIX rename is atomic). */
static int write_output(const char *path, const void *data, size_t len)
{
	if (strcmp(path, "-") == 0) {
		if (fwrite(data, 1, len, stdout) != len || fflush(stdout)) {
			fprintf(stderr, "veuicc saip: writing standard output: %s\n",
			        strerror(errno));
			return VEUICC_CLI_EXIT_USAGE;
		}
		return VEUICC_CLI_EXIT_OK;
	}
	size_t plen = strlen(path);
	char *tmp = malloc(plen + 16);
	if (!tmp)
		return VEUICC_CLI_EXIT_USAGE;
	snprintf(tmp, plen + 16, "%s.tmp.XXXXXX", path);
	int fd = mkstemp(tmp);
	if (fd < 0) {
		fprintf(stderr, "veuicc saip: %s: cannot create a temporary file: %s\n", path,
		        strerror(errno));
		free(tmp);
		return VEUICC_CLI_EXIT_USAGE;
	}
	/* mkstemp() creates 0600; give the output the usual 0666 & ~umask */
	mode_t mask = umask(0);
	umask(mask);
	const unsigned char *p = data;
	size_t done = 0;
	int err = fchmod(fd, 0666 & ~mask) ? errno : 0;
	while (done < len) {
		ssize_t w = write(fd, p + done, len - done);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			err = errno ? errno : EIO;
			break;
		}
		done += (size_t)w;
	}
	if (!err && fsync(fd))
		err = errno;
	if (close(fd) && !err)
		err = errno;
	if (!err && rename(tmp, path))
		err = errno;
	if (err) {
		fprintf(stderr, "veuicc saip: %s: %s (nothing written)\n", path, strerror(err));
		unlink(tmp);
		free(tmp);
		return VEUICC_CLI_EXIT_USAGE;
	}
	free(tmp);
	return VEUICC_CLI_EXIT_OK;
}

static void print_report(FILE *f, const char *path, const veuicc_saip_report *rep, bool quiet)
{
	for (size_t k = 0; k < rep->count; k++) {
		const veuicc_saip_issue *is = &rep->issues[k];
		if (quiet && is->warning)
			continue;
		fprintf(f, "%s: %s", path, is->warning ? "warning" : "error");
		if (is->pe_index >= 0) {
			fprintf(f, ": PE #%ld %s", is->pe_index,
			        veuicc_saip_pe_type_name(is->pe_type));
			if (is->identification >= 0)
				fprintf(f, " (identification %ld)", is->identification);
			fprintf(f, " at byte %zu", is->offset);
		}
		fprintf(f, ": %s [%s]\n", is->msg, veuicc_saip_status_name(is->status));
	}
	if (rep->errors + rep->warnings > rep->count)
		fprintf(f, "%s: ... %zu more not shown\n", path,
		        rep->errors + rep->warnings - rep->count);
}

/* Validate; print the findings; 0 if valid. */
static int validate(const char *path, const veuicc_saip_profile *p, bool quiet, FILE *f)
{
	veuicc_saip_report *rep = malloc(sizeof(*rep));
	int rc;

	if (!rep)
		return VEUICC_CLI_EXIT_USAGE;
	rc = veuicc_saip_validate(p, NULL, rep);
	print_report(f, path, rep, quiet);
	free(rep);
	return rc ? VEUICC_CLI_EXIT_MISMATCH : VEUICC_CLI_EXIT_OK;
}

/* Encode, decode again (strict DER), validate, write. */
static int encode_and_write(const char *src, const veuicc_saip_profile *p, const char *out,
                            bool check)
{
	uint8_t *der;
	size_t len;
	veuicc_saip_profile *again;
	veuicc_saip_error e;
	int rc = veuicc_saip_encode(p, &der, &len);

	if (rc) {
		fprintf(stderr, "veuicc saip: %s: cannot encode: %s\n", src, veuicc_strerror(rc));
		return VEUICC_CLI_EXIT_USAGE;
	}
	rc = veuicc_saip_decode(der, len, &again, &e);
	if (rc) {
		print_error(src, &e, "the encoding does not decode");
		rc = VEUICC_CLI_EXIT_USAGE;
	} else {
		rc = check ? validate(src, again, true, stderr) : VEUICC_CLI_EXIT_OK;
		if (rc)
			fprintf(stderr,
			        "veuicc saip: %s: result is not a valid profile; nothing written\n",
			        src);
		else
			rc = write_output(out, der, len);
	}
	veuicc_saip_free(again);
	mbedtls_platform_zeroize(der, len);
	free(der);
	return rc;
}

static int cmd_dump(const char *in, const char *out)
{
	veuicc_saip_profile *p;
	char *json;
	int rc = decode_file(in, &p);

	if (rc)
		return rc;
	rc = veuicc_saip_to_json(p, &json);
	veuicc_saip_free(p);
	if (rc) {
		fprintf(stderr, "veuicc saip: %s: %s\n", in, veuicc_strerror(rc));
		return VEUICC_CLI_EXIT_USAGE;
	}
	size_t n = strlen(json);
	json[n] = '\n'; /* replaces the NUL; written with its length */
	rc = write_output(out ? out : "-", json, n + 1);
	mbedtls_platform_zeroize(json, n + 1);
	free(json);
	return rc;
}

static int cmd_check(const char *in, bool quiet)
{
	veuicc_saip_profile *p;
	char *buf;
	size_t len;
	veuicc_saip_error e;

	if (read_input(in, &buf, &len))
		return VEUICC_CLI_EXIT_USAGE;
	int rc = veuicc_saip_decode((const uint8_t *)buf, len, &p, &e);
	free(buf);
	if (rc) {
		print_error(in, &e, "invalid");
		return VEUICC_CLI_EXIT_MISMATCH;
	}
	rc = validate(in, p, quiet, stdout);
	if (rc == VEUICC_CLI_EXIT_OK)
		printf("%s: valid, %zu PEs, %zu bytes\n", in, p->count, len);
	else
		printf("%s: INVALID\n", in);
	veuicc_saip_free(p);
	return rc;
}

static int cmd_build(const char *in, const char *out, bool check)
{
	veuicc_saip_profile *p;
	veuicc_saip_error e;
	char *buf;
	size_t len;

	if (read_input(in, &buf, &len))
		return VEUICC_CLI_EXIT_USAGE;
	int rc = veuicc_saip_from_json(buf, len, &p, &e);
	mbedtls_platform_zeroize(buf, len);
	free(buf);
	if (rc) {
		if (rc == VEUICC_ERR_MALFORMED && strncmp(e.msg, "JSON", 4) == 0)
			fprintf(stderr, "veuicc saip: %s: %s (byte %zu)\n", in, e.msg, e.offset);
		else
			print_error(in, &e, "JSON");
		return VEUICC_CLI_EXIT_USAGE;
	}
	rc = encode_and_write(in, p, out, check);
	veuicc_saip_free(p);
	return rc;
}

static int parse_key(const char *opt, const char *hex, uint8_t *out, size_t *n)
{
	if (veuicc_saip_unhex(hex, out, 32, n) || (*n != 16 && *n != 32)) {
		fprintf(stderr, "veuicc saip: %s wants 32 or 64 hex digits\n", opt);
		return -1;
	}
	return 0;
}

/* SAIP AlgoParameter.algorithmID named numbers (PEDefinitions). */
static const struct {
	const char *name;
	uint32_t id;
} algorithms[] = {
    {"milenage", VEUICC_SAIP_ALGO_MILENAGE},
    {"tuak", VEUICC_SAIP_ALGO_TUAK},
    {"usim-test-algorithm", VEUICC_SAIP_ALGO_USIM_TEST},
};

static int parse_algorithm(const char *name, uint32_t *id)
{
	for (size_t i = 0; i < sizeof(algorithms) / sizeof(algorithms[0]); i++)
		if (strcmp(name, algorithms[i].name) == 0) {
			*id = algorithms[i].id;
			return 0;
		}
	fprintf(stderr,
	        "veuicc saip: --algorithm %s: wants milenage, tuak or usim-test-algorithm\n", name);
	return -1;
}

static int parse_keccak(const char *s, uint32_t *n)
{
	char *end;
	unsigned long v = strtoul(s, &end, 10);

	if (s[0] < '0' || s[0] > '9' || *end || v < 1 || v > 255) {
		fprintf(stderr, "veuicc saip: --keccak %s: wants 1 to 255 (numberOfKeccak)\n", s);
		return -1;
	}
	*n = (uint32_t)v;
	return 0;
}

static int cmd_personalize(const char *in, const char *out, const char *iccid, const char *imsi,
                           const char *ki, const char *opc, const char *alg, const char *keccak)
{
	veuicc_saip_profile *p;
	uint8_t k[32], o[32];
	size_t kn = 0, on = 0;
	uint32_t alg_id = 0, nkeccak = 0;
	int rc = VEUICC_CLI_EXIT_USAGE;

	if (!iccid && !imsi && !ki && !opc && !alg && !keccak)
		return usage_error("%s", "personalize: nothing to change (--iccid, --imsi, --ki, "
		                         "--opc, --algorithm, --keccak)");
	if ((ki && parse_key("--ki", ki, k, &kn)) || (opc && parse_key("--opc", opc, o, &on)) ||
	    (alg && parse_algorithm(alg, &alg_id)) || (keccak && parse_keccak(keccak, &nkeccak)))
		goto wipe;
	if (decode_file(in, &p))
		goto wipe;
	if (iccid && (rc = veuicc_saip_set_iccid(p, iccid)) != VEUICC_OK) {
		fprintf(stderr, "veuicc saip: --iccid %s: %s\n", iccid,
		        rc == VEUICC_ERR_NOT_FOUND
		            ? "the profile has no header or no EF.ICCID content"
		            : "wants 18 to 20 digits with a valid Luhn check digit");
		goto fail;
	}
	if (imsi && (rc = veuicc_saip_set_imsi(p, imsi)) != VEUICC_OK) {
		fprintf(stderr, "veuicc saip: --imsi %s: %s\n", imsi,
		        rc == VEUICC_ERR_NOT_FOUND
		            ? "the profile has no EF.IMSI content in a usim PE"
		            : "wants 6 to 15 digits");
		goto fail;
	}
	veuicc_saip_aka_edit ed = {alg_id, ki ? k : NULL, kn, opc ? o : NULL, on, nkeccak};
	if ((ki || opc || alg || keccak) && (rc = veuicc_saip_set_aka(p, &ed)) != VEUICC_OK) {
		fprintf(
		    stderr, "veuicc saip: --ki/--opc/--algorithm/--keccak: %s\n",
		    rc == VEUICC_ERR_NOT_FOUND
		        ? "the profile has no akaParameter with an algoParameter"
		    : rc == VEUICC_ERR_INVALID_ARG
		        ? "K/OPc lengths do not fit the algorithm (Milenage: K and OPc 16 bytes; "
		          "TUAK: K 16 or 32, TOPc 32; usim-test-algorithm: K 16), or --keccak "
		          "without TUAK"
		        : "out of memory");
		goto fail;
	}
	rc = encode_and_write(in, p, out, true);
	veuicc_saip_free(p);
	goto wipe;
fail:
	rc = VEUICC_CLI_EXIT_USAGE;
	veuicc_saip_free(p);
wipe:
	mbedtls_platform_zeroize(k, sizeof(k));
	mbedtls_platform_zeroize(o, sizeof(o));
	return rc;
}

int veuicc_cli_saip(int argc, char **argv)
{
	const char *verb = NULL, *in = NULL, *out = NULL;
	const char *iccid = NULL, *imsi = NULL, *ki = NULL, *opc = NULL, *alg = NULL,
	           *keccak = NULL;
	bool quiet = false, check = true;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		int m;
		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			fputs(usage_text, stdout);
			return VEUICC_CLI_EXIT_OK;
		}
		if (strcmp(a, "-q") == 0 || strcmp(a, "--quiet") == 0) {
			quiet = true;
			continue;
		}
		if (strcmp(a, "--no-check") == 0) {
			check = false;
			continue;
		}
		if (strcmp(a, "-o") == 0) {
			if (++i >= argc)
				return usage_error("%s", "-o needs a file name");
			out = argv[i];
			continue;
		}
		if ((m = veuicc_cli_opt(argc, argv, &i, "--output", &out)) ||
		    (m = veuicc_cli_opt(argc, argv, &i, "--iccid", &iccid)) ||
		    (m = veuicc_cli_opt(argc, argv, &i, "--imsi", &imsi)) ||
		    (m = veuicc_cli_opt(argc, argv, &i, "--ki", &ki)) ||
		    (m = veuicc_cli_opt(argc, argv, &i, "--opc", &opc)) ||
		    (m = veuicc_cli_opt(argc, argv, &i, "--algorithm", &alg)) ||
		    (m = veuicc_cli_opt(argc, argv, &i, "--keccak", &keccak))) {
			if (m < 0)
				return VEUICC_CLI_EXIT_USAGE;
			continue;
		}
		if (a[0] == '-' && a[1] != '\0')
			return usage_error("unknown option '%s'", a);
		if (!verb)
			verb = a;
		else if (!in)
			in = a;
		else
			return usage_error("unexpected argument '%s'", a);
	}
	if (!verb)
		return usage_error("%s", "missing command: dump, check, build or personalize");
	if (!in)
		return usage_error("%s: missing FILE", verb);
	if (strcmp(verb, "dump") == 0)
		return cmd_dump(in, out);
	if (strcmp(verb, "check") == 0)
		return cmd_check(in, quiet);
	if (!out)
		return usage_error("%s: missing -o OUT", verb);
	if (strcmp(verb, "build") == 0)
		return cmd_build(in, out, check);
	if (strcmp(verb, "personalize") == 0)
		return cmd_personalize(in, out, iccid, imsi, ki, opc, alg, keccak);
	return usage_error("unknown command '%s'", verb);
}
