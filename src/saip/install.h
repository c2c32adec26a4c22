/* SPDX-License-Identifier: Apache-2.0 */
/**
 * \file install.h
 * \brief The SAIP installer: turns a decoded profile package
 *        (veuicc_saip_profile) into a profile's file system with its PINs,
 *        PUKs and AKA credentials (veuicc_fs), plus the security domain,
 *        RFM and application parameters kept for the GP and OTA layers.
 *
 * The PEs are processed in package order, as a card processes the
 * ProfileElements it receives: template PEs (mf .. opt-iot) create
 * their files from the template named by templateID (saip/templates.h) with
 * the PE's fileDescriptor overrides and fill operations;
 * genericFileManagement creates and fills files by path; pinCodes, pukCodes
 * and akaParameter go into the file system's PIN table and AKA slots;
 * securityDomain, rfm and application are recorded in a
 * veuicc_saip_gp_info. docs/saip-install.md gives the rules in detail.
 *
 * All or nothing: the package is validated first (veuicc_saip_validate())
 * and built into a new veuicc_fs; on any failure that file system is freed
 * and nothing is returned.
 */
#ifndef VEUICC_SAIP_INSTALL_H
#define VEUICC_SAIP_INSTALL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "saip/saip.h"
#include "uicc/fs.h"

/* ---- what is kept for GlobalPlatform and OTA ------------------------------ */

/** Longest AID (ISO 7816-4: 16 bytes). */
#define VEUICC_SAIP_AID_MAX 16
/** Key objects kept per security domain. */
#define VEUICC_SAIP_SD_KEYS_MAX 16
/** Key components kept per key object. */
#define VEUICC_SAIP_KEY_COMPONENTS_MAX 2
/** Longest key component (AES-256). */
#define VEUICC_SAIP_KEY_MAX 32
/** Security domains, RFM instances and applications kept. */
#define VEUICC_SAIP_SD_MAX   8
#define VEUICC_SAIP_RFM_MAX  8
#define VEUICC_SAIP_APP_MAX  16
#define VEUICC_SAIP_TARS_MAX 8
/** Longest C9 install parameters kept. */
#define VEUICC_SAIP_C9_MAX 128
/** Longest access domain / security level value kept. */
#define VEUICC_SAIP_AD_MAX 16

/** An AID. */
typedef struct veuicc_saip_aid {
	uint8_t len; /**< 0: absent */
	uint8_t b[VEUICC_SAIP_AID_MAX];
} veuicc_saip_aid;

/** One key component (GP Card Spec §11.1.8). Secret. */
typedef struct veuicc_saip_gp_key_component {
	uint8_t type; /**< GP key type, e.g. 88 AES, 80 DES */
	uint8_t len;
	uint8_t data[VEUICC_SAIP_KEY_MAX];
	uint32_t mac_length;
} veuicc_saip_gp_key_component;

/** One key of a security domain's key list (SAIP KeyObject). */
typedef struct veuicc_saip_gp_key {
	uint8_t usage;   /**< keyUsageQualifier (first byte) */
	uint8_t access;  /**< keyAccess */
	uint8_t id;      /**< keyIdentifier */
	uint8_t version; /**< keyVersionNumber */
	uint8_t counter[5];
	uint8_t counter_len; /**< keyCounterValue length, 0: absent */
	size_t ncomp;
	veuicc_saip_gp_key_component comp[VEUICC_SAIP_KEY_COMPONENTS_MAX];
} veuicc_saip_gp_key;

/** A security domain (SAIP PE-SecurityDomain). */
typedef struct veuicc_saip_gp_sd {
	veuicc_saip_aid instance_aid;
	veuicc_saip_aid class_aid;
	veuicc_saip_aid load_package_aid;
	uint8_t privileges[3];
	uint8_t privileges_len;
	uint8_t life_cycle_state;
	size_t nkeys;
	veuicc_saip_gp_key keys[VEUICC_SAIP_SD_KEYS_MAX];
	uint8_t c9[VEUICC_SAIP_C9_MAX]; /**< applicationSpecificParametersC9 (install parameters) */
	uint8_t c9_len;
	uint8_t toolkit[VEUICC_SAIP_C9_MAX]; /**< uiccToolkitApplicationSpecificParametersField
	                                          (TS 102 226 §8.2.1.3.2.1: MSL, TARs) */
	uint8_t toolkit_len;
	size_t nperso; /**< sdPersoData entries (STORE DATA); not kept here */
} veuicc_saip_gp_sd;

/** An RFM instance (SAIP PE-RFM, TS 102 226 §5.2). */
typedef struct veuicc_saip_gp_rfm {
	veuicc_saip_aid instance_aid;
	veuicc_saip_aid sd_aid;
	size_t ntars;
	uint8_t tars[VEUICC_SAIP_TARS_MAX][3];
	uint8_t msl[VEUICC_SAIP_AD_MAX]; /**< minimumSecurityLevel */
	uint8_t msl_len;
	uint8_t uicc_ad[VEUICC_SAIP_AD_MAX]; /**< uiccAccessDomain */
	uint8_t uicc_ad_len;
	uint8_t uicc_admin_ad[VEUICC_SAIP_AD_MAX]; /**< uiccAdminAccessDomain */
	uint8_t uicc_admin_ad_len;
	bool has_adf;
	veuicc_saip_aid adf_aid;
	uint8_t adf_ad[VEUICC_SAIP_AD_MAX];
	uint8_t adf_ad_len;
	uint8_t adf_admin_ad[VEUICC_SAIP_AD_MAX];
	uint8_t adf_admin_ad_len;
} veuicc_saip_gp_rfm;

