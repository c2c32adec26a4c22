/* SPDX-License-Identifier: Apache-2.0 */
/*
 * PEDefinitions 3.3.1 (TCA eUICC Profile Package: Interoperable Format,
 * module `PEDefinitions {2 23 143 1 1 3}`) as tables for the generic DER
 * walkers of saip_decode.c, saip_encode.c and saip_json.c. Each table lists
 * the components of one ASN.1 type in definition order; see saip_schema.h.
 */
#include "saip/saip_schema.h"
#include "core/hex.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/platform_util.h>

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define OFF(T, f)    ((uint16_t)offsetof(T, f))
#define ANY          UINT32_MAX

/* Component constructors: T = C struct, f = C field, nm = ASN.1 name, tg = DER tag. */
#define F_OCT(T, f, nm, tg, fl, l, h)                                                              \
	{                                                                                          \
		.name = nm, .tag = tg, .kind = SK_OCT, .flags = fl, .off = OFF(T, f), .lo = l,     \
		.hi = h                                                                            \
	}
#define F_OCTD(T, f, nm, tg, l, h, d)                                                              \
	{                                                                                          \
		.name = nm, .tag = tg, .kind = SK_OCT, .flags = SF_DEF, .off = OFF(T, f), .lo = l, \
		.hi = h, .def = d, .def_len = sizeof(d)                                            \
	}
#define F_UTF8(T, f, nm, tg, fl, l, h)                                                             \
	{                                                                                          \
		.name = nm, .tag = tg, .kind = SK_UTF8, .flags = fl, .off = OFF(T, f), .lo = l,    \
		.hi = h                                                                            \
	}
#define F_OID(T, f, nm, tg, fl)                                                                    \
	{                                                                                          \
		.name = nm, .tag = tg, .kind = SK_OID, .flags = fl, .off = OFF(T, f), .lo = 1,     \
		.hi = ANY                                                                          \
	}
#define F_INT(T, f, nm, tg, h, nn)                                                                 \
	{                                                                                          \
		.name = nm, .tag = tg, .kind = SK_INT, .off = OFF(T, f), .lo = 0, .hi = h,         \
		.names = nn                                                                        \
	}
#define F_INTD(T, f, nm, tg, h, d)                                                                 \
	{                                                                                          \
		.name = nm, .tag = tg, .kind = SK_INT, .flags = SF_DEF, .off = OFF(T, f), .lo = 0, \
		.hi = h, .def = d, .def_len = sizeof(d)                                            \
	}
#define F_OINT(T, f, nm, tg, h, nn)                                                                \
	{                                                                                          \
		.name = nm, .tag = tg, .kind = SK_OINT, .flags = SF_OPT, .off = OFF(T, f),         \
		.lo = 0, .hi = h, .names = nn                                                      \
	}
#define F_NULL(T, f, nm, tg, fl)                                                                   \
	{                                                                                          \
		.name = nm, .tag = tg, .kind = SK_NULL, .flags = fl, .off = OFF(T, f)              \
	}
#define F_BIT(nm, bit)                                                                             \
	{                                                                                          \
		.name = nm, .tag = 0x80u | (bit), .kind = SK_BIT, .flags = SF_OPT,                 \
		.off = OFF(veuicc_saip_services, bits), .lo = (bit)                                \
	}
#define F_SEQ(T, f, nm, tg, ty)                                                                    \
	{                                                                                          \
		.name = nm, .tag = tg, .kind = SK_SEQ, .off = OFF(T, f), .type = &ty               \
	}
#define F_SEQP(T, f, nm, tg, fl, ty)                                                               \
	{                                                                                          \
		.name = nm, .tag = tg, .kind = SK_SEQ_PTR, .flags = fl, .off = OFF(T, f),          \
		.type = &ty                                                                        \
	}
#define F_LIST(T, f, nm, tg, fl, ty)                                                               \
	{                                                                                          \
		.name = nm, .tag = tg, .kind = SK_SEQOF, .flags = fl, .off = OFF(T, f),            \
		.type = &ty                                                                        \
	}
#define F_LISTD(T, f, nm, tg, ty, d)                                                               \
	{                                                                                          \
		.name = nm, .tag = tg, .kind = SK_SEQOF, .flags = SF_DEF, .off = OFF(T, f),        \
		.type = &ty, .def = d, .def_len = sizeof(d)                                        \
	}
#define F_CHOICE(T, f, nm, tg, ty)                                                                 \
	{                                                                                          \
		.name = nm, .tag = tg, .kind = SK_CHOICE, .off = OFF(T, f), .type = &ty            \
	}

/* Element of a SEQUENCE OF (offset 0 inside the element). */
#define E_OCT(nm, tg, l, h)                                                                        \
	{                                                                                          \
		.name = nm, .tag = tg, .kind = SK_OCT, .lo = l, .hi = h                            \
	}
#define E_OID(nm)                                                                                  \
	{                                                                                          \
		.name = nm, .tag = 0x06, .kind = SK_OID, .lo = 1, .hi = ANY                        \
	}
#define E_SEQ(nm, ty)                                                                              \
	{                                                                                          \
		.name = nm, .tag = 0x30, .kind = SK_SEQ, .type = &ty                               \
	}
#define E_LIST(nm, ty)                                                                             \
	{                                                                                          \
		.name = nm, .tag = 0x30, .kind = SK_SEQOF, .type = &ty                             \
	}
#define E_CHOICE(nm, ty)                                                                           \
	{                                                                                          \
		.name = nm, .tag = 0, .kind = SK_CHOICE, .type = &ty                               \
	}

#define SEQ_T(var, nm, T, mem)                                                                     \
	static const struct saip_type var = {.name = nm,                                           \
	                                     .kind = SK_SEQ,                                       \
	                                     .size = sizeof(T),                                    \
	                                     .m = mem,                                             \
	                                     .n = ARRAY_LEN(mem),                                  \
	                                     .ext_off = OFF(T, ext)}
#define CHOICE_T(var, nm, T, mem, which)                                                           \
	static const struct saip_type var = {.name = nm,                                           \
	                                     .kind = SK_CHOICE,                                    \
	                                     .size = sizeof(T),                                    \
	                                     .m = mem,                                             \
	                                     .n = ARRAY_LEN(mem),                                  \
	                                     .ext_off = OFF(T, ext),                               \
	                                     .which_off = OFF(T, which)}
#define LIST_T(var, nm, E, elem, l, h)                                                             \
	static const struct saip_type var = {                                                      \
	    .name = nm, .kind = SK_SEQOF, .size = sizeof(E), .m = &elem, .n = 1, .lo = l, .hi = h}

/* CHOICE structs keep "which" in a field of enum type: it must be an int. */
_Static_assert(sizeof(veuicc_saip_file_op) == sizeof(int), "enum size");
_Static_assert(sizeof(struct saip_list_any) == sizeof(veuicc_saip_oct_list), "list layout");

/* ---- PEHeader, ProfileHeader ---------------------------------------------- */

static const struct saip_member m_pe_header[] = {
    F_NULL(veuicc_saip_pe_header, mandated, "mandated", 0x80, SF_OPT),
    F_INT(veuicc_saip_pe_header, identification, "identification", 0x81, 32767, NULL),
};
SEQ_T(t_pe_header, "PEHeader", veuicc_saip_pe_header, m_pe_header);

/* ServicesList: every component is NULL OPTIONAL, tagged [0].. in order. */
static const struct saip_member m_services[] = {
    F_BIT("contactless", 0),
    F_BIT("usim", 1),
    F_BIT("isim", 2),
    F_BIT("csim", 3),
    F_BIT("milenage", 4),
    F_BIT("tuak128", 5),
    F_BIT("cave", 6),
    F_BIT("gba-usim", 7),
    F_BIT("gba-isim", 8),
    F_BIT("mbms", 9),
    F_BIT("eap", 10),
    F_BIT("javacard", 11),
    F_BIT("multos", 12),
    F_BIT("multiple-usim", 13),
    F_BIT("multiple-isim", 14),
    F_BIT("multiple-csim", 15),
    F_BIT("tuak256", 16),
    F_BIT("usim-test-algorithm", 17),
    F_BIT("ber-tlv", 18),
    F_BIT("dfLink", 19),
    F_BIT("cat-tp", 20),
    F_BIT("get-identity", 21),
    F_BIT("profile-a-x25519", 22),
    F_BIT("profile-b-p256", 23),
    F_BIT("suciCalculatorApi", 24),
    F_BIT("dns-resolution", 25),
    F_BIT("scp11ac", 26),
    F_BIT("scp11c-authorization-mechanism", 27),
    F_BIT("s16mode", 28),
    F_BIT("eaka", 29),
};
SEQ_T(t_services, "ServicesList", veuicc_saip_services, m_services);
_Static_assert(ARRAY_LEN(m_services) == VEUICC_SAIP_SVC_COUNT, "ServicesList");

static const struct saip_member m_mandatory_aid[] = {
    F_OCT(veuicc_saip_mandatory_aid, aid, "aid", 0x80, 0, 5, 16),
    F_OCT(veuicc_saip_mandatory_aid, version, "version", 0x81, 0, 2, 2),
};
SEQ_T(t_mandatory_aid, "SEQUENCE", veuicc_saip_mandatory_aid, m_mandatory_aid);
static const struct saip_member e_mandatory_aid = E_SEQ("SEQUENCE", t_mandatory_aid);
LIST_T(t_mandatory_aids, "eUICC-Mandatory-AIDs", veuicc_saip_mandatory_aid, e_mandatory_aid, 0,
       ANY);

