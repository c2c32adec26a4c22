/* SPDX-License-Identifier: Apache-2.0 */
/**
 * \file cmd_sm.c
 * \brief `veuicc sm`: the off-card SM-SR and SM-DP (docs/sm.md) against a
 *        card file in this process or a PC/SC reader: ES5 functions in SCP80
 *        SMS, ES8 key establishment and SCP03t download through the ISD-R,
 *        the terminal's REFRESH, notifications and their confirmation.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <mbedtls/platform_util.h>

#include "cli.h"
#include "saip/saip.h"
#include "sm.h"

#ifdef VEUICC_HAVE_PCSCLITE
#include <winscard.h>
#endif

#ifndef VEUICC_DEFAULT_FACTORY
#define VEUICC_DEFAULT_FACTORY "factory/default.json"
#endif

/* SGP.02 Annex H: the AID this simulator gives a new ISD-P by default
 * (…89 000010 00 holds the factory profile). */
#define DEFAULT_AID   "A0000005591010FFFFFFFF8900001100"
#define DEFAULT_ICCID "89000123456789012374"

static void usage(FILE *f)
{
	fputs("usage: veuicc sm [OPTIONS] VERB [ARGS]\n"
	      "\n"
	      "The off-card SM-SR and SM-DP of SGP.02 against a card: ES5 functions in SCP80\n"
	      "SMS-PP ENVELOPEs to the ISD-R (keys from the factory file, PoR checked), ES8\n"
	      "EstablishISDPKeySet and DownloadAndInstallation (SCP03t) tunnelled through\n"
	      "the ISD-R with INSTALL [for personalization]; the simulator is the terminal\n"
	      "too (REFRESH, notifications by SMS). Progress per step: function, APDUs,\n"
	      "SMS, bytes, time.\n"
	      "\n"
	      "verbs:\n"
	      "  smsr-address [+NUMBER]   ES5 UpdateSMSRAddressingParameters: where the card\n"
	      "                           sends its notifications (default +4479000001)\n"
	      "  audit                    ES5 GET STATUS of the ISD-Ps\n"
	      "  create-isdp [AID]        ES5 CreateISDP (default AID " DEFAULT_AID ")\n"
	      "  establish-keys [AID]     ES8 EstablishISDPKeySet (CERT.DP.ECDSA, ECKA, receipt)\n"
	      "  download FILE [AID]      ES8 DownloadAndInstallation of a SAIP package (DER;\n"
	      "                           :default is the built-in TS.48 V7 profile) in SCP03t\n"
	      "  enable AID | disable AID | delete AID | set-fallback AID   ES5 functions\n"
	      "  smsr-change              SGP.02 SM-SR change: SM-SR2 (DIR/smsr.7f21 and\n"
	      "                           DIR/smsr.pem of --pki) gets a new SCP80 key set of\n"
	      "                           the ISD-R through the ECASD (EstablishISDRKeySet,\n"
	      "                           relayed under the current keys), receipt checked;\n"
	      "                           the state file switches to the new keys; audit\n"
	      "                           under them; FinaliseISDRHandover deletes the other\n"
	      "                           key sets; a packet under the old keys must get no\n"
	      "                           PoR\n"
	      "  notifications            restart the terminal session, receive the pending\n"
	      "                           notifications by SMS and confirm them (DGI 3A08);\n"
	      "                           the card sends them once smsr-address has run\n"
	      "  run [FILE]               the whole chain: SM-SR address, CreateISDP, key\n"
	      "                           establishment, download, enable, REFRESH, the modem\n"
	      "                           (ICCID, PIN1, IMSI, AUTHENTICATE with the package's\n"
	      "                           keys), notification, confirmation, audit. Default\n"
	      "                           FILE :default with ICCID " DEFAULT_ICCID "\n"
	      "\n"
	      "options:\n"
	      "  --card FILE        a card file in this process (created from --factory when\n"
	      "                     missing)\n"
	      "  --reader NAME      a PC/SC reader (the one whose name contains NAME)\n"
	      "  --factory FILE     the card's factory configuration: the ISD-R's SCP80 keys\n"
	      "                     and TAR (default factory/default.json)\n"
	      "  --pki DIR          the SM-DP: DIR/smdp.7f21 (or .hex) and DIR/smdp.pem (else\n"
	      "                     DIR/../../keys/SK_S_SM_DPauth_ECDSA_NIST|BRP.pem); the new\n"
	      "                     SM-SR of smsr-change: DIR/smsr.7f21 and DIR/smsr.pem (else\n"
	      "                     .../SK_S_SM_DPpb_ECDSA_NIST|BRP.pem); default\n"
	      "                     factory/pki/nist or factory/pki/brp after the ECASD's curve\n"
	      "  --new-kvn N        smsr-change: KVN of the new SCP80 set, 1..15 (default the\n"
	      "                     first one the ISD-R does not use)\n"
	      "  --keep-old         smsr-change: no FinaliseISDRHandover, the old key sets stay\n"
	      "  --smsr-change      run: end with smsr-change\n"
	      "  --state FILE       the simulator's memory between runs: SCP80 counter, ISD-P\n"
	      "                     keys, SM-SR keys after smsr-change (default FILE.sm\n"
	      "                     next to --card, else veuicc-sm.state; mode 0600, holds\n"
	      "                     secrets)\n"
	      "  --iccid N          personalise the package with ICCID N before the download\n"
	      "  --pin DIGITS       PIN1 of the profile for the modem part (default 0000)\n"
	      "  --segment N        SCP03t plaintext bytes per segment (default 640; smaller\n"
	      "                     when a segment needs more than 8 SMS)\n"
	      "  --corrupt-segment N  flip a bit in segment N's ciphertext (tests)\n"
	      "  --https            SCP81: a PUSH by SMS opens a PSK-TLS admin session to the\n"
	      "                     simulator's HTTPS server on 127.0.0.1; every ES5/ES8\n"
	      "                     script of a verb goes in its HTTP exchanges (one session\n"
	      "                     per verb; the card plays BIP through the terminal)\n"
	      "  --es8-tunnel       with --https: ES8 (key establishment, download) through\n"
	      "                     the ISD-R's INSTALL [for personalization] + STORE DATA\n"
	      "                     instead of scripts targeted at the ISD-P\n"
	      "                     (X-Admin-Targeted-Application, the default)\n"
	      "  --https-port N     the server's port (default: any free one)\n"
	      "  --push-retries N   retry counter of the PUSH (default 0)\n"
	      "  --push-delay S     its retry waiting delay in seconds (default 0: at once)\n"
	      "  --transcript FILE  write the script commands and answers (C/R hex lines)\n"
	      "  --trace            print every C-APDU and R-APDU\n"
	      "  --json             print the steps as JSON on stdout (progress on stderr)\n"
	      "  --protocol T=0|T=1 protocol with --card (default T=0)\n"
	      "  -h, --help         show this help\n"
	      "\n"
	      "exit status: 0 every step succeeded; 1 a step failed (said why); 2 usage.\n",
	      f);
}

