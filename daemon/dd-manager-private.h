/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "dd-bluez-watch.h"
#include "dd-device.h"
#include "dd-manager.h"

G_BEGIN_DECLS

/* internal to the manager: dd-manager.c (the D-Bus object) and dd-manager-restore.c */

struct _DdManager {
	GObject parent_instance;
	DdContext ctx;
	GDBusConnection *bus;
	DfudDbusManager *iface;
	DdBluezWatch *watch;
	GHashTable *devices;	   /* path -> DdDevice */
	GHashTable *jobs;	   /* GUINT64 id pointer -> DdJob, the ones on the bus */
	GHashTable *lingers;	   /* DdJob -> source id */
	GCancellable *cancellable; /* host name lookups of AddDevice; cancelled on dispose */
};

typedef const gchar *(*DdDeviceKey)(DdDevice *device);

/* the device whose @key is @value (a URI, a BLE address, a BlueZ object path), or NULL */
DdDevice *dd_manager_find_device(DdManager *self, DdDeviceKey key, const gchar *value);
DdDevice *dd_manager_add_device(DdManager *self, const gchar *name_in_path, const gchar *uri,
				const gchar *name, gboolean added);
gchar *dd_manager_canonical_uri(const gchar *text, GError **error);
/* the devices dfud.conf lists and the ones added in an earlier run */
void dd_manager_restore_devices(DdManager *self);
/* the jobs an earlier run journaled, resumed */
void dd_manager_restore_jobs(DdManager *self);

G_END_DECLS
