/* SPDX-License-Identifier: Apache-2.0 */
/**
 * \file saip.h
 * \brief SAIP profile packages (TCA "eUICC Profile Package: Interoperable
 *        Format", ASN.1 module PEDefinitions, versions 2.1 to 3.3.1):
 *        strict DER decoder, validator, DER encoder, JSON conversion and the
 *        personalisation helpers used by `veuicc saip`.
 *
 * A package is a plain concatenation of DER `ProfileElement`s (no outer
 * SEQUENCE). veuicc_saip_decode() turns it into a veuicc_saip_profile: an
 * array of PEs in package order, each a C struct that mirrors its ASN.1 type
 * field by field (names in snake_case). The installer walks that array.
 *
 * ## The model, as the installer sees it
 *
 * - veuicc_saip_profile::pes[i] is the i-th PE; `type` is the CHOICE
 *   alternative of ProfileElement (= its context tag number, so MF is 16)
 *   and `u` points to the decoded body of that type.
 * - Every PE type except the ProfileHeader starts with a
 *   veuicc_saip_pe_header (`mandated`, `identification`);
 *   veuicc_saip_pe_get_header() returns it for any PE.
 * - **File system** PEs (mf, cd, telecom, usim, ..., opt-iot) are all one
 *   struct, veuicc_saip_pe_fs: `template_id` (OID contents) and the File
 *   fields that are present, in package order, each with its ASN.1 name
 *   ("ef-imsi") and its field index in the PE type (0 = first File field).
 *   A File is a list of veuicc_saip_file_elem operations in order:
 *   doNotCreate, fileDescriptor (an FCP), fillFileOffset, fillFileContent.
 * - **genericFileManagement**: a list of command lists; each command is
 *   filePath, createFCP, fillFileOffset or fillFileContent, in order.
 * - **pinCodes / pukCodes**: key reference, 8-byte value, attributes and
 *   retry counters (DEFAULTs applied), PUK reference of each PIN.
 * - **akaParameter**: algorithm (milenage / tuak / usim-test-algorithm),
 *   K, OPc, constants and SQN parameters (DEFAULTs applied).
 * - **securityDomain**: the instance (AIDs, privileges, C9 parameters), its
 *   key list (usage, id, version, components) and perso data.
 * - **rfm**: instance AID, TAR list, minimum security level, UICC and ADF
 *   access domains.
 * - **application**: load package and instances.
 *
 * ## Conventions
 *
 * - Octet strings, UTF8Strings and OBJECT IDENTIFIERs are veuicc_saip_oct:
 *   the content octets (an OID as its DER contents, e.g. 67 81 0F 01 02 01
 *   for 2.23.143.1.2.1) and a `present` flag for OPTIONAL fields. Data
 *   points into memory owned by the profile (a copy of the input, or edits).
 * - DEFAULT fields always hold a value after decoding: the encoded one or
 *   the DEFAULT. The encoder omits a DEFAULT field whose value equals the
 *   DEFAULT (X.690 §11.5), so decode → encode is byte-identical.
 * - OPTIONAL SEQUENCE fields are pointers, NULL when absent.
 * - SEQUENCE OF fields are {items, count, present}.
 * - CHOICE fields carry an enum saying which alternative is present; 0
 *   means an alternative unknown to PEDefinitions 3.3.1 (an extension),
 *   whose complete TLV is kept in `ext`.
 * - The module is `EXTENSIBILITY IMPLIED`: every SEQUENCE may end with
 *   components added by a later version. They are kept, as raw DER, in the
 *   struct's `ext` field and written back unchanged.
 *
 * Secrets (K, OPc, PINs, PUKs, keys) live in the profile's memory, which
 * veuicc_saip_free() zeroises.
 */
#ifndef VEUICC_SAIP_H
#define VEUICC_SAIP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "veuicc/veuicc.h"

/* ---- SAIP status codes --------------------------------------------------- */

/**
 * PEStatus.status of the EUICCResponse (PEDefinitions 3.3.1, type PEStatus):
 * the code the card reports in its installation result for a PE.
 */
typedef enum veuicc_saip_status {
	VEUICC_SAIP_STATUS_OK = 0,                          /**< ok */
	VEUICC_SAIP_STATUS_PE_NOT_SUPPORTED = 1,            /**< pe-not-supported */
	VEUICC_SAIP_STATUS_MEMORY_FAILURE = 2,              /**< memory-failure */
	VEUICC_SAIP_STATUS_BAD_VALUES = 3,                  /**< bad-values */
	VEUICC_SAIP_STATUS_NOT_ENOUGH_MEMORY = 4,           /**< not-enough-memory */
	VEUICC_SAIP_STATUS_INVALID_REQUEST_FORMAT = 5,      /**< invalid-request-format */
	VEUICC_SAIP_STATUS_INVALID_PARAMETER = 6,           /**< invalid-parameter */
	VEUICC_SAIP_STATUS_RUNTIME_NOT_SUPPORTED = 7,       /**< runtime-not-supported */
	VEUICC_SAIP_STATUS_LIB_NOT_SUPPORTED = 8,           /**< lib-not-supported */
	VEUICC_SAIP_STATUS_TEMPLATE_NOT_SUPPORTED = 9,      /**< template-not-supported */
	VEUICC_SAIP_STATUS_FEATURE_NOT_SUPPORTED = 10,      /**< feature-not-supported */
	VEUICC_SAIP_STATUS_PIN_CODE_MISSING = 11,           /**< pin-code-missing */
	VEUICC_SAIP_STATUS_UNSUPPORTED_PROFILE_VERSION = 31 /**< unsupported-profile-version */
} veuicc_saip_status;

