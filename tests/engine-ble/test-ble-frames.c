/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "DfudTest"

#include <glib.h>
#include <string.h>

#include "dfud-ble-frames.h"

/* an SMP frame with a body of @body_len bytes, every byte derived from @tag */
static GBytes *
make_frame(gsize body_len, guint8 tag)
{
	guint8 *buf = g_malloc(8 + body_len);

	buf[0] = 0x0b; /* v2, write response */
	buf[1] = 0;
	buf[2] = (guint8)(body_len >> 8);
	buf[3] = (guint8)body_len;
	buf[4] = 0;
	buf[5] = 1;
	buf[6] = tag;
	buf[7] = 1;
	for (gsize i = 0; i < body_len; i++)
		buf[8 + i] = (guint8)(tag + i);
	return g_bytes_new_take(buf, 8 + body_len);
}

static void
test_fragment_size(void)
{
	g_assert_cmpuint(dfud_ble_fragment_size_for_mtu(23), ==, 20);
	g_assert_cmpuint(dfud_ble_fragment_size_for_mtu(247), ==, 244);
	g_assert_cmpuint(dfud_ble_fragment_size_for_mtu(498), ==, 495);
	/* BlueZ 5.66 peripheral limit */
	g_assert_cmpuint(dfud_ble_fragment_size_for_mtu(513), ==, 510);
	g_assert_cmpuint(dfud_ble_fragment_size_for_mtu(517), ==, 510);
	g_assert_cmpuint(dfud_ble_fragment_size_for_mtu(65535), ==, 510);
	/* nonsense MTUs still give a usable write */
	g_assert_cmpuint(dfud_ble_fragment_size_for_mtu(0), ==, 20);
	g_assert_cmpuint(dfud_ble_fragment_size_for_mtu(3), ==, 20);
}

static void
test_split(void)
{
	g_autoptr(GBytes) frame = make_frame(992, 7);
	g_autoptr(GPtrArray) pieces = dfud_ble_split(frame, 495);
	g_autoptr(GByteArray) joined = g_byte_array_new();
	g_autoptr(GBytes) empty = g_bytes_new(NULL, 0);
	g_autoptr(GPtrArray) none = dfud_ble_split(empty, 495);
	g_autoptr(GBytes) exact = make_frame(487, 1);
	g_autoptr(GPtrArray) one = dfud_ble_split(exact, 495);

	g_assert_cmpuint(pieces->len, ==, 3);
	g_assert_cmpuint(g_bytes_get_size(g_ptr_array_index(pieces, 0)), ==, 495);
	g_assert_cmpuint(g_bytes_get_size(g_ptr_array_index(pieces, 1)), ==, 495);
	g_assert_cmpuint(g_bytes_get_size(g_ptr_array_index(pieces, 2)), ==, 10);
	for (guint i = 0; i < pieces->len; i++) {
		gsize n = 0;
		const guint8 *d = g_bytes_get_data(g_ptr_array_index(pieces, i), &n);

		g_byte_array_append(joined, d, (guint)n);
	}
	g_assert_cmpmem(joined->data, joined->len, g_bytes_get_data(frame, NULL),
			g_bytes_get_size(frame));
	g_assert_cmpuint(none->len, ==, 0);
	g_assert_cmpuint(one->len, ==, 1);
	g_assert_true(g_bytes_equal(g_ptr_array_index(one, 0), exact));
}

/* feeds @stream in pieces of @piece bytes; returns every frame */
static GPtrArray *
feed(DfudBleReassembly *r, const guint8 *stream, gsize len, gsize piece)
{
	GPtrArray *all = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);

	for (gsize off = 0; off < len; off += piece) {
		g_autoptr(GPtrArray) frames =
		    dfud_ble_reassembly_push(r, stream + off, MIN(piece, len - off));

		for (guint i = 0; i < frames->len; i++)
			g_ptr_array_add(all, g_bytes_ref(g_ptr_array_index(frames, i)));
	}
	return all;
}

static void
test_reassembly_notifications(void)
{
	g_autoptr(DfudBleReassembly) r = dfud_ble_reassembly_new();
	g_autoptr(GBytes) frame = make_frame(692, 3);
	gsize len = 0;
	const guint8 *data = g_bytes_get_data(frame, &len);
	g_autoptr(GPtrArray) frames = NULL;
	g_autoptr(GPtrArray) partial = NULL;

	/* 244-byte notifications: nothing until the last one */
	partial = dfud_ble_reassembly_push(r, data, 244);
	g_assert_cmpuint(partial->len, ==, 0);
	g_assert_cmpuint(dfud_ble_reassembly_pending(r), ==, 244);
	frames = feed(r, data + 244, len - 244, 244);
	g_assert_cmpuint(frames->len, ==, 1);
	g_assert_true(g_bytes_equal(g_ptr_array_index(frames, 0), frame));
	g_assert_cmpuint(dfud_ble_reassembly_pending(r), ==, 0);
}

