/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A target's answer to hawkBit's cancelAction: an action not yet given to dfud is dropped, a
 * dfud job is cancelled while that still undoes everything, later it is too late.
 */
#define G_LOG_DOMAIN "HbCancel"

#include "config.h"

#include "hb-target-private.h"

/* before the device marks the new image: a cancellation still undoes everything */
static gboolean
job_status_is_cancellable(const gchar *status)
{
	return g_strcmp0(status, "queued") == 0 || g_strcmp0(status, "connecting") == 0 ||
	       g_strcmp0(status, "uploading") == 0;
}

static void
job_cancel_cb(GObject *source, GAsyncResult *res, gpointer user_data)
{
	g_autoptr(HbTarget) t = user_data;
	g_autoptr(GError) error = NULL;

	if (!dfud_dbus_job_call_cancel_finish(DFUD_DBUS_JOB(source), res, &error)) {
		g_autofree gchar *text = hb_connector_error_text(error);
		/* NothingToDo: it ended meanwhile, and its end answers the cancellation */
		g_message("%s: Job.Cancel: %s", t->controller_id, text);
	}
}

/* a cancellation the server asked for, against the job as it is now */
void
hb_action_job_cancel(HbTarget *t)
{
	HbJournal *j = t->journal;
	const gchar *status = dfud_dbus_job_get_status(t->job);
	g_autofree gchar *why = NULL;

	if (j->cancel_id == NULL || hb_job_status_is_final(status))
		return;
	if (job_status_is_cancellable(status)) {
		g_message("%s: cancelling dfud job %s (%s)", t->controller_id, j->job_path, status);
		dfud_dbus_job_call_cancel(t->job, G_DBUS_CALL_FLAGS_NONE, -1,
					  t->connector->cancellable, job_cancel_cb,
					  hb_target_ref(t));
		return;
	}
	why = g_strdup_printf("too late to cancel: dfud job %" G_GUINT64_FORMAT
			      " is %s, the device already has the new image marked",
			      hb_job_id(j->job_path), status);
	{
		const gchar *details[] = {why, NULL};
		hb_target_feedback(t, "cancelAction", j->cancel_id, "rejected", "none", 0, 0,
				   details);
	}
	g_free(t->cancel_answered);
	t->cancel_answered = g_steal_pointer(&j->cancel_id);
	hb_target_save(t);
}

/* ---- cancelAction */

static void
cancel_answer(HbTarget *t, const gchar *cancel_id, const gchar *execution, const gchar *finished,
	      const gchar *why)
{
	const gchar *details[] = {why, NULL};

	g_message("%s: cancelAction %s: %s: %s", t->controller_id, cancel_id, execution, why);
	hb_target_feedback(t, "cancelAction", cancel_id, execution, finished, 0, 0, details);
	g_free(t->cancel_answered);
	t->cancel_answered = g_strdup(cancel_id);
}

void
hb_action_cancel(HbTarget *t, const gchar *cancel_id, const gchar *stop_id)
{
	HbJournal *j = t->journal;
	g_autofree gchar *why = NULL;

	if (g_strcmp0(j->action_id, stop_id) != 0 || j->stage == HB_STAGE_NONE) {
		if (hb_journal_is_closed(j, stop_id))
			cancel_answer(t, cancel_id, "rejected", "none",
				      "too late to cancel: the action was closed already");
		else
			cancel_answer(t, cancel_id, "closed", "success",
				      "cancelled: nothing of the action ran here");
		return;
	}
	switch (j->stage) {
	case HB_STAGE_DOWNLOADING:
	case HB_STAGE_DOWNLOADED:
		why = g_strdup_printf("cancelled while %s: no device was touched",
				      hb_stage_name(j->stage));
		g_free(j->cancel_id);
		j->cancel_id = g_strdup(cancel_id);
		{
			const gchar *details[] = {why, NULL};
			hb_action_close(t, "canceled", details);
		}
		return;
	case HB_STAGE_UPDATING:
		if (g_strcmp0(j->cancel_id, cancel_id) == 0)
			return;
		g_free(j->cancel_id);
		j->cancel_id = g_strdup(cancel_id);
		hb_target_save(t);
		if (t->job != NULL)
			hb_action_job_cancel(t);
		return;
	case HB_STAGE_CLOSING:
		if (g_strcmp0(j->finished, "canceled") == 0) {
			hb_action_send_closing(t);
			return;
		}
		why = g_strdup_printf("too late to cancel: the action ended: %s", j->finished);
		cancel_answer(t, cancel_id, "rejected", "none", why);
		hb_action_send_closing(t);
		return;
	case HB_STAGE_NONE:
	default:
		return;
	}
}
