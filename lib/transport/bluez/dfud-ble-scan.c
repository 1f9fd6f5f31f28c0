/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "DfudBle"

#include "dfud-ble-scan.h"

#include "dfud-ble-objects.h"

#define CALL_TIMEOUT_MS 10000
/* a failed StartDiscovery (adapter busy, not ready) is tried again after this */
#define RETRY_S 2

typedef enum { STEP_STOP, STEP_FILTER, STEP_START } Step;
static const gchar *const step_methods[] = {"StopDiscovery", "SetDiscoveryFilter",
					    "StartDiscovery"};

/* the one discovery of a connection, bluetoothd and adapter */
typedef struct {
	gchar *key;
	guint refs;
	GDBusProxy *adapter;
	GCancellable *cancellable;
	guint props_id; /* PropertiesChanged of the adapter: its own, whoever made the proxy */
	guint retry;
	gboolean started; /* our session exists in bluetoothd: StopDiscovery when done */
	gboolean busy;	  /* a call is in flight */
} Session;

struct _DfudBleScan {
	Session *session;
};

/* key -> Session, the running ones (the main context's thread only, as all of the transport) */
static GHashTable *sessions;

/* one call in flight: a cancelled reply (the session was freed) touches nothing */
typedef struct {
	Session *session;
	Step step;
} Call;

static void call(Session *self, Step step);

static gchar *
session_key(GDBusProxy *adapter)
{
	return g_strdup_printf(
	    "%p %s %s", (gpointer)g_dbus_proxy_get_connection(adapter),
	    g_dbus_proxy_get_name(adapter) != NULL ? g_dbus_proxy_get_name(adapter) : "-",
	    g_dbus_proxy_get_object_path(adapter));
}

static void
restart(Session *self)
{
	if (self->busy)
		return; /* (re)starting already */
	/* our session may still exist (bluetoothd answers Busy to a second StartDiscovery) */
	call(self, self->started ? STEP_STOP : STEP_FILTER);
}

static gboolean
retry_fired(gpointer user_data)
{
	Session *self = user_data;

	self->retry = 0;
	restart(self);
	return G_SOURCE_REMOVE;
}

static void
call_done(GObject *source, GAsyncResult *result, gpointer user_data)
{
	Call *c = user_data;
	Session *self = c->session;
	Step step = c->step;
	g_autoptr(GVariant) ret = NULL;
	g_autoptr(GError) error = NULL;

	g_free(c);
	ret = g_dbus_proxy_call_finish(G_DBUS_PROXY(source), result, &error);
	if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
		return; /* freed */
	self->busy = FALSE;
	if (ret == NULL)
		g_debug("Adapter1.%s: %s", step_methods[step], error->message);
	switch (step) {
	case STEP_STOP:
		self->started = FALSE;
		call(self, STEP_FILTER);
		return;
	case STEP_FILTER:
		call(self, STEP_START);
		return;
	case STEP_START:
		if (ret != NULL) {
			self->started = TRUE;
			g_debug("discovering on %s", g_dbus_proxy_get_object_path(self->adapter));
		} else if (self->retry == 0) {
			self->retry = g_timeout_add_seconds(RETRY_S, retry_fired, self);
		}
		break;
	}
}

static void
call(Session *self, Step step)
{
	Call *c = g_new0(Call, 1);
	GVariant *params = NULL;

	if (step == STEP_FILTER) {
		const gchar *uuids[] = {DFUD_BLE_SMP_SERVICE_UUID, NULL};
		GVariantBuilder filter;

		g_variant_builder_init(&filter, G_VARIANT_TYPE_VARDICT);
		g_variant_builder_add(&filter, "{sv}", "Transport", g_variant_new_string("le"));
		g_variant_builder_add(&filter, "{sv}", "DuplicateData",
				      g_variant_new_boolean(TRUE));
		g_variant_builder_add(&filter, "{sv}", "UUIDs", g_variant_new_strv(uuids, -1));
		params = g_variant_new("(a{sv})", &filter);
	}
	c->session = self;
	c->step = step;
	self->busy = TRUE;
	g_dbus_proxy_call(self->adapter, step_methods[step], params, G_DBUS_CALL_FLAGS_NONE,
			  CALL_TIMEOUT_MS, self->cancellable, call_done, c);
}

