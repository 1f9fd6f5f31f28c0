/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>

#include "device/dfud-sim-config.h"
#include "device/dfud-sim-device.h"

G_BEGIN_DECLS

/*
 * The BLE transport: a GATT peripheral published through BlueZ (org.bluez on the system bus).
 * It registers the SMP service and characteristic, advertises LocalName config->name
 * ("dfud-sim" when NULL), reassembles ATT writes into SMP packets like Zephyr's SMP BT
 * transport, and returns responses as notifications of ATT_MTU - 3 bytes. It follows each
 * device's "running-changed" (advertising stops while the device is down) and "drop-link".
 *
 * Only one device is supported (--count 1): dfud_sim_ble_new() fails with
 * DFUD_ERROR_INVALID_ARGUMENT otherwise.
 */
typedef struct _DfudSimBle DfudSimBle;

/*
 * @devices: element-type DfudSimDevice, kept referenced. @config must outlive the transport;
 * config->adapter ("hci1") picks the adapter, else the first one offering LE advertising.
 * Nothing touches the bus until dfud_sim_ble_start_async().
 */
DfudSimBle *dfud_sim_ble_new(GPtrArray *devices, const DfudSimConfig *config, GError **error);
/*
 * Connects to the system bus, finds and powers the adapter, exports the GATT application,
 * registers it and the advertisement. Completes once BlueZ accepted both (or failed).
 */
void dfud_sim_ble_start_async(DfudSimBle *self, GCancellable *cancellable,
			      GAsyncReadyCallback callback, gpointer user_data);
gboolean dfud_sim_ble_start_finish(DfudSimBle *self, GAsyncResult *result, GError **error);
/* unregisters from BlueZ (best effort, without waiting), closes every session, frees */
void dfud_sim_ble_free(DfudSimBle *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(DfudSimBle, dfud_sim_ble_free)

G_END_DECLS
