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

typedef struct {
	gint64 ends_at; /* monotonic */
	guint64 call;	/* the Disconnect call whose answer ends it */
	gboolean answered;
} Record;

/* one Disconnect call in flight */
typedef struct {
	gchar *path;
	guint64 call;
} Call;

G_LOCK_DEFINE_STATIC(teardowns);
/* device path -> Record */
static GHashTable *teardowns;
static guint64 last_call;

/* the record of @path, or NULL; drops it when it ended. Called with the lock held. */
static Record *
lookup_locked(const gchar *path)
{
	Record *r = teardowns != NULL ? g_hash_table_lookup(teardowns, path) : NULL;

	if (r != NULL && g_get_monotonic_time() >= r->ends_at) {
		g_hash_table_remove(teardowns, path);
		return NULL;
	}
	return r;
}

static void
disconnect_answered(GObject *source, GAsyncResult *result, gpointer user_data)
{
	Call *c = user_data;
	g_autoptr(GVariant) ret = NULL;
	g_autoptr(GError) error = NULL;
	Record *r;

	ret = g_dbus_connection_call_finish(G_DBUS_CONNECTION(source), result, &error);
	if (ret == NULL)
		g_debug("Device1.Disconnect %s: %s", c->path, error->message);
	else
		g_debug("%s: disconnected", c->path);
	G_LOCK(teardowns);
	r = lookup_locked(c->path);
	/* only this call's record: a later one may be for a link made since */
	if (r != NULL && r->call == c->call) {
		/* refused (the device object is gone, bluetoothd went away): nothing to wait for */
		gint64 grace = ret != NULL ? (gint64)ANSWERED_GRACE_MS * 1000 : 0;

		r->ends_at = MIN(r->ends_at, g_get_monotonic_time() + grace);
		r->answered = TRUE;
	}
	G_UNLOCK(teardowns);
	g_free(c->path);
	g_free(c);
}

void
dfud_ble_teardown_start(GDBusConnection *bus, const gchar *device_path)
{
	Call *c;
	Record *r;

	g_return_if_fail(G_IS_DBUS_CONNECTION(bus));
	g_return_if_fail(device_path != NULL);
	c = g_new0(Call, 1);
	c->path = g_strdup(device_path);
	G_LOCK(teardowns);
	if (teardowns == NULL)
		teardowns = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	c->call = ++last_call;
	r = lookup_locked(device_path);
	/* a second Disconnect while one runs: bluetoothd keeps its first timer, answers both */
	if (r == NULL || r->answered) {
		r = g_new0(Record, 1);
		r->ends_at = g_get_monotonic_time() + (gint64)DFUD_BLE_TEARDOWN_MAX_MS * 1000;
		r->call = c->call;
		g_hash_table_insert(teardowns, g_strdup(device_path), r);
	}
	G_UNLOCK(teardowns);
	g_debug("disconnecting %s", device_path);
	/* with a callback: without one GDBus asks for no answer, and the answer ends the record */
	g_dbus_connection_call(bus, BLUEZ, device_path, IFACE_DEVICE, "Disconnect", NULL, NULL,
			       G_DBUS_CALL_FLAGS_NONE, CALL_TIMEOUT_MS, NULL, disconnect_answered,
			       c);
}

guint
dfud_ble_teardown_remaining_ms(const gchar *device_path)
{
	gint64 left = 0;
	Record *r;

	if (device_path == NULL)
		return 0;
	G_LOCK(teardowns);
	r = lookup_locked(device_path);
	if (r != NULL)
		left = (r->ends_at - g_get_monotonic_time() + 999) / 1000;
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
