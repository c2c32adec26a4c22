/* SPDX-License-Identifier: Apache-2.0 */
/* Parser of the veuicc DEVICENAME (see devname.h for the format). */
#include "pcsc/devname.h"
#include "core/hex.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Keys of the DEVICENAME, one bit each to refuse duplicates. */
enum devkey {
	KEY_NAME = 1u << 0,
	KEY_EID = 1u << 1,
	KEY_SEED = 1u << 2,
	KEY_ATR = 1u << 3,
	KEY_TRACE = 1u << 4,
	KEY_PRESENT = 1u << 5,
	KEY_STATE = 1u << 6,
	KEY_PROFILE = 1u << 7,
	KEY_TESTMODE = 1u << 8,
	KEY_QUIRK = 1u << 9,
	KEY_FAULT = 1u << 10,
	KEY_APPLETDIR = 1u << 11,
};

static const struct {
	const char *key;
	enum devkey bit;
} known_keys[] = {
    {"name", KEY_NAME},   {"eid", KEY_EID},         {"seed", KEY_SEED},
    {"atr", KEY_ATR},     {"trace", KEY_TRACE},     {"present", KEY_PRESENT},
    {"state", KEY_STATE}, {"profile", KEY_PROFILE}, {"testmode", KEY_TESTMODE},
    {"quirk", KEY_QUIRK}, {"fault", KEY_FAULT},     {"appletdir", KEY_APPLETDIR},
};

static int fail(char *err, size_t err_len, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int fail(char *err, size_t err_len, int code, const char *fmt, ...)
{
	if (err != NULL && err_len > 0) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err, err_len, fmt, ap);
		va_end(ap);
	}
	return code;
}

static int name_char_ok(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '.' || c == '_' || c == '-';
}

static int parse_name(const char *v, size_t n, veuicc_pcsc_devcfg *cfg, char *err, size_t err_len)
{
	if (n > VEUICC_PCSC_NAME_MAX)
		return fail(err, err_len, VEUICC_ERR_MALFORMED, "name= longer than %d characters",
		            VEUICC_PCSC_NAME_MAX);
	for (size_t i = 0; i < n; i++)
		if (!name_char_ok(v[i]))
			return fail(err, err_len, VEUICC_ERR_MALFORMED,
			            "name= may only hold A-Z a-z 0-9 . _ -");
	memcpy(cfg->name, v, n);
	cfg->name[n] = '\0';
	return VEUICC_OK;
}

/* SGP.02 §2.2.2: the EID is 32 decimal digits; the check digits are verified
 * by veuicc_card_new(), here only the shape. */
static int parse_eid(const char *v, size_t n, veuicc_pcsc_devcfg *cfg, char *err, size_t err_len)
{
	if (n != 32)
		return fail(err, err_len, VEUICC_ERR_MALFORMED, "eid= needs 32 digits, got %zu", n);
	for (size_t i = 0; i < n; i++)
		if (v[i] < '0' || v[i] > '9')
			return fail(err, err_len, VEUICC_ERR_MALFORMED,
			            "eid= may only hold decimal digits");
	memcpy(cfg->eid, v, n);
	cfg->eid[n] = '\0';
	return VEUICC_OK;
}

static int parse_seed(const char *v, size_t n, veuicc_pcsc_devcfg *cfg, char *err, size_t err_len)
{
	char buf[32];
	char *end = NULL;
	if (n >= sizeof(buf) || v[0] == '-' || v[0] == '+')
		return fail(err, err_len, VEUICC_ERR_MALFORMED, "seed= is not an unsigned number");
	memcpy(buf, v, n);
	buf[n] = '\0';
	errno = 0;
	unsigned long long s = strtoull(buf, &end, 0);
	if (errno != 0 || end == buf || *end != '\0')
		return fail(err, err_len, VEUICC_ERR_MALFORMED, "seed= is not an unsigned number");
	cfg->seed = (uint64_t)s;
	cfg->has_seed = 1;
	return VEUICC_OK;
}

