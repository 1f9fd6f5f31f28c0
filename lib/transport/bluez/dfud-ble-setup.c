/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "DfudBle"

#include "dfud-ble-objects.h"
#include "dfud-error.h"
#include "dfud-transport-ble-private.h"

/*
 * The setup of an open or wait: the system bus, BlueZ's object manager, the adapter (powered
 * on). Failures here are the system bus's or bluetoothd's, not the link's: they stay
 * DFUD_ERROR_IO, since a fresh link would not mend them. Only a link that went down is
 * DFUD_ERROR_LINK_LOST (dfud-ble-open.c).
 *
 * bluetoothd not running, or without the adapter (restarting, an adapter unplugged or being
 * reset): the operation waits for it, within its own deadline (the open's connect timeout,
 * the wait's), and then fails with DFUD_ERROR_TIMEOUT naming what was missing; an adapter
 * appearing (BlueZ's object manager reports every object again when bluetoothd is back)
 * resumes it. A new bluetoothd knows nothing of the old one's agent: it is registered again.
 */

#define BLUEZ "org.bluez"
#define CALL_TIMEOUT_MS 25000

static void
powered(GObject *source, GAsyncResult *result, gpointer user_data)
{
	g_autoptr(DfudTransportBle) self = user_data;
	g_autoptr(GVariant) ret = NULL;
	g_autoptr(GError) error = NULL;

	ret = g_dbus_proxy_call_finish(G_DBUS_PROXY(source), result, &error);
	if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
		return;
	if (ret == NULL) {
		g_dbus_error_strip_remote_error(error);
		dfud_transport_ble_op_finish(
		    self, g_error_new(DFUD_ERROR, DFUD_ERROR_IO, "powering on %s: %s",
				      g_dbus_proxy_get_object_path(self->adapter), error->message));
		return;
	}
	dfud_ble_open_begin(self);
}

void
dfud_ble_setup_find_adapter(DfudTransportBle *self)
{
	g_autofree gchar *owner =
	    g_dbus_object_manager_client_get_name_owner(G_DBUS_OBJECT_MANAGER_CLIENT(self->om));

	g_clear_object(&self->adapter);
	self->adapter = dfud_ble_objects_pick_adapter(self->om, self->adapter_name,
						      (const gchar *const *)self->allowed_adapters,
						      self->address);
	if (self->adapter == NULL) {
		g_autofree gchar *what = NULL;

		if (owner == NULL)
			what = g_strdup("bluetoothd (org.bluez) is not running");
		else
			what =
			    g_strdup_printf("BlueZ has no Bluetooth adapter%s%s",
					    self->adapter_name != NULL ? " " : "",
					    self->adapter_name != NULL ? self->adapter_name : "");
		/* waited for within the deadline: on_object_added calls again */
		if (g_strcmp0(self->last_error, what) != 0) {
			g_message("%s: waiting for it (up to %u s)", what,
				  (guint)MAX(0, (self->deadline_us - g_get_monotonic_time()) /
						    G_USEC_PER_SEC));
			g_free(self->last_error);
			self->last_error = g_steal_pointer(&what);
		}
		return;
	}
	/* a new bluetoothd: the agent registered with the old one is unknown to it */
	if (self->agent != NULL && g_strcmp0(owner, self->bluez_owner) != 0) {
		g_debug("bluetoothd is %s now: registering the agent again", owner);
		g_clear_pointer(&self->agent, dfud_ble_agent_free);
	}
	g_free(self->bluez_owner);
	self->bluez_owner = g_steal_pointer(&owner);
	g_free(self->device_path);
	self->device_path =
	    dfud_ble_device_path(g_dbus_proxy_get_object_path(self->adapter), self->address);
	if (dfud_ble_proxy_get_bool(self->adapter, "Powered")) {
		dfud_ble_open_begin(self);
		return;
	}
	g_debug("powering on %s", g_dbus_proxy_get_object_path(self->adapter));
	g_dbus_proxy_call(
	    self->adapter, "org.freedesktop.DBus.Properties.Set",
	    g_variant_new("(ssv)", DFUD_BLE_IFACE_ADAPTER, "Powered", g_variant_new_boolean(TRUE)),
	    G_DBUS_CALL_FLAGS_NONE, CALL_TIMEOUT_MS, self->op_cancel, powered, g_object_ref(self));
}

