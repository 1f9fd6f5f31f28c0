/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>

#include "device/dfud-sim-fault.h"

G_BEGIN_DECLS

#define DFUD_SIM_BLE_SMP_SERVICE_UUID "8d53dc1d-1db7-4cd3-868b-8a527460aa84"
#define DFUD_SIM_BLE_SMP_CHARACTERISTIC_UUID "da2e7828-fbce-4e01-ae9e-261174997c48"

/*
 * The D-Bus objects BlueZ talks to for one simulated device: the GATT application (an
 * ObjectManager root with the SMP service and characteristic) and the LE advertisement.
 * It only exports them and forwards BlueZ's calls; registering them is the transport's job.
 *
 * Notifications go through a socket once bluetoothd acquires one (AcquireNotify: one message
 * per value, without the bus daemon and D-Bus marshalling), else through PropertiesChanged.
 * Writes come through WriteValue, or with @acquire_write through a socket too (AcquireWrite),
 * which is not safe with every client: bluetoothd (5.66, and its current code) asks for the
 * socket on a write command and, when more writes arrive before the answer, sends the last
 * one's bytes in place of the earlier ones (it keeps a pointer into its receive buffer; a
 * refused socket does the same through WriteValue). It is safe when the first packet after
 * connecting fits one write and is answered before the next is sent, as dfud does. bluetoothd
 * keeps one write socket per characteristic for every central alike: it belongs to the central
 * that asked for it (another one's writes would be taken for that one's) until released.
 */
typedef struct _DfudSimBleApp DfudSimBleApp;

typedef struct {
	/* one ATT write command from @device (a BlueZ Device1 path); @mtu 0 when unknown */
	void (*write)(const gchar *device, guint mtu, const guint8 *value, gsize len,
		      gpointer user_data);
	/* a central enabled (StartNotify) or disabled (StopNotify) notifications */
	void (*notifying)(gboolean notifying, gpointer user_data);
	/* BlueZ dropped the advertisement on its own (LEAdvertisement1.Release) */
	void (*released)(gpointer user_data);
} DfudSimBleAppCallbacks;

/* exports the objects under @root ("/org/dfud/sim/dev0"); @acquire_write: offer AcquireWrite */
DfudSimBleApp *dfud_sim_ble_app_new(GDBusConnection *bus, const gchar *root, const gchar *name,
				    DfudSimSecurity security, gboolean acquire_write,
				    const DfudSimBleAppCallbacks *callbacks, gpointer user_data,
				    GError **error);
/* unexports everything */
void dfud_sim_ble_app_free(DfudSimBleApp *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(DfudSimBleApp, dfud_sim_ble_app_free)
/* the path to give GattManager1.RegisterApplication */
const gchar *dfud_sim_ble_app_get_path(DfudSimBleApp *self);
/* the path to give LEAdvertisingManager1.RegisterAdvertisement */
const gchar *dfud_sim_ble_app_get_advertisement_path(DfudSimBleApp *self);
gboolean dfud_sim_ble_app_is_notifying(DfudSimBleApp *self);
/* closes the write socket: bluetoothd acquires a new one on the next write */
void dfud_sim_ble_app_release_write(DfudSimBleApp *self);
/* the central the write socket belongs to; NULL without one */
const gchar *dfud_sim_ble_app_get_write_device(DfudSimBleApp *self);
/* one notification (through the acquired socket, else PropertiesChanged on Value); @len must
 * fit ATT_MTU - 3 */
gboolean dfud_sim_ble_app_notify(DfudSimBleApp *self, const guint8 *value, gsize len,
				 GError **error);
/* the characteristic's Flags for @security (NULL-terminated, static) */
const gchar *const *dfud_sim_ble_app_flags(DfudSimSecurity security);

G_END_DECLS
