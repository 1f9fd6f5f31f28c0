/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "DfudSmpTest"

#include "config.h"

#include "dfud-smp.h"

static guint8 payload[DFUD_SMP_FRAME_MAX];
static guint8 sha[32];

/* the computed size equals the length of the frame the builder produces, and the frame
 * decodes back to the same off/len */
static void
assert_size_matches(const DfudSmpUploadChunk *chunk)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) frame =
	    dfud_smp_request_image_upload(DFUD_SMP_VERSION_2, 1, chunk, &error);
	gsize size = dfud_smp_upload_frame_size(chunk);

	if (size > DFUD_SMP_FRAME_MAX) {
		g_assert_null(frame);
		g_assert_error(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT);
		return;
	}
	g_assert_no_error(error);
	g_assert_nonnull(frame);
	if (g_bytes_get_size(frame) != size) {
		g_test_message("off %" G_GUINT64_FORMAT " data %" G_GSIZE_FORMAT
			       " len %" G_GUINT64_FORMAT " image %u sha %" G_GSIZE_FORMAT
			       " upgrade %d",
			       chunk->off, chunk->data_len, chunk->len, chunk->image,
			       chunk->sha_len, chunk->upgrade);
	}
	g_assert_cmpuint(g_bytes_get_size(frame), ==, size);
}

static void
assert_decodes(const DfudSmpUploadChunk *chunk)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) frame =
	    dfud_smp_request_image_upload(DFUD_SMP_VERSION_2, 1, chunk, &error);
	g_autoptr(cbor_item_t) map = NULL;
	g_autoptr(GBytes) data = NULL;
	DfudSmpHeader hdr;
	guint64 off = 1, len = 0;
	gboolean has_len = FALSE;

	g_assert_no_error(error);
	map = dfud_smp_message_parse(g_bytes_get_data(frame, NULL), g_bytes_get_size(frame), &hdr,
				     &error);
	g_assert_no_error(error);
	g_assert_cmpuint(hdr.len + DFUD_SMP_HEADER_SIZE, ==, g_bytes_get_size(frame));
	g_assert_true(dfud_smp_cbor_map_get_uint(map, "off", DFUD_SMP_CBOR_REQUIRED, G_MAXUINT64,
						 &off, NULL, &error));
	g_assert_cmpuint(off, ==, chunk->off);
	g_assert_true(dfud_smp_cbor_map_get_uint(map, "len", DFUD_SMP_CBOR_OPTIONAL, G_MAXUINT64,
						 &len, &has_len, &error));
	g_assert_cmpint(has_len, ==, chunk->off == 0);
	if (has_len)
		g_assert_cmpuint(len, ==, chunk->len);
	g_assert_true(dfud_smp_cbor_map_get_bytes(map, "data", DFUD_SMP_CBOR_REQUIRED,
						  DFUD_SMP_BODY_MAX, &data, &error));
	g_assert_cmpuint(g_bytes_get_size(data), ==, chunk->data_len);
}

/* every CBOR width boundary for off, len, data, image, sha; first vs later chunks */
static void
test_size_exhaustive(void)
{
	static const guint64 offsets[] = {0,
					  1,
					  23,
					  24,
					  255,
					  256,
					  65535,
					  65536,
					  G_MAXUINT32 - 4,
					  G_MAXUINT32,
					  (guint64)G_MAXUINT32 + 1};
	static const gsize data_lens[] = {0, 1, 22, 23, 24, 25, 254, 255, 256, 257, 2404, 65400};
	static const guint64 extra_lens[] = {
	    0, 1, 23, 24, 255, 256, 65535, 65536, G_MAXUINT32, (guint64)G_MAXUINT32 + 1};
	static const guint32 images[] = {0, 1, 23, 24, 255};
	static const gsize sha_lens[] = {0, 1, 23, 24, 32};
	guint checked = 0;

	for (guint o = 0; o < G_N_ELEMENTS(offsets); o++) {
		for (guint d = 0; d < G_N_ELEMENTS(data_lens); d++) {
			for (guint l = 0; l < G_N_ELEMENTS(extra_lens); l++) {
				for (guint i = 0; i < G_N_ELEMENTS(images); i++) {
					for (guint s = 0; s < G_N_ELEMENTS(sha_lens); s++) {
						for (guint u = 0; u < 2; u++) {
							DfudSmpUploadChunk c = {
							    .off = offsets[o],
							    .data = payload,
							    .data_len = data_lens[d],
							    .image = images[i],
							    .sha = sha,
							    .sha_len = sha_lens[s],
							    .upgrade = u == 1};
							/* len covers off + data, plus extra,
							 * or is an absolute boundary value */
							c.len =
							    MAX(c.off + c.data_len, extra_lens[l]);
							assert_size_matches(&c);
							c.len = c.off + c.data_len + extra_lens[l];
							assert_size_matches(&c);
							checked += 2;
						}
					}
				}
			}
		}
	}
	g_assert_cmpuint(checked, ==, 11 * 12 * 10 * 5 * 5 * 2 * 2);
}

