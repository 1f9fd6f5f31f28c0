/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "DfudTransport"

#include "config.h"

#include <gio/gio.h>
#include <string.h>

#include "dfud-error.h"
#include "dfud-transport-ble.h"
#include "dfud-transport-udp.h"
#include "dfud-transport-uri.h"
#include "dfud-transport.h"

/* a URI longer than this is not a device address */
#define DFUD_TRANSPORT_URI_MAX 512u
/* DNS names are at most 253 characters */
#define DFUD_TRANSPORT_HOST_MAX 253u
/* "hci" and up to 4 digits */
#define DFUD_TRANSPORT_ADAPTER_DIGITS_MAX 4u

#define DFUD_TRANSPORT_URI_FORMS                                                                   \
	"expected udp:HOST:PORT[?mtu=N], udp:[IPV6]:PORT[?mtu=N], "                                \
	"ble:AA:BB:CC:DD:EE:FF[?adapter=hciN] or AA:BB:CC:DD:EE:FF"

void
dfud_transport_uri_free(DfudTransportUri *uri)
{
	if (uri == NULL)
		return;
	g_free(uri->host);
	g_free(uri->address);
	g_free(uri->adapter);
	g_free(uri);
}

gboolean
dfud_transport_bt_address_parse(const gchar *text, gchar out[DFUD_TRANSPORT_BT_ADDRESS_LEN + 1])
{
	if (text == NULL || strlen(text) != DFUD_TRANSPORT_BT_ADDRESS_LEN)
		return FALSE;
	for (guint i = 0; i < DFUD_TRANSPORT_BT_ADDRESS_LEN; i++) {
		gboolean colon = (i % 3) == 2;

		if (colon ? text[i] != ':' : !g_ascii_isxdigit(text[i]))
			return FALSE;
	}
	if (out != NULL) {
		for (guint i = 0; i < DFUD_TRANSPORT_BT_ADDRESS_LEN; i++)
			out[i] = g_ascii_toupper(text[i]);
		out[DFUD_TRANSPORT_BT_ADDRESS_LEN] = '\0';
	}
	return TRUE;
}

static gboolean
adapter_valid(const gchar *adapter)
{
	gsize digits;

	if (!g_str_has_prefix(adapter, "hci"))
		return FALSE;
	digits = strlen(adapter + 3);
	if (digits == 0 || digits > DFUD_TRANSPORT_ADAPTER_DIGITS_MAX)
		return FALSE;
	for (gsize i = 0; i < digits; i++) {
		if (!g_ascii_isdigit(adapter[3 + i]))
			return FALSE;
	}
	return TRUE;
}

/* a DNS name or an IPv4 address: letters, digits, '-', '_' and dots, no empty label */
static gboolean
host_name_valid(const gchar *host)
{
	gsize len = strlen(host);

	if (len == 0 || len > DFUD_TRANSPORT_HOST_MAX || host[0] == '.' || host[0] == '-')
		return FALSE;
	for (gsize i = 0; i < len; i++) {
		gchar c = host[i];

		if (c == '.' && (host[i + 1] == '.'))
			return FALSE;
		if (!g_ascii_isalnum(c) && c != '-' && c != '_' && c != '.')
			return FALSE;
	}
	return TRUE;
}

/* an IPv6 literal, optionally with a %zone, as GLib reads it */
static gboolean
ipv6_literal_valid(const gchar *host)
{
	g_autoptr(GSocketAddress) addr = NULL;

	if (strchr(host, ':') == NULL)
		return FALSE;
	addr = g_inet_socket_address_new_from_string(host, DFUD_TRANSPORT_UDP_DEFAULT_PORT);
	return addr != NULL && g_socket_address_get_family(addr) == G_SOCKET_FAMILY_IPV6;
}

