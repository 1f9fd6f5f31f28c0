/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>

#include "engine/dfud-smp-client.h"
#include "engine/dfud-update-options.h"
#include "engine/dfud-update-plan.h"

G_BEGIN_DECLS

/*
 * Internal to the engine: resets the device (OS reset; a lost answer or a link that closes
 * counts as sent; EBUSY is retried), closes the link, waits for the device
 * (dfud_transport_wait_for_device_async), then reopens and reads image state with back-off until
 * the device answers as the rebooted firmware (no image of @plan still pending in its other
 * slot), all within options->reset_timeout_ms (DFUD_ERROR_TIMEOUT after it). Completes with that
 * image state.
 */
void dfud_update_reboot_async(DfudSmpClient *client, const DfudUpdateOptions *options,
			      const DfudUpdatePlan *plan, GCancellable *cancellable,
			      GAsyncReadyCallback callback, gpointer user_data);
DfudSmpImageState *dfud_update_reboot_finish(GAsyncResult *res, GError **error);

G_END_DECLS
