/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "DfudManager"

#include "config.h"

#include <string.h>

#include "dd-device.h"
#include "dd-log.h"
#include "dd-manager-private.h"
#include "dfud-dbus-error.h"
#include "dfud-error.h"

/* what an earlier run left: the added devices, dfud.conf's devices and the journaled jobs */

void
dd_manager_restore_devices(DdManager *self)
{
	g_autoptr(GPtrArray) uris = NULL;
	g_autoptr(GPtrArray) names = NULL;
	g_autoptr(GError) error = NULL;

	if (!dd_store_load_devices(self->ctx.store, &uris, &names, &error)) {
		g_warning("cannot read the added devices: %s", error->message);
		return;
	}
	for (guint i = 0; i < uris->len; i++) {
		g_autofree gchar *uri = dd_manager_canonical_uri(g_ptr_array_index(uris, i), NULL);
		g_autofree gchar *path_name = uri != NULL ? dd_device_path_name_for_uri(uri) : NULL;
		if (path_name == NULL ||
		    dd_manager_find_device(self, dd_device_get_uri, uri) != NULL) {
			g_warning("ignoring the remembered device \"%s\"",
				  (const gchar *)g_ptr_array_index(uris, i));
			continue;
		}
		dd_manager_add_device(self, path_name, uri, g_ptr_array_index(names, i), TRUE);
	}
	/* dfud.conf [Devices] Uris: known at every start, not written to the store */
	for (guint i = 0;
	     self->ctx.config->device_uris != NULL && self->ctx.config->device_uris[i] != NULL;
	     i++) {
		const gchar *uri = self->ctx.config->device_uris[i];
		g_autofree gchar *path_name = dd_device_path_name_for_uri(uri);
		g_autofree gchar *path = g_strconcat(DFUD_DBUS_DEVICE_PATH "/", path_name, NULL);

		if (g_hash_table_contains(self->devices, path)) {
			g_warning("dfud.conf: [Devices] %s: a device with that address is known "
				  "already",
				  uri);
			continue;
		}
		dd_manager_add_device(self, path_name, uri, NULL, TRUE);
	}
}

static void
restore_job(DdManager *self, DdJobRecord *record)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) firmware = NULL;
	g_autoptr(DfudPackage) package = NULL;
	g_autoptr(DdJob) job = NULL;
	g_autofree gchar *path_name = NULL;
	DdDevice *device;

	/* jobs of one firmware share one copy: its N.fw was checked by dd_store_load_jobs() */
	package =
	    dd_firmware_cache_lookup_sha256(self->ctx.firmware_cache, record->firmware_sha256);
	if (package == NULL) {
		firmware = dd_store_load_firmware(self->ctx.store, record, &error);
		if (firmware != NULL)
			package = dd_firmware_cache_get_package(self->ctx.firmware_cache, firmware,
								NULL, &error);
	}
	if (package == NULL) {
		g_warning("job %" G_GUINT64_FORMAT ": cannot take it up again: %s", record->id,
			  error->message);
		dd_store_remove_job(self->ctx.store, record->id);
		return;
	}
	device = dd_manager_find_device(self, dd_device_get_uri, record->device_uri);
	if (device == NULL) {
		path_name = dd_device_path_name_for_uri(record->device_uri);
		if (path_name == NULL) {
			g_warning("job %" G_GUINT64_FORMAT ": bad device \"%s\"", record->id,
				  record->device_uri);
			dd_store_remove_job(self->ctx.store, record->id);
			return;
		}
		device = dd_manager_add_device(self, path_name, record->device_uri,
					       record->device_name, FALSE);
	}
	if (dd_device_get_current_job(device) != NULL) {
		g_warning("job %" G_GUINT64_FORMAT ": %s already has a job; dropped", record->id,
			  record->device_uri);
		dd_store_remove_job(self->ctx.store, record->id);
		return;
	}
	record->restarts++;
	if (!dd_store_save_job(self->ctx.store, record, &error))
		g_warning("job %" G_GUINT64_FORMAT ": %s", record->id, error->message);
	job = dd_job_new(&self->ctx, record, package, dd_device_get_path(device),
			 dd_device_get_path(device) + strlen(DFUD_DBUS_DEVICE_PATH "/"));
	dd_job_message(dd_device_get_path(device) + strlen(DFUD_DBUS_DEVICE_PATH "/"), record->id,
		       "taken up again after a restart (was %s, %" G_GUINT64_FORMAT " bytes)",
		       record->stage, record->bytes_done);
	dd_device_enqueue(device, job);
}

void
dd_manager_restore_jobs(DdManager *self)
{
	g_autoptr(GPtrArray) records = dd_store_load_jobs(self->ctx.store);

	for (guint i = 0; i < records->len; i++)
		restore_job(self, g_ptr_array_index(records, i));
}
