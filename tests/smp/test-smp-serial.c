/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The serial framing of spec §6.2 against frames worked out independently: lengths and groups by
 * hand, CRCs with Python's binascii.crc_hqx(data, 0) (CRC-16/XMODEM), Base64 with Python's
 * base64 module.
 */
#define G_LOG_DOMAIN "DfudSmpTest"

#include "config.h"

#include <string.h>

#include "dfud-smp-serial.h"
#include "test-smp-util.h"

/* spec §3.1: SMP v2 echo {"d":"hi"}, 14 bytes: length field 16 (0x0010), CRC 0x14BE;
 * 00 10 | 08 00 00 06 00 00 00 00 a1 61 64 62 68 69 | 14 be = 18 bytes, 24 characters */
#define ECHO_REQUEST "08 00 00 06 00 00 00 00 a1 61 64 62 68 69"
#define ECHO_FRAME                                                                                 \
	"\x06\x09"                                                                                 \
	"ABAIAAAGAAAAAKFhZGJoaRS+\n"
/* a 100-byte message: header 08 00 00 5c 00 01 00 00, then bytes 0..91; CRC 0xCC53. 104 bytes
 * packed = 140 characters (34 groups and one of two bytes: "zFM="): 124 in the first frame,
 * 16 in the continuation, the padding at the very end */
#define LONG_TEXT_1                                                                                \
	"AGYIAABcAAEAAAABAgMEBQYHCAkKCwwNDg8QERITFBUWFxgZGhscHR4fICEiIyQlJicoKSorLC0uLzAxMjM0NTY3" \
	"ODk6"                                                                                     \
	"Ozw9Pj9AQUJDREVGR0hJSktMTU5PUFFS"
#define LONG_TEXT_2 "U1RVVldYWVpbzFM="

static GBytes *
long_message(void)
{
	guint8 m[100] = {0x08, 0x00, 0x00, 0x5c, 0x00, 0x01, 0x00, 0x00};

	for (guint i = 0; i < 92; i++)
		m[8 + i] = (guint8)i;
	return g_bytes_new(m, sizeof(m));
}

static void
feed_str(DfudSmpSerialDecoder *dec, const gchar *s)
{
	dfud_smp_serial_decoder_feed(dec, (const guint8 *)s, strlen(s));
}

static void
assert_pop(DfudSmpSerialDecoder *dec, GBytes *want)
{
	g_autoptr(GBytes) got = dfud_smp_serial_decoder_pop(dec);

	g_assert_nonnull(got);
	g_assert_true(g_bytes_equal(got, want));
}

static void
test_serial_crc(void)
{
	g_autoptr(GBytes) echo = test_hex(ECHO_REQUEST);
	guint8 with_crc[16];

	g_assert_cmphex(dfud_smp_serial_crc16(0, (const guint8 *)"123456789", 9), ==, 0x31c3);
	g_assert_cmphex(dfud_smp_serial_crc16(0, g_bytes_get_data(echo, NULL), 14), ==, 0x14be);
	/* continued over two calls, and zero over message + CRC */
	g_assert_cmphex(dfud_smp_serial_crc16(dfud_smp_serial_crc16(0, (const guint8 *)"1234", 4),
					      (const guint8 *)"56789", 5),
			==, 0x31c3);
	memcpy(with_crc, g_bytes_get_data(echo, NULL), 14);
	with_crc[14] = 0x14;
	with_crc[15] = 0xbe;
	g_assert_cmphex(dfud_smp_serial_crc16(0, with_crc, 16), ==, 0);
}

static void
test_serial_encode(void)
{
	g_autoptr(GBytes) echo = test_hex(ECHO_REQUEST);
	g_autoptr(GBytes) frames = dfud_smp_serial_encode(g_bytes_get_data(echo, NULL), 14);
	g_autoptr(GBytes) big = long_message();
	g_autoptr(GBytes) big_frames = NULL;
	const gchar *want = "\x06\x09" LONG_TEXT_1 "\n\x04\x14" LONG_TEXT_2 "\n";
	gsize len = 0;
	const gchar *data = g_bytes_get_data(frames, &len);

	g_assert_cmpmem(data, len, ECHO_FRAME, strlen(ECHO_FRAME));
	g_assert_cmpuint(dfud_smp_serial_encoded_size(14), ==, strlen(ECHO_FRAME));
	big_frames = dfud_smp_serial_encode(g_bytes_get_data(big, NULL), 100);
	data = g_bytes_get_data(big_frames, &len);
	g_assert_cmpmem(data, len, want, strlen(want));
	/* 124 characters + marker + newline: the largest frame */
	g_assert_cmpuint(strlen(LONG_TEXT_1) + 3, ==, DFUD_SMP_SERIAL_FRAME_MAX);
	g_assert_cmpuint(dfud_smp_serial_encoded_size(100), ==, 140 + 6);
	g_assert_null(dfud_smp_serial_encode((const guint8 *)"x", 0));
}

