/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "DfudDbusError"

#include "config.h"

#include "dfud-dbus-error.h"
#include "dfud-error.h"

void
dfud_dbus_error_register(void)
{
	static gsize registered = 0;
	static GDBusErrorEntry entries[DFUD_ERROR_LAST];
	static gchar *names[DFUD_ERROR_LAST];

	if (!g_once_init_enter(&registered))
		return;
	for (guint i = 0; i < DFUD_ERROR_LAST; i++) {
		names[i] = g_strconcat(DFUD_DBUS_ERROR_PREFIX, dfud_error_code_to_name(i), NULL);
		entries[i].error_code = (gint)i;
		entries[i].dbus_error_name = names[i];
	}
	/* registers under the domain's quark name; DFUD_ERROR must be that same quark */
	for (guint i = 0; i < DFUD_ERROR_LAST; i++)
		g_dbus_error_register_error(DFUD_ERROR, entries[i].error_code,
					    entries[i].dbus_error_name);
	g_once_init_leave(&registered, 1);
}

void
dfud_dbus_error_return(GDBusMethodInvocation *invocation, const GError *error)
{
	g_autoptr(GError) normalized = dfud_error_normalize(error);

	dfud_dbus_error_register();
	g_dbus_method_invocation_return_gerror(invocation, normalized);
}

GError *
dfud_dbus_error_from_remote(const GError *error)
{
	g_autofree gchar *remote = NULL;
	g_autoptr(GError) copy = NULL;

	dfud_dbus_error_register();
	remote = g_dbus_error_get_remote_error(error);
	copy = g_error_copy(error);
	g_dbus_error_strip_remote_error(copy);
	/* ours come back in our domain: only the "GDBus.Error:NAME: " prefix goes */
	if (copy->domain == DFUD_ERROR)
		return g_steal_pointer(&copy);
	if (g_strcmp0(remote, "org.freedesktop.DBus.Error.AccessDenied") == 0 ||
	    g_error_matches(error, G_DBUS_ERROR, G_DBUS_ERROR_ACCESS_DENIED))
		return g_error_new(DFUD_ERROR, DFUD_ERROR_NOT_AUTHORIZED, "not authorized: %s",
				   copy->message);
	if (g_strcmp0(remote, "org.freedesktop.DBus.Error.ServiceUnknown") == 0 ||
	    g_strcmp0(remote, "org.freedesktop.DBus.Error.UnknownObject") == 0 ||
	    g_strcmp0(remote, "org.freedesktop.DBus.Error.UnknownMethod") == 0 ||
	    g_error_matches(error, G_DBUS_ERROR, G_DBUS_ERROR_SERVICE_UNKNOWN) ||
	    g_error_matches(error, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_OBJECT) ||
	    g_error_matches(error, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_METHOD))
		return g_error_new(DFUD_ERROR, DFUD_ERROR_NOT_FOUND, "%s", copy->message);
	return dfud_error_normalize(copy);
}
