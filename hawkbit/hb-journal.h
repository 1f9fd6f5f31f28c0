/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/*
 * What a target owes the server, kept across restarts of the connector: the action in
 * progress, its stage, the dfud job that runs it, and the final feedback until the server
 * took it. One file per target, STATE_DIR/targets/CONTROLLER_ID, written atomically (a
 * rename of a fully written and synced file) at every change of stage.
 */
typedef enum {
	HB_STAGE_NONE,	      /* no action */
	HB_STAGE_DOWNLOADING, /* artifacts being fetched */
	HB_STAGE_DOWNLOADED,  /* fetched, waiting for update != skip / the maintenance window */
	HB_STAGE_UPDATING,    /* a dfud job runs it: job_path */
	HB_STAGE_CLOSING,     /* the final feedback is owed: finished, details */
} HbStage;

typedef struct {
	gchar *path;
	gchar *action_id;
	HbStage stage;
	gchar *job_path;
	gchar *finished; /* success, failure, or "canceled" for a confirmed cancellation */
	gchar **details;
	gchar *cancel_id;  /* a cancelAction being answered */
	GPtrArray *closed; /* ids of actions whose final feedback the server took */
} HbJournal;

/* the most closed action ids remembered: a server repeating older ones is not believed */
#define HB_JOURNAL_CLOSED_MAX 32

HbJournal *hb_journal_load(const gchar *state_dir, const gchar *controller_id, GError **error);
gboolean hb_journal_save(HbJournal *journal, GError **error);
void hb_journal_free(HbJournal *journal);
const gchar *hb_stage_name(HbStage stage);
gboolean hb_journal_is_closed(HbJournal *journal, const gchar *action_id);
/* the action is over: remembered as closed, the stage back to none */
void hb_journal_close(HbJournal *journal);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(HbJournal, hb_journal_free)

G_END_DECLS
