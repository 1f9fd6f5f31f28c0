/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "DfudTransport"

#include "config.h"

#include <string.h>

#include "dfud-error.h"
#include "dfud-transport-uri.h"

/* a URI longer than this is not a device address */
#define DFUD_TRANSPORT_URI_MAX 512u
/* RFC 1123 section 2.1 (and RFC 1035 section 2.3.4): names and labels */
#define DFUD_TRANSPORT_HOST_MAX 253u
#define DFUD_TRANSPORT_LABEL_MAX 63u
/* an interface name as a zone: IFNAMSIZ - 1 */
#define DFUD_TRANSPORT_ZONE_MAX 15u
/* "hci" and up to 4 digits */
#define DFUD_TRANSPORT_ADAPTER_DIGITS_MAX 4u

#define DFUD_TRANSPORT_URI_FORMS                                                                   \
	"expected udp:HOST[:PORT][?mtu=N&att-mtu=N], udp:[IPV6][:PORT][?...], "                    \
	"ble:AA:BB:CC:DD:EE:FF[?adapter=hciN], AA:BB:CC:DD:EE:FF or "                              \
	"serial:/dev/PORT[?baud=N&mtu=N&framing=raw]"

void
dfud_transport_uri_free(DfudTransportUri *uri)
{
	if (uri == NULL)
		return;
	g_free(uri->host);
	g_free(uri->address);
	g_free(uri->adapter);
	g_free(uri->path);
	g_free(uri);
}

