/* SPDX-License-Identifier: Apache-2.0 */
/**
 * \file cmd_ota.c
 * \brief `veuicc ota`: the SM-SR end of SCP80 over SMS (docs/ota.md): build
 *        secured command packets and SMS-PP download ENVELOPEs from C-APDUs,
 *        print them, or send them to a card file or a PC/SC reader, and
 *        decode the PoR (`veuicc ota decode-por`).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <mbedtls/platform_util.h>

#include "cli.h"
#include "ota.h"

#ifdef VEUICC_HAVE_PCSCLITE
#include <winscard.h>
#endif

#define CNTR_MAX  0xFFFFFFFFFFull /* 5 bytes, TS 102 225 §5.1.1 */
#define MAX_APDUS 64

static void usage(FILE *f)
{
	fputs("usage: veuicc ota [KEY OPTIONS] [SEND OPTIONS] (--hex | --packet | --card FILE |\n"
	      "                  --reader NAME) C-APDU...\n"
	      "       veuicc ota decode-por [KEY OPTIONS] (--counter N | --counter-file F) POR\n"
	      "\n"
	      "The SM-SR end of SCP80 over SMS (ETSI TS 102 225, 3GPP TS 31.115): put the\n"
	      "C-APDUs (hex, one argument each, or --script FILE) in a remote APDU script\n"
	      "(TS 102 226 §5), secure it in a command packet, carry it in SMS-PP download\n"
	      "ENVELOPEs (concatenated SMS when it does not fit in one) and\n"
	      "  --hex            print each ENVELOPE C-APDU in hex, one line per SMS\n"
	      "  --packet         print the command packet (CPL ... end) in hex\n"
	      "  --card FILE      send them to the card file FILE in this process\n"
	      "  --reader NAME    send them through PC/SC to the reader NAME (or the one\n"
	      "                   reader whose name contains NAME)\n"
	      "then, when sending, act as the terminal (GET RESPONSE after 61xx; FETCH after\n"
	      "91xx, the PoR from a SEND SHORT MESSAGE, TERMINAL RESPONSE) and decode the\n"
	      "PoR: TAR, counter, status, CC, and each R-APDU with its status word.\n"
	      "`decode-por` decodes a PoR (its TP-UD, 02 71 00 ...) given in hex.\n"
	      "\n"
	      "key options:\n"
	      "  --factory FILE     take the ISD-R's SCP80 keys and TAR from this factory\n"
	      "                     configuration (docs/factory.md); with --card, a card file\n"
	      "                     that does not exist yet is created from it\n"
	      "  --kvn N            the SCP80 key set to take from --factory (default: the first)\n"
	      "  --kic-key HEX      KIc key value (ciphering); overrides --factory\n"
	      "  --kid-key HEX      KID key value (CC); overrides --factory\n"
	      "  --kic BYTE         KIc byte as sent: key set << 4 | algorithm (1 DES, 2 AES,\n"
	      "                     5 3DES 2 keys, 9 3DES 3 keys); default from --kvn/--factory\n"
	      "  --kid BYTE         KID byte as sent (same coding)\n"
	      "  --tar HEX          TAR, 3 bytes (default: the factory's ISD-R TAR, else 000001)\n"
	      "  --spi HEX          SPI, 2 bytes (default 1619: CC, ciphering, counter higher;\n"
	      "                     PoR required, with CC, ciphered)\n"
	      "  --counter N        the counter of this packet (decimal or 0x hex, < 2^40)\n"
	      "  --counter-file F   the counter is one more than the number in F (0 when F\n"
	      "                     does not exist); F gets the new value before anything is\n"
	      "                     sent (written to a temporary file and renamed). With\n"
	      "                     decode-por: the counter in F as it is\n"
	      "\n"
	      "send options:\n"
	      "  --format expanded|compact  remote APDU format (default expanded, definite\n"
	      "                     length: AA { 22 C-APDU ... })\n"
	      "  --script FILE      C-APDUs from FILE, one per line ('#' comments)\n"
	      "  --origin NUMBER    TP-OA of the SMS-DELIVER, '+' for international\n"
	      "                     (default +1234)\n"
	      "  --ref N            concatenation reference 0..255 (default 0)\n"
	      "  --protocol T=0|T=1 protocol with --card (default T=0)\n"
	      "  -h, --help         show this help\n"
	      "\n"
	      "exit status: 0 the PoR says 00 and every R-APDU ends 90xx/61xx/62xx/63xx (or\n"
	      "no PoR was asked for); 1 another PoR status, an error status word, a PoR that\n"
	      "does not verify, or none when one was asked for; 2 usage, bad hex, wrong key\n"
	      "length, unreadable file.\n",
	      f);
}