__attribute__((format(printf, 1, 2))) static int usage_error(const char *fmt, ...)
{
	va_list ap;
	fputs("veuicc sm: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\nTry 'veuicc sm --help'.\n", stderr);
	return VEUICC_CLI_EXIT_USAGE;
}

struct opts {
	const char *card, *reader, *factory, *pki, *state, *iccid, *pin, *segment, *corrupt,
	    *transcript, *protocol, *new_kvn, *https_port, *push_retries, *push_delay;
	int json, trace, keep_old, smsr_change, new_kvn_v, https, es8_tunnel;
	const char *verb;
	const char *args[2];
	size_t nargs;
};

/* ---- transports ----------------------------------------------------------- */

struct card_t {
	veuicc_card *card;
	veuicc_protocol proto;
};

static int card_xfer(void *ctx, const uint8_t *c, size_t cn, uint8_t *r, size_t rcap, size_t *rn)
{
	return veuicc_transmit(((struct card_t *)ctx)->card, c, cn, r, rcap, rn);
}

static int card_reset(void *ctx)
{
	struct card_t *t = ctx;
	int rc = veuicc_reset(t->card, VEUICC_RESET_COLD, NULL, NULL);
	if (rc == 0 && t->proto == VEUICC_PROTO_T1)
		rc = veuicc_set_protocol(t->card, t->proto);
	return rc;
}

