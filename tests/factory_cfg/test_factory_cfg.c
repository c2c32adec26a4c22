/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Factory configuration errors (docs/factory.md): every malformed member of
 * the JSON file is refused with its JSON path, no card file is written. The
 * rules come from docs/factory.md and the specs it cites: key version numbers
 * 01-7F (GP CS v2.3 §11.1.8), SCP80 algorithms and key lengths (TS 102 225
 * §5.1.2), SCP81 PSK of 16 or 32 bytes, SCP03 AES keys of one length (GP
 * Amd D §4.1), one Fall-Back, one enabled, one Test Profile and the
 * Emergency Profile not the Fall-Back Profile (SGP.02 v4 §2.2, §2.5), an
 * ISD-P key set is SCP03 (SGP.02 §2.2.1.2).
 *
 * Configurations name their files with "@D" (the factory/ folder) and "@P"
 * (profiles/), replaced before the file is written.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "veuicc/veuicc.h"
#include "test_tmp.h"

#define EID  "\"eid\": \"89049032123451234512345678901235\""
#define HEAD "{\"version\": 1, " EID ", "
#define ECASD_OK                                                                                   \
	"\"ecasd\": {\"private_key_file\": \"@D/ecasd_nist.pem\", \"certificate_file\": "          \
	"\"@D/cert_ecasd_nist.hex\"}"
#define V7  "\"@P/TS48_V7.0_eSIM_GTP_SAIP2.3_BERTLV_SUCI.der\""
#define K16 "\"00112233445566778899AABBCCDDEEFF\""
#define K24 "\"00112233445566778899AABBCCDDEEFF0011223344556677\""
#define DES "{\"algorithm\": \"des\", \"key\": \"0011223344556677\"}"

/* One refused configuration: the status and a part of the message. */
struct bad {
	const char *json;
	int rc;
	const char *msg;
};

