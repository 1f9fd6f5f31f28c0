/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/*
 * The links this process asked BlueZ to take down (Device1.Disconnect), until they are down:
 * one record per device object path, shared by every BLE transport of the process (the daemon
 * makes a new transport for each command).
 *
 * bluetoothd 5.66 takes a link down in two steps: Device1.Disconnect disconnects the device's
 * profiles at once, but the LE link stays up for bluetoothd's DISCONNECT_TIMER (2 s); then it
 * asks the kernel to disconnect, and answers the call once the controller reports the link
 * down. In that window nothing on the bus tells the dying link from a healthy one: Connected
 * and ServicesResolved stay true, the device sends no PropertiesChanged, Connect answers at once
 * without stopping the timer, and AcquireNotify and AcquireWrite hand out working sockets that
 * close when the timer fires. One PropertiesChanged then brings ServicesResolved=false and
 * Connected=false together. (Seen in the VM, tests/vm: Disconnect at t, the next command's
 * AcquireNotify and AcquireWrite answered at t+1.16 s, its echo answered, the link down at
 * t+2.26 s.) So only the process that called Disconnect knows: an open that finds the device
 * linked while a record says a teardown is in progress waits for it to end instead of using
 * the link (dfud-ble-open.c). Another process's Disconnect cannot be seen at all.
 *
 * A record ends when the call is answered (the link is down; a short grace lets the
 * PropertiesChanged that trails the answer reach the object managers), when a transport sees
 * the device unlinked (dfud_ble_teardown_ended), or at the latest DFUD_BLE_TEARDOWN_MAX_MS after
 * the call. Main-context agnostic and thread safe.
 */

/*
 * The longest a teardown is waited for: bluetoothd's 2 s timer plus the controller's
 * termination, which lasts up to the link's supervision timeout when the peer does not
 * acknowledge it (Linux asks for 420 ms, a peripheral may ask for more, commonly up to 6 s).
 */
#define DFUD_BLE_TEARDOWN_MAX_MS 10000u

/* calls Device1.Disconnect on @device_path (org.bluez on @bus) and records it */
void dfud_ble_teardown_start(GDBusConnection *bus, const gchar *device_path);
/* ms until the record of @device_path ends at the latest; 0 when there is none */
guint dfud_ble_teardown_remaining_ms(const gchar *device_path);
/* the device at @device_path was seen unlinked: the teardown is over */
void dfud_ble_teardown_ended(const gchar *device_path);

G_END_DECLS
