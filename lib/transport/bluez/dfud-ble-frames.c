/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "DfudBle"

#include "dfud-ble-frames.h"

#define ATT_WRITE_OVERHEAD 3u
#define MIN_FRAGMENT 20u

guint
dfud_ble_fragment_size_for_mtu(guint att_mtu)
{
	guint size = att_mtu > ATT_WRITE_OVERHEAD ? att_mtu - ATT_WRITE_OVERHEAD : 0;

	return CLAMP(size, MIN_FRAGMENT, DFUD_BLE_MAX_WRITE);
}

GPtrArray *
dfud_ble_split(GBytes *packet, guint fragment_size)
{
	GPtrArray *pieces = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
	gsize len = g_bytes_get_size(packet);

	g_return_val_if_fail(fragment_size > 0, pieces);
	for (gsize off = 0; off < len; off += fragment_size)
		g_ptr_array_add(pieces,
				g_bytes_new_from_bytes(packet, off, MIN(fragment_size, len - off)));
	return pieces;
}

struct _DfudBleReassembly {
	GByteArray *buf; /* the frame under assembly: empty, or its header and more */
	gsize expected;	 /* 8 + len once the header is in, else 0 */
};

DfudBleReassembly *
dfud_ble_reassembly_new(void)
{
	DfudBleReassembly *self = g_new0(DfudBleReassembly, 1);

	self->buf = g_byte_array_new();
	return self;
}

void
dfud_ble_reassembly_free(DfudBleReassembly *self)
{
	if (self == NULL)
		return;
	g_byte_array_unref(self->buf);
	g_free(self);
}

void
dfud_ble_reassembly_reset(DfudBleReassembly *self)
{
	g_byte_array_set_size(self->buf, 0);
	self->expected = 0;
}

gsize
dfud_ble_reassembly_pending(DfudBleReassembly *self)
{
	return self->buf->len;
}

GPtrArray *
dfud_ble_reassembly_push(DfudBleReassembly *self, const guint8 *data, gsize len)
{
	GPtrArray *frames = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
	gsize off = 0;

	if (self->buf->len == 0 && len < DFUD_BLE_SMP_HEADER_SIZE) {
		g_debug("dropping a %zu-byte notification: too short for an SMP header", len);
		return frames;
	}
	while (off < len) {
		gsize want;
		gsize take;

		if (self->expected == 0) {
			/* collect the header first (a frame boundary can split it) */
			want = DFUD_BLE_SMP_HEADER_SIZE - self->buf->len;
			take = MIN(want, len - off);
			g_byte_array_append(self->buf, data + off, (guint)take);
			off += take;
			if (self->buf->len < DFUD_BLE_SMP_HEADER_SIZE)
				break;
			self->expected = DFUD_BLE_SMP_HEADER_SIZE +
					 (((gsize)self->buf->data[2] << 8) | self->buf->data[3]);
		}
		/* expected <= DFUD_BLE_MAX_FRAME and buf->len <= expected: no overflow */
		want = self->expected - self->buf->len;
		take = MIN(want, len - off);
		g_byte_array_append(self->buf, data + off, (guint)take);
		off += take;
		if (self->buf->len == self->expected) {
			g_ptr_array_add(frames, g_bytes_new(self->buf->data, self->buf->len));
			dfud_ble_reassembly_reset(self);
		}
	}
	return frames;
}
