/* SPDX-License-Identifier: Apache-2.0 */
/**
 * \file script.c
 * \brief APDU script parser and response matcher (docs/apdu-script.md).
 */
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "apdu/script.h"

/* One whitespace-separated token of a statement. */
struct tok {
	const char *p;
	size_t n;
	unsigned line;
	unsigned col;
};

struct parser {
	veuicc_script *s;
	veuicc_script_error *err;
	struct tok *toks;
	size_t n_toks;
	size_t cap_toks;
};

/* Directive names (docs/apdu-script.md §Directives). */
#define DIR_RESET        ".reset"
#define DIR_PROTOCOL     ".protocol"
#define DIR_EXPECT_ATR   ".expect-atr"
#define DIR_GET_RESPONSE ".get-response"
#define DIR_EID          ".eid"
#define DIR_SEED         ".seed"

/* Characters that always form a token of their own. */
static int is_special(char c)
{
	return c == ':' || c == '|' || c == '*' || c == '\\';
}

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

__attribute__((format(printf, 4, 5))) static int fail(struct parser *ps, unsigned line,
                                                      unsigned col, const char *fmt, ...)
{
	if (ps->err) {
		va_list ap;
		ps->err->line = line;
		ps->err->col = col;
		va_start(ap, fmt);
		vsnprintf(ps->err->msg, sizeof(ps->err->msg), fmt, ap);
		va_end(ap);
	}
	return VEUICC_ERR_MALFORMED;
}

/* Make room for one more element of size \p elem: returns the (possibly
 * moved) array, or NULL when out of memory (the old array stays valid). */
static void *grow(void *arr, size_t *cap, size_t used, size_t elem)
{
	if (used < *cap)
		return arr;
	size_t ncap = *cap ? *cap * 2 : 16;
	if (ncap > SIZE_MAX / elem)
		return NULL;
	void *p = realloc(arr, ncap * elem);
	if (p)
		*cap = ncap;
	return p;
}

static int push_unit(veuicc_script *s, veuicc_script_unit u)
{
	veuicc_script_unit *p = grow(s->units, &s->cap_units, s->n_units, sizeof(u));
	if (!p)
		return VEUICC_ERR_NO_MEMORY;
	s->units = p;
	s->units[s->n_units++] = u;
	return VEUICC_OK;
}

static int push_step(veuicc_script *s, const veuicc_script_step *st)
{
	veuicc_script_step *p = grow(s->steps, &s->cap_steps, s->n_steps, sizeof(*st));
	if (!p)
		return VEUICC_ERR_NO_MEMORY;
	s->steps = p;
	s->steps[s->n_steps++] = *st;
	return VEUICC_OK;
}

static int tok_is(const struct tok *t, const char *word)
{
	size_t n = strlen(word);
	return t->n == n && strncasecmp(t->p, word, n) == 0;
}

/* Nibble from a hex digit or wildcard: value and mask; -1 if invalid. */
static int nibble(char c, uint8_t *value, uint8_t *mask)
{
	if (c >= '0' && c <= '9')
		*value = (uint8_t)(c - '0');
	else if (c >= 'A' && c <= 'F')
		*value = (uint8_t)(c - 'A' + 10);
	else if (c >= 'a' && c <= 'f')
		*value = (uint8_t)(c - 'a' + 10);
	else if (c == 'x' || c == 'X' || c == '?') {
		*value = 0;
		*mask = 0;
		return 0;
	} else
		return -1;
	*mask = 0xF;
	return 0;
}

static int bad_char(struct parser *ps, const struct tok *t, size_t i, const char *what)
{
	unsigned char c = (unsigned char)t->p[i];
	unsigned col = t->col + (unsigned)i;
	if (c > 0x20 && c < 0x7F)
		return fail(ps, t->line, col, "invalid character '%c' in %s (expected hex digits)",
		            c, what);
	return fail(ps, t->line, col, "invalid byte 0x%02X in %s (expected hex digits)", c, what);
}

static int find_var(const veuicc_script *s, const char *name, size_t n)
{
	for (size_t i = 0; i < s->n_vars; i++)
		if (strlen(s->vars[i]) == n && memcmp(s->vars[i], name, n) == 0)
			return (int)i;
	return -1;
}