static gboolean
port_parse(const gchar *text, guint16 *port)
{
	guint64 value = 0;

	if (text[0] == '\0' || strlen(text) > 5)
		return FALSE;
	for (const gchar *p = text; *p != '\0'; p++) {
		if (!g_ascii_isdigit(*p))
			return FALSE;
		value = value * 10 + (guint64)(*p - '0');
	}
	if (value == 0 || value > G_MAXUINT16)
		return FALSE;
	*port = (guint16)value;
	return TRUE;
}

/* "mtu=N" after a UDP address */
static gboolean
parse_udp_query(const gchar *uri, const gchar *query, DfudTransportUri *out, GError **error)
{
	guint64 value = 0;
	const gchar *text;

	if (!g_str_has_prefix(query, "mtu=")) {
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT,
			    "device URI \"%s\": unknown parameter \"%s\" (only mtu=N)", uri, query);
		return FALSE;
	}
	text = query + strlen("mtu=");
	if (!g_ascii_string_to_unsigned(text, 10, DFUD_TRANSPORT_ATT_MTU_MIN,
					DFUD_TRANSPORT_ATT_MTU_MAX, &value, NULL)) {
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT,
			    "device URI \"%s\": \"%s\" is not an ATT MTU (%u..%u)", uri, text,
			    DFUD_TRANSPORT_ATT_MTU_MIN, DFUD_TRANSPORT_ATT_MTU_MAX);
		return FALSE;
	}
	out->att_mtu = (guint)value;
	return TRUE;
}

static DfudTransportUri *
parse_udp(const gchar *uri, const gchar *address, GError **error)
{
	g_autoptr(DfudTransportUri) out = g_new0(DfudTransportUri, 1);
	const gchar *query = strchr(address, '?');
	g_autofree gchar *rest =
	    query != NULL ? g_strndup(address, (gsize)(query - address)) : g_strdup(address);
	const gchar *port_text = NULL;

	out->kind = DFUD_TRANSPORT_URI_UDP;
	if (query != NULL && !parse_udp_query(uri, query + 1, out, error))
		return NULL;
	out->port = DFUD_TRANSPORT_UDP_DEFAULT_PORT;
	if (rest[0] == '[') {
		const gchar *end = strchr(rest, ']');

		if (end == NULL) {
			g_set_error(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT,
				    "device URI \"%s\": missing ']' after the IPv6 address", uri);
			return NULL;
		}
		out->host = g_strndup(rest + 1, (gsize)(end - rest - 1));
		if (!ipv6_literal_valid(out->host)) {
			g_set_error(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT,
				    "device URI \"%s\": \"%s\" is not an IPv6 address", uri,
				    out->host);
			return NULL;
		}
		if (end[1] == ':') {
			port_text = end + 2;
		} else if (end[1] != '\0') {
			g_set_error(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT,
				    "device URI \"%s\": unexpected text after ']'", uri);
			return NULL;
		}
	} else {
		const gchar *colon = strchr(rest, ':');

		if (colon != NULL && strchr(colon + 1, ':') != NULL) {
			g_set_error(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT,
				    "device URI \"%s\": write an IPv6 address in brackets, as "
				    "udp:[::1]:1337",
				    uri);
			return NULL;
		}
		out->host = colon != NULL ? g_strndup(rest, (gsize)(colon - rest)) : g_strdup(rest);
		if (!host_name_valid(out->host)) {
			g_set_error(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT,
				    "device URI \"%s\": \"%s\" is not a host name or address", uri,
				    out->host);
			return NULL;
		}
		if (colon != NULL)
			port_text = colon + 1;
	}
	if (port_text != NULL && !port_parse(port_text, &out->port)) {
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT,
			    "device URI \"%s\": \"%s\" is not a port number (1..65535)", uri,
			    port_text);
		return NULL;
	}
	return g_steal_pointer(&out);
}