__attribute__((format(printf, 1, 2))) static int usage_error(const char *fmt, ...)
{
	va_list ap;
	fputs("veuicc ota: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\nTry 'veuicc ota --help'.\n", stderr);
	return VEUICC_CLI_EXIT_USAGE;
}

struct opts {
	const char *factory, *kvn, *kic_key, *kid_key, *kic, *kid, *tar, *spi, *counter,
	    *counter_file, *format, *script, *origin, *ref, *protocol, *card, *reader;
	int hex, packet;
	const char *args[MAX_APDUS];
	size_t nargs;
};

/* Parse a single byte given in hex ("12", "0x12"). */
static int parse_byte(const char *name, const char *s, uint8_t *out)
{
	uint8_t b[1];
	size_t n = 0;
	char why[96];
	if (strncmp(s, "0x", 2) == 0 || strncmp(s, "0X", 2) == 0)
		s += 2;
	if (veuicc_cli_ota_unhex(s, b, 1, &n, why, sizeof(why)) || n != 1)
		return usage_error("%s '%s': one byte in hex expected", name, s);
	*out = b[0];
	return 0;
}

static int parse_fixed(const char *name, const char *s, uint8_t *out, size_t want)
{
	uint8_t b[8];
	size_t n = 0;
	char why[96];
	if (veuicc_cli_ota_unhex(s, b, sizeof(b), &n, why, sizeof(why)))
		return usage_error("%s '%s': %s", name, s, why);
	if (n != want)
		return usage_error("%s '%s': %zu bytes expected, not %zu", name, s, want, n);
	memcpy(out, b, n);
	return 0;
}

static size_t key_len_ok(uint8_t alg, size_t n)
{
	switch (alg) {
	case VEUICC_SCP80_ALG_DES: return n == 8;
	case VEUICC_SCP80_ALG_AES: return n == 16 || n == 24 || n == 32;
	case VEUICC_SCP80_ALG_3DES2: return n == 16;
	case VEUICC_SCP80_ALG_3DES3: return n == 24;
	default: return 0;
	}
}

static const char *alg_name(uint8_t alg)
{
	switch (alg) {
	case VEUICC_SCP80_ALG_DES: return "DES (8-byte key)";
	case VEUICC_SCP80_ALG_AES: return "AES (16, 24 or 32-byte key)";
	case VEUICC_SCP80_ALG_3DES2: return "3DES 2 keys (16-byte key)";
	case VEUICC_SCP80_ALG_3DES3: return "3DES 3 keys (24-byte key)";
	default: return "an algorithm veuicc does not know";
	}
}

/* The SCP80 key set \p kvn (0: the first) of the factory file, via a card
 * personalised from it (the same parser and checks as the card's). */
static int factory_keys(const char *path, unsigned kvn, veuicc_keyset *ks, uint8_t tar[3],
                        int *have_tar)
{
	veuicc_config cfg;
	veuicc_config_init(&cfg);
	cfg.factory = path;
	veuicc_card *card;
	int rc = veuicc_card_new(&cfg, &card);
	if (rc) {
		fprintf(stderr, "veuicc ota: --factory %s: %s\n", path, veuicc_strerror(rc));
		return VEUICC_CLI_EXIT_USAGE;
	}
	int found = 0;
	for (size_t i = 0; i < veuicc_card_keyset_count(card) && !found; i++) {
		if (veuicc_card_keyset(card, i, ks) == VEUICC_OK &&
		    ks->type == VEUICC_KEYSET_SCP80 && (kvn == 0 || ks->kvn == kvn))
			found = 1;
		else
			mbedtls_platform_zeroize(ks, sizeof(*ks));
	}
	*have_tar = veuicc_card_isdr_tar(card, tar) == VEUICC_OK;
	veuicc_card_free(card);
	if (!found) {
		if (kvn)
			fprintf(stderr, "veuicc ota: %s has no SCP80 key set with KVN %u\n", path,
			        kvn);
		else
			fprintf(stderr, "veuicc ota: %s has no SCP80 key set\n", path);
		return VEUICC_CLI_EXIT_USAGE;
	}
	return 0;
}