/** The ASN.1 name of \p s ("pe-not-supported"), or "unknown". */
const char *veuicc_saip_status_name(veuicc_saip_status s);

/* ---- common field types -------------------------------------------------- */

/** OCTET STRING, UTF8String or OBJECT IDENTIFIER contents. */
typedef struct veuicc_saip_oct {
	const uint8_t *data;
	uint32_t len;
	bool present; /**< false: an OPTIONAL field that is absent */
} veuicc_saip_oct;

/** An OPTIONAL INTEGER. */
typedef struct veuicc_saip_int {
	uint32_t value;
	bool present;
} veuicc_saip_int;

/** SEQUENCE OF T: items[0..count-1]; present is false for an absent OPTIONAL list. */
#define VEUICC_SAIP_LIST(T)                                                                        \
	struct {                                                                                   \
		T *items;                                                                          \
		size_t count;                                                                      \
		bool present;                                                                      \
	}

typedef VEUICC_SAIP_LIST(veuicc_saip_oct) veuicc_saip_oct_list;

/** PEHeader: every PE but the ProfileHeader starts with it. */
typedef struct veuicc_saip_pe_header {
	bool mandated;           /**< support of this PE is mandatory */
	uint32_t identification; /**< UInt15: the PE's number in error reports */
	veuicc_saip_oct ext;
} veuicc_saip_pe_header;

/* ---- ProfileHeader ------------------------------------------------------- */

/** Bits of ServicesList (eUICC-Mandatory-services): bit n = n-th NULL field. */
enum {
	VEUICC_SAIP_SVC_CONTACTLESS = 0,
	VEUICC_SAIP_SVC_USIM = 1,
	VEUICC_SAIP_SVC_ISIM = 2,
	VEUICC_SAIP_SVC_CSIM = 3,
	VEUICC_SAIP_SVC_MILENAGE = 4,
	VEUICC_SAIP_SVC_TUAK128 = 5,
	VEUICC_SAIP_SVC_CAVE = 6,
	VEUICC_SAIP_SVC_GBA_USIM = 7,
	VEUICC_SAIP_SVC_GBA_ISIM = 8,
	VEUICC_SAIP_SVC_MBMS = 9,
	VEUICC_SAIP_SVC_EAP = 10,
	VEUICC_SAIP_SVC_JAVACARD = 11,
	VEUICC_SAIP_SVC_MULTOS = 12,
	VEUICC_SAIP_SVC_MULTIPLE_USIM = 13,
	VEUICC_SAIP_SVC_MULTIPLE_ISIM = 14,
	VEUICC_SAIP_SVC_MULTIPLE_CSIM = 15,
	VEUICC_SAIP_SVC_TUAK256 = 16,
	VEUICC_SAIP_SVC_USIM_TEST_ALGORITHM = 17,
	VEUICC_SAIP_SVC_BER_TLV = 18,
	VEUICC_SAIP_SVC_DFLINK = 19,
	VEUICC_SAIP_SVC_CAT_TP = 20,
	VEUICC_SAIP_SVC_GET_IDENTITY = 21,
	VEUICC_SAIP_SVC_PROFILE_A_X25519 = 22,
	VEUICC_SAIP_SVC_PROFILE_B_P256 = 23,
	VEUICC_SAIP_SVC_SUCI_CALCULATOR_API = 24,
	VEUICC_SAIP_SVC_DNS_RESOLUTION = 25,
	VEUICC_SAIP_SVC_SCP11AC = 26,
	VEUICC_SAIP_SVC_SCP11C_AUTHORIZATION = 27,
	VEUICC_SAIP_SVC_S16MODE = 28,
	VEUICC_SAIP_SVC_EAKA = 29,
	VEUICC_SAIP_SVC_COUNT = 30
};

/** ServicesList: a set of NULL flags. */
typedef struct veuicc_saip_services {
	uint32_t bits; /**< 1u << VEUICC_SAIP_SVC_* */
	veuicc_saip_oct ext;
} veuicc_saip_services;

/** The name of service bit \p bit in ServicesList ("usim-test-algorithm"), or NULL. */
const char *veuicc_saip_service_name(unsigned bit);

typedef struct veuicc_saip_mandatory_aid {
	veuicc_saip_oct aid;
	veuicc_saip_oct version; /**< 2 bytes */
	veuicc_saip_oct ext;
} veuicc_saip_mandatory_aid;

typedef struct veuicc_saip_iot_options {
	veuicc_saip_oct pix;
	veuicc_saip_oct ext;
} veuicc_saip_iot_options;