static DfudTransportUri *
parse_ble(const gchar *uri, const gchar *rest, GError **error)
{
	g_autoptr(DfudTransportUri) out = g_new0(DfudTransportUri, 1);
	const gchar *query = strchr(rest, '?');
	g_autofree gchar *address = NULL;
	gchar normalized[DFUD_TRANSPORT_BT_ADDRESS_LEN + 1];

	out->kind = DFUD_TRANSPORT_URI_BLE;
	address = query != NULL ? g_strndup(rest, (gsize)(query - rest)) : g_strdup(rest);
	if (!dfud_transport_bt_address_parse(address, normalized)) {
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT,
			    "device URI \"%s\": \"%s\" is not a Bluetooth address "
			    "(AA:BB:CC:DD:EE:FF)",
			    uri, address);
		return NULL;
	}
	out->address = g_strdup(normalized);
	if (query != NULL) {
		const gchar *value;

		if (!g_str_has_prefix(query + 1, "adapter=")) {
			g_set_error(
			    error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT,
			    "device URI \"%s\": unknown parameter \"%s\" (only adapter=hciN)", uri,
			    query + 1);
			return NULL;
		}
		value = query + 1 + strlen("adapter=");
		if (!adapter_valid(value)) {
			g_set_error(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT,
				    "device URI \"%s\": \"%s\" is not an adapter name (hciN)", uri,
				    value);
			return NULL;
		}
		out->adapter = g_strdup(value);
	}
	return g_steal_pointer(&out);
}

DfudTransportUri *
dfud_transport_uri_parse(const gchar *uri, GError **error)
{
	if (uri == NULL || uri[0] == '\0') {
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT,
			    "empty device URI: " DFUD_TRANSPORT_URI_FORMS);
		return NULL;
	}
	if (strlen(uri) > DFUD_TRANSPORT_URI_MAX || !g_utf8_validate(uri, -1, NULL)) {
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT,
			    "device URI is too long or not text: " DFUD_TRANSPORT_URI_FORMS);
		return NULL;
	}
	if (g_str_has_prefix(uri, "udp:"))
		return parse_udp(uri, uri + 4, error);
	if (g_str_has_prefix(uri, "ble:"))
		return parse_ble(uri, uri + 4, error);
	if (g_ascii_isxdigit(uri[0]) && g_ascii_isxdigit(uri[1]) && uri[2] == ':')
		return parse_ble(uri, uri, error);
	g_set_error(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT,
		    "device URI \"%s\" not understood: " DFUD_TRANSPORT_URI_FORMS, uri);
	return NULL;
}

gchar *
dfud_transport_uri_to_string(const DfudTransportUri *uri)
{
	g_return_val_if_fail(uri != NULL, NULL);

	if (uri->kind == DFUD_TRANSPORT_URI_UDP) {
		g_autofree gchar *query =
		    uri->att_mtu != 0 ? g_strdup_printf("?mtu=%u", uri->att_mtu) : g_strdup("");

		if (strchr(uri->host, ':') != NULL)
			return g_strdup_printf("udp:[%s]:%u%s", uri->host, uri->port, query);
		return g_strdup_printf("udp:%s:%u%s", uri->host, uri->port, query);
	}
	if (uri->adapter != NULL)
		return g_strdup_printf("ble:%s?adapter=%s", uri->address, uri->adapter);
	return g_strdup_printf("ble:%s", uri->address);
}

/*
 * A transport for a device URI (forms in dfud-transport-uri.h); DFUD_ERROR_INVALID_ARGUMENT for
 * anything else. BLE transports use the system bus.
 */
DfudTransport *
dfud_transport_new_for_uri(const gchar *uri, GError **error)
{
	g_autoptr(DfudTransportUri) parsed = dfud_transport_uri_parse(uri, error);

	if (parsed == NULL)
		return NULL;
	if (parsed->kind == DFUD_TRANSPORT_URI_UDP)
		return dfud_transport_udp_new(parsed->host, parsed->port, parsed->att_mtu);
	return dfud_transport_ble_new(parsed->address, parsed->adapter, NULL);
}
