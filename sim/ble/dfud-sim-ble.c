/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "DfudSimBle"

#include "config.h"

#include "dfud-sim-ble.h"

#include "dfud-error.h"
#include "dfud-sim-ble-agent.h"
#include "dfud-sim-ble-app.h"
#include "dfud-sim-ble-reassembly.h"

#define BLUEZ "org.bluez"
#define IFACE_OM "org.freedesktop.DBus.ObjectManager"
#define IFACE_PROPS "org.freedesktop.DBus.Properties"
#define IFACE_ADAPTER "org.bluez.Adapter1"
#define IFACE_DEVICE "org.bluez.Device1"
#define IFACE_GATT_MANAGER "org.bluez.GattManager1"
#define IFACE_ADV_MANAGER "org.bluez.LEAdvertisingManager1"
/* the ATT MTU every LE link starts with; BlueZ reports the negotiated one with each write */
#define ATT_MTU_MIN 23u
/*
 * Zephyr notifies ATT_MTU - 3 bytes at a time. bluetoothd (5.66) packs notifications into
 * Multiple Handle Value Notifications (handle + length + value) when the central supports them,
 * and silently truncates a value to ATT_MTU - 5 there: send at most that much per notification.
 */
#define NOTIFY_OVERHEAD 5u
#define CALL_TIMEOUT_MS 25000

typedef enum { ADV_OFF, ADV_REGISTERING, ADV_ON, ADV_UNREGISTERING } AdvState;

/* one connected central that has written to the SMP characteristic */
typedef struct {
	DfudSimBle *ble;
	gchar *device_path; /* the central's Device1 object under our adapter */
	DfudSimSession *session;
	DfudSimBleReassembly *reassembly;
	guint mtu;
} BleSession;

struct _DfudSimBle {
	GPtrArray *devices;
	DfudSimDevice *device;
	const DfudSimConfig *config;
	gchar *name;
	GCancellable *cancellable; /* every call in flight; cancelled by free */
	GDBusConnection *bus;
	gchar *adapter_path;
	DfudSimBleApp *app;
	GHashTable *sessions;	/* device path -> BleSession */
	GHashTable *dropping;	/* device paths we are disconnecting: their writes are ignored */
	gboolean acquire_write; /* --ble-write-socket: writes through a socket */
	AdvState adv;
	gboolean app_registered;
	gulong running_id;
	gulong drop_id;
	guint props_sub;
	guint bluez_watch;   /* org.bluez's owner: a new bluetoothd gets app and adverts again */
	gboolean bluez_gone; /* bluetoothd went away since the registration */
	guint rereg_timer;   /* polls the new bluetoothd until our adapter is fully there */
	guint rereg_polls;
	DfudSimBleAgent *agent; /* --passkey */
};

static void sync_advertising(DfudSimBle *self);

static void
ble_session_free(BleSession *s)
{
	dfud_sim_device_disconnect(s->ble->device, s->session);
	dfud_sim_ble_reassembly_free(s->reassembly);
	g_free(s->device_path);
	g_free(s);
}

DfudSimBle *
dfud_sim_ble_new(GPtrArray *devices, const DfudSimConfig *config, GError **error)
{
	DfudSimBle *self;

	if (devices == NULL || devices->len != 1) {
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT,
			    "--ble simulates one device: --count must be 1");
		return NULL;
	}
	self = g_new0(DfudSimBle, 1);
	self->devices = g_ptr_array_ref(devices);
	self->device = g_ptr_array_index(devices, 0);
	self->config = config;
	self->name =
	    g_strdup(config->name != NULL && config->name[0] != '\0' ? config->name : "dfud-sim");
	self->cancellable = g_cancellable_new();
	self->sessions =
	    g_hash_table_new_full(g_str_hash, g_str_equal, NULL, (GDestroyNotify)ble_session_free);
	self->dropping = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	self->acquire_write = config->ble_write_socket;
	return self;
}

typedef struct {
	DfudSimBle *ble;
	gchar *device_path;
} Disconnecting;

static void
disconnect_done(GObject *source, GAsyncResult *result, gpointer user_data)
{
	Disconnecting *d = user_data;
	g_autoptr(GVariant) ret = NULL;
	g_autoptr(GError) error = NULL;

	ret = g_dbus_connection_call_finish(G_DBUS_CONNECTION(source), result, &error);
	if (ret == NULL && !g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
		/* no Connected=false will come: the link is gone already */
		g_debug("Device1.Disconnect %s: %s", d->device_path, error->message);
		g_hash_table_remove(d->ble->dropping, d->device_path);
		sync_advertising(d->ble);
	}
	g_free(d->device_path);
	g_free(d);
}