static const struct saip_member m_iot_options[] = {
    F_OCT(veuicc_saip_iot_options, pix, "pix", 0x80, 0, 7, 11),
};
SEQ_T(t_iot_options, "IotOptions", veuicc_saip_iot_options, m_iot_options);

static const struct saip_member e_oid = E_OID("OBJECT IDENTIFIER");
LIST_T(t_oid_list, "SEQUENCE OF OBJECT IDENTIFIER", veuicc_saip_oct, e_oid, 0, ANY);

static const struct saip_member m_header[] = {
    F_INT(veuicc_saip_header, major_version, "major-version", 0x80, 255, NULL),
    F_INT(veuicc_saip_header, minor_version, "minor-version", 0x81, 255, NULL),
    F_UTF8(veuicc_saip_header, profile_type, "profileType", 0x82, SF_OPT, 1, 100),
    F_OCT(veuicc_saip_header, iccid, "iccid", 0x83, 0, 10, 10),
    F_OCT(veuicc_saip_header, pol, "pol", 0x84, SF_OPT, 0, ANY),
    F_SEQ(veuicc_saip_header, mandatory_services, "eUICC-Mandatory-services", 0xA5, t_services),
    F_LIST(veuicc_saip_header, mandatory_gfste, "eUICC-Mandatory-GFSTEList", 0xA6, 0, t_oid_list),
    F_OCT(veuicc_saip_header, connectivity_parameters, "connectivityParameters", 0x87, SF_OPT, 0,
          ANY),
    F_LIST(veuicc_saip_header, mandatory_aids, "eUICC-Mandatory-AIDs", 0xA8, SF_OPT,
           t_mandatory_aids),
    F_SEQP(veuicc_saip_header, iot_options, "iotOptions", 0xA9, SF_OPT, t_iot_options),
};
SEQ_T(t_header, "ProfileHeader", veuicc_saip_header, m_header);

/* ---- Fcp, File --------------------------------------------------------------- */

static const uint8_t def_00[] = {0x00};
static const uint8_t def_01[] = {0x01};
static const uint8_t def_02[] = {0x02};
static const uint8_t def_05[] = {0x05};
static const uint8_t def_07[] = {0x07};
static const uint8_t def_08[] = {0x08};
static const uint8_t def_51[] = {51};
static const uint8_t def_170[] = {0x00, 170}; /* DER: 170 needs a leading 00 */

static const struct saip_member m_prop_info[] = {
    F_OCTD(veuicc_saip_proprietary_info, special_file_information, "specialFileInformation", 0xC0,
           1, 1, def_00),
    F_OCT(veuicc_saip_proprietary_info, fill_pattern, "fillPattern", 0xC1, SF_OPT, 1, 200),
    F_OCT(veuicc_saip_proprietary_info, repeat_pattern, "repeatPattern", 0xC2, SF_OPT, 1, 200),
    F_OCT(veuicc_saip_proprietary_info, maximum_file_size, "maximumFileSize", 0x86, SF_OPT, 0, ANY),
    F_OCTD(veuicc_saip_proprietary_info, file_details, "fileDetails", 0x84, 1, 1, def_01),
};
SEQ_T(t_prop_info, "ProprietaryInfo", veuicc_saip_proprietary_info, m_prop_info);

static const struct saip_member m_fcp[] = {
    F_OCT(veuicc_saip_fcp, file_descriptor, "fileDescriptor", 0x82, SF_OPT, 2, 4),
    F_OCT(veuicc_saip_fcp, file_id, "fileID", 0x83, SF_OPT, 2, 2),
    F_OCT(veuicc_saip_fcp, df_name, "dfName", 0x84, SF_OPT, 5, 16),
    F_OCTD(veuicc_saip_fcp, lcsi, "lcsi", 0x8A, 1, 1, def_05),
    F_OCT(veuicc_saip_fcp, security_attributes_referenced, "securityAttributesReferenced", 0x8B,
          SF_OPT, 1, 3),
    F_OCT(veuicc_saip_fcp, ef_file_size, "efFileSize", 0x80, SF_OPT, 0, ANY),
    F_OCT(veuicc_saip_fcp, pin_status_template_do, "pinStatusTemplateDO", 0xC6, SF_OPT, 0, ANY),
    F_OCT(veuicc_saip_fcp, short_efid, "shortEFID", 0x88, SF_OPT, 0, 1),
    F_SEQP(veuicc_saip_fcp, proprietary_ef_info, "proprietaryEFInfo", 0xA5, SF_OPT, t_prop_info),
    F_OCT(veuicc_saip_fcp, link_path, "linkPath", 0xC7, SF_OPT, 0, 8),
};
SEQ_T(t_fcp, "Fcp", veuicc_saip_fcp, m_fcp);

/* File ::= SEQUENCE OF CHOICE: automatic tags [0]..[3] on the alternatives. */
static const struct saip_member m_file_elem[] = {
    F_NULL(veuicc_saip_file_elem, do_not_create, "doNotCreate", 0x80, 0),
    F_SEQP(veuicc_saip_file_elem, fcp, "fileDescriptor", 0xA1, 0, t_fcp),
    F_INT(veuicc_saip_file_elem, fill_file_offset, "fillFileOffset", 0x82, 65535, NULL),
    F_OCT(veuicc_saip_file_elem, fill_file_content, "fillFileContent", 0x83, 0, 0, ANY),
};
CHOICE_T(t_file_elem, "File element", veuicc_saip_file_elem, m_file_elem, op);
static const struct saip_member e_file_elem = E_CHOICE("File element", t_file_elem);
LIST_T(t_file, "File", veuicc_saip_file_elem, e_file_elem, 0, ANY);

/* ---- file system PEs ------------------------------------------------------------ */