static void
test_serial_decode(void)
{
	g_autoptr(DfudSmpSerialDecoder) dec = dfud_smp_serial_decoder_new(256);
	g_autoptr(GBytes) echo = test_hex(ECHO_REQUEST);
	g_autoptr(GBytes) big = long_message();
	const gchar *two = "\x06\x09" LONG_TEXT_1 "\n\x04\x14" LONG_TEXT_2 "\n";

	feed_str(dec, ECHO_FRAME);
	assert_pop(dec, echo);
	g_assert_null(dfud_smp_serial_decoder_pop(dec));
	/* a byte at a time */
	for (gsize i = 0; i < strlen(two); i++)
		dfud_smp_serial_decoder_feed(dec, (const guint8 *)two + i, 1);
	assert_pop(dec, big);
	g_assert_cmpuint(dfud_smp_serial_decoder_get_stats(dec)->packets, ==, 2);
	g_assert_cmpuint(dfud_smp_serial_decoder_get_stats(dec)->noise_bytes, ==, 0);
}

/* a sender that cuts the Base64 text anywhere, not on 4-character groups */
static void
test_serial_decode_split(void)
{
	g_autoptr(DfudSmpSerialDecoder) dec = dfud_smp_serial_decoder_new(256);
	g_autoptr(GBytes) echo = test_hex(ECHO_REQUEST);

	feed_str(dec, "\x06\x09"
		      "ABAIAA\n\x04\x14"
		      "AGAAAAAKF\n\x04\x14"
		      "hZGJoaRS+\n");
	assert_pop(dec, echo);
	g_assert_cmpuint(dfud_smp_serial_decoder_get_stats(dec)->bad_frames, ==, 0);
}

/* log lines and shell prompts around and between frames are skipped, never taken for one */
static void
test_serial_decode_noise(void)
{
	g_autoptr(DfudSmpSerialDecoder) dec = dfud_smp_serial_decoder_new(256);
	g_autoptr(GBytes) echo = test_hex(ECHO_REQUEST);
	g_autoptr(GBytes) big = long_message();
	const gchar *noise = "[00:00:01.000,000] <inf> app: ready\r\nuart:~$ ";

	feed_str(dec, noise);
	feed_str(dec, ECHO_FRAME);
	feed_str(dec, "\x06 not a marker \x04\x04 nor this\n");
	feed_str(dec, "\x06\x09" LONG_TEXT_1 "\n");
	feed_str(dec, "<wrn> between frames\n");
	feed_str(dec, "\x04\x14" LONG_TEXT_2 "\n");
	feed_str(dec, noise);
	assert_pop(dec, echo);
	assert_pop(dec, big);
	g_assert_null(dfud_smp_serial_decoder_pop(dec));
	g_assert_cmpuint(dfud_smp_serial_decoder_get_stats(dec)->noise_bytes, >, 2 * strlen(noise));
	g_assert_cmpuint(dfud_smp_serial_decoder_get_stats(dec)->bad_frames, ==, 0);
}

/* every bad frame is dropped and counted, and the next good one still gets through */
static void
test_serial_decode_bad(void)
{
	g_autoptr(DfudSmpSerialDecoder) dec = dfud_smp_serial_decoder_new(256);
	g_autoptr(GBytes) echo = test_hex(ECHO_REQUEST);
	g_autofree gchar *fill = g_strnfill(DFUD_SMP_SERIAL_FRAME_TEXT_MAX, 'A');
	/* length 0x0066 (102), then 125 characters in the frame */
	g_autofree gchar *too_long = g_strconcat("AGYI", fill, NULL);
	const DfudSmpSerialStats *stats = dfud_smp_serial_decoder_get_stats(dec);

	/* the CRC's last character changed: 0x14BE -> 0x14BF ("RS/") */
	feed_str(dec, "\x06\x09"
		      "ABAIAAAGAAAAAKFhZGJoaRS/\n");
	g_assert_cmpuint(stats->bad_crc, ==, 1);
	/* a byte outside Base64 */
	feed_str(dec, "\x06\x09"
		      "ABAIAAAGAA*AAKFhZGJoaRS+\n");
	g_assert_cmpuint(stats->bad_frames, ==, 1);
	/* longer than 127 bytes */
	feed_str(dec, "\x06\x09");
	feed_str(dec, too_long);
	feed_str(dec, "\n");
	g_assert_cmpuint(stats->bad_frames, ==, 2);
	/* a continuation with no packet started */
	feed_str(dec, "\x04\x14"
		      "ABAIAAAG\n");
	g_assert_cmpuint(stats->bad_frames, ==, 3);
	/* a length beyond the decoder's bound: 0x0200 */
	feed_str(dec, "\x06\x09"
		      "AgAIAAAG\n");
	g_assert_cmpuint(stats->bad_length, ==, 1);
	/* a length below CRC + 1: 0x0002 */
	feed_str(dec, "\x06\x09"
		      "AAIIAAAG\n");
	g_assert_cmpuint(stats->bad_length, ==, 2);
	/* padding before the end: "ABA=" then more */
	feed_str(dec, "\x06\x09"
		      "ABA=AAAG\n");
	g_assert_cmpuint(stats->bad_frames, ==, 4);
	/* more bytes than the length announces: length 3, 6 bytes sent */
	feed_str(dec, "\x06\x09"
		      "AAMIAAAG\n");
	g_assert_cmpuint(stats->bad_length, ==, 3);
	/* a new packet cuts a partial one short */
	feed_str(dec, "\x06\x09"
		      "ABAIAA\n");
	feed_str(dec, ECHO_FRAME);
	g_assert_cmpuint(stats->bad_length, ==, 4);
	assert_pop(dec, echo);
	g_assert_null(dfud_smp_serial_decoder_pop(dec));
	g_assert_cmpuint(stats->packets, ==, 1);
}