static int read_counter_file(const char *path, uint64_t *v)
{
	char *text = NULL;
	size_t n = 0;
	int rc = veuicc_cli_read_file(path, &text, &n);
	if (rc == VEUICC_ERR_IO && errno == ENOENT) {
		*v = 0;
		return 0;
	}
	if (rc)
		return usage_error("--counter-file %s: cannot read it: %s", path, strerror(errno));
	char buf[32];
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (text[i] != ' ' && text[i] != '\n' && text[i] != '\r' && text[i] != '\t' &&
		    k + 1 < sizeof(buf))
			buf[k++] = text[i];
	buf[k] = '\0';
	free(text);
	if (veuicc_cli_parse_u64(buf, v) || *v > CNTR_MAX)
		return usage_error("--counter-file %s: '%s' is not a counter (0 .. 2^40-1)", path,
		                   buf);
	return 0;
}

/* Write \p v to \p path atomically: a temporary file in the same folder,
 * flushed, renamed over it. */
static int write_counter_file(const char *path, uint64_t v)
{
	char tmp[4096];
	if (snprintf(tmp, sizeof(tmp), "%s.tmp-%ld", path, (long)getpid()) >= (int)sizeof(tmp))
		return usage_error("--counter-file: the path is too long");
	FILE *f = fopen(tmp, "w");
	if (!f)
		return usage_error("--counter-file %s: cannot write %s: %s", path, tmp,
		                   strerror(errno));
	int bad = fprintf(f, "%llu\n", (unsigned long long)v) < 0;
	bad |= fflush(f) != 0;
	bad |= fsync(fileno(f)) != 0;
	bad |= fclose(f) != 0;
	if (bad || rename(tmp, path) != 0) {
		int e = errno;
		unlink(tmp);
		return usage_error("--counter-file %s: cannot write it: %s", path, strerror(e));
	}
	return 0;
}

/* The counter: --counter N, or --counter-file (+1 and saved when \p advance). */
static int get_counter(const struct opts *o, int advance, uint8_t cntr[5], int *given)
{
	uint64_t v = 0;
	*given = 0;
	if (o->counter && o->counter_file)
		return usage_error("--counter and --counter-file exclude each other");
	if (o->counter) {
		if (veuicc_cli_parse_u64(o->counter, &v) || v > CNTR_MAX)
			return usage_error("--counter '%s': a number from 0 to 2^40-1 expected",
			                   o->counter);
		*given = 1;
	} else if (o->counter_file) {
		int rc = read_counter_file(o->counter_file, &v);
		if (rc)
			return rc;
		if (advance) {
			if (v >= CNTR_MAX)
				return usage_error("--counter-file %s: the counter is at its "
				                   "maximum",
				                   o->counter_file);
			v++;
			if ((rc = write_counter_file(o->counter_file, v)))
				return rc;
		}
		*given = 1;
	}
	for (int i = 4; i >= 0; i--, v >>= 8)
		cntr[i] = (uint8_t)v;
	return 0;
}

