/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A whole SGP.02 story (`veuicc sm run`: SM-SR address, CreateISDP,
 * EstablishISDPKeySet, DownloadAndInstallation of a TS.48 profile in SCP03t,
 * EnableProfile, REFRESH, modem, notification confirmation, audit) on an
 * in-process card, twice per round in the same process (issue 10 item 6):
 *
 *  (a) SCP80: every ES5/ES8 script in SMS-PP download ENVELOPEs (the
 *      existing in-process path);
 *  (b) SCP81: a PUSH by SMS per function, then the scripts over PSK-TLS/HTTP
 *      on a loopback TCP connection the card reaches through BIP (the card's
 *      mbedtls client, include/veuicc/bip.h as the terminal,
 *      tools/veuicc/sm_https.c as the SM-SR's server), ES8 in scripts
 *      targeted at the ISD-P (X-Admin-Targeted-Application, the default);
 *  (c) SCP81 with ES8 through the ISD-R's INSTALL [for personalization]
 *      (`--es8-tunnel`, decision H81-18).
 *
 * Prints per path the best-round time of the whole story and of the
 * download step, APDU bytes exchanged with the card, SMS, and for SCP81 the
 * TLS bytes on the wire (both directions) per profile; the ratio SCP81 /
 * SCP80; an FNV-1a checksum of the step counts (APDUs, SMS, bytes) of the
 * paths, equal for equal inputs. Usage: bench_scp81 [rounds] [profile.der]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sm.h"

#ifndef VEUICC_SOURCE_DIR
#define VEUICC_SOURCE_DIR "."
#endif
#define PROFILE "tests/data/saip/profiles/TS48V5-SAIP2-3-BERTLV-SUCI-UNIQUE.der"
#define AID     "A0000005591010FFFFFFFF8900001100"

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec * 1e-6;
}

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
	const uint8_t *b = p;
	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 1099511628211ull;
	return h;
}

static int c_xfer(void *ctx, const uint8_t *c, size_t cn, uint8_t *r, size_t cap, size_t *rn)
{
	return veuicc_transmit(ctx, c, cn, r, cap, rn);
}

static int c_reset(void *ctx)
{
	return veuicc_reset(ctx, VEUICC_RESET_COLD, NULL, NULL);
}

typedef struct result {
	double ms, dl_ms;
	size_t apdu_bytes, wire, dl_wire, dl_bytes;
	unsigned sms, apdus;
	uint64_t sum;
} result;

/* \p mode: 0 SCP80, 1 SCP81, 2 SCP81 with --es8-tunnel */
static int story(const char *factory, const uint8_t *der, size_t len, int mode, result *out)
{
	int https = mode != 0;
	veuicc_config cfg;
	veuicc_config_init(&cfg);
	cfg.factory = factory;
	veuicc_card *card;
	if (veuicc_card_new(&cfg, &card))
		return -1;
	veuicc_sm *sm = calloc(1, sizeof(*sm));
	if (!sm || veuicc_sm_smsr_from_factory(sm, factory)) {
		veuicc_card_free(card);
		free(sm);
		return -1;
	}
	sm->counter = 1000;
	sm->xfer = c_xfer;
	sm->reset = c_reset;
	sm->xctx = card;
	sm->https = https;
	sm->es8_tunnel = mode == 2;
	uint8_t aid[16];
	const char *aid_hex = AID;
	for (size_t i = 0; i < 16; i++) {
		unsigned v;
		sscanf(aid_hex + 2 * i, "%2x", &v);
		aid[i] = (uint8_t)v;
	}
	double t0 = now();
	int rc = veuicc_sm_run(sm, aid, sizeof(aid), der, len, "0000");
	out->ms = now() - t0;
	out->dl_ms = 0;
	out->apdu_bytes = out->wire = out->dl_wire = out->dl_bytes = 0;
	out->sms = out->apdus = 0;
	out->sum = 1469598103934665603ull;
	for (size_t i = 0; i < sm->nsteps; i++) {
		const veuicc_sm_step *s = &sm->steps[i];
		if (strstr(s->function, "DownloadAndInstallation")) {
			out->dl_ms = s->ms;
			out->dl_wire = s->wire;
			out->dl_bytes = s->bytes;
		}
		out->apdu_bytes += s->bytes;
		out->sms += s->sms;
		out->apdus += s->apdus;
		out->sum = fnv(out->sum, &s->apdus, sizeof(s->apdus));
		out->sum = fnv(out->sum, &s->sms, sizeof(s->sms));
		out->sum = fnv(out->sum, &s->bytes, sizeof(s->bytes));
	}
	if (https && sm->srv) {
		veuicc_sm_https_stats st;
		veuicc_sm_https_get_stats(sm->srv, &st);
		out->wire = st.wire_in + st.wire_out;
	}
	if (rc)
		fprintf(stderr, "bench_scp81: %s story failed: %s\n", https ? "SCP81" : "SCP80",
		        sm->nsteps ? sm->steps[sm->nsteps - 1].detail : sm->error);
	veuicc_sm_free(sm);
	free(sm);
	veuicc_card_free(card);
	return rc;
}

