/* SPDX-License-Identifier: Apache-2.0 */
/*
 * In-process throughput of a modem's boot sequence on the GSMA TS.48 V7
 * profile (the built-in one, as `veuicc saip ... :default`), and the install
 * time of every TS.48 profile in tests/data/saip/profiles.
 *
 * One boot = cold reset, T=1, then: SELECT MF, SELECT + READ EF.ICCID,
 * SELECT + READ RECORD EF.DIR, SELECT ADF.USIM by AID, VERIFY PIN1, SELECT +
 * READ of 20 USIM EFs (READ BINARY or READ RECORD 1, lengths from their FCP),
 * one AUTHENTICATE in 3G context (TS 34.108 test algorithm, a fresh SQN every
 * boot). Prints APDUs/s and boots/s, the ratio to a floor measured in the same
 * run (parsing the same C-APDUs, as bench_apdu), an FNV-1a checksum of every
 * response byte, then the install time per profile.
 *
 * Usage: bench_boot [boots [install_rounds [DATA_DIR]]]
 *        DATA_DIR defaults to $VEUICC_TEST_DATA, else tests/data.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "apdu/apdu.h"
#include "saip/saip.h"
#include "veuicc/veuicc.h"

#define MAX_APDUS 64
#define NEFS      20
#define FNV_BASIS 1469598103934665603ull
#define FNV_PRIME 1099511628211ull
#define SW_OK     0x9000u

struct apdu {
	uint8_t b[64];
	size_t n;
};

/* USIM EFs a modem reads at boot (TS 31.102 §4.2), tried in this order. */
static const uint16_t usim_efs[] = {
    0x6F07, /* IMSI */ 0x6FAD,      /* AD */ 0x6F38,        /* UST */ 0x6F56,      /* EST */
    0x6F78, /* ACC */ 0x6F31,       /* HPPLMN */ 0x6F46,    /* SPN */ 0x6F7E,      /* LOCI */
    0x6F73, /* PSLOCI */ 0x6F7B,    /* FPLMN */ 0x6F08,     /* Keys */ 0x6F09,     /* KeysPS */
    0x6F5B, /* START-HFN */ 0x6F5C, /* THRESHOLD */ 0x6FE3,                        /* EPSLOCI */
    0x6FE4, /* EPSNSC */ 0x6FB7,    /* ECC */ 0x6F42,       /* SMSP */ 0x6F43,     /* SMSS */
    0x6FC4, /* NETPAR */ 0x6F06,    /* ARR */ 0x6F60,       /* PLMNwAcT */ 0x6F61, /* OPLMNwAcT */
    0x6F62, /* HPLMNwAcT */ 0x6F05, /* LI */ 0x6F40,                               /* MSISDN */
};

static const uint8_t k_ts48[16] = {0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
                                   0x08, 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x0E, 0x0F};

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static struct apdu mk(const char *hex)
{
	struct apdu a = {{0}, 0};
	for (; hex[0] && hex[1]; hex += 2) {
		unsigned v;
		if (sscanf(hex, "%2x", &v) != 1)
			break;
		a.b[a.n++] = (uint8_t)v;
	}
	return a;
}

static uint16_t xfer(veuicc_card *card, const struct apdu *a, uint8_t *r, size_t *rl)
{
	*rl = 0;
	if (veuicc_transmit(card, a->b, a->n, r, VEUICC_RAPDU_MAX, rl) || *rl < 2)
		return 0;
	return (uint16_t)(r[*rl - 2] << 8 | r[*rl - 1]);
}

static int power_up(veuicc_card *card)
{
	return veuicc_reset(card, VEUICC_RESET_COLD, NULL, NULL) ||
	       veuicc_set_protocol(card, VEUICC_PROTO_T1);
}

/* The AUTHENTICATE of boot \p seq: TS 34.108 §8.1.2 test algorithm with the
 * TS.48 K, XDOUT = K xor RAND, AK = XDOUT[3..8], MAC-A = XDOUT[0..7] xor
 * (SQN || AMF); SQN = seq || IND 0 (TS 33.102 Annex C, IND 5 bits). */
static void auth_apdu(uint64_t seq, struct apdu *a)
{
	static const uint8_t head[] = {0x00, 0x88, 0x00, 0x81, 0x22, 0x10};
	uint8_t rand[16], x[16], sqn[6], amf[2] = {0x80, 0x00};
	uint64_t s = seq << 5;
	for (int i = 0; i < 16; i++)
		rand[i] = (uint8_t)(0xA5 ^ (i * 17) ^ (seq >> (8 * (i % 8))));
	for (int i = 0; i < 16; i++)
		x[i] = k_ts48[i] ^ rand[i];
	for (int i = 0; i < 6; i++)
		sqn[i] = (uint8_t)(s >> (40 - 8 * i));
	memcpy(a->b, head, sizeof(head));
	memcpy(a->b + 6, rand, 16);
	a->b[22] = 0x10;
	for (int i = 0; i < 6; i++)
		a->b[23 + i] = sqn[i] ^ x[3 + i];
	a->b[29] = amf[0];
	a->b[30] = amf[1];
	for (int i = 0; i < 8; i++)
		a->b[31 + i] = x[i] ^ (i < 6 ? sqn[i] : amf[i - 6]);
	a->b[39] = 0x00; /* Le */
	a->n = 40;
}

