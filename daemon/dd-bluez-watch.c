/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "DfudBluez"
#include "config.h"

#include <string.h>

#include "dd-bluez-watch.h"
#include "dd-log.h"

#define BLUEZ_NAME "org.bluez"
#define BLUEZ_ADAPTER_IFACE "org.bluez.Adapter1"
#define BLUEZ_DEVICE_IFACE "org.bluez.Device1"

/* what was last reported for a qualified device, so only real changes are signalled */
typedef struct {
	gchar *object_name; /* hci0_dev_AA_..., the device in log lines */
	gchar *address;
	gchar *adapter;
	gchar *name;
	gboolean connected;
} DdBluezWatchDevice;

struct _DdBluezWatch {
	GObject parent_instance;
	GDBusConnection *bus;
	GStrv allowed; /* NULL: every adapter */
	GCancellable *cancellable;
	GDBusObjectManager *manager;
	GHashTable *devices;  /* BlueZ path -> DdBluezWatchDevice, the reported ones */
	GHashTable *adapters; /* set of allowed Adapter1 paths present */
	gboolean started;
};

G_DEFINE_TYPE(DdBluezWatch, dd_bluez_watch, G_TYPE_OBJECT)

enum {
	SIGNAL_DEVICE_ADDED,
	SIGNAL_DEVICE_CHANGED,
	SIGNAL_DEVICE_REMOVED,
	SIGNAL_ADAPTERS_CHANGED,
	SIGNAL_LAST
};

static guint signals[SIGNAL_LAST];