int main(int argc, char **argv)
{
	int rounds = argc > 1 ? atoi(argv[1]) : 3;
	const char *path = argc > 2 ? argv[2] : VEUICC_SOURCE_DIR "/" PROFILE;
	const char *factory = VEUICC_SOURCE_DIR "/factory/default.json";
	if (rounds < 1)
		rounds = 1;
	FILE *f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "bench_scp81: cannot open %s\n", path);
		return 1;
	}
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	uint8_t *der = malloc((size_t)n);
	if (!der || fread(der, 1, (size_t)n, f) != (size_t)n) {
		fclose(f);
		return 1;
	}
	fclose(f);
	result best[3], r;
	memset(best, 0, sizeof(best));
	for (int k = 0; k < rounds; k++) {
		for (int mode = 0; mode < 3; mode++) {
			if (story(factory, der, (size_t)n, mode, &r)) {
				free(der);
				return 1;
			}
			if (k == 0 || r.ms < best[mode].ms)
				best[mode] = r;
		}
	}
	free(der);
	printf("bench_scp81: veuicc sm run, %ld-byte profile, best of %d rounds\n", n, rounds);
	static const char *const name[3] = {"SCP80 (SMS-PP, in process)", "SCP81 (BIP + PSK-TLS)",
	                                    "SCP81, --es8-tunnel"};
	for (int i = 0; i < 3; i++)
		printf("  %-30s story %8.1f ms  download %8.1f ms  %5u APDUs  %6zu APDU bytes  "
		       "%3u SMS\n",
		       name[i], best[i].ms, best[i].dl_ms, best[i].apdus, best[i].apdu_bytes,
		       best[i].sms);
	printf("  ratio SCP81 / SCP80: story %.2fx, download %.2fx\n", best[1].ms / best[0].ms,
	       best[0].dl_ms > 0 ? best[1].dl_ms / best[0].dl_ms : 0.0);
	printf("  SCP81 TLS bytes on the wire (both directions): whole story %zu, download step "
	       "%zu = %.2f per profile byte\n",
	       best[1].wire, best[1].dl_wire, (double)best[1].dl_wire / (double)n);
	printf("  ... with --es8-tunnel: whole story %zu, download step %zu = %.2f per profile "
	       "byte\n",
	       best[2].wire, best[2].dl_wire, (double)best[2].dl_wire / (double)n);
	printf("  card APDU bytes of the download step: SCP80 %zu, SCP81 %zu, --es8-tunnel %zu\n",
	       best[0].dl_bytes, best[1].dl_bytes, best[2].dl_bytes);
	printf("checksum %016llx %016llx %016llx\n", (unsigned long long)best[0].sum,
	       (unsigned long long)best[1].sum, (unsigned long long)best[2].sum);
	return 0;
}
