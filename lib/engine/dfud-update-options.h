/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
	DFUD_UPDATE_MODE_TEST_AND_CONFIRM, /* test, reset, verify, then confirm (default) */
	DFUD_UPDATE_MODE_CONFIRM_ONLY,	   /* confirm before the reset, verify after */
	DFUD_UPDATE_MODE_TEST_ONLY,	   /* test, reset, verify; the device confirms itself */
	DFUD_UPDATE_MODE_UPLOAD_ONLY,	   /* upload, nothing else */
} DfudUpdateMode;

typedef struct {
	DfudUpdateMode mode;
	gboolean no_reset;	  /* mark but do not reset (and so do not verify) */
	gint image;		  /* -1: every image of the package; N: only image index N */
	gboolean allow_downgrade; /* else an older version than the running one is refused */
	gboolean upgrade_flag;	  /* send `upgrade: true` (the device refuses a non-newer image) */
	guint window;		  /* 0: automatic (buf_count - 1, at least 1) */
	gboolean no_reassembly;	  /* packets never bigger than one fragment (stop-and-wait tests) */
	guint first_chunk_timeout_ms; /* slot erase: 60000 */
	guint chunk_timeout_ms;	      /* 2500 */
	guint last_chunk_timeout_ms;  /* flush + hash: 20000 */
	guint command_timeout_ms;     /* other commands: 5000 */
	guint chunk_retries;	      /* per chunk: 5 */
	guint reset_timeout_ms;	      /* device back after a reset (swap): 300000 */
	guint reset_grace_ms; /* answering as before an acknowledged reset for this long (UDP):
				 rebooted without a swap: 5000 */
	guint connect_timeout_ms;     /* 60000 */
	guint min_rate;		      /* bytes/s an upload keeps on average at least: 256 */
	gboolean after_reset; /* an earlier run reset the device (a restart of dfud): it may
				 still be rebooting, silent for up to reset_timeout_ms */
	gboolean accept_permanent; /* test-only on a bootloader without revert installs for good */
	gboolean recovery; /* update through MCUboot's serial recovery (overwrites slot 0): a device
			      found there, or one reset into it (os reset boot_mode 1) */
} DfudUpdateOptions;

void dfud_update_options_init(DfudUpdateOptions *options);
/* the bound on uploading @size bytes: FirstChunk + LastChunk + @size at min_rate (ms) */
guint64 dfud_update_upload_bound_ms(const DfudUpdateOptions *options, guint64 size);
const gchar *dfud_update_mode_to_string(DfudUpdateMode mode);
gboolean dfud_update_mode_from_string(const gchar *str, DfudUpdateMode *mode);

G_END_DECLS
