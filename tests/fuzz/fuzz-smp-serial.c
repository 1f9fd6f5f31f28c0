/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Feeds the input to the serial frame decoder (spec §6.2) in pieces whose sizes the first byte
 * chooses, takes every packet out, checks each against the decoder's bound and encodes it back:
 * the frames must decode to the same packet.
 */
#define G_LOG_DOMAIN "DfudSmpFuzz"

#include "config.h"

#include <stddef.h>
#include <stdint.h>

#include "dfud-smp-serial.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_MAX_MESSAGE 512u

static void
check_round_trip(GBytes *packet)
{
	g_autoptr(DfudSmpSerialDecoder) again = dfud_smp_serial_decoder_new(FUZZ_MAX_MESSAGE);
	g_autoptr(GBytes) frames = NULL;
	g_autoptr(GBytes) back = NULL;
	gsize len = 0;
	const guint8 *p = g_bytes_get_data(packet, &len);
	const guint8 *f;
	gsize flen = 0;

	g_assert_cmpuint(len, >=, 1);
	g_assert_cmpuint(len, <=, FUZZ_MAX_MESSAGE);
	frames = dfud_smp_serial_encode(p, len);
	f = g_bytes_get_data(frames, &flen);
	dfud_smp_serial_decoder_feed(again, f, flen);
	back = dfud_smp_serial_decoder_pop(again);
	g_assert_nonnull(back);
	g_assert_true(g_bytes_equal(back, packet));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	g_autoptr(DfudSmpSerialDecoder) dec = dfud_smp_serial_decoder_new(FUZZ_MAX_MESSAGE);
	gsize piece = size > 0 ? (gsize)(data[0] % 64u) + 1 : 1;

	for (gsize at = 0; at < size; at += piece) {
		GBytes *packet;

		dfud_smp_serial_decoder_feed(dec, data + at, MIN(piece, size - at));
		while ((packet = dfud_smp_serial_decoder_pop(dec)) != NULL) {
			check_round_trip(packet);
			g_bytes_unref(packet);
		}
	}
	return 0;
}
