/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* the default SMP over UDP port (spec §6.1) */
#define DFUD_TRANSPORT_UDP_DEFAULT_PORT 1337u
/* the ATT MTU range of Bluetooth LE (Core spec Vol 3 Part F 3.2.8/3.4.2.1) */
#define DFUD_TRANSPORT_ATT_MTU_MIN 23u
#define DFUD_TRANSPORT_ATT_MTU_MAX 517u
/* "AA:BB:CC:DD:EE:FF" */
#define DFUD_TRANSPORT_BT_ADDRESS_LEN 17u

typedef enum {
	DFUD_TRANSPORT_URI_UDP,
	DFUD_TRANSPORT_URI_BLE,
} DfudTransportUriKind;

/*
 * A parsed device URI (see dfud_transport_new_for_uri):
 *   udp:HOST[:PORT]      HOST an IPv4 address or a host name, PORT 1..65535 (default 1337)
 *   udp:[IPV6][:PORT]    e.g. udp:[::1]:1337, udp:[fe80::1%eth0]:1337
 *   either UDP form with ?mtu=N (23..517): the device sits behind a BLE link of ATT MTU N
 *                        (dfud-sim's air model, a UDP-to-BLE bridge): packets are sized as for
 *                        such a link (fragments of N - 3 bytes, reassembly up to the device's
 *                        buffer) instead of one 1500-byte datagram at most
 *   ble:ADDRESS[?adapter=hciN], ADDRESS[?adapter=hciN]   ADDRESS = six hex pairs and colons
 */
typedef struct {
	DfudTransportUriKind kind;
	gchar *host;	/* UDP: without brackets */
	guint16 port;	/* UDP */
	guint att_mtu;	/* UDP: ?mtu=N, 0 when absent */
	gchar *address; /* BLE: upper case, "AA:BB:CC:DD:EE:FF" */
	gchar *adapter; /* BLE: "hci0" or NULL for any */
} DfudTransportUri;

DfudTransportUri *dfud_transport_uri_parse(const gchar *uri, GError **error);
void dfud_transport_uri_free(DfudTransportUri *uri);
/* the canonical form: "udp:127.0.0.1:1337", "udp:[::1]:1337", "udp:127.0.0.1:1337?mtu=247",
 * "ble:AA:BB:CC:DD:EE:FF?adapter=hci1" */
gchar *dfud_transport_uri_to_string(const DfudTransportUri *uri);

/* TRUE for exactly six two-digit hex numbers separated by colons; @out (18 bytes) gets it in
 * upper case when not NULL */
gboolean dfud_transport_bt_address_parse(const gchar *text,
					 gchar out[DFUD_TRANSPORT_BT_ADDRESS_LEN + 1]);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(DfudTransportUri, dfud_transport_uri_free)

G_END_DECLS
