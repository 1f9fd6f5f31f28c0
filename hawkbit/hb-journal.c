/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "HbJournal"

#include "config.h"

#include <errno.h>

#include "dfud-error.h"
#include "hb-journal.h"

static const gchar *const stage_names[] = {"none", "downloading", "downloaded", "updating",
					   "closing"};

const gchar *
hb_stage_name(HbStage stage)
{
	return stage < G_N_ELEMENTS(stage_names) ? stage_names[stage] : "?";
}

static HbStage
stage_parse(const gchar *text)
{
	for (guint i = 0; i < G_N_ELEMENTS(stage_names); i++)
		if (g_strcmp0(text, stage_names[i]) == 0)
			return (HbStage)i;
	return HB_STAGE_NONE;
}

void
hb_journal_free(HbJournal *j)
{
	if (j == NULL)
		return;
	g_free(j->path);
	g_free(j->action_id);
	g_free(j->job_path);
	g_free(j->finished);
	g_strfreev(j->details);
	g_free(j->cancel_id);
	g_ptr_array_unref(j->closed);
	g_free(j);
}

/* a controller id as a file name: anything but [A-Za-z0-9._-] as %XX */
static gchar *
file_name(const gchar *controller_id)
{
	GString *out = g_string_new(NULL);
	for (const guchar *p = (const guchar *)controller_id; *p != '\0'; p++) {
		if (g_ascii_isalnum(*p) || *p == '-' || *p == '_' ||
		    (*p == '.' && p != (const guchar *)controller_id))
			g_string_append_c(out, (gchar)*p);
		else
			g_string_append_printf(out, "%%%02X", *p);
	}
	return g_string_free(out, FALSE);
}

HbJournal *
hb_journal_load(const gchar *state_dir, const gchar *controller_id, GError **error)
{
	g_autoptr(HbJournal) j = g_new0(HbJournal, 1);
	g_autoptr(GKeyFile) kf = g_key_file_new();
	g_autofree gchar *dir = g_build_filename(state_dir, "targets", NULL);
	g_autofree gchar *name = file_name(controller_id);
	g_autoptr(GError) local = NULL;
	g_auto(GStrv) closed = NULL;
	g_autofree gchar *stage = NULL;

	j->closed = g_ptr_array_new_with_free_func(g_free);
	if (g_mkdir_with_parents(dir, 0700) != 0) {
		int saved = errno;
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_IO, "cannot make %s: %s", dir,
			    g_strerror(saved));
		return NULL;
	}
	j->path = g_build_filename(dir, name, NULL);
	if (!g_key_file_load_from_file(kf, j->path, G_KEY_FILE_NONE, &local)) {
		if (g_error_matches(local, G_FILE_ERROR, G_FILE_ERROR_NOENT))
			return g_steal_pointer(&j);
		/* a journal that cannot be read is reported, not silently forgotten */
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_IO, "cannot read %s: %s", j->path,
			    local->message);
		return NULL;
	}
	j->action_id = g_key_file_get_string(kf, "Action", "Id", NULL);
	stage = g_key_file_get_string(kf, "Action", "Stage", NULL);
	j->stage = j->action_id != NULL ? stage_parse(stage) : HB_STAGE_NONE;
	j->job_path = g_key_file_get_string(kf, "Action", "Job", NULL);
	if (j->job_path != NULL && !g_variant_is_object_path(j->job_path))
		g_clear_pointer(&j->job_path, g_free);
	j->finished = g_key_file_get_string(kf, "Action", "Finished", NULL);
	j->details = g_key_file_get_string_list(kf, "Action", "Details", NULL, NULL);
	j->cancel_id = g_key_file_get_string(kf, "Action", "CancelId", NULL);
	closed = g_key_file_get_string_list(kf, "Closed", "Actions", NULL, NULL);
	for (guint i = 0; closed != NULL && closed[i] != NULL; i++)
		g_ptr_array_add(j->closed, g_strdup(closed[i]));
	return g_steal_pointer(&j);
}

gboolean
hb_journal_save(HbJournal *j, GError **error)
{
	g_autoptr(GKeyFile) kf = g_key_file_new();
	g_autofree gchar *text = NULL;
	gsize len = 0;

	if (j->action_id != NULL && j->stage != HB_STAGE_NONE) {
		g_key_file_set_string(kf, "Action", "Id", j->action_id);
		g_key_file_set_string(kf, "Action", "Stage", hb_stage_name(j->stage));
		if (j->job_path != NULL)
			g_key_file_set_string(kf, "Action", "Job", j->job_path);
		if (j->finished != NULL)
			g_key_file_set_string(kf, "Action", "Finished", j->finished);
		if (j->details != NULL)
			g_key_file_set_string_list(kf, "Action", "Details",
						   (const gchar *const *)j->details,
						   g_strv_length(j->details));
		if (j->cancel_id != NULL)
			g_key_file_set_string(kf, "Action", "CancelId", j->cancel_id);
	}
	if (j->closed->len > 0)
		g_key_file_set_string_list(kf, "Closed", "Actions",
					   (const gchar *const *)j->closed->pdata, j->closed->len);
	text = g_key_file_to_data(kf, &len, NULL);
	if (!g_file_set_contents_full(
		j->path, text, (gssize)len,
		G_FILE_SET_CONTENTS_CONSISTENT | G_FILE_SET_CONTENTS_ONLY_EXISTING, 0600, error)) {
		g_prefix_error(error, "journal %s: ", j->path);
		return FALSE;
	}
	return TRUE;
}

gboolean
hb_journal_is_closed(HbJournal *j, const gchar *action_id)
{
	for (guint i = 0; i < j->closed->len; i++)
		if (g_strcmp0(g_ptr_array_index(j->closed, i), action_id) == 0)
			return TRUE;
	return FALSE;
}

void
hb_journal_close(HbJournal *j)
{
	if (j->action_id != NULL && !hb_journal_is_closed(j, j->action_id)) {
		g_ptr_array_add(j->closed, g_strdup(j->action_id));
		if (j->closed->len > HB_JOURNAL_CLOSED_MAX)
			g_ptr_array_remove_index(j->closed, 0);
	}
	g_clear_pointer(&j->action_id, g_free);
	g_clear_pointer(&j->job_path, g_free);
	g_clear_pointer(&j->finished, g_free);
	g_clear_pointer(&j->details, g_strfreev);
	g_clear_pointer(&j->cancel_id, g_free);
	j->stage = HB_STAGE_NONE;
}
