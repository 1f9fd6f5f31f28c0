/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "DfudUpdateRun"

#include "config.h"

#include <locale.h>
#include <stdio.h>

#include "dfud-error.h"
#include "engine/dfud-updater.h"

/*
 * Test driver: runs one update and prints
 *   progress STAGE IMAGE DONE TOTAL RATE MTU BUF WINDOW   (one line per progress change)
 *   upload BYTES MICROSECONDS   (the upload stage: from its start to the last chunk's answer;
 *                                the bytes are those acknowledged in it)
 *   result ok | result error NAME MESSAGE
 * exit code: dfud_error_to_exit()
 */

typedef struct {
	GMainLoop *loop;
	GError *error;
	gint64 upload_start_us; /* the stage became uploading */
	gint64 upload_end_us;	/* the stage left uploading */
	guint64 upload_from;	/* bytes done when it started (a resumed upload) */
	guint64 upload_to;
	gboolean uploading;
} Run;

/* the upload stage's span: stage changes are signalled at once, unlike byte progress */
static void
track_upload(Run *run, const DfudUpdateProgress *p)
{
	gboolean uploading = p->stage == DFUD_UPDATE_STAGE_UPLOADING;

	if (uploading && !run->uploading) {
		run->upload_start_us = g_get_monotonic_time();
		run->upload_from = p->bytes_done;
	} else if (!uploading && run->uploading) {
		run->upload_end_us = g_get_monotonic_time();
		run->upload_to = p->bytes_done;
	}
	run->uploading = uploading;
}

static void
on_progress(DfudUpdater *updater, gconstpointer data, gpointer user_data)
{
	const DfudUpdateProgress *p = data;

	track_upload(user_data, p);
	g_print("progress %s %u %" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT " %.0f %u %u %u\n",
		dfud_update_stage_to_string(p->stage), p->image_index, p->bytes_done,
		p->bytes_total, p->rate, p->mtu, p->buf_size, p->window);
}

static void
run_done(GObject *source, GAsyncResult *res, gpointer user_data)
{
	Run *run = user_data;

	dfud_updater_run_finish(DFUD_UPDATER(source), res, &run->error);
	g_main_loop_quit(run->loop);
}

static DfudPackage *
load_package(const gchar *path, GError **error)
{
	g_autofree gchar *contents = NULL;
	gsize len = 0;
	g_autoptr(GBytes) bytes = NULL;

	if (!g_file_get_contents(path, &contents, &len, error)) {
		GError *e = g_error_new(DFUD_ERROR, DFUD_ERROR_IO, "%s", (*error)->message);
		g_clear_error(error);
		g_propagate_error(error, e);
		return NULL;
	}
	bytes = g_bytes_new_take(g_steal_pointer(&contents), len);
	return dfud_package_new_from_bytes(bytes, error);
}

static int
report(const GError *error)
{
	if (error == NULL) {
		g_print("result ok\n");
		return DFUD_EXIT_OK;
	}
	g_print("result error %s %s\n", dfud_error_name(error), error->message);
	return dfud_error_to_exit(error);
}

int
main(int argc, char **argv)
{
	g_autofree gchar *mode = NULL;
	gboolean no_reset = FALSE, no_reassembly = FALSE, allow_downgrade = FALSE;
	gint image = -1, window = 0;
	gdouble reset_timeout = 0, reset_grace = 0;
	GOptionEntry entries[] = {
	    {"mode", 0, 0, G_OPTION_ARG_STRING, &mode, "Update mode", "MODE"},
	    {"no-reset", 0, 0, G_OPTION_ARG_NONE, &no_reset, "Mark, do not reset", NULL},
	    {"image", 0, 0, G_OPTION_ARG_INT, &image, "Only this image index", "N"},
	    {"window", 0, 0, G_OPTION_ARG_INT, &window, "Requests in flight", "N"},
	    {"no-reassembly", 0, 0, G_OPTION_ARG_NONE, &no_reassembly, "One fragment per packet",
	     NULL},
	    {"allow-downgrade", 0, 0, G_OPTION_ARG_NONE, &allow_downgrade, "Allow downgrades",
	     NULL},
	    {"reset-timeout", 0, 0, G_OPTION_ARG_DOUBLE, &reset_timeout,
	     "Seconds the device may take to come back after the reset", "S"},
	    {"reset-grace", 0, 0, G_OPTION_ARG_DOUBLE, &reset_grace,
	     "Seconds a device may answer as before an acknowledged reset (UDP)", "S"},
	    {NULL}};
	g_autoptr(GOptionContext) context = g_option_context_new("URI FILE");
	g_autoptr(GError) error = NULL;
	g_autoptr(DfudPackage) package = NULL;
	g_autoptr(DfudTransport) transport = NULL;
	g_autoptr(DfudUpdater) updater = NULL;
	DfudUpdateOptions options;
	Run run = {0};
	int rc;

	setlocale(LC_ALL, "");
	setvbuf(stdout, NULL, _IOLBF, 0);
	g_option_context_add_main_entries(context, entries, NULL);
	if (!g_option_context_parse(context, &argc, &argv, &error) || argc != 3) {
		g_printerr("usage: %s [OPTION...] URI FILE%s%s\n", g_get_prgname(),
			   error != NULL ? ": " : "", error != NULL ? error->message : "");
		return DFUD_EXIT_USAGE;
	}
	dfud_update_options_init(&options);
	if (mode != NULL && !dfud_update_mode_from_string(mode, &options.mode)) {
		g_printerr("unknown mode %s\n", mode);
		return DFUD_EXIT_USAGE;
	}
	options.no_reset = no_reset;
	options.no_reassembly = no_reassembly;
	options.allow_downgrade = allow_downgrade;
	options.image = image;
	options.window = window > 0 ? (guint)window : 0;
	if (reset_timeout > 0)
		options.reset_timeout_ms = (guint)(reset_timeout * 1000);
	if (reset_grace > 0)
		options.reset_grace_ms = (guint)(reset_grace * 1000);

	package = load_package(argv[2], &error);
	if (package == NULL)
		return report(error);
	transport = dfud_transport_new_for_uri(argv[1], &error);
	if (transport == NULL)
		return report(error);
	updater = dfud_updater_new(transport, package, &options);
	g_signal_connect(updater, "progress", G_CALLBACK(on_progress), &run);
	run.loop = g_main_loop_new(NULL, FALSE);
	dfud_updater_run_async(updater, NULL, run_done, &run);
	g_main_loop_run(run.loop);
	g_main_loop_unref(run.loop);
	if (run.upload_end_us > run.upload_start_us && run.upload_to > run.upload_from)
		g_print("upload %" G_GUINT64_FORMAT " %" G_GINT64_FORMAT "\n",
			run.upload_to - run.upload_from, run.upload_end_us - run.upload_start_us);
	rc = report(run.error);
	g_clear_error(&run.error);
	return rc;
}
