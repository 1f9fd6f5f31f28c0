/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define DD_SMP_SERVICE_UUID "8d53dc1d-1db7-4cd3-868b-8a527460aa84"

/*
 * Watches BlueZ's ObjectManager (org.bluez on @bus) for Device1 objects that offer the SMP
 * service (UUIDs holds DD_SMP_SERVICE_UUID) on an allowed adapter, and for Adapter1 objects.
 * Never blocks: the object manager client is made asynchronously; bluetoothd starting,
 * stopping or restarting later is followed (name owner changes).
 *
 * Signals:
 *   "device-added"   (const gchar *bluez_path, const gchar *address, const gchar *adapter,
 *                     const gchar *name)   adapter is "hci0"; name may be ""
 *   "device-changed" (const gchar *bluez_path, const gchar *name, gboolean connected)
 *   "device-removed" (const gchar *bluez_path)   also for all devices when bluetoothd goes
 *   "adapters-changed" ()
 */
#define DD_TYPE_BLUEZ_WATCH (dd_bluez_watch_get_type())
G_DECLARE_FINAL_TYPE(DdBluezWatch, dd_bluez_watch, DD, BLUEZ_WATCH, GObject)

/* @adapters: NULL or empty for all, else the adapter names to follow */
DdBluezWatch *dd_bluez_watch_new(GDBusConnection *bus, const gchar *const *adapters);
void dd_bluez_watch_start(DdBluezWatch *self);
/* object paths of the allowed Adapter1 objects present now, sorted */
GStrv dd_bluez_watch_get_adapters(DdBluezWatch *self);

/* the Adapter1 proxy of an allowed adapter present now (@path "/org/bluez/hci0"), or NULL */
GDBusProxy *dd_bluez_watch_get_adapter(DdBluezWatch *self, const gchar *path);

/* a device BlueZ offers SMP on, as the watch reports it, with its RSSI when BlueZ has one */
typedef struct {
	gchar *bluez_path;
	gchar *address;
	gchar *adapter; /* "hci0" */
	gchar *name;	/* may be "" */
	gboolean has_rssi;
	gint16 rssi; /* dBm, of the last advertisement in the running discovery */
} DdBluezSeen;

void dd_bluez_seen_free(DdBluezSeen *seen);
/* every device the watch reports now: DdBluezSeen */
GPtrArray *dd_bluez_watch_list_devices(DdBluezWatch *self);

/* "hci0_dev_AA_BB_CC_DD_EE_FF" from "/org/bluez/hci0/dev_AA_BB_CC_DD_EE_FF" */
gchar *dd_bluez_watch_object_name(const gchar *bluez_path);

G_END_DECLS
