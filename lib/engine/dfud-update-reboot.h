/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>

#include "engine/dfud-smp-client.h"
#include "engine/dfud-update-options.h"
#include "smp/dfud-smp.h"

G_BEGIN_DECLS

/*
 * Internal to the engine: resets the device (OS reset, spec §3.2) and waits until it has
 * rebooted, known from evidence and never from the image state alone, for a device whose
 * bootloader did not swap answers exactly as before the reset (spec §9.1, §9.6):
 *
 * - a transport with a link (BLE): the link drops (Zephyr reboots CONFIG_MCUMGR_GRP_OS_RESET_MS
 *   after answering, the central notices within the supervision timeout); then the device
 *   advertises again (dfud_transport_wait_for_device_async), the link is opened anew and the image
 *   state read over it is the rebooted firmware's.
 * - a connectionless one (UDP): the device is probed with image state reads. An answer that
 *   differs from @before (a swap, a revert, a refused image erased) is the rebooted firmware's;
 *   an answer equal to @before counts as the rebooted firmware's only once the reset has been
 *   acknowledged for options->reset_grace_ms (Zephyr keeps answering as the old firmware for its
 *   reset delay; then it is silent while MCUboot works; then it answers again): a device that
 *   answers as before for longer rebooted without a swap.
 *
 * The reset is sent once (DFUD_SMP_CALL_ACTS_ONCE: a copy reaching a device that rebooted into a
 * test image would revert it). When its answer is lost it is sent again (RESET_SENDS_MAX in all)
 * only after the device answered exactly as before the reset: then a second reset cannot undo
 * anything. A device that keeps answering as before without ever acknowledging one fails with
 * DFUD_ERROR_DEVICE.
 *
 * Everything within options->reset_timeout_ms of the first reset (DFUD_ERROR_TIMEOUT, naming
 * how long the device has been silent). Completes with the image state after the reboot.
 *
 * DFUD_UPDATE_REBOOT_ACKNOWLEDGED (a reset asked for by itself, the daemon's Reset): completes as
 * soon as the device acknowledged a reset (with a copy of @before), or showed that it rebooted
 * after an unacknowledged one; it does not wait for the device to come back.
 */
typedef enum {
	DFUD_UPDATE_REBOOT_NONE = 0,
	DFUD_UPDATE_REBOOT_ACKNOWLEDGED = 1 << 0,
	/* the reset's `force` (spec §3.2: a reset hook may refuse one without it) */
	DFUD_UPDATE_REBOOT_FORCE = 1 << 1,
	/* `boot_mode` 1: into the bootloader / firmware loader (spec §3.2); a device without
	 * CONFIG_MCUMGR_GRP_OS_RESET_BOOT_MODE ignores it and boots as usual */
	DFUD_UPDATE_REBOOT_BOOTLOADER = 1 << 2,
} DfudUpdateRebootFlags;

void dfud_update_reboot_async(DfudSmpClient *client, const DfudUpdateOptions *options,
			      const DfudSmpImageState *before, DfudUpdateRebootFlags flags,
			      GCancellable *cancellable, GAsyncReadyCallback callback,
			      gpointer user_data);
DfudSmpImageState *dfud_update_reboot_finish(GAsyncResult *res, GError **error);

G_END_DECLS