/** ProfileHeader. */
typedef struct veuicc_saip_header {
	uint32_t major_version;
	uint32_t minor_version;
	veuicc_saip_oct profile_type; /**< UTF8String, OPTIONAL */
	veuicc_saip_oct iccid;        /**< 10 bytes, BCD, digits in reading order, F padded */
	veuicc_saip_oct pol;
	veuicc_saip_services mandatory_services;
	veuicc_saip_oct_list mandatory_gfste; /**< eUICC-Mandatory-GFSTEList: template OIDs */
	veuicc_saip_oct connectivity_parameters;
	VEUICC_SAIP_LIST(veuicc_saip_mandatory_aid) mandatory_aids;
	veuicc_saip_iot_options *iot_options;
	veuicc_saip_oct ext;
} veuicc_saip_header;

/* ---- files --------------------------------------------------------------- */

/** ProprietaryInfo of an FCP (DEFAULTs applied). */
typedef struct veuicc_saip_proprietary_info {
	veuicc_saip_oct special_file_information; /**< DEFAULT '00' */
	veuicc_saip_oct fill_pattern;
	veuicc_saip_oct repeat_pattern;
	veuicc_saip_oct maximum_file_size;
	veuicc_saip_oct file_details; /**< DEFAULT '01' */
	veuicc_saip_oct ext;
} veuicc_saip_proprietary_info;

/** Fcp: file control parameters as in TS 102 222 (DEFAULTs applied). */
typedef struct veuicc_saip_fcp {
	veuicc_saip_oct file_descriptor;                   /**< [2] 2..4 bytes */
	veuicc_saip_oct file_id;                           /**< [3] 2 bytes */
	veuicc_saip_oct df_name;                           /**< [4] AID, ADFs only */
	veuicc_saip_oct lcsi;                              /**< [10] DEFAULT '05' */
	veuicc_saip_oct security_attributes_referenced;    /**< [11] */
	veuicc_saip_oct ef_file_size;                      /**< [0] */
	veuicc_saip_oct pin_status_template_do;            /**< [PRIVATE 6] */
	veuicc_saip_oct short_efid;                        /**< [8] 0..1 byte */
	veuicc_saip_proprietary_info *proprietary_ef_info; /**< [5] */
	veuicc_saip_oct link_path;                         /**< [PRIVATE 7] */
	veuicc_saip_oct ext;
} veuicc_saip_fcp;

/** Alternatives of the File element CHOICE. */
typedef enum veuicc_saip_file_op {
	VEUICC_SAIP_FILE_OP_UNKNOWN = 0, /**< extension alternative, raw TLV in ext */
	VEUICC_SAIP_FILE_OP_DO_NOT_CREATE = 1,
	VEUICC_SAIP_FILE_OP_FILE_DESCRIPTOR = 2,
	VEUICC_SAIP_FILE_OP_FILL_FILE_OFFSET = 3,
	VEUICC_SAIP_FILE_OP_FILL_FILE_CONTENT = 4,
} veuicc_saip_file_op;

/** One element of a File. */
typedef struct veuicc_saip_file_elem {
	veuicc_saip_file_op op;
	bool do_not_create;
	veuicc_saip_fcp *fcp;      /**< op == FILE_DESCRIPTOR */
	uint32_t fill_file_offset; /**< op == FILL_FILE_OFFSET */
	veuicc_saip_oct fill_file_content;
	veuicc_saip_oct ext;
} veuicc_saip_file_elem;

/** File ::= SEQUENCE OF CHOICE {...}: the operations on one file, in order. */
typedef VEUICC_SAIP_LIST(veuicc_saip_file_elem) veuicc_saip_file;

/** One File field of a file system PE. */
typedef struct veuicc_saip_fs_file {
	uint16_t field;   /**< index among the PE type's File fields (0 = first) */
	const char *name; /**< ASN.1 field name, e.g. "ef-imsi" (static) */
	veuicc_saip_file file;
} veuicc_saip_fs_file;

/** PE-MF, PE-USIM, ... PE-OPT-IoT: all file system (template) PEs. */
typedef struct veuicc_saip_pe_fs {
	veuicc_saip_pe_header header;
	veuicc_saip_oct template_id; /**< OID contents */
	veuicc_saip_fs_file *files;  /**< present File fields, in field order */
	size_t count;
	veuicc_saip_oct ext;
} veuicc_saip_pe_fs;

/* ---- genericFileManagement ----------------------------------------------- */

typedef enum veuicc_saip_fm_op {
	VEUICC_SAIP_FM_OP_UNKNOWN = 0,
	VEUICC_SAIP_FM_OP_FILE_PATH = 1,
	VEUICC_SAIP_FM_OP_CREATE_FCP = 2,
	VEUICC_SAIP_FM_OP_FILL_FILE_OFFSET = 3,
	VEUICC_SAIP_FM_OP_FILL_FILE_CONTENT = 4,
} veuicc_saip_fm_op;

/** One element of FileManagement. */
typedef struct veuicc_saip_fm_cmd {
	veuicc_saip_fm_op op;
	veuicc_saip_oct file_path;   /**< 0..8 bytes of FIDs; empty = MF */
	veuicc_saip_fcp *create_fcp; /**< [APPLICATION 2] */
	uint32_t fill_file_offset;
	veuicc_saip_oct fill_file_content;
	veuicc_saip_oct ext;
} veuicc_saip_fm_cmd;

typedef VEUICC_SAIP_LIST(veuicc_saip_fm_cmd) veuicc_saip_file_management;