static void
on_adapter_changed(GDBusConnection *bus, const gchar *sender, const gchar *path, const gchar *iface,
		   const gchar *signal, GVariant *params, gpointer user_data)
{
	Session *self = user_data;
	g_autoptr(GVariant) changed = NULL;
	gboolean discovering;

	(void)bus;
	(void)sender;
	(void)path;
	(void)iface;
	(void)signal;
	if (!g_variant_is_of_type(params, G_VARIANT_TYPE("(sa{sv}as)")))
		return;
	changed = g_variant_get_child_value(params, 1);
	if (!g_variant_lookup(changed, "Discovering", "b", &discovering) || discovering)
		return;
	/*
	 * only for a session that ran (our own StopDiscovery while restarting also turns it
	 * false): bluetoothd itself restarts a running one when the kernel ends it
	 */
	if (self->started && !self->busy) {
		g_debug("discovery ended on %s: starting it again",
			g_dbus_proxy_get_object_path(self->adapter));
		restart(self);
	}
}

static Session *
session_new(GDBusProxy *adapter, gchar *key)
{
	Session *self = g_new0(Session, 1);

	self->key = key;
	self->adapter = g_object_ref(adapter);
	self->cancellable = g_cancellable_new();
	/* not the proxy's signal: its object manager may go with the handle that made it */
	self->props_id = g_dbus_connection_signal_subscribe(
	    g_dbus_proxy_get_connection(adapter), g_dbus_proxy_get_name(adapter),
	    "org.freedesktop.DBus.Properties", "PropertiesChanged",
	    g_dbus_proxy_get_object_path(adapter), DFUD_BLE_IFACE_ADAPTER, G_DBUS_SIGNAL_FLAGS_NONE,
	    on_adapter_changed, self, NULL);
	call(self, STEP_FILTER);
	return self;
}

static void
session_unref(Session *self)
{
	if (--self->refs > 0)
		return;
	g_hash_table_remove(sessions, self->key);
	g_cancellable_cancel(self->cancellable);
	g_clear_handle_id(&self->retry, g_source_remove);
	g_dbus_connection_signal_unsubscribe(g_dbus_proxy_get_connection(self->adapter),
					     self->props_id);
	/* also when a StartDiscovery is still in flight: bluetoothd answers them in order */
	if (self->started || self->busy) {
		g_debug("no more discovery wanted on %s: stopping it",
			g_dbus_proxy_get_object_path(self->adapter));
		g_dbus_proxy_call(self->adapter, "StopDiscovery", NULL, G_DBUS_CALL_FLAGS_NONE,
				  CALL_TIMEOUT_MS, NULL, NULL, NULL);
	}
	g_object_unref(self->cancellable);
	g_object_unref(self->adapter);
	g_free(self->key);
	g_free(self);
}

DfudBleScan *
dfud_ble_scan_start(GDBusProxy *adapter)
{
	DfudBleScan *handle = g_new0(DfudBleScan, 1);
	gchar *key = session_key(adapter);
	Session *session;

	if (sessions == NULL)
		sessions = g_hash_table_new(g_str_hash, g_str_equal);
	session = g_hash_table_lookup(sessions, key);
	if (session == NULL) {
		session = session_new(adapter, key);
		g_hash_table_insert(sessions, session->key, session);
	} else {
		g_free(key);
	}
	session->refs++;
	handle->session = session;
	return handle;
}

gboolean
dfud_ble_scan_is_on(DfudBleScan *self, GDBusProxy *adapter)
{
	g_autofree gchar *key = NULL;

	if (self == NULL || adapter == NULL)
		return FALSE;
	key = session_key(adapter);
	return g_strcmp0(self->session->key, key) == 0;
}

guint
dfud_ble_scan_sessions(void)
{
	return sessions != NULL ? g_hash_table_size(sessions) : 0;
}

void
dfud_ble_scan_free(DfudBleScan *self)
{
	if (self == NULL)
		return;
	session_unref(self->session);
	g_free(self);
}
