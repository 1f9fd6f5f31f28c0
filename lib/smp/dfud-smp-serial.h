/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/*
 * SMP over a serial line as Zephyr's shell and UART transports frame it (spec §6.2), with no
 * I/O: the client's serial transport and dfud-sim --serial both use it.
 *
 * A packet = 2-byte big-endian length (SMP message + 2) | SMP message | CRC-16/XMODEM of the
 * message, big-endian; Base64 (standard alphabet, '=' padding); cut into frames of at most
 * DFUD_SMP_SERIAL_FRAME_MAX bytes: marker 0x06 0x09 (first frame) or 0x04 0x14 (continuation),
 * Base64 text, '\n'.
 */
#define DFUD_SMP_SERIAL_FRAME_MAX 127u /* MCUMGR_SERIAL_MAX_FRAME, marker and '\n' included */
#define DFUD_SMP_SERIAL_FRAME_TEXT_MAX (DFUD_SMP_SERIAL_FRAME_MAX - 3u) /* 124 Base64 chars */
/* the length and CRC fields around the SMP message */
#define DFUD_SMP_SERIAL_PACKET_OVERHEAD 4u
/* CONFIG_MCUMGR_TRANSPORT_UART_MTU / _SHELL_MTU default */
#define DFUD_SMP_SERIAL_DEFAULT_MTU 256u

/* CRC-16/XMODEM (poly 0x1021, no reflection, no final XOR) of @data, continuing from @crc
 * (0 to start); the CRC of "123456789" is 0x31C3 */
guint16 dfud_smp_serial_crc16(guint16 crc, const guint8 *data, gsize len);

/* the frames of one SMP message (@len 1..65533), ready to write; NULL when too long */
GBytes *dfud_smp_serial_encode(const guint8 *message, gsize len);
/* the frames of an assembled packet (length | message | CRC, as given: a simulator's faults) */
GBytes *dfud_smp_serial_frame_packet(const guint8 *packet, gsize len);
/* the bytes on the wire for a message of @len bytes (markers, Base64, newlines) */
gsize dfud_smp_serial_encoded_size(gsize len);

/*
 * An incremental decoder over a byte stream. Bytes outside frames (console output, shell
 * prompts) are skipped; a frame starts at a marker wherever it appears. A frame that is too
 * long or holds a byte outside Base64, a packet whose length is out of range (less than the
 * CRC and one byte, more than @max_message + 2) or whose CRC fails is dropped and counted,
 * never delivered; so is a continuation frame with no packet started. Memory is bounded by
 * @max_message and DFUD_SMP_SERIAL_QUEUE_MAX packets waiting to be taken.
 */
#define DFUD_SMP_SERIAL_QUEUE_MAX 8u

typedef struct _DfudSmpSerialDecoder DfudSmpSerialDecoder;

typedef struct {
	guint64 packets;     /* delivered */
	guint64 bad_frames;  /* frames dropped: too long, not Base64, no packet started */
	guint64 bad_length;  /* packets dropped: length out of range or not matching */
	guint64 bad_crc;     /* packets dropped: CRC mismatch */
	guint64 overflow;    /* packets dropped: the queue was full */
	guint64 noise_bytes; /* bytes outside any frame */
} DfudSmpSerialStats;

DfudSmpSerialDecoder *dfud_smp_serial_decoder_new(gsize max_message);
void dfud_smp_serial_decoder_free(DfudSmpSerialDecoder *self);
/* forgets a partial frame and packet (a port reopened), keeps the counters */
void dfud_smp_serial_decoder_reset(DfudSmpSerialDecoder *self);
void dfud_smp_serial_decoder_feed(DfudSmpSerialDecoder *self, const guint8 *data, gsize len);
/* the next complete SMP message (length and CRC stripped), NULL when none */
GBytes *dfud_smp_serial_decoder_pop(DfudSmpSerialDecoder *self);
const DfudSmpSerialStats *dfud_smp_serial_decoder_get_stats(DfudSmpSerialDecoder *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(DfudSmpSerialDecoder, dfud_smp_serial_decoder_free)

G_END_DECLS