static const struct bad bad_configs[] = {
    /* the root and the ISD-R */
    {"{" EID ", \"isdr\": {}}", VEUICC_ERR_MALFORMED, "$.version: missing"},
    {"{\"version\": \"1\", " EID ", \"isdr\": {}}", VEUICC_ERR_MALFORMED,
     "$.version: must be an integer in 1..1000"},
    {HEAD "\"isdr\": 1}", VEUICC_ERR_MALFORMED, "$.isdr: missing or not an object"},
    {HEAD "\"isdr\": {\"otas\": 1}}", VEUICC_ERR_MALFORMED, "$.isdr: unknown member \"otas\""},
    {HEAD "\"isdr\": {\"tar\": 7}}", VEUICC_ERR_MALFORMED, "$.isdr.tar: must be a hex string"},
    {HEAD "\"isdr\": {\"tar\": \"00000G\"}}", VEUICC_ERR_MALFORMED, "$.isdr.tar: not hex"},
    {HEAD "\"isdr\": {\"keysets\": {}}}", VEUICC_ERR_MALFORMED,
     "$.isdr.keysets: must be an array of at most"},
    /* ISD-R key sets */
    {HEAD "\"isdr\": {\"keysets\": [1]}}", VEUICC_ERR_MALFORMED,
     "$.isdr.keysets[0]: must be an object"},
    {HEAD "\"isdr\": {\"keysets\": [{\"kvn\": 1}]}}", VEUICC_ERR_MALFORMED,
     "$.isdr.keysets[0].type: missing (scp80, scp81 or scp03)"},
    {HEAD "\"isdr\": {\"keysets\": [{\"type\": \"scp80\"}]}}", VEUICC_ERR_MALFORMED,
     "$.isdr.keysets[0].kvn: missing"},
    {HEAD "\"isdr\": {\"keysets\": [{\"type\": \"scp80\", \"kvn\": 1, \"kic\": \"00\"}]}}",
     VEUICC_ERR_MALFORMED, "$.isdr.keysets[0].kic: must be an object {algorithm, key}"},
    {HEAD "\"isdr\": {\"keysets\": [{\"type\": \"scp80\", \"kvn\": 1, \"kic\": "
          "{\"algorithm\": \"des\", \"key\": \"0011223344556677\", \"iv\": \"00\"}}]}}",
     VEUICC_ERR_MALFORMED, "$.isdr.keysets[0].kic: unknown member \"iv\""},
    {HEAD "\"isdr\": {\"keysets\": [{\"type\": \"scp80\", \"kvn\": 1, \"kic\": "
          "{\"key\": \"0011223344556677\"}}]}}",
     VEUICC_ERR_MALFORMED, "$.isdr.keysets[0].kic: algorithm missing"},
    {HEAD "\"isdr\": {\"keysets\": [{\"type\": \"scp80\", \"kvn\": 1, \"kic\": "
          "{\"algorithm\": \"des\"}}]}}",
     VEUICC_ERR_MALFORMED, "$.isdr.keysets[0].kic.key: missing"},
    {HEAD "\"isdr\": {\"keysets\": [{\"type\": \"scp80\", \"kvn\": 1, \"kic\": "
          "{\"algorithm\": \"rc4\", \"key\": \"00\"}}]}}",
     VEUICC_ERR_MALFORMED, "$.isdr.keysets[0].kic: algorithm \"rc4\" is not des"},
    {HEAD "\"isdr\": {\"keysets\": [{\"type\": \"scp80\", \"kvn\": 1, \"kic\": " DES "}]}}",
     VEUICC_ERR_MALFORMED, "$.isdr.keysets[0].kid: must be an object"},
    {HEAD "\"isdr\": {\"keysets\": [{\"type\": \"scp80\", \"kvn\": 1, \"kic\": " DES
          ", \"kid\": " DES ", \"psk\": \"00\"}]}}",
     VEUICC_ERR_MALFORMED, "$.isdr.keysets[0]: unknown member \"psk\""},
    {HEAD "\"isdr\": {\"keysets\": [{\"type\": \"scp81\", \"kvn\": 1, \"psk\": \"0011\"}]}}",
     VEUICC_ERR_MALFORMED, "$.isdr.keysets[0]: psk must be 16 or 32 bytes"},
    {HEAD "\"isdr\": {\"keysets\": [{\"type\": \"scp81\", \"kvn\": 1, \"psk\": " K16
          ", \"psk_id\": 5}]}}",
     VEUICC_ERR_MALFORMED, "$.isdr.keysets[0]: psk_id must be a string"},
    {HEAD "\"isdr\": {\"keysets\": [{\"type\": \"scp81\", \"kvn\": 1}]}}", VEUICC_ERR_MALFORMED,
     "$.isdr.keysets[0].psk: missing"},
    {HEAD "\"isdr\": {\"keysets\": [{\"type\": \"scp03\", \"kvn\": 48, \"enc\": " K16
          ", \"mac\": " K16 ", \"dek\": " K24 "}]}}",
     VEUICC_ERR_MALFORMED, "$.isdr.keysets[0]: enc, mac and dek must be AES keys of one length"},
    {HEAD "\"isdr\": {\"keysets\": [{\"type\": \"scp03\", \"kvn\": 48, \"enc\": " K16
          ", \"mac\": " K16 "}]}}",
     VEUICC_ERR_MALFORMED, "$.isdr.keysets[0].dek: missing"},
    {HEAD "\"isdr\": {\"keysets\": [{\"type\": \"scp81\", \"kvn\": 1, \"psk\": " K16
          "}, {\"type\": \"scp81\", \"kvn\": 1, \"psk\": " K16 "}]}}",
     VEUICC_ERR_MALFORMED, "$.isdr.keysets[1]: key version 1 is used twice"},
    /* the ECASD */
    {HEAD "\"isdr\": {}, \"ecasd\": 1}", VEUICC_ERR_MALFORMED, "$.ecasd: must be an object"},
    {HEAD "\"isdr\": {}, \"ecasd\": {\"key\": 1}}", VEUICC_ERR_MALFORMED,
     "$.ecasd: unknown member \"key\""},
    {HEAD "\"isdr\": {}, \"ecasd\": {}}", VEUICC_ERR_MALFORMED,
     "$.ecasd: give exactly one of certificate, certificate_file"},
    {HEAD "\"isdr\": {}, \"ecasd\": {\"certificate\": \"7F21\"}}", VEUICC_ERR_MALFORMED,
     "$.ecasd: the certificate does not parse as a GP 7F21 certificate"},
    {HEAD "\"isdr\": {}, \"ecasd\": {\"certificate\": \"XY\"}}", VEUICC_ERR_MALFORMED,
     "$.ecasd.certificate: not a certificate (hex or binary 7F21)"},
    {HEAD "\"isdr\": {}, \"ecasd\": {\"certificate_file\": \"@D/no-such.hex\"}}", VEUICC_ERR_IO,
     "$.ecasd.certificate_file: cannot read"},
    {HEAD "\"isdr\": {}, \"ecasd\": {\"certificate_file\": 3}}", VEUICC_ERR_MALFORMED,
     "$.ecasd.certificate_file: file references need a file name"},
    {HEAD "\"isdr\": {}, \"ecasd\": {\"certificate_file\": \"@D/cert_ecasd_nist.hex\"}}",
     VEUICC_ERR_MALFORMED, "$.ecasd: give exactly one of private_key (hex), private_key_file"},
    {HEAD "\"isdr\": {}, \"ecasd\": {\"certificate_file\": \"@D/cert_ecasd_nist.hex\", "
          "\"private_key\": \"00\", \"private_key_file\": \"@D/ecasd_nist.pem\"}}",
     VEUICC_ERR_MALFORMED, "$.ecasd: give exactly one of private_key (hex), private_key_file"},
    {HEAD "\"isdr\": {}, \"ecasd\": {\"certificate_file\": \"@D/cert_ecasd_nist.hex\", "
          "\"private_key\": \"0011\"}}",
     VEUICC_ERR_MALFORMED, "$.ecasd.private_key: must be a 32-byte scalar"},
    {HEAD "\"isdr\": {}, \"ecasd\": {\"certificate_file\": \"@D/cert_ecasd_nist.hex\", "
          "\"private_key\": "
          "\"0000000000000000000000000000000000000000000000000000000000000000\"}}",
     VEUICC_ERR_MALFORMED, "$.ecasd: bad private key"},
    {HEAD "\"isdr\": {}, \"ecasd\": {\"certificate_file\": \"@D/cert_ecasd_nist.hex\", "
          "\"private_key_file\": \"@D/cert_ecasd_nist.hex\"}}",
     VEUICC_ERR_MALFORMED, "$.ecasd.private_key_file: @D/cert_ecasd_nist.hex is not a PEM EC"},
    {HEAD "\"isdr\": {}, \"ecasd\": {\"certificate_file\": \"@D/cert_ecasd_nist.hex\", "
          "\"private_key_file\": \"@D/no-such.pem\"}}",
     VEUICC_ERR_IO, "$.ecasd.private_key_file: cannot read"},
    {HEAD "\"isdr\": {}, \"ecasd\": {\"certificate_file\": \"@D/cert_ecasd_nist.hex\", "
          "\"private_key_file\": 1}}",
     VEUICC_ERR_MALFORMED, "$.ecasd.private_key_file: file references need a file name"},
    /* CI keys */
    {HEAD "\"isdr\": {}, " ECASD_OK ", \"ci\": {}}", VEUICC_ERR_MALFORMED,
     "$.ci: must be an array of 1.."},
    {HEAD "\"isdr\": {}, " ECASD_OK ", \"ci\": [7]}", VEUICC_ERR_MALFORMED,
     "$.ci[0]: must be an object"},
    {HEAD "\"isdr\": {}, " ECASD_OK ", \"ci\": [{\"name\": \"x\"}]}", VEUICC_ERR_MALFORMED,
     "$.ci[0]: unknown member \"name\""},
    {HEAD "\"isdr\": {}, " ECASD_OK ", \"ci\": [{\"curve\": \"P-384\", \"public_key\": "
          "\"04\"}]}",
     VEUICC_ERR_MALFORMED, "$.ci[0]: curve must be \"P-256\" or \"brainpoolP256r1\""},
    {HEAD "\"isdr\": {}, " ECASD_OK ", \"ci\": [{\"certificate\": \"7F2100\"}]}",
     VEUICC_ERR_MALFORMED, "$.ci[0]: the certificate does not parse"},
    /* pre-installed profiles */
    {HEAD "\"isdr\": {}, \"profiles\": {}}", VEUICC_ERR_MALFORMED, "$.profiles: must be an array"},
    {HEAD "\"isdr\": {}, \"profiles\": [1]}", VEUICC_ERR_MALFORMED,
     "$.profiles[0]: must be an object"},
    {HEAD "\"isdr\": {}, \"profiles\": [{\"file\": " V7 ", \"iccid\": 1}]}", VEUICC_ERR_MALFORMED,
     "$.profiles[0]: unknown member \"iccid\""},
    {HEAD "\"isdr\": {}, \"profiles\": [{\"state\": \"enabled\"}]}", VEUICC_ERR_MALFORMED,
     "$.profiles[0].file: missing (a SAIP package, DER)"},
    {HEAD "\"isdr\": {}, \"profiles\": [{\"file\": " V7 ", \"fallback\": 1}]}",
     VEUICC_ERR_MALFORMED, "$.profiles[0]: fallback, emergency and test must be true or false"},
    {HEAD "\"isdr\": {}, \"profiles\": [{\"file\": " V7 ", \"fallback\": true}, "
          "{\"file\": " V7 ", \"fallback\": true}]}",
     VEUICC_ERR_MALFORMED, "$.profiles[1]: a second fall-back profile"},
    {HEAD "\"isdr\": {}, \"profiles\": [{\"file\": " V7 ", \"fallback\": true, "
          "\"emergency\": true}]}",
     VEUICC_ERR_MALFORMED, "$.profiles[0]: the Emergency Profile cannot be the Fall-Back"},
    {HEAD "\"isdr\": {}, \"profiles\": [{\"file\": " V7 ", \"test\": true}, "
          "{\"file\": " V7 ", \"test\": true}]}",
     VEUICC_ERR_MALFORMED, "$.profiles[1]: a second test profile"},
    {HEAD "\"isdr\": {}, \"profiles\": [{\"file\": " V7 ", \"test\": true, "
          "\"emergency\": true}]}",
     VEUICC_ERR_MALFORMED, "$.profiles[0]: the Test Profile cannot be the Fall-Back or"},
    {HEAD "\"isdr\": {}, \"profiles\": [{\"file\": " V7 ", \"isdp_keysets\": {}}]}",
     VEUICC_ERR_MALFORMED, "$.profiles[0].isdp_keysets: must be an array of at most"},
    {HEAD "\"isdr\": {}, \"profiles\": [{\"file\": " V7 ", \"isdp_keysets\": "
          "[{\"type\": \"scp81\", \"kvn\": 1, \"psk\": " K16 "}]}]}",
     VEUICC_ERR_MALFORMED, "$.profiles[0].isdp_keysets[0]: an ISD-P key set is scp03"},
    {HEAD "\"isdr\": {}, \"profiles\": [{\"file\": " V7 ", \"isdp_keysets\": "
          "[{\"type\": \"scp03\", \"kvn\": 48, \"enc\": " K16 ", \"mac\": " K16 ", \"dek\": " K16
          "}, {\"type\": \"scp03\", \"kvn\": 48, \"enc\": " K16 ", \"mac\": " K16 ", \"dek\": " K16
          "}]}]}",
     VEUICC_ERR_MALFORMED, "$.profiles[0].isdp_keysets[1]: kvn 48 twice"},
};

