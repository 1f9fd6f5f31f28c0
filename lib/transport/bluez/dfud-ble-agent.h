/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/*
 * dfud's own org.bluez.Agent1, exported on @bus and registered with AgentManager1 so that a
 * Device1.Pair called on the same connection uses it. Without a passkey it registers as
 * NoInputNoOutput (Just Works); with one as KeyboardOnly: RequestPasskey returns it (the
 * device shows or enters its fixed passkey, dfud enters the configured one). Not
 * KeyboardDisplay: against a device that can display, LE Secure Connections would then pick
 * numeric comparison, whose six digits are drawn anew for each pairing and can never be a
 * configured passkey. RequestConfirmation still accepts only a matching passkey.
 */
typedef struct _DfudBleAgent DfudBleAgent;

#define DFUD_BLE_AGENT_NO_PASSKEY (-1)

/* @passkey: 0..999999, or DFUD_BLE_AGENT_NO_PASSKEY */
DfudBleAgent *dfud_ble_agent_new(GDBusConnection *bus, gint passkey);
/* exports the object and calls AgentManager1.RegisterAgent (once; later calls complete at once) */
void dfud_ble_agent_register_async(DfudBleAgent *self, GCancellable *cancellable,
				   GAsyncReadyCallback callback, gpointer user_data);
gboolean dfud_ble_agent_register_finish(DfudBleAgent *self, GAsyncResult *result, GError **error);
/* unregisters (without waiting) and unexports */
void dfud_ble_agent_free(DfudBleAgent *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(DfudBleAgent, dfud_ble_agent_free)

G_END_DECLS