/* `$name` token -> variable index (created when \p create). */
static int parse_var(struct parser *ps, const struct tok *t, int create, uint16_t *idx)
{
	veuicc_script *s = ps->s;
	const char *name = t->p + 1;
	size_t n = t->n - 1;

	if (n == 0)
		return fail(ps, t->line, t->col, "variable name expected after '$'");
	if (n > VEUICC_SCRIPT_VAR_NAME_MAX)
		return fail(ps, t->line, t->col, "variable name longer than %d characters",
		            VEUICC_SCRIPT_VAR_NAME_MAX);
	for (size_t i = 0; i < n; i++) {
		char c = name[i];
		int ok = c == '_' || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		         (i > 0 && c >= '0' && c <= '9');
		if (!ok)
			return fail(ps, t->line, t->col + 1 + (unsigned)i,
			            "invalid character in variable name (letters, digits, '_')");
	}
	int v = find_var(s, name, n);
	if (v < 0) {
		if (!create)
			return fail(ps, t->line, t->col,
			            "variable $%.*s is used before a pattern captures it", (int)n,
			            name);
		if (s->n_vars >= UINT16_MAX)
			return fail(ps, t->line, t->col, "too many variables");
		char(*vars)[VEUICC_SCRIPT_VAR_NAME_MAX + 1] =
		    grow(s->vars, &s->cap_vars, s->n_vars, sizeof(*s->vars));
		if (!vars)
			return VEUICC_ERR_NO_MEMORY;
		s->vars = vars;
		memcpy(s->vars[s->n_vars], name, n);
		s->vars[s->n_vars][n] = '\0';
		v = (int)s->n_vars++;
	}
	*idx = (uint16_t)v;
	return VEUICC_OK;
}

/* Append the units of one command token (hex bytes or `$var`). */
static int parse_cmd_token(struct parser *ps, const struct tok *t)
{
	veuicc_script_unit u = {0};

	if (t->p[0] == '$') {
		u.kind = VEUICC_SCRIPT_VAR;
		int rc = parse_var(ps, t, 0, &u.var);
		return rc ? rc : push_unit(ps->s, u);
	}
	if (t->n == 1 && (t->p[0] == '*' || t->p[0] == '|'))
		return fail(ps, t->line, t->col, "'%c' is only allowed in an expected response",
		            t->p[0]);
	for (size_t i = 0; i < t->n; i += 2) {
		uint8_t hi, lo, mh, ml;
		if (nibble(t->p[i], &hi, &mh) < 0)
			return bad_char(ps, t, i, "a command");
		if (i + 1 >= t->n)
			return fail(ps, t->line, t->col + (unsigned)i,
			            "odd number of hex digits in '%.*s' (a byte is two digits)",
			            (int)t->n, t->p);
		if (nibble(t->p[i + 1], &lo, &ml) < 0)
			return bad_char(ps, t, i + 1, "a command");
		if (!mh || !ml)
			return fail(ps, t->line, t->col + (unsigned)(mh ? i + 1 : i),
			            "wildcards are only allowed in an expected response");
		u.kind = VEUICC_SCRIPT_BYTE;
		u.value = (uint8_t)(hi << 4 | lo);
		u.mask = 0xFF;
		int rc = push_unit(ps->s, u);
		if (rc)
			return rc;
	}
	return VEUICC_OK;
}

/* Append the units of one pattern token; \p seen collects the variables of
 * this alternative (a variable may appear once per alternative). */