static void
test_serial_decode_bounds(void)
{
	g_autoptr(DfudSmpSerialDecoder) dec = dfud_smp_serial_decoder_new(14);
	g_autoptr(DfudSmpSerialDecoder) small = dfud_smp_serial_decoder_new(13);
	g_autoptr(GBytes) echo = test_hex(ECHO_REQUEST);
	guint n = 0;

	/* a message of exactly the bound passes, one byte over does not */
	feed_str(small, ECHO_FRAME);
	g_assert_null(dfud_smp_serial_decoder_pop(small));
	g_assert_cmpuint(dfud_smp_serial_decoder_get_stats(small)->bad_length, ==, 1);
	/* packets not taken: the queue keeps DFUD_SMP_SERIAL_QUEUE_MAX */
	for (guint i = 0; i < DFUD_SMP_SERIAL_QUEUE_MAX + 2; i++)
		feed_str(dec, ECHO_FRAME);
	for (GBytes *p; (p = dfud_smp_serial_decoder_pop(dec)) != NULL; n++)
		g_bytes_unref(p);
	g_assert_cmpuint(n, ==, DFUD_SMP_SERIAL_QUEUE_MAX);
	g_assert_cmpuint(dfud_smp_serial_decoder_get_stats(dec)->overflow, ==, 2);
	/* a reset forgets a partial packet */
	feed_str(dec, "\x06\x09"
		      "ABAIAA");
	dfud_smp_serial_decoder_reset(dec);
	feed_str(dec, "\x04\x14"
		      "AGAAAAAKFhZGJoaRS+\n");
	g_assert_null(dfud_smp_serial_decoder_pop(dec));
	feed_str(dec, ECHO_FRAME);
	assert_pop(dec, echo);
}

/* what the encoder makes, the decoder takes back, for every length up to 600 */
static void
test_serial_round_trip(void)
{
	g_autoptr(DfudSmpSerialDecoder) dec = dfud_smp_serial_decoder_new(600);

	for (gsize len = 1; len <= 600; len++) {
		g_autofree guint8 *m = g_malloc(len);
		g_autoptr(GBytes) want = NULL;
		g_autoptr(GBytes) frames = NULL;
		gsize flen = 0;
		const guint8 *f;

		for (gsize i = 0; i < len; i++)
			m[i] = (guint8)(i * 7 + len);
		want = g_bytes_new(m, len);
		frames = dfud_smp_serial_encode(m, len);
		f = g_bytes_get_data(frames, &flen);
		g_assert_cmpuint(flen, ==, dfud_smp_serial_encoded_size(len));
		for (gsize at = 0; at < flen;) {
			const guint8 *nl = memchr(f + at, '\n', flen - at);

			g_assert_nonnull(nl);
			g_assert_cmpuint((gsize)(nl - (f + at)) + 1, <=, DFUD_SMP_SERIAL_FRAME_MAX);
			at = (gsize)(nl - f) + 1;
		}
		dfud_smp_serial_decoder_feed(dec, f, flen);
		assert_pop(dec, want);
	}
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/smp/serial/crc", test_serial_crc);
	g_test_add_func("/smp/serial/encode", test_serial_encode);
	g_test_add_func("/smp/serial/decode", test_serial_decode);
	g_test_add_func("/smp/serial/decode-split", test_serial_decode_split);
	g_test_add_func("/smp/serial/decode-noise", test_serial_decode_noise);
	g_test_add_func("/smp/serial/decode-bad", test_serial_decode_bad);
	g_test_add_func("/smp/serial/decode-bounds", test_serial_decode_bounds);
	g_test_add_func("/smp/serial/round-trip", test_serial_round_trip);
	return g_test_run();
}
