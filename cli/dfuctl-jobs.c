/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "DfuctlJobs"

#include "config.h"

#include "dfud-error.h"
#include "dfuctl-client.h"
#include "dfuctl-job-record.h"
#include "dfuctl-output.h"
#include "dfuctl.h"

/* a job title for people: "Job 3: uploading 42% (udp_127_0_0_1_1337)" */
static gchar *
job_title(DfudDbusJob *job)
{
	const gchar *result = dfud_dbus_job_get_result(job);
	g_autofree gchar *state = NULL;

	if (result != NULL && result[0] != '\0')
		state = g_strdup_printf("%s (%s)", dfud_dbus_job_get_status(job), result);
	else
		state = g_strdup_printf("%s %u%%", dfud_dbus_job_get_status(job),
					MIN(dfud_dbus_job_get_progress(job), 100u));
	return g_strdup_printf("Job %" G_GUINT64_FORMAT ": %s, %s", dfud_dbus_job_get_id(job),
			       state, dfuctl_object_name(dfud_dbus_job_get_device(job)));
}

int
dfuctl_jobs_run(const DfuctlOptions *options, int argc, char **argv)
{
	DfuctlOptions opts = *options;
	g_autoptr(DfuctlClient) client = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(GError) local = NULL;
	g_autoptr(DfuctlRecord) rec = NULL;
	g_auto(GStrv) paths = NULL;
	GPtrArray *items;
	int rc = 0;

	if (!dfuctl_verb_parse("jobs", "",
			       "List the queued, running and recently finished "
			       "updates with their status and progress.",
			       NULL, &opts, &argc, &argv, &rc))
		return rc;
	if (argc != 1)
		return dfuctl_usage("jobs", "no arguments expected");
	client = dfuctl_client_new(&opts, &error);
	if (client == NULL)
		return dfuctl_fail(&opts, "jobs", error);
	if (!dfud_dbus_manager_call_list_jobs_sync(client->root, G_DBUS_CALL_FLAGS_NONE, -1, &paths,
						   NULL, &local)) {
		error = dfuctl_client_error(local);
		return dfuctl_fail(&opts, "jobs", error);
	}
	rec = dfuctl_record_new();
	items = g_ptr_array_new_with_free_func((GDestroyNotify)dfuctl_record_free);
	for (guint i = 0; paths[i] != NULL; i++) {
		g_autoptr(DfudDbusJob) job = NULL;
		g_autoptr(GError) job_error = NULL;
		g_autofree gchar *title = NULL;
		DfuctlRecord *item;

		/* a job may linger out between ListJobs and here */
		job = dfuctl_client_job_at(client, paths[i], &job_error);
		if (job == NULL) {
			g_debug("%s: %s", paths[i], job_error->message);
			continue;
		}
		item = dfuctl_job_record(job);
		title = job_title(job);
		dfuctl_record_set_title(item, title);
		g_ptr_array_add(items, item);
	}
	if (items->len == 0)
		dfuctl_record_add_string_full(rec, NULL, "Jobs", NULL, "none");
	dfuctl_record_add_list(rec, "jobs", items, TRUE);
	dfuctl_record_print(rec, opts.json);
	return DFUD_EXIT_OK;
}

