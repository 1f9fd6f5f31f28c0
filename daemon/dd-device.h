/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>

#include "dd-context.h"
#include "dd-job.h"
#include "dfud-dbus-generated.h"

G_BEGIN_DECLS

/*
 * One SMP device, exported at /org/dfud/Dfu1/Device/NAME as org.dfud.Dfu1.Device. It owns the
 * device's queue: one update or command at a time, each on a connection slot of the scheduler
 * and a transport made from the device's URI for that one use.
 *
 * Signals:
 *   "job-added" (DdJob *)     a job was queued (by Update or by the manager's restore)
 *   "job-finished" (DdJob *)
 */
#define DD_TYPE_DEVICE (dd_device_get_type())
G_DECLARE_FINAL_TYPE(DdDevice, dd_device, DD, DEVICE, GObject)

/* @name_in_path: the last element of the object path (already a valid one) */
DdDevice *dd_device_new(DdContext *ctx, const gchar *name_in_path, const gchar *uri,
			const gchar *name, gboolean added);

const gchar *dd_device_get_path(DdDevice *self);
const gchar *dd_device_get_uri(DdDevice *self);
const gchar *dd_device_get_name(DdDevice *self);
/* the BLE address (upper case) or NULL for UDP devices */
const gchar *dd_device_get_address(DdDevice *self);
gboolean dd_device_get_added(DdDevice *self);
void dd_device_set_added(DdDevice *self, gboolean added);
DfudDbusObjectSkeleton *dd_device_get_object(DdDevice *self);
/* a queued or running job, else NULL */
DdJob *dd_device_get_current_job(DdDevice *self);
gboolean dd_device_is_busy(DdDevice *self);

/* BlueZ's view of it: @bluez_path NULL when BlueZ no longer has it */
void dd_device_set_bluez(DdDevice *self, const gchar *bluez_path, const gchar *name,
			 gboolean connected);
const gchar *dd_device_get_bluez_path(DdDevice *self);
void dd_device_set_last_update(DdDevice *self, GVariant *entry);

/* queues a job made elsewhere (restore after a restart) */
void dd_device_enqueue(DdDevice *self, DdJob *job);

/* "udp_127_0_0_1_1337", "dev_AA_BB_CC_DD_EE_FF": a path element for a URI, or NULL */
gchar *dd_device_path_name_for_uri(const gchar *uri);

G_END_DECLS
