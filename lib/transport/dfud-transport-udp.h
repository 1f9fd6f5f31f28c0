/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "dfud-transport.h"

G_BEGIN_DECLS

/*
 * SMP over UDP (spec §6.1): one datagram per packet, IPv4 or IPv6, default port 1337.
 * @att_mtu non-zero: the device sits behind a BLE link of that ATT MTU (dfud-sim --link, a
 * bridge), so packets are sized as for one: fragment size att_mtu - 3, mtu att_mtu.
 */
#define DFUD_TYPE_TRANSPORT_UDP (dfud_transport_udp_get_type())
G_DECLARE_FINAL_TYPE(DfudTransportUdp, dfud_transport_udp, DFUD, TRANSPORT_UDP, DfudTransport)

DfudTransport *
dfud_transport_udp_new(const gchar *host, guint16 port, guint att_mtu);

G_END_DECLS