/* the link is down once BlueZ reports the central's Connected=false */
static void
disconnect_central(DfudSimBle *self, const gchar *device_path)
{
	Disconnecting *d = g_new0(Disconnecting, 1);

	g_debug("disconnecting %s", device_path);
	d->ble = self;
	d->device_path = g_strdup(device_path);
	g_hash_table_add(self->dropping, g_strdup(device_path));
	g_dbus_connection_call(self->bus, BLUEZ, device_path, IFACE_DEVICE, "Disconnect", NULL,
			       NULL, G_DBUS_CALL_FLAGS_NONE, CALL_TIMEOUT_MS, self->cancellable,
			       disconnect_done, d);
}

/* ---- the device's side ---- */

static void
session_send(DfudSimSession *session, GBytes *frame, gpointer user_data)
{
	BleSession *s = user_data;
	DfudSimBle *self = s->ble;
	gsize len = 0;
	const guint8 *data = g_bytes_get_data(frame, &len);
	guint piece = MAX(s->mtu, ATT_MTU_MIN) - NOTIFY_OVERHEAD;

	(void)session;
	if (!dfud_sim_ble_app_is_notifying(self->app)) {
		/* CONFIG_BT_GATT_ENFORCE_SUBSCRIPTION: the response is lost */
		g_debug("%s: not subscribed, %zu-byte response dropped", s->device_path, len);
		return;
	}
	g_debug("%s: %zu-byte response in notifications of %u bytes", s->device_path, len, piece);
	for (gsize off = 0; off < len; off += piece) {
		g_autoptr(GError) error = NULL;
		gsize n = MIN(piece, len - off);

		if (!dfud_sim_ble_app_notify(self->app, data + off, n, &error)) {
			g_message("notification to %s failed: %s", s->device_path, error->message);
			return;
		}
	}
}

static BleSession *
session_lookup(DfudSimBle *self, DfudSimSession *session)
{
	GHashTableIter iter;
	BleSession *s;

	g_hash_table_iter_init(&iter, self->sessions);
	while (g_hash_table_iter_next(&iter, NULL, (gpointer *)&s)) {
		if (s->session == session)
			return s;
	}
	return NULL;
}

static void
on_drop_link(DfudSimDevice *device, gpointer session, gpointer user_data)
{
	DfudSimBle *self = user_data;
	BleSession *s = session_lookup(self, session);

	(void)device;
	if (s == NULL)
		return;
	/* writes still on their way from this central belong to the dropped link */
	disconnect_central(self, s->device_path);
	g_hash_table_remove(self->sessions, s->device_path);
}