/* FCP (TS 102 221 §11.1.1.4): tag 82 gives the structure and record length,
 * tag 80 the file size. */
static void fcp_sizes(const uint8_t *r, size_t rl, int *linear, size_t *len)
{
	*linear = 0;
	*len = 0;
	if (rl < 4 || r[0] != 0x62)
		return;
	for (size_t i = 2; i + 1 < rl - 2;) {
		uint8_t t = r[i], l = r[i + 1];
		const uint8_t *v = r + i + 2;
		if (t == 0x82 && l >= 5) {
			*linear = (v[0] & 7) == 2 || (v[0] & 7) == 6;
			if (*linear)
				*len = (size_t)(v[2] << 8 | v[3]);
		} else if (t == 0x80 && l == 2 && !*linear) {
			*len = (size_t)(v[0] << 8 | v[1]);
		}
		i += 2u + l;
	}
}

/* Build the boot script on a live card, checking that every step answers
 * 9000 (the AUTHENTICATE is rebuilt per boot). \returns the count, 0 on error */
static size_t build_script(veuicc_card *card, struct apdu *s, size_t *auth_at, char *fids)
{
	static uint8_t r[VEUICC_RAPDU_MAX];
	size_t n = 0, rl;
	const char *fixed[] = {
	    "00A40004023F0000", /* SELECT MF, FCP */
	    "00A4000C022FE2",
	    "00B000000A", /* EF.ICCID */
	    "00A4000C022F00",
	    "00B2010400",                           /* EF.DIR record 1 */
	    "00A404040CA0000000871002FF49FF058900", /* ADF.USIM by AID, FCP */
	    "002000010830303030FFFFFFFF",           /* VERIFY PIN1 (TS.48: 0000) */
	};
	if (power_up(card))
		return 0;
	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
		s[n] = mk(fixed[i]);
		uint16_t sw = xfer(card, &s[n], r, &rl);
		if (sw != SW_OK) {
			fprintf(stderr, "bench_boot: step %s answered %04X\n", fixed[i], sw);
			return 0;
		}
		n++;
	}
	size_t efs = 0;
	for (size_t i = 0; i < sizeof(usim_efs) / sizeof(usim_efs[0]) && efs < NEFS; i++) {
		char hex[40];
		snprintf(hex, sizeof(hex), "00A4000402%04X00", usim_efs[i]);
		struct apdu sel = mk(hex);
		int linear;
		size_t len;
		if (xfer(card, &sel, r, &rl) != SW_OK)
			continue;
		fcp_sizes(r, rl, &linear, &len);
		if (len == 0 || len > 255)
			continue;
		snprintf(hex, sizeof(hex), linear ? "00B20104%02X" : "00B00000%02X", (unsigned)len);
		struct apdu rd = mk(hex);
		if (xfer(card, &rd, r, &rl) != SW_OK)
			continue;
		s[n++] = sel;
		s[n++] = rd;
		sprintf(fids + 5 * efs, "%04X ", usim_efs[i]);
		efs++;
	}
	if (efs < NEFS) {
		fprintf(stderr, "bench_boot: only %zu readable USIM EFs\n", efs);
		return 0;
	}
	*auth_at = n;
	auth_apdu(1, &s[n]);
	if (xfer(card, &s[n], r, &rl) != SW_OK || r[0] != 0xDB) {
		fprintf(stderr, "bench_boot: AUTHENTICATE failed\n");
		return 0;
	}
	return n + 1;
}

