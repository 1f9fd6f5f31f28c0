/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/*
 * A link to one SMP device: it carries complete SMP packets both ways and knows nothing of
 * their content beyond the 8-byte header's length field (to reassemble responses that arrive
 * in pieces). Everything is asynchronous on the thread-default main context.
 *
 * Signals:
 *   "packet" (GBytes *frame): one complete SMP frame from the device (header + body, exactly
 *       8 + len bytes; a transport drops what it cannot frame and logs it at debug level)
 *   "closed" (GError *reason): the link went away (disconnect, socket error); no more packets
 *       until the next open. Not emitted by dfud_transport_close().
 */
#define DFUD_TYPE_TRANSPORT (dfud_transport_get_type())
G_DECLARE_DERIVABLE_TYPE(DfudTransport, dfud_transport, DFUD, TRANSPORT, GObject)

struct _DfudTransportClass {
	GObjectClass parent_class;

	/* connect (BLE: find, connect with retries, resolve services, acquire; UDP: socket) */
	void (*open_async)(DfudTransport *self, GCancellable *cancellable,
			   GAsyncReadyCallback callback, gpointer user_data);
	gboolean (*open_finish)(DfudTransport *self, GAsyncResult *res, GError **error);
	/* queue one complete SMP packet; the transport fragments it as its link needs */
	gboolean (*send)(DfudTransport *self, GBytes *packet, GError **error);
	void (*close)(DfudTransport *self);
	/*
	 * after the device reset: completes when the device can be reached again (BLE: it
	 * advertises again, seen by discovery filtered on its address; UDP: at once, the engine
	 * probes), fails with DFUD_ERROR_TIMEOUT after @timeout_ms
	 */
	void (*wait_for_device_async)(DfudTransport *self, guint timeout_ms,
				      GCancellable *cancellable, GAsyncReadyCallback callback,
				      gpointer user_data);
	gboolean (*wait_for_device_finish)(DfudTransport *self, GAsyncResult *res, GError **error);
	gpointer padding[8];
};

/* the largest packet sent in one piece without device-side reassembly (BLE: ATT MTU - 3) */
#define DFUD_TRANSPORT_PROP_FRAGMENT_SIZE "fragment-size"
/* the largest packet the transport can carry at all (UDP: 1500, BLE: 65535 + 8) */
#define DFUD_TRANSPORT_PROP_MAX_PACKET "max-packet"
/* the link's negotiated ATT MTU (BLE); 0 for links that have none (UDP) */
#define DFUD_TRANSPORT_PROP_MTU "mtu"

void dfud_transport_open_async(DfudTransport *self, GCancellable *cancellable,
			       GAsyncReadyCallback callback, gpointer user_data);
gboolean dfud_transport_open_finish(DfudTransport *self, GAsyncResult *res, GError **error);
gboolean dfud_transport_send(DfudTransport *self, GBytes *packet, GError **error);
void dfud_transport_close(DfudTransport *self);
/*
 * Opens within @timeout_ms: DFUD_ERROR_TIMEOUT ("no link to URI within N ms") when the deadline
 * passes first; @cancellable cancels as for dfud_transport_open_async().
 */
void dfud_transport_open_within_async(DfudTransport *self, guint timeout_ms,
				      GCancellable *cancellable, GAsyncReadyCallback callback,
				      gpointer user_data);
gboolean dfud_transport_open_within_finish(DfudTransport *self, GAsyncResult *res, GError **error);
void dfud_transport_wait_for_device_async(DfudTransport *self, guint timeout_ms,
					  GCancellable *cancellable, GAsyncReadyCallback callback,
					  gpointer user_data);
gboolean dfud_transport_wait_for_device_finish(DfudTransport *self, GAsyncResult *res,
					       GError **error);

gboolean dfud_transport_is_open(DfudTransport *self);
guint dfud_transport_get_fragment_size(DfudTransport *self);
guint dfud_transport_get_max_packet(DfudTransport *self);
/* the ATT MTU of a BLE link once open; 0 for links without one */
guint dfud_transport_get_mtu(DfudTransport *self);
/*
 * TRUE when a packet may be lost while the transport stays open (UDP): the SMP client sends a
 * request again when its answer is late. FALSE (the default) when the link delivers every
 * packet or goes down (BLE).
 */
gboolean dfud_transport_is_lossy(DfudTransport *self);
/*
 * TRUE (the default) when the transport holds a connection that the device's reset ends: it
 * emits "closed" when the device reboots (BLE). FALSE for connectionless ones (UDP), where only
 * the device's answers (and silence) show a reboot.
 */
gboolean dfud_transport_has_link(DfudTransport *self);
/*
 * The requests the link lets the device hold at once, whatever the device's SMP buffers
 * (params buf_count) say: 1 for a serial port (Zephyr's UART transport decodes one packet at a
 * time and has no flow control, spec §6.2), 0 for no limit of the link's own
 */
guint dfud_transport_get_max_in_flight(DfudTransport *self);
/* "udp:127.0.0.1:1337", "ble:AA:BB:CC:DD:EE:FF", "serial:/dev/ttyACM0?baud=115200" */
const gchar *dfud_transport_get_uri(DfudTransport *self);

/* for subclasses */
void dfud_transport_set_open(DfudTransport *self, gboolean open);
void dfud_transport_set_fragment_size(DfudTransport *self, guint fragment_size);
void dfud_transport_set_max_packet(DfudTransport *self, guint max_packet);
void dfud_transport_set_mtu(DfudTransport *self, guint mtu);
void dfud_transport_set_uri(DfudTransport *self, const gchar *uri);
void dfud_transport_set_max_in_flight(DfudTransport *self, guint max_in_flight);
/* for datagram transports: lossy and without a link */
void dfud_transport_set_datagram(DfudTransport *self);
void dfud_transport_emit_packet(DfudTransport *self, GBytes *frame);
/* marks the transport closed and emits "closed" */
void dfud_transport_emit_closed(DfudTransport *self, const GError *reason);

/*
 * A transport for a device URI: "udp:HOST:PORT" (IPv6 as udp:[::1]:1337), "ble:ADDRESS" or a bare
 * Bluetooth address (any adapter), "ble:ADDRESS?adapter=hci1", "serial:/dev/PORT?baud=N".
 * DFUD_ERROR_INVALID_ARGUMENT for anything else.
 */
DfudTransport *dfud_transport_new_for_uri(const gchar *uri, GError **error);

G_END_DECLS