/* ISO/IEC 7816-3 §8.2.1: an ATR has at most 32 characters after TS. */
static int parse_atr(const char *v, size_t n, veuicc_pcsc_devcfg *cfg, char *err, size_t err_len)
{
	if (n % 2 != 0 || n < 4 || n / 2 > VEUICC_ATR_MAX)
		return fail(err, err_len, VEUICC_ERR_MALFORMED,
		            "atr= needs 2..%d bytes as an even number of hex digits",
		            VEUICC_ATR_MAX);
	for (size_t i = 0; i < n / 2; i++) {
		int hi = veuicc_hex_digit(v[2 * i]);
		int lo = veuicc_hex_digit(v[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return fail(err, err_len, VEUICC_ERR_MALFORMED, "atr= is not hex");
		cfg->atr[i] = (uint8_t)(hi << 4 | lo);
	}
	cfg->atr_len = n / 2;
	return VEUICC_OK;
}

static int parse_path(const char *key, const char *v, size_t n, char *dst, char *err,
                      size_t err_len)
{
	if (n > VEUICC_PCSC_PATH_MAX)
		return fail(err, err_len, VEUICC_ERR_MALFORMED, "%s= path too long", key);
	if (v[0] != '/')
		return fail(err, err_len, VEUICC_ERR_MALFORMED, "%s= needs an absolute path", key);
	memcpy(dst, v, n);
	dst[n] = '\0';
	return VEUICC_OK;
}

static int parse_pair(const char *k, size_t kn, const char *v, size_t vn, unsigned *seen,
                      veuicc_pcsc_devcfg *cfg, char *err, size_t err_len)
{
	enum devkey bit = 0;
	for (size_t i = 0; i < sizeof(known_keys) / sizeof(known_keys[0]); i++) {
		if (strlen(known_keys[i].key) == kn && memcmp(known_keys[i].key, k, kn) == 0) {
			bit = known_keys[i].bit;
			break;
		}
	}
	if (bit == 0)
		return fail(err, err_len, VEUICC_ERR_MALFORMED, "unknown key '%.*s'", (int)kn, k);
	if ((*seen & bit) && bit != KEY_QUIRK) /* quirk= may be repeated */
		return fail(err, err_len, VEUICC_ERR_MALFORMED, "key '%.*s' given twice", (int)kn,
		            k);
	*seen |= bit;
	if (vn == 0)
		return fail(err, err_len, VEUICC_ERR_MALFORMED, "key '%.*s' has an empty value",
		            (int)kn, k);

	switch (bit) {
	case KEY_NAME: return parse_name(v, vn, cfg, err, err_len);
	case KEY_EID: return parse_eid(v, vn, cfg, err, err_len);
	case KEY_SEED: return parse_seed(v, vn, cfg, err, err_len);
	case KEY_ATR: return parse_atr(v, vn, cfg, err, err_len);
	case KEY_TRACE: return parse_path("trace", v, vn, cfg->trace, err, err_len);
	case KEY_PRESENT:
		if (vn == 1 && (v[0] == '0' || v[0] == '1')) {
			cfg->present = v[0] == '1';
			return VEUICC_OK;
		}
		return fail(err, err_len, VEUICC_ERR_MALFORMED, "present= takes 0 or 1");
	case KEY_STATE: return parse_path("state", v, vn, cfg->state, err, err_len);
	case KEY_PROFILE: return parse_path("profile", v, vn, cfg->profile, err, err_len);
	case KEY_APPLETDIR: return parse_path("appletdir", v, vn, cfg->applet_dir, err, err_len);
	case KEY_TESTMODE:
		if (vn == 1 && (v[0] == '0' || v[0] == '1')) {
			cfg->test_mode = v[0] == '1';
			return VEUICC_OK;
		}
		return fail(err, err_len, VEUICC_ERR_MALFORMED, "testmode= takes 0 or 1");
	case KEY_QUIRK: {
		/* quirk=NAME[=VALUE] (docs/quirks.md); ',' ends the item */
		char item[96], why[200];
		if (vn >= sizeof(item))
			return fail(err, err_len, VEUICC_ERR_MALFORMED, "quirk= value too long");
		memcpy(item, v, vn);
		item[vn] = '\0';
		if (veuicc_quirks_parse(item, &cfg->quirks, why, sizeof(why)))
			return fail(err, err_len, VEUICC_ERR_MALFORMED, "quirk=: %s", why);
		return VEUICC_OK;
	}
	case KEY_FAULT:
		/* docs/testbench.md; the syntax is checked here, cut: against
		 * state= once every key is read */
		memcpy(cfg->fault, v, vn);
		cfg->fault[vn] = '\0';
		if (veuicc_fault_spec_check(cfg->fault) != VEUICC_OK)
			return fail(err, err_len, VEUICC_ERR_MALFORMED,
			            "fault= is not a fault spec (cut:N, sw:SW:HEX[:N], latency:MS, "
			            "drop:N, ota:N[:OFF], joined by ';')");
		return VEUICC_OK;
	}
	return fail(err, err_len, VEUICC_ERR_INTERNAL, "unhandled key");
}

int veuicc_pcsc_devname_parse(const char *devname, veuicc_pcsc_devcfg *cfg, char *err,
                              size_t err_len)
{
	if (err != NULL && err_len > 0)
		err[0] = '\0';
	if (devname == NULL || cfg == NULL)
		return fail(err, err_len, VEUICC_ERR_INVALID_ARG, "no DEVICENAME");
	memset(cfg, 0, sizeof(*cfg));
	cfg->present = 1;

	/* pcsc-lite's reader.conf lexer takes '=' and ',' only inside quotes
	 * and hands the token over with its quotes: drop one enclosing pair. */
	char buf[VEUICC_PCSC_DEVNAME_MAX + 1];
	size_t len = strlen(devname);
	if (len >= 2 && (devname[0] == '"' || devname[0] == '\'') &&
	    devname[len - 1] == devname[0]) {
		devname++;
		len -= 2;
	}
	if (len > VEUICC_PCSC_DEVNAME_MAX)
		return fail(err, err_len, VEUICC_ERR_MALFORMED,
		            "DEVICENAME longer than %d characters", VEUICC_PCSC_DEVNAME_MAX);
	memcpy(buf, devname, len);
	buf[len] = '\0';
	devname = buf;

	const size_t plen = strlen(VEUICC_PCSC_DEVNAME_PREFIX);
	if (strncmp(devname, VEUICC_PCSC_DEVNAME_PREFIX, plen) != 0 ||
	    (devname[plen] != '\0' && devname[plen] != ':'))
		return fail(err, err_len, VEUICC_ERR_MALFORMED,
		            "DEVICENAME must be 'veuicc' or 'veuicc:key=value,...'");
	if (devname[plen] == '\0')
		return VEUICC_OK;

	/* "veuicc:" alone: pcscd wants a ':' in a DEVICENAME that is no file. */
	const char *p = devname + plen + 1;
	unsigned seen = 0;
	if (*p == '\0')
		return VEUICC_OK;
	for (;;) {
		const char *end = strchr(p, ',');
		size_t n = end != NULL ? (size_t)(end - p) : strlen(p);
		const char *eq = memchr(p, '=', n);
		if (eq == NULL)
			return fail(err, err_len, VEUICC_ERR_MALFORMED, "'%.*s' is not key=value",
			            (int)n, p);
		size_t kn = (size_t)(eq - p);
		int rc = parse_pair(p, kn, eq + 1, n - kn - 1, &seen, cfg, err, err_len);
		if (rc != VEUICC_OK)
			return rc;
		if (end == NULL)
			break;
		p = end + 1;
	}
	if (cfg->atr_len &&
	    (cfg->quirks.atr_ta1 || cfg->quirks.atr_classes || cfg->quirks.atr_protocols))
		return fail(err, err_len, VEUICC_ERR_MALFORMED,
		            "atr= and the ATR quirks (quirk=atr-...) exclude each other");
	if (cfg->fault[0] && !cfg->state[0] &&
	    (!strncmp(cfg->fault, "cut:", 4) || strstr(cfg->fault, ";cut:")))
		return fail(err, err_len, VEUICC_ERR_MALFORMED,
		            "fault=cut: needs a card file (state=): a card in memory has no "
		            "persistent write");
	return VEUICC_OK;
}

void veuicc_pcsc_devcfg_to_config(const veuicc_pcsc_devcfg *dc, veuicc_config *out)
{
	veuicc_config_init(out);
	if (dc->eid[0] != '\0')
		out->eid = dc->eid;
	if (dc->atr_len > 0) {
		out->atr = dc->atr;
		out->atr_len = dc->atr_len;
	}
	if (dc->has_seed) {
		out->rng_deterministic = 1;
		out->rng_seed = dc->seed;
	}
	out->test_mode = dc->test_mode;
	out->quirks = dc->quirks;
	if (dc->applet_dir[0] != '\0')
		out->applet_dir = dc->applet_dir;
}
