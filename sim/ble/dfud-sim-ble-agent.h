/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/*
 * The simulated device's side of passkey pairing (--passkey): an org.bluez.Agent1 registered
 * as BlueZ's default agent with the KeyboardOnly capability, which answers RequestPasskey with
 * the fixed passkey and refuses everything that would need a display or a yes/no (numeric
 * comparison, legacy PIN codes). A Zephyr device with CONFIG_BT_FIXED_PASSKEY shows its fixed
 * passkey (DisplayOnly); BlueZ cannot show a fixed one (its kernel draws the passkey it
 * displays), so the simulated device enters it instead: for the central the result is the
 * same, the pairing succeeds only when it enters that passkey too (MITM-protected, spec §5.5).
 * One per process; registered again when bluetoothd comes back (dfud_sim_ble_agent_register).
 */
typedef struct _DfudSimBleAgent DfudSimBleAgent;

/*
 * exports the agent on @bus; NULL with @error when it cannot be exported. It answers only for
 * devices under @adapter_path (the simulated device's own side): one bluetoothd serving the
 * central too would otherwise ask this default agent for the central's passkey as well.
 */
DfudSimBleAgent *dfud_sim_ble_agent_new(GDBusConnection *bus, const gchar *adapter_path,
					guint passkey, GError **error);
/* RegisterAgent + RequestDefaultAgent with bluetoothd (failures are logged) */
void dfud_sim_ble_agent_register(DfudSimBleAgent *self, GCancellable *cancellable);
void dfud_sim_ble_agent_free(DfudSimBleAgent *self);

G_END_DECLS