static int parse_pat_token(struct parser *ps, const struct tok *t, size_t alt_off)
{
	veuicc_script *s = ps->s;
	veuicc_script_unit u = {0};

	if (t->n == 1 && t->p[0] == '*') {
		/* consecutive stars are one star */
		if (s->n_units > alt_off && s->units[s->n_units - 1].kind == VEUICC_SCRIPT_STAR)
			return VEUICC_OK;
		u.kind = VEUICC_SCRIPT_STAR;
		return push_unit(s, u);
	}
	if (t->p[0] == '$') {
		u.kind = VEUICC_SCRIPT_VAR;
		int rc = parse_var(ps, t, 1, &u.var);
		if (rc)
			return rc;
		for (size_t i = alt_off; i < s->n_units; i++)
			if (s->units[i].kind == VEUICC_SCRIPT_VAR && s->units[i].var == u.var)
				return fail(ps, t->line, t->col,
				            "variable %.*s appears twice in one pattern", (int)t->n,
				            t->p);
		return push_unit(s, u);
	}
	for (size_t i = 0; i < t->n; i += 2) {
		uint8_t hi, lo, mh, ml;
		if (nibble(t->p[i], &hi, &mh) < 0)
			return bad_char(ps, t, i, "an expected response");
		if (i + 1 >= t->n)
			return fail(ps, t->line, t->col + (unsigned)i,
			            "odd number of hex digits in '%.*s' (a byte is two digits)",
			            (int)t->n, t->p);
		if (nibble(t->p[i + 1], &lo, &ml) < 0)
			return bad_char(ps, t, i + 1, "an expected response");
		u.kind = VEUICC_SCRIPT_BYTE;
		u.mask = (uint8_t)(mh << 4 | ml);
		u.value = (uint8_t)((hi << 4 | lo) & u.mask);
		int rc = push_unit(s, u);
		if (rc)
			return rc;
	}
	return VEUICC_OK;
}

/* Parse toks[from, to) as a pattern with '|' alternatives. */
static int parse_pattern(struct parser *ps, size_t from, size_t to, const struct tok *anchor,
                         veuicc_script_step *st)
{
	veuicc_script *s = ps->s;

	if (from >= to)
		return fail(ps, anchor->line, anchor->col + (unsigned)anchor->n,
		            "expected response is empty");
	st->alt_first = s->n_alts;
	st->alt_count = 0;
	size_t i = from;
	for (;;) {
		size_t alt_off = s->n_units;
		const struct tok *start = &ps->toks[i];
		for (; i < to && !(ps->toks[i].n == 1 && ps->toks[i].p[0] == '|'); i++) {
			const struct tok *t = &ps->toks[i];
			if (t->n == 1 && (t->p[0] == ':' || t->p[0] == '\\'))
				return fail(ps, t->line, t->col, "unexpected '%c'", t->p[0]);
			int rc = parse_pat_token(ps, t, alt_off);
			if (rc)
				return rc;
		}
		if (s->n_units == alt_off)
			return fail(ps, start->line, start->col,
			            "empty alternative in expected response");
		veuicc_script_range *alts =
		    grow(s->alts, &s->cap_alts, s->n_alts, sizeof(*s->alts));
		if (!alts)
			return VEUICC_ERR_NO_MEMORY;
		s->alts = alts;
		s->alts[s->n_alts].off = alt_off;
		s->alts[s->n_alts].len = s->n_units - alt_off;
		s->n_alts++;
		st->alt_count++;
		if (i >= to)
			break;
		i++; /* skip '|' */
		if (i >= to)
			return fail(ps, ps->toks[i - 1].line, ps->toks[i - 1].col,
			            "empty alternative after '|'");
	}
	return VEUICC_OK;
}

static int parse_apdu(struct parser *ps, veuicc_script_step *st)
{
	veuicc_script *s = ps->s;
	size_t colon = ps->n_toks;

	for (size_t i = 0; i < ps->n_toks; i++) {
		const struct tok *t = &ps->toks[i];
		if (t->n == 1 && t->p[0] == ':') {
			colon = i;
			break;
		}
		if (t->n == 1 && t->p[0] == '\\')
			return fail(ps, t->line, t->col,
			            "'\\' continues a line only as its last character");
	}
	if (colon == 0)
		return fail(ps, ps->toks[0].line, ps->toks[0].col,
		            "expected response without a command");
	st->op = VEUICC_SCRIPT_OP_APDU;
	st->cmd.off = s->n_units;
	for (size_t i = 0; i < colon; i++) {
		int rc = parse_cmd_token(ps, &ps->toks[i]);
		if (rc)
			return rc;
	}
	st->cmd.len = s->n_units - st->cmd.off;
	if (st->cmd.len > VEUICC_CAPDU_MAX)
		return fail(ps, ps->toks[0].line, ps->toks[0].col, "command longer than %u bytes",
		            (unsigned)VEUICC_CAPDU_MAX);
	if (colon == ps->n_toks)
		return VEUICC_OK;
	return parse_pattern(ps, colon + 1, ps->n_toks, &ps->toks[colon], st);
}

