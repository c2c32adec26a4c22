/* SPDX-License-Identifier: Apache-2.0 */
/**
 * \file trace.h
 * \brief APDU traces as pcap files with GSMTAP SIM headers.
 *
 * Each exchange becomes one packet: a raw IPv4 header (pcap link type
 * LINKTYPE_RAW), a UDP header to port 4729 (IANA "gsmtap"), a GSMTAP v2
 * header of type SIM (0x04), then the C-APDU bytes followed by the R-APDU
 * bytes (data and SW1 SW2), the layout SIMtrace uses, which Wireshark's
 * gsm_sim dissector decodes. Every packet is flushed at once, so a trace can
 * be read while the reader runs.
 */
#ifndef VEUICC_PCSC_TRACE_H
#define VEUICC_PCSC_TRACE_H

#include <stddef.h>
#include <stdint.h>

/** An open trace file. */
typedef struct veuicc_pcsc_trace veuicc_pcsc_trace;

/**
 * Create (truncate) \p path and write the pcap file header.
 * \returns VEUICC_OK, VEUICC_ERR_INVALID_ARG, VEUICC_ERR_NO_MEMORY, VEUICC_ERR_IO
 */
int veuicc_pcsc_trace_open(const char *path, veuicc_pcsc_trace **out);

/**
 * Append one exchange. Payloads that do not fit one IPv4 packet are cut to
 * fit.
 * \returns VEUICC_OK, VEUICC_ERR_INVALID_ARG, VEUICC_ERR_IO
 */
int veuicc_pcsc_trace_apdu(veuicc_pcsc_trace *t, const uint8_t *capdu, size_t capdu_len,
                           const uint8_t *rapdu, size_t rapdu_len);

/** Close the file. NULL is ignored. */
void veuicc_pcsc_trace_close(veuicc_pcsc_trace *t);

#endif /* VEUICC_PCSC_TRACE_H */
