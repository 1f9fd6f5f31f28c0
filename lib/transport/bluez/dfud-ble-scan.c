/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "DfudBle"

#include "dfud-ble-scan.h"

#define CALL_TIMEOUT_MS 10000
/* a failed StartDiscovery (adapter busy, not ready) is tried again after this */
#define RETRY_S 2

typedef enum { STEP_STOP, STEP_FILTER, STEP_START } Step;
static const gchar *const step_methods[] = {"StopDiscovery", "SetDiscoveryFilter",
					    "StartDiscovery"};

struct _DfudBleScan {
	GDBusProxy *adapter;
	gchar *address;
	GCancellable *cancellable;
	gulong props_id;
	guint retry;
	gboolean started; /* our session exists in bluetoothd: StopDiscovery when done */
	gboolean busy;	  /* a call is in flight */
};

/* one call in flight: a cancelled reply (the scan was freed) touches nothing */
typedef struct {
	DfudBleScan *scan;
	Step step;
} Call;

static void call(DfudBleScan *self, Step step);

static void
restart(DfudBleScan *self)
{
	if (self->busy)
		return; /* (re)starting already */
	/* our session may still exist (bluetoothd answers Busy to a second StartDiscovery) */
	call(self, self->started ? STEP_STOP : STEP_FILTER);
}

static gboolean
retry_fired(gpointer user_data)
{
	DfudBleScan *self = user_data;

	self->retry = 0;
	restart(self);
	return G_SOURCE_REMOVE;
}

static void
call_done(GObject *source, GAsyncResult *result, gpointer user_data)
{
	Call *c = user_data;
	DfudBleScan *self = c->scan;
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
call(DfudBleScan *self, Step step)
{
	Call *c = g_new0(Call, 1);
	GVariant *params = NULL;

	if (step == STEP_FILTER) {
		GVariantBuilder filter;

		g_variant_builder_init(&filter, G_VARIANT_TYPE_VARDICT);
		g_variant_builder_add(&filter, "{sv}", "Transport", g_variant_new_string("le"));
		g_variant_builder_add(&filter, "{sv}", "DuplicateData",
				      g_variant_new_boolean(TRUE));
		if (self->address != NULL)
			g_variant_builder_add(&filter, "{sv}", "Pattern",
					      g_variant_new_string(self->address));
		params = g_variant_new("(a{sv})", &filter);
	}
	c->scan = self;
	c->step = step;
	self->busy = TRUE;
	g_dbus_proxy_call(self->adapter, step_methods[step], params, G_DBUS_CALL_FLAGS_NONE,
			  CALL_TIMEOUT_MS, self->cancellable, call_done, c);
}

static void
on_adapter_changed(GDBusProxy *adapter, GVariant *changed, const gchar *const *invalidated,
		   gpointer user_data)
{
	DfudBleScan *self = user_data;
	gboolean discovering;

	(void)adapter;
	(void)invalidated;
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

DfudBleScan *
dfud_ble_scan_start(GDBusProxy *adapter, const gchar *address)
{
	DfudBleScan *self = g_new0(DfudBleScan, 1);

	self->adapter = g_object_ref(adapter);
	self->address = g_strdup(address);
	self->cancellable = g_cancellable_new();
	self->props_id =
	    g_signal_connect(adapter, "g-properties-changed", G_CALLBACK(on_adapter_changed), self);
	call(self, STEP_FILTER);
	return self;
}

gboolean
dfud_ble_scan_is_on(DfudBleScan *self, GDBusProxy *adapter)
{
	return self != NULL && adapter != NULL &&
	       g_strcmp0(g_dbus_proxy_get_object_path(self->adapter),
			 g_dbus_proxy_get_object_path(adapter)) == 0;
}

void
dfud_ble_scan_free(DfudBleScan *self)
{
	if (self == NULL)
		return;
	g_cancellable_cancel(self->cancellable);
	g_clear_handle_id(&self->retry, g_source_remove);
	g_clear_signal_handler(&self->props_id, self->adapter);
	/* also when a StartDiscovery is still in flight: bluetoothd answers them in order */
	if (self->started || self->busy)
		g_dbus_proxy_call(self->adapter, "StopDiscovery", NULL, G_DBUS_CALL_FLAGS_NONE, -1,
				  NULL, NULL, NULL);
	g_object_unref(self->cancellable);
	g_object_unref(self->adapter);
	g_free(self->address);
	g_free(self);
}
