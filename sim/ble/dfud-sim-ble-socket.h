/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/*
 * Our end of a socket pair whose other end ("the peer") bluetoothd gets from a GATT server's
 * AcquireWrite or AcquireNotify (BlueZ's GattCharacteristic1 server API): a local
 * SOCK_SEQPACKET socket, one ATT value per message, instead of one D-Bus message per value
 * through the bus daemon. Our end never blocks: what does not fit is queued and sent when the
 * socket can take it.
 */
typedef struct _DfudSimBleSocket DfudSimBleSocket;

/* one message from bluetoothd (a written value) */
typedef void (*DfudSimBleSocketReadFunc)(const guint8 *data, gsize len, gpointer user_data);
/* bluetoothd closed the peer, or the socket failed; called at most once, never after free */
typedef void (*DfudSimBleSocketClosedFunc)(gpointer user_data);

DfudSimBleSocket *dfud_sim_ble_socket_new(DfudSimBleSocketReadFunc read_func,
					  DfudSimBleSocketClosedFunc closed_func,
					  gpointer user_data, GError **error);
/* closes our end (bluetoothd sees a hang-up), drops what is queued */
void dfud_sim_ble_socket_free(DfudSimBleSocket *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(DfudSimBleSocket, dfud_sim_ble_socket_free)

/* a new descriptor of the peer for an AcquireWrite/AcquireNotify reply; -1 once dropped */
gint dfud_sim_ble_socket_dup_peer(DfudSimBleSocket *self, GError **error);
/*
 * closes our own descriptor of the peer: from then on bluetoothd closing its descriptors is a
 * hang-up (closed_func). Until then the peer can be given out again (dup_peer).
 */
void dfud_sim_ble_socket_drop_peer(DfudSimBleSocket *self);
/* queues one message; FALSE once the socket failed or closed */
gboolean dfud_sim_ble_socket_send(DfudSimBleSocket *self, const guint8 *data, gsize len,
				  GError **error);

G_END_DECLS