typedef struct veuicc_saip_pe_gfm {
	veuicc_saip_pe_header header;
	VEUICC_SAIP_LIST(veuicc_saip_file_management) file_management_cmd;
	veuicc_saip_oct ext;
} veuicc_saip_pe_gfm;

/* ---- PIN / PUK ------------------------------------------------------------ */

/** PINKeyReferenceValue / PUKKeyReferenceValue (TS 102 221 §9.5.1 key references). */
enum {
	VEUICC_SAIP_PIN_APPL1 = 1,
	VEUICC_SAIP_PIN_ADM1 = 10,
	VEUICC_SAIP_PIN_ADM5 = 14,
	VEUICC_SAIP_PIN_SECOND_APPL1 = 129,
	VEUICC_SAIP_PIN_SECOND_APPL8 = 136,
	VEUICC_SAIP_PIN_ADM6 = 138,
	VEUICC_SAIP_PIN_ADM10 = 142,
	VEUICC_SAIP_PUK_APPL1 = 1,
	VEUICC_SAIP_PUK_SECOND_APPL1 = 129,
};

typedef struct veuicc_saip_pin_config {
	uint32_t key_reference;
	veuicc_saip_oct pin_value; /**< 8 bytes, FF padded */
	veuicc_saip_int unblocking_pin_reference;
	uint32_t pin_attributes;          /**< DEFAULT 7 */
	uint32_t max_attempts_retry_left; /**< maxNumOfAttemps-retryNumLeft, DEFAULT 51 */
	veuicc_saip_oct ext;
} veuicc_saip_pin_config;

typedef enum veuicc_saip_pin_codes_kind {
	VEUICC_SAIP_PIN_CODES_UNKNOWN = 0,
	VEUICC_SAIP_PIN_CODES_PINCONFIG = 1,
	VEUICC_SAIP_PIN_CODES_FILE_PATH = 2,
} veuicc_saip_pin_codes_kind;

typedef struct veuicc_saip_pin_codes {
	veuicc_saip_pin_codes_kind kind;
	VEUICC_SAIP_LIST(veuicc_saip_pin_config) pinconfig;
	veuicc_saip_oct file_path; /**< PINs shared with this DF/ADF */
	veuicc_saip_oct ext;
} veuicc_saip_pin_codes;

typedef struct veuicc_saip_pe_pin_codes {
	veuicc_saip_pe_header header;
	veuicc_saip_pin_codes pin_codes;
	veuicc_saip_oct ext;
} veuicc_saip_pe_pin_codes;

typedef struct veuicc_saip_puk_config {
	uint32_t key_reference;
	veuicc_saip_oct puk_value;        /**< 8 bytes */
	uint32_t max_attempts_retry_left; /**< DEFAULT 170 */
	veuicc_saip_oct ext;
} veuicc_saip_puk_config;

typedef struct veuicc_saip_pe_puk_codes {
	veuicc_saip_pe_header header;
	VEUICC_SAIP_LIST(veuicc_saip_puk_config) puk_codes;
	veuicc_saip_oct ext;
} veuicc_saip_pe_puk_codes;

/* ---- NAA parameters -------------------------------------------------------- */

/** AlgoParameter.algorithmID named numbers. */
enum {
	VEUICC_SAIP_ALGO_MILENAGE = 1,
	VEUICC_SAIP_ALGO_TUAK = 2,
	VEUICC_SAIP_ALGO_USIM_TEST = 3, /**< TS 34.108 §8.1.2 XOR test algorithm */
};

typedef struct veuicc_saip_mapping_parameter {
	veuicc_saip_oct mapping_options;
	veuicc_saip_oct mapping_source;
	veuicc_saip_oct ext;
} veuicc_saip_mapping_parameter;

typedef struct veuicc_saip_algo_parameter {
	uint32_t algorithm_id;
	veuicc_saip_oct algorithm_options;
	veuicc_saip_oct key;                /**< K (secret) */
	veuicc_saip_oct opc;                /**< OPc / TOPc (secret) */
	veuicc_saip_oct rotation_constants; /**< DEFAULT '4000204060' */
	veuicc_saip_oct xoring_constants;   /**< DEFAULT c1..c5 of TS 35.206 */
	veuicc_saip_oct auth_counter_max;
	uint32_t number_of_keccak; /**< DEFAULT 1 */
	veuicc_saip_oct ext;
} veuicc_saip_algo_parameter;

typedef enum veuicc_saip_algo_kind {
	VEUICC_SAIP_ALGO_CONF_UNKNOWN = 0,
	VEUICC_SAIP_ALGO_CONF_MAPPING = 1,
	VEUICC_SAIP_ALGO_CONF_ALGO = 2,
} veuicc_saip_algo_kind;

typedef struct veuicc_saip_algo_configuration {
	veuicc_saip_algo_kind kind;
	veuicc_saip_mapping_parameter *mapping_parameter;
	veuicc_saip_algo_parameter *algo_parameter;
	veuicc_saip_oct ext;
} veuicc_saip_algo_configuration;