static void
test_reassembly_boundaries(void)
{
	g_autoptr(DfudBleReassembly) r = dfud_ble_reassembly_new();
	g_autoptr(GBytes) a = make_frame(30, 1);
	g_autoptr(GBytes) b = make_frame(0, 2);
	g_autoptr(GBytes) c = make_frame(300, 3);
	g_autoptr(GByteArray) stream = g_byte_array_new();
	g_autoptr(GPtrArray) frames = NULL;

	g_byte_array_append(stream, g_bytes_get_data(a, NULL), (guint)g_bytes_get_size(a));
	g_byte_array_append(stream, g_bytes_get_data(b, NULL), (guint)g_bytes_get_size(b));
	g_byte_array_append(stream, g_bytes_get_data(c, NULL), (guint)g_bytes_get_size(c));
	/* 41-byte pieces: frame boundaries inside notifications, c's header split over two */
	frames = feed(r, stream->data, stream->len, 41);
	g_assert_cmpuint(frames->len, ==, 3);
	g_assert_true(g_bytes_equal(g_ptr_array_index(frames, 0), a));
	g_assert_true(g_bytes_equal(g_ptr_array_index(frames, 1), b));
	g_assert_true(g_bytes_equal(g_ptr_array_index(frames, 2), c));
	g_clear_pointer(&frames, g_ptr_array_unref);
	/* all three in one notification */
	frames = feed(r, stream->data, stream->len, stream->len);
	g_assert_cmpuint(frames->len, ==, 3);
	g_assert_true(g_bytes_equal(g_ptr_array_index(frames, 2), c));
}

static void
test_reassembly_garbage(void)
{
	g_autoptr(DfudBleReassembly) r = dfud_ble_reassembly_new();
	g_autoptr(GBytes) frame = make_frame(10, 9);
	const guint8 junk[7] = {1, 2, 3, 4, 5, 6, 7};
	g_autoptr(GPtrArray) f1 = dfud_ble_reassembly_push(r, junk, sizeof(junk));
	g_autoptr(GPtrArray) f2 = dfud_ble_reassembly_push(r, junk, 0);
	g_autoptr(GPtrArray) f3 = NULL;

	/* a first fragment shorter than a header is dropped, and does not poison the next */
	g_assert_cmpuint(f1->len, ==, 0);
	g_assert_cmpuint(f2->len, ==, 0);
	g_assert_cmpuint(dfud_ble_reassembly_pending(r), ==, 0);
	f3 = dfud_ble_reassembly_push(r, g_bytes_get_data(frame, NULL), g_bytes_get_size(frame));
	g_assert_cmpuint(f3->len, ==, 1);
	g_assert_true(g_bytes_equal(g_ptr_array_index(f3, 0), frame));
}

static void
test_reassembly_reset_and_max(void)
{
	g_autoptr(DfudBleReassembly) r = dfud_ble_reassembly_new();
	g_autoptr(GBytes) big = make_frame(65535, 5);
	g_autoptr(GBytes) small = make_frame(4, 6);
	gsize len = 0;
	const guint8 *data = g_bytes_get_data(big, &len);
	g_autoptr(GPtrArray) partial = dfud_ble_reassembly_push(r, data, 100);
	g_autoptr(GPtrArray) frames = NULL;
	g_autoptr(GPtrArray) after = NULL;

	g_assert_cmpuint(len, ==, DFUD_BLE_MAX_FRAME);
	g_assert_cmpuint(partial->len, ==, 0);
	/* the link dropped mid-frame: the next frame starts clean */
	dfud_ble_reassembly_reset(r);
	g_assert_cmpuint(dfud_ble_reassembly_pending(r), ==, 0);
	after = dfud_ble_reassembly_push(r, g_bytes_get_data(small, NULL), g_bytes_get_size(small));
	g_assert_cmpuint(after->len, ==, 1);
	g_assert_true(g_bytes_equal(g_ptr_array_index(after, 0), small));
	/* the largest frame, in 510-byte notifications */
	frames = feed(r, data, len, 510);
	g_assert_cmpuint(frames->len, ==, 1);
	g_assert_true(g_bytes_equal(g_ptr_array_index(frames, 0), big));
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/ble/frames/fragment-size", test_fragment_size);
	g_test_add_func("/ble/frames/split", test_split);
	g_test_add_func("/ble/frames/reassembly/notifications", test_reassembly_notifications);
	g_test_add_func("/ble/frames/reassembly/boundaries", test_reassembly_boundaries);
	g_test_add_func("/ble/frames/reassembly/garbage", test_reassembly_garbage);
	g_test_add_func("/ble/frames/reassembly/reset-and-max", test_reassembly_reset_and_max);
	return g_test_run();
}
