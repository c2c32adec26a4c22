/* SPDX-License-Identifier: Apache-2.0 */
/**
 * \file names.c
 * \brief Human-readable names of instruction codes and status words, for
 *        traces and error messages (veuicc_ins_name(), veuicc_sw_meaning()).
 *
 * Sources: ISO/IEC 7816-4 §5.1.2 / §5.6 (tables of INS and SW1-SW2),
 * ISO/IEC 7816-9 (file management), ETSI TS 102 221 §10.1.2 and §10.2.1,
 * ETSI TS 102 222 (administrative commands), 3GPP TS 51.011 §9 (the GSM
 * class 'A0'), GlobalPlatform Card Specification v2.3 §11 and Amendment D
 * (SCP03: INITIALIZE UPDATE, EXTERNAL AUTHENTICATE, R-MAC sessions).
 */
#include <stdio.h>
#include <string.h>

#include "veuicc/veuicc.h"
#include "apdu/sw.h"

/* Command classes an INS is looked up in (derived from CLA). */
enum {
	CLS_ISO = 1u << 0,  /* '0X'-'7F': interindustry (ISO 7816-4 §5.4.1) */
	CLS_PROP = 1u << 1, /* '80'-'9F', 'B0'-'FE': TS 102 221 / GlobalPlatform */
	CLS_GSM = 1u << 2,  /* 'A0'-'AF': GSM SIM (TS 51.011) */
};

struct ins_entry {
	uint8_t ins;
	uint8_t classes;
	const char *name;
};

/*
 * One line per (INS, class set). Where the same INS means different commands
 * in different classes the CLA decides; where even the class cannot (INS 'F2'
 * with CLA '8X' is TS 102 221 STATUS and GP GET STATUS; 'CB' is TS 102 221
 * RETRIEVE DATA and GP GET DATA; '78' is TS 102 221 GET IDENTITY and GP END
 * R-MAC SESSION) both names are given.
 */
