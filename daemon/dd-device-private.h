/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "dd-device.h"
#include "engine/dfud-smp-client.h"

G_BEGIN_DECLS

struct _DdDevice {
	GObject parent_instance;
	DdContext *ctx; /* borrowed */
	gchar *path;
	gchar *uri;
	gchar *address; /* BLE only */
	gchar *adapter; /* BLE: "hci0", "" for any; NULL for UDP */
	gchar *log_name;
	DfudDbusObjectSkeleton *object;
	DfudDbusDevice *iface;
	GQueue jobs;		   /* of DdJob (strong), the head is current */
	gboolean command_running;  /* a device command holds the device */
	gboolean bluez_connected;
	GCancellable *cancellable; /* of device commands, cancelled at dispose */
	DfudSmpRtt rtt;		   /* the round trip the last command measured */
};

/* a transport for one use of the device, with the daemon's BLE settings applied */
DfudTransport *dd_device_new_transport(DdDevice *self, GError **error);
const gchar *dd_device_slot_adapter(DdDevice *self);
void dd_device_update_connected(DdDevice *self);
void dd_device_set_images(DdDevice *self, const DfudSmpImageState *state);
void dd_device_set_bootloader_mode(DdDevice *self, gint mode);
/* the state string from the queue and the running command */
void dd_device_update_state(DdDevice *self);

/* dd-device-commands.c: the handlers of the device commands, connected by dd_device_new */
void dd_device_commands_connect(DdDevice *self);

G_END_DECLS
