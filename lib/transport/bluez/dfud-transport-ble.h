/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "transport/dfud-transport.h"

G_BEGIN_DECLS

/*
 * SMP over a BLE GATT characteristic through BlueZ's D-Bus API only (spec §5): finds the device
 * by address (on @adapter or any), connects with retries, waits for services, finds the SMP
 * characteristic by UUID, AcquireWrite + AcquireNotify (WriteValue type=command + StartNotify as
 * fallback), pairs through Device1.Pair with its own Agent1 when the device demands an encrypted
 * or authenticated link, and reassembles notifications into frames.
 */
#define DFUD_TYPE_TRANSPORT_BLE (dfud_transport_ble_get_type())
G_DECLARE_FINAL_TYPE(DfudTransportBle, dfud_transport_ble, DFUD, TRANSPORT_BLE, DfudTransport)

/* @adapter: "hci0" or NULL for any; @bus: the system bus (or a test bus), NULL = system */
DfudTransport *dfud_transport_ble_new(const gchar *address, const gchar *adapter,
				      GDBusConnection *bus);
/* a 6-digit passkey for MITM pairing; unset: NoInputNoOutput (Just Works) */
void dfud_transport_ble_set_passkey(DfudTransportBle *self, gint passkey);
/* without an adapter given to _new: choose among these names only ("hci0"; NULL: all) */
void dfud_transport_ble_set_adapters(DfudTransportBle *self, const gchar *const *adapters);

G_END_DECLS
