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
 * profiles at once but keeps the LE link up for its DISCONNECT_TIMER (2 s); then it asks the
 * kernel to disconnect, and answers the call once the controller reports the link down. In that
 * window nothing on the bus tells the dying link from a healthy one: Connected and
 * ServicesResolved stay true, Device1 sends no PropertiesChanged, Connect answers at once
 * without stopping the timer, and AcquireNotify and AcquireWrite hand out working sockets that
 * close when the timer fires. Seen in the VM (tests/vm, bluetoothd -d and dbus-monitor):
 * Disconnect at t; the next command's AcquireNotify and AcquireWrite answered at t+1.2 s and its
 * echo was answered; at t+2.19 s PropertiesChanged(ServicesResolved=false), at t+2.20 s the
 * answer to Disconnect, at t+2.26 s PropertiesChanged(Connected=false) (in other runs both
 * properties in one signal, up to t+2.8 s on a loaded machine); a command still waiting for its
 * answer then lost its notification socket. So only the process that called Disconnect knows:
 * an open that finds the device linked while a record says a teardown is in progress waits for
 * Connected=false instead of using the link (dfud-ble-open.c), then connects afresh. Another
 * process's Disconnect cannot be seen at all.
 *
 * A record ends when the call is answered (the link is down; a grace of 1 s lets the
 * Connected=false that trails the answer reach the object managers), when a transport sees
 * the device unlinked (dfud_ble_teardown_ended), or at the latest DFUD_BLE_TEARDOWN_MAX_MS after
 * the call: an open still finding the device linked then takes the link as it is (and logs it).
 * Thread safe; the answer is taken in the thread-default main context of the caller.
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
