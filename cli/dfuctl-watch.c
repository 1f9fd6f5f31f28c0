/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "DfuctlWatch"

#include "config.h"

#include "dfud-dbus-error.h"
#include "dfud-error.h"
#include "dfuctl-client.h"
#include "dfuctl-follow.h"
#include "dfuctl-progress.h"
#include "dfuctl.h"

int
dfuctl_watch_run(const DfuctlOptions *options, int argc, char **argv)
{
	DfuctlOptions opts = *options;
	int exit_code = DFUD_EXIT_OK;
	g_autoptr(GError) error = NULL;
	g_autoptr(DfuctlClient) client = NULL;
	g_autoptr(GPtrArray) jobs = g_ptr_array_new_with_free_func(g_object_unref);

	if (!dfuctl_verb_parse("watch", "[JOB]",
			       "Follow a job (or every queued and running job) until it ends, with "
			       "the progress display; --json prints one JSON line per change. "
			       "JOB is the job's id or object path.",
			       NULL, &opts, &argc, &argv, &exit_code))
		return exit_code;
	if (argc > 2)
		return dfuctl_usage("watch", "too many arguments");

	client = dfuctl_client_new(&opts, &error);
	if (client == NULL)
		return dfuctl_fail(&opts, "watch", error);
	if (argc == 2) {
		g_autoptr(DfudDbusJob) found = dfuctl_client_get_job(client, argv[1], &error);
		DfudDbusJob *job;

		if (found == NULL)
			return dfuctl_fail(&opts, "watch", error);
		job = dfuctl_client_new_job_proxy(
		    client, g_dbus_proxy_get_object_path(G_DBUS_PROXY(found)), &error);
		if (job == NULL)
			return dfuctl_fail(&opts, "watch", error);
		g_ptr_array_add(jobs, job);
	} else {
		const gchar *const *active = dfud_dbus_manager_get_active_jobs(client->root);

		for (guint i = 0; active != NULL && active[i] != NULL; i++) {
			g_autoptr(GError) local = NULL;
			DfudDbusJob *job = dfuctl_client_new_job_proxy(client, active[i], &local);

			/* it ended and went between reading the list and now: nothing to follow */
			if (job != NULL)
				g_ptr_array_add(jobs, job);
		}
		if (jobs->len == 0) {
			if (!opts.json)
				g_print("no active jobs\n");
			return DFUD_EXIT_OK;
		}
	}
	return dfuctl_follow_jobs(&opts, "watch", jobs, DFUCTL_FOLLOW_JSON_LINES);
}
