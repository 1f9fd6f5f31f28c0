/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>

#include "dd-job-record.h"

G_BEGIN_DECLS

/*
 * What dfud keeps in its state directory so that it survives its own restart (SIGKILL
 * included): every write is atomic (write to a temporary file, fsync, rename).
 *
 *   STATE_DIR/state.ini          the next job id (never reused)
 *   STATE_DIR/devices.ini        devices added with Manager.AddDevice (uri, name)
 *   STATE_DIR/jobs/N.ini         a queued or running job (DdJobRecord)
 *   STATE_DIR/jobs/N.fw          its firmware, as the caller's descriptor gave it
 *
 * The directory is created 0700 when missing. Files that cannot be parsed are renamed to
 * *.broken with a warning, never silently dropped, and never stop the daemon.
 */
#define DD_TYPE_STORE (dd_store_get_type())
G_DECLARE_FINAL_TYPE(DdStore, dd_store, DD, STORE, GObject)

DdStore *dd_store_new(const gchar *state_dir, GError **error);
const gchar *dd_store_get_dir(DdStore *self);

/* returns the next id and persists its successor before returning it */
gboolean dd_store_next_job_id(DdStore *self, guint64 *id, GError **error);

/*
 * writes N.fw and records the content's SHA-256 (hex; NULL: computed here) in
 * @record->firmware_sha256; when another job's N.fw has that content, N.fw is a hard link to
 * it (one copy on disk per content)
 */
gboolean dd_store_save_firmware(DdStore *self, DdJobRecord *record, GBytes *firmware,
				const gchar *sha256, GError **error);
/* N.fw mapped (read-only, not copied), its SHA-256 checked against @record's */
GBytes *dd_store_load_firmware(DdStore *self, const DdJobRecord *record, GError **error);
gboolean dd_store_save_job(DdStore *self, const DdJobRecord *record, GError **error);
/* every journaled job, oldest id first (broken ones are set aside with a warning) */
GPtrArray *dd_store_load_jobs(DdStore *self); /* of DdJobRecord */
/* removes N.ini and N.fw */
void dd_store_remove_job(DdStore *self, guint64 id);

/* added devices: (uri, name) pairs, name may be "" */
gboolean dd_store_save_devices(DdStore *self, GPtrArray *uris, GPtrArray *names,
			       GError **error);
gboolean dd_store_load_devices(DdStore *self, GPtrArray **uris, GPtrArray **names,
			       GError **error);

G_END_DECLS
