/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "DfudSimBle"

#include "config.h"

#include "dfud-sim-ble-reassembly.h"

#include "smp/dfud-smp-header.h"

struct _DfudSimBleReassembly {
	gsize buf_size;
	GByteArray *buf;
	gsize total; /* 0: no packet under assembly */
	gboolean complete;
};

DfudSimBleReassembly *
dfud_sim_ble_reassembly_new(gsize buf_size)
{
	DfudSimBleReassembly *self = g_new0(DfudSimBleReassembly, 1);

	self->buf_size = buf_size;
	self->buf = g_byte_array_new();
	return self;
}

void
dfud_sim_ble_reassembly_free(DfudSimBleReassembly *self)
{
	if (self == NULL)
		return;
	g_byte_array_unref(self->buf);
	g_free(self);
}

void
dfud_sim_ble_reassembly_reset(DfudSimBleReassembly *self)
{
	g_byte_array_set_size(self->buf, 0);
	self->total = 0;
	self->complete = FALSE;
}

gsize
dfud_sim_ble_reassembly_expected(DfudSimBleReassembly *self)
{
	if (self->total == 0 || self->complete)
		return 0;
	return self->total - self->buf->len;
}

DfudSimBleFragment
dfud_sim_ble_reassembly_collect(DfudSimBleReassembly *self, const guint8 *data, gsize len)
{
	if (self->complete)
		dfud_sim_ble_reassembly_reset(self);
	if (self->total == 0) {
		gsize total;

		if (len < DFUD_SMP_HEADER_SIZE)
			return DFUD_SIM_BLE_FRAGMENT_SHORT;
		total = DFUD_SMP_HEADER_SIZE + (((gsize)data[2] << 8) | data[3]);
		if (total > self->buf_size || len > self->buf_size)
			return DFUD_SIM_BLE_FRAGMENT_TOO_BIG;
		self->total = total;
	}
	if (len > self->total - self->buf->len) {
		dfud_sim_ble_reassembly_reset(self);
		return DFUD_SIM_BLE_FRAGMENT_OVERFLOW;
	}
	g_byte_array_append(self->buf, data, (guint)len);
	if (self->buf->len < self->total)
		return DFUD_SIM_BLE_FRAGMENT_PARTIAL;
	self->complete = TRUE;
	return DFUD_SIM_BLE_FRAGMENT_COMPLETE;
}

const guint8 *
dfud_sim_ble_reassembly_packet(DfudSimBleReassembly *self, gsize *len)
{
	if (!self->complete) {
		*len = 0;
		return NULL;
	}
	*len = self->buf->len;
	return self->buf->data;
}

const gchar *
dfud_sim_ble_fragment_to_string(DfudSimBleFragment result)
{
	switch (result) {
	case DFUD_SIM_BLE_FRAGMENT_PARTIAL:
		return "partial";
	case DFUD_SIM_BLE_FRAGMENT_COMPLETE:
		return "complete";
	case DFUD_SIM_BLE_FRAGMENT_SHORT:
		return "first fragment shorter than the SMP header";
	case DFUD_SIM_BLE_FRAGMENT_TOO_BIG:
		return "packet larger than buf_size";
	case DFUD_SIM_BLE_FRAGMENT_OVERFLOW:
		return "fragment overshoots the packet";
	}
	return "?";
}
