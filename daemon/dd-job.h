/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>

#include "dd-context.h"
#include "dd-store.h"
#include "dfud-dbus-generated.h"
#include "engine/dfud-updater.h"

G_BEGIN_DECLS

/*
 * One update of one device, exported at /org/dfud/Dfu1/Job/N as org.dfud.Dfu1.Job. It runs a
 * DfudUpdater on the transport its device hands it, mirrors the progress into the properties
 * (at most four times a second, stage changes at once), journals the furthest stage reached,
 * and when it ends appends the history entry and drops its journal files.
 *
 * Signals:
 *   "finished" ()  once, when Status becomes done, failed or cancelled
 */
#define DD_TYPE_JOB (dd_job_get_type())
G_DECLARE_FINAL_TYPE(DdJob, dd_job, DD, JOB, GObject)

/*
 * takes a copy of @record; @package is the job's firmware, parsed: the job keeps what its
 * properties and history entry show of it, not the package. A queued job holds no firmware:
 * it gets the package back when it runs, from a running job of the same content (by
 * @record->firmware_sha256) or from STATE_DIR/jobs/N.fw.
 */
DdJob *dd_job_new(DdContext *ctx, const DdJobRecord *record, DfudPackage *package,
		  const gchar *device_path, const gchar *device_log_name);

guint64 dd_job_get_id(DdJob *self);
const gchar *dd_job_get_path(DdJob *self);
DfudDbusObjectSkeleton *dd_job_get_object(DdJob *self);
gboolean dd_job_is_finished(DdJob *self);
gboolean dd_job_is_running(DdJob *self);
/* the last history entry (a{sv}) once finished, else NULL */
GVariant *dd_job_get_history_entry(DdJob *self);
/* the device's image state as the update last read it, or NULL */
const DfudSmpImageState *dd_job_get_image_state(DdJob *self);

/*
 * the device gives it a connection slot: run the update on @transport (the job closes it),
 * after its firmware is back (a copy that went missing or changed fails the job)
 */
void dd_job_run(DdJob *self, DfudTransport *transport, DdSlot *slot);
/* ends the job (cancelled); a queued job ends at once */
void dd_job_cancel(DdJob *self);
/* ends a queued job that can never run (no transport can be made for its device) */
void dd_job_fail(DdJob *self, const GError *error);

G_END_DECLS