static int want_args(struct parser *ps, size_t min, size_t max)
{
	const struct tok *d = &ps->toks[0];
	size_t n = ps->n_toks - 1;
	if (n < min)
		return fail(ps, d->line, d->col + (unsigned)d->n, "%.*s needs an argument",
		            (int)d->n, d->p);
	if (n > max)
		return fail(ps, ps->toks[max + 1].line, ps->toks[max + 1].col,
		            "unexpected argument to %.*s", (int)d->n, d->p);
	return VEUICC_OK;
}

static int parse_eid(struct parser *ps, const struct tok *a)
{
	if (a->n != 32)
		return fail(ps, a->line, a->col, "an EID has 32 decimal digits, not %zu", a->n);
	for (size_t i = 0; i < 32; i++)
		if (a->p[i] < '0' || a->p[i] > '9')
			return fail(ps, a->line, a->col + (unsigned)i,
			            "an EID has decimal digits only");
	memcpy(ps->s->eid, a->p, 32);
	ps->s->eid[32] = '\0';
	/* SGP.02 §2.2.2: ISO 7064 MOD 97-10 check digits */
	if (veuicc_eid_check(ps->s->eid) != VEUICC_OK)
		return fail(
		    ps, a->line, a->col + 30,
		    "EID check digits are wrong (ISO 7064 MOD 97-10: value mod 97 must be 1)");
	ps->s->has_eid = 1;
	return VEUICC_OK;
}

static int parse_seed(struct parser *ps, const struct tok *a)
{
	char buf[32];
	if (a->n >= sizeof(buf))
		return fail(ps, a->line, a->col, "seed too long");
	memcpy(buf, a->p, a->n);
	buf[a->n] = '\0';
	char *end = NULL;
	if (buf[0] == '-' || buf[0] == '+')
		return fail(ps, a->line, a->col, "seed must be an unsigned number");
	unsigned long long v = strtoull(buf, &end, 0);
	if (!end || *end != '\0')
		return fail(ps, a->line, a->col + (unsigned)(end - buf),
		            "seed must be a number (decimal or 0x hex)");
	ps->s->seed = (uint64_t)v;
	ps->s->has_seed = 1;
	return VEUICC_OK;
}

static int parse_directive(struct parser *ps, veuicc_script_step *st, int *is_step)
{
	const struct tok *d = &ps->toks[0];
	const struct tok *a = ps->n_toks > 1 ? &ps->toks[1] : NULL;
	int rc;

	*is_step = 1;
	if (tok_is(d, DIR_RESET)) {
		if ((rc = want_args(ps, 0, 1)))
			return rc;
		st->op = VEUICC_SCRIPT_OP_RESET;
		if (!a || tok_is(a, "cold"))
			st->arg = VEUICC_RESET_COLD;
		else if (tok_is(a, "warm"))
			st->arg = VEUICC_RESET_WARM;
		else
			return fail(ps, a->line, a->col, ".reset takes 'cold' or 'warm'");
		return VEUICC_OK;
	}
	if (tok_is(d, DIR_PROTOCOL)) {
		if ((rc = want_args(ps, 1, 1)))
			return rc;
		st->op = VEUICC_SCRIPT_OP_PROTOCOL;
		if (tok_is(a, "T=0"))
			st->arg = VEUICC_PROTO_T0;
		else if (tok_is(a, "T=1"))
			st->arg = VEUICC_PROTO_T1;
		else
			return fail(ps, a->line, a->col, ".protocol takes 'T=0' or 'T=1'");
		return VEUICC_OK;
	}
	if (tok_is(d, DIR_GET_RESPONSE)) {
		if ((rc = want_args(ps, 1, 1)))
			return rc;
		st->op = VEUICC_SCRIPT_OP_GET_RESPONSE;
		if (tok_is(a, "auto"))
			st->arg = 1;
		else if (tok_is(a, "manual"))
			st->arg = 0;
		else
			return fail(ps, a->line, a->col, ".get-response takes 'auto' or 'manual'");
		return VEUICC_OK;
	}
	if (tok_is(d, DIR_EXPECT_ATR)) {
		size_t from = 1;
		if (a && a->n == 1 && a->p[0] == ':')
			from = 2; /* tolerate ".expect-atr : 3B ..." */
		st->op = VEUICC_SCRIPT_OP_EXPECT_ATR;
		return parse_pattern(ps, from, ps->n_toks, d, st);
	}
	if (tok_is(d, DIR_EID) || tok_is(d, DIR_SEED)) {
		int eid = tok_is(d, DIR_EID);
		*is_step = 0;
		if ((rc = want_args(ps, 1, 1)))
			return rc;
		if (ps->s->n_steps)
			return fail(ps, d->line, d->col,
			            "%.*s configures the card: it must come before the first "
			            "command or directive",
			            (int)d->n, d->p);
		if (eid ? ps->s->has_eid : ps->s->has_seed)
			return fail(ps, d->line, d->col, "%.*s given twice", (int)d->n, d->p);
		return eid ? parse_eid(ps, a) : parse_seed(ps, a);
	}
	return fail(ps, d->line, d->col,
	            "unknown directive '%.*s' (known: .reset .protocol .get-response "
	            ".expect-atr .eid .seed)",
	            (int)d->n, d->p);
}

