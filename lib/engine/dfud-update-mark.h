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
 * An image state write, test or confirm (spec §4.2), for the engine and the daemon's Test and
 * Confirm: completes with the image state the device reports after it. A lost answer costs no
 * failure: the client sends a copy with the same seq, and Zephyr answers a repeated test or
 * confirm of the same slot as a no-op success (img_mgmt_set_next_boot_slot). Should a copy be
 * answered with an error all the same (the first copy took effect and the device moved on), the
 * image state is read: when it shows what was asked for, the write succeeded; else the device's
 * error stands.
 *
 * @hash: the image to mark; NULL with @confirm: the running image.
 */
void dfud_update_mark_async(DfudSmpClient *client, GBytes *hash, gboolean confirm,
			    guint timeout_ms, GCancellable *cancellable,
			    GAsyncReadyCallback callback, gpointer user_data);
DfudSmpImageState *dfud_update_mark_finish(GAsyncResult *res, GError **error);

/* TRUE when @state shows what a write of @hash / @confirm asks for */
gboolean dfud_update_mark_holds(const DfudSmpImageState *state, GBytes *hash, gboolean confirm);

G_END_DECLS