#ifdef VEUICC_HAVE_PCSCLITE
struct pcsc_t {
	SCARDCONTEXT ctx;
	SCARDHANDLE h;
	DWORD proto;
};

static int pcsc_xfer(void *ctx, const uint8_t *c, size_t cn, uint8_t *r, size_t rcap, size_t *rn)
{
	struct pcsc_t *p = ctx;
	DWORD n = (DWORD)rcap;
	const SCARD_IO_REQUEST *pci = p->proto == SCARD_PROTOCOL_T1 ? SCARD_PCI_T1 : SCARD_PCI_T0;
	LONG rv = SCardTransmit(p->h, pci, c, (DWORD)cn, NULL, r, &n);
	if (rv != SCARD_S_SUCCESS) {
		fprintf(stderr, "veuicc sm: SCardTransmit: %s\n", pcsc_stringify_error(rv));
		return VEUICC_ERR_IO;
	}
	*rn = n;
	return VEUICC_OK;
}

static int pcsc_reset(void *ctx)
{
	struct pcsc_t *p = ctx;
	LONG rv = SCardReconnect(p->h, SCARD_SHARE_SHARED, SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1,
	                         SCARD_UNPOWER_CARD, &p->proto);
	return rv == SCARD_S_SUCCESS ? VEUICC_OK : VEUICC_ERR_IO;
}

static int pcsc_open(struct pcsc_t *p, const char *want)
{
	LONG rv = SCardEstablishContext(SCARD_SCOPE_SYSTEM, NULL, NULL, &p->ctx);
	if (rv != SCARD_S_SUCCESS) {
		fprintf(stderr, "veuicc sm: cannot reach pcscd: %s\n", pcsc_stringify_error(rv));
		return -1;
	}
	DWORD len = 0;
	rv = SCardListReaders(p->ctx, NULL, NULL, &len);
	char *all = rv == SCARD_S_SUCCESS ? malloc(len) : NULL;
	if (!all || SCardListReaders(p->ctx, NULL, all, &len) != SCARD_S_SUCCESS) {
		free(all);
		fprintf(stderr, "veuicc sm: no PC/SC reader\n");
		return -1;
	}
	const char *name = NULL;
	int matches = 0;
	for (const char *q = all; *q; q += strlen(q) + 1)
		if (strstr(q, want)) {
			name = q;
			matches++;
		}
	if (matches != 1) {
		fprintf(stderr, "veuicc sm: '%s' matches %d PC/SC readers\n", want, matches);
		free(all);
		return -1;
	}
	rv = SCardConnect(p->ctx, name, SCARD_SHARE_SHARED, SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1,
	                  &p->h, &p->proto);
	if (rv != SCARD_S_SUCCESS)
		fprintf(stderr, "veuicc sm: cannot connect to '%s': %s\n", name,
		        pcsc_stringify_error(rv));
	else
		fprintf(stderr, "reader '%s'\n", name);
	free(all);
	return rv == SCARD_S_SUCCESS ? 0 : -1;
}
#endif

/* ---- the simulator's memory ------------------------------------------------- */

static void hexs(FILE *f, const uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%02X", b[i]);
}

static int load_state(veuicc_sm *sm, const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		/* a new SM-SR starts at the clock so that its counters keep rising
		 * on a card others have used (TS 102 225 §5.1.1: "higher") */
		sm->counter = (uint64_t)time(NULL);
		return errno == ENOENT ? 0 : -1;
	}
	char line[512];
	while (fgets(line, sizeof(line), f)) {
		unsigned long long c;
		char aid[64], enc[64], mac[64], dek[64];
		unsigned kvn;
		size_t n = 0;
		char why[64];
		if (sscanf(line, "counter %llu", &c) == 1) {
			sm->counter = c;
		} else if (sscanf(line, "smsr %x %63s %63s %63s", &kvn, enc, mac, dek) == 4) {
			/* after smsr-change: SM-SR2's SCP80 keys replace the factory's */
			uint8_t k[48];
			if (kvn < 1 || kvn > 15 ||
			    veuicc_cli_ota_unhex(enc, k, 16, &n, why, sizeof(why)) ||
			    veuicc_cli_ota_unhex(mac, k + 16, 16, &n, why, sizeof(why)) ||
			    veuicc_cli_ota_unhex(dek, k + 32, 16, &n, why, sizeof(why)))
				continue;
			veuicc_sm_smsr_keys(sm, (uint8_t)kvn, k);
			mbedtls_platform_zeroize(k, sizeof(k));
		} else if (sscanf(line, "isdp %63s %x %63s %63s %63s", aid, &kvn, enc, mac, dek) ==
		           5) {
			if (veuicc_sm_parse_aid(aid, sm->aid, &sm->aid_len) ||
			    veuicc_cli_ota_unhex(enc, sm->enc, 16, &n, why, sizeof(why)) ||
			    veuicc_cli_ota_unhex(mac, sm->mac, 16, &n, why, sizeof(why)) ||
			    veuicc_cli_ota_unhex(dek, sm->dek, 16, &n, why, sizeof(why)))
				continue;
			sm->kvn = (uint8_t)kvn;
			sm->have_keys = 1;
		}
	}
	mbedtls_platform_zeroize(line, sizeof(line));
	fclose(f);
	return 0;
}