static void
disconnect_all_got_objects(GObject *source, GAsyncResult *result, gpointer user_data)
{
	DfudSimBle *self = user_data;
	g_autoptr(GVariant) ret = NULL;
	g_autoptr(GVariant) objects = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *prefix = NULL;
	GVariantIter iter;
	const gchar *path;
	GVariant *ifaces;

	ret = g_dbus_connection_call_finish(G_DBUS_CONNECTION(source), result, &error);
	if (ret == NULL) {
		if (!g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
			g_message("GetManagedObjects: %s", error->message);
		return;
	}
	prefix = g_strconcat(self->adapter_path, "/", NULL);
	objects = g_variant_get_child_value(ret, 0);
	g_variant_iter_init(&iter, objects);
	while (g_variant_iter_next(&iter, "{&o@a{sa{sv}}}", &path, &ifaces)) {
		g_autoptr(GVariant) dev = g_variant_lookup_value(ifaces, IFACE_DEVICE, NULL);
		gboolean connected = FALSE;

		if (dev != NULL && g_str_has_prefix(path, prefix) &&
		    g_variant_lookup(dev, "Connected", "b", &connected) && connected)
			disconnect_central(self, path);
		g_variant_unref(ifaces);
	}
}

static void
on_running_changed(DfudSimDevice *device, gboolean running, gpointer user_data)
{
	DfudSimBle *self = user_data;

	(void)device;
	g_debug("device %s", running ? "running: advertising again" : "down: disconnecting");
	if (!running) {
		/* the device already dropped its sessions; a central that never wrote is left */
		g_hash_table_remove_all(self->sessions);
		g_dbus_connection_call(self->bus, BLUEZ, "/", IFACE_OM, "GetManagedObjects", NULL,
				       G_VARIANT_TYPE("(a{oa{sa{sv}}})"), G_DBUS_CALL_FLAGS_NONE,
				       CALL_TIMEOUT_MS, self->cancellable,
				       disconnect_all_got_objects, self);
	}
	sync_advertising(self);
}

/* ---- BlueZ's side ---- */

static void
app_write(const gchar *device_path, guint mtu, const guint8 *value, gsize len, gpointer user_data)
{
	DfudSimBle *self = user_data;
	BleSession *s;
	DfudSimBleFragment result;

	if (!dfud_sim_device_is_running(self->device) ||
	    g_hash_table_contains(self->dropping, device_path))
		return;
	s = g_hash_table_lookup(self->sessions, device_path);
	if (s == NULL) {
		g_autofree gchar *peer = g_strdup_printf("ble %s", device_path);

		s = g_new0(BleSession, 1);
		s->ble = self;
		s->device_path = g_strdup(device_path);
		s->reassembly =
		    dfud_sim_ble_reassembly_new(dfud_sim_device_get_buf_size(self->device));
		s->session = dfud_sim_device_connect(self->device, peer, session_send, s);
		g_hash_table_insert(self->sessions, s->device_path, s);
	}
	if (mtu != 0)
		s->mtu = mtu;
	result = dfud_sim_ble_reassembly_collect(s->reassembly, value, len);
	g_debug("%s: %zu-byte write (ATT MTU %u): %s", device_path, len, s->mtu,
		dfud_sim_ble_fragment_to_string(result));
	if (result == DFUD_SIM_BLE_FRAGMENT_COMPLETE) {
		gsize plen = 0;
		const guint8 *packet = dfud_sim_ble_reassembly_packet(s->reassembly, &plen);

		/* the device may drop the link (and free @s) while it takes the packet */
		dfud_sim_device_receive(self->device, s->session, packet, plen);
	} else if (result != DFUD_SIM_BLE_FRAGMENT_PARTIAL) {
		g_debug("%s: %zu-byte write rejected: %s", device_path, len,
			dfud_sim_ble_fragment_to_string(result));
	}
}

static void
app_notifying(gboolean notifying, gpointer user_data)
{
	DfudSimBle *self = user_data;
	GHashTableIter iter;
	BleSession *s;

	g_debug("notifications %s", notifying ? "enabled" : "disabled");
	if (notifying)
		return;
	/* Zephyr drops the packet under assembly when the peer unsubscribes */
	g_hash_table_iter_init(&iter, self->sessions);
	while (g_hash_table_iter_next(&iter, NULL, (gpointer *)&s))
		dfud_sim_ble_reassembly_reset(s->reassembly);
}

static void
app_released(gpointer user_data)
{
	DfudSimBle *self = user_data;

	g_message("BlueZ released the advertisement");
	self->adv = ADV_OFF;
}

static void
on_device_properties(GDBusConnection *bus, const gchar *sender, const gchar *path,
		     const gchar *iface, const gchar *signal, GVariant *parameters,
		     gpointer user_data)
{
	DfudSimBle *self = user_data;
	g_autoptr(GVariant) changed = NULL;
	const gchar *changed_iface;
	const gchar *owner;
	gboolean connected;

	(void)bus;
	(void)sender;
	(void)iface;
	(void)signal;
	if (!g_variant_is_of_type(parameters, G_VARIANT_TYPE("(sa{sv}as)")) ||
	    !g_str_has_prefix(path, self->adapter_path) || path[strlen(self->adapter_path)] != '/')
		return;
	g_variant_get(parameters, "(&s@a{sv}@as)", &changed_iface, &changed, NULL);
	if (g_strcmp0(changed_iface, IFACE_DEVICE) != 0 ||
	    !g_variant_lookup(changed, "Connected", "b", &connected))
		return;
	g_debug("%s %s", path, connected ? "connected" : "disconnected");
	/* either way a link we were dropping is gone */
	g_hash_table_remove(self->dropping, path);
	if (!connected)
		g_hash_table_remove(self->sessions, path);
	/* the write socket's central is gone: the next one acquires its own */
	owner = self->app != NULL ? dfud_sim_ble_app_get_write_device(self->app) : NULL;
	if (!connected && g_strcmp0(owner, path) == 0)
		dfud_sim_ble_app_release_write(self->app);
	sync_advertising(self);
}

static void
adv_done(GObject *source, GAsyncResult *result, gpointer user_data)
{
	DfudSimBle *self = user_data;
	g_autoptr(GVariant) ret = NULL;
	g_autoptr(GError) error = NULL;

	ret = g_dbus_connection_call_finish(G_DBUS_CONNECTION(source), result, &error);
	if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
		return;
	if (self->adv == ADV_REGISTERING) {
		if (ret == NULL)
			g_message("RegisterAdvertisement: %s", error->message);
		else
			g_debug("advertising as %s", self->name);
		self->adv = ret != NULL ? ADV_ON : ADV_OFF;
		if (ret == NULL)
			return; /* no retry loop: the next running-changed tries again */
	} else if (self->adv == ADV_UNREGISTERING) {
		if (ret == NULL)
			g_message("UnregisterAdvertisement: %s", error->message);
		self->adv = ADV_OFF;
	}
	sync_advertising(self);
}

/*
 * Advertise while the device runs, and not before the links it dropped are down: a controller
 * that starts advertising during the disconnection may not advertise again afterwards.
 */
static void
sync_advertising(DfudSimBle *self)
{
	gboolean want =
	    dfud_sim_device_is_running(self->device) && g_hash_table_size(self->dropping) == 0;
	const gchar *method;

	if (self->bus == NULL || !self->app_registered)
		return;
	if (want && self->adv == ADV_OFF) {
		self->adv = ADV_REGISTERING;
		method = "RegisterAdvertisement";
	} else if (!want && self->adv == ADV_ON) {
		self->adv = ADV_UNREGISTERING;
		method = "UnregisterAdvertisement";
	} else {
		return;
	}
	g_dbus_connection_call(
	    self->bus, BLUEZ, self->adapter_path, IFACE_ADV_MANAGER, method,
	    self->adv == ADV_REGISTERING
		? g_variant_new("(oa{sv})", dfud_sim_ble_app_get_advertisement_path(self->app),
				NULL)
		: g_variant_new("(o)", dfud_sim_ble_app_get_advertisement_path(self->app)),
	    NULL, G_DBUS_CALL_FLAGS_NONE, CALL_TIMEOUT_MS, self->cancellable, adv_done, self);
}

/* ---- start: bus, adapter, power, export, RegisterApplication, advertisement ---- */

static gboolean
start_failed(GTask *task, GError *error)
{
	if (error == NULL)
		return FALSE;
	g_task_return_error(task, error);
	g_object_unref(task);
	return TRUE;
}

/*
 * bluetoothd restarting (the gateway's test stack: the simulated device shares the VM's
 * bluetoothd, a real device has its own radio and never notices): the GATT application and the
 * advertisement died with it, and so did every link. Register both again with the new one.
 */
static void
reregistered(GObject *source, GAsyncResult *result, gpointer user_data)
{
	DfudSimBle *self = user_data;
	g_autoptr(GVariant) ret = NULL;
	g_autoptr(GError) error = NULL;

	ret = g_dbus_connection_call_finish(G_DBUS_CONNECTION(source), result, &error);
	if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
		return;
	if (ret == NULL) {
		g_message("GattManager1.RegisterApplication with the new bluetoothd: %s",
			  error->message);
		return;
	}
	g_message("registered with the new bluetoothd");
	self->app_registered = TRUE;
	sync_advertising(self);
}

static void
repowered(GObject *source, GAsyncResult *result, gpointer user_data)
{
	DfudSimBle *self = user_data;
	g_autoptr(GVariant) ret = NULL;
	g_autoptr(GError) error = NULL;

	ret = g_dbus_connection_call_finish(G_DBUS_CONNECTION(source), result, &error);
	if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
		return;
	if (ret == NULL)
		g_message("powering %s on: %s", self->adapter_path, error->message);
	g_dbus_connection_call(
	    self->bus, BLUEZ, self->adapter_path, IFACE_GATT_MANAGER, "RegisterApplication",
	    g_variant_new("(oa{sv})", dfud_sim_ble_app_get_path(self->app), NULL), NULL,
	    G_DBUS_CALL_FLAGS_NONE, CALL_TIMEOUT_MS, self->cancellable, reregistered, self);
}

/* the new bluetoothd exports the adapter's managers a moment after taking its name */
#define REREG_POLL_MS 200u
#define REREG_POLLS_MAX 100u

static gboolean reregister_poll(gpointer user_data);

static void
reregister_objects(GObject *source, GAsyncResult *result, gpointer user_data)
{
	DfudSimBle *self = user_data;
	g_autoptr(GVariant) ret = NULL;
	g_autoptr(GVariant) objects = NULL;
	g_autoptr(GVariant) ifaces = NULL;
	g_autoptr(GError) error = NULL;

	ret = g_dbus_connection_call_finish(G_DBUS_CONNECTION(source), result, &error);
	if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED) || self->bluez_gone)
		return;
	if (ret != NULL) {
		objects = g_variant_get_child_value(ret, 0);
		ifaces = g_variant_lookup_value(objects, self->adapter_path, NULL);
	}
	if (ifaces == NULL || !g_variant_lookup(ifaces, IFACE_ADV_MANAGER, "@a{sv}", NULL) ||
	    !g_variant_lookup(ifaces, IFACE_GATT_MANAGER, "@a{sv}", NULL)) {
		if (self->rereg_polls++ < REREG_POLLS_MAX)
			self->rereg_timer = g_timeout_add(REREG_POLL_MS, reregister_poll, self);
		else
			g_message("the new bluetoothd has no usable %s", self->adapter_path);
		return;
	}
	g_message("bluetoothd is back: registering again on %s", self->adapter_path);
	if (self->agent != NULL)
		dfud_sim_ble_agent_register(self->agent, self->cancellable);
	g_dbus_connection_call(
	    self->bus, BLUEZ, self->adapter_path, IFACE_PROPS, "Set",
	    g_variant_new("(ssv)", IFACE_ADAPTER, "Powered", g_variant_new_boolean(TRUE)), NULL,
	    G_DBUS_CALL_FLAGS_NONE, CALL_TIMEOUT_MS, self->cancellable, repowered, self);
}