/* Keys, SPI, KIc/KID, TAR, counter into \p ota. */
static int setup_keys(const struct opts *o, veuicc_cli_ota_ctx *ota, int advance_counter)
{
	veuicc_keyset fk;
	uint8_t tar[3] = {0x00, 0x00, 0x01}; /* SGP.02 §2.4.3: the ISD-R's TAR */
	int have_factory = 0, have_tar = 0, rc;
	unsigned kvn = 0;
	memset(&fk, 0, sizeof(fk));
	if (o->kvn) {
		uint64_t v;
		if (veuicc_cli_parse_u64(o->kvn, &v) || v < 1 || v > 15)
			return usage_error(
			    "--kvn '%s': a key set number 1..15 expected (the KIc/KID "
			    "key index, TS 102 225 §5.1.2)",
			    o->kvn);
		kvn = (unsigned)v;
	}
	if (o->factory) {
		if ((rc = factory_keys(o->factory, kvn, &fk, tar, &have_tar)))
			return rc;
		have_factory = 1;
		kvn = fk.kvn;
	}
	veuicc_scp80_keyset *ks = &ota->ks;
	ks->kvn = (uint8_t)(kvn ? kvn : 1);
	ks->cc_len = 8;
	if (have_factory) {
		ks->kic_alg = fk.kic_algo & 0x0F;
		ks->kid_alg = fk.kid_algo & 0x0F;
		ks->kic_len = (uint8_t)fk.key1_len;
		ks->kid_len = (uint8_t)fk.key2_len;
		memcpy(ks->kic, fk.key1, fk.key1_len);
		memcpy(ks->kid, fk.key2, fk.key2_len);
		mbedtls_platform_zeroize(&fk, sizeof(fk));
	}
	veuicc_scp80_host *h = &ota->h;
	h->spi[0] = 0x16;
	h->spi[1] = 0x19;
	if (o->spi && parse_fixed("--spi", o->spi, h->spi, 2))
		return VEUICC_CLI_EXIT_USAGE;
	if (o->tar && parse_fixed("--tar", o->tar, tar, 3))
		return VEUICC_CLI_EXIT_USAGE;
	memcpy(h->tar, tar, 3);
	h->kic = (uint8_t)(ks->kvn << 4 | ks->kic_alg);
	h->kid = (uint8_t)(ks->kvn << 4 | ks->kid_alg);
	if (o->kic && parse_byte("--kic", o->kic, &h->kic))
		return VEUICC_CLI_EXIT_USAGE;
	if (o->kid && parse_byte("--kid", o->kid, &h->kid))
		return VEUICC_CLI_EXIT_USAGE;
	/* an explicit algorithm nibble wins; 0 means "the key set's" */
	if (h->kic & 0x0F)
		ks->kic_alg = h->kic & 0x0F;
	if (h->kid & 0x0F)
		ks->kid_alg = h->kid & 0x0F;
	char why[96];
	size_t n = 0;
	if (o->kic_key) {
		if (veuicc_cli_ota_unhex(o->kic_key, ks->kic, sizeof(ks->kic), &n, why,
		                         sizeof(why)))
			return usage_error("--kic-key: %s", why);
		ks->kic_len = (uint8_t)n;
	}
	if (o->kid_key) {
		if (veuicc_cli_ota_unhex(o->kid_key, ks->kid, sizeof(ks->kid), &n, why,
		                         sizeof(why)))
			return usage_error("--kid-key: %s", why);
		ks->kid_len = (uint8_t)n;
	}
	uint8_t spi1 = h->spi[0], spi2 = h->spi[1];
	int need_kic = (spi1 & VEUICC_SCP80_SPI1_CIPHER) || (spi2 & VEUICC_SCP80_SPI2_POR_CIPHER);
	int need_kid = (spi1 & 3) == VEUICC_SCP80_SPI1_CC || ((spi2 >> 2) & 3) == 2;
	if ((spi1 & 3) == 3 || ((spi2 >> 2) & 3) == 3)
		return usage_error("SPI %02X%02X asks for a digital signature, which veuicc does "
		                   "not support",
		                   spi1, spi2);
	if (need_kic) {
		if (!ks->kic_len)
			return usage_error("SPI %02X%02X asks for ciphering: give --kic-key or "
			                   "--factory",
			                   spi1, spi2);
		if (!key_len_ok(ks->kic_alg, ks->kic_len))
			return usage_error("the KIc key has %u bytes; KIc %02X means %s",
			                   ks->kic_len, h->kic, alg_name(ks->kic_alg));
		h->kic_ks = ks;
	}
	if (need_kid) {
		if (!ks->kid_len)
			return usage_error(
			    "SPI %02X%02X asks for a CC: give --kid-key or --factory", spi1, spi2);
		if (!key_len_ok(ks->kid_alg, ks->kid_len))
			return usage_error("the KID key has %u bytes; KID %02X means %s",
			                   ks->kid_len, h->kid, alg_name(ks->kid_alg));
		h->kid_ks = ks;
	}
	int given = 0;
	if ((rc = get_counter(o, advance_counter, h->cntr, &given)))
		return rc;
	if (!given && (spi1 & 0x18) >= VEUICC_SCP80_SPI1_CNTR_HIGHER)
		return usage_error("SPI %02X%02X has the card check the counter: give --counter N "
		                   "or --counter-file F",
		                   spi1, spi2);
	return 0;
}

