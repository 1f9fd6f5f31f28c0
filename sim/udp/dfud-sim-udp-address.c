/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "DfudSimUdp"

#include "config.h"

#include <string.h>

#include "dfud-error.h"
#include "dfud-sim-udp.h"

gboolean
dfud_sim_udp_parse_host_port(const gchar *str, gchar **host, guint16 *port, GError **error)
{
	g_autofree gchar *name = NULL;
	const gchar *colon;
	const gchar *port_str;
	guint64 value = 0;

	g_return_val_if_fail(host != NULL && port != NULL, FALSE);
	if (str == NULL || str[0] == '\0') {
		g_set_error_literal(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT,
				    "expected HOST:PORT, got an empty string");
		return FALSE;
	}
	if (str[0] == '[') {
		const gchar *close = strchr(str, ']');

		if (close == NULL || close[1] != ':') {
			g_set_error(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT,
				    "'%s' is not [IPV6]:PORT", str);
			return FALSE;
		}
		name = g_strndup(str + 1, close - str - 1);
		port_str = close + 2;
	} else {
		colon = strrchr(str, ':');
		if (colon == NULL) {
			g_set_error(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT,
				    "'%s' is not HOST:PORT", str);
			return FALSE;
		}
		if (strchr(str, ':') != colon) {
			g_set_error(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT,
				    "'%s': write an IPv6 address in brackets, as [::1]:PORT", str);
			return FALSE;
		}
		name = g_strndup(str, colon - str);
		port_str = colon + 1;
	}
	if (name[0] == '\0') {
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT, "'%s' has no host",
			    str);
		return FALSE;
	}
	if (!g_ascii_string_to_unsigned(port_str, 10, 0, G_MAXUINT16, &value, NULL)) {
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT,
			    "'%s': the port must be a number in 0..65535", str);
		return FALSE;
	}
	*host = g_steal_pointer(&name);
	*port = (guint16)value;
	return TRUE;
}

gchar *
dfud_sim_udp_address_to_string(GInetSocketAddress *address)
{
	g_autofree gchar *ip = NULL;
	GInetAddress *inet;

	g_return_val_if_fail(G_IS_INET_SOCKET_ADDRESS(address), NULL);
	inet = g_inet_socket_address_get_address(address);
	ip = g_inet_address_to_string(inet);
	if (g_inet_address_get_family(inet) == G_SOCKET_FAMILY_IPV6)
		return g_strdup_printf("[%s]:%u", ip, g_inet_socket_address_get_port(address));
	return g_strdup_printf("%s:%u", ip, g_inet_socket_address_get_port(address));
}

GInetSocketAddress *
dfud_sim_udp_resolve(const gchar *host, guint16 port, GError **error)
{
	g_autoptr(GInetAddress) inet = NULL;
	g_autoptr(GResolver) resolver = NULL;
	g_autoptr(GError) local_error = NULL;
	GList *list;

	g_return_val_if_fail(host != NULL, NULL);
	inet = g_inet_address_new_from_string(host);
	if (inet == NULL) {
		resolver = g_resolver_get_default();
		list = g_resolver_lookup_by_name(resolver, host, NULL, &local_error);
		if (list == NULL) {
			g_set_error(error, DFUD_ERROR, DFUD_ERROR_NOT_FOUND,
				    "cannot resolve '%s': %s", host,
				    local_error != NULL ? local_error->message : "no address");
			return NULL;
		}
		inet = g_object_ref(G_INET_ADDRESS(list->data));
		g_resolver_free_addresses(list);
	}
	return G_INET_SOCKET_ADDRESS(g_inet_socket_address_new(inet, port));
}