int
dfuctl_cancel_run(const DfuctlOptions *options, int argc, char **argv)
{
	DfuctlOptions opts = *options;
	g_autoptr(DfuctlClient) client = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(GError) local = NULL;
	g_autoptr(DfudDbusJob) job = NULL;
	g_autoptr(DfuctlRecord) rec = NULL;
	int rc = 0;

	if (!dfuctl_verb_parse(
		"cancel", "JOB",
		"Cancel a queued or running update (JOB: the id 'dfuctl jobs' shows, "
		"or the job's object path). A running upload stops at its next "
		"step; a later update resumes it.",
		NULL, &opts, &argc, &argv, &rc))
		return rc;
	if (argc != 2)
		return dfuctl_usage("cancel",
				    argc < 2 ? "a JOB is required" : "exactly one JOB is expected");
	client = dfuctl_client_new(&opts, &error);
	if (client == NULL)
		return dfuctl_fail(&opts, "cancel", error);
	job = dfuctl_client_get_job(client, argv[1], &error);
	if (job == NULL)
		return dfuctl_fail(&opts, "cancel", error);
	if (!dfud_dbus_job_call_cancel_sync(job, G_DBUS_CALL_FLAGS_NONE, -1, NULL, &local)) {
		error = dfuctl_client_error(local);
		return dfuctl_fail(&opts, "cancel", error);
	}
	rec = dfuctl_record_new();
	dfuctl_record_add_uint(rec, "id", "Cancelled job", dfud_dbus_job_get_id(job), NULL);
	dfuctl_record_add_string(rec, "path", NULL,
				 g_dbus_proxy_get_object_path(G_DBUS_PROXY(job)));
	dfuctl_record_add_string(rec, "device", "Device", dfud_dbus_job_get_device(job));
	dfuctl_record_print(rec, opts.json);
	return DFUD_EXIT_OK;
}

int
dfuctl_history_run(const DfuctlOptions *options, int argc, char **argv)
{
	DfuctlOptions opts = *options;
	g_autoptr(DfuctlClient) client = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(GError) local = NULL;
	g_autoptr(GVariant) entries = NULL;
	g_autoptr(DfuctlRecord) rec = NULL;
	g_autofree gchar *device_filter = NULL;
	GVariantBuilder filter;
	GPtrArray *items;
	gint limit = 0;
	int rc = 0;
	const GOptionEntry options_[] = {
	    {"limit", 'n', 0, G_OPTION_ARG_INT, &limit, "Show at most N entries (default 100)",
	     "N"},
	    {NULL},
	};

	if (!dfuctl_verb_parse("history", "[DEV]",
			       "Show past updates (of every device, or of DEV), newest first.",
			       options_, &opts, &argc, &argv, &rc))
		return rc;
	if (argc > 2)
		return dfuctl_usage("history", "at most one DEV is expected");
	if (limit < 0)
		return dfuctl_usage("history", "--limit must be 1 or more");
	client = dfuctl_client_new(&opts, &error);
	if (client == NULL)
		return dfuctl_fail(&opts, "history", error);
	if (argc == 2) {
		g_autoptr(DfudDbusDevice) device =
		    dfuctl_client_lookup_device(client, argv[1], FALSE, &error);
		if (device != NULL) {
			device_filter =
			    g_strdup(g_dbus_proxy_get_object_path(G_DBUS_PROXY(device)));
		} else if (g_str_has_prefix(argv[1], "udp:") || g_str_has_prefix(argv[1], "ble:")) {
			/* a device that was removed since still has its history under its URI */
			g_clear_error(&error);
			device_filter = g_strdup(argv[1]);
		} else {
			return dfuctl_fail(&opts, "history", error);
		}
	}
	g_variant_builder_init(&filter, G_VARIANT_TYPE_VARDICT);
	if (device_filter != NULL)
		g_variant_builder_add(&filter, "{sv}", "device",
				      g_variant_new_string(device_filter));
	if (limit > 0)
		g_variant_builder_add(&filter, "{sv}", "limit", g_variant_new_uint32(limit));
	if (!dfud_dbus_manager_call_get_history_sync(client->root, g_variant_builder_end(&filter),
						     G_DBUS_CALL_FLAGS_NONE, -1, &entries, NULL,
						     &local)) {
		error = dfuctl_client_error(local);
		return dfuctl_fail(&opts, "history", error);
	}
	rec = dfuctl_record_new();
	items = g_ptr_array_new_with_free_func((GDestroyNotify)dfuctl_record_free);
	for (gsize i = 0; i < g_variant_n_children(entries); i++) {
		g_autoptr(GVariant) entry = g_variant_get_child_value(entries, i);
		g_ptr_array_add(items, dfuctl_history_record(entry));
	}
	if (items->len == 0)
		dfuctl_record_add_string_full(rec, NULL, "History", NULL, "no updates yet");
	dfuctl_record_add_list(rec, "history", items, TRUE);
	dfuctl_record_print(rec, opts.json);
	return DFUD_EXIT_OK;
}
