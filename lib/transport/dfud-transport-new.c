/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "DfudTransport"

#include "config.h"

#include "dfud-transport-ble.h"
#include "dfud-transport-serial.h"
#include "dfud-transport-udp.h"
#include "dfud-transport-uri.h"
#include "dfud-transport.h"

/*
 * A transport for a device URI (forms in dfud-transport-uri.h); DFUD_ERROR_INVALID_ARGUMENT for
 * anything else. BLE transports use the system bus. Apart from the URI parser, which knows no
 * transport (dfuctl checks URIs with it).
 */
DfudTransport *
dfud_transport_new_for_uri(const gchar *uri, GError **error)
{
	g_autoptr(DfudTransportUri) parsed = dfud_transport_uri_parse(uri, error);
	DfudTransport *transport;

	if (parsed == NULL)
		return NULL;
	if (parsed->kind == DFUD_TRANSPORT_URI_UDP) {
		transport = dfud_transport_udp_new(parsed->host, parsed->port, parsed->att_mtu);
		if (parsed->ip_mtu != 0) {
			g_autofree gchar *canonical = dfud_transport_uri_to_string(parsed);

			dfud_transport_udp_set_ip_mtu(transport, parsed->ip_mtu);
			dfud_transport_set_uri(transport, canonical);
		}
		return transport;
	}
	if (parsed->kind == DFUD_TRANSPORT_URI_SERIAL)
		return dfud_transport_serial_new(parsed->path, parsed->baud, parsed->serial_mtu,
						 parsed->raw);
	return dfud_transport_ble_new(parsed->address, parsed->adapter, NULL);
}
