/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/*
 * One LE discovery session on one adapter, kept running until freed:
 * SetDiscoveryFilter(Transport=le, DuplicateData, Pattern=@address) then StartDiscovery once.
 * bluetoothd restarts a filtered discovery by itself when the kernel ends it (every 10.24 s),
 * so the session is only started again when Adapter1.Discovering turns false (the session was
 * lost: adapter reset, bluetoothd restart). No periodic stop/start: each restart opens a window
 * in which the kernel drops advertising reports, and an emulated controller reports an
 * advertiser only once per scan or advertising enable. StopDiscovery when freed.
 * Best effort: failures are logged at debug level (another client may be discovering already,
 * which serves us as well). One session per D-Bus connection and adapter (BlueZ keeps one
 * filter per client).
 */
typedef struct _DfudBleScan DfudBleScan;

/* @adapter: an org.bluez.Adapter1 proxy from an object manager; @address: "AA:BB:..." or NULL */
DfudBleScan *dfud_ble_scan_start(GDBusProxy *adapter, const gchar *address);
/* whether @self scans @adapter (the same object path) */
gboolean dfud_ble_scan_is_on(DfudBleScan *self, GDBusProxy *adapter);
void dfud_ble_scan_free(DfudBleScan *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(DfudBleScan, dfud_ble_scan_free)

G_END_DECLS