static void
test_size_decodes(void)
{
	DfudSmpUploadChunk first = {.off = 0,
				    .data = payload,
				    .data_len = 300,
				    .len = 70000,
				    .image = 2,
				    .sha = sha,
				    .sha_len = 32,
				    .upgrade = TRUE};
	DfudSmpUploadChunk later = {
	    .off = G_MAXUINT32, .data = payload, .data_len = 24, .len = (guint64)G_MAXUINT32 + 100};

	assert_decodes(&first);
	assert_decodes(&later);
}

/* the byte-string head of data grows at 24, 256 and 65536 bytes */
static void
test_size_data_heads(void)
{
	DfudSmpUploadChunk c = {.off = 100, .len = G_MAXUINT32};
	gsize base;

	c.data_len = 0;
	base = dfud_smp_upload_frame_size(&c);
	/* 8 + a2 + "off" 18 64 + "data" 40 */
	g_assert_cmpuint(base, ==, 8 + 1 + 4 + 2 + 5 + 1);
	c.data_len = 23;
	g_assert_cmpuint(dfud_smp_upload_frame_size(&c), ==, base + 23);
	c.data_len = 24;
	g_assert_cmpuint(dfud_smp_upload_frame_size(&c), ==, base + 1 + 24);
	c.data_len = 255;
	g_assert_cmpuint(dfud_smp_upload_frame_size(&c), ==, base + 1 + 255);
	c.data_len = 256;
	g_assert_cmpuint(dfud_smp_upload_frame_size(&c), ==, base + 2 + 256);
	c.data_len = 65535;
	g_assert_cmpuint(dfud_smp_upload_frame_size(&c), ==, base + 2 + 65535);
	c.data_len = 65536;
	g_assert_cmpuint(dfud_smp_upload_frame_size(&c), ==, base + 4 + 65536);
}

/* spec §4.3 worked examples */
static void
test_max_data_examples(void)
{
	DfudSmpUploadChunk first = {.off = 0, .len = 300000, .sha = sha, .sha_len = 32};
	DfudSmpUploadChunk later = {.off = 65536, .len = 300000};

	/* ATT MTU 498, buf_size 2475 with reassembly: P = 2475 */
	g_assert_cmpuint(dfud_smp_upload_max_data(&first, 2475, 4), ==, 2404);
	g_assert_cmpuint(dfud_smp_upload_max_data(&first, 2475, 1), ==, 2406);
	g_assert_cmpuint(dfud_smp_upload_max_data(&later, 2475, 4), ==, 2448);
	g_assert_cmpuint(dfud_smp_upload_max_data(&later, 2475, 0), ==, 2449);
	/* 69 and 26 bytes of overhead */
	first.data_len = 2406;
	g_assert_cmpuint(dfud_smp_upload_frame_size(&first), ==, 2475);
	later.data_len = 2449;
	g_assert_cmpuint(dfud_smp_upload_frame_size(&later), ==, 2475);

	/* no reassembly, MTU 247: 244-byte packets, 2-byte data head */
	g_assert_cmpuint(dfud_smp_upload_max_data(&first, 244, 4), ==, 176);
	g_assert_cmpuint(dfud_smp_upload_max_data(&later, 244, 1), ==, 219);
	g_assert_cmpuint(dfud_smp_upload_max_data(&later, 244, 4), ==, 216);

	/* image != 0 costs 7 bytes, upgrade 9 */
	first.image = 1;
	g_assert_cmpuint(dfud_smp_upload_max_data(&first, 2475, 1), ==, 2399);
	first.upgrade = TRUE;
	g_assert_cmpuint(dfud_smp_upload_max_data(&first, 2475, 1), ==, 2390);
	g_assert_cmpuint(dfud_smp_upload_max_data(&first, 2475, 4), ==, 2388);

	/* Zephyr defaults: 20-byte packets cannot carry a byte */
	g_assert_cmpuint(dfud_smp_upload_max_data(&later, 20, 4), ==, 0);
	first.image = 0;
	first.upgrade = FALSE;
	g_assert_cmpuint(dfud_smp_upload_max_data(&first, 67, 1), ==, 0);
	g_assert_cmpuint(dfud_smp_upload_max_data(&first, 68, 1), ==, 1);
	g_assert_cmpuint(dfud_smp_upload_max_data(&first, 68, 4), ==, 0);
	g_assert_cmpuint(dfud_smp_upload_max_data(&first, 0, 1), ==, 0);
}