typedef struct veuicc_saip_pe_aka {
	veuicc_saip_pe_header header;
	veuicc_saip_algo_configuration algo_configuration;
	veuicc_saip_oct sqn_options;   /**< DEFAULT '02' */
	veuicc_saip_oct sqn_delta;     /**< DEFAULT '000010000000' */
	veuicc_saip_oct sqn_age_limit; /**< DEFAULT '000010000000' */
	veuicc_saip_oct_list sqn_init; /**< 32 x 6 bytes, DEFAULT all zero */
	veuicc_saip_oct ext;
} veuicc_saip_pe_aka;

typedef struct veuicc_saip_pe_cdma {
	veuicc_saip_pe_header header;
	veuicc_saip_oct authentication_key; /**< A-Key, 8 bytes */
	veuicc_saip_oct ssd;
	veuicc_saip_oct hrpd_access_authentication_data;
	veuicc_saip_oct simple_ip_authentication_data;
	veuicc_saip_oct mobile_ip_authentication_data;
	veuicc_saip_oct ext;
} veuicc_saip_pe_cdma;

/* ---- security domains and applications ------------------------------------ */

typedef struct veuicc_saip_key_component {
	veuicc_saip_oct key_type; /**< GP key type, e.g. 88 = AES */
	veuicc_saip_oct key_data; /**< secret */
	uint32_t mac_length;      /**< DEFAULT 8 */
	veuicc_saip_oct ext;
} veuicc_saip_key_component;

/** KeyObject (GP Card Spec §11.1.8 key information). */
typedef struct veuicc_saip_key_object {
	veuicc_saip_oct key_usage_qualifier;
	veuicc_saip_oct key_access; /**< DEFAULT '00' */
	veuicc_saip_oct key_identifier;
	veuicc_saip_oct key_version_number;
	veuicc_saip_oct key_counter_value;
	VEUICC_SAIP_LIST(veuicc_saip_key_component) key_components;
	veuicc_saip_oct ext;
} veuicc_saip_key_object;

typedef struct veuicc_saip_ts102226_cl_params {
	veuicc_saip_oct protocol_parameter_data;
	veuicc_saip_oct ext;
} veuicc_saip_ts102226_cl_params;

typedef struct veuicc_saip_app_system_params {
	veuicc_saip_oct volatile_memory_quota_c7;
	veuicc_saip_oct non_volatile_memory_quota_c8;
	veuicc_saip_oct global_service_parameters;
	veuicc_saip_oct implicit_selection_parameter;
	veuicc_saip_oct volatile_reserved_memory;
	veuicc_saip_oct non_volatile_reserved_memory;
	veuicc_saip_oct ts102226_sim_file_access_toolkit_parameter;
	veuicc_saip_ts102226_cl_params *ts102226_additional_contactless_parameters;
	veuicc_saip_oct contactless_protocol_parameters;
	veuicc_saip_oct user_interaction_contactless_parameters;
	veuicc_saip_oct cumulative_granted_volatile_memory;
	veuicc_saip_oct cumulative_granted_non_volatile_memory;
	veuicc_saip_oct ext;
} veuicc_saip_app_system_params;

typedef struct veuicc_saip_uicc_app_params {
	veuicc_saip_oct uicc_toolkit_params; /**< uiccToolkitApplicationSpecificParametersField */
	veuicc_saip_oct uicc_access_params;  /**< uiccAccessApplicationSpecificParametersField */
	veuicc_saip_oct uicc_admin_access_params; /**< uiccAdministrativeAccess...Field */
	veuicc_saip_oct ext;
} veuicc_saip_uicc_app_params;

typedef struct veuicc_saip_crt {
	veuicc_saip_oct application_provider_identifier;
	veuicc_saip_oct ext;
} veuicc_saip_crt;

/** ApplicationInstance (GP INSTALL [for install] parameters). */
typedef struct veuicc_saip_app_instance {
	veuicc_saip_oct application_load_package_aid;
	veuicc_saip_oct class_aid;
	veuicc_saip_oct instance_aid;
	veuicc_saip_oct extradite_security_domain_aid;
	veuicc_saip_oct application_privileges;
	veuicc_saip_oct life_cycle_state; /**< DEFAULT '07' */
	veuicc_saip_oct application_specific_parameters_c9;
	veuicc_saip_app_system_params *system_specific_parameters;
	veuicc_saip_uicc_app_params *application_parameters;
	veuicc_saip_oct_list process_data;
	veuicc_saip_crt *control_reference_template;
	veuicc_saip_oct ext;
} veuicc_saip_app_instance;

typedef struct veuicc_saip_open_perso_data {
	veuicc_saip_oct restrict_parameter;
	veuicc_saip_oct contactless_protocol_parameters;
	veuicc_saip_oct ext;
} veuicc_saip_open_perso_data;

typedef struct veuicc_saip_cat_tp_parameters {
	uint32_t cat_tp_max_sdu_size;
	uint32_t cat_tp_max_pdu_size;
	veuicc_saip_oct ext;
} veuicc_saip_cat_tp_parameters;

typedef struct veuicc_saip_pe_sd {
	veuicc_saip_pe_header header;
	veuicc_saip_app_instance instance;
	VEUICC_SAIP_LIST(veuicc_saip_key_object) key_list;
	veuicc_saip_oct_list sd_perso_data; /**< STORE DATA contents */
	veuicc_saip_open_perso_data *open_perso_data;
	veuicc_saip_cat_tp_parameters *cat_tp_parameters;
	veuicc_saip_oct ext;
} veuicc_saip_pe_sd;

