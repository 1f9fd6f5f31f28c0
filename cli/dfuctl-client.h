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

/* the devices, sorted by object path: the order of the short indexes `dfuctl devices` shows
 * (1-based); of DfudDbusObject */
GPtrArray *dfuctl_client_list_devices(DfuctlClient *client);
/* the jobs, sorted by id; of DfudDbusObject */
GPtrArray *dfuctl_client_list_jobs(DfuctlClient *client);

/*
 * DEV: an object path, a short index from `dfuctl devices`, a BLE address (any case), a
 * device name, or a URI (udp:HOST:PORT, ble:ADDR...; a URI dfud does not know yet is added with
 * Manager.AddDevice). Unknown: DFUD_ERROR_NOT_FOUND naming what was asked; a name that matches
 * several devices: DFUD_ERROR_INVALID_ARGUMENT listing them.
 */
DfudDbusDevice *dfuctl_client_get_device(DfuctlClient *client, const gchar *selector,
					  GError **error);
/* JOB: an object path or the job's id (N of /org/dfud/Dfu1/Job/N) */
DfudDbusJob *dfuctl_client_get_job(DfuctlClient *client, const gchar *selector, GError **error);

/* a failed D-Bus call as a DFUD_ERROR (remote name mapped back, D-Bus prefix stripped) */
GError *dfuctl_client_error(const GError *error);

G_END_DECLS
