/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The IPC floor of the PC/SC benchmark: a pcsc-lite IFD handler that does
 * nothing. Its card is always present, offers T=0 and T=1, and answers every
 * command 90 00. Measured through pcscd next to the veuicc driver, it gives
 * the cost of pcscd and its socket alone.
 */
#include <string.h>

#pragma GCC visibility push(default)
#include <ifdhandler.h>
#pragma GCC visibility pop

/* ISO 7816-3 §8.2: TS 3B, T0 80 (TD1), TD1 80 (T=0, TD2), TD2 01 (T=1), TCK. */
static const UCHAR floor_atr[] = {0x3B, 0x80, 0x80, 0x01, 0x01, 0x00};
/* ISO 7816-4 §5.6: normal processing. */
static const UCHAR sw_ok[] = {0x90, 0x00};

RESPONSECODE IFDHCreateChannelByName(DWORD Lun, LPSTR DeviceName)
{
	(void)Lun;
	(void)DeviceName;
	return IFD_SUCCESS;
}

RESPONSECODE IFDHCreateChannel(DWORD Lun, DWORD Channel)
{
	(void)Lun;
	(void)Channel;
	return IFD_SUCCESS;
}

RESPONSECODE IFDHCloseChannel(DWORD Lun)
{
	(void)Lun;
	return IFD_SUCCESS;
}

RESPONSECODE IFDHGetCapabilities(DWORD Lun, DWORD Tag, PDWORD Length, PUCHAR Value)
{
	(void)Lun;
	if (Length == NULL || Value == NULL)
		return IFD_COMMUNICATION_ERROR;
	switch (Tag) {
	case TAG_IFD_ATR:
		if (*Length < sizeof(floor_atr))
			return IFD_ERROR_INSUFFICIENT_BUFFER;
		memcpy(Value, floor_atr, sizeof(floor_atr));
		*Length = sizeof(floor_atr);
		return IFD_SUCCESS;
	case TAG_IFD_SLOTS_NUMBER:
	case TAG_IFD_SIMULTANEOUS_ACCESS:
		if (*Length < 1)
			return IFD_ERROR_INSUFFICIENT_BUFFER;
		Value[0] = 1;
		*Length = 1;
		return IFD_SUCCESS;
	default: return IFD_ERROR_TAG;
	}
}

RESPONSECODE IFDHSetCapabilities(DWORD Lun, DWORD Tag, DWORD Length, PUCHAR Value)
{
	(void)Lun;
	(void)Tag;
	(void)Length;
	(void)Value;
	return IFD_ERROR_TAG;
}

RESPONSECODE IFDHSetProtocolParameters(DWORD Lun, DWORD Protocol, UCHAR Flags, UCHAR PTS1,
                                       UCHAR PTS2, UCHAR PTS3)
{
	(void)Lun;
	(void)Protocol;
	(void)Flags;
	(void)PTS1;
	(void)PTS2;
	(void)PTS3;
	return IFD_SUCCESS;
}

RESPONSECODE IFDHPowerICC(DWORD Lun, DWORD Action, PUCHAR Atr, PDWORD AtrLength)
{
	(void)Lun;
	if (AtrLength == NULL)
		return IFD_COMMUNICATION_ERROR;
	*AtrLength = 0;
	if (Action == IFD_POWER_DOWN)
		return IFD_SUCCESS;
	if (Atr == NULL)
		return IFD_COMMUNICATION_ERROR;
	memcpy(Atr, floor_atr, sizeof(floor_atr));
	*AtrLength = sizeof(floor_atr);
	return IFD_SUCCESS;
}

RESPONSECODE IFDHTransmitToICC(DWORD Lun, SCARD_IO_HEADER SendPci, PUCHAR TxBuffer, DWORD TxLength,
                               PUCHAR RxBuffer, PDWORD RxLength, PSCARD_IO_HEADER RecvPci)
{
	(void)Lun;
	(void)SendPci;
	(void)TxBuffer;
	(void)TxLength;
	(void)RecvPci;
	if (RxBuffer == NULL || RxLength == NULL || *RxLength < sizeof(sw_ok))
		return IFD_COMMUNICATION_ERROR;
	memcpy(RxBuffer, sw_ok, sizeof(sw_ok));
	*RxLength = sizeof(sw_ok);
	return IFD_SUCCESS;
}

RESPONSECODE IFDHControl(DWORD Lun, DWORD dwControlCode, PUCHAR TxBuffer, DWORD TxLength,
                         PUCHAR RxBuffer, DWORD RxLength, LPDWORD pdwBytesReturned)
{
	(void)Lun;
	(void)dwControlCode;
	(void)TxBuffer;
	(void)TxLength;
	(void)RxBuffer;
	(void)RxLength;
	if (pdwBytesReturned != NULL)
		*pdwBytesReturned = 0;
	return IFD_ERROR_NOT_SUPPORTED;
}

RESPONSECODE IFDHICCPresence(DWORD Lun)
{
	(void)Lun;
	return IFD_ICC_PRESENT;
}