/* C-APDUs from the arguments and from --script. */
static int collect_apdus(const struct opts *o, uint8_t *buf, size_t cap, size_t *lens,
                         size_t *count)
{
	size_t used = 0;
	*count = 0;
	char *text = NULL;
	size_t tn = 0;
	if (o->script) {
		if (veuicc_cli_read_file(o->script, &text, &tn))
			return usage_error("--script %s: cannot read it", o->script);
	}
	char *p = text, *end = text ? text + tn : NULL;
	size_t line = 0, a = 0;
	for (;;) {
		char lbuf[2 * VEUICC_CAPDU_MAX + 64];
		const char *src = NULL, *where = NULL;
		if (p && p < end) {
			char *nl = memchr(p, '\n', (size_t)(end - p));
			size_t ln = nl ? (size_t)(nl - p) : (size_t)(end - p);
			line++;
			if (ln >= sizeof(lbuf)) {
				free(text);
				return usage_error("%s:%zu: line too long", o->script, line);
			}
			memcpy(lbuf, p, ln);
			lbuf[ln] = '\0';
			p = nl ? nl + 1 : end;
			char *hash = strchr(lbuf, '#');
			if (hash)
				*hash = '\0';
			char *q = lbuf;
			while (*q == ' ' || *q == '\t' || *q == '\r')
				q++;
			size_t ql = strlen(q);
			while (ql && (q[ql - 1] == ' ' || q[ql - 1] == '\t' || q[ql - 1] == '\r'))
				q[--ql] = '\0';
			if (!*q)
				continue;
			src = q;
			where = o->script;
		} else if (a < o->nargs) {
			src = o->args[a++];
			where = NULL;
		} else {
			break;
		}
		char why[96];
		size_t n = 0;
		if (*count == MAX_APDUS) {
			free(text);
			return usage_error("more than %d C-APDUs", MAX_APDUS);
		}
		if (veuicc_cli_ota_unhex(src, buf + used, cap - used, &n, why, sizeof(why))) {
			free(text);
			if (where)
				return usage_error("%s:%zu: %s", where, line, why);
			return usage_error("C-APDU '%s': %s", src, why);
		}
		if (n < 4 || n > 5 + 255 + 1) {
			free(text);
			if (where)
				return usage_error(
				    "%s:%zu: a short C-APDU has 4 to 261 bytes, not %zu", where,
				    line, n);
			return usage_error(
			    "C-APDU '%s': a short C-APDU has 4 to 261 bytes, not %zu", src, n);
		}
		lens[(*count)++] = n;
		used += n;
	}
	free(text);
	if (*count == 0)
		return usage_error("no C-APDU to send");
	return 0;
}

/* ---- transports --------------------------------------------------------- */

static int card_xfer(void *ctx, const uint8_t *c, size_t cn, uint8_t *r, size_t rcap, size_t *rn)
{
	return veuicc_transmit(ctx, c, cn, r, rcap, rn);
}

#ifdef VEUICC_HAVE_PCSCLITE
struct pcsc {
	SCARDHANDLE h;
	DWORD proto;
};

static int pcsc_xfer(void *ctx, const uint8_t *c, size_t cn, uint8_t *r, size_t rcap, size_t *rn)
{
	struct pcsc *p = ctx;
	DWORD n = (DWORD)rcap;
	const SCARD_IO_REQUEST *pci = p->proto == SCARD_PROTOCOL_T1 ? SCARD_PCI_T1 : SCARD_PCI_T0;
	LONG rv = SCardTransmit(p->h, pci, c, (DWORD)cn, NULL, r, &n);
	if (rv != SCARD_S_SUCCESS) {
		fprintf(stderr, "veuicc ota: SCardTransmit: %s (0x%08lX)\n",
		        pcsc_stringify_error(rv), (unsigned long)rv);
		return VEUICC_ERR_IO;
	}
	*rn = n;
	return VEUICC_OK;
}