static gboolean
reregister_poll(gpointer user_data)
{
	DfudSimBle *self = user_data;

	self->rereg_timer = 0;
	g_dbus_connection_call(self->bus, BLUEZ, "/", IFACE_OM, "GetManagedObjects", NULL,
			       G_VARIANT_TYPE("(a{oa{sa{sv}}})"), G_DBUS_CALL_FLAGS_NONE,
			       CALL_TIMEOUT_MS, self->cancellable, reregister_objects, self);
	return G_SOURCE_REMOVE;
}

static void
bluez_appeared(GDBusConnection *bus, const gchar *name, const gchar *owner, gpointer user_data)
{
	DfudSimBle *self = user_data;

	(void)bus;
	(void)name;
	if (!self->bluez_gone)
		return;
	self->bluez_gone = FALSE;
	g_message("bluetoothd is back (%s): waiting for %s", owner, self->adapter_path);
	self->rereg_polls = 0;
	g_clear_handle_id(&self->rereg_timer, g_source_remove);
	reregister_poll(self);
}

static void
bluez_vanished(GDBusConnection *bus, const gchar *name, gpointer user_data)
{
	DfudSimBle *self = user_data;

	(void)bus;
	(void)name;
	if (self->bluez_gone)
		return;
	g_message("bluetoothd went away: its links, GATT application and advertisement with it");
	self->bluez_gone = TRUE;
	g_clear_handle_id(&self->rereg_timer, g_source_remove);
	self->app_registered = FALSE;
	self->adv = ADV_OFF;
	g_hash_table_remove_all(self->sessions);
	g_hash_table_remove_all(self->dropping);
}

