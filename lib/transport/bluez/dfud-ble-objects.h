/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Lookups in BlueZ's object tree (a GDBusObjectManagerClient on org.bluez), all from its cache */

#define DFUD_BLE_IFACE_ADAPTER "org.bluez.Adapter1"
#define DFUD_BLE_IFACE_DEVICE "org.bluez.Device1"
#define DFUD_BLE_IFACE_SERVICE "org.bluez.GattService1"
#define DFUD_BLE_IFACE_CHR "org.bluez.GattCharacteristic1"
#define DFUD_BLE_SMP_SERVICE_UUID "8d53dc1d-1db7-4cd3-868b-8a527460aa84"
#define DFUD_BLE_SMP_CHR_UUID "da2e7828-fbce-4e01-ae9e-261174997c48"

/* @iface's proxy at @path, or NULL (also when @om or @path is NULL) */
GDBusProxy *dfud_ble_objects_lookup(GDBusObjectManager *om, const gchar *path, const gchar *iface);
/* a cached boolean property; FALSE when absent or @proxy is NULL */
gboolean dfud_ble_proxy_get_bool(GDBusProxy *proxy, const gchar *name);
/*
 * /org/bluez/@name when given; else, among the @allowed adapter names (NULL or empty: all), the
 * one where BlueZ knows @address already (a device reachable from several adapters is used
 * through that one), else a powered one, else any; the lowest object path among equals, so
 * the choice does not change from one open to the next. NULL if none.
 */
GDBusProxy *dfud_ble_objects_pick_adapter(GDBusObjectManager *om, const gchar *name,
					  const gchar *const *allowed, const gchar *address);
/* BlueZ's object path of @address ("AA:BB:CC:DD:EE:FF") under @adapter_path */
gchar *dfud_ble_device_path(const gchar *adapter_path, const gchar *address);
/* the SMP characteristic inside the SMP service of the device at @device_path, or NULL */
GDBusProxy *dfud_ble_objects_find_smp_characteristic(GDBusObjectManager *om,
						     const gchar *device_path);

G_END_DECLS
