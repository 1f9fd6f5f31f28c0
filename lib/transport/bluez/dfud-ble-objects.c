/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "DfudBle"

#include "dfud-ble-objects.h"

#include <string.h>

GDBusProxy *
dfud_ble_objects_lookup(GDBusObjectManager *om, const gchar *path, const gchar *iface)
{
	if (om == NULL || path == NULL || !g_variant_is_object_path(path))
		return NULL;
	return G_DBUS_PROXY(g_dbus_object_manager_get_interface(om, path, iface));
}

gboolean
dfud_ble_proxy_get_bool(GDBusProxy *proxy, const gchar *name)
{
	g_autoptr(GVariant) v =
	    proxy != NULL ? g_dbus_proxy_get_cached_property(proxy, name) : NULL;

	return v != NULL && g_variant_is_of_type(v, G_VARIANT_TYPE_BOOLEAN) &&
	       g_variant_get_boolean(v);
}

static gboolean
proxy_string_is(GDBusProxy *proxy, const gchar *name, const gchar *expected)
{
	g_autoptr(GVariant) v = g_dbus_proxy_get_cached_property(proxy, name);

	return v != NULL && g_variant_is_of_type(v, G_VARIANT_TYPE_STRING) &&
	       g_ascii_strcasecmp(g_variant_get_string(v, NULL), expected) == 0;
}

/* how much @adapter suits @address: 2 BlueZ knows the device there, 1 powered, 0 neither */
static guint
adapter_score(GDBusObjectManager *om, GDBusProxy *adapter, const gchar *address)
{
	g_autofree gchar *dev_path = NULL;
	g_autoptr(GDBusProxy) dev = NULL;

	if (address != NULL) {
		dev_path = dfud_ble_device_path(g_dbus_proxy_get_object_path(adapter), address);
		dev = dfud_ble_objects_lookup(om, dev_path, DFUD_BLE_IFACE_DEVICE);
	}
	if (dev != NULL)
		return 2;
	return dfud_ble_proxy_get_bool(adapter, "Powered") ? 1 : 0;
}

GDBusProxy *
dfud_ble_objects_pick_adapter(GDBusObjectManager *om, const gchar *name,
			      const gchar *const *allowed, const gchar *address)
{
	g_autolist(GDBusObject) objects = NULL;
	GDBusProxy *found = NULL;
	guint found_score = 0;

	if (name != NULL) {
		g_autofree gchar *path = g_strconcat("/org/bluez/", name, NULL);

		return dfud_ble_objects_lookup(om, path, DFUD_BLE_IFACE_ADAPTER);
	}
	objects = g_dbus_object_manager_get_objects(om);
	for (GList *l = objects; l != NULL; l = l->next) {
		const gchar *path = g_dbus_object_get_object_path(l->data);
		g_autoptr(GDBusProxy) a =
		    G_DBUS_PROXY(g_dbus_object_get_interface(l->data, DFUD_BLE_IFACE_ADAPTER));
		guint score;

		if (a == NULL || (allowed != NULL && allowed[0] != NULL &&
				  (!g_str_has_prefix(path, "/org/bluez/") ||
				   !g_strv_contains(allowed, path + strlen("/org/bluez/")))))
			continue;
		score = adapter_score(om, a, address);
		/* the same choice every time: the lowest path among the best */
		if (found == NULL || score > found_score ||
		    (score == found_score &&
		     g_strcmp0(path, g_dbus_proxy_get_object_path(found)) < 0)) {
			g_set_object(&found, a);
			found_score = score;
		}
	}
	return found;
}

gchar *
dfud_ble_device_path(const gchar *adapter_path, const gchar *address)
{
	g_autofree gchar *name = g_strdelimit(g_ascii_strup(address, -1), ":", '_');

	return g_strdup_printf("%s/dev_%s", adapter_path, name);
}

GDBusProxy *
dfud_ble_objects_find_smp_characteristic(GDBusObjectManager *om, const gchar *device_path)
{
	g_autolist(GDBusObject) objects = g_dbus_object_manager_get_objects(om);
	g_autofree gchar *prefix = g_strconcat(device_path, "/", NULL);

	for (GList *l = objects; l != NULL; l = l->next) {
		const gchar *path = g_dbus_object_get_object_path(l->data);
		g_autoptr(GDBusProxy) chr = NULL;
		g_autoptr(GVariant) service = NULL;
		g_autoptr(GDBusProxy) svc = NULL;

		if (!g_str_has_prefix(path, prefix))
			continue;
		chr = G_DBUS_PROXY(g_dbus_object_get_interface(l->data, DFUD_BLE_IFACE_CHR));
		if (chr == NULL || !proxy_string_is(chr, "UUID", DFUD_BLE_SMP_CHR_UUID))
			continue;
		service = g_dbus_proxy_get_cached_property(chr, "Service");
		if (service == NULL || !g_variant_is_of_type(service, G_VARIANT_TYPE_OBJECT_PATH))
			continue;
		svc = dfud_ble_objects_lookup(om, g_variant_get_string(service, NULL),
					      DFUD_BLE_IFACE_SERVICE);
		if (svc != NULL && proxy_string_is(svc, "UUID", DFUD_BLE_SMP_SERVICE_UUID))
			return g_steal_pointer(&chr);
	}
	return NULL;
}
