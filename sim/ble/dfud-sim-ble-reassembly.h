/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/*
 * Zephyr's SMP BT reassembly (CONFIG_MCUMGR_TRANSPORT_BT_REASSEMBLY): ATT write commands are
 * collected into one SMP packet. A packet starts with a fragment of at least the 8-byte
 * header; its len field fixes the total (len + 8), which must fit @buf_size. Nothing tells the
 * client about a rejected fragment (write commands get no ATT response).
 */
typedef enum {
	DFUD_SIM_BLE_FRAGMENT_PARTIAL,	/* collected, the packet is not complete yet */
	DFUD_SIM_BLE_FRAGMENT_COMPLETE, /* the packet is complete: take it */
	DFUD_SIM_BLE_FRAGMENT_SHORT,	/* a first fragment under 8 bytes: dropped */
	DFUD_SIM_BLE_FRAGMENT_TOO_BIG,	/* len + 8 or the fragment exceeds buf_size: dropped */
	DFUD_SIM_BLE_FRAGMENT_OVERFLOW, /* overshoots the expected total: packet dropped */
} DfudSimBleFragment;

typedef struct _DfudSimBleReassembly DfudSimBleReassembly;

DfudSimBleReassembly *dfud_sim_ble_reassembly_new(gsize buf_size);
void dfud_sim_ble_reassembly_free(DfudSimBleReassembly *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(DfudSimBleReassembly, dfud_sim_ble_reassembly_free)

DfudSimBleFragment dfud_sim_ble_reassembly_collect(DfudSimBleReassembly *self, const guint8 *data,
						   gsize len);
/* after COMPLETE: the packet, valid until the next collect or reset */
const guint8 *dfud_sim_ble_reassembly_packet(DfudSimBleReassembly *self, gsize *len);
/* bytes still expected by the packet under assembly; 0 when none is started */
gsize dfud_sim_ble_reassembly_expected(DfudSimBleReassembly *self);
/* forgets the packet under assembly (unsubscribe, disconnect) */
void dfud_sim_ble_reassembly_reset(DfudSimBleReassembly *self);
const gchar *dfud_sim_ble_fragment_to_string(DfudSimBleFragment result);

G_END_DECLS
