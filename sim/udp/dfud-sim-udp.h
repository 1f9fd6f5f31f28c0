/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>

#include "device/dfud-sim-device.h"
#include "device/dfud-sim-log.h"

G_BEGIN_DECLS

/*
 * The UDP transport of one device, like Zephyr's SMP UDP transport: one socket, one SMP packet
 * per datagram, responses sent back to the datagram's source address. Each peer address is a
 * session, opened on its first datagram and kept until the device drops the link ("drop-link":
 * the session is closed, its queued requests are discarded, and the peer's next datagram opens
 * a new one). Datagrams longer than DFUD_SIM_UDP_MTU are cut to that length, as Zephyr's
 * receive buffer does, except with the BLE air-time model: then a datagram stands for an SMP
 * packet reassembled from ATT writes and only the SMP buffer (--buf-size) limits it. While the
 * device is not running (a reset) datagrams are dropped. With --ip-mtu, a request whose IP
 * packet would exceed the device's IP MTU is dropped (Zephyr does not reassemble fragments),
 * and so is an answer that would not fit; both are logged as "drop" events with the reason.
 */
#define DFUD_SIM_UDP_MTU 1500 /* CONFIG_MCUMGR_TRANSPORT_UDP_MTU */

typedef struct _DfudSimUdp DfudSimUdp;

/*
 * Binds a UDP socket on @address (port 0: any free port) for @device and watches it on the
 * thread-default main context. @log (may be NULL) gets the datagrams dropped while the device
 * is down. @device is kept referenced; @log must outlive the transport.
 */
DfudSimUdp *dfud_sim_udp_new(DfudSimDevice *device, DfudSimLog *log, GInetSocketAddress *address,
			     GError **error);
/* closes every session (the device forgets them) and the socket */
void dfud_sim_udp_free(DfudSimUdp *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(DfudSimUdp, dfud_sim_udp_free)
/* the address actually bound (with the port chosen for port 0) */
GInetSocketAddress *dfud_sim_udp_get_address(DfudSimUdp *self);
/* open sessions (peers heard from since their last drop-link) */
guint dfud_sim_udp_get_session_count(DfudSimUdp *self);

/*
 * Resolves "HOST:PORT" ("127.0.0.1:1337", "[::1]:1337", "localhost:1337"; a bare IPv6 address
 * needs brackets) into @host (without brackets) and @port (0..65535).
 */
gboolean dfud_sim_udp_parse_host_port(const gchar *str, gchar **host, guint16 *port,
				      GError **error);
/* "127.0.0.1:1337" or "[::1]:1337" */
gchar *dfud_sim_udp_address_to_string(GInetSocketAddress *address);
/* the socket address of @host (a literal or a name, resolved now) and @port */
GInetSocketAddress *dfud_sim_udp_resolve(const gchar *host, guint16 port, GError **error);

G_END_DECLS
