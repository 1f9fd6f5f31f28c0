/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>

#include "dfud-dbus-generated.h"
#include "dfuctl.h"

G_BEGIN_DECLS

/*
 * dfuctl's side of the D-Bus API: one connection (system bus, or the session bus with
 * --session), the ObjectManager client of org.dfud.Dfu1 with the generated proxies, and the
 * selectors the verbs take. dfuctl is a client: blocking calls are fine here.
 */
typedef struct {
	GDBusConnection *bus;
	GDBusObjectManager *manager; /* DfudDbusObjectManagerClient */
	DfudDbusManager *root;	     /* org.dfud.Dfu1.Manager at /org/dfud/Dfu1 */
} DfuctlClient;

/* connects and loads the object tree; dfud not running is DFUD_ERROR_NOT_FOUND saying so */
DfuctlClient *dfuctl_client_new(const DfuctlOptions *options, GError **error);
void dfuctl_client_free(DfuctlClient *client);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(DfuctlClient, dfuctl_client_free)

/* every DfudDbusDevice and DfudDbusJob returned below is a new reference (g_autoptr) */

/* the devices, sorted by object path: the order of the short indexes `dfuctl devices` shows
 * (1-based); of DfudDbusObject */
GPtrArray *dfuctl_client_list_devices(DfuctlClient *client);

/*
 * DEV: an object path, a short index from `dfuctl devices`, a BLE address (any case), a
 * device name, or a URI (udp:HOST:PORT, ble:ADDR...; checked with dfud_transport_uri_parse:
 * a wrong one is DFUD_ERROR_INVALID_ARGUMENT saying what is wrong, as is a SCHEME:... that
 * names no device; a URI dfud does not know yet is added with Manager.AddDevice). A URI names
 * a device with the same canonical URI or, without options, the same address. Unknown:
 * DFUD_ERROR_NOT_FOUND naming what was asked; a name that matches several devices:
 * DFUD_ERROR_INVALID_ARGUMENT listing them.
 */
DfudDbusDevice *dfuctl_client_get_device(DfuctlClient *client, const gchar *selector,
					 GError **error);
/*
 * as dfuctl_client_get_device, but with @add_unknown FALSE a URI dfud does not know is
 * DFUD_ERROR_NOT_FOUND saying that `dfuctl add URI` makes it known, instead of being added
 * (`info`, `remove`, `history`)
 */
DfudDbusDevice *dfuctl_client_lookup_device(DfuctlClient *client, const gchar *selector,
					    gboolean add_unknown, GError **error);
/* the short index `dfuctl devices` shows for @device (1-based), 0 when it is not listed */
guint dfuctl_client_device_index(DfuctlClient *client, DfudDbusDevice *device);
/* waits (briefly) until the object manager has seen the device at @path; a new reference */
DfudDbusDevice *dfuctl_client_wait_device(DfuctlClient *client, const gchar *path, GError **error);
/* the last element of an object path ("udp_127_0_0_1_1337") */
const gchar *dfuctl_object_name(const gchar *path);

/* JOB: an object path or the job's id (N of /org/dfud/Dfu1/Job/N) */
DfudDbusJob *dfuctl_client_get_job(DfuctlClient *client, const gchar *selector, GError **error);
/* the job at @path (from ListJobs, CurrentJob, Update), even before the object manager saw it */
DfudDbusJob *dfuctl_client_job_at(DfuctlClient *client, const gchar *path, GError **error);
/* a proxy of our own, which sees every property change from its first moment on */
DfudDbusJob *dfuctl_client_new_job_proxy(DfuctlClient *client, const gchar *path, GError **error);
/* the same for the job an Update call has just returned, even when it has ended and left the
 * bus already (JobLinger=0): then without properties, and dfuctl_follow_jobs takes its outcome
 * from dfud's history */
DfudDbusJob *dfuctl_client_queued_job_proxy(DfuctlClient *client, const gchar *path,
					    GError **error);

/* the start of a verb on one device: connects and resolves @selector; on failure prints the
 * error (as dfuctl_fail) and returns NULL with *rc the exit code */
DfudDbusDevice *dfuctl_client_open_device(const DfuctlOptions *options, const gchar *verb,
					  const gchar *selector, DfuctlClient **client, int *rc);

/* a failed D-Bus call as a DFUD_ERROR (remote name mapped back, D-Bus prefix stripped) */
GError *dfuctl_client_error(const GError *error);

G_END_DECLS