static int bench_boot(long boots)
{
	size_t plen, idx, auth_at = 0;
	const uint8_t *prof = veuicc_saip_default_profile(&plen);
	veuicc_card *card;
	char msg[200];
	struct apdu script[MAX_APDUS];
	static uint8_t r[VEUICC_RAPDU_MAX];

	if (veuicc_card_new(NULL, &card) ||
	    veuicc_card_install_profile(card, prof, plen, &idx, msg, sizeof(msg)) ||
	    veuicc_card_activate_profile(card, idx)) {
		fprintf(stderr, "bench_boot: cannot set up the card\n");
		return 1;
	}
	char fids[5 * NEFS + 1] = "";
	size_t n = build_script(card, script, &auth_at, fids);
	if (!n) {
		veuicc_card_free(card);
		return 1;
	}
	uint64_t sum = FNV_BASIS;
	unsigned errors = 0;
	double t0 = now();
	for (long b = 0; b < boots; b++) {
		if (power_up(card))
			errors++;
		auth_apdu((uint64_t)b + 2, &script[auth_at]);
		for (size_t i = 0; i < n; i++) {
			size_t rl;
			uint16_t sw = xfer(card, &script[i], r, &rl);
			if (sw != SW_OK)
				errors++;
			for (size_t k = 0; k < rl; k++)
				sum = (sum ^ r[k]) * FNV_PRIME;
		}
	}
	double t_card = now() - t0;

	/* floor: parse the same C-APDUs and write a status word */
	uint64_t floor_sum = FNV_BASIS;
	t0 = now();
	for (long b = 0; b < boots; b++) {
		for (size_t i = 0; i < n; i++) {
			veuicc_capdu c;
			int rc = veuicc_capdu_parse(script[i].b, script[i].n, &c);
			r[0] = (uint8_t)(0x90 + rc);
			r[1] = (uint8_t)c.lc;
			floor_sum = (floor_sum ^ r[0]) * FNV_PRIME;
			floor_sum = (floor_sum ^ r[1]) * FNV_PRIME;
		}
	}
	double t_floor = now() - t0;
	double apdus = (double)boots * (double)n;
	printf("boot sequence: %zu APDUs (SELECT MF, EF.ICCID, EF.DIR, ADF.USIM, VERIFY PIN1, "
	       "%d EFs, AUTHENTICATE) + cold reset, T=1\n",
	       n, NEFS);
	printf("USIM EFs read: %s\n", fids);
	printf("card:  %ld boots in %.3f s: %.0f boots/s, %.0f APDUs/s, %.1f us/boot\n", boots,
	       t_card, boots / t_card, apdus / t_card, t_card / boots * 1e6);
	printf("floor: %.0f APDUs/s (parse only)\n", apdus / t_floor);
	printf("ratio card/floor: %.1f x\n", t_card / t_floor);
	printf("checksum: %016llx (floor %016llx), errors: %u\n", (unsigned long long)sum,
	       (unsigned long long)floor_sum, errors);
	veuicc_card_free(card);
	return errors ? 1 : 0;
}

static uint8_t *load(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	uint8_t *b = n > 0 ? malloc((size_t)n) : NULL;
	if (b && fread(b, 1, (size_t)n, f) != (size_t)n) {
		free(b);
		b = NULL;
	}
	fclose(f);
	*len = (size_t)n;
	return b;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int bench_install(const char *data, long rounds)
{
	char dir[1024], path[2048];
	snprintf(dir, sizeof(dir), "%s/saip/profiles", data);
	DIR *d = opendir(dir);
	if (!d) {
		fprintf(stderr, "bench_boot: cannot open %s\n", dir);
		return 1;
	}
	char *names[64];
	size_t nn = 0;
	struct dirent *e;
	while ((e = readdir(d)) && nn < 64) {
		size_t l = strlen(e->d_name);
		if (l > 4 && strcmp(e->d_name + l - 4, ".der") == 0)
			names[nn++] = strdup(e->d_name);
	}
	closedir(d);
	qsort(names, nn, sizeof(names[0]), cmp_str);
	int fails = 0;
	double total = 0;
	printf("install time per TS.48 profile (veuicc_card_install_profile, mean of %ld):\n",
	       rounds);
	for (size_t i = 0; i < nn; i++) {
		size_t len;
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		uint8_t *der = load(path, &len);
		double t = 0;
		size_t files = 0;
		int rc = der ? 0 : -1;
		for (long k = 0; k < rounds && rc == 0; k++) {
			veuicc_card *card;
			size_t idx;
			char msg[200];
			if (veuicc_card_new(NULL, &card))
				return 1;
			double t0 = now();
			rc = veuicc_card_install_profile(card, der, len, &idx, msg, sizeof(msg));
			t += now() - t0;
			veuicc_profile_info info;
			if (!rc && !veuicc_card_profile_info(card, idx, &info))
				files = info.files;
			veuicc_card_free(card);
		}
		if (rc) {
			printf("  %-50s FAILED (%d)\n", names[i], rc);
			fails++;
		} else {
			printf("  %-50s %6zu bytes %4zu files %8.1f us\n", names[i], len, files,
			       t / rounds * 1e6);
			total += t / rounds;
		}
		free(der);
		free(names[i]);
	}
	printf("%zu profiles, %d failed, mean install %.1f us, %.0f installs/s\n", nn, fails,
	       nn ? total / (double)nn * 1e6 : 0.0, total > 0 ? (double)nn / total : 0.0);
	return fails != 0 || nn == 0;
}

int main(int argc, char **argv)
{
	long boots = argc > 1 ? atol(argv[1]) : 20000;
	long rounds = argc > 2 ? atol(argv[2]) : 20;
	const char *data = argc > 3 ? argv[3] : getenv("VEUICC_TEST_DATA");
	if (!data)
		data = "tests/data";
	if (boots <= 0)
		boots = 1;
	if (rounds <= 0)
		rounds = 1;
	int rc = bench_boot(boots);
	rc |= bench_install(data, rounds);
	return rc;
}