typedef struct veuicc_saip_load_package {
	veuicc_saip_oct load_package_aid;
	veuicc_saip_oct security_domain_aid;
	veuicc_saip_oct non_volatile_code_limit_c6;
	veuicc_saip_oct volatile_data_limit_c7;
	veuicc_saip_oct non_volatile_data_limit_c8;
	veuicc_saip_oct hash_value;
	veuicc_saip_oct load_block_object;
	veuicc_saip_oct ext;
} veuicc_saip_load_package;

typedef struct veuicc_saip_pe_application {
	veuicc_saip_pe_header header;
	veuicc_saip_load_package *load_block;
	VEUICC_SAIP_LIST(veuicc_saip_app_instance) instance_list;
	veuicc_saip_oct ext;
} veuicc_saip_pe_application;

/* ---- RFM, nonStandard, end ------------------------------------------------- */

typedef struct veuicc_saip_adf_rfm_access {
	veuicc_saip_oct adf_aid;
	veuicc_saip_oct adf_access_domain;
	veuicc_saip_oct adf_admin_access_domain;
	veuicc_saip_oct ext;
} veuicc_saip_adf_rfm_access;

/** PE-RFM: one RFM application instance (TS 102 226 §5.2). */
typedef struct veuicc_saip_pe_rfm {
	veuicc_saip_pe_header header;
	veuicc_saip_oct instance_aid;
	veuicc_saip_oct security_domain_aid;
	veuicc_saip_oct_list tar_list; /**< 3-byte TARs */
	veuicc_saip_oct minimum_security_level;
	veuicc_saip_oct uicc_access_domain;
	veuicc_saip_oct uicc_admin_access_domain;
	veuicc_saip_adf_rfm_access *adf_rfm_access;
	veuicc_saip_oct ext;
} veuicc_saip_pe_rfm;

typedef struct veuicc_saip_pe_non_standard {
	veuicc_saip_pe_header header;
	veuicc_saip_oct issuer_id; /**< OID contents */
	veuicc_saip_oct content;
	veuicc_saip_oct ext;
} veuicc_saip_pe_non_standard;

typedef struct veuicc_saip_pe_end {
	veuicc_saip_pe_header header;
	veuicc_saip_oct ext;
} veuicc_saip_pe_end;

/** PE-Dummy (rfu1..rfu5): an empty SEQUENCE. */
typedef struct veuicc_saip_pe_dummy {
	veuicc_saip_oct ext;
} veuicc_saip_pe_dummy;

/* ---- the package ------------------------------------------------------------ */

/** ProfileElement CHOICE alternatives; the value is the context tag number. */
typedef enum veuicc_saip_pe_type {
	VEUICC_SAIP_PE_HEADER = 0,
	VEUICC_SAIP_PE_GFM = 1, /**< genericFileManagement */
	VEUICC_SAIP_PE_PIN_CODES = 2,
	VEUICC_SAIP_PE_PUK_CODES = 3,
	VEUICC_SAIP_PE_AKA = 4,
	VEUICC_SAIP_PE_CDMA = 5,
	VEUICC_SAIP_PE_SECURITY_DOMAIN = 6,
	VEUICC_SAIP_PE_RFM = 7,
	VEUICC_SAIP_PE_APPLICATION = 8,
	VEUICC_SAIP_PE_NON_STANDARD = 9,
	VEUICC_SAIP_PE_END = 10,
	VEUICC_SAIP_PE_RFU1 = 11, /**< rfu1..rfu5: PE-Dummy */
	VEUICC_SAIP_PE_RFU5 = 15,
	VEUICC_SAIP_PE_MF = 16,
	VEUICC_SAIP_PE_CD = 17,
	VEUICC_SAIP_PE_TELECOM = 18,
	VEUICC_SAIP_PE_USIM = 19,
	VEUICC_SAIP_PE_OPT_USIM = 20,
	VEUICC_SAIP_PE_ISIM = 21,
	VEUICC_SAIP_PE_OPT_ISIM = 22,
	VEUICC_SAIP_PE_PHONEBOOK = 23,
	VEUICC_SAIP_PE_GSM_ACCESS = 24,
	VEUICC_SAIP_PE_CSIM = 25,
	VEUICC_SAIP_PE_OPT_CSIM = 26,
	VEUICC_SAIP_PE_EAP = 27,
	VEUICC_SAIP_PE_DF_5GS = 28,
	VEUICC_SAIP_PE_DF_SAIP = 29,
	VEUICC_SAIP_PE_DF_SNPN = 30,
	VEUICC_SAIP_PE_DF_5GPROSE = 31,
	VEUICC_SAIP_PE_IOT = 32,
	VEUICC_SAIP_PE_OPT_IOT = 33,
	VEUICC_SAIP_PE_TYPE_COUNT = 34,
	VEUICC_SAIP_PE_UNKNOWN = 255, /**< an extension alternative: only `raw` is set */
} veuicc_saip_pe_type;