static void
start_registered(GObject *source, GAsyncResult *result, gpointer user_data)
{
	GTask *task = user_data;
	DfudSimBle *self = g_task_get_task_data(task);
	g_autoptr(GVariant) ret = NULL;
	GError *error = NULL;

	ret = g_dbus_connection_call_finish(G_DBUS_CONNECTION(source), result, &error);
	if (error != NULL && !g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
		g_dbus_error_strip_remote_error(error);
		g_prefix_error(&error,
			       "GattManager1.RegisterApplication on %s: ", self->adapter_path);
	}
	if (start_failed(task, error))
		return;
	self->app_registered = TRUE;
	g_debug("GATT application registered on %s", self->adapter_path);
	sync_advertising(self);
	self->bluez_watch =
	    g_bus_watch_name_on_connection(self->bus, BLUEZ, G_BUS_NAME_WATCHER_FLAGS_NONE,
					   bluez_appeared, bluez_vanished, self, NULL);
	g_task_return_boolean(task, TRUE);
	g_object_unref(task);
}

static void
start_powered(GObject *source, GAsyncResult *result, gpointer user_data)
{
	GTask *task = user_data;
	DfudSimBle *self;
	DfudSimBleAppCallbacks callbacks = {app_write, app_notifying, app_released};
	g_autoptr(GVariant) ret = NULL;
	g_autofree gchar *root = NULL;
	GError *error = NULL;

	ret = g_dbus_connection_call_finish(G_DBUS_CONNECTION(source), result, &error);
	if (start_failed(task, error))
		return;
	self = g_task_get_task_data(task);
	root = g_strdup_printf("/org/dfud/sim/dev%u", dfud_sim_device_get_index(self->device));
	if (self->acquire_write)
		g_message("writes through a socket (--ble-write-socket): one central at "
			  "a time, whose first packet fits one write");
	if (self->config->ble_passkey != G_MAXUINT) {
		self->agent = dfud_sim_ble_agent_new(self->bus, self->adapter_path,
						     self->config->ble_passkey, &error);
		if (start_failed(task, error))
			return;
		dfud_sim_ble_agent_register(self->agent, self->cancellable);
	}
	self->app = dfud_sim_ble_app_new(self->bus, root, self->name,
					 dfud_sim_device_get_required_security(self->device),
					 self->acquire_write, &callbacks, self, &error);
	if (start_failed(task, error))
		return;
	self->props_sub = g_dbus_connection_signal_subscribe(
	    self->bus, NULL, IFACE_PROPS, "PropertiesChanged", NULL, IFACE_DEVICE,
	    G_DBUS_SIGNAL_FLAGS_NONE, on_device_properties, self, NULL);
	self->running_id =
	    g_signal_connect(self->device, "running-changed", G_CALLBACK(on_running_changed), self);
	self->drop_id = g_signal_connect(self->device, "drop-link", G_CALLBACK(on_drop_link), self);
	g_dbus_connection_call(
	    self->bus, BLUEZ, self->adapter_path, IFACE_GATT_MANAGER, "RegisterApplication",
	    g_variant_new("(oa{sv})", dfud_sim_ble_app_get_path(self->app), NULL), NULL,
	    G_DBUS_CALL_FLAGS_NONE, CALL_TIMEOUT_MS, self->cancellable, start_registered, task);
}

