/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>

#include "engine/dfud-smp-client.h"
#include "smp/dfud-smp.h"

G_BEGIN_DECLS

/*
 * Internal to the engine: what a device says about itself after connecting (spec §10 steps
 * 3-6): OS echo (the SMP version probe), MCUmgr params, bootloader info (mode and, when asked,
 * active_b0_slot), slot info and image state. Unsupported commands leave their part NULL.
 */
typedef struct {
	gboolean has_params;
	DfudSmpParams params;
	DfudSmpBootloaderInfo *mode_info;
	DfudSmpBootloaderInfo *b0_info;
	DfudSmpSlotInfo *slot_info;
	DfudSmpImageState *state;
} DfudUpdateDevice;

void dfud_update_device_free(DfudUpdateDevice *device);
/*
 * TRUE when @device (with its image @state) answers as MCUboot's serial recovery (boot_serial, spec §3.2) rather than
 * an application: no bootloader info (boot_serial answers rc 8) and image slots listed, none of
 * them active (boot_serial never sets the flag; Zephyr's image group always marks the running
 * image). Its upload writes the primary slot over the running image and it has no test or
 * confirm: a swap update must not run there.
 */
gboolean dfud_update_device_in_serial_recovery(const DfudUpdateDevice *device,
					       const DfudSmpImageState *state);

/* full probe: echo, params, bootloader info (+ active_b0_slot if @want_b0), slot info, state */
void dfud_update_device_read_async(DfudSmpClient *client, gboolean want_b0, guint timeout_ms,
				   GCancellable *cancellable, GAsyncReadyCallback callback,
				   gpointer user_data);
DfudUpdateDevice *dfud_update_device_read_finish(GAsyncResult *res, GError **error);

/* image state read only */
void dfud_update_device_read_state_async(DfudSmpClient *client, guint timeout_ms,
					 GCancellable *cancellable, GAsyncReadyCallback callback,
					 gpointer user_data);
DfudSmpImageState *dfud_update_device_read_state_finish(GAsyncResult *res, GError **error);

/* bootloader info with the active_b0_slot query only */
void dfud_update_device_read_b0_async(DfudSmpClient *client, guint timeout_ms,
				      GCancellable *cancellable, GAsyncReadyCallback callback,
				      gpointer user_data);
DfudSmpBootloaderInfo *dfud_update_device_read_b0_finish(GAsyncResult *res, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(DfudUpdateDevice, dfud_update_device_free)

G_END_DECLS
