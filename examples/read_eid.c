/* SPDX-License-Identifier: Apache-2.0 */
/* The smallest libveuicc program: boot a card and read its EID from the
 * ECASD over the public API. Build: cc read_eid.c $(pkg-config --cflags --libs veuicc) */
#include <stdio.h>

#include <veuicc/veuicc.h>

int main(void)
{
	static const uint8_t select_ecasd[] = {0x00, 0xA4, 0x04, 0x0C, 0x10, 0xA0, 0x00,
	                                       0x00, 0x05, 0x59, 0x10, 0x10, 0xFF, 0xFF,
	                                       0xFF, 0xFF, 0x89, 0x00, 0x00, 0x02, 0x00};
	static const uint8_t get_eid[] = {0x80, 0xCA, 0x00, 0x5A, 0x12};
	uint8_t r[VEUICC_RAPDU_MAX];
	size_t n;
	veuicc_card *card;
	int rc = veuicc_card_new(NULL, &card);
	if (rc) {
		fprintf(stderr, "veuicc_card_new: %s\n", veuicc_strerror(rc));
		return 1;
	}
	if (veuicc_reset(card, VEUICC_RESET_COLD, NULL, NULL) ||
	    veuicc_transmit(card, select_ecasd, sizeof(select_ecasd), r, sizeof(r), &n) ||
	    veuicc_transmit(card, get_eid, sizeof(get_eid), r, sizeof(r), &n) || n != 20 ||
	    r[18] != 0x90) {
		fprintf(stderr, "the card did not answer as expected\n");
		veuicc_card_free(card);
		return 1;
	}
	printf("EID ");
	for (size_t i = 2; i < 18; i++)
		printf("%02X", r[i]);
	printf("\n");
	veuicc_card_free(card);
	return 0;
}