/* \p in with "@D" and "@P" replaced by \p d and \p p. */
static void expand(const char *in, const char *d, const char *p, char *out, size_t cap)
{
	size_t n = 0;
	for (; *in && n + 1 < cap; in++) {
		const char *rep = NULL;
		if (in[0] == '@' && in[1] == 'D')
			rep = d;
		else if (in[0] == '@' && in[1] == 'P')
			rep = p;
		if (rep) {
			size_t l = strlen(rep);
			assert_true(n + l + 1 < cap);
			memcpy(out + n, rep, l);
			n += l;
			in++;
		} else {
			out[n++] = *in;
		}
	}
	out[n] = '\0';
}

static void test_bad_configs(void **state)
{
	(void)state;
	const char *d = getenv("VEUICC_FACTORY"), *pd = getenv("VEUICC_PROFILES");
	assert_non_null(d);
	assert_non_null(pd);
	char dir[512], cfg[600], card[600];
	test_tmp_template(dir, sizeof(dir), "fcfg");
	assert_non_null(mkdtemp(dir));
	snprintf(cfg, sizeof(cfg), "%s/cfg.json", dir);
	snprintf(card, sizeof(card), "%s/card.db", dir);
	static char json[4096], want[1024], msg[1024];
	for (size_t i = 0; i < sizeof(bad_configs) / sizeof(bad_configs[0]); i++) {
		const struct bad *b = &bad_configs[i];
		expand(b->json, d, pd, json, sizeof(json));
		expand(b->msg, d, pd, want, sizeof(want));
		FILE *f = fopen(cfg, "w");
		assert_non_null(f);
		fputs(json, f);
		fclose(f);
		msg[0] = '\0';
		int rc = veuicc_card_create(card, cfg, msg, sizeof(msg));
		if (rc != b->rc || !strstr(msg, want))
			fail_msg("case %zu: %s\n  rc %d (want %d)\n  message \"%s\"\n  want \"%s\"",
			         i, json, rc, b->rc, msg, want);
		/* the message names the configuration file; no card file was made */
		assert_non_null(strstr(msg, cfg));
		assert_int_equal(access(card, F_OK), -1);
	}
	/* a configuration file that cannot be read */
	unlink(cfg);
	msg[0] = '\0';
	assert_int_equal(veuicc_card_create(card, cfg, msg, sizeof(msg)), VEUICC_ERR_IO);
	assert_non_null(strstr(msg, "cannot read the file"));
	assert_int_equal(access(card, F_OK), -1);
	rmdir(dir);
	print_message("factory configurations refused: %zu\n",
	              sizeof(bad_configs) / sizeof(bad_configs[0]) + 1);
}