/** One ProfileElement. */
typedef struct veuicc_saip_pe {
	veuicc_saip_pe_type type;
	size_t offset; /**< offset of its first tag byte in the decoded package */
	union {
		void *any;
		veuicc_saip_header *header;
		veuicc_saip_pe_fs *fs; /**< every file system type, MF..OPT_IOT */
		veuicc_saip_pe_gfm *gfm;
		veuicc_saip_pe_pin_codes *pin_codes;
		veuicc_saip_pe_puk_codes *puk_codes;
		veuicc_saip_pe_aka *aka;
		veuicc_saip_pe_cdma *cdma;
		veuicc_saip_pe_sd *sd;
		veuicc_saip_pe_rfm *rfm;
		veuicc_saip_pe_application *application;
		veuicc_saip_pe_non_standard *non_standard;
		veuicc_saip_pe_end *end;
		veuicc_saip_pe_dummy *rfu;
	} u;
	veuicc_saip_oct raw; /**< the whole TLV; always set for UNKNOWN PEs */
} veuicc_saip_pe;

struct veuicc_saip_arena;

/** A decoded profile package. Create with veuicc_saip_decode(), free with veuicc_saip_free(). */
typedef struct veuicc_saip_profile {
	veuicc_saip_pe *pes;
	size_t count;
	struct veuicc_saip_arena *arena; /**< owns every byte the model points to */
} veuicc_saip_profile;

/** Where and why decoding or building failed. */
typedef struct veuicc_saip_error {
	int err;                   /**< veuicc_err */
	veuicc_saip_status status; /**< what the card would report */
	size_t offset;             /**< byte offset in the package */
	long pe_index;             /**< index of the PE, -1 if none */
	long identification;       /**< PEHeader.identification, -1 if unknown */
	char msg[200];             /**< one line of English */
} veuicc_saip_error;

/** True for the file system PE types (MF .. OPT_IOT). */
bool veuicc_saip_pe_type_is_fs(veuicc_saip_pe_type t);

/** ASN.1 alternative name of \p t ("genericFileManagement", "opt-usim"), "unknown" otherwise. */
const char *veuicc_saip_pe_type_name(veuicc_saip_pe_type t);

/** The PEHeader of \p pe, or NULL (ProfileHeader, rfu, unknown PEs). */
const veuicc_saip_pe_header *veuicc_saip_pe_get_header(const veuicc_saip_pe *pe);

/** Number of File fields of a file system PE type, 0 for others. */
size_t veuicc_saip_fs_field_count(veuicc_saip_pe_type t);
/** ASN.1 name of File field \p field of file system PE type \p t, or NULL. */
const char *veuicc_saip_fs_field_name(veuicc_saip_pe_type t, size_t field);

/**
 * Decode a profile package (strict DER, X.690 §10). The input is copied, so
 * the caller may free it at once. Packages above 4 MiB are refused.
 * \param[in]  der  the package
 * \param[out] out  the profile, NULL on error
 * \param[out] err  error details, or NULL
 * \returns VEUICC_OK, VEUICC_ERR_MALFORMED (not DER or not PEDefinitions;
 *          err says where), VEUICC_ERR_NO_MEMORY, VEUICC_ERR_INVALID_ARG
 */
int veuicc_saip_decode(const uint8_t *der, size_t len, veuicc_saip_profile **out,
                       veuicc_saip_error *err);

/** Free \p p and zeroise its memory. NULL is ignored. */
void veuicc_saip_free(veuicc_saip_profile *p);

/** An empty profile for building (JSON import). */
int veuicc_saip_profile_new(veuicc_saip_profile **out);

/** Zeroed memory owned by \p p (released by veuicc_saip_free()), or NULL. */
void *veuicc_saip_alloc(veuicc_saip_profile *p, size_t size);

/** Set \p dst to a copy of \p len bytes owned by \p p (present). \returns VEUICC_OK or
 *  VEUICC_ERR_NO_MEMORY (dst unchanged). */
int veuicc_saip_set_bytes(veuicc_saip_profile *p, veuicc_saip_oct *dst, const uint8_t *data,
                          size_t len);

/**
 * Encode the profile to DER.
 * \param[out] out      malloc()ed bytes; the caller frees (and zeroises) them
 * \param[out] out_len  their number
 * \returns VEUICC_OK, VEUICC_ERR_INVALID_ARG (a mandatory field is missing,
 *          a value breaks its ASN.1 constraint), VEUICC_ERR_NO_MEMORY
 */
int veuicc_saip_encode(const veuicc_saip_profile *p, uint8_t **out, size_t *out_len);

/* ---- validation ------------------------------------------------------------ */

/** One finding of veuicc_saip_validate(). */
typedef struct veuicc_saip_issue {
	veuicc_saip_status status; /**< SAIP status code the card would report */
	bool warning;              /**< true: reported, does not fail the profile */
	long pe_index;             /**< -1: the package as a whole */
	long identification;       /**< -1 if the PE has none */
	veuicc_saip_pe_type pe_type;
	size_t offset; /**< offset of the PE in the package */
	char msg[200];
} veuicc_saip_issue;

#define VEUICC_SAIP_MAX_ISSUES 64

/** The result of veuicc_saip_validate(). */
typedef struct veuicc_saip_report {
	veuicc_saip_issue issues[VEUICC_SAIP_MAX_ISSUES];
	size_t count;    /**< issues stored */
	size_t errors;   /**< errors found (may exceed what is stored) */
	size_t warnings; /**< warnings found */
} veuicc_saip_report;