static void
dd_bluez_watch_device_free(DdBluezWatchDevice *dev)
{
	g_free(dev->object_name);
	g_free(dev->address);
	g_free(dev->adapter);
	g_free(dev->name);
	g_free(dev);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC(DdBluezWatchDevice, dd_bluez_watch_device_free)

static gboolean
is_hex_pair(const gchar *s)
{
	return g_ascii_isxdigit(s[0]) && g_ascii_isxdigit(s[1]);
}

/* "hci" then 1..5 digits (the kernel's index is 16 bits), nothing else */
static gboolean
is_adapter_name(const gchar *s, gsize len)
{
	if (len < 4 || len > 8 || strncmp(s, "hci", 3) != 0)
		return FALSE;
	for (gsize i = 3; i < len; i++) {
		if (!g_ascii_isdigit(s[i]))
			return FALSE;
	}
	return TRUE;
}

gchar *
dd_bluez_watch_object_name(const gchar *bluez_path)
{
	const gchar prefix[] = "/org/bluez/";
	const gchar *adapter;
	const gchar *slash;
	const gchar *dev;
	g_autofree gchar *name = NULL;

	if (bluez_path == NULL || !g_str_has_prefix(bluez_path, prefix))
		return NULL;
	adapter = bluez_path + strlen(prefix);
	slash = strchr(adapter, '/');
	if (slash == NULL || !is_adapter_name(adapter, (gsize)(slash - adapter)))
		return NULL;

	/* dev_XX_XX_XX_XX_XX_XX: 4 + 6 * 2 + 5 characters, then the end */
	dev = slash + 1;
	if (strlen(dev) != 21 || !g_str_has_prefix(dev, "dev_"))
		return NULL;
	for (guint i = 0; i < 6; i++) {
		const gchar *pair = dev + 4 + i * 3;
		if (!is_hex_pair(pair))
			return NULL;
		if (i < 5 && pair[2] != '_')
			return NULL;
	}

	name = g_strdup(bluez_path + strlen(prefix));
	name[slash - adapter] = '_';
	return g_steal_pointer(&name);
}

/* BlueZ's "AA:BB:CC:DD:EE:FF" and nothing looser: it ends up in our own D-Bus properties */
static gboolean
is_bdaddr(const gchar *s)
{
	if (strlen(s) != 17)
		return FALSE;
	for (guint i = 0; i < 6; i++) {
		if (!is_hex_pair(s + i * 3))
			return FALSE;
		if (i < 5 && s[i * 3 + 2] != ':')
			return FALSE;
	}
	return TRUE;
}

static gboolean
adapter_allowed(DdBluezWatch *self, const gchar *adapter)
{
	if (self->allowed == NULL)
		return TRUE;
	return g_strv_contains((const gchar *const *)self->allowed, adapter);
}

/* the basename of an adapter's object path, or NULL when it is not one */
static gchar *
adapter_from_path(const gchar *adapter_path)
{
	const gchar *base;

	if (!g_str_has_prefix(adapter_path, "/org/bluez/"))
		return NULL;
	base = adapter_path + strlen("/org/bluez/");
	if (!is_adapter_name(base, strlen(base)))
		return NULL;
	return g_strdup(base);
}

/* a cached property of @type, NULL when absent or of another type (bluetoothd is untrusted) */
static GVariant *
proxy_get(GDBusProxy *proxy, const gchar *name, const GVariantType *type)
{
	g_autoptr(GVariant) value = g_dbus_proxy_get_cached_property(proxy, name);

	if (value == NULL || !g_variant_is_of_type(value, type))
		return NULL;
	return g_steal_pointer(&value);
}

static gchar *
proxy_get_string(GDBusProxy *proxy, const gchar *name, const GVariantType *type)
{
	g_autoptr(GVariant) value = proxy_get(proxy, name, type);

	if (value == NULL)
		return NULL;
	return g_variant_dup_string(value, NULL);
}

static gboolean
proxy_has_smp_uuid(GDBusProxy *proxy)
{
	g_autoptr(GVariant) uuids = proxy_get(proxy, "UUIDs", G_VARIANT_TYPE_STRING_ARRAY);
	GVariantIter iter;
	const gchar *uuid;

	if (uuids == NULL)
		return FALSE;
	g_variant_iter_init(&iter, uuids);
	while (g_variant_iter_next(&iter, "&s", &uuid)) {
		if (g_ascii_strcasecmp(uuid, DD_SMP_SERVICE_UUID) == 0)
			return TRUE;
	}
	return FALSE;
}

/* Alias, else Name, else "" */
static gchar *
proxy_get_name(GDBusProxy *proxy)
{
	g_autofree gchar *alias = proxy_get_string(proxy, "Alias", G_VARIANT_TYPE_STRING);
	g_autofree gchar *name = NULL;

	if (alias != NULL && alias[0] != '\0')
		return g_steal_pointer(&alias);
	name = proxy_get_string(proxy, "Name", G_VARIANT_TYPE_STRING);
	if (name != NULL)
		return g_steal_pointer(&name);
	return g_strdup("");
}

/* the device as it should be reported now, or NULL when it does not qualify */
static DdBluezWatchDevice *
device_from_proxy(DdBluezWatch *self, const gchar *path, GDBusProxy *proxy)
{
	g_autoptr(DdBluezWatchDevice) dev = g_new0(DdBluezWatchDevice, 1);
	g_autoptr(GVariant) connected = NULL;
	g_autofree gchar *adapter_path = NULL;

	if (!proxy_has_smp_uuid(proxy))
		return NULL;
	/* our device objects are named after the path, so it must have BlueZ's form */
	dev->object_name = dd_bluez_watch_object_name(path);
	if (dev->object_name == NULL) {
		g_debug("ignored: odd device path %s", path);
		return NULL;
	}
	adapter_path = proxy_get_string(proxy, "Adapter", G_VARIANT_TYPE_OBJECT_PATH);
	if (adapter_path == NULL) {
		dd_dev_debug(dev->object_name, "ignored: no Adapter");
		return NULL;
	}
	dev->adapter = adapter_from_path(adapter_path);
	if (dev->adapter == NULL) {
		dd_dev_debug(dev->object_name, "ignored: odd adapter path %s", adapter_path);
		return NULL;
	}
	if (!adapter_allowed(self, dev->adapter)) {
		dd_dev_debug(dev->object_name, "ignored: adapter %s not allowed", dev->adapter);
		return NULL;
	}
	dev->address = proxy_get_string(proxy, "Address", G_VARIANT_TYPE_STRING);
	if (dev->address == NULL || !is_bdaddr(dev->address)) {
		dd_dev_debug(dev->object_name, "ignored: no valid Address");
		return NULL;
	}
	dev->name = proxy_get_name(proxy);
	connected = proxy_get(proxy, "Connected", G_VARIANT_TYPE_BOOLEAN);
	dev->connected = connected != NULL && g_variant_get_boolean(connected);
	return g_steal_pointer(&dev);
}

static void
device_remove(DdBluezWatch *self, const gchar *path)
{
	g_autofree gchar *key = NULL;
	g_autoptr(DdBluezWatchDevice) dev = NULL;

	/* steal first: a handler may look at the watch again */
	if (!g_hash_table_steal_extended(self->devices, path, (gpointer *)&key, (gpointer *)&dev))
		return;
	dd_dev_info(dev->object_name, "gone from BlueZ");
	g_signal_emit(self, signals[SIGNAL_DEVICE_REMOVED], 0, key);
}

/* compares what BlueZ says now with what was reported, and reports the difference */
static void
device_update(DdBluezWatch *self, const gchar *path, GDBusProxy *proxy)
{
	g_autoptr(DdBluezWatchDevice) now = device_from_proxy(self, path, proxy);
	DdBluezWatchDevice *old = g_hash_table_lookup(self->devices, path);
	DdBluezWatchDevice *dev;

	if (now == NULL) {
		device_remove(self, path);
		return;
	}
	/* the address or adapter of a path never changes in BlueZ; if it does, start afresh */
	if (old != NULL && (g_strcmp0(old->address, now->address) != 0 ||
			    g_strcmp0(old->adapter, now->adapter) != 0))
		device_remove(self, path);

	old = g_hash_table_lookup(self->devices, path);
	if (old == NULL) {
		/* device-added has no connected argument: a device-changed follows when it is */
		g_autofree gchar *name = g_strdup(now->name);
		gboolean connected = now->connected;

		dev = g_steal_pointer(&now);
		g_hash_table_insert(self->devices, g_strdup(path), dev);
		dd_dev_info(dev->object_name, "offers SMP on %s%s", dev->adapter,
			    connected ? ", connected" : "");
		g_signal_emit(self, signals[SIGNAL_DEVICE_ADDED], 0, path, dev->address,
			      dev->adapter, dev->name);
		/* a handler may have dropped it again: dev is not to be touched any more */
		if (connected && g_hash_table_contains(self->devices, path))
			g_signal_emit(self, signals[SIGNAL_DEVICE_CHANGED], 0, path, name, TRUE);
		return;
	}

	if (g_strcmp0(old->name, now->name) == 0 && old->connected == now->connected)
		return;
	if (old->connected != now->connected)
		dd_dev_info(old->object_name, "%s", now->connected ? "connected" : "disconnected");
	g_free(old->name);
	old->name = g_strdup(now->name);
	old->connected = now->connected;
	g_signal_emit(self, signals[SIGNAL_DEVICE_CHANGED], 0, path, now->name, now->connected);
}

static void
adapter_add(DdBluezWatch *self, const gchar *path)
{
	g_autofree gchar *adapter = adapter_from_path(path);

	if (adapter == NULL || !adapter_allowed(self, adapter))
		return;
	if (!g_hash_table_add(self->adapters, g_strdup(path)))
		return;
	g_info("adapter %s appeared", path);
	g_signal_emit(self, signals[SIGNAL_ADAPTERS_CHANGED], 0);
}

static void
adapter_remove(DdBluezWatch *self, const gchar *path)
{
	if (!g_hash_table_remove(self->adapters, path))
		return;
	g_info("adapter %s gone", path);
	g_signal_emit(self, signals[SIGNAL_ADAPTERS_CHANGED], 0);
}

static void
interface_appeared(DdBluezWatch *self, const gchar *path, GDBusInterface *iface)
{
	const gchar *name = g_dbus_proxy_get_interface_name(G_DBUS_PROXY(iface));

	if (g_strcmp0(name, BLUEZ_ADAPTER_IFACE) == 0)
		adapter_add(self, path);
	else if (g_strcmp0(name, BLUEZ_DEVICE_IFACE) == 0)
		device_update(self, path, G_DBUS_PROXY(iface));
}

static void
object_appeared(DdBluezWatch *self, GDBusObject *object)
{
	const gchar *path = g_dbus_object_get_object_path(object);
	GList *ifaces = g_dbus_object_get_interfaces(object);

	for (GList *l = ifaces; l != NULL; l = l->next)
		interface_appeared(self, path, G_DBUS_INTERFACE(l->data));
	g_list_free_full(ifaces, g_object_unref);
}

static void
dd_bluez_watch_object_added_cb(GDBusObjectManager *manager, GDBusObject *object, gpointer user_data)
{
	object_appeared(DD_BLUEZ_WATCH(user_data), object);
}

static void
dd_bluez_watch_object_removed_cb(GDBusObjectManager *manager, GDBusObject *object,
				 gpointer user_data)
{
	DdBluezWatch *self = DD_BLUEZ_WATCH(user_data);
	const gchar *path = g_dbus_object_get_object_path(object);

	device_remove(self, path);
	adapter_remove(self, path);
}

static void
dd_bluez_watch_interface_added_cb(GDBusObjectManager *manager, GDBusObject *object,
				  GDBusInterface *iface, gpointer user_data)
{
	interface_appeared(DD_BLUEZ_WATCH(user_data), g_dbus_object_get_object_path(object), iface);
}

static void
dd_bluez_watch_interface_removed_cb(GDBusObjectManager *manager, GDBusObject *object,
				    GDBusInterface *iface, gpointer user_data)
{
	DdBluezWatch *self = DD_BLUEZ_WATCH(user_data);
	const gchar *path = g_dbus_object_get_object_path(object);
	const gchar *name = g_dbus_proxy_get_interface_name(G_DBUS_PROXY(iface));

	if (g_strcmp0(name, BLUEZ_ADAPTER_IFACE) == 0)
		adapter_remove(self, path);
	else if (g_strcmp0(name, BLUEZ_DEVICE_IFACE) == 0)
		device_remove(self, path);
}

static void
dd_bluez_watch_properties_changed_cb(GDBusObjectManagerClient *manager, GDBusObjectProxy *object,
				     GDBusProxy *iface, GVariant *changed,
				     const gchar *const *invalidated, gpointer user_data)
{
	DdBluezWatch *self = DD_BLUEZ_WATCH(user_data);

	if (g_strcmp0(g_dbus_proxy_get_interface_name(iface), BLUEZ_DEVICE_IFACE) != 0)
		return;
	device_update(self, g_dbus_object_get_object_path(G_DBUS_OBJECT(object)), iface);
}

/* everything BlueZ told us is void once bluetoothd goes; GLib repopulates when it is back */
static void
dd_bluez_watch_forget_all(DdBluezWatch *self)
{
	g_autofree gpointer *paths = NULL;
	guint n = 0;

	paths = g_hash_table_get_keys_as_array(self->devices, &n);
	for (guint i = 0; i < n; i++) {
		g_autofree gchar *path = g_strdup(paths[i]);
		device_remove(self, path);
	}
	if (g_hash_table_size(self->adapters) > 0) {
		g_hash_table_remove_all(self->adapters);
		g_signal_emit(self, signals[SIGNAL_ADAPTERS_CHANGED], 0);
	}
}

static void
dd_bluez_watch_name_owner_cb(GObject *object, GParamSpec *pspec, gpointer user_data)
{
	DdBluezWatch *self = DD_BLUEZ_WATCH(user_data);
	GDBusObjectManagerClient *client = G_DBUS_OBJECT_MANAGER_CLIENT(object);
	g_autofree gchar *owner = g_dbus_object_manager_client_get_name_owner(client);

	if (owner == NULL) {
		g_info("bluetoothd went away");
		dd_bluez_watch_forget_all(self);
	} else {
		g_info("bluetoothd is %s", owner);
	}
}

static void
dd_bluez_watch_manager_ready_cb(GObject *source, GAsyncResult *res, gpointer user_data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GDBusObjectManager) manager =
	    g_dbus_object_manager_client_new_finish(res, &error);
	DdBluezWatch *self;
	GList *objects;
	g_autofree gchar *owner = NULL;

	if (manager == NULL) {
		/* cancelled means the watch is gone: do not touch it */
		if (!g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
			g_warning("cannot watch BlueZ: %s", error->message);
		return;
	}
	self = DD_BLUEZ_WATCH(user_data);
	self->manager = g_steal_pointer(&manager);

	g_signal_connect_object(self->manager, "object-added",
				G_CALLBACK(dd_bluez_watch_object_added_cb), self, 0);
	g_signal_connect_object(self->manager, "object-removed",
				G_CALLBACK(dd_bluez_watch_object_removed_cb), self, 0);
	g_signal_connect_object(self->manager, "interface-added",
				G_CALLBACK(dd_bluez_watch_interface_added_cb), self, 0);
	g_signal_connect_object(self->manager, "interface-removed",
				G_CALLBACK(dd_bluez_watch_interface_removed_cb), self, 0);
	g_signal_connect_object(self->manager, "interface-proxy-properties-changed",
				G_CALLBACK(dd_bluez_watch_properties_changed_cb), self, 0);
	g_signal_connect_object(self->manager, "notify::name-owner",
				G_CALLBACK(dd_bluez_watch_name_owner_cb), self, 0);

	owner = g_dbus_object_manager_client_get_name_owner(
	    G_DBUS_OBJECT_MANAGER_CLIENT(self->manager));
	if (owner == NULL)
		g_info("bluetoothd is not running; waiting for it");
	else
		g_info("bluetoothd is %s", owner);

	objects = g_dbus_object_manager_get_objects(self->manager);
	for (GList *l = objects; l != NULL; l = l->next)
		object_appeared(self, G_DBUS_OBJECT(l->data));
	g_list_free_full(objects, g_object_unref);
}

void
dd_bluez_watch_start(DdBluezWatch *self)
{
	g_return_if_fail(DD_IS_BLUEZ_WATCH(self));

	if (self->started)
		return;
	self->started = TRUE;
	/* the default async init runs GLib's blocking first GetManagedObjects in a thread */
	g_dbus_object_manager_client_new(
	    self->bus, G_DBUS_OBJECT_MANAGER_CLIENT_FLAGS_DO_NOT_AUTO_START, BLUEZ_NAME, "/", NULL,
	    NULL, NULL, self->cancellable, dd_bluez_watch_manager_ready_cb, self);
}

static gint
compare_strings(gconstpointer a, gconstpointer b)
{
	return g_strcmp0(*(const gchar *const *)a, *(const gchar *const *)b);
}

GStrv
dd_bluez_watch_get_adapters(DdBluezWatch *self)
{
	g_autoptr(GPtrArray) paths = g_ptr_array_new_with_free_func(g_free);
	GHashTableIter iter;
	gpointer key;

	g_return_val_if_fail(DD_IS_BLUEZ_WATCH(self), NULL);

	g_hash_table_iter_init(&iter, self->adapters);
	while (g_hash_table_iter_next(&iter, &key, NULL))
		g_ptr_array_add(paths, g_strdup(key));
	g_ptr_array_sort(paths, compare_strings);
	g_ptr_array_add(paths, NULL);
	return (GStrv)g_ptr_array_free(g_steal_pointer(&paths), FALSE);
}

GDBusProxy *
dd_bluez_watch_get_adapter(DdBluezWatch *self, const gchar *path)
{
	g_return_val_if_fail(DD_IS_BLUEZ_WATCH(self), NULL);

	if (self->manager == NULL || !g_hash_table_contains(self->adapters, path))
		return NULL;
	return G_DBUS_PROXY(
	    g_dbus_object_manager_get_interface(self->manager, path, BLUEZ_ADAPTER_IFACE));
}

void
dd_bluez_seen_free(DdBluezSeen *seen)
{
	g_free(seen->bluez_path);
	g_free(seen->address);
	g_free(seen->adapter);
	g_free(seen->name);
	g_free(seen);
}

GPtrArray *
dd_bluez_watch_list_devices(DdBluezWatch *self)
{
	GPtrArray *list = g_ptr_array_new_with_free_func((GDestroyNotify)dd_bluez_seen_free);
	GHashTableIter iter;
	gpointer key;
	gpointer value;

	g_return_val_if_fail(DD_IS_BLUEZ_WATCH(self), list);

	g_hash_table_iter_init(&iter, self->devices);
	while (g_hash_table_iter_next(&iter, &key, &value)) {
		DdBluezWatchDevice *dev = value;
		DdBluezSeen *seen = g_new0(DdBluezSeen, 1);
		g_autoptr(GDBusInterface) proxy =
		    g_dbus_object_manager_get_interface(self->manager, key, BLUEZ_DEVICE_IFACE);
		g_autoptr(GVariant) rssi =
		    proxy != NULL ? proxy_get(G_DBUS_PROXY(proxy), "RSSI", G_VARIANT_TYPE_INT16)
				  : NULL;

		seen->bluez_path = g_strdup(key);
		seen->address = g_strdup(dev->address);
		seen->adapter = g_strdup(dev->adapter);
		seen->name = g_strdup(dev->name);
		seen->has_rssi = rssi != NULL;
		seen->rssi = rssi != NULL ? g_variant_get_int16(rssi) : 0;
		g_ptr_array_add(list, seen);
	}
	return list;
}

DdBluezWatch *
dd_bluez_watch_new(GDBusConnection *bus, const gchar *const *adapters)
{
	DdBluezWatch *self;

	g_return_val_if_fail(G_IS_DBUS_CONNECTION(bus), NULL);

	self = g_object_new(DD_TYPE_BLUEZ_WATCH, NULL);
	self->bus = g_object_ref(bus);
	if (adapters != NULL && adapters[0] != NULL)
		self->allowed = g_strdupv((gchar **)adapters);
	return self;
}

static void
dd_bluez_watch_dispose(GObject *object)
{
	DdBluezWatch *self = DD_BLUEZ_WATCH(object);

	g_cancellable_cancel(self->cancellable);
	/* the handlers were connected with g_signal_connect_object: they go with self */
	g_clear_object(&self->manager);
	G_OBJECT_CLASS(dd_bluez_watch_parent_class)->dispose(object);
}

static void
dd_bluez_watch_finalize(GObject *object)
{
	DdBluezWatch *self = DD_BLUEZ_WATCH(object);

	g_clear_object(&self->cancellable);
	g_clear_object(&self->bus);
	g_strfreev(self->allowed);
	g_hash_table_unref(self->devices);
	g_hash_table_unref(self->adapters);
	G_OBJECT_CLASS(dd_bluez_watch_parent_class)->finalize(object);
}

static void
dd_bluez_watch_class_init(DdBluezWatchClass *klass)
{
	GObjectClass *object_class = G_OBJECT_CLASS(klass);

	object_class->dispose = dd_bluez_watch_dispose;
	object_class->finalize = dd_bluez_watch_finalize;

	signals[SIGNAL_DEVICE_ADDED] = g_signal_new(
	    "device-added", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
	    G_TYPE_NONE, 4, G_TYPE_STRING, G_TYPE_STRING, G_TYPE_STRING, G_TYPE_STRING);
	signals[SIGNAL_DEVICE_CHANGED] =
	    g_signal_new("device-changed", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0, NULL,
			 NULL, NULL, G_TYPE_NONE, 3, G_TYPE_STRING, G_TYPE_STRING, G_TYPE_BOOLEAN);
	signals[SIGNAL_DEVICE_REMOVED] =
	    g_signal_new("device-removed", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0, NULL,
			 NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
	signals[SIGNAL_ADAPTERS_CHANGED] =
	    g_signal_new("adapters-changed", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0, NULL,
			 NULL, NULL, G_TYPE_NONE, 0);
}

static void
dd_bluez_watch_init(DdBluezWatch *self)
{
	self->cancellable = g_cancellable_new();
	self->devices = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
					      (GDestroyNotify)dd_bluez_watch_device_free);
	self->adapters = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
}
