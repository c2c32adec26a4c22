/* SPDX-License-Identifier: Apache-2.0 */
/**
 * \file factory.h
 * \brief The factory configuration (docs/factory.md): one JSON file that
 *        personalises a card as an EUM would: EID, ISD-R key sets and TAR,
 *        ECASD key pair and certificate, trusted CI keys and pre-installed
 *        profiles.
 */
#ifndef VEUICC_CORE_FACTORY_H
#define VEUICC_CORE_FACTORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "veuicc/veuicc.h"

/** Most CI public keys a card trusts. */
#define VEUICC_FACTORY_CI_MAX 4
/** Most ISD-R key sets. */
#define VEUICC_FACTORY_KEYSETS_MAX 8

/** One trusted CI public key (SGP.02 §2.2.1.3: held by the ECASD). */
typedef struct veuicc_factory_ci {
	uint8_t key[133]; /**< uncompressed EC point (04 X Y) */
	size_t key_len;
	char curve[16]; /**< "P-256", "brainpoolP256r1" */
} veuicc_factory_ci;

/** The identity part of a factory configuration, kept by the card. */
typedef struct veuicc_factory {
	char eid[33];
	veuicc_keyset keysets[VEUICC_FACTORY_KEYSETS_MAX];
	size_t nkeysets;
	uint8_t tar[3]; /**< ISD-R TAR (TS 102 225 §5.1.2) */
	bool has_tar;
	uint8_t ecasd_priv[66]; /**< ECASD ECKA private key, big-endian scalar */
	size_t ecasd_priv_len;
	uint8_t ecasd_pub[133]; /**< its public key, uncompressed point */
	size_t ecasd_pub_len;
	uint8_t *ecasd_cert; /**< CERT.ECASD.ECKA, GP 7F21 TLV (SGP.02 §2.3.2) */
	size_t ecasd_cert_len;
	char ecasd_curve[16];
	uint8_t *eum_cert; /**< CERT.EUM.ECDSA that signed ecasd_cert, or NULL */
	size_t eum_cert_len;
	veuicc_factory_ci ci[VEUICC_FACTORY_CI_MAX];
	size_t nci;
	veuicc_quirks quirks; /**< $.quirks (docs/quirks.md), kept in the record */
	char *record;         /**< the identity as canonical JSON: the card-file record */
	size_t record_len;
} veuicc_factory;

/** A pre-installed profile of a factory configuration. */
typedef struct veuicc_factory_profile {
	uint8_t *der;
	size_t der_len;
	bool enabled;
	bool fallback;
	bool emergency;
	bool test;             /**< SGP.02 v4 Test Profile (docs/factory.md) */
	veuicc_keyset keys[4]; /**< SCP03 key sets of its ISD-P (secrets) */
	size_t nkeys;
	char path[512];
} veuicc_factory_profile;

/** A parsed factory configuration. */
typedef struct veuicc_factory_config {
	veuicc_factory *id;
	veuicc_factory_profile *profiles;
	size_t nprofiles;
} veuicc_factory_config;

/**
 * Parse a factory configuration file. Profile paths are relative to the
 * file's directory. On error \p err gets "FILE: $.json.path: reason".
 * \returns VEUICC_OK, VEUICC_ERR_IO (cannot read a file), VEUICC_ERR_MALFORMED
 *          (bad JSON or a bad value), VEUICC_ERR_NO_MEMORY
 */
int veuicc_factory_load(const char *path, veuicc_factory_config *out, char *err, size_t err_len);

/** Parse the identity record kept in a card file. */
int veuicc_factory_from_record(const char *json, size_t len, veuicc_factory **out);

/**
 * Give the ECASD of \p card the identity's key pair, certificates and CI
 * keys (euicc/ecasd.h; it checks them again). Nothing to do without an
 * "ecasd" section. \returns VEUICC_OK or the ECASD's error
 */
int veuicc_factory_set_ecasd(veuicc_card *card, const veuicc_factory *f);

/** Free (and zeroise) an identity. NULL is ignored. */
void veuicc_factory_free(veuicc_factory *f);

/** Free a parsed configuration (its identity too, unless moved out). */
void veuicc_factory_config_free(veuicc_factory_config *c);

/**
 * Personalise the new card \p card from \p c: install the profiles with
 * their states and attributes and keep the identity (moved into the card).
 * \returns VEUICC_OK or the error of the failing step (msg says which)
 */
int veuicc_factory_apply(veuicc_card *card, veuicc_factory_config *c, char *msg, size_t msg_len);

#endif /* VEUICC_CORE_FACTORY_H */