static int save_state(const veuicc_sm *sm, const char *path)
{
	char tmp[4200];
	if (snprintf(tmp, sizeof(tmp), "%s.tmp-%ld", path, (long)getpid()) >= (int)sizeof(tmp))
		return -1;
	mode_t old = umask(077);
	FILE *f = fopen(tmp, "w");
	umask(old);
	if (!f)
		return -1;
	fprintf(f, "# veuicc sm state (docs/sm.md): TEST KEYS\ncounter %llu\n",
	        (unsigned long long)sm->counter);
	if (sm->smsr_changed) {
		fprintf(f, "smsr %02X ", sm->ota.ks.kvn);
		hexs(f, sm->ota.ks.kic, 16);
		fputc(' ', f);
		hexs(f, sm->ota.ks.kid, 16);
		fputc(' ', f);
		hexs(f, sm->smsr_dek, 16);
		fputc('\n', f);
	}
	if (sm->have_keys) {
		fputs("isdp ", f);
		hexs(f, sm->aid, sm->aid_len);
		fprintf(f, " %02X ", sm->kvn);
		hexs(f, sm->enc, 16);
		fputc(' ', f);
		hexs(f, sm->mac, 16);
		fputc(' ', f);
		hexs(f, sm->dek, 16);
		fputc('\n', f);
	}
	int bad = fclose(f) != 0;
	if (bad || rename(tmp, path) != 0) {
		unlink(tmp);
		return -1;
	}
	return 0;
}

/* ---- verbs -------------------------------------------------------------------- */

static int load_package(veuicc_sm *sm, const char *file, const char *iccid, uint8_t **der,
                        size_t *len)
{
	if (veuicc_cli_load_profile(file, der, len))
		return snprintf(sm->error, sizeof(sm->error), "%s: cannot read the package", file),
		       -1;
	if (!iccid)
		return 0;
	veuicc_saip_profile *p = NULL;
	uint8_t *out = NULL;
	size_t out_len = 0;
	int rc = veuicc_saip_decode(*der, *len, &p, NULL) || veuicc_saip_set_iccid(p, iccid) ||
	         veuicc_saip_encode(p, &out, &out_len);
	veuicc_saip_free(p);
	free(*der);
	*der = out;
	*len = out_len;
	if (rc) {
		free(out);
		*der = NULL;
		snprintf(sm->error, sizeof(sm->error), "%s: cannot personalise ICCID %s", file,
		         iccid);
		return -1;
	}
	return 0;
}

static int step_aid(veuicc_sm *sm, const char *name,
                    int (*fn)(veuicc_sm *, const uint8_t *, size_t), const uint8_t *aid, size_t len)
{
	veuicc_sm_begin(sm, name);
	return veuicc_sm_end(sm, fn(sm, aid, len));
}

/* smsr-change (also the end of run --smsr-change): --new-kvn, --keep-old */
static int smsr_change(veuicc_sm *sm, const struct opts *o)
{
	return veuicc_sm_smsr_change(sm, o->new_kvn_v, o->keep_old);
}