/*
 * bluetoothd went away or was replaced while an operation runs: everything it was doing went
 * with the old one (calls in flight, its discovery session, the link), so the operation starts
 * again from the adapter, waiting for a new bluetoothd if none is there yet
 */
static void
on_owner_changed(GObject *om, GParamSpec *pspec, gpointer user_data)
{
	DfudTransportBle *self = user_data;
	g_autofree gchar *owner =
	    g_dbus_object_manager_client_get_name_owner(G_DBUS_OBJECT_MANAGER_CLIENT(om));

	(void)pspec;
	if (self->op == NULL || g_strcmp0(owner, self->bluez_owner) == 0 ||
	    (self->phase == DFUD_BLE_PH_SETUP && self->adapter == NULL))
		return;
	g_message("%s: bluetoothd %s while %s: starting again from the adapter", self->address,
		  owner != NULL ? "was replaced" : "went away",
		  dfud_ble_open_phase_name(self->phase));
	/* the answers of the old one are not waited for */
	g_cancellable_cancel(self->op_cancel);
	g_object_unref(self->op_cancel);
	self->op_cancel = g_cancellable_new();
	dfud_ble_open_drop_link(self);
	g_clear_pointer(&self->scan, dfud_ble_scan_free);
	g_clear_handle_id(&self->no_service, g_source_remove);
	g_clear_handle_id(&self->relink, g_source_remove);
	g_clear_handle_id(&self->teardown, g_source_remove);
	g_clear_handle_id(&self->stale_retry, g_source_remove);
	self->phase = DFUD_BLE_PH_SETUP;
	dfud_ble_setup_find_adapter(self);
}

static void
got_manager(GObject *source, GAsyncResult *result, gpointer user_data)
{
	g_autoptr(DfudTransportBle) self = user_data;
	g_autoptr(GError) error = NULL;
	GDBusObjectManager *om;

	(void)source;
	om = g_dbus_object_manager_client_new_finish(result, &error);
	if (om == NULL) {
		if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
			return;
		dfud_transport_ble_op_finish(
		    self,
		    g_error_new(DFUD_ERROR, DFUD_ERROR_IO, "talking to BlueZ: %s", error->message));
		return;
	}
	self->om = om;
	dfud_ble_open_watch_objects(self);
	self->om_ids[3] =
	    g_signal_connect(om, "notify::name-owner", G_CALLBACK(on_owner_changed), self);
	dfud_ble_setup_find_adapter(self);
}

static void
got_bus(GObject *source, GAsyncResult *result, gpointer user_data)
{
	g_autoptr(DfudTransportBle) self = user_data;
	g_autoptr(GError) error = NULL;
	GDBusConnection *bus;

	(void)source;
	bus = g_bus_get_finish(result, &error);
	if (bus == NULL) {
		if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
			return;
		dfud_transport_ble_op_finish(
		    self,
		    g_error_new(DFUD_ERROR, DFUD_ERROR_IO, "the system bus: %s", error->message));
		return;
	}
	self->bus = bus;
	dfud_ble_open_setup(self);
}

void
dfud_ble_open_setup(DfudTransportBle *self)
{
	self->phase = DFUD_BLE_PH_SETUP;
	if (self->bus == NULL)
		g_bus_get(G_BUS_TYPE_SYSTEM, self->op_cancel, got_bus, g_object_ref(self));
	else if (self->om == NULL)
		g_dbus_object_manager_client_new(
		    self->bus, G_DBUS_OBJECT_MANAGER_CLIENT_FLAGS_DO_NOT_AUTO_START, BLUEZ, "/",
		    NULL, NULL, NULL, self->op_cancel, got_manager, g_object_ref(self));
	else
		dfud_ble_setup_find_adapter(self);
}
