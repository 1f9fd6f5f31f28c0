/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/*
 * LE discovery on one adapter, shared by everything in this process that wants it (the BLE
 * transports' opens and standby discoveries, the daemon's Manager.Scan): BlueZ keeps one
 * discovery session and one filter per D-Bus client, so a second StartDiscovery from the same
 * connection answers Busy and a second SetDiscoveryFilter replaces the first's, and the first
 * StopDiscovery would end it for all. Hence one reference-counted session per connection,
 * bluetoothd instance (its unique bus name) and adapter: the first handle starts it with
 * SetDiscoveryFilter(Transport=le, DuplicateData, UUIDs=[the SMP service]) then StartDiscovery
 * once, the last handle freed stops it (StopDiscovery).
 *
 * bluetoothd restarts a filtered discovery by itself when the kernel ends it (every 10.24 s),
 * so the session is only started again when Adapter1.Discovering turns false (the session was
 * lost: adapter reset or powered off). No periodic stop/start: each restart opens a window in
 * which the kernel drops advertising reports, and an emulated controller reports an
 * advertiser only once per scan or advertising enable. A failed start is tried again every
 * 2 s while handles hold the session. Failures are logged at debug level (another client may
 * be discovering already, which serves us as well).
 *
 * The UUID filter: a device that does not advertise the SMP service is found only when BlueZ
 * knows it already (a Device1 object: the transport connects to it directly).
 */
typedef struct _DfudBleScan DfudBleScan;

/* @adapter: an org.bluez.Adapter1 proxy from an object manager */
DfudBleScan *dfud_ble_scan_start(GDBusProxy *adapter);
/* whether @self discovers through @adapter (the same object of the same bluetoothd) */
gboolean dfud_ble_scan_is_on(DfudBleScan *self, GDBusProxy *adapter);
void dfud_ble_scan_free(DfudBleScan *self);
/* how many sessions of this process run now (tests) */
guint dfud_ble_scan_sessions(void);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(DfudBleScan, dfud_ble_scan_free)

G_END_DECLS