static int run_verb(veuicc_sm *sm, const struct opts *o)
{
	uint8_t aid[16];
	size_t aid_len = 0;
	const char *v = o->verb;
	int rc;
	const char *aid_arg = NULL;
	if (!strcmp(v, "download"))
		aid_arg = o->nargs > 1 ? o->args[1] : NULL;
	else if (strcmp(v, "run") != 0 && strcmp(v, "smsr-address") != 0 &&
	         strcmp(v, "smsr-change") != 0)
		aid_arg = o->nargs ? o->args[0] : NULL;
	if (aid_arg && veuicc_sm_parse_aid(aid_arg, aid, &aid_len))
		return usage_error("'%s' is not an AID (10 to 32 hex digits)", aid_arg);
	if (!aid_arg)
		veuicc_sm_parse_aid(DEFAULT_AID, aid, &aid_len);

	if (!strcmp(v, "smsr-address")) {
		if (o->nargs &&
		    veuicc_cli_ota_address(o->args[0], sm->smsr_addr, &sm->smsr_addr_len))
			return usage_error("'%s': '+' and 1 to 20 digits expected", o->args[0]);
		veuicc_sm_begin(sm, "ES5 UpdateSMSRAddressingParameters");
		return veuicc_sm_end(sm, veuicc_sm_set_smsr_address(sm));
	}
	if (!strcmp(v, "audit")) {
		veuicc_sm_begin(sm, "ES5 audit (GET STATUS)");
		return veuicc_sm_end(sm, veuicc_sm_audit(sm));
	}
	if (!strcmp(v, "create-isdp"))
		return step_aid(sm, "ES5 CreateISDP", veuicc_sm_create_isdp, aid, aid_len);
	if (!strcmp(v, "establish-keys")) {
		veuicc_sm_begin(sm, "ES8 EstablishISDPKeySet");
		rc = veuicc_sm_need_pki(sm);
		return veuicc_sm_end(sm, rc ? rc : veuicc_sm_establish_keys(sm, aid, aid_len));
	}
	if (!strcmp(v, "enable") || !strcmp(v, "disable") || !strcmp(v, "delete") ||
	    !strcmp(v, "set-fallback")) {
		if (!o->nargs)
			return usage_error("%s needs the ISD-P's AID", v);
		char name[48];
		snprintf(name, sizeof(name), "ES5 %s", v);
		veuicc_sm_begin(sm, name);
		rc = veuicc_sm_profile_op(sm, v, aid, aid_len);
		if (rc == 0 && sm->refresh)
			fprintf(sm->out ? sm->out : stderr,
			        "  the card asked for a REFRESH: the terminal restarts its session "
			        "on the next command\n");
		return veuicc_sm_end(sm, rc);
	}
	if (!strcmp(v, "smsr-change"))
		return smsr_change(sm, o);
	if (!strcmp(v, "notifications")) {
		veuicc_sm_begin(sm, "terminal session (reset, TERMINAL PROFILE, SMS)");
		rc = veuicc_sm_terminal_start(sm);
		if (veuicc_sm_end(sm, rc))
			return rc;
		veuicc_sm_begin(sm, "ES5 notification confirmation");
		return veuicc_sm_end(sm, veuicc_sm_confirm_notifications(sm));
	}
	int is_run = !strcmp(v, "run");
	if (!strcmp(v, "download") || is_run) {
		const char *file = o->nargs ? o->args[0] : NULL;
		const char *iccid = o->iccid;
		if (!file) {
			if (!is_run)
				return usage_error("download needs a package FILE");
			file = ":default";
			if (!iccid)
				iccid = DEFAULT_ICCID;
		}
		uint8_t *der = NULL;
		size_t len = 0;
		if (load_package(sm, file, iccid, &der, &len)) {
			fprintf(stderr, "veuicc sm: %s\n", sm->error);
			return -1;
		}
		if (!is_run) {
			veuicc_sm_begin(sm, "ES8 DownloadAndInstallation (SCP03t)");
			if (aid_arg && (!sm->have_keys || sm->aid_len != aid_len ||
			                memcmp(sm->aid, aid, aid_len))) {
				snprintf(sm->error, sizeof(sm->error),
				         "no ISD-P keys for %s in the state file", aid_arg);
				rc = -1;
			} else {
				rc = veuicc_sm_need_pki(sm) ? -1 : veuicc_sm_download(sm, der, len);
			}
			free(der);
			return veuicc_sm_end(sm, rc);
		}
		rc = veuicc_sm_run(sm, aid, aid_len, der, len, o->pin ? o->pin : "0000");
		free(der);
		return rc == 0 && o->smsr_change ? smsr_change(sm, o) : rc;
	}
	return usage_error("unknown verb '%s'", v);
}

