/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "dfud-transport.h"

G_BEGIN_DECLS

/*
 * SMP over UDP (spec §6.1): one datagram per packet, IPv4 or IPv6, default port 1337. Lossy and
 * connectionless (the SMP client resends, a reboot shows only in the device's answers).
 * Datagrams fit one IP packet of the path (the device reassembles no fragments): at most
 * IP MTU - 28 bytes (IPv4) or - 48 (IPv6), the IP MTU being the URI's ?mtu=N or 1500 (IPv4) /
 * 1280 (IPv6) and never above the kernel's route MTU; and at most 1500, the device's datagram
 * buffer (CONFIG_MCUMGR_TRANSPORT_UDP_MTU). Known once open (the family comes with the address).
 * @att_mtu non-zero: the device sits behind a BLE link of that ATT MTU (dfud-sim --link, a
 * bridge), so packets are sized as for one: fragment size att_mtu - 3, mtu att_mtu.
 */
#define DFUD_TYPE_TRANSPORT_UDP (dfud_transport_udp_get_type())
G_DECLARE_FINAL_TYPE(DfudTransportUdp, dfud_transport_udp, DFUD, TRANSPORT_UDP, DfudTransport)

DfudTransport *
dfud_transport_udp_new(const gchar *host, guint16 port, guint att_mtu);
void
dfud_transport_udp_set_ip_mtu(DfudTransport *transport, guint ip_mtu);

G_END_DECLS