/* The File fields of each template PE type, transcribed from PEDefinitions 3.3.1. */
/* PE-MF: File fields after mf-header and templateID */
static const struct saip_fs_field fs_mf[] = {
    {"mf", false},     {"ef-pl", true},   {"ef-iccid", false},
    {"ef-dir", false}, {"ef-arr", false}, {"ef-umpc", true},
};
#define FS_MF_HEADER "mf-header"
/* PE-CD: File fields after cd-header and templateID */
static const struct saip_fs_field fs_cd[] = {
    {"df-cd", false},
    {"ef-launchpad", true},
    {"ef-icon", true},
};
#define FS_CD_HEADER "cd-header"
/* PE-TELECOM: File fields after telecom-header and templateID */
static const struct saip_fs_field fs_telecom[] = {
    {"df-telecom", false}, {"ef-arr", true},          {"ef-rma", true},
    {"ef-sume", true},     {"ef-ice-dn", true},       {"ef-ice-ff", true},
    {"ef-psismsc", true},  {"df-graphics", true},     {"ef-img", true},
    {"ef-iidf", true},     {"ef-ice-graphics", true}, {"ef-launch-scws", true},
    {"ef-icon", true},     {"df-phonebook", true},    {"ef-pbr", true},
    {"ef-ext1", true},     {"ef-aas", true},          {"ef-gas", true},
    {"ef-psc", true},      {"ef-cc", true},           {"ef-puid", true},
    {"ef-iap", true},      {"ef-adn", true},          {"ef-pbc", true},
    {"ef-anr", true},      {"ef-puri", true},         {"ef-email", true},
    {"ef-sne", true},      {"ef-uid", true},          {"ef-grp", true},
    {"ef-ccp1", true},     {"df-multimedia", true},   {"ef-mml", true},
    {"ef-mmdf", true},     {"df-mmss", true},         {"ef-mlpl", true},
    {"ef-mspl", true},     {"ef-mmssmode", true},     {"df-mcs", true},
    {"ef-mst", true},      {"ef-mcs-config", true},   {"df-v2x", true},
    {"ef-vst", true},      {"ef-v2x-config", true},   {"ef-v2xp-pc5", true},
    {"ef-v2xp-Uu", true},
};
#define FS_TELECOM_HEADER "telecom-header"
/* PE-USIM: File fields after usim-header and templateID */
static const struct saip_fs_field fs_usim[] = {
    {"adf-usim", false}, {"ef-imsi", false},     {"ef-arr", false},      {"ef-keys", true},
    {"ef-keysPS", true}, {"ef-hpplmn", true},    {"ef-ust", false},      {"ef-fdn", true},
    {"ef-sms", true},    {"ef-smsp", true},      {"ef-smss", true},      {"ef-spn", false},
    {"ef-est", false},   {"ef-start-hfn", true}, {"ef-threshold", true}, {"ef-psloci", true},
    {"ef-acc", false},   {"ef-fplmn", true},     {"ef-loci", true},      {"ef-ad", true},
    {"ef-ecc", false},   {"ef-netpar", true},    {"ef-epsloci", true},   {"ef-epsnsc", true},
};
#define FS_USIM_HEADER "usim-header"
/* PE-OPT-USIM: File fields after optusim-header and templateID */
static const struct saip_fs_field fs_opt_usim[] = {
    {"ef-li", true},
    {"ef-acmax", true},
    {"ef-acm", true},
    {"ef-gid1", true},
    {"ef-gid2", true},
    {"ef-msisdn", true},
    {"ef-puct", true},
    {"ef-cbmi", true},
    {"ef-cbmid", true},
    {"ef-sdn", true},
    {"ef-ext2", true},
    {"ef-ext3", true},
    {"ef-cbmir", true},
    {"ef-plmnwact", true},
    {"ef-oplmnwact", true},
    {"ef-hplmnwact", true},
    {"ef-dck", true},
    {"ef-cnl", true},
    {"ef-smsr", true},
    {"ef-bdn", true},
    {"ef-ext5", true},
    {"ef-ccp2", true},
    {"ef-ext4", true},
    {"ef-acl", true},
    {"ef-cmi", true},
    {"ef-ici", true},
    {"ef-oci", true},
    {"ef-ict", true},
    {"ef-oct", true},
    {"ef-vgcs", true},
    {"ef-vgcss", true},
    {"ef-vbs", true},
    {"ef-vbss", true},
    {"ef-emlpp", true},
    {"ef-aaem", true},
    {"ef-hiddenkey", true},
    {"ef-pnn", true},
    {"ef-opl", true},
    {"ef-mbdn", true},
    {"ef-ext6", true},
    {"ef-mbi", true},
    {"ef-mwis", true},
    {"ef-cfis", true},
    {"ef-ext7", true},
    {"ef-spdi", true},
    {"ef-mmsn", true},
    {"ef-ext8", true},
    {"ef-mmsicp", true},
    {"ef-mmsup", true},
    {"ef-mmsucp", true},
    {"ef-nia", true},
    {"ef-vgcsca", true},
    {"ef-vbsca", true},
    {"ef-gbabp", true},
    {"ef-msk", true},
    {"ef-muk", true},
    {"ef-ehplmn", true},
    {"ef-gbanl", true},
    {"ef-ehplmnpi", true},
    {"ef-lrplmnsi", true},
    {"ef-nafkca", true},
    {"ef-spni", true},
    {"ef-pnni", true},
    {"ef-ncp-ip", true},
    {"ef-ufc", true},
    {"ef-nasconfig", true},
    {"ef-uicciari", true},
    {"ef-pws", true},
    {"ef-fdnuri", true},
    {"ef-bdnuri", true},
    {"ef-sdnuri", true},
    {"ef-ial", true},
    {"ef-ips", true},
    {"ef-ipd", true},
    {"ef-epdgid", true},
    {"ef-epdgselection", true},
    {"ef-epdgidem", true},
    {"ef-epdgselectionem", true},
    {"ef-frompreferred", true},
    {"ef-imsconfigdata", true},
    {"ef-3gpppsdataoff", true},
    {"ef-3gpppsdataoffservicelist", true},
    {"ef-xcapconfigdata", true},
    {"ef-earfcnlist", true},
    {"ef-mudmidconfigdata", true},
    {"ef-eaka", true},
};
#define FS_OPT_USIM_HEADER "optusim-header"
/* PE-ISIM: File fields after isim-header and templateID */
static const struct saip_fs_field fs_isim[] = {
    {"adf-isim", false}, {"ef-impi", false}, {"ef-impu", false}, {"ef-domain", false},
    {"ef-ist", false},   {"ef-ad", true},    {"ef-arr", false},
};
#define FS_ISIM_HEADER "isim-header"
/* PE-OPT-ISIM: File fields after optisim-header and templateID */
static const struct saip_fs_field fs_opt_isim[] = {
    {"ef-pcscf", true},         {"ef-sms", true},
    {"ef-smsp", true},          {"ef-smss", true},
    {"ef-smsr", true},          {"ef-gbabp", true},
    {"ef-gbanl", true},         {"ef-nafkca", true},
    {"ef-uicciari", true},      {"ef-frompreferred", true},
    {"ef-imsconfigdata", true}, {"ef-xcapconfigdata", true},
    {"ef-webrtcuri", true},     {"ef-mudmidconfigdata", true},
};
#define FS_OPT_ISIM_HEADER "optisim-header"
/* PE-PHONEBOOK: File fields after phonebook-header and templateID */
static const struct saip_fs_field fs_phonebook[] = {
    {"df-phonebook", false}, {"ef-pbr", true},   {"ef-ext1", true}, {"ef-aas", true},
    {"ef-gas", true},        {"ef-psc", true},   {"ef-cc", true},   {"ef-puid", true},
    {"ef-iap", true},        {"ef-adn", true},   {"ef-pbc", true},  {"ef-anr", true},
    {"ef-puri", true},       {"ef-email", true}, {"ef-sne", true},  {"ef-uid", true},
    {"ef-grp", true},        {"ef-ccp1", true},
};
#define FS_PHONEBOOK_HEADER "phonebook-header"
/* PE-GSM-ACCESS: File fields after gsm-access-header and templateID */
static const struct saip_fs_field fs_gsm_access[] = {
    {"df-gsm-access", false}, {"ef-kc", true},      {"ef-kcgprs", true},
    {"ef-cpbcch", true},      {"ef-invscan", true},
};
#define FS_GSM_ACCESS_HEADER "gsm-access-header"
/* PE-CSIM: File fields after csim-header and templateID */
static const struct saip_fs_field fs_csim[] = {
    {"adf-csim", false},        {"ef-arr", false},         {"ef-call-count", false},
    {"ef-imsi-m", false},       {"ef-imsi-t", false},      {"ef-tmsi", false},
    {"ef-ah", false},           {"ef-aop", false},         {"ef-aloc", false},
    {"ef-cdmahome", false},     {"ef-znregi", false},      {"ef-snregi", false},
    {"ef-distregi", false},     {"ef-accolc", false},      {"ef-term", false},
    {"ef-acp", false},          {"ef-prl", false},         {"ef-ruimid", false},
    {"ef-csim-st", false},      {"ef-spc", false},         {"ef-otapaspc", false},
    {"ef-namlock", false},      {"ef-ota", false},         {"ef-sp", false},
    {"ef-esn-meid-me", false},  {"ef-li", false},          {"ef-usgind", false},
    {"ef-ad", false},           {"ef-max-prl", false},     {"ef-spcs", false},
    {"ef-mecrp", false},        {"ef-home-tag", false},    {"ef-group-tag", false},
    {"ef-specific-tag", false}, {"ef-call-prompt", false},
};
#define FS_CSIM_HEADER "csim-header"
/* PE-OPT-CSIM: File fields after optcsim-header and templateID */
static const struct saip_fs_field fs_opt_csim[] = {
    {"ef-ssci", true},
    {"ef-fdn", true},
    {"ef-sms", true},
    {"ef-smsp", true},
    {"ef-smss", true},
    {"ef-ssfc", true},
    {"ef-spn", true},
    {"ef-mdn", true},
    {"ef-ecc", true},
    {"ef-me3gpdopc", true},
    {"ef-3gpdopm", true},
    {"ef-sipcap", true},
    {"ef-mipcap", true},
    {"ef-sipupp", true},
    {"ef-mipupp", true},
    {"ef-sipsp", true},
    {"ef-mipsp", true},
    {"ef-sippapss", true},
    {"ef-puzl", true},
    {"ef-maxpuzl", true},
    {"ef-hrpdcap", true},
    {"ef-hrpdupp", true},
    {"ef-csspr", true},
    {"ef-atc", true},
    {"ef-eprl", true},
    {"ef-bcsmscfg", true},
    {"ef-bcsmspref", true},
    {"ef-bcsmstable", true},
    {"ef-bcsmsp", true},
    {"ef-bakpara", true},
    {"ef-upbakpara", true},
    {"ef-mmsn", true},
    {"ef-ext8", true},
    {"ef-mmsicp", true},
    {"ef-mmsup", true},
    {"ef-mmsucp", true},
    {"ef-auth-capability", true},
    {"ef-3gcik", true},
    {"ef-dck", true},
    {"ef-gid1", true},
    {"ef-gid2", true},
    {"ef-cdmacnl", true},
    {"ef-sf-euimid", true},
    {"ef-est", true},
    {"ef-hidden-key", true},
    {"ef-lcsver", true},
    {"ef-lcscp", true},
    {"ef-sdn", true},
    {"ef-ext2", true},
    {"ef-ext3", true},
    {"ef-ici", true},
    {"ef-oci", true},
    {"ef-ext5", true},
    {"ef-ccp2", true},
    {"ef-applabels", true},
    {"ef-model", true},
    {"ef-rc", true},
    {"ef-smscap", true},
    {"ef-mipflags", true},
    {"ef-3gpduppext", true},
    {"ef-ipv6cap", true},
    {"ef-tcpconfig", true},
    {"ef-dgc", true},
    {"ef-wapbrowsercp", true},
    {"ef-wapbrowserbm", true},
    {"ef-mmsconfig", true},
    {"ef-jdl", true},
};
#define FS_OPT_CSIM_HEADER "optcsim-header"
/* PE-EAP: File fields after eap-header and templateID */
static const struct saip_fs_field fs_eap[] = {
    {"df-eap", false}, {"ef-eapkeys", true}, {"ef-eapstatus", false}, {"ef-puid", true},
    {"ef-ps", true},   {"ef-curid", true},   {"ef-reid", true},       {"ef-realm", true},
};
#define FS_EAP_HEADER "eap-header"
/* PE-DF-5GS: File fields after df-5gs-header and templateID */
static const struct saip_fs_field fs_df_5gs[] = {
    {"df-df-5gs", false},
    {"ef-5gs3gpploci", true},
    {"ef-5gsn3gpploci", true},
    {"ef-5gs3gppnsc", true},
    {"ef-5gsn3gppnsc", true},
    {"ef-5gauthkeys", true},
    {"ef-uac-aic", true},
    {"ef-suci-calc-info", true},
    {"ef-opl5g", true},
    {"ef-supinai", true},
    {"ef-routing-indicator", true},
    {"ef-ursp", true},
    {"ef-tn3gppsnn", true},
    {"ef-cag", true},
    {"ef-sor-cmci", true},
    {"ef-dri", true},
    {"ef-5gsedrx", true},
    {"ef-5gnswo-conf", true},
    {"ef-mchpplmn", true},
    {"ef-kausf-derivation", true},
};
#define FS_DF_5GS_HEADER "df-5gs-header"
/* PE-DF-SAIP: File fields after df-saip-header and templateID */
static const struct saip_fs_field fs_df_saip[] = {
    {"df-df-saip", false},
    {"ef-suci-calc-info-usim", true},
};
#define FS_DF_SAIP_HEADER "df-saip-header"
/* PE-DF-SNPN: File fields after df-snpn-header and templateID */
static const struct saip_fs_field fs_df_snpn[] = {
    {"df-df-snpn", false},
    {"ef-pws-snpn", true},
};
#define FS_DF_SNPN_HEADER "df-snpn-header"
/* PE-DF-5GPROSE: File fields after df-5g-prose-header and templateID */
static const struct saip_fs_field fs_df_5gprose[] = {
    {"df-df-5g-prose", false}, {"ef-5g-prose-st", true},    {"ef-5g-prose-dd", true},
    {"ef-5g-prose-dc", true},  {"ef-5g-prose-u2nru", true}, {"ef-5g-prose-ru", true},
    {"ef-5g-prose-uir", true},
};
#define FS_DF_5GPROSE_HEADER "df-5g-prose-header"
/* PE-IoT: File fields after iot-header and templateID */
static const struct saip_fs_field fs_iot[] = {
    {"mf", true},          {"ef-pl", true},        {"ef-iccid", true},     {"ef-dir", true},
    {"ef-arr", true},      {"ef-umpc", true},      {"adf-usim", true},     {"ef-imsi", false},
    {"ef-arr-usim", true}, {"ef-keys", true},      {"ef-keysPS", true},    {"ef-hpplmn", true},
    {"ef-ust", true},      {"ef-start-hfn", true}, {"ef-threshold", true}, {"ef-psloci", true},
    {"ef-acc", false},     {"ef-fplmn", true},     {"ef-loci", true},      {"ef-ad", true},
    {"ef-ecc", true},      {"ef-netpar", true},
};
#define FS_IOT_HEADER "iot-header"
/* PE-OPT-IoT: File fields after optiot-header and templateID */
static const struct saip_fs_field fs_opt_iot[] = {
    {"ef-fdn", true},
    {"ef-sms", true},
    {"ef-smsp", true},
    {"ef-smss", true},
    {"ef-spn", true},
    {"ef-est", true},
    {"ef-oplmnwact", true},
    {"ef-hplmnwact", true},
    {"ef-ehplmn", true},
    {"ef-epsloci", true},
    {"ef-epsnsc", true},
    {"df-df-5gs", true},
    {"ef-5gs3gpploci", true},
    {"ef-5gsn3gpploci", true},
    {"ef-5gs3gppnsc", true},
    {"ef-5gsn3gppnsc", true},
    {"ef-5gauthkeys", true},
    {"ef-uac-aic", true},
    {"ef-suci-calc-info", true},
    {"ef-opl5g", true},
    {"ef-supi-nai", true},
    {"ef-routing-indicator", true},
    {"ef-ursp", true},
    {"ef-tn3gppsnn", true},
    {"df-df-saip", true},
    {"ef-suci-calc-info-usim", true},
};
#define FS_OPT_IOT_HEADER "optiot-header"