static int parse_statement(struct parser *ps)
{
	veuicc_script_step st = {0};
	int is_step = 1;
	int rc;

	st.line = ps->toks[0].line;
	if (ps->toks[0].p[0] == '.')
		rc = parse_directive(ps, &st, &is_step);
	else
		rc = parse_apdu(ps, &st);
	if (rc || !is_step)
		return rc;
	return push_step(ps->s, &st);
}

static int push_tok(struct parser *ps, const char *p, size_t n, unsigned line, unsigned col)
{
	struct tok *toks = grow(ps->toks, &ps->cap_toks, ps->n_toks, sizeof(*ps->toks));
	if (!toks)
		return VEUICC_ERR_NO_MEMORY;
	ps->toks = toks;
	ps->toks[ps->n_toks].p = p;
	ps->toks[ps->n_toks].n = n;
	ps->toks[ps->n_toks].line = line;
	ps->toks[ps->n_toks].col = col;
	ps->n_toks++;
	return VEUICC_OK;
}

/* Split one physical line into tokens appended to ps->toks. */
static int lex_line(struct parser *ps, const char *l, size_t n, unsigned line)
{
	size_t i = 0;
	while (i < n) {
		char c = l[i];
		if (is_space(c)) {
			i++;
			continue;
		}
		if (c == '#')
			break;
		if (c == '\0')
			return fail(ps, line, (unsigned)i + 1, "NUL byte in script");
		size_t start = i;
		if (is_special(c))
			i++;
		else
			while (i < n && !is_space(l[i]) && !is_special(l[i]) && l[i] != '#' &&
			       l[i] != '\0')
				i++;
		int rc = push_tok(ps, l + start, i - start, line, (unsigned)start + 1);
		if (rc)
			return rc;
	}
	return VEUICC_OK;
}

int veuicc_script_parse(const char *text, size_t len, veuicc_script *out, veuicc_script_error *err)
{
	if (!out || (!text && len))
		return VEUICC_ERR_INVALID_ARG;
	memset(out, 0, sizeof(*out));
	if (err)
		memset(err, 0, sizeof(*err));

	struct parser ps = {.s = out, .err = err};
	unsigned line = 0;
	size_t pos = 0;
	int rc = VEUICC_OK;

	while (pos < len && rc == VEUICC_OK) {
		const char *l = text + pos;
		const char *nl = memchr(l, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - l) : len - pos;
		pos += n + (nl ? 1 : 0);
		if (line == UINT_MAX) {
			rc = fail(&ps, line, 1, "too many lines");
			break;
		}
		line++;
		rc = lex_line(&ps, l, n, line);
		if (rc)
			break;
		/* a trailing '\' continues the statement on the next line */
		if (ps.n_toks && ps.toks[ps.n_toks - 1].n == 1 &&
		    ps.toks[ps.n_toks - 1].p[0] == '\\') {
			ps.n_toks--;
			if (pos < len)
				continue;
		}
		if (ps.n_toks)
			rc = parse_statement(&ps);
		ps.n_toks = 0;
	}
	free(ps.toks);
	return rc;
}

void veuicc_script_free(veuicc_script *s)
{
	if (!s)
		return;
	free(s->steps);
	free(s->units);
	free(s->alts);
	free(s->vars);
	memset(s, 0, sizeof(*s));
}

