/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/*
 * The data path over one resolved SMP characteristic (spec §5.7): notifications through
 * AcquireNotify (a socket, one notification per read; StartNotify + PropertiesChanged(Value)
 * when refused), writes through AcquireWrite (one write command per send(); WriteValue with
 * type=command when refused). Outgoing packets are cut into fragment-size writes, queued and
 * written when the socket can take them; notifications are reassembled into SMP frames.
 */
typedef struct _DfudBleLink DfudBleLink;

/* a complete SMP frame from the device */
typedef void (*DfudBleLinkFrameFunc)(GBytes *frame, gpointer user_data);
/*
 * the link failed, called at most once, never after free: @reason is DFUD_ERROR_LINK_LOST when
 * the link went down (a socket closed, a write refused), DFUD_ERROR_IO when BlueZ could not be
 * reached (the D-Bus fallback's WriteValue got no answer)
 */
typedef void (*DfudBleLinkLostFunc)(const GError *reason, gpointer user_data);

/* @characteristic: an org.bluez.GattCharacteristic1 proxy */
DfudBleLink *dfud_ble_link_new(GDBusProxy *characteristic, DfudBleLinkFrameFunc frame_func,
			       DfudBleLinkLostFunc lost_func, gpointer user_data);
/*
 * Enables notifications, then acquires the write path. A refusal for lack of security
 * (org.bluez.Error.NotPermitted, NotAuthorized, insufficient encryption/authentication) fails
 * with DFUD_ERROR_NOT_AUTHORIZED: the caller pairs and starts a new link. Freeing the link
 * while this runs completes it with G_IO_ERROR_CANCELLED.
 */
void dfud_ble_link_start_async(DfudBleLink *self, GAsyncReadyCallback callback, gpointer user_data);
/*
 * @probe: the device holds no bond, so it may refuse notifications for lack of security.
 * bluetoothd 5.66 keeps a characteristic "Notify acquired" for good (until the device object
 * goes) once an AcquireNotify's CCCD write failed, and never answers that AcquireNotify;
 * StartNotify fails cleanly with the ATT error. So with @probe the start enables
 * notifications through StartNotify first: a security refusal fails as above (nothing left
 * acquired), a success is stopped again and AcquireNotify follows on the now known-good link.
 */
void dfud_ble_link_set_probe(DfudBleLink *self, gboolean probe);
gboolean dfud_ble_link_start_finish(DfudBleLink *self, GAsyncResult *result, GError **error);
/* the ATT MTU of the write path (23 until started) */
guint dfud_ble_link_get_mtu(DfudBleLink *self);
/* whether the sockets were acquired (FALSE: the D-Bus fallback) */
gboolean dfud_ble_link_is_acquired(DfudBleLink *self);
/* queues @packet in writes of at most @fragment_size bytes; FALSE once the link failed */
gboolean dfud_ble_link_send(DfudBleLink *self, GBytes *packet, guint fragment_size, GError **error);
/* releases the sockets (or StopNotify), drops what is queued */
void dfud_ble_link_free(DfudBleLink *self);

/* whether a BlueZ D-Bus error means "the link's security is not enough" */
gboolean dfud_ble_error_is_security(const GError *error);
/* BlueZ's "Not connected" (or dfud's LinkLost): the device shows connected, the link is gone */
gboolean dfud_ble_error_is_not_connected(const GError *error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(DfudBleLink, dfud_ble_link_free)

G_END_DECLS