#define FS_PE(var, cname, hdr, asn)                                                                \
	static const struct saip_member var##_m[] = {                                              \
	    F_SEQ(veuicc_saip_pe_fs, header, hdr, 0xA0, t_pe_header),                              \
	    F_OID(veuicc_saip_pe_fs, template_id, "templateID", 0x81, 0),                          \
	    {.name = "files",                                                                      \
	     .kind = SK_FSFILES,                                                                   \
	     .off = OFF(veuicc_saip_pe_fs, files),                                                 \
	     .type = &t_file},                                                                     \
	};                                                                                         \
	static const struct saip_type var = {.name = asn,                                          \
	                                     .kind = SK_SEQ,                                       \
	                                     .size = sizeof(veuicc_saip_pe_fs),                    \
	                                     .m = var##_m,                                         \
	                                     .n = ARRAY_LEN(var##_m),                              \
	                                     .ext_off = OFF(veuicc_saip_pe_fs, ext),               \
	                                     .fs = fs_##cname,                                     \
	                                     .fs_n = ARRAY_LEN(fs_##cname)}

FS_PE(t_pe_mf, mf, FS_MF_HEADER, "PE-MF");
FS_PE(t_pe_cd, cd, FS_CD_HEADER, "PE-CD");
FS_PE(t_pe_telecom, telecom, FS_TELECOM_HEADER, "PE-TELECOM");
FS_PE(t_pe_usim, usim, FS_USIM_HEADER, "PE-USIM");
FS_PE(t_pe_opt_usim, opt_usim, FS_OPT_USIM_HEADER, "PE-OPT-USIM");
FS_PE(t_pe_isim, isim, FS_ISIM_HEADER, "PE-ISIM");
FS_PE(t_pe_opt_isim, opt_isim, FS_OPT_ISIM_HEADER, "PE-OPT-ISIM");
FS_PE(t_pe_phonebook, phonebook, FS_PHONEBOOK_HEADER, "PE-PHONEBOOK");
FS_PE(t_pe_gsm_access, gsm_access, FS_GSM_ACCESS_HEADER, "PE-GSM-ACCESS");
FS_PE(t_pe_csim, csim, FS_CSIM_HEADER, "PE-CSIM");
FS_PE(t_pe_opt_csim, opt_csim, FS_OPT_CSIM_HEADER, "PE-OPT-CSIM");
FS_PE(t_pe_eap, eap, FS_EAP_HEADER, "PE-EAP");
FS_PE(t_pe_df_5gs, df_5gs, FS_DF_5GS_HEADER, "PE-DF-5GS");
FS_PE(t_pe_df_saip, df_saip, FS_DF_SAIP_HEADER, "PE-DF-SAIP");
FS_PE(t_pe_df_snpn, df_snpn, FS_DF_SNPN_HEADER, "PE-DF-SNPN");
FS_PE(t_pe_df_5gprose, df_5gprose, FS_DF_5GPROSE_HEADER, "PE-DF-5GPROSE");
FS_PE(t_pe_iot, iot, FS_IOT_HEADER, "PE-IoT");
FS_PE(t_pe_opt_iot, opt_iot, FS_OPT_IOT_HEADER, "PE-OPT-IoT");

/* ---- genericFileManagement ----------------------------------------------------- */

/* FileManagement alternatives carry their own tags, so no automatic tagging. */
static const struct saip_member m_fm_cmd[] = {
    F_OCT(veuicc_saip_fm_cmd, file_path, "filePath", 0x80, 0, 0, 8),
    F_SEQP(veuicc_saip_fm_cmd, create_fcp, "createFCP", 0x62, 0, t_fcp),
    F_INT(veuicc_saip_fm_cmd, fill_file_offset, "fillFileOffset", 0x02, 65535, NULL),
    F_OCT(veuicc_saip_fm_cmd, fill_file_content, "fillFileContent", 0x81, 0, 0, ANY),
};
CHOICE_T(t_fm_cmd, "FileManagement element", veuicc_saip_fm_cmd, m_fm_cmd, op);
static const struct saip_member e_fm_cmd = E_CHOICE("FileManagement element", t_fm_cmd);
LIST_T(t_file_management, "FileManagement", veuicc_saip_fm_cmd, e_fm_cmd, 1, ANY);
static const struct saip_member e_file_management = E_LIST("FileManagement", t_file_management);
LIST_T(t_fm_cmd_list, "fileManagementCMD", veuicc_saip_file_management, e_file_management, 1, ANY);

static const struct saip_member m_pe_gfm[] = {
    F_SEQ(veuicc_saip_pe_gfm, header, "gfm-header", 0xA0, t_pe_header),
    F_LIST(veuicc_saip_pe_gfm, file_management_cmd, "fileManagementCMD", 0xA1, 0, t_fm_cmd_list),
};
SEQ_T(t_pe_gfm, "PE-GenericFileManagement", veuicc_saip_pe_gfm, m_pe_gfm);

/* ---- PIN and PUK codes ------------------------------------------------------------ */

static const struct saip_named n_pin[] = {
    {1, "pinAppl1"},
    {2, "pinAppl2"},
    {3, "pinAppl3"},
    {4, "pinAppl4"},
    {5, "pinAppl5"},
    {6, "pinAppl6"},
    {7, "pinAppl7"},
    {8, "pinAppl8"},
    {10, "adm1"},
    {11, "adm2"},
    {12, "adm3"},
    {13, "adm4"},
    {14, "adm5"},
    {129, "secondPINAppl1"},
    {130, "secondPINAppl2"},
    {131, "secondPINAppl3"},
    {132, "secondPINAppl4"},
    {133, "secondPINAppl5"},
    {134, "secondPINAppl6"},
    {135, "secondPINAppl7"},
    {136, "secondPINAppl8"},
    {138, "adm6"},
    {139, "adm7"},
    {140, "adm8"},
    {141, "adm9"},
    {142, "adm10"},
    {0, NULL},
};
static const struct saip_named n_puk[] = {
    {1, "pukAppl1"},
    {2, "pukAppl2"},
    {3, "pukAppl3"},
    {4, "pukAppl4"},
    {5, "pukAppl5"},
    {6, "pukAppl6"},
    {7, "pukAppl7"},
    {8, "pukAppl8"},
    {129, "secondPUKAppl1"},
    {130, "secondPUKAppl2"},
    {131, "secondPUKAppl3"},
    {132, "secondPUKAppl4"},
    {133, "secondPUKAppl5"},
    {134, "secondPUKAppl6"},
    {135, "secondPUKAppl7"},
    {136, "secondPUKAppl8"},
    {0, NULL},
};

static const struct saip_member m_pin_config[] = {
    F_INT(veuicc_saip_pin_config, key_reference, "keyReference", 0x80, 255, n_pin),
    F_OCT(veuicc_saip_pin_config, pin_value, "pinValue", 0x81, 0, 8, 8),
    F_OINT(veuicc_saip_pin_config, unblocking_pin_reference, "unblockingPINReference", 0x82, 255,
           n_puk),
    F_INTD(veuicc_saip_pin_config, pin_attributes, "pinAttributes", 0x83, 255, def_07),
    F_INTD(veuicc_saip_pin_config, max_attempts_retry_left, "maxNumOfAttemps-retryNumLeft", 0x84,
           255, def_51),
};
SEQ_T(t_pin_config, "PINConfiguration", veuicc_saip_pin_config, m_pin_config);
static const struct saip_member e_pin_config = E_SEQ("PINConfiguration", t_pin_config);
LIST_T(t_pin_config_list, "SEQUENCE OF PINConfiguration", veuicc_saip_pin_config, e_pin_config, 1,
       26);

static const struct saip_member m_pin_codes[] = {
    F_LIST(veuicc_saip_pin_codes, pinconfig, "pinconfig", 0xA0, 0, t_pin_config_list),
    F_OCT(veuicc_saip_pin_codes, file_path, "filePath", 0x81, 0, 0, 8),
};
CHOICE_T(t_pin_codes, "pinCodes", veuicc_saip_pin_codes, m_pin_codes, kind);

static const struct saip_member m_pe_pin_codes[] = {
    F_SEQ(veuicc_saip_pe_pin_codes, header, "pin-Header", 0xA0, t_pe_header),
    F_CHOICE(veuicc_saip_pe_pin_codes, pin_codes, "pinCodes", 0xA1, t_pin_codes),
};
SEQ_T(t_pe_pin_codes, "PE-PINCodes", veuicc_saip_pe_pin_codes, m_pe_pin_codes);

static const struct saip_member m_puk_config[] = {
    F_INT(veuicc_saip_puk_config, key_reference, "keyReference", 0x80, 255, n_puk),
    F_OCT(veuicc_saip_puk_config, puk_value, "pukValue", 0x81, 0, 8, 8),
    F_INTD(veuicc_saip_puk_config, max_attempts_retry_left, "maxNumOfAttemps-retryNumLeft", 0x82,
           255, def_170),
};
SEQ_T(t_puk_config, "PUKConfiguration", veuicc_saip_puk_config, m_puk_config);
static const struct saip_member e_puk_config = E_SEQ("PUKConfiguration", t_puk_config);
LIST_T(t_puk_config_list, "SEQUENCE OF PUKConfiguration", veuicc_saip_puk_config, e_puk_config, 1,
       16);

static const struct saip_member m_pe_puk_codes[] = {
    F_SEQ(veuicc_saip_pe_puk_codes, header, "puk-Header", 0xA0, t_pe_header),
    F_LIST(veuicc_saip_pe_puk_codes, puk_codes, "pukCodes", 0xA1, 0, t_puk_config_list),
};
SEQ_T(t_pe_puk_codes, "PE-PUKCodes", veuicc_saip_pe_puk_codes, m_pe_puk_codes);

/* ---- AKA and CDMA parameters ------------------------------------------------------- */

static const struct saip_named n_algo[] = {
    {VEUICC_SAIP_ALGO_MILENAGE, "milenage"},
    {VEUICC_SAIP_ALGO_TUAK, "tuak"},
    {VEUICC_SAIP_ALGO_USIM_TEST, "usim-test-algorithm"},
    {0, NULL},
};

/* Milenage defaults r1..r5 and c1..c5 (3GPP TS 35.206 §4.1), as in PEDefinitions. */
static const uint8_t def_rotation[] = {0x40, 0x00, 0x20, 0x40, 0x60};
static const uint8_t def_xoring[80] = {[31] = 0x01, [47] = 0x02, [63] = 0x04, [79] = 0x08};
static const uint8_t def_sqn[] = {0x00, 0x00, 0x10, 0x00, 0x00, 0x00};
/* sqnInit DEFAULT: 32 x OCTET STRING '000000000000'H, as DER contents. */
#define SQN0   0x04, 0x06, 0, 0, 0, 0, 0, 0
#define SQN0x4 SQN0, SQN0, SQN0, SQN0
static const uint8_t def_sqn_init[] = {SQN0x4, SQN0x4, SQN0x4, SQN0x4,
                                       SQN0x4, SQN0x4, SQN0x4, SQN0x4};
static const uint8_t def_keccak[] = {0x01};

static const struct saip_member m_mapping[] = {
    F_OCT(veuicc_saip_mapping_parameter, mapping_options, "mappingOptions", 0x80, 0, 1, 1),
    F_OCT(veuicc_saip_mapping_parameter, mapping_source, "mappingSource", 0x81, 0, 5, 16),
};
SEQ_T(t_mapping, "MappingParameter", veuicc_saip_mapping_parameter, m_mapping);

static const struct saip_member m_algo[] = {
    F_INT(veuicc_saip_algo_parameter, algorithm_id, "algorithmID", 0x80, 0x7FFFFFFF, n_algo),
    F_OCT(veuicc_saip_algo_parameter, algorithm_options, "algorithmOptions", 0x81, 0, 1, 1),
    F_OCT(veuicc_saip_algo_parameter, key, "key", 0x82, 0, 0, ANY),
    F_OCT(veuicc_saip_algo_parameter, opc, "opc", 0x83, 0, 0, ANY),
    F_OCTD(veuicc_saip_algo_parameter, rotation_constants, "rotationConstants", 0x84, 5, 5,
           def_rotation),
    F_OCTD(veuicc_saip_algo_parameter, xoring_constants, "xoringConstants", 0x85, 80, 80,
           def_xoring),
    F_OCT(veuicc_saip_algo_parameter, auth_counter_max, "authCounterMax", 0x86, SF_OPT, 3, 3),
    F_INTD(veuicc_saip_algo_parameter, number_of_keccak, "numberOfKeccak", 0x87, 255, def_keccak),
};
SEQ_T(t_algo, "AlgoParameter", veuicc_saip_algo_parameter, m_algo);

static const struct saip_member m_algo_conf[] = {
    F_SEQP(veuicc_saip_algo_configuration, mapping_parameter, "mappingParameter", 0xA0, 0,
           t_mapping),
    F_SEQP(veuicc_saip_algo_configuration, algo_parameter, "algoParameter", 0xA1, 0, t_algo),
};
CHOICE_T(t_algo_conf, "algoConfiguration", veuicc_saip_algo_configuration, m_algo_conf, kind);

static const struct saip_member e_sqn = E_OCT("OCTET STRING", 0x04, 6, 6);
LIST_T(t_sqn_init, "sqnInit", veuicc_saip_oct, e_sqn, 32, 32);

static const struct saip_member m_pe_aka[] = {
    F_SEQ(veuicc_saip_pe_aka, header, "aka-header", 0xA0, t_pe_header),
    F_CHOICE(veuicc_saip_pe_aka, algo_configuration, "algoConfiguration", 0xA1, t_algo_conf),
    F_OCTD(veuicc_saip_pe_aka, sqn_options, "sqnOptions", 0x82, 1, 1, def_02),
    F_OCTD(veuicc_saip_pe_aka, sqn_delta, "sqnDelta", 0x83, 6, 6, def_sqn),
    F_OCTD(veuicc_saip_pe_aka, sqn_age_limit, "sqnAgeLimit", 0x84, 6, 6, def_sqn),
    F_LISTD(veuicc_saip_pe_aka, sqn_init, "sqnInit", 0xA5, t_sqn_init, def_sqn_init),
};
SEQ_T(t_pe_aka, "PE-AKAParameter", veuicc_saip_pe_aka, m_pe_aka);

static const struct saip_member m_pe_cdma[] = {
    F_SEQ(veuicc_saip_pe_cdma, header, "cdma-header", 0xA0, t_pe_header),
    F_OCT(veuicc_saip_pe_cdma, authentication_key, "authenticationKey", 0x81, 0, 8, 8),
    F_OCT(veuicc_saip_pe_cdma, ssd, "ssd", 0x82, SF_OPT, 16, 16),
    F_OCT(veuicc_saip_pe_cdma, hrpd_access_authentication_data, "hrpdAccessAuthenticationData",
          0x83, SF_OPT, 2, 32),
    F_OCT(veuicc_saip_pe_cdma, simple_ip_authentication_data, "simpleIPAuthenticationData", 0x84,
          SF_OPT, 3, 483),
    F_OCT(veuicc_saip_pe_cdma, mobile_ip_authentication_data, "mobileIPAuthenticationData", 0x85,
          SF_OPT, 5, 957),
};
SEQ_T(t_pe_cdma, "PE-CDMAParameter", veuicc_saip_pe_cdma, m_pe_cdma);

/* ---- security domains and applications ---------------------------------------------- */

static const struct saip_member m_key_comp[] = {
    F_OCT(veuicc_saip_key_component, key_type, "keyType", 0x80, 0, 0, ANY),
    F_OCT(veuicc_saip_key_component, key_data, "keyData", 0x86, 0, 0, ANY),
    F_INTD(veuicc_saip_key_component, mac_length, "macLength", 0x87, 255, def_08),
};
SEQ_T(t_key_comp, "SEQUENCE", veuicc_saip_key_component, m_key_comp);
static const struct saip_member e_key_comp = E_SEQ("SEQUENCE", t_key_comp);
LIST_T(t_key_comp_list, "keyCompontents", veuicc_saip_key_component, e_key_comp, 1, ANY);

/* KeyObject has tagged components, so keyCompontents keeps its UNIVERSAL 16 tag. */
static const struct saip_member m_key_object[] = {
    F_OCT(veuicc_saip_key_object, key_usage_qualifier, "keyUsageQualifier", 0x95, 0, 1, 2),
    F_OCTD(veuicc_saip_key_object, key_access, "keyAccess", 0x96, 1, 1, def_00),
    F_OCT(veuicc_saip_key_object, key_identifier, "keyIdentifier", 0x82, 0, 1, 1),
    F_OCT(veuicc_saip_key_object, key_version_number, "keyVersionNumber", 0x83, 0, 1, 1),
    F_OCT(veuicc_saip_key_object, key_counter_value, "keyCounterValue", 0x85, SF_OPT, 0, ANY),
    F_LIST(veuicc_saip_key_object, key_components, "keyCompontents", 0x30, 0, t_key_comp_list),
};
SEQ_T(t_key_object, "KeyObject", veuicc_saip_key_object, m_key_object);
static const struct saip_member e_key_object = E_SEQ("KeyObject", t_key_object);
LIST_T(t_key_list, "keyList", veuicc_saip_key_object, e_key_object, 1, ANY);

static const struct saip_member m_cl_params[] = {
    F_OCT(veuicc_saip_ts102226_cl_params, protocol_parameter_data, "protocolParameterData", 0x80, 0,
          0, ANY),
};
SEQ_T(t_cl_params, "TS102226AdditionalContactlessParameters", veuicc_saip_ts102226_cl_params,
      m_cl_params);

#define T veuicc_saip_app_system_params
static const struct saip_member m_sys_params[] = {
    F_OCT(T, volatile_memory_quota_c7, "volatileMemoryQuotaC7", 0xC7, SF_OPT, 2, 4),
    F_OCT(T, non_volatile_memory_quota_c8, "nonVolatileMemoryQuotaC8", 0xC8, SF_OPT, 2, 4),
    F_OCT(T, global_service_parameters, "globalServiceParameters", 0xCB, SF_OPT, 0, ANY),
    F_OCT(T, implicit_selection_parameter, "implicitSelectionParameter", 0xCF, SF_OPT, 0, ANY),
    F_OCT(T, volatile_reserved_memory, "volatileReservedMemory", 0xD7, SF_OPT, 2, 4),
    F_OCT(T, non_volatile_reserved_memory, "nonVolatileReservedMemory", 0xD8, SF_OPT, 2, 4),
    F_OCT(T, ts102226_sim_file_access_toolkit_parameter, "ts102226SIMFileAccessToolkitParameter",
          0xCA, SF_OPT, 0, ANY),
    F_SEQP(T, ts102226_additional_contactless_parameters, "ts102226AdditionalContactlessParameters",
           0xA0, SF_OPT, t_cl_params),
    F_OCT(T, contactless_protocol_parameters, "contactlessProtocolParameters", 0xD9, SF_OPT, 0,
          ANY),
    F_OCT(T, user_interaction_contactless_parameters, "userInteractionContactlessParameters", 0xDA,
          SF_OPT, 0, ANY),
    F_OCT(T, cumulative_granted_volatile_memory, "cumulativeGrantedVolatileMemory", 0x82, SF_OPT, 2,
          4),
    F_OCT(T, cumulative_granted_non_volatile_memory, "cumulativeGrantedNonVolatileMemory", 0x83,
          SF_OPT, 2, 4),
};
SEQ_T(t_sys_params, "ApplicationSystemParameters", T, m_sys_params);
#undef T

static const struct saip_member m_uicc_params[] = {
    F_OCT(veuicc_saip_uicc_app_params, uicc_toolkit_params,
          "uiccToolkitApplicationSpecificParametersField", 0x80, SF_OPT, 0, ANY),
    F_OCT(veuicc_saip_uicc_app_params, uicc_access_params,
          "uiccAccessApplicationSpecificParametersField", 0x81, SF_OPT, 0, ANY),
    F_OCT(veuicc_saip_uicc_app_params, uicc_admin_access_params,
          "uiccAdministrativeAccessApplicationSpecificParametersField", 0x82, SF_OPT, 0, ANY),
};
SEQ_T(t_uicc_params, "UICCApplicationParameters", veuicc_saip_uicc_app_params, m_uicc_params);

static const struct saip_member m_crt[] = {
    F_OCT(veuicc_saip_crt, application_provider_identifier, "applicationProviderIdentifier", 0x5F20,
          0, 0, ANY),
};
SEQ_T(t_crt, "ControlReferenceTemplate", veuicc_saip_crt, m_crt);

static const struct saip_member e_octets = E_OCT("OCTET STRING", 0x04, 0, ANY);
LIST_T(t_octets_1, "SEQUENCE OF OCTET STRING", veuicc_saip_oct, e_octets, 1, ANY);

#define T veuicc_saip_app_instance
static const struct saip_member m_app_instance[] = {
    F_OCT(T, application_load_package_aid, "applicationLoadPackageAID", 0x4F, 0, 5, 16),
    F_OCT(T, class_aid, "classAID", 0x4F, 0, 5, 16),
    F_OCT(T, instance_aid, "instanceAID", 0x4F, 0, 5, 16),
    F_OCT(T, extradite_security_domain_aid, "extraditeSecurityDomainAID", 0x4F, SF_OPT, 5, 16),
    F_OCT(T, application_privileges, "applicationPrivileges", 0x82, 0, 0, ANY),
    F_OCTD(T, life_cycle_state, "lifeCycleState", 0x83, 1, 1, def_07),
    F_OCT(T, application_specific_parameters_c9, "applicationSpecificParametersC9", 0xC9, 0, 0,
          ANY),
    F_SEQP(T, system_specific_parameters, "systemSpecificParameters", 0xEF, SF_OPT, t_sys_params),
    F_SEQP(T, application_parameters, "applicationParameters", 0xEA, SF_OPT, t_uicc_params),
    F_LIST(T, process_data, "processData", 0x30, SF_OPT, t_octets_1),
    F_SEQP(T, control_reference_template, "controlReferenceTemplate", 0xB0, SF_OPT, t_crt),
};
SEQ_T(t_app_instance, "ApplicationInstance", T, m_app_instance);
#undef T
static const struct saip_member e_app_instance = E_SEQ("ApplicationInstance", t_app_instance);
LIST_T(t_instance_list, "instanceList", veuicc_saip_app_instance, e_app_instance, 1, ANY);

static const struct saip_member m_open_perso[] = {
    F_OCT(veuicc_saip_open_perso_data, restrict_parameter, "restrictParameter", 0xD9, SF_OPT, 1, 1),
    F_OCT(veuicc_saip_open_perso_data, contactless_protocol_parameters,
          "contactlessProtocolParameters", 0x04, SF_OPT, 0, ANY),
};
SEQ_T(t_open_perso, "openPersoData", veuicc_saip_open_perso_data, m_open_perso);

static const struct saip_member m_cat_tp[] = {
    F_INT(veuicc_saip_cat_tp_parameters, cat_tp_max_sdu_size, "catTpMaxSduSize", 0x80, 65535, NULL),
    F_INT(veuicc_saip_cat_tp_parameters, cat_tp_max_pdu_size, "catTpMaxPduSize", 0x81, 65535, NULL),
};
SEQ_T(t_cat_tp, "catTpParameters", veuicc_saip_cat_tp_parameters, m_cat_tp);

static const struct saip_member m_pe_sd[] = {
    F_SEQ(veuicc_saip_pe_sd, header, "sd-Header", 0xA0, t_pe_header),
    F_SEQ(veuicc_saip_pe_sd, instance, "instance", 0xA1, t_app_instance),
    F_LIST(veuicc_saip_pe_sd, key_list, "keyList", 0xA2, SF_OPT, t_key_list),
    F_LIST(veuicc_saip_pe_sd, sd_perso_data, "sdPersoData", 0xA3, SF_OPT, t_octets_1),
    F_SEQP(veuicc_saip_pe_sd, open_perso_data, "openPersoData", 0xA4, SF_OPT, t_open_perso),
    F_SEQP(veuicc_saip_pe_sd, cat_tp_parameters, "catTpParameters", 0xA5, SF_OPT, t_cat_tp),
};
SEQ_T(t_pe_sd, "PE-SecurityDomain", veuicc_saip_pe_sd, m_pe_sd);

#define T veuicc_saip_load_package
static const struct saip_member m_load_package[] = {
    F_OCT(T, load_package_aid, "loadPackageAID", 0x4F, 0, 5, 16),
    F_OCT(T, security_domain_aid, "securityDomainAID", 0x4F, SF_OPT, 5, 16),
    F_OCT(T, non_volatile_code_limit_c6, "nonVolatileCodeLimitC6", 0xC6, SF_OPT, 0, ANY),
    F_OCT(T, volatile_data_limit_c7, "volatileDataLimitC7", 0xC7, SF_OPT, 0, ANY),
    F_OCT(T, non_volatile_data_limit_c8, "nonVolatileDataLimitC8", 0xC8, SF_OPT, 0, ANY),
    F_OCT(T, hash_value, "hashValue", 0xC1, SF_OPT, 0, ANY),
    F_OCT(T, load_block_object, "loadBlockObject", 0xC4, 0, 0, ANY),
};
SEQ_T(t_load_package, "ApplicationLoadPackage", T, m_load_package);
#undef T

static const struct saip_member m_pe_app[] = {
    F_SEQ(veuicc_saip_pe_application, header, "app-Header", 0xA0, t_pe_header),
    F_SEQP(veuicc_saip_pe_application, load_block, "loadBlock", 0xA1, SF_OPT, t_load_package),
    F_LIST(veuicc_saip_pe_application, instance_list, "instanceList", 0xA2, SF_OPT,
           t_instance_list),
};
SEQ_T(t_pe_app, "PE-Application", veuicc_saip_pe_application, m_pe_app);

/* ---- RFM, nonStandard, end, dummy -------------------------------------------------- */

static const struct saip_member m_adf_rfm[] = {
    F_OCT(veuicc_saip_adf_rfm_access, adf_aid, "adfAID", 0x80, 0, 5, 16),
    F_OCT(veuicc_saip_adf_rfm_access, adf_access_domain, "adfAccessDomain", 0x81, 0, 0, ANY),
    F_OCT(veuicc_saip_adf_rfm_access, adf_admin_access_domain, "adfAdminAccessDomain", 0x82, 0, 0,
          ANY),
};
SEQ_T(t_adf_rfm, "ADFRFMAccess", veuicc_saip_adf_rfm_access, m_adf_rfm);

static const struct saip_member e_tar = E_OCT("OCTET STRING", 0x04, 3, 3);
LIST_T(t_tar_list, "tarList", veuicc_saip_oct, e_tar, 1, ANY);

/* PE-RFM tags its components itself: [0] twice and UNIVERSAL tags are legal here. */
static const struct saip_member m_pe_rfm[] = {
    F_SEQ(veuicc_saip_pe_rfm, header, "rfm-header", 0xA0, t_pe_header),
    F_OCT(veuicc_saip_pe_rfm, instance_aid, "instanceAID", 0x4F, 0, 5, 16),
    F_OCT(veuicc_saip_pe_rfm, security_domain_aid, "securityDomainAID", 0x4F, SF_OPT, 5, 16),
    F_LIST(veuicc_saip_pe_rfm, tar_list, "tarList", 0xA0, SF_OPT, t_tar_list),
    F_OCT(veuicc_saip_pe_rfm, minimum_security_level, "minimumSecurityLevel", 0x81, 0, 1, 1),
    F_OCT(veuicc_saip_pe_rfm, uicc_access_domain, "uiccAccessDomain", 0x04, 0, 0, ANY),
    F_OCT(veuicc_saip_pe_rfm, uicc_admin_access_domain, "uiccAdminAccessDomain", 0x04, 0, 0, ANY),
    F_SEQP(veuicc_saip_pe_rfm, adf_rfm_access, "adfRFMAccess", 0x30, SF_OPT, t_adf_rfm),
};
SEQ_T(t_pe_rfm, "PE-RFM", veuicc_saip_pe_rfm, m_pe_rfm);

static const struct saip_member m_pe_non_standard[] = {
    F_SEQ(veuicc_saip_pe_non_standard, header, "nonStandard-header", 0xA0, t_pe_header),
    F_OID(veuicc_saip_pe_non_standard, issuer_id, "issuerID", 0x81, 0),
    F_OCT(veuicc_saip_pe_non_standard, content, "content", 0x82, 0, 0, ANY),
};
SEQ_T(t_pe_non_standard, "PE-NonStandard", veuicc_saip_pe_non_standard, m_pe_non_standard);

static const struct saip_member m_pe_end[] = {
    F_SEQ(veuicc_saip_pe_end, header, "end-header", 0xA0, t_pe_header),
};
SEQ_T(t_pe_end, "PE-End", veuicc_saip_pe_end, m_pe_end);

static const struct saip_type t_pe_dummy = {
    .name = "PE-Dummy",
    .kind = SK_SEQ,
    .size = sizeof(veuicc_saip_pe_dummy),
    .m = NULL,
    .n = 0,
    .ext_off = OFF(veuicc_saip_pe_dummy, ext),
};

/* ---- ProfileElement ------------------------------------------------------------------ */

struct pe_alt {
	const char *name;
	const struct saip_type *type;
};

/* ProfileElement ::= CHOICE, in definition order: the index is the context tag number. */
static const struct pe_alt pe_alts[VEUICC_SAIP_PE_TYPE_COUNT] = {
    {"header", &t_header},
    {"genericFileManagement", &t_pe_gfm},
    {"pinCodes", &t_pe_pin_codes},
    {"pukCodes", &t_pe_puk_codes},
    {"akaParameter", &t_pe_aka},
    {"cdmaParameter", &t_pe_cdma},
    {"securityDomain", &t_pe_sd},
    {"rfm", &t_pe_rfm},
    {"application", &t_pe_app},
    {"nonStandard", &t_pe_non_standard},
    {"end", &t_pe_end},
    {"rfu1", &t_pe_dummy},
    {"rfu2", &t_pe_dummy},
    {"rfu3", &t_pe_dummy},
    {"rfu4", &t_pe_dummy},
    {"rfu5", &t_pe_dummy},
    {"mf", &t_pe_mf},
    {"cd", &t_pe_cd},
    {"telecom", &t_pe_telecom},
    {"usim", &t_pe_usim},
    {"opt-usim", &t_pe_opt_usim},
    {"isim", &t_pe_isim},
    {"opt-isim", &t_pe_opt_isim},
    {"phonebook", &t_pe_phonebook},
    {"gsm-access", &t_pe_gsm_access},
    {"csim", &t_pe_csim},
    {"opt-csim", &t_pe_opt_csim},
    {"eap", &t_pe_eap},
    {"df-5gs", &t_pe_df_5gs},
    {"df-saip", &t_pe_df_saip},
    {"df-snpn", &t_pe_df_snpn},
    {"df-5gprose", &t_pe_df_5gprose},
    {"iot", &t_pe_iot},
    {"opt-iot", &t_pe_opt_iot},
};

const struct saip_type *veuicc_saip_pe_schema(veuicc_saip_pe_type t)
{
	if ((unsigned)t >= VEUICC_SAIP_PE_TYPE_COUNT)
		return NULL;
	return pe_alts[t].type;
}

const char *veuicc_saip_pe_type_name(veuicc_saip_pe_type t)
{
	if ((unsigned)t >= VEUICC_SAIP_PE_TYPE_COUNT)
		return "unknown";
	return pe_alts[t].name;
}

const char *veuicc_saip_pe_header_name(veuicc_saip_pe_type t)
{
	const struct saip_type *ty = veuicc_saip_pe_schema(t);

	if (!ty || ty->n == 0 || ty->m[0].type != &t_pe_header)
		return NULL;
	return ty->m[0].name;
}

bool veuicc_saip_pe_type_is_fs(veuicc_saip_pe_type t)
{
	return t >= VEUICC_SAIP_PE_MF && t <= VEUICC_SAIP_PE_OPT_IOT;
}

const veuicc_saip_pe_header *veuicc_saip_pe_get_header(const veuicc_saip_pe *pe)
{
	/* Every PE type with a PEHeader has it as its first component, at offset 0. */
	if (!pe || !pe->u.any || !veuicc_saip_pe_header_name(pe->type))
		return NULL;
	return (const veuicc_saip_pe_header *)pe->u.any;
}

size_t veuicc_saip_fs_field_count(veuicc_saip_pe_type t)
{
	if (!veuicc_saip_pe_type_is_fs(t))
		return 0;
	return pe_alts[t].type->fs_n;
}

const char *veuicc_saip_fs_field_name(veuicc_saip_pe_type t, size_t field)
{
	if (field >= veuicc_saip_fs_field_count(t))
		return NULL;
	return pe_alts[t].type->fs[field].name;
}

/* X.690 §8.1.2: context class (10), constructed (1), number n. */
static uint32_t context_constructed_tag(size_t n)
{
	if (n < 31)
		return 0xA0u | (uint32_t)n;
	return 0xBF00u | (uint32_t)n; /* every n used here is < 128: one subsequent octet */
}

uint32_t veuicc_saip_pe_tag(veuicc_saip_pe_type t)
{
	return context_constructed_tag((size_t)t);
}

uint32_t veuicc_saip_fs_field_tag(size_t field)
{
	return context_constructed_tag(field + 2);
}

long veuicc_saip_fs_tag_index(uint32_t tag)
{
	if (tag <= 0xFF)
		return (tag & 0xE0u) == 0xA0u && (tag & 0x1Fu) != 0x1Fu ? (long)(tag & 0x1Fu) : -1;
	if (tag <= 0xFFFF && (tag >> 8) == 0xBF && (tag & 0x80u) == 0)
		return (long)(tag & 0x7Fu);
	return -1;
}

const char *veuicc_saip_service_name(unsigned bit)
{
	if (bit >= ARRAY_LEN(m_services))
		return NULL;
	return m_services[bit].name;
}

const char *veuicc_saip_status_name(veuicc_saip_status s)
{
	/* PEStatus.status named numbers, PEDefinitions 3.3.1. */
	switch (s) {
	case VEUICC_SAIP_STATUS_OK: return "ok";
	case VEUICC_SAIP_STATUS_PE_NOT_SUPPORTED: return "pe-not-supported";
	case VEUICC_SAIP_STATUS_MEMORY_FAILURE: return "memory-failure";
	case VEUICC_SAIP_STATUS_BAD_VALUES: return "bad-values";
	case VEUICC_SAIP_STATUS_NOT_ENOUGH_MEMORY: return "not-enough-memory";
	case VEUICC_SAIP_STATUS_INVALID_REQUEST_FORMAT: return "invalid-request-format";
	case VEUICC_SAIP_STATUS_INVALID_PARAMETER: return "invalid-parameter";
	case VEUICC_SAIP_STATUS_RUNTIME_NOT_SUPPORTED: return "runtime-not-supported";
	case VEUICC_SAIP_STATUS_LIB_NOT_SUPPORTED: return "lib-not-supported";
	case VEUICC_SAIP_STATUS_TEMPLATE_NOT_SUPPORTED: return "template-not-supported";
	case VEUICC_SAIP_STATUS_FEATURE_NOT_SUPPORTED: return "feature-not-supported";
	case VEUICC_SAIP_STATUS_PIN_CODE_MISSING: return "pin-code-missing";
	case VEUICC_SAIP_STATUS_UNSUPPORTED_PROFILE_VERSION: return "unsupported-profile-version";
	}
	return "unknown";
}

/* ---- arena ----------------------------------------------------------------------------- */

#define ARENA_BLOCK 32768u
#define ARENA_ALIGN 16u

struct veuicc_saip_arena {
	struct veuicc_saip_arena *next;
	size_t cap;
	size_t used;
	_Alignas(16) unsigned char data[];
};

void *veuicc_saip_arena_alloc(struct veuicc_saip_arena **a, size_t size)
{
	struct veuicc_saip_arena *b = *a;

	size = (size + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
	if (size == 0)
		size = ARENA_ALIGN;
	if (!b || b->cap - b->used < size) {
		size_t cap = size > ARENA_BLOCK ? size : ARENA_BLOCK;
		if (cap > SIZE_MAX - sizeof(*b))
			return NULL;
		b = malloc(sizeof(*b) + cap);
		if (!b)
			return NULL;
		b->cap = cap;
		b->used = 0;
		/* A big block goes behind the current one so the current one keeps filling. */
		if (*a && size > ARENA_BLOCK) {
			b->next = (*a)->next;
			(*a)->next = b;
		} else {
			b->next = *a;
			*a = b;
		}
	}
	void *p = b->data + b->used;
	b->used += size;
	memset(p, 0, size);
	return p;
}

void veuicc_saip_arena_free(struct veuicc_saip_arena *a)
{
	while (a) {
		struct veuicc_saip_arena *next = a->next;
		/* Keys, PINs and K/OPc live here. */
		mbedtls_platform_zeroize(a->data, a->used);
		free(a);
		a = next;
	}
}

/* ---- small codecs ------------------------------------------------------------------------ */

void veuicc_saip_hex(const uint8_t *b, size_t n, char *out)
{
	static const char digits[] = "0123456789ABCDEF";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[b[i] >> 4];
		out[2 * i + 1] = digits[b[i] & 15];
	}
	out[2 * n] = '\0';
}

int veuicc_saip_unhex(const char *s, uint8_t *out, size_t cap, size_t *n)
{
	size_t len = strlen(s);

	if (len % 2 || len / 2 > cap)
		return VEUICC_ERR_INVALID_ARG;
	for (size_t i = 0; i < len / 2; i++) {
		int hi = veuicc_hex_digit(s[2 * i]), lo = veuicc_hex_digit(s[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return VEUICC_ERR_INVALID_ARG;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	*n = len / 2;
	return VEUICC_OK;
}

/* X.690 §8.19: subidentifiers base 128, the first one = 40 * arc1 + arc2. */
int veuicc_saip_oid_to_text(const uint8_t *b, size_t n, char *out, size_t cap)
{
	size_t pos = 0;
	uint64_t v = 0;
	bool first = true;

	if (cap == 0)
		return VEUICC_ERR_BUFFER_TOO_SMALL;
	out[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		if (v > (UINT64_MAX >> 8))
			return VEUICC_ERR_MALFORMED;
		v = (v << 7) | (b[i] & 0x7Fu);
		if (b[i] & 0x80u)
			continue;
		int w;
		if (first) {
			unsigned a1 = v < 40 ? 0 : v < 80 ? 1 : 2;
			w = snprintf(out + pos, cap - pos, "%u.%llu", a1,
			             (unsigned long long)(v - 40u * a1));
			first = false;
		} else {
			w = snprintf(out + pos, cap - pos, ".%llu", (unsigned long long)v);
		}
		if (w < 0 || (size_t)w >= cap - pos)
			return VEUICC_ERR_BUFFER_TOO_SMALL;
		pos += (size_t)w;
		v = 0;
	}
	if (first || (n && (b[n - 1] & 0x80u)))
		return VEUICC_ERR_MALFORMED;
	return VEUICC_OK;
}

static size_t put_base128(uint64_t v, uint8_t *out, size_t cap, size_t pos)
{
	uint8_t tmp[10];
	size_t k = 0;

	do {
		tmp[k++] = (uint8_t)(v & 0x7F);
		v >>= 7;
	} while (v);
	if (pos + k > cap)
		return SIZE_MAX;
	for (size_t i = 0; i < k; i++)
		out[pos + i] = (uint8_t)(tmp[k - 1 - i] | (i + 1 < k ? 0x80 : 0));
	return pos + k;
}

int veuicc_saip_oid_from_text(const char *s, uint8_t *out, size_t cap, size_t *n)
{
	uint64_t arcs[80]; /* an OID of SAIP_MAX_OID (64) bytes has at most 65 arcs */
	size_t na = 0;
	const char *p = s;

	while (*p) {
		if (na == 80 || *p < '0' || *p > '9')
			return VEUICC_ERR_INVALID_ARG;
		uint64_t v = 0;
		while (*p >= '0' && *p <= '9') {
			if (v > (UINT64_MAX - 9) / 10)
				return VEUICC_ERR_INVALID_ARG;
			v = v * 10 + (uint64_t)(*p++ - '0');
		}
		arcs[na++] = v;
		if (*p == '.') {
			p++;
			if (!*p)
				return VEUICC_ERR_INVALID_ARG;
		} else if (*p) {
			return VEUICC_ERR_INVALID_ARG;
		}
	}
	/* X.660: at least two arcs, the first 0..2, the second < 40 below 2. */
	if (na < 2 || arcs[0] > 2 || (arcs[0] < 2 && arcs[1] >= 40) ||
	    arcs[1] > UINT64_MAX / 2 - 80)
		return VEUICC_ERR_INVALID_ARG;
	size_t pos = put_base128(arcs[0] * 40 + arcs[1], out, cap, 0);
	for (size_t i = 2; i < na && pos != SIZE_MAX; i++)
		pos = put_base128(arcs[i], out, cap, pos);
	if (pos == SIZE_MAX)
		return VEUICC_ERR_BUFFER_TOO_SMALL;
	*n = pos;
	return VEUICC_OK;
}

size_t veuicc_saip_int_bytes(uint32_t v, uint8_t out[5])
{
	/* X.690 §8.3.2: the fewest octets, two's complement, so a set top bit needs a 00. */
	uint8_t tmp[5] = {0, (uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
	size_t i = 0;

	while (i < 4 && tmp[i] == 0 && !(tmp[i + 1] & 0x80))
		i++;
	memcpy(out, tmp + i, 5 - i);
	return 5 - i;
}