/* the adapter named by --adapter, else the first that can advertise and serve GATT */
static gchar *
pick_adapter(GVariant *objects, const gchar *wanted, GError **error)
{
	g_autofree gchar *want_path = NULL;
	gchar *found = NULL;
	GVariantIter iter;
	const gchar *path;
	GVariant *ifaces;

	if (wanted != NULL)
		want_path = g_strdup_printf("/org/bluez/%s", wanted);
	g_variant_iter_init(&iter, objects);
	while (found == NULL && g_variant_iter_next(&iter, "{&o@a{sa{sv}}}", &path, &ifaces)) {
		g_autoptr(GVariant) gatt = g_variant_lookup_value(ifaces, IFACE_GATT_MANAGER, NULL);
		g_autoptr(GVariant) adv = g_variant_lookup_value(ifaces, IFACE_ADV_MANAGER, NULL);

		if (want_path != NULL ? g_strcmp0(path, want_path) == 0
				      : (gatt != NULL && adv != NULL))
			found = g_strdup(path);
		g_variant_unref(ifaces);
	}
	if (found == NULL && wanted != NULL)
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_NOT_FOUND, "BlueZ has no adapter %s",
			    wanted);
	else if (found == NULL)
		g_set_error_literal(error, DFUD_ERROR, DFUD_ERROR_NOT_FOUND,
				    "BlueZ has no adapter that can advertise");
	return found;
}

