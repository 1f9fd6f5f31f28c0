/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "dd-bluez-watch.h"

G_BEGIN_DECLS

/* Manager.Scan's duration: the default and the most a caller may ask for, in seconds */
#define DD_SCAN_DEFAULT_S 10
#define DD_SCAN_MAX_S 60

/*
 * Manager.Scan: LE discovery for @options' duration on the chosen adapter (every allowed one
 * present by default), through the process's shared discovery session of each adapter
 * (transport/bluez/dfud-ble-scan.h: the one the BLE transports use too), then the devices the
 * watch reports with the SMP service that pass the options' filters. @options is Scan's a{sv}
 * ("duration" u, "adapter" s, "name" s (a glob), "rssi" n); a wrong one is
 * DFUD_ERROR_INVALID_ARGUMENT, an adapter that is not there (or no adapter at all)
 * DFUD_ERROR_NOT_FOUND, both at once. Ends early with G_IO_ERROR_CANCELLED when @cancellable
 * fires (the daemon stops).
 */
void dd_scan_run_async(DdBluezWatch *watch, GVariant *options, GCancellable *cancellable,
		       GAsyncReadyCallback callback, gpointer user_data);
/* DdBluezSeen of the devices found, sorted by adapter then address */
GPtrArray *dd_scan_run_finish(GAsyncResult *result, GError **error);

G_END_DECLS