/** An application instance of a PE-Application. */
typedef struct veuicc_saip_gp_app {
	veuicc_saip_aid load_package_aid;
	veuicc_saip_aid class_aid;
	veuicc_saip_aid instance_aid;
	uint8_t life_cycle_state;
	uint8_t privileges[3]; /**< applicationPrivileges (GET STATUS on the MNO-SD) */
	uint8_t privileges_len;
	bool has_load_block;            /**< the PE carried a load file (not executed here) */
	uint8_t c9[VEUICC_SAIP_C9_MAX]; /**< applicationSpecificParametersC9 (applet runtime) */
	uint8_t c9_len;
	uint8_t toolkit[VEUICC_SAIP_C9_MAX]; /**< uiccToolkitApplicationSpecificParametersField */
	uint8_t toolkit_len;
	uint8_t access[VEUICC_SAIP_C9_MAX]; /**< uiccAccessApplicationSpecificParametersField */
	uint8_t access_len;
} veuicc_saip_gp_app;

/** What the GP and OTA layers get from a package. Zeroise with
 *  veuicc_saip_gp_info_clear() (key material). */
typedef struct veuicc_saip_gp_info {
	size_t nsd;
	veuicc_saip_gp_sd sd[VEUICC_SAIP_SD_MAX];
	size_t nrfm;
	veuicc_saip_gp_rfm rfm[VEUICC_SAIP_RFM_MAX];
	size_t napp;
	veuicc_saip_gp_app app[VEUICC_SAIP_APP_MAX];
	/** Set by the caller before veuicc_saip_install(): non-zero when the
	 *  card provides the native package of a load file AID (applet
	 *  runtime, docs/applets.md); NULL: no load file can be executed. */
	int (*pkg_known)(void *ctx, const uint8_t *aid, size_t len);
	void *pkg_ctx;
} veuicc_saip_gp_info;

/** Zeroise \p gi. NULL is ignored. */
void veuicc_saip_gp_info_clear(veuicc_saip_gp_info *gi);

/* ---- the installation result ------------------------------------------------ */

/** Results kept per package; later PEs are counted but not stored. */
#define VEUICC_SAIP_INSTALL_MAX_PES 128
/** Warnings kept (things installed in a simplified way). */
#define VEUICC_SAIP_INSTALL_MAX_WARNINGS 16

/** The result of one PE (the PEStatus of SAIP's EUICCResponse). */
typedef struct veuicc_saip_pe_result {
	veuicc_saip_pe_type type;
	long identification;       /**< PEHeader.identification, -1 if none */
	veuicc_saip_status status; /**< ok, or why this PE failed */
} veuicc_saip_pe_result;

/** The result of veuicc_saip_install(). */
typedef struct veuicc_saip_install_result {
	veuicc_saip_status status;   /**< ok, or the status of the failing PE */
	long pe_index;               /**< failing PE, -1: none or the whole package */
	long identification;         /**< its PEHeader.identification, -1 if none */
	veuicc_saip_pe_type pe_type; /**< its type */
	char msg[200];               /**< one line of English on failure */
	size_t count;                /**< PEs processed (ok ones and the failing one) */
	veuicc_saip_pe_result pe[VEUICC_SAIP_INSTALL_MAX_PES];
	size_t files_created; /**< MF, DFs, ADFs and EFs */
	size_t nwarnings;     /**< may exceed what is stored */
	char warnings[VEUICC_SAIP_INSTALL_MAX_WARNINGS][120];
} veuicc_saip_install_result;

/**
 * Install \p p: validate it, then build its file system with PINs, PUKs and
 * AKA credentials into a new veuicc_fs.
 * \param[out] out_fs  the new file system (free with veuicc_fs_free()); NULL on error
 * \param[out] gp      security domains, RFM and applications, or NULL if not
 *                     wanted; cleared on error
 * \param[out] res     per-PE results and the failure, or NULL
 * \returns VEUICC_OK; VEUICC_ERR_MALFORMED (validation or installation
 *          failed: res says which PE and why), VEUICC_ERR_UNSUPPORTED (a
 *          PE or feature this installer does not support; res names it),
 *          VEUICC_ERR_NO_MEMORY, VEUICC_ERR_INVALID_ARG
 */
int veuicc_saip_install(const veuicc_saip_profile *p, veuicc_fs **out_fs, veuicc_saip_gp_info *gp,
                        veuicc_saip_install_result *res);

/**
 * Decode (veuicc_saip_decode()) and install a DER package in one step.
 * The decoded profile is freed before returning (\p gp holds copies only).
 */
int veuicc_saip_install_der(const uint8_t *der, size_t len, veuicc_fs **out_fs,
                            veuicc_saip_gp_info *gp, veuicc_saip_install_result *res);

#endif /* VEUICC_SAIP_INSTALL_H */