static void
start_got_objects(GObject *source, GAsyncResult *result, gpointer user_data)
{
	GTask *task = user_data;
	DfudSimBle *self;
	g_autoptr(GVariant) ret = NULL;
	g_autoptr(GVariant) objects = NULL;
	GError *error = NULL;

	ret = g_dbus_connection_call_finish(G_DBUS_CONNECTION(source), result, &error);
	if (error != NULL && !g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
		g_dbus_error_strip_remote_error(error);
		g_prefix_error(&error, "talking to bluetoothd (org.bluez): ");
	}
	if (start_failed(task, error))
		return;
	self = g_task_get_task_data(task);
	objects = g_variant_get_child_value(ret, 0);
	self->adapter_path = pick_adapter(objects, self->config->adapter, &error);
	if (start_failed(task, error))
		return;
	g_dbus_connection_call(
	    self->bus, BLUEZ, self->adapter_path, IFACE_PROPS, "Set",
	    g_variant_new("(ssv)", IFACE_ADAPTER, "Powered", g_variant_new_boolean(TRUE)), NULL,
	    G_DBUS_CALL_FLAGS_NONE, CALL_TIMEOUT_MS, self->cancellable, start_powered, task);
}

static void
start_got_bus(GObject *source, GAsyncResult *result, gpointer user_data)
{
	GTask *task = user_data;
	DfudSimBle *self;
	GDBusConnection *bus;
	GError *error = NULL;

	(void)source;
	bus = g_bus_get_finish(result, &error);
	if (error != NULL && !g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
		g_prefix_error(&error, "system bus: ");
	if (start_failed(task, error))
		return;
	self = g_task_get_task_data(task);
	self->bus = bus;
	g_dbus_connection_call(bus, BLUEZ, "/", IFACE_OM, "GetManagedObjects", NULL,
			       G_VARIANT_TYPE("(a{oa{sa{sv}}})"), G_DBUS_CALL_FLAGS_NONE,
			       CALL_TIMEOUT_MS, self->cancellable, start_got_objects, task);
}

void
dfud_sim_ble_start_async(DfudSimBle *self, GCancellable *cancellable, GAsyncReadyCallback callback,
			 gpointer user_data)
{
	GTask *task = g_task_new(NULL, cancellable, callback, user_data);

	g_task_set_source_tag(task, dfud_sim_ble_start_async);
	g_task_set_task_data(task, self, NULL);
	g_bus_get(G_BUS_TYPE_SYSTEM, self->cancellable, start_got_bus, task);
}

gboolean
dfud_sim_ble_start_finish(DfudSimBle *self, GAsyncResult *result, GError **error)
{
	(void)self;
	g_return_val_if_fail(g_task_is_valid(result, NULL), FALSE);
	return g_task_propagate_boolean(G_TASK(result), error);
}

void
dfud_sim_ble_free(DfudSimBle *self)
{
	if (self == NULL)
		return;
	g_cancellable_cancel(self->cancellable);
	g_clear_handle_id(&self->bluez_watch, g_bus_unwatch_name);
	g_clear_handle_id(&self->rereg_timer, g_source_remove);
	if (self->running_id != 0)
		g_signal_handler_disconnect(self->device, self->running_id);
	if (self->drop_id != 0)
		g_signal_handler_disconnect(self->device, self->drop_id);
	g_hash_table_unref(self->sessions);
	g_hash_table_unref(self->dropping);
	if (self->bus != NULL) {
		if (self->props_sub != 0)
			g_dbus_connection_signal_unsubscribe(self->bus, self->props_sub);
		if (self->adv == ADV_ON || self->adv == ADV_REGISTERING)
			g_dbus_connection_call(
			    self->bus, BLUEZ, self->adapter_path, IFACE_ADV_MANAGER,
			    "UnregisterAdvertisement",
			    g_variant_new("(o)",
					  dfud_sim_ble_app_get_advertisement_path(self->app)),
			    NULL, G_DBUS_CALL_FLAGS_NONE, -1, NULL, NULL, NULL);
		if (self->app_registered)
			g_dbus_connection_call(
			    self->bus, BLUEZ, self->adapter_path, IFACE_GATT_MANAGER,
			    "UnregisterApplication",
			    g_variant_new("(o)", dfud_sim_ble_app_get_path(self->app)), NULL,
			    G_DBUS_CALL_FLAGS_NONE, -1, NULL, NULL, NULL);
		g_dbus_connection_flush_sync(self->bus, NULL, NULL);
	}
	g_clear_pointer(&self->app, dfud_sim_ble_app_free);
	g_clear_pointer(&self->agent, dfud_sim_ble_agent_free);
	g_clear_object(&self->bus);
	g_clear_object(&self->cancellable);
	g_ptr_array_unref(self->devices);
	g_free(self->adapter_path);
	g_free(self->name);
	g_free(self);
}