/* The reader named \p want, or the one whose name contains it. */
static int pcsc_find(SCARDCONTEXT ctx, const char *want, char *out, size_t cap)
{
	DWORD len = 0;
	LONG rv = SCardListReaders(ctx, NULL, NULL, &len);
	char *all = rv == SCARD_S_SUCCESS ? malloc(len) : NULL;
	if (!all || SCardListReaders(ctx, NULL, all, &len) != SCARD_S_SUCCESS) {
		free(all);
		fprintf(stderr, "veuicc ota: no PC/SC reader: %s\n", pcsc_stringify_error(rv));
		return -1;
	}
	int matches = 0;
	for (const char *p = all; *p; p += strlen(p) + 1) {
		if (strcmp(p, want) == 0) {
			snprintf(out, cap, "%s", p);
			matches = 1;
			break;
		}
		if (strstr(p, want)) {
			snprintf(out, cap, "%s", p);
			matches++;
		}
	}
	free(all);
	if (matches != 1) {
		fprintf(stderr, "veuicc ota: '%s' matches %d PC/SC readers\n", want, matches);
		return -1;
	}
	return 0;
}
#endif

/* ---- the two subcommands ------------------------------------------------ */

static void print_hex_line(const uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		printf("%02X", b[i]);
	putchar('\n');
}

static int outcome(const veuicc_cli_ota_ctx *ota, const uint8_t *por, size_t por_len)
{
	uint8_t spi2 = ota->h.spi[1];
	if (por_len == 0) {
		if ((spi2 & 3) == VEUICC_SCP80_SPI2_POR_ALWAYS) {
			printf(
			    "no PoR: the card discarded the packet (SGP.02: no PoR for the ISD-R "
			    "on a failed security check) or answered nothing\n");
			return VEUICC_CLI_EXIT_MISMATCH;
		}
		printf("no PoR (none asked for, or only on error)\n");
		return VEUICC_CLI_EXIT_OK;
	}
	veuicc_cli_ota_result res;
	if (veuicc_cli_ota_print_por(stdout, ota, por, por_len, &res))
		return VEUICC_CLI_EXIT_MISMATCH;
	return res.status == VEUICC_SCP80_POR_OK && !res.sw_error ? VEUICC_CLI_EXIT_OK
	                                                          : VEUICC_CLI_EXIT_MISMATCH;
}

static int send_card(const struct opts *o, veuicc_cli_ota_ctx *ota, const veuicc_cli_ota_env *env,
                     size_t count)
{
	veuicc_protocol proto = VEUICC_PROTO_T0;
	if (o->protocol && veuicc_cli_parse_protocol(o->protocol, &proto))
		return usage_error("--protocol takes T=0 or T=1, not '%s'", o->protocol);
	veuicc_config cfg;
	veuicc_config_init(&cfg);
	cfg.factory = o->factory;
	veuicc_card *card;
	int rc = veuicc_card_open(o->card, &cfg, &card);
	if (rc) {
		fprintf(stderr, "veuicc ota: cannot open the card file %s: %s\n", o->card,
		        veuicc_strerror(rc));
		return VEUICC_CLI_EXIT_USAGE;
	}
	if ((rc = veuicc_reset(card, VEUICC_RESET_COLD, NULL, NULL)) ||
	    (proto == VEUICC_PROTO_T1 && (rc = veuicc_set_protocol(card, proto)))) {
		fprintf(stderr, "veuicc ota: the card does not start: %s\n", veuicc_strerror(rc));
		veuicc_card_free(card);
		return VEUICC_CLI_EXIT_MISMATCH;
	}
	uint8_t por[VEUICC_CLI_OTA_POR_MAX];
	size_t por_len = 0;
	rc = veuicc_cli_ota_exchange(card_xfer, card, env, count, stdout, por, sizeof(por),
	                             &por_len);
	veuicc_card_free(card);
	if (rc) {
		if (rc != VEUICC_ERR_MALFORMED)
			printf("the exchange failed: %s\n", veuicc_strerror(rc));
		return VEUICC_CLI_EXIT_MISMATCH;
	}
	return outcome(ota, por, por_len);
}

