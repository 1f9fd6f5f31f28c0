/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "DfudSmp"

#include "config.h"

#include "dfud-smp-cbor-writer.h"
#include "dfud-smp-upload-size.h"

/*
 * Exact size of an upload frame (spec §4.3 "Maximum chunk size"), mirroring what
 * dfud_smp_request_image_upload writes: header, map head, then each key (a 1-byte text head plus
 * the key) and its value with minimal CBOR widths.
 */

#define KEY_SIZE(k) (1u + sizeof(k) - 1u)

static guint64
overhead_without_data(const DfudSmpUploadChunk *chunk)
{
	guint64 size = DFUD_SMP_HEADER_SIZE;
	guint pairs = 2;

	size += KEY_SIZE("off") + dfud_smp_cbor_head_size(chunk->off);
	size += KEY_SIZE("data");
	if (chunk->off == 0) {
		size += KEY_SIZE("len") + dfud_smp_cbor_head_size(chunk->len);
		pairs++;
		if (chunk->image != 0) {
			size += KEY_SIZE("image") + dfud_smp_cbor_head_size(chunk->image);
			pairs++;
		}
		if (chunk->sha_len > 0) {
			size += KEY_SIZE("sha") + dfud_smp_cbor_head_size(chunk->sha_len) +
				chunk->sha_len;
			pairs++;
		}
		if (chunk->upgrade) {
			size += KEY_SIZE("upgrade") + 1;
			pairs++;
		}
	}
	return size + dfud_smp_cbor_head_size(pairs);
}

/* bytes the whole frame takes; chunk->data is not looked at (may be NULL) */
gsize
dfud_smp_upload_frame_size(const DfudSmpUploadChunk *chunk)
{
	guint64 size;

	g_return_val_if_fail(chunk != NULL, 0);

	size = overhead_without_data(chunk) + dfud_smp_cbor_head_size(chunk->data_len);
	if (chunk->data_len > G_MAXSIZE - size)
		return G_MAXSIZE;
	return (gsize)(size + chunk->data_len);
}

/*
 * The largest data length n for a chunk at chunk->off (chunk->data_len is ignored) such that the
 * frame fits in packet_size bytes: never more than len - off; rounded down to `alignment` (a
 * power of two; 0 or 1 for none) unless n is exactly the rest of the image. 0 when nothing fits.
 */
gsize
dfud_smp_upload_max_data(const DfudSmpUploadChunk *chunk, gsize packet_size, gsize alignment)
{
	/* byte-string head widths and the largest length each can describe */
	static const struct {
		guint64 head;
		guint64 max_len;
	} classes[] = {
	    {1, 23}, {2, G_MAXUINT8}, {3, G_MAXUINT16}, {5, G_MAXUINT32}, {9, G_MAXUINT64}};
	guint64 remaining;
	guint64 base;
	guint64 best = 0;

	g_return_val_if_fail(chunk != NULL, 0);
	g_return_val_if_fail(alignment == 0 || (alignment & (alignment - 1)) == 0, 0);

	if (chunk->off >= chunk->len)
		return 0;
	remaining = chunk->len - chunk->off;
	base = overhead_without_data(chunk);
	for (guint i = 0; i < G_N_ELEMENTS(classes); i++) {
		guint64 room;

		if ((guint64)packet_size < base + classes[i].head)
			break;
		room = MIN((guint64)packet_size - base - classes[i].head, classes[i].max_len);
		room = MIN(room, remaining);
		/* a length needing a wider head than this class is covered by a later class */
		if (i > 0 && room <= classes[i - 1].max_len)
			continue;
		best = MAX(best, room);
	}
	if (best < remaining && alignment > 1)
		best &= ~((guint64)alignment - 1);
	return (gsize)MIN(best, (guint64)G_MAXSIZE);
}
