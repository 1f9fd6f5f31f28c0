/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/*
 * SMP over GATT has no framing of its own (spec §5.2, §5.3): a request is cut into consecutive
 * ATT writes, a response arrives as consecutive notifications, and only the 8-byte SMP header's
 * big-endian len (bytes 2-3) says where a frame ends.
 */

#define DFUD_BLE_SMP_HEADER_SIZE 8u
/* the largest SMP frame: an 8-byte header and a body of at most 65535 bytes */
#define DFUD_BLE_MAX_FRAME (65535u + DFUD_BLE_SMP_HEADER_SIZE)
/* BlueZ 5.66 as a peripheral silently drops ATT writes of more than 510 bytes */
#define DFUD_BLE_MAX_WRITE 510u
/* the ATT MTU every LE link starts with */
#define DFUD_BLE_ATT_MTU_MIN 23u

/* the largest write for an ATT MTU: MTU - 3, clamped to DFUD_BLE_MAX_WRITE, at least 20 */
guint dfud_ble_fragment_size_for_mtu(guint att_mtu);

/*
 * @packet cut into pieces of at most @fragment_size bytes (> 0), in order; element-type GBytes
 * (slices of @packet). An empty packet gives no piece.
 */
GPtrArray *dfud_ble_split(GBytes *packet, guint fragment_size);

/* notifications in, complete SMP frames out */
typedef struct _DfudBleReassembly DfudBleReassembly;

DfudBleReassembly *dfud_ble_reassembly_new(void);
void dfud_ble_reassembly_free(DfudBleReassembly *self);
/* forgets a frame under assembly (after the link dropped) */
void dfud_ble_reassembly_reset(DfudBleReassembly *self);
/* bytes of an incomplete frame held */
gsize dfud_ble_reassembly_pending(DfudBleReassembly *self);
/*
 * Takes one notification. Returns the frames it completed, in order (element-type GBytes, each
 * exactly 8 + len bytes; often empty, never NULL): a notification may finish one frame and start
 * the next. A notification that would start a frame but holds fewer than 8 bytes is dropped as
 * garbage (logged at debug level); so are zero-length ones.
 */
GPtrArray *dfud_ble_reassembly_push(DfudBleReassembly *self, const guint8 *data, gsize len);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(DfudBleReassembly, dfud_ble_reassembly_free)

G_END_DECLS