static int send_reader(const struct opts *o, veuicc_cli_ota_ctx *ota, const veuicc_cli_ota_env *env,
                       size_t count)
{
#ifdef VEUICC_HAVE_PCSCLITE
	SCARDCONTEXT ctx;
	LONG rv = SCardEstablishContext(SCARD_SCOPE_SYSTEM, NULL, NULL, &ctx);
	if (rv != SCARD_S_SUCCESS) {
		fprintf(stderr, "veuicc ota: cannot reach pcscd: %s\n", pcsc_stringify_error(rv));
		return VEUICC_CLI_EXIT_MISMATCH;
	}
	char name[256];
	struct pcsc p = {0, 0};
	int status = VEUICC_CLI_EXIT_MISMATCH;
	if (pcsc_find(ctx, o->reader, name, sizeof(name)) == 0) {
		rv = SCardConnect(ctx, name, SCARD_SHARE_SHARED,
		                  SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1, &p.h, &p.proto);
		if (rv != SCARD_S_SUCCESS) {
			fprintf(stderr, "veuicc ota: cannot connect to '%s': %s\n", name,
			        pcsc_stringify_error(rv));
		} else {
			printf("reader '%s', T=%d\n", name, p.proto == SCARD_PROTOCOL_T1 ? 1 : 0);
			uint8_t por[VEUICC_CLI_OTA_POR_MAX];
			size_t por_len = 0;
			int rc = veuicc_cli_ota_exchange(pcsc_xfer, &p, env, count, stdout, por,
			                                 sizeof(por), &por_len);
			SCardDisconnect(p.h, SCARD_LEAVE_CARD);
			if (rc == VEUICC_OK)
				status = outcome(ota, por, por_len);
			else if (rc != VEUICC_ERR_MALFORMED)
				printf("the exchange failed: %s\n", veuicc_strerror(rc));
		}
	}
	SCardReleaseContext(ctx);
	return status;
#else
	(void)ota;
	(void)env;
	(void)count;
	fprintf(stderr, "veuicc ota: --reader %s: this veuicc was built without pcsc-lite\n",
	        o->reader);
	return VEUICC_CLI_EXIT_USAGE;
#endif
}

static int run_send(const struct opts *o)
{
	int modes = !!o->hex + !!o->packet + !!o->card + !!o->reader;
	if (modes != 1)
		return usage_error("choose one of --hex, --packet, --card FILE, --reader NAME");
	int expanded = 1;
	if (o->format && strcmp(o->format, "compact") == 0)
		expanded = 0;
	else if (o->format && strcmp(o->format, "expanded") != 0)
		return usage_error("--format takes expanded or compact, not '%s'", o->format);

	static uint8_t apdus[MAX_APDUS * 262];
	size_t lens[MAX_APDUS], count = 0;
	int rc = collect_apdus(o, apdus, sizeof(apdus), lens, &count);
	if (rc)
		return rc;
	static uint8_t script[MAX_APDUS * 266 + 4];
	size_t sn = 0;
	if (veuicc_cli_ota_script(expanded, apdus, lens, count, script, sizeof(script), &sn))
		return usage_error("the script is too long");

	veuicc_cli_ota_ctx ota;
	memset(&ota, 0, sizeof(ota));
	if (veuicc_cli_ota_address(o->origin ? o->origin : "+1234", ota.oa, &ota.oa_len))
		return usage_error("--origin '%s': '+' and 1 to 20 digits expected", o->origin);
	if (o->ref) {
		uint64_t v;
		if (veuicc_cli_parse_u64(o->ref, &v) || v > 255)
			return usage_error("--ref '%s': 0..255 expected", o->ref);
		ota.concat_ref = (uint8_t)v;
	}
	/* the counter file advances only when something will be sent or printed */
	if ((rc = setup_keys(o, &ota, 1)))
		goto out;

	static uint8_t pkt[VEUICC_CLI_OTA_PKT_MAX];
	size_t pn = 0;
	rc = veuicc_scp80_wrap_cmd(&ota.h, script, sn, pkt, sizeof(pkt), &pn);
	if (rc) {
		rc = usage_error("cannot build the command packet: %s", veuicc_strerror(rc));
		goto out;
	}
	static veuicc_cli_ota_env env[VEUICC_CLI_OTA_MAX_SMS];
	size_t ne = 0;
	if (veuicc_cli_ota_envelopes(&ota, pkt, pn, env, VEUICC_CLI_OTA_MAX_SMS, &ne)) {
		rc = usage_error("the packet (%zu bytes) needs more than %d SMS", pn,
		                 VEUICC_CLI_OTA_MAX_SMS);
		goto out;
	}
	if (o->packet) {
		print_hex_line(pkt, pn);
		rc = VEUICC_CLI_EXIT_OK;
	} else if (o->hex) {
		for (size_t i = 0; i < ne; i++)
			print_hex_line(env[i].apdu, env[i].len);
		rc = VEUICC_CLI_EXIT_OK;
	} else {
		printf(
		    "command packet: %zu bytes, SPI %02X%02X, KIc %02X, KID %02X, TAR "
		    "%02X%02X%02X, counter %02X%02X%02X%02X%02X, %zu C-APDU(s) in the %s format, "
		    "%zu SMS\n",
		    pn, ota.h.spi[0], ota.h.spi[1], ota.h.kic, ota.h.kid, ota.h.tar[0],
		    ota.h.tar[1], ota.h.tar[2], ota.h.cntr[0], ota.h.cntr[1], ota.h.cntr[2],
		    ota.h.cntr[3], ota.h.cntr[4], count, expanded ? "expanded" : "compact", ne);
		rc = o->card ? send_card(o, &ota, env, ne) : send_reader(o, &ota, env, ne);
	}
out:
	mbedtls_platform_zeroize(&ota, sizeof(ota));
	return rc;
}