void veuicc_script_unbind_all(const veuicc_script *s, int *bind)
{
	for (size_t i = 0; s && bind && i < s->n_vars; i++)
		bind[i] = -1;
}

int veuicc_script_build_cmd(const veuicc_script *s, const veuicc_script_step *st, const int *bind,
                            uint8_t *out, size_t cap, size_t *out_len, size_t *unbound)
{
	if (!s || !st || !out || !out_len || st->op != VEUICC_SCRIPT_OP_APDU ||
	    st->cmd.off + st->cmd.len > s->n_units)
		return VEUICC_ERR_INVALID_ARG;
	if (st->cmd.len > cap)
		return VEUICC_ERR_BUFFER_TOO_SMALL;
	for (size_t i = 0; i < st->cmd.len; i++) {
		const veuicc_script_unit *u = &s->units[st->cmd.off + i];
		if (u->kind == VEUICC_SCRIPT_VAR) {
			if (!bind || bind[u->var] < 0) {
				if (unbound)
					*unbound = u->var;
				return VEUICC_ERR_STATE;
			}
			out[i] = (uint8_t)bind[u->var];
		} else {
			out[i] = u->value;
		}
	}
	*out_len = st->cmd.len;
	return VEUICC_OK;
}

/* An unbound variable matches any byte here; it is bound after alignment. */
static int unit_matches(const veuicc_script_unit *u, uint8_t b, const int *bind)
{
	if (u->kind == VEUICC_SCRIPT_VAR)
		return bind[u->var] < 0 || bind[u->var] == b;
	return (b & u->mask) == u->value;
}

/* Compare k units with r[0..k): number of leading units that match. */
static size_t seg_prefix(const veuicc_script_unit *u, size_t k, const uint8_t *r, const int *bind)
{
	size_t i = 0;
	while (i < k && unit_matches(&u[i], r[i], bind))
		i++;
	return i;
}

static void seg_bind(const veuicc_script_unit *u, size_t k, const uint8_t *r, int *bind)
{
	for (size_t i = 0; i < k; i++)
		if (u[i].kind == VEUICC_SCRIPT_VAR && bind[u[i].var] < 0)
			bind[u[i].var] = r[i];
}

/*
 * Match one alternative: the segments between stars are placed leftmost, the
 * last one anchored at the end. Returns 1 and binds captures on success, else
 * 0 with *diff = first response byte that cannot be matched.
 */
static int match_alt(const veuicc_script_unit *u, size_t m, int *bind, const uint8_t *r, size_t n,
                     size_t *diff)
{
	size_t first_star = m, last_star = m;
	for (size_t i = 0; i < m; i++) {
		if (u[i].kind == VEUICC_SCRIPT_STAR) {
			if (first_star == m)
				first_star = i;
			last_star = i;
		}
	}

	if (first_star == m) { /* no star: byte for byte, same length */
		size_t k = m < n ? m : n;
		size_t p = seg_prefix(u, k, r, bind);
		if (p < k || m != n) {
			*diff = p;
			return 0;
		}
		seg_bind(u, m, r, bind);
		return 1;
	}

	size_t head = first_star, tail = m - last_star - 1;
	size_t k = head < n ? head : n;
	size_t p = seg_prefix(u, k, r, bind);
	if (p < head) {
		*diff = p;
		return 0;
	}
	if (n - head < tail) {
		*diff = n;
		return 0;
	}

	/* middle segments, leftmost placement in [pos, limit) */
	size_t pos = head, limit = n - tail;
	size_t *starts = NULL;
	size_t n_seg = 0; /* segments between the first and the last star */
	for (size_t i = first_star; i < last_star; i++)
		if (u[i].kind == VEUICC_SCRIPT_STAR)
			n_seg++;
	if (n_seg) {
		starts = calloc(n_seg, sizeof(*starts));
		if (!starts) {
			*diff = 0;
			return 0;
		}
	}
	size_t seg = 0;
	for (size_t i = first_star + 1; i < last_star; seg++) {
		size_t j = i;
		while (u[j].kind != VEUICC_SCRIPT_STAR)
			j++;
		size_t len = j - i, best = pos, found = SIZE_MAX;
		for (size_t q = pos; q + len <= limit; q++) {
			size_t pre = seg_prefix(&u[i], len, r + q, bind);
			if (pre == len) {
				found = q;
				break;
			}
			if (q + pre > best)
				best = q + pre;
		}
		if (found == SIZE_MAX) {
			free(starts);
			*diff = best;
			return 0;
		}
		starts[seg] = found;
		pos = found + len;
		i = j + 1;
	}

	p = seg_prefix(&u[last_star + 1], tail, r + limit, bind);
	if (p < tail) {
		free(starts);
		*diff = limit + p;
		return 0;
	}

	/* bind captures along the chosen alignment */
	seg_bind(u, head, r, bind);
	seg = 0;
	for (size_t i = first_star + 1; i < last_star; seg++) {
		size_t j = i;
		while (u[j].kind != VEUICC_SCRIPT_STAR)
			j++;
		seg_bind(&u[i], j - i, r + starts[seg], bind);
		i = j + 1;
	}
	seg_bind(&u[last_star + 1], tail, r + limit, bind);
	free(starts);
	return 1;
}

