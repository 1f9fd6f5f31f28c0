/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>

#include "engine/dfud-update-options.h"
#include "engine/dfud-update-progress.h"
#include "package/dfud-package.h"
#include "smp/dfud-smp-image-state.h"
#include "transport/dfud-transport.h"

G_BEGIN_DECLS

/*
 * Runs a whole update of one device (spec §10): connect; read MCUmgr params, bootloader info
 * and image state; plan; upload each image (pipelined, resumable); test or confirm; reset; wait
 * until the device is back; verify the active slot holds the new hash (DFUD_ERROR_REVERTED when
 * the old image runs again); confirm in test-and-confirm mode. Every stage has a timeout and a
 * named error; nothing blocks.
 *
 * Signals:
 *   "progress" (gconstpointer DfudUpdateProgress *): at stage changes and at most every 100 ms
 *       while uploading
 */
#define DFUD_TYPE_UPDATER (dfud_updater_get_type())
G_DECLARE_FINAL_TYPE(DfudUpdater, dfud_updater, DFUD, UPDATER, GObject)

DfudUpdater *
dfud_updater_new(DfudTransport *transport, DfudPackage *package,
		 const DfudUpdateOptions *options);

/* completes when the update is verified (or, with no_reset / upload-only, marked / uploaded);
 * DFUD_ERROR_NOTHING_TO_DO when the device already runs every image of the package */
void
dfud_updater_run_async(DfudUpdater *self, GCancellable *cancellable,
		       GAsyncReadyCallback callback, gpointer user_data);
gboolean
dfud_updater_run_finish(DfudUpdater *self, GAsyncResult *res, GError **error);

const DfudUpdateProgress *
dfud_updater_get_progress(DfudUpdater *self);

/* the image state the device reported last (before the update, after the reset, ...), or NULL
 * before the first read; valid until the next "progress" emission */
const DfudSmpImageState *
dfud_updater_get_image_state(DfudUpdater *self);

G_END_DECLS