static gboolean G_GNUC_PRINTF(3, 4)
    uri_error(GError **error, const gchar *uri, const gchar *format, ...)
{
	g_autofree gchar *what = NULL;
	va_list args;

	va_start(args, format);
	what = g_strdup_vprintf(format, args);
	va_end(args);
	g_set_error(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT, "device URI \"%s\": %s", uri,
		    what);
	return FALSE;
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

static gboolean
all_digits(const gchar *text, gsize len)
{
	if (len == 0)
		return FALSE;
	for (gsize i = 0; i < len; i++) {
		if (!g_ascii_isdigit(text[i]))
			return FALSE;
	}
	return TRUE;
}

/* four decimal numbers 0..255 without leading zeros (which some read as octal), dot-separated */
static gboolean
ipv4_dotted_valid(const gchar *host)
{
	g_auto(GStrv) parts = g_strsplit(host, ".", -1);

	if (g_strv_length(parts) != 4)
		return FALSE;
	for (guint i = 0; i < 4; i++) {
		gsize len = strlen(parts[i]);

		if (!all_digits(parts[i], len) || len > 3 || (len > 1 && parts[i][0] == '0') ||
		    g_ascii_strtoull(parts[i], NULL, 10) > 255)
			return FALSE;
	}
	return TRUE;
}

/* RFC 1123 section 2.1: labels of letters, digits and '-', neither first nor last a '-' */
static gboolean
host_name_valid(const gchar *host, const gchar **why)
{
	gsize len = strlen(host);
	gsize label = 0;

	if (len > DFUD_TRANSPORT_HOST_MAX) {
		*why = "longer than 253 characters";
		return FALSE;
	}
	for (gsize i = 0; i <= len; i++) {
		gchar c = host[i];

		if (c == '.' || c == '\0') {
			if (label == 0) {
				*why = "an empty label";
				return FALSE;
			}
			if (host[i - 1] == '-') {
				*why = "a label ends with '-'";
				return FALSE;
			}
			label = 0;
			continue;
		}
		if (!g_ascii_isalnum(c) && c != '-') {
			*why = "only letters, digits, '-' and '.' make a host name";
			return FALSE;
		}
		if (label == 0 && c == '-') {
			*why = "a label starts with '-'";
			return FALSE;
		}
		if (++label > DFUD_TRANSPORT_LABEL_MAX) {
			*why = "a label is longer than 63 characters";
			return FALSE;
		}
	}
	return TRUE;
}

/* the zone of a link-local IPv6 address: an interface name or index (as Linux accepts them) */
static gboolean
zone_valid(const gchar *zone)
{
	gsize len = strlen(zone);

	if (len == 0 || len > DFUD_TRANSPORT_ZONE_MAX || g_str_equal(zone, ".") ||
	    g_str_equal(zone, ".."))
		return FALSE;
	for (gsize i = 0; i < len; i++) {
		if (!g_ascii_isalnum(zone[i]) && zone[i] != '-' && zone[i] != '_' && zone[i] != '.')
			return FALSE;
	}
	return TRUE;
}

/* no device sits at an unspecified, multicast or broadcast address */
static gboolean
address_usable(GInetAddress *address)
{
	g_autofree gchar *text = g_inet_address_to_string(address);

	return !g_inet_address_get_is_any(address) && !g_inet_address_get_is_multicast(address) &&
	       !g_str_equal(text, "255.255.255.255");
}

/* "[IPV6[%ZONE]]": the address in GLib's form, the zone as given */
static gboolean
parse_ipv6(const gchar *uri, const gchar *literal, DfudTransportUri *out, GError **error)
{
	const gchar *percent = strchr(literal, '%');
	g_autofree gchar *bare =
	    percent != NULL ? g_strndup(literal, (gsize)(percent - literal)) : g_strdup(literal);
	g_autoptr(GInetAddress) address = g_inet_address_new_from_string(bare);
	g_autofree gchar *text = NULL;

	if (address == NULL || g_inet_address_get_family(address) != G_SOCKET_FAMILY_IPV6)
		return uri_error(error, uri, "\"%s\" is not an IPv6 address", bare);
	if (!address_usable(address))
		return uri_error(error, uri, "%s cannot be a device's address", bare);
	if (percent != NULL && !zone_valid(percent + 1))
		return uri_error(error, uri,
				 "\"%s\" is not a zone (an interface name or index, as in "
				 "[fe80::1%%eth0])",
				 percent + 1);
	if (percent == NULL && g_inet_address_get_is_link_local(address))
		return uri_error(error, uri,
				 "the link-local address %s needs its interface, as in "
				 "udp:[%s%%eth0]",
				 bare, bare);
	if (percent != NULL && !g_inet_address_get_is_link_local(address))
		return uri_error(error, uri, "a zone (%%%s) is for link-local addresses only",
				 percent + 1);
	text = g_inet_address_to_string(address);
	out->host = percent != NULL ? g_strconcat(text, percent, NULL) : g_steal_pointer(&text);
	return TRUE;
}

/* an IPv4 address or a host name (then kept in lower case) */
static gboolean
parse_host(const gchar *uri, const gchar *host, DfudTransportUri *out, GError **error)
{
	const gchar *last = strrchr(host, '.');
	const gchar *label = last != NULL ? last + 1 : host;
	const gchar *why = NULL;

	if (host[0] == '\0')
		return uri_error(error, uri, "no host before the port");
	/* RFC 1123 section 2.1: a name's last label is never all digits, so this is an address */
	if (all_digits(label, strlen(label))) {
		g_autoptr(GInetAddress) address = NULL;

		if (!ipv4_dotted_valid(host))
			return uri_error(error, uri,
					 "\"%s\" is not an IPv4 address (four numbers 0..255)",
					 host);
		address = g_inet_address_new_from_string(host);
		if (address == NULL || !address_usable(address))
			return uri_error(error, uri, "%s cannot be a device's address", host);
		out->host = g_strdup(host);
		return TRUE;
	}
	if (!host_name_valid(host, &why))
		return uri_error(error, uri, "\"%s\" is not a host name: %s", host, why);
	out->host = g_ascii_strdown(host, -1);
	return TRUE;
}

static gboolean
port_parse(const gchar *text, guint16 *port)
{
	guint64 value = 0;
	gsize len = strlen(text);

	if (!all_digits(text, len) || len > 5)
		return FALSE;
	value = g_ascii_strtoull(text, NULL, 10);
	if (value == 0 || value > G_MAXUINT16)
		return FALSE;
	*port = (guint16)value;
	return TRUE;
}

/* a decimal number in [min, max] */
static gboolean
option_number(const gchar *uri, const gchar *key, const gchar *value, guint min, guint max,
	      const gchar *what, guint *out, GError **error)
{
	guint64 number = 0;

	if (!all_digits(value, strlen(value)) ||
	    !g_ascii_string_to_unsigned(value, 10, min, max, &number, NULL))
		return uri_error(error, uri, "%s=%s: not %s (%u..%u)", key, value, what, min, max);
	*out = (guint)number;
	return TRUE;
}

/* the speeds of termios(3) (Linux B1200 .. B4000000) */
static const guint serial_bauds[] = {
    1200,   1800,   2400,   4800,    9600,    19200,   38400,	57600,	 115200,  230400,  460800,
    500000, 576000, 921600, 1000000, 1152000, 1500000, 2000000, 2500000, 3000000, 3500000, 4000000};

gboolean
dfud_transport_serial_baud_valid(guint baud)
{
	for (guint i = 0; i < G_N_ELEMENTS(serial_bauds); i++) {
		if (serial_bauds[i] == baud)
			return TRUE;
	}
	return FALSE;
}

static gboolean
parse_serial_option(const gchar *uri, const gchar *key, const gchar *value, DfudTransportUri *out,
		    GError **error)
{
	if (g_str_equal(key, "baud")) {
		guint baud = 0;

		if (out->baud != 0)
			return uri_error(error, uri, "baud= is given twice");
		if (!option_number(uri, key, value, serial_bauds[0],
				   serial_bauds[G_N_ELEMENTS(serial_bauds) - 1], "a line speed",
				   &baud, error))
			return FALSE;
		if (!dfud_transport_serial_baud_valid(baud))
			return uri_error(error, uri,
					 "baud=%u: not a speed termios knows (9600, 115200, "
					 "230400, 460800, 921600, 1000000, ...)",
					 baud);
		out->baud = baud;
		return TRUE;
	}
	if (g_str_equal(key, "mtu")) {
		if (out->serial_mtu != 0)
			return uri_error(error, uri, "mtu= is given twice");
		return option_number(uri, key, value, DFUD_TRANSPORT_SERIAL_MTU_MIN,
				     DFUD_TRANSPORT_SERIAL_MTU_MAX, "an SMP MTU", &out->serial_mtu,
				     error);
	}
	if (g_str_equal(key, "framing")) {
		if (!g_str_equal(value, "raw") && !g_str_equal(value, "smp"))
			return uri_error(error, uri, "framing=%s: not smp or raw", value);
		out->raw = g_str_equal(value, "raw");
		return TRUE;
	}
	return uri_error(
	    error, uri, "unknown option \"%s\" (serial: takes baud=N, mtu=N and framing=raw)", key);
}

static gboolean
parse_option(const gchar *uri, const gchar *key, const gchar *value, DfudTransportUri *out,
	     GError **error)
{
	if (out->kind == DFUD_TRANSPORT_URI_UDP && g_str_equal(key, "mtu")) {
		if (out->ip_mtu != 0)
			return uri_error(error, uri, "mtu= is given twice");
		return option_number(uri, key, value, DFUD_TRANSPORT_IP_MTU_MIN,
				     DFUD_TRANSPORT_IP_MTU_MAX, "an IP MTU", &out->ip_mtu, error);
	}
	if (out->kind == DFUD_TRANSPORT_URI_UDP && g_str_equal(key, "att-mtu")) {
		if (out->att_mtu != 0)
			return uri_error(error, uri, "att-mtu= is given twice");
		return option_number(uri, key, value, DFUD_TRANSPORT_ATT_MTU_MIN,
				     DFUD_TRANSPORT_ATT_MTU_MAX, "an ATT MTU", &out->att_mtu,
				     error);
	}
	if (out->kind == DFUD_TRANSPORT_URI_BLE && g_str_equal(key, "adapter")) {
		if (out->adapter != NULL)
			return uri_error(error, uri, "adapter= is given twice");
		if (!adapter_valid(value))
			return uri_error(error, uri, "adapter=%s: not an adapter name (hciN)",
					 value);
		out->adapter = g_strdup(value);
		return TRUE;
	}
	if (out->kind == DFUD_TRANSPORT_URI_SERIAL)
		return parse_serial_option(uri, key, value, out, error);
	return uri_error(error, uri, "unknown option \"%s\" (%s takes %s)", key,
			 out->kind == DFUD_TRANSPORT_URI_UDP ? "udp:" : "ble:",
			 out->kind == DFUD_TRANSPORT_URI_UDP ? "mtu=N and att-mtu=N"
							     : "adapter=hciN");
}

/* "KEY=VALUE[&KEY=VALUE...]" after the '?' */
static gboolean
parse_query(const gchar *uri, const gchar *query, DfudTransportUri *out, GError **error)
{
	g_auto(GStrv) options = g_strsplit(query, "&", -1);

	if (query[0] == '\0')
		return uri_error(error, uri, "nothing after '?' is not an option (KEY=VALUE)");
	for (guint i = 0; options[i] != NULL; i++) {
		const gchar *eq = strchr(options[i], '=');
		g_autofree gchar *key = NULL;

		if (eq == NULL || eq == options[i] || eq[1] == '\0')
			return uri_error(error, uri, "\"%s\" is not an option (KEY=VALUE)",
					 options[i]);
		key = g_strndup(options[i], (gsize)(eq - options[i]));
		if (!parse_option(uri, key, eq + 1, out, error))
			return FALSE;
	}
	return TRUE;
}

/* @text up to its '?', @query where that is (NULL for none) */
static gchar *
before_query(const gchar *text, const gchar **query)
{
	*query = strchr(text, '?');
	return *query != NULL ? g_strndup(text, (gsize)(*query - text)) : g_strdup(text);
}

static DfudTransportUri *
parse_udp(const gchar *uri, const gchar *address, GError **error)
{
	g_autoptr(DfudTransportUri) out = g_new0(DfudTransportUri, 1);
	const gchar *query = NULL;
	g_autofree gchar *rest = before_query(address, &query);
	const gchar *port_text = NULL;

	out->kind = DFUD_TRANSPORT_URI_UDP;
	out->port = DFUD_TRANSPORT_UDP_DEFAULT_PORT;
	if (rest[0] == '[') {
		const gchar *end = strchr(rest, ']');
		g_autofree gchar *literal = NULL;

		if (end == NULL) {
			uri_error(error, uri, "missing ']' after the IPv6 address");
			return NULL;
		}
		literal = g_strndup(rest + 1, (gsize)(end - rest - 1));
		if (!parse_ipv6(uri, literal, out, error))
			return NULL;
		if (end[1] == ':') {
			port_text = end + 2;
		} else if (end[1] != '\0') {
			uri_error(error, uri, "unexpected text after ']'");
			return NULL;
		}
	} else {
		const gchar *colon = strchr(rest, ':');
		g_autofree gchar *host = NULL;

		if (colon != NULL && strchr(colon + 1, ':') != NULL) {
			uri_error(error, uri,
				  "write an IPv6 address in brackets, as udp:[::1]:1337");
			return NULL;
		}
		host = colon != NULL ? g_strndup(rest, (gsize)(colon - rest)) : g_strdup(rest);
		if (!parse_host(uri, host, out, error))
			return NULL;
		if (colon != NULL)
			port_text = colon + 1;
	}
	if (port_text != NULL && !port_parse(port_text, &out->port)) {
		uri_error(error, uri, "\"%s\" is not a port number (1..65535)", port_text);
		return NULL;
	}
	if (query != NULL && !parse_query(uri, query + 1, out, error))
		return NULL;
	if (out->ip_mtu != 0 && out->ip_mtu < DFUD_TRANSPORT_IPV6_MTU_MIN &&
	    strchr(out->host, ':') != NULL) {
		uri_error(error, uri, "mtu=%u: IPv6 paths carry at least %u bytes", out->ip_mtu,
			  DFUD_TRANSPORT_IPV6_MTU_MIN);
		return NULL;
	}
	return g_steal_pointer(&out);
}

static DfudTransportUri *
parse_ble(const gchar *uri, const gchar *rest, GError **error)
{
	g_autoptr(DfudTransportUri) out = g_new0(DfudTransportUri, 1);
	const gchar *query = NULL;
	g_autofree gchar *address = before_query(rest, &query);
	gchar normalized[DFUD_TRANSPORT_BT_ADDRESS_LEN + 1];

	out->kind = DFUD_TRANSPORT_URI_BLE;
	if (!dfud_transport_bt_address_parse(address, normalized)) {
		uri_error(error, uri, "\"%s\" is not a Bluetooth address (AA:BB:CC:DD:EE:FF)",
			  address);
		return NULL;
	}
	/* BlueZ's BDADDR_ANY and BDADDR_NONE */
	if (g_str_equal(normalized, "00:00:00:00:00:00") ||
	    g_str_equal(normalized, "FF:FF:FF:FF:FF:FF")) {
		uri_error(error, uri, "%s cannot be a device's address", normalized);
		return NULL;
	}
	out->address = g_strdup(normalized);
	if (query != NULL && !parse_query(uri, query + 1, out, error))
		return NULL;
	return g_steal_pointer(&out);
}

/* an absolute path of printable characters without "." or ".." components */
static gboolean
serial_path_valid(const gchar *path, const gchar **why)
{
	g_auto(GStrv) parts = NULL;

	if (path[0] != '/') {
		*why = "not an absolute path";
		return FALSE;
	}
	if (strlen(path) > DFUD_TRANSPORT_SERIAL_PATH_MAX) {
		*why = "longer than 255 characters";
		return FALSE;
	}
	for (const gchar *p = path; *p != '\0'; p++) {
		if (!g_ascii_isgraph(*p)) {
			*why = "holds a space or a control character";
			return FALSE;
		}
	}
	parts = g_strsplit(path + 1, "/", -1);
	for (guint i = 0; parts[i] != NULL; i++) {
		if (parts[i][0] == '\0' || g_str_equal(parts[i], ".") ||
		    g_str_equal(parts[i], "..")) {
			*why = "has an empty, \".\" or \"..\" component";
			return FALSE;
		}
	}
	return TRUE;
}

static DfudTransportUri *
parse_serial(const gchar *uri, const gchar *rest, GError **error)
{
	g_autoptr(DfudTransportUri) out = g_new0(DfudTransportUri, 1);
	const gchar *query = NULL;
	g_autofree gchar *path = before_query(rest, &query);
	const gchar *why = NULL;

	out->kind = DFUD_TRANSPORT_URI_SERIAL;
	if (!serial_path_valid(path, &why)) {
		uri_error(error, uri, "\"%s\" is not a serial port's path: %s", path, why);
		return NULL;
	}
	out->path = g_steal_pointer(&path);
	if (query != NULL && !parse_query(uri, query + 1, out, error))
		return NULL;
	if (out->baud == 0)
		out->baud = DFUD_TRANSPORT_SERIAL_DEFAULT_BAUD;
	return g_steal_pointer(&out);
}

DfudTransportUri *
dfud_transport_uri_parse(const gchar *uri, GError **error)
{
	const gchar *colon;

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
	if (g_str_has_prefix(uri, "serial:"))
		return parse_serial(uri, uri + 7, error);
	if (g_ascii_isxdigit(uri[0]) && g_ascii_isxdigit(uri[1]) && uri[2] == ':')
		return parse_ble(uri, uri, error);
	/* SCHEME: as RFC 3986 section 3.1 has it */
	colon = strchr(uri, ':');
	if (colon != NULL && colon > uri && g_ascii_isalpha(uri[0]) &&
	    strspn(uri, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+-.") ==
		(gsize)(colon - uri)) {
		g_set_error(
		    error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT,
		    "device URI \"%s\": unknown scheme \"%.*s:\": " DFUD_TRANSPORT_URI_FORMS, uri,
		    (int)(colon - uri), uri);
		return NULL;
	}
	g_set_error(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT,
		    "device URI \"%s\" not understood: " DFUD_TRANSPORT_URI_FORMS, uri);
	return NULL;
}

gchar *
dfud_transport_uri_to_string(const DfudTransportUri *uri)
{
	g_return_val_if_fail(uri != NULL, NULL);

	if (uri->kind == DFUD_TRANSPORT_URI_UDP) {
		GString *out = g_string_new("udp:");
		const gchar *sep = "?";

		if (strchr(uri->host, ':') != NULL)
			g_string_append_printf(out, "[%s]:%u", uri->host, uri->port);
		else
			g_string_append_printf(out, "%s:%u", uri->host, uri->port);
		if (uri->ip_mtu != 0) {
			g_string_append_printf(out, "%smtu=%u", sep, uri->ip_mtu);
			sep = "&";
		}
		if (uri->att_mtu != 0)
			g_string_append_printf(out, "%satt-mtu=%u", sep, uri->att_mtu);
		return g_string_free(out, FALSE);
	}
	if (uri->kind == DFUD_TRANSPORT_URI_SERIAL) {
		GString *out = g_string_new("serial:");

		g_string_append_printf(out, "%s?baud=%u", uri->path, uri->baud);
		if (uri->serial_mtu != 0)
			g_string_append_printf(out, "&mtu=%u", uri->serial_mtu);
		if (uri->raw)
			g_string_append(out, "&framing=raw");
		return g_string_free(out, FALSE);
	}
	if (uri->adapter != NULL)
		return g_strdup_printf("ble:%s?adapter=%s", uri->address, uri->adapter);
	return g_strdup_printf("ble:%s", uri->address);
}

gboolean
dfud_transport_uri_has_host_name(const DfudTransportUri *uri)
{
	g_autoptr(GInetAddress) address = NULL;
	g_autofree gchar *bare = NULL;

	g_return_val_if_fail(uri != NULL, FALSE);
	if (uri->kind != DFUD_TRANSPORT_URI_UDP)
		return FALSE;
	bare = g_strndup(uri->host, strcspn(uri->host, "%"));
	address = g_inet_address_new_from_string(bare);
	return address == NULL;
}

/* ---- does the name resolve ---- */

typedef struct {
	gchar *host;
	GCancellable *lookup; /* cancelled by the timeout, or by the caller's cancellable */
	GSource *timeout;
	gulong cancel_id;
	gboolean timed_out;
} ResolveData;

static void
resolve_data_free(ResolveData *data)
{
	if (data->timeout != NULL) {
		g_source_destroy(data->timeout);
		g_source_unref(data->timeout);
	}
	g_clear_object(&data->lookup);
	g_free(data->host);
	g_free(data);
}

static gboolean
resolve_timeout_cb(gpointer user_data)
{
	ResolveData *data = user_data;

	data->timed_out = TRUE;
	g_cancellable_cancel(data->lookup);
	return G_SOURCE_REMOVE;
}

static void
resolve_cancelled_cb(GCancellable *cancellable, gpointer user_data)
{
	g_cancellable_cancel(user_data);
}

static void
resolved_cb(GObject *source, GAsyncResult *res, gpointer user_data)
{
	g_autoptr(GTask) task = user_data;
	ResolveData *data = g_task_get_task_data(task);
	g_autoptr(GError) error = NULL;
	GList *addresses = g_resolver_lookup_by_name_finish(G_RESOLVER(source), res, &error);

	g_cancellable_disconnect(g_task_get_cancellable(task), data->cancel_id);
	data->cancel_id = 0;
	if (addresses != NULL) {
		g_task_return_pointer(task, addresses, (GDestroyNotify)g_resolver_free_addresses);
	} else if (data->timed_out) {
		g_task_return_new_error(task, DFUD_ERROR, DFUD_ERROR_NOT_FOUND,
					"host \"%s\" did not resolve within %u ms", data->host,
					DFUD_TRANSPORT_UDP_RESOLVE_TIMEOUT_MS);
	} else if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
		g_task_return_new_error(task, DFUD_ERROR, DFUD_ERROR_CANCELLED,
					"resolving host \"%s\" was cancelled", data->host);
	} else {
		g_task_return_new_error(task, DFUD_ERROR, DFUD_ERROR_NOT_FOUND,
					"host \"%s\" does not resolve: %s", data->host,
					error != NULL ? error->message : "no address");
	}
}

void
dfud_transport_uri_resolve_async(const DfudTransportUri *uri, GCancellable *cancellable,
				 GAsyncReadyCallback callback, gpointer user_data)
{
	g_autoptr(GTask) task = g_task_new(NULL, cancellable, callback, user_data);
	g_autoptr(GResolver) resolver = NULL;
	ResolveData *data;

	g_return_if_fail(uri != NULL);
	g_task_set_source_tag(task, dfud_transport_uri_resolve_async);
	/* a cancelled lookup is DFUD_ERROR_CANCELLED, returned by resolved_cb */
	g_task_set_check_cancellable(task, FALSE);
	if (uri->kind != DFUD_TRANSPORT_URI_UDP) {
		g_task_return_new_error(task, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT,
					"%s has no host to resolve",
					uri->address != NULL ? uri->address : uri->path);
		return;
	}
	if (!dfud_transport_uri_has_host_name(uri)) {
		g_autofree gchar *bare = g_strndup(uri->host, strcspn(uri->host, "%"));
		GList *literal = g_list_append(NULL, g_inet_address_new_from_string(bare));

		g_task_return_pointer(task, literal, (GDestroyNotify)g_resolver_free_addresses);
		return;
	}
	data = g_new0(ResolveData, 1);
	data->host = g_strdup(uri->host);
	data->lookup = g_cancellable_new();
	g_task_set_task_data(task, data, (GDestroyNotify)resolve_data_free);
	if (cancellable != NULL)
		data->cancel_id = g_cancellable_connect(
		    cancellable, G_CALLBACK(resolve_cancelled_cb), data->lookup, NULL);
	data->timeout = g_timeout_source_new(DFUD_TRANSPORT_UDP_RESOLVE_TIMEOUT_MS);
	g_source_set_callback(data->timeout, resolve_timeout_cb, data, NULL);
	g_source_attach(data->timeout, g_task_get_context(task));
	resolver = g_resolver_get_default();
	g_resolver_lookup_by_name_async(resolver, data->host, data->lookup, resolved_cb,
					g_steal_pointer(&task));
}

GList *
dfud_transport_uri_resolve_finish(GAsyncResult *result, GError **error)
{
	g_return_val_if_fail(g_task_is_valid(result, NULL), NULL);
	return g_task_propagate_pointer(G_TASK(result), error);
}
