/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "DfudBle"

#include "dfud-ble-teardown.h"

#define BLUEZ "org.bluez"
#define IFACE_DEVICE "org.bluez.Device1"
/* after the answer: the PropertiesChanged(Connected=false) that bluetoothd sends after it */
#define ANSWERED_GRACE_MS 1000
/* the call itself: bluetoothd answers when the link is down, within DFUD_BLE_TEARDOWN_MAX_MS */
#define CALL_TIMEOUT_MS (DFUD_BLE_TEARDOWN_MAX_MS + 5000)

G_LOCK_DEFINE_STATIC(teardowns);
/* device path -> gint64 *: the monotonic time at which the record ends */
static GHashTable *teardowns;

/* the record of @path, or NULL; drops it when it ended. Called with the lock held. */
static gint64 *
lookup_locked(const gchar *path)
{
	gint64 *ends_at = teardowns != NULL ? g_hash_table_lookup(teardowns, path) : NULL;

	if (ends_at != NULL && g_get_monotonic_time() >= *ends_at) {
		g_hash_table_remove(teardowns, path);
		return NULL;
	}
	return ends_at;
}

static void
end_by(const gchar *path, guint ms)
{
	gint64 *ends_at;

	G_LOCK(teardowns);
	ends_at = lookup_locked(path);
	if (ends_at != NULL)
		*ends_at = MIN(*ends_at, g_get_monotonic_time() + (gint64)ms * 1000);
	G_UNLOCK(teardowns);
}

static void
disconnect_answered(GObject *source, GAsyncResult *result, gpointer user_data)
{
	g_autofree gchar *path = user_data;
	g_autoptr(GVariant) ret = NULL;
	g_autoptr(GError) error = NULL;

	ret = g_dbus_connection_call_finish(G_DBUS_CONNECTION(source), result, &error);
	if (ret == NULL) {
		/* refused (the device object is gone, bluetoothd went away): nothing to wait for */
		g_debug("Device1.Disconnect %s: %s", path, error->message);
		end_by(path, 0);
		return;
	}
	g_debug("%s: disconnected", path);
	end_by(path, ANSWERED_GRACE_MS);
}

void
dfud_ble_teardown_start(GDBusConnection *bus, const gchar *device_path)
{
	gint64 *ends_at = g_new(gint64, 1);

	g_return_if_fail(G_IS_DBUS_CONNECTION(bus));
	g_return_if_fail(device_path != NULL);
	*ends_at = g_get_monotonic_time() + (gint64)DFUD_BLE_TEARDOWN_MAX_MS * 1000;
	G_LOCK(teardowns);
	if (teardowns == NULL)
		teardowns = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	/* a second Disconnect while one runs: bluetoothd keeps its first timer */
	if (lookup_locked(device_path) == NULL)
		g_hash_table_insert(teardowns, g_strdup(device_path), g_steal_pointer(&ends_at));
	G_UNLOCK(teardowns);
	g_free(ends_at);
	g_debug("disconnecting %s", device_path);
	/* with a callback: without one GDBus asks for no answer, and the answer ends the record */
	g_dbus_connection_call(bus, BLUEZ, device_path, IFACE_DEVICE, "Disconnect", NULL, NULL,
			       G_DBUS_CALL_FLAGS_NONE, CALL_TIMEOUT_MS, NULL, disconnect_answered,
			       g_strdup(device_path));
}

guint
dfud_ble_teardown_remaining_ms(const gchar *device_path)
{
	gint64 left = 0;
	gint64 *ends_at;

	if (device_path == NULL)
		return 0;
	G_LOCK(teardowns);
	ends_at = lookup_locked(device_path);
	if (ends_at != NULL)
		left = (*ends_at - g_get_monotonic_time() + 999) / 1000;
	G_UNLOCK(teardowns);
	return (guint)CLAMP(left, 0, (gint64)DFUD_BLE_TEARDOWN_MAX_MS);
}

void
dfud_ble_teardown_ended(const gchar *device_path)
{
	if (device_path == NULL)
		return;
	G_LOCK(teardowns);
	if (teardowns != NULL)
		g_hash_table_remove(teardowns, device_path);
	G_UNLOCK(teardowns);
}
