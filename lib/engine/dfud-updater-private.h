/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "dfud-smp-client.h"
#include "dfud-update-device.h"
#include "dfud-update-plan.h"
#include "dfud-update-rate.h"
#include "dfud-updater.h"
#include "dfud-uploader.h"

G_BEGIN_DECLS

/* the updater's state, shared by its stage files (dfud-updater.c, dfud-updater-verify.c) */
struct _DfudUpdater {
	GObject parent_instance;
	DfudTransport *transport;
	DfudPackage *package;
	DfudUpdateOptions options;
	DfudUpdateProgress progress;
	DfudSmpClient *client;

	GTask *task;
	GCancellable *cancellable;
	gulong closed_id;

	DfudUpdateDevice *device;
	DfudUpdatePlan *plan;
	DfudSmpImageState *state; /* the latest image state */
	DfudUpdateStage resume_stage;
	guint reconnects;
	gint64 wait_until_us; /* options.after_reset: the device may be silent until then */
	guint wait_source;
	guint item;	      /* the plan item being uploaded or marked */
	guint64 bytes_before; /* uploaded by earlier items of this run */
	DfudUploader *uploader;
	DfudUpdateRate rate;
	gint64 last_emit_us;
	gboolean in_loader; /* the device runs its loader (firmware loader, serial recovery) */
};

void dfud_updater_set_stage(DfudUpdater *self, DfudUpdateStage stage);
void dfud_updater_set_state(DfudUpdater *self, DfudSmpImageState *state);
/*
 * The image state a step ended with (takes @state and @error): TRUE when it is now the latest
 * state; FALSE when the run is over already, or the step failed: then the run reconnects and
 * resumes @stage after a link's failure (@recover) or fails.
 */
gboolean dfud_updater_take_state(DfudUpdater *self, DfudSmpImageState *state, GError *error,
				 gboolean recover, DfudUpdateStage stage);
DfudUpdatePlanItem *dfud_updater_current_item(DfudUpdater *self);
/* completes the run with @error (NULL: success); takes ownership */
void dfud_updater_finish(DfudUpdater *self, GError *error);
/* reconnects and resumes @stage when @error is the link's, else finishes with it */
void dfud_updater_recover_or_fail(DfudUpdater *self, DfudUpdateStage stage, GError *error);
/* stage 5 (dfud-updater-verify.c): the device must run the new images; then confirm */
void dfud_updater_stage_verify(DfudUpdater *self);
/* serial recovery: the bootloader lists each uploaded image in its upload slot (DEVICE error) */
gboolean dfud_updater_check_recovery_upload(DfudUpdater *self, GError **error);
/* stage 6 (dfud-updater-verify.c): confirm what runs now (test-and-confirm) */
void dfud_updater_stage_confirm(DfudUpdater *self);

G_END_DECLS
