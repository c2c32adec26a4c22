/* SPDX-License-Identifier: Apache-2.0 */
/**
 * \file ifd_veuicc.h
 * \brief What clients of the veuicc PC/SC reader may rely on: control codes.
 *
 * The codes are sent with SCardControl() on a connection opened with
 * SCARD_SHARE_DIRECT (no card needed). They follow pcsc-lite's
 * SCARD_CTL_CODE(code) = 0x42000000 + code convention (PCSC/reader.h);
 * the numbers 3700..3703 are veuicc's own, outside the PC/SC part 10 range.
 */
#ifndef VEUICC_PCSC_IFD_VEUICC_H
#define VEUICC_PCSC_IFD_VEUICC_H

/** pcsc-lite's SCARD_CTL_CODE() base. */
#define VEUICC_IFD_CTL_BASE 0x42000000u

/** Take the card out of the reader (powers it off; its state is kept). */
#define VEUICC_IFD_CTL_REMOVE (VEUICC_IFD_CTL_BASE + 3700u)
/** Put the card back. pcscd powers it up and reports the insertion. */
#define VEUICC_IFD_CTL_INSERT (VEUICC_IFD_CTL_BASE + 3701u)
/**
 * Report the slot: VEUICC_IFD_STATUS_LEN bytes, byte 0 present (0/1),
 * byte 1 powered (0/1), byte 2 protocol (0 T=0, 1 T=1), then the EID as 32
 * ASCII digits.
 */
#define VEUICC_IFD_CTL_STATUS (VEUICC_IFD_CTL_BASE + 3702u)
/** Length of the VEUICC_IFD_CTL_STATUS answer. */
#define VEUICC_IFD_STATUS_LEN (3 + 32)
/**
 * Report the slot's event counters since the driver loaded:
 * VEUICC_IFD_COUNTERS_LEN bytes, the removals then the power-ups (cold or
 * warm resets, whoever asked), each a 32-bit big-endian count. A client
 * that reads them before and after a run of APDUs learns whether the card
 * was cycled under it, even when pcscd's own checks missed it (decision
 * MC7). Works on a shared connection as well as a direct one.
 */
#define VEUICC_IFD_CTL_COUNTERS (VEUICC_IFD_CTL_BASE + 3703u)
/** Length of the VEUICC_IFD_CTL_COUNTERS answer. */
#define VEUICC_IFD_COUNTERS_LEN 8

/** PC/SC part 10 CM_IOCTL_GET_FEATURE_REQUEST: veuicc answers "no features". */
#define VEUICC_IFD_CTL_GET_FEATURES (VEUICC_IFD_CTL_BASE + 3400u)

/** How many readers one loaded driver serves (pcsc-lite allows 16). */
#define VEUICC_IFD_MAX_READERS 16

/** Environment variable: directory in which every reader writes
 *  veuicc-<name>.pcap (a DEVICENAME trace= wins). */
#define VEUICC_IFD_ENV_TRACE_DIR "VEUICC_PCSC_TRACE_DIR"
/** Environment variable: "1" logs every APDU to stderr. */
#define VEUICC_IFD_ENV_DEBUG "VEUICC_PCSC_DEBUG"

#endif /* VEUICC_PCSC_IFD_VEUICC_H */