static int run_decode(const struct opts *o)
{
	if (o->nargs != 1 || o->script)
		return usage_error("decode-por takes one PoR in hex");
	static uint8_t por[VEUICC_CLI_OTA_POR_MAX];
	size_t n = 0;
	char why[96];
	if (veuicc_cli_ota_unhex(o->args[0], por, sizeof(por), &n, why, sizeof(why)))
		return usage_error("the PoR: %s", why);
	veuicc_cli_ota_ctx ota;
	memset(&ota, 0, sizeof(ota));
	int rc = setup_keys(o, &ota, 0);
	if (rc == 0) {
		veuicc_cli_ota_result res;
		rc = veuicc_cli_ota_print_por(stdout, &ota, por, n, &res) ? VEUICC_CLI_EXIT_MISMATCH
		     : res.status == VEUICC_SCP80_POR_OK && !res.sw_error
		         ? VEUICC_CLI_EXIT_OK
		         : VEUICC_CLI_EXIT_MISMATCH;
	}
	mbedtls_platform_zeroize(&ota, sizeof(ota));
	return rc;
}

int veuicc_cli_ota(int argc, char **argv)
{
	struct opts o;
	memset(&o, 0, sizeof(o));
	int decode = 0, i = 1;
	if (argc > 1 && strcmp(argv[1], "decode-por") == 0) {
		decode = 1;
		i = 2;
	}
	for (; i < argc; i++) {
		int m;
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			usage(stdout);
			return VEUICC_CLI_EXIT_OK;
		}
		if (strcmp(argv[i], "--hex") == 0) {
			o.hex = 1;
			continue;
		}
		if (strcmp(argv[i], "--packet") == 0) {
			o.packet = 1;
			continue;
		}
		const struct {
			const char *name;
			const char **v;
		} vals[] = {
		    {"--factory", &o.factory},
		    {"--kvn", &o.kvn},
		    {"--kic-key", &o.kic_key},
		    {"--kid-key", &o.kid_key},
		    {"--kic", &o.kic},
		    {"--kid", &o.kid},
		    {"--tar", &o.tar},
		    {"--spi", &o.spi},
		    {"--counter-file", &o.counter_file},
		    {"--counter", &o.counter},
		    {"--format", &o.format},
		    {"--script", &o.script},
		    {"--origin", &o.origin},
		    {"--ref", &o.ref},
		    {"--protocol", &o.protocol},
		    {"--card", &o.card},
		    {"--reader", &o.reader},
		};
		m = 0;
		for (size_t k = 0; k < sizeof(vals) / sizeof(vals[0]) && m == 0; k++)
			m = veuicc_cli_opt(argc, argv, &i, vals[k].name, vals[k].v);
		if (m < 0)
			return VEUICC_CLI_EXIT_USAGE;
		if (m > 0)
			continue;
		if (argv[i][0] == '-' && argv[i][1] == '-')
			return usage_error("unknown option '%s'", argv[i]);
		if (o.nargs == MAX_APDUS)
			return usage_error("more than %d C-APDUs", MAX_APDUS);
		o.args[o.nargs++] = argv[i];
	}
	return decode ? run_decode(&o) : run_send(&o);
}