/* The same configuration without its mistake is accepted: the errors above
 * come from the member under test, not from the rest of the file. */
static void test_good_config(void **state)
{
	(void)state;
	const char *d = getenv("VEUICC_FACTORY"), *pd = getenv("VEUICC_PROFILES");
	char dir[512], cfg[600], card[600], json[4096], msg[1024] = "";
	test_tmp_template(dir, sizeof(dir), "fcfg-ok");
	assert_non_null(mkdtemp(dir));
	snprintf(cfg, sizeof(cfg), "%s/cfg.json", dir);
	snprintf(card, sizeof(card), "%s/card.db", dir);
	expand(HEAD "\"isdr\": {\"tar\": \"000001\", \"keysets\": ["
	            "{\"type\": \"scp80\", \"kvn\": 1, \"kic\": " DES ", \"kid\": " DES "}, "
	            "{\"type\": \"scp81\", \"kvn\": 2, \"psk\": " K16 ", \"psk_id\": \"id\"}, "
	            "{\"type\": \"scp03\", \"kvn\": 48, \"enc\": " K24 ", \"mac\": " K24
	            ", \"dek\": " K24 "}]}, " ECASD_OK ", "
	            "\"profiles\": [{\"file\": " V7 ", \"state\": \"enabled\", \"test\": true, "
	            "\"isdp_keysets\": [{\"type\": \"scp03\", \"kvn\": 48, \"enc\": " K16
	            ", \"mac\": " K16 ", \"dek\": " K16 "}]}]}",
	       d, pd, json, sizeof(json));
	FILE *f = fopen(cfg, "w");
	assert_non_null(f);
	fputs(json, f);
	fclose(f);
	int rc = veuicc_card_create(card, cfg, msg, sizeof(msg));
	if (rc != VEUICC_OK)
		fail_msg("%s\n  rc %d: %s", json, rc, msg);
	assert_int_equal(access(card, F_OK), 0);
	unlink(card);
	unlink(cfg);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_bad_configs),
	    cmocka_unit_test(test_good_config),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