static void
test_max_data_last_chunk(void)
{
	DfudSmpUploadChunk c = {.off = 1000, .len = 1010};

	/* the rest of the image may be unaligned */
	g_assert_cmpuint(dfud_smp_upload_max_data(&c, 2475, 4), ==, 10);
	c.len = 1000 + 2449;
	g_assert_cmpuint(dfud_smp_upload_max_data(&c, 2475, 16), ==, 2449);
	/* one more byte than fits: the non-final chunk is aligned */
	c.len = 1000 + 5000;
	g_assert_cmpuint(dfud_smp_upload_max_data(&c, 2474, 16), ==, 2448);
	g_assert_cmpuint(dfud_smp_upload_max_data(&c, 2474, 1), ==, 2450);
	/* nothing left */
	c.off = c.len;
	g_assert_cmpuint(dfud_smp_upload_max_data(&c, 2475, 4), ==, 0);
	c.off = c.len + 1;
	g_assert_cmpuint(dfud_smp_upload_max_data(&c, 2475, 4), ==, 0);
}

/* against a brute-force search over many packet sizes, offsets and alignments */
static void
test_max_data_brute(void)
{
	static const guint64 offsets[] = {0, 1, 255, 256, 65535, 65536, G_MAXUINT32};
	static const guint64 rests[] = {1, 3, 24, 100, 256, 5000, 70000};
	static const gsize aligns[] = {1, 4, 16};

	for (guint o = 0; o < G_N_ELEMENTS(offsets); o++) {
		for (guint r = 0; r < G_N_ELEMENTS(rests); r++) {
			for (guint a = 0; a < G_N_ELEMENTS(aligns); a++) {
				for (gsize p = 0; p < 700; p += (p < 120 ? 1 : 7)) {
					DfudSmpUploadChunk c = {.off = offsets[o],
								.len = offsets[o] + rests[r],
								.sha_len = 32,
								.image = 3};
					gsize got = dfud_smp_upload_max_data(&c, p, aligns[a]);
					gsize best = 0;
					gsize want;

					for (gsize n = MIN(rests[r], p); n > 0; n--) {
						c.data_len = n;
						if (dfud_smp_upload_frame_size(&c) <= p) {
							best = n;
							break;
						}
					}
					want = best == rests[r] ? best : best & ~(aligns[a] - 1);
					g_assert_cmpuint(got, ==, want);
					g_assert_cmpuint(got, <=, rests[r]);
				}
			}
		}
	}
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	for (guint i = 0; i < sizeof(payload); i++)
		payload[i] = (guint8)i;
	g_test_add_func("/smp/upload-size/exhaustive", test_size_exhaustive);
	g_test_add_func("/smp/upload-size/decodes", test_size_decodes);
	g_test_add_func("/smp/upload-size/data-heads", test_size_data_heads);
	g_test_add_func("/smp/upload-size/max-data-examples", test_max_data_examples);
	g_test_add_func("/smp/upload-size/max-data-last-chunk", test_max_data_last_chunk);
	g_test_add_func("/smp/upload-size/max-data-brute", test_max_data_brute);
	return g_test_run();
}