static const struct ins_entry ins_table[] = {
    {0x04, CLS_ISO, "DEACTIVATE FILE"},
    {0x04, CLS_GSM, "INVALIDATE"},
    {0x0E, CLS_ISO, "ERASE BINARY"},
    {0x0F, CLS_ISO, "ERASE BINARY"},
    {0x10, CLS_PROP | CLS_GSM, "TERMINAL PROFILE"},
    {0x12, CLS_PROP | CLS_GSM, "FETCH"},
    {0x14, CLS_PROP | CLS_GSM, "TERMINAL RESPONSE"},
    {0x20, CLS_ISO, "VERIFY PIN"},
    {0x20, CLS_GSM, "VERIFY CHV"},
    {0x21, CLS_ISO, "VERIFY"},
    {0x22, CLS_ISO, "MANAGE SECURITY ENVIRONMENT"},
    {0x24, CLS_ISO, "CHANGE PIN"},
    {0x24, CLS_GSM, "CHANGE CHV"},
    {0x26, CLS_ISO, "DISABLE PIN"},
    {0x26, CLS_GSM, "DISABLE CHV"},
    {0x28, CLS_ISO, "ENABLE PIN"},
    {0x28, CLS_GSM, "ENABLE CHV"},
    {0x2A, CLS_ISO, "PERFORM SECURITY OPERATION"},
    {0x2C, CLS_ISO, "UNBLOCK PIN"},
    {0x2C, CLS_GSM, "UNBLOCK CHV"},
    {0x32, CLS_PROP | CLS_GSM, "INCREASE"},
    {0x44, CLS_ISO, "ACTIVATE FILE"},
    {0x44, CLS_GSM, "REHABILITATE"},
    {0x46, CLS_ISO, "GENERATE ASYMMETRIC KEY PAIR"},
    {0x50, CLS_PROP, "INITIALIZE UPDATE"},
    {0x70, CLS_ISO, "MANAGE CHANNEL"},
    {0x73, CLS_ISO, "MANAGE SECURE CHANNEL"},
    {0x75, CLS_ISO, "TRANSACT DATA"},
    {0x76, CLS_PROP, "SUSPEND UICC"},
    {0x78, CLS_ISO, "GET IDENTITY"}, /* TS 31.102 §7.5 */
    {0x78, CLS_PROP, "GET IDENTITY/END R-MAC SESSION"},
    {0x7A, CLS_PROP, "BEGIN R-MAC SESSION"},
    {0x82, CLS_ISO | CLS_PROP, "EXTERNAL AUTHENTICATE"},
    {0x84, CLS_ISO, "GET CHALLENGE"},
    {0x86, CLS_ISO, "GENERAL AUTHENTICATE"},
    {0x87, CLS_ISO, "GENERAL AUTHENTICATE"},
    {0x88, CLS_ISO, "AUTHENTICATE"},
    {0x88, CLS_PROP, "INTERNAL AUTHENTICATE"},
    {0x88, CLS_GSM, "RUN GSM ALGORITHM"},
    {0x89, CLS_ISO, "AUTHENTICATE"},
    {0xA2, CLS_ISO, "SEARCH RECORD"},
    {0xA2, CLS_GSM, "SEEK"},
    {0xA4, CLS_ISO | CLS_GSM, "SELECT"},
    {0xAA, CLS_PROP, "TERMINAL CAPABILITY"},
    {0xB0, CLS_ISO | CLS_GSM, "READ BINARY"},
    {0xB1, CLS_ISO, "READ BINARY"},
    {0xB2, CLS_ISO | CLS_GSM, "READ RECORD"},
    {0xB3, CLS_ISO, "READ RECORD"},
    {0xC0, CLS_ISO | CLS_GSM, "GET RESPONSE"},
    {0xC2, CLS_ISO | CLS_PROP | CLS_GSM, "ENVELOPE"},
    {0xC3, CLS_ISO, "ENVELOPE"},
    {0xCA, CLS_ISO | CLS_PROP, "GET DATA"},
    {0xCB, CLS_ISO, "GET DATA"},
    {0xCB, CLS_PROP, "RETRIEVE DATA/GET DATA"},
    {0xD4, CLS_PROP, "RESIZE FILE"},
    {0xD6, CLS_ISO | CLS_GSM, "UPDATE BINARY"},
    {0xD7, CLS_ISO, "UPDATE BINARY"},
    {0xD8, CLS_PROP, "PUT KEY"},
    {0xDA, CLS_ISO, "PUT DATA"},
    {0xDB, CLS_ISO, "PUT DATA"},
    {0xDB, CLS_PROP, "SET DATA"},
    {0xDC, CLS_ISO | CLS_GSM, "UPDATE RECORD"},
    {0xDD, CLS_ISO, "UPDATE RECORD"},
    {0xE0, CLS_ISO, "CREATE FILE"},
    {0xE2, CLS_ISO, "APPEND RECORD"},
    {0xE2, CLS_PROP, "STORE DATA"},
    {0xE4, CLS_ISO, "DELETE FILE"},
    {0xE4, CLS_PROP, "DELETE"},
    {0xE6, CLS_ISO, "TERMINATE DF"},
    {0xE6, CLS_PROP, "INSTALL"},
    {0xE8, CLS_ISO, "TERMINATE EF"},
    {0xE8, CLS_PROP, "LOAD"},
    {0xF0, CLS_PROP, "SET STATUS"},
    {0xF2, CLS_PROP, "STATUS/GET STATUS"},
    {0xF2, CLS_GSM, "STATUS"},
    {0xFA, CLS_GSM, "SLEEP"},
    {0xFE, CLS_ISO, "TERMINATE CARD USAGE"},
};

/* The class set CLA belongs to (ISO 7816-4 §5.4.1, TS 102 221 §10.1.1). */
static unsigned cla_class(uint8_t cla)
{
	if (cla == 0xFF)
		return 0; /* reserved for PPS (ISO 7816-3 §9) */
	if (cla < 0x80)
		return CLS_ISO;
	if ((cla & 0xF0) == 0xA0)
		return CLS_GSM;
	return CLS_PROP;
}

const char *veuicc_ins_name(uint8_t cla, uint8_t ins)
{
	unsigned cls = cla_class(cla);

	for (size_t i = 0; i < sizeof(ins_table) / sizeof(ins_table[0]); i++)
		if (ins_table[i].ins == ins && (ins_table[i].classes & cls))
			return ins_table[i].name;
	return "UNKNOWN";
}

/* How the variable part of a status word is put into words. */
enum sw_decode {
	SWD_NONE,
	SWD_AVAILABLE,     /* 61xx: xx bytes available, 00 = 256 */
	SWD_GSM_AVAILABLE, /* 9Fxx */
	SWD_WRONG_LE,      /* 6Cxx */
	SWD_COUNTER,       /* 63Cx */
	SWD_PROACTIVE,     /* 91xx */
	SWD_GSM_RETRIES,   /* 920x */
	SWD_QUALIFIER,     /* command-dependent SW2 */
};

struct sw_entry {
	uint16_t sw;
	uint16_t mask;
	uint8_t decode;
	const char *text;
};

