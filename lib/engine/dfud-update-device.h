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
	gchar *os_info; /* OS/application info, all fields (spec §3.4), when asked and answered */
	/* when the mode is not reported and the probe was asked for: does the application have
	 * an image state write (spec §4.2: not in direct-XIP, RAM-load, firmware-loader builds)?
	 * -1 not known, 0 no (rc 8), 1 yes */
	gint state_write;
	DfudSmpImageState *state;
} DfudUpdateDevice;

typedef enum {
	DFUD_UPDATE_DEVICE_READ_B0 = 1 << 0,	  /* bootloader info active_b0_slot */
	DFUD_UPDATE_DEVICE_READ_OS_INFO = 1 << 1, /* OS/application info (format "a") */
	/* when the device does not report its mode (Zephyr reports -1 for RAM-load): a state
	 * write that changes nothing (test of a hash no slot holds) tells whether it has one */
	DFUD_UPDATE_DEVICE_READ_PROBE_WRITE = 1 << 2,
} DfudUpdateDeviceReadFlags;

void dfud_update_device_free(DfudUpdateDevice *device);
/*
 * TRUE when @device (with its image @state) answers as MCUboot's serial recovery (boot_serial,
 * spec §3.2) rather than an application: no bootloader info (boot_serial answers rc 8) and no
 * image slot active (boot_serial never sets the flag; Zephyr's image group always marks the
 * running image). The list may be empty: boot_serial lists only slots holding a valid image
 * (bs_list()), none when the primary was erased by an upload cut short or the device is
 * bricked. Its upload writes the primary slot over the running image and it has no test or
 * confirm: a swap update must not run there.
 */
gboolean dfud_update_device_in_serial_recovery(const DfudUpdateDevice *device,
					       const DfudSmpImageState *state);

/* full probe: echo, params, bootloader info (+ active_b0_slot, + OS info as @flags ask), slot
 * info, state */
void dfud_update_device_read_async(DfudSmpClient *client, DfudUpdateDeviceReadFlags flags,
				   guint timeout_ms,
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
