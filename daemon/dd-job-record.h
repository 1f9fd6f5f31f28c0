/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* device URIs longer than this are not ours */
#define DD_STORE_MAX_URI_LEN 4096

/* what the journal keeps of a queued or running job (STATE_DIR/jobs/N.ini, see dd-store.h) */
typedef struct {
	guint64 id;
	gchar *device_uri;
	gchar *device_name; /* may be NULL */
	gchar *mode;	    /* dfud_update_mode_to_string() */
	gint image;	    /* -1: all */
	gboolean no_reset;
	gboolean allow_downgrade;
	gboolean upgrade;
	guint window;
	gboolean no_reassembly;
	gboolean accept_permanent; /* test-only may install for good (no revert in the mode) */
	gboolean recovery; /* through MCUboot's serial recovery (overwrites the running image) */
	gchar *firmware_sha256; /* hex of the .fw file, checked on load */
	gint64 created_us;	/* g_get_real_time() */
	gint64 started_us;	/* 0: never started */
	gchar *stage;		/* the furthest Status reached: queued, connecting, uploading, ... */
	guint64 bytes_done;	/* informative */
	guint restarts;		/* how often the daemon restarted while the job was unfinished */
} DdJobRecord;

DdJobRecord *dd_job_record_new(void);
DdJobRecord *dd_job_record_copy(const DdJobRecord *record);
void dd_job_record_free(DdJobRecord *record);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(DdJobRecord, dd_job_record_free)

/* the record checked and written as a key file; NULL and an error when a field is invalid */
gchar *dd_job_record_to_data(const DdJobRecord *record, gsize *len, GError **error);
/* a record read back from a key file, strictly: every value present must parse completely and
 * the Id must be @id */
DdJobRecord *dd_job_record_parse(GKeyFile *kf, guint64 id, GError **error);
gboolean dd_job_record_is_sha256_hex(const gchar *str);

G_END_DECLS