/** Validation options. */
typedef struct veuicc_saip_validate_opts {
	/** Services the eUICC supports (1u << VEUICC_SAIP_SVC_*); a mandatory
	 *  service outside this set is feature-not-supported. 0: no check. */
	uint32_t supported_services;
} veuicc_saip_validate_opts;

/**
 * Check a decoded profile against the SAIP rules: header first and end last,
 * PE order and dependencies, mandatory services vs the PEs and files used,
 * unique identification numbers, template OIDs, PIN/PUK references, AKA
 * parameters, key sets and RFM parameters.
 * \param[in]  opts  options, or NULL
 * \param[out] rep   findings
 * \returns VEUICC_OK if no error was found, VEUICC_ERR_MALFORMED otherwise
 */
int veuicc_saip_validate(const veuicc_saip_profile *p, const veuicc_saip_validate_opts *opts,
                         veuicc_saip_report *rep);

/* ---- personalisation --------------------------------------------------------- */

/**
 * Set the ICCID (18..20 decimal digits, Luhn check digit included) in the
 * ProfileHeader and in EF.ICCID of the MF PE (TS 102 221 §13.2: BCD, nibbles
 * swapped), F padded to 10 bytes.
 * \returns VEUICC_OK, VEUICC_ERR_INVALID_ARG (bad digits or check digit),
 *          VEUICC_ERR_NOT_FOUND (no header or no EF.ICCID content)
 */
int veuicc_saip_set_iccid(veuicc_saip_profile *p, const char *iccid);

/**
 * Set the IMSI (6..15 digits) in EF.IMSI of every USIM PE (TS 31.102 §4.2.2).
 * \returns VEUICC_OK, VEUICC_ERR_INVALID_ARG, VEUICC_ERR_NOT_FOUND
 */
int veuicc_saip_set_imsi(veuicc_saip_profile *p, const char *imsi);

/**
 * Set K and/or OPc (NULL: unchanged) in every akaParameter PE with an
 * algoParameter. Lengths must fit the algorithm (16 bytes; TUAK: K 16 or 32,
 * TOPc 32).
 * \returns VEUICC_OK, VEUICC_ERR_INVALID_ARG, VEUICC_ERR_NOT_FOUND
 */
int veuicc_saip_set_aka_keys(veuicc_saip_profile *p, const uint8_t *k, size_t k_len,
                             const uint8_t *opc, size_t opc_len);

/** An edit of AlgoParameter (SAIP PE-AKAParameter); zero / NULL fields are kept. */
typedef struct veuicc_saip_aka_edit {
	uint32_t algorithm_id;     /**< VEUICC_SAIP_ALGO_* (SAIP algorithmID), 0: keep */
	const uint8_t *k;          /**< K, NULL: keep */
	size_t k_len;              /**< 16 (TUAK: 16 or 32) */
	const uint8_t *opc;        /**< OPc (Milenage) or TOPc (TUAK), NULL: keep */
	size_t opc_len;            /**< 16 (TUAK: 32) */
	uint32_t number_of_keccak; /**< TUAK numberOfKeccak 1..255 (TS 35.231 §7.2), 0: keep */
} veuicc_saip_aka_edit;

/**
 * Apply \p e to every akaParameter PE with an algoParameter. The result is
 * checked for every PE before anything changes: K/OPc lengths must fit the
 * resulting algorithm (Milenage K 16, OPc 16; TUAK K 16 or 32, TOPc 32;
 * usim-test-algorithm K 16, OPc ignored) and numberOfKeccak may only be set
 * on TUAK. algorithmOptions (TUAK output lengths) is left as it is.
 * \returns VEUICC_OK, VEUICC_ERR_INVALID_ARG (nothing changed),
 *          VEUICC_ERR_NOT_FOUND (no algoParameter), VEUICC_ERR_NO_MEMORY
 */
int veuicc_saip_set_aka(veuicc_saip_profile *p, const veuicc_saip_aka_edit *e);

/** Read the header ICCID as digits (F padding dropped) into \p out (21 bytes). */
int veuicc_saip_get_iccid(const veuicc_saip_profile *p, char out[21]);

/** The TS.48 V7.0 SAIP 2.3 BER-TLV SUCI test profile built into the library. */
const uint8_t *veuicc_saip_default_profile(size_t *len);

/* ---- JSON ------------------------------------------------------------------- */

/**
 * The profile as JSON text (malloc()ed, NUL-terminated; the caller frees it):
 * an array with one single-key object per PE, {"<alternative>": {...}}, field
 * names from the ASN.1, octet strings as hex, OIDs dotted, NULL as null,
 * named INTEGERs by name. DEFAULT values are left out, unknown extensions
 * appear as "_extensions" (hex of their DER).
 */
int veuicc_saip_to_json(const veuicc_saip_profile *p, char **out);

/**
 * Build a profile from the JSON of veuicc_saip_to_json().
 * \returns VEUICC_OK, VEUICC_ERR_MALFORMED (err->msg names the JSON path),
 *          VEUICC_ERR_NO_MEMORY
 */
int veuicc_saip_from_json(const char *json, size_t len, veuicc_saip_profile **out,
                          veuicc_saip_error *err);

#endif /* VEUICC_SAIP_H */