int veuicc_script_match(const veuicc_script *s, size_t alt_first, size_t alt_count, int *bind,
                        const uint8_t *resp, size_t resp_len, size_t *diff_at)
{
	size_t furthest = 0;

	static const uint8_t empty[1];

	if (!s || (!resp && resp_len) || alt_first + alt_count > s->n_alts)
		return 0;
	if (alt_count == 0)
		return 1;
	if (!resp)
		resp = empty;
	/* unbound variables are wildcards; bind into a scratch copy per try */
	int local[1];
	int *scratch = s->n_vars ? malloc(s->n_vars * sizeof(int)) : local;
	if (!scratch)
		return 0;
	for (size_t a = 0; a < alt_count; a++) {
		const veuicc_script_range *alt = &s->alts[alt_first + a];
		size_t d = 0;
		for (size_t i = 0; i < s->n_vars; i++)
			scratch[i] = bind ? bind[i] : -1;
		if (match_alt(&s->units[alt->off], alt->len, scratch, resp, resp_len, &d)) {
			if (bind)
				memcpy(bind, scratch, s->n_vars * sizeof(int));
			if (scratch != local)
				free(scratch);
			return 1;
		}
		if (d > furthest)
			furthest = d;
	}
	if (scratch != local)
		free(scratch);
	if (diff_at)
		*diff_at = furthest;
	return 0;
}

/* Append to a bounded buffer, counting the full length like snprintf. */
struct sbuf {
	char *p;
	size_t cap;
	size_t len;
};

__attribute__((format(printf, 2, 3))) static void sb_printf(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;
	char *dst = b->len < b->cap ? b->p + b->len : NULL;
	size_t room = b->len < b->cap ? b->cap - b->len : 0;
	va_start(ap, fmt);
	int n = vsnprintf(dst, room, fmt, ap);
	va_end(ap);
	if (n > 0)
		b->len += (size_t)n;
}

static const char hexd[] = "0123456789ABCDEF";

size_t veuicc_script_format_pattern(const veuicc_script *s, size_t alt_first, size_t alt_count,
                                    const int *bind, char *buf, size_t cap)
{
	struct sbuf b = {buf, cap, 0};

	if (buf && cap)
		buf[0] = '\0';
	if (!s || alt_first + alt_count > s->n_alts)
		return 0;
	for (size_t a = 0; a < alt_count; a++) {
		const veuicc_script_range *alt = &s->alts[alt_first + a];
		if (a)
			sb_printf(&b, " | ");
		for (size_t i = 0; i < alt->len; i++) {
			const veuicc_script_unit *u = &s->units[alt->off + i];
			const char *sep = i ? " " : "";
			if (u->kind == VEUICC_SCRIPT_STAR) {
				sb_printf(&b, "%s*", sep);
			} else if (u->kind == VEUICC_SCRIPT_VAR) {
				if (bind && bind[u->var] >= 0)
					sb_printf(&b, "%s$%s=%02X", sep, s->vars[u->var],
					          (unsigned)bind[u->var]);
				else
					sb_printf(&b, "%s$%s", sep, s->vars[u->var]);
			} else {
				char hi = (u->mask & 0xF0) ? hexd[u->value >> 4] : 'x';
				char lo = (u->mask & 0x0F) ? hexd[u->value & 0xF] : 'x';
				sb_printf(&b, "%s%c%c", sep, hi, lo);
			}
		}
	}
	return b.len;
}