/* Exact codes first, then ranges: the first matching line wins. */
static const struct sw_entry sw_table[] = {
    /* ISO 7816-4 §5.6, TS 102 221 §10.2.1.1 normal processing */
    {VEUICC_SW_OK, 0xFFFF, SWD_NONE, "normal processing"},
    /* TS 102 221 §10.2.1.3 warnings */
    {VEUICC_SW_WARN_NO_INFO, 0xFFFF, SWD_NONE,
     "warning: no information given, non-volatile memory unchanged"},
    {0x6281, 0xFFFF, SWD_NONE, "warning: part of returned data may be corrupted"},
    {VEUICC_SW_WARN_EOF, 0xFFFF, SWD_NONE,
     "warning: end of file or record reached before reading Le bytes, or unsuccessful search"},
    {VEUICC_SW_WARN_DEACTIVATED, 0xFFFF, SWD_NONE, "warning: selected file deactivated"},
    {0x6284, 0xFFFF, SWD_NONE, "warning: file control information not formatted per ISO 7816-4"},
    {0x6285, 0xFFFF, SWD_NONE, "warning: selected file in termination state"},
    {0x6286, 0xFFFF, SWD_NONE, "warning: no input data available from a sensor on the card"},
    {0x6287, 0xFFFF, SWD_NONE, "warning: at least one of the referenced records is deactivated"},
    {0x62F1, 0xFFFF, SWD_NONE, "warning: more data available"},
    {0x62F2, 0xFFFF, SWD_NONE, "warning: more data available and proactive command pending"},
    {0x62F3, 0xFFFF, SWD_NONE, "warning: response data available"},
    {0x6300, 0xFFFF, SWD_NONE,
     "warning: no information given, non-volatile memory changed; GP EXTERNAL AUTHENTICATE: host "
     "cryptogram verification failed"},
    {VEUICC_SW_MORE_DATA, 0xFFFF, SWD_NONE,
     "more data available: GP GET STATUS or GET DATA, ask for the next part"},
    {0x6381, 0xFFFF, SWD_NONE, "warning: file filled up by the last write"},
    {0x63F1, 0xFFFF, SWD_NONE, "warning: more data expected"},
    {0x63F2, 0xFFFF, SWD_NONE, "warning: more data expected and proactive command pending"},
    /* TS 102 221 §10.2.1.4 execution errors */
    {0x6400, 0xFFFF, SWD_NONE,
     "execution error: no information given, non-volatile memory unchanged"},
    {0x6401, 0xFFFF, SWD_NONE, "execution error: immediate response required by the card"},
    {0x6500, 0xFFFF, SWD_NONE,
     "execution error: no information given, non-volatile memory changed"},
    {VEUICC_SW_MEMORY_FAILURE, 0xFFFF, SWD_NONE, "execution error: memory failure"},
    {0x6600, 0xFFFF, SWD_NONE, "security-related issue"},
    /* TS 102 221 §10.2.1.5 checking errors, ISO 7816-4 §5.6 */
    {VEUICC_SW_WRONG_LENGTH, 0xFFFF, SWD_NONE, "wrong length"},
    {VEUICC_SW_CLA_FUNC_NOT_SUPP, 0xFFFF, SWD_NONE, "function in CLA not supported"},
    {VEUICC_SW_CHANNEL_NOT_SUPP, 0xFFFF, SWD_NONE, "logical channel not supported or not open"},
    {VEUICC_SW_SM_NOT_SUPP, 0xFFFF, SWD_NONE, "secure messaging not supported"},
    {VEUICC_SW_LAST_CMD_EXPECTED, 0xFFFF, SWD_NONE, "last command of the chain expected"},
    {VEUICC_SW_CHAINING_NOT_SUPP, 0xFFFF, SWD_NONE, "command chaining not supported"},
    {VEUICC_SW_CMD_NOT_ALLOWED, 0xFFFF, SWD_NONE, "command not allowed: no information given"},
    {VEUICC_SW_INCOMPATIBLE_FILE, 0xFFFF, SWD_NONE, "command incompatible with file structure"},
    {VEUICC_SW_SECURITY_STATUS, 0xFFFF, SWD_NONE, "security status not satisfied"},
    {VEUICC_SW_AUTH_BLOCKED, 0xFFFF, SWD_NONE, "authentication or PIN method blocked"},
    {0x6984, 0xFFFF, SWD_NONE, "referenced data invalidated"},
    {VEUICC_SW_COND_NOT_SATISFIED, 0xFFFF, SWD_NONE, "conditions of use not satisfied"},
    {VEUICC_SW_NO_CURRENT_EF, 0xFFFF, SWD_NONE, "command not allowed, no EF selected"},
    {0x6987, 0xFFFF, SWD_NONE, "expected secure messaging data objects missing"},
    {0x6988, 0xFFFF, SWD_NONE, "incorrect secure messaging data objects"},
    {0x6989, 0xFFFF, SWD_NONE, "command not allowed: secure channel security not satisfied"},
    {0x6999, 0xFFFF, SWD_NONE, "Java Card: applet selection failed"},
    {VEUICC_SW_WRONG_DATA, 0xFFFF, SWD_NONE, "incorrect parameters in the command data field"},
    {VEUICC_SW_FUNC_NOT_SUPP, 0xFFFF, SWD_NONE, "function not supported"},
    {VEUICC_SW_NOT_FOUND, 0xFFFF, SWD_NONE, "file or application not found"},
    {VEUICC_SW_RECORD_NOT_FOUND, 0xFFFF, SWD_NONE, "record not found"},
    {VEUICC_SW_NOT_ENOUGH_MEMORY, 0xFFFF, SWD_NONE, "not enough memory space"},
    {0x6A85, 0xFFFF, SWD_NONE, "Lc inconsistent with TLV structure"},
    {VEUICC_SW_WRONG_P1P2, 0xFFFF, SWD_NONE, "incorrect parameters P1-P2"},
    {VEUICC_SW_LC_INCONSISTENT_P1P2, 0xFFFF, SWD_NONE, "Lc inconsistent with P1-P2"},
    {VEUICC_SW_REF_DATA_NOT_FOUND, 0xFFFF, SWD_NONE, "referenced data not found"},
    {0x6A89, 0xFFFF, SWD_NONE, "file already exists"},
    {0x6A8A, 0xFFFF, SWD_NONE, "DF name already exists"},
    {VEUICC_SW_WRONG_P1P2_OFFSET, 0xFFFF, SWD_NONE,
     "wrong parameters P1-P2: offset outside the EF"},
    {VEUICC_SW_INS_NOT_SUPP, 0xFFFF, SWD_NONE, "instruction code not supported or invalid"},
    {VEUICC_SW_CLA_NOT_SUPP, 0xFFFF, SWD_NONE, "class not supported"},
    {VEUICC_SW_NO_DIAGNOSIS, 0xFFFF, SWD_NONE, "technical problem, no precise diagnosis"},
    /* TS 102 221 §10.2.1.2 postponed processing */
    {0x9300, 0xFFFF, SWD_NONE,
     "toolkit busy: command cannot be executed now, other commands are allowed"},
    /* GP Card Specification v2.3 §11.8 PUT KEY */
    {0x9484, 0xFFFF, SWD_NONE, "GP: algorithm not supported"},
    {0x9485, 0xFFFF, SWD_NONE, "GP: invalid key check value"},
    /* TS 51.011 §9.4 (GSM SIM, CLA 'A0') */
    {0x9400, 0xFFFF, SWD_NONE, "GSM: no EF selected"},
    {0x9402, 0xFFFF, SWD_NONE, "GSM: out of range, invalid address"},
    {0x9404, 0xFFFF, SWD_NONE, "GSM: file ID or pattern not found"},
    {0x9408, 0xFFFF, SWD_NONE, "GSM: file inconsistent with the command"},
    {0x9802, 0xFFFF, SWD_NONE, "GSM: no CHV initialised"},
    {0x9804, 0xFFFF, SWD_NONE, "GSM: access condition not fulfilled or CHV verification failed"},
    {0x9808, 0xFFFF, SWD_NONE, "GSM: in contradiction with CHV status"},
    {0x9810, 0xFFFF, SWD_NONE, "GSM: in contradiction with invalidation status"},
    {0x9840, 0xFFFF, SWD_NONE, "GSM: CHV verification failed, CHV blocked"},
    {0x9240, 0xFFFF, SWD_NONE, "GSM: memory problem"},
    /* TS 102 221 §10.2.1.6 application errors */
    {0x9850, 0xFFFF, SWD_NONE, "INCREASE cannot be performed, maximum value reached"},
    {0x9862, 0xFFFF, SWD_NONE, "authentication error, application specific: incorrect MAC"},
    {0x9863, 0xFFFF, SWD_NONE, "security session or association expired"},
    {0x9864, 0xFFFF, SWD_NONE,
     "minimum UICC suspension time too long, or security context not supported"},
    {0x9865, 0xFFFF, SWD_NONE, "key freshness failure"},
    {0x9866, 0xFFFF, SWD_NONE, "authentication error, no memory space available"},
    {0x9867, 0xFFFF, SWD_NONE, "authentication error, no memory space available in EF MUK"},
    /* ranges, SW2 decoded */
    {VEUICC_SW_BYTES_AVAILABLE, 0xFF00, SWD_AVAILABLE, NULL},
    {VEUICC_SW_WRONG_LE, 0xFF00, SWD_WRONG_LE, NULL},
    {0x63C0, 0xFFF0, SWD_COUNTER, NULL},
    {0x9100, 0xFF00, SWD_PROACTIVE, NULL},
    {0x9200, 0xFFF0, SWD_GSM_RETRIES, NULL},
    {0x9F00, 0xFF00, SWD_GSM_AVAILABLE, NULL},
    /* ranges by SW1 only (ISO 7816-4 §5.6 Table 5) */
    {0x6200, 0xFF00, SWD_QUALIFIER, "warning, non-volatile memory unchanged"},
    {0x6300, 0xFF00, SWD_QUALIFIER, "warning, non-volatile memory changed"},
    {0x6400, 0xFF00, SWD_QUALIFIER, "execution error, non-volatile memory unchanged"},
    {0x6500, 0xFF00, SWD_QUALIFIER, "execution error, non-volatile memory changed"},
    {0x6600, 0xFF00, SWD_QUALIFIER, "security-related issue"},
    {0x6700, 0xFF00, SWD_QUALIFIER, "wrong length"},
    {0x6800, 0xFF00, SWD_QUALIFIER, "function in CLA not supported"},
    {0x6900, 0xFF00, SWD_QUALIFIER, "command not allowed"},
    {0x6A00, 0xFF00, SWD_QUALIFIER, "wrong parameters P1-P2"},
    {0x6F00, 0xFF00, SWD_QUALIFIER, "no precise diagnosis"},
    {0x9200, 0xFF00, SWD_QUALIFIER, "normal ending, with information on a data transfer session"},
    {0x9800, 0xFF00, SWD_QUALIFIER, "application or authentication error"},
};