int veuicc_cli_sm(int argc, char **argv)
{
	struct opts o;
	memset(&o, 0, sizeof(o));
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage(stdout);
			return VEUICC_CLI_EXIT_OK;
		}
		if (!strcmp(argv[i], "--json")) {
			o.json = 1;
			continue;
		}
		if (!strcmp(argv[i], "--trace")) {
			o.trace = 1;
			continue;
		}
		if (!strcmp(argv[i], "--keep-old")) {
			o.keep_old = 1;
			continue;
		}
		if (!strcmp(argv[i], "--smsr-change")) {
			o.smsr_change = 1;
			continue;
		}
		if (!strcmp(argv[i], "--https")) {
			o.https = 1;
			continue;
		}
		if (!strcmp(argv[i], "--es8-tunnel")) {
			o.es8_tunnel = 1;
			continue;
		}
		const struct {
			const char *name;
			const char **v;
		} vals[] = {
		    {"--card", &o.card},
		    {"--reader", &o.reader},
		    {"--factory", &o.factory},
		    {"--pki", &o.pki},
		    {"--state", &o.state},
		    {"--iccid", &o.iccid},
		    {"--pin", &o.pin},
		    {"--segment", &o.segment},
		    {"--corrupt-segment", &o.corrupt},
		    {"--transcript", &o.transcript},
		    {"--protocol", &o.protocol},
		    {"--new-kvn", &o.new_kvn},
		    {"--https-port", &o.https_port},
		    {"--push-retries", &o.push_retries},
		    {"--push-delay", &o.push_delay},
		};
		int m = 0;
		for (size_t k = 0; k < sizeof(vals) / sizeof(vals[0]) && m == 0; k++)
			m = veuicc_cli_opt(argc, argv, &i, vals[k].name, vals[k].v);
		if (m < 0)
			return VEUICC_CLI_EXIT_USAGE;
		if (m > 0)
			continue;
		if (argv[i][0] == '-' && argv[i][1] == '-')
			return usage_error("unknown option '%s'", argv[i]);
		if (!o.verb)
			o.verb = argv[i];
		else if (o.nargs < 2)
			o.args[o.nargs++] = argv[i];
		else
			return usage_error("too many arguments");
	}
	if (!o.verb)
		return usage_error("no verb");
	if (!!o.card + !!o.reader != 1)
		return usage_error("choose one of --card FILE and --reader NAME");
	uint64_t kvn = 0;
	if (o.new_kvn && (veuicc_cli_parse_u64(o.new_kvn, &kvn) || kvn < 1 || kvn > 15))
		return usage_error("--new-kvn: an SCP80 key set number 1..15 (the simulator "
		                   "speaks SCP80)");
	o.new_kvn_v = (int)kvn;
	veuicc_protocol proto = VEUICC_PROTO_T0;
	if (o.protocol && veuicc_cli_parse_protocol(o.protocol, &proto))
		return usage_error("--protocol takes T=0 or T=1");

	veuicc_sm *sm = calloc(1, sizeof(*sm));
	if (!sm)
		return usage_error("out of memory");
	sm->out = o.json ? stderr : stdout;
	sm->trace = o.trace ? sm->out : NULL;
	uint64_t v;
	if (o.segment) {
		if (veuicc_cli_parse_u64(o.segment, &v) || v < 16 || v > 1024)
			return usage_error("--segment: 16..1024 bytes");
		sm->segment = (size_t)v;
	}
	if (o.corrupt) {
		if (veuicc_cli_parse_u64(o.corrupt, &v) || v < 1 || v > 1000)
			return usage_error("--corrupt-segment: a segment number from 1");
		sm->corrupt_segment = (int)v;
	}
	sm->https = o.https;
	sm->es8_tunnel = o.es8_tunnel;
	if (o.https_port) {
		if (veuicc_cli_parse_u64(o.https_port, &v) || v < 1 || v > 65535)
			return usage_error("--https-port: 1..65535");
		sm->https_port = (uint16_t)v;
	}
	if (o.push_retries) {
		if (veuicc_cli_parse_u64(o.push_retries, &v) || v > 65535)
			return usage_error("--push-retries: 0..65535");
		sm->push_retries = (uint16_t)v;
	}
	if (o.push_delay) {
		if (veuicc_cli_parse_u64(o.push_delay, &v) || v > 359999)
			return usage_error("--push-delay: 0..359999 seconds");
		sm->push_delay = (unsigned)v;
	}
	char fbuf[4096];
	const char *factory =
	    o.factory ? o.factory
	              : veuicc_sm_source_path("factory/default.json", fbuf, sizeof(fbuf));
	if (veuicc_sm_smsr_from_factory(sm, factory)) {
		fprintf(stderr, "veuicc sm: %s\n", sm->error);
		veuicc_sm_free(sm);
		free(sm);
		return VEUICC_CLI_EXIT_USAGE;
	}
	char state[4096];
	if (o.state)
		snprintf(state, sizeof(state), "%s", o.state);
	else if (o.card)
		snprintf(state, sizeof(state), "%s.sm", o.card);
	else
		snprintf(state, sizeof(state), "veuicc-sm.state");
	if (load_state(sm, state)) {
		veuicc_sm_free(sm);
		free(sm);
		return usage_error("--state %s: cannot read it", state);
	}
	if (o.transcript && !(sm->transcript = fopen(o.transcript, "w"))) {
		veuicc_sm_free(sm);
		free(sm);
		return usage_error("--transcript %s: %s", o.transcript, strerror(errno));
	}

	int status = VEUICC_CLI_EXIT_MISMATCH, rc = -1;
	struct card_t ct = {NULL, proto};
