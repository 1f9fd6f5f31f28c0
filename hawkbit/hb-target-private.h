/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "hb-ddi.h"
#include "hb-journal.h"
#include "hb-target.h"

G_BEGIN_DECLS

/* shared by hb-target.c (polling, configData, cancel) and hb-action.c (deployments) */
struct _HbTarget {
	gint ref;
	gboolean removed;
	HbConnector *connector;
	DfudDbusDevice *device;
	gchar *device_path;
	gchar *controller_id;
	gchar *base_url; /* SERVER/TENANT/controller/v1/ID */
	HbJournal *journal;

	/* polling */
	guint poll_id;
	guint sleep; /* s, the server's */
	guint errors;
	gboolean polling;
	gboolean started;

	/* configData */
	gchar *config_sent; /* the JSON last accepted */
	gboolean config_busy;
	guint config_id; /* configData due */
	gulong device_handler;
	gboolean images_read;	/* the image state is known, or could not be read */
	gboolean images_queued; /* waiting for its GetImageState */
	guint mtu;

	/* the action */
	gboolean action_busy; /* a deploymentBase fetch, download or Update call runs */
	gchar *fetching;      /* the action whose deploymentBase is being read */
	gchar *waiting_for;   /* why a downloaded action waits, as last fed back */
	HbDdiDeployment *deployment;
	GPtrArray *files;	 /* the verified artifacts, held in the cache, in order */
	GPtrArray *file_sha256s; /* what holds them */
	DfudDbusJob *job;
	gulong job_handler;
	gchar *job_status;
	gint64 progress_sent; /* monotonic µs of the last proceeding feedback */
	GQueue feedback;      /* waiting to be sent, in order */
	gboolean feedback_busy;
	guint follow_id; /* looking for the job again */
	guint history_tries;
	gboolean closing_busy;

	/* installedBase */
	gboolean installed_busy;
	gchar *installed_checked; /* the installedBase action checked in this run */
	gchar *installed_action;  /* configData dfud.installed-action */
	gchar *installed_state; /* configData dfud.installed: running, not running..., unknown... */

	/* cancellation */
	gboolean cancel_busy;
	gchar *cancel_answered; /* the cancelAction id answered in this run */
};

/* SERVER/TENANT/controller/v1/ID + @suffix */
gchar *hb_target_url(HbTarget *t, const gchar *suffix);
void hb_target_save(HbTarget *t);
/* feedbacks waiting per target at most (a proceeding one replaces the one before it) */
#define HB_TARGET_MAX_FEEDBACK 8
/* a proceeding or other feedback that may be lost: errors are only logged; sent in order,
 * one at a time, before the final one */
void hb_target_feedback(HbTarget *t, const gchar *resource, const gchar *id, const gchar *execution,
			const gchar *finished, guint cnt, guint of, const gchar *const *details);

/* a proceeding with the upload's percent that replaces one still waiting */
void hb_target_progress(HbTarget *t, const gchar *id, guint percent, const gchar *const *details);
gboolean hb_target_feedback_idle(HbTarget *t);
/* an attribute changed: configData goes again once they settled */
void hb_target_config_changed(HbTarget *t);

/* hb-action.c */
void hb_action_poll(HbTarget *t, const gchar *deployment_href);
void hb_action_resume(HbTarget *t);
void hb_action_close(HbTarget *t, const gchar *finished, const gchar *const *details);
void hb_action_send_closing(HbTarget *t);
void hb_action_cancel(HbTarget *t, const gchar *cancel_id, const gchar *stop_id);
void hb_action_drop(HbTarget *t);
gboolean hb_job_status_is_final(const gchar *status);
/* the N of /org/dfud/Dfu1/Job/N */
guint64 hb_job_id(const gchar *path);

/* hb-installed.c: the server's installedBase against what the device runs, for configData */
void hb_installed_poll(HbTarget *t, const gchar *installed_href);

/* hb-cancel.c */
/* the cancellation the journal holds, against the job as it is now */
void hb_action_job_cancel(HbTarget *t);

G_END_DECLS
