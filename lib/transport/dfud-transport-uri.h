/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* the default SMP over UDP port (spec §6.1) */
#define DFUD_TRANSPORT_UDP_DEFAULT_PORT 1337u
/* the ATT MTU range of Bluetooth LE (Core spec Vol 3 Part F 3.2.8/3.4.2.1) */
#define DFUD_TRANSPORT_ATT_MTU_MIN 23u
#define DFUD_TRANSPORT_ATT_MTU_MAX 517u
/* the IP MTU range of ?mtu=N; IPv6 links carry at least 1280 (RFC 8200 section 5) */
#define DFUD_TRANSPORT_IP_MTU_MIN 256u
#define DFUD_TRANSPORT_IP_MTU_MAX 65535u
#define DFUD_TRANSPORT_IPV6_MTU_MIN 1280u
/* "AA:BB:CC:DD:EE:FF" */
#define DFUD_TRANSPORT_BT_ADDRESS_LEN 17u
/*
 * A host name resolves within this time or not at all: the UDP transport's open fails with
 * DFUD_ERROR_TIMEOUT, dfud_transport_uri_resolve_async() with DFUD_ERROR_NOT_FOUND
 */
#define DFUD_TRANSPORT_UDP_RESOLVE_TIMEOUT_MS 15000u

typedef enum {
	DFUD_TRANSPORT_URI_UDP,
	DFUD_TRANSPORT_URI_BLE,
	DFUD_TRANSPORT_URI_SERIAL,
} DfudTransportUriKind;

/* serial: the line speeds termios knows (B1200 .. B4000000), the default, the SMP MTU range */
#define DFUD_TRANSPORT_SERIAL_DEFAULT_BAUD 115200u
#define DFUD_TRANSPORT_SERIAL_MTU_MIN 96u
#define DFUD_TRANSPORT_SERIAL_MTU_MAX 16384u
#define DFUD_TRANSPORT_SERIAL_PATH_MAX 255u

/*
 * A parsed device URI (see dfud_transport_new_for_uri):
 *   udp:HOST[:PORT][?OPTIONS]   HOST an IPv4 address (dotted decimal, four numbers 0..255) or a
 *                               host name (RFC 1123: labels of letters, digits and '-', at
 *                               most 63 characters each and 253 in all, whose last label is
 *                               not all digits); PORT 1..65535 (default 1337)
 *   udp:[IPV6][:PORT][?OPTIONS] e.g. udp:[::1]:1337, udp:[fe80::1%eth0]:1337: a link-local
 *                               address needs its zone (interface name or index)
 *   OPTIONS of udp:, each at most once, separated by '&' (udp:h:1?mtu=1280&att-mtu=247):
 *     mtu=N      the IP MTU of the path to the device, 256..65535 (at least 1280 for an IPv6
 *                address): datagrams carry at most N - 28 bytes (IPv4), N - 48 (IPv6)
 *     att-mtu=N  23..517: the device sits behind a BLE link of ATT MTU N (dfud-sim's air
 *                model, a UDP-to-BLE bridge): packets are sized as for such a link
 *                (fragments of N - 3 bytes, reassembly up to the device's buffer)
 *   ble:ADDRESS[?adapter=hciN], ADDRESS[?adapter=hciN]   ADDRESS = six hex pairs and colons
 *   serial:PATH[?OPTIONS]      PATH absolute (/dev/ttyACM0, /dev/serial/by-id/..., a symlink
 *                              to a port), at most 255 printable characters, no "." or ".."
 *                              component; what it resolves to is checked when opened
 *   OPTIONS of serial:, each at most once:
 *     baud=N     the line speed, one termios knows (1200..4000000; default 115200)
 *     mtu=N      the device's SMP MTU over serial (CONFIG_MCUMGR_TRANSPORT_UART_MTU or
 *                _SHELL_MTU), 96..16384 (default 256): requests carry at most N - 4 bytes
 *     framing=raw  the raw UART transport (CONFIG_MCUMGR_TRANSPORT_RAW_UART): plain SMP
 *                packets, no Base64, markers or CRC (default: framing=smp, spec §6.2)
 * An address no device can have is refused: 0.0.0.0, ::, multicast and broadcast addresses,
 * 00:00:00:00:00:00 and FF:FF:FF:FF:FF:FF.
 */
typedef struct {
	DfudTransportUriKind kind;
	gchar *host;	/* UDP: without brackets; names in lower case, IPv6 as GLib prints it */
	guint16 port;	/* UDP */
	guint att_mtu;	/* UDP: ?att-mtu=N, 0 when absent */
	guint ip_mtu;	/* UDP: ?mtu=N, 0 when absent */
	gchar *address; /* BLE: upper case, "AA:BB:CC:DD:EE:FF" */
	gchar *adapter; /* BLE: "hci0" or NULL for any */
	gchar *path;	/* serial: as given */
	guint baud;	/* serial: ?baud=N, DFUD_TRANSPORT_SERIAL_DEFAULT_BAUD when absent */
	guint serial_mtu; /* serial: ?mtu=N, 0 when absent (256) */
	gboolean raw;	  /* serial: ?framing=raw */
} DfudTransportUri;

/* TRUE when @baud is a speed termios has a constant for */
gboolean dfud_transport_serial_baud_valid(guint baud);

/* DFUD_ERROR_INVALID_ARGUMENT saying what is wrong for anything but the forms above */
DfudTransportUri *dfud_transport_uri_parse(const gchar *uri, GError **error);
void dfud_transport_uri_free(DfudTransportUri *uri);
/* the canonical form: "udp:127.0.0.1:1337", "udp:[::1]:1337",
 * "udp:127.0.0.1:1337?mtu=1280&att-mtu=247", "ble:AA:BB:CC:DD:EE:FF?adapter=hci1",
 * "serial:/dev/ttyACM0?baud=115200[&mtu=N][&framing=raw]" */
gchar *dfud_transport_uri_to_string(const DfudTransportUri *uri);

/* TRUE for a UDP URI whose host is a name, not an address */
gboolean dfud_transport_uri_has_host_name(const DfudTransportUri *uri);
/*
 * The addresses of the host of a UDP @uri, without blocking: an address literal is itself (a
 * zone left out); a name is looked up, for at most DFUD_TRANSPORT_UDP_RESOLVE_TIMEOUT_MS. A
 * name that does not resolve is DFUD_ERROR_NOT_FOUND naming the host and why, @cancellable
 * DFUD_ERROR_CANCELLED, a BLE URI DFUD_ERROR_INVALID_ARGUMENT. finish: a list of GInetAddress
 * (g_resolver_free_addresses), never empty, or NULL with the error.
 */
void dfud_transport_uri_resolve_async(const DfudTransportUri *uri, GCancellable *cancellable,
				      GAsyncReadyCallback callback, gpointer user_data);
GList *dfud_transport_uri_resolve_finish(GAsyncResult *result, GError **error);

/* TRUE for exactly six two-digit hex numbers separated by colons; @out (18 bytes) gets it in
 * upper case when not NULL */
gboolean dfud_transport_bt_address_parse(const gchar *text,
					 gchar out[DFUD_TRANSPORT_BT_ADDRESS_LEN + 1]);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(DfudTransportUri, dfud_transport_uri_free)

G_END_DECLS