#ifdef VEUICC_HAVE_PCSCLITE
	struct pcsc_t pc;
	memset(&pc, 0, sizeof(pc));
#endif
	if (o.card) {
		veuicc_config cfg;
		veuicc_config_init(&cfg);
		cfg.factory = factory;
		int e = veuicc_card_open(o.card, &cfg, &ct.card);
		if (e) {
			fprintf(stderr, "veuicc sm: cannot open the card file %s: %s\n", o.card,
			        veuicc_strerror(e));
			status = VEUICC_CLI_EXIT_USAGE;
			goto out;
		}
		sm->xfer = card_xfer;
		sm->reset = card_reset;
		sm->xctx = &ct;
		if (card_reset(&ct)) {
			fprintf(stderr, "veuicc sm: the card does not start\n");
			goto out;
		}
	} else {
#ifdef VEUICC_HAVE_PCSCLITE
		if (pcsc_open(&pc, o.reader))
			goto out;
		sm->xfer = pcsc_xfer;
		sm->reset = pcsc_reset;
		sm->xctx = &pc;
#else
		fprintf(stderr, "veuicc sm: this veuicc was built without pcsc-lite\n");
		status = VEUICC_CLI_EXIT_USAGE;
		goto out;
#endif
	}
	sm->pki_dir = o.pki;
	rc = run_verb(sm, &o);
	if (rc == VEUICC_CLI_EXIT_USAGE) {
		status = rc;
		goto out;
	}
	status = rc == 0 ? VEUICC_CLI_EXIT_OK : VEUICC_CLI_EXIT_MISMATCH;
	if (save_state(sm, state))
		fprintf(stderr, "veuicc sm: cannot write the state file %s\n", state);
	if (o.json)
		veuicc_sm_print_json(sm, stdout, status == 0);
	else if (status == 0)
		printf("\nveuicc sm %s: all %zu step(s) succeeded\n", o.verb, sm->nsteps);
	else
		printf("\nveuicc sm %s: FAILED at \"%s\": %s\n", o.verb,
		       sm->nsteps ? sm->steps[sm->nsteps - 1].function : o.verb,
		       sm->nsteps ? sm->steps[sm->nsteps - 1].detail : sm->error);
out:
	if (sm->transcript)
		fclose(sm->transcript);
	veuicc_card_free(ct.card);
#ifdef VEUICC_HAVE_PCSCLITE
	if (pc.ctx) {
		if (pc.h)
			SCardDisconnect(pc.h, SCARD_LEAVE_CARD);
		SCardReleaseContext(pc.ctx);
	}
#endif
	veuicc_sm_free(sm);
	free(sm);
	return status;
}
