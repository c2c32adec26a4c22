/* SPDX-License-Identifier: Apache-2.0 */
/**
 * \file fault.h
 * \brief Test bench fault injection (docs/testbench.md, issue 11 item 2): the
 *        hooks the card's layers call. Every hook is a no-op when no fault
 *        is armed (card->fault NULL).
 */
#ifndef VEUICC_CORE_FAULT_H
#define VEUICC_CORE_FAULT_H

#include <stddef.h>
#include <stdint.h>

#include "veuicc/veuicc.h"

struct veuicc_fault;

/** Free the card's fault state (card_free). NULL is ignored. */
void veuicc_fault_free(struct veuicc_fault *f);

/**
 * Called by veuicc_transmit() before the engine sees a C-APDU. Returns 1 if
 * an injected status word answers the command (\p rapdu, \p rapdu_len set;
 * the command is not run). Otherwise 0, and \p *capdu may point at a copy
 * with an OTA segment corrupted (\p *owned, freed by the caller).
 */
int veuicc_fault_before_apdu(veuicc_card *card, const uint8_t **capdu, size_t *capdu_len,
                             uint8_t **owned, uint8_t *rapdu, size_t rapdu_cap, size_t *rapdu_len);

/** One line to the card's log sink (veuicc_set_log; default stderr). */
void veuicc_card_log(veuicc_card *card, const char *line);

/** Called when the card file could not be written: logs the power cut if it
 *  was the injected one. */
void veuicc_fault_write_failed(veuicc_card *card);

/** Called by the proactive queue before it queues a command of \p type:
 *  1 if the command is to be discarded (logged), else 0. */
int veuicc_fault_drop_proactive(veuicc_card *card, uint8_t type);

#endif /* VEUICC_CORE_FAULT_H */
