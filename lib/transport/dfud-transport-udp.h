/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "dfud-transport.h"

G_BEGIN_DECLS

/* SMP over UDP (spec §6.1): one datagram per packet, IPv4 or IPv6, default port 1337 */
#define DFUD_TYPE_TRANSPORT_UDP (dfud_transport_udp_get_type())
G_DECLARE_FINAL_TYPE(DfudTransportUdp, dfud_transport_udp, DFUD, TRANSPORT_UDP, DfudTransport)

DfudTransport *
dfud_transport_udp_new(const gchar *host, guint16 port);

G_END_DECLS