static unsigned sw2_count(uint16_t sw)
{
	unsigned n = sw & 0xFF;
	return n ? n : 256;
}

const char *veuicc_sw_meaning(uint16_t sw, char *buf, size_t buf_len)
{
	const struct sw_entry *e = NULL;

	for (size_t i = 0; i < sizeof(sw_table) / sizeof(sw_table[0]); i++) {
		if ((sw & sw_table[i].mask) == sw_table[i].sw) {
			e = &sw_table[i];
			break;
		}
	}
	const char *fixed = e && e->text ? e->text : "unknown status word";
	if (!buf || buf_len == 0)
		return fixed;

	unsigned x = sw & 0xFF;
	switch (e ? e->decode : SWD_NONE) {
	case SWD_AVAILABLE: /* ISO 7816-4 §5.6, TS 102 221 §7.3.1.1.4 */
		snprintf(buf, buf_len, "%u response bytes available, fetch them with GET RESPONSE",
		         sw2_count(sw));
		break;
	case SWD_GSM_AVAILABLE: /* TS 51.011 §9.4.1 */
		snprintf(buf, buf_len,
		         "GSM: %u response bytes available, fetch them with GET RESPONSE",
		         sw2_count(sw));
		break;
	case SWD_WRONG_LE: /* TS 102 221 §10.2.1.5 */
		snprintf(buf, buf_len, "wrong Le: %u bytes available, repeat with Le %02X",
		         sw2_count(sw), x);
		break;
	case SWD_COUNTER: /* TS 102 221 §10.2.1.3 */
		snprintf(buf, buf_len,
		         "verification failed, %u retries left; or: done after %u internal retries",
		         x & 0x0F, x & 0x0F);
		break;
	case SWD_PROACTIVE: /* TS 102 221 §10.2.1.1 */
		snprintf(buf, buf_len,
		         "normal ending; a proactive command of %u bytes is pending, FETCH it",
		         sw2_count(sw));
		break;
	case SWD_GSM_RETRIES: /* TS 51.011 §9.4.1 */
		snprintf(buf, buf_len, "GSM: normal ending after %u internal retries", x & 0x0F);
		break;
	case SWD_QUALIFIER: snprintf(buf, buf_len, "%s, qualifier %02X", fixed, x); break;
	default: snprintf(buf, buf_len, "%s", fixed); break;
	}
	return buf;
}
