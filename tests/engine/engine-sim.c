/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "DfudEngineTest"

#include "config.h"

#include <glib/gstdio.h>
#include <signal.h>
#include <sys/prctl.h>
#include <string.h>

#include "engine-sim.h"

static void
die_with_parent(gpointer user_data)
{
	prctl(PR_SET_PDEATHSIG, SIGTERM);
}

EngineSim *
engine_sim_startv(const gchar *const *args)
{
	EngineSim *sim = g_new0(EngineSim, 1);
	g_autoptr(GPtrArray) argv = g_ptr_array_new();
	g_autoptr(GError) error = NULL;
	g_autoptr(GDataInputStream) out = NULL;
	g_autoptr(GSubprocessLauncher) launcher = NULL;
	gboolean ready = FALSE;
	g_autofree gchar *link = NULL;

	sim->dir = g_dir_make_tmp("dfud-engine-XXXXXX", &error);
	g_assert_no_error(error);
	sim->log_path = g_build_filename(sim->dir, "log.json", NULL);
	g_ptr_array_add(argv, (gpointer)DFUD_SIM);
	g_ptr_array_add(argv, (gpointer) "--udp=127.0.0.1:0");
	g_ptr_array_add(argv, (gpointer) "--state-dir");
	g_ptr_array_add(argv, sim->dir);
	g_ptr_array_add(argv, (gpointer) "--log-json");
	g_ptr_array_add(argv, sim->log_path);
	for (guint i = 0; args[i] != NULL; i++) {
		g_ptr_array_add(argv, (gpointer)args[i]);
		if (g_strcmp0(args[i], "--serial") == 0 && link == NULL) {
			link = g_build_filename(sim->dir, "tty", NULL);
			g_ptr_array_add(argv, (gpointer) "--serial-link");
			g_ptr_array_add(argv, link);
		}
	}
	g_ptr_array_add(argv, NULL);
	launcher = g_subprocess_launcher_new(G_SUBPROCESS_FLAGS_STDOUT_PIPE);
	/* no simulator outlives a test that aborts */
	g_subprocess_launcher_set_child_setup(launcher, die_with_parent, NULL, NULL);
	sim->process =
	    g_subprocess_launcher_spawnv(launcher, (const gchar *const *)argv->pdata, &error);
	g_assert_no_error(error);
	out = g_data_input_stream_new(g_subprocess_get_stdout_pipe(sim->process));
	while (!ready) {
		g_autofree gchar *line = g_data_input_stream_read_line(out, NULL, NULL, &error);
		const gchar *at;
		g_assert_no_error(error);
		g_assert_nonnull(line); /* the simulator exited before READY */
		at = strstr(line, "listening on udp ");
		if (at != NULL && sim->uri == NULL)
			sim->uri = g_strdup_printf("udp:%s", at + strlen("listening on udp "));
		if (link != NULL && strstr(line, " serial on ") != NULL && sim->serial_uri == NULL)
			sim->serial_uri = g_strdup_printf("serial:%s", link);
		ready = g_strcmp0(line, "READY") == 0;
	}
	g_assert_nonnull(sim->uri);
	g_assert_true(link == NULL || sim->serial_uri != NULL);
	sim->out = g_steal_pointer(&out);
	return sim;
}

EngineSim *
engine_sim_start(const gchar *first_arg, ...)
{
	g_autoptr(GPtrArray) args = g_ptr_array_new();
	va_list ap;

	va_start(ap, first_arg);
	for (const gchar *a = first_arg; a != NULL; a = va_arg(ap, const gchar *))
		g_ptr_array_add(args, (gpointer)a);
	va_end(ap);
	g_ptr_array_add(args, NULL);
	return engine_sim_startv((const gchar *const *)args->pdata);
}

static void
read_log(EngineSim *sim)
{
	g_autofree gchar *contents = NULL;
	g_auto(GStrv) lines = NULL;
	g_autoptr(GError) error = NULL;

	sim->log = g_ptr_array_new_with_free_func((GDestroyNotify)json_object_unref);
	g_file_get_contents(sim->log_path, &contents, NULL, &error);
	g_assert_no_error(error);
	lines = g_strsplit(contents, "\n", -1);
	for (guint i = 0; lines[i] != NULL; i++) {
		g_autoptr(JsonParser) parser = json_parser_new();
		if (lines[i][0] == '\0')
			continue;
		json_parser_load_from_data(parser, lines[i], -1, &error);
		g_assert_no_error(error);
		g_ptr_array_add(
		    sim->log, json_object_ref(json_node_get_object(json_parser_get_root(parser))));
	}
}

void
engine_sim_stop(EngineSim *sim)
{
	g_autoptr(GError) error = NULL;

	if (sim->log != NULL)
		return;
	g_subprocess_send_signal(sim->process, SIGTERM);
	g_subprocess_wait(sim->process, NULL, &error);
	g_assert_no_error(error);
	read_log(sim);
}

static void
remove_dir(const gchar *path)
{
	g_autoptr(GDir) dir = g_dir_open(path, 0, NULL);
	const gchar *name;

	while (dir != NULL && (name = g_dir_read_name(dir)) != NULL) {
		g_autofree gchar *child = g_build_filename(path, name, NULL);
		if (g_file_test(child, G_FILE_TEST_IS_DIR))
			remove_dir(child);
		else
			g_unlink(child);
	}
	g_rmdir(path);
}

void
engine_sim_free(EngineSim *sim)
{
	if (sim == NULL)
		return;
	if (sim->log == NULL && sim->process != NULL) {
		g_subprocess_force_exit(sim->process);
		g_subprocess_wait(sim->process, NULL, NULL);
	}
	g_clear_object(&sim->process);
	if (sim->dir != NULL)
		remove_dir(sim->dir);
	g_free(sim->dir);
	g_free(sim->log_path);
	g_free(sim->uri);
	g_free(sim->serial_uri);
	g_clear_object(&sim->out);
	if (sim->log != NULL)
		g_ptr_array_unref(sim->log);
	g_free(sim);
}

static gboolean
is_event(JsonObject *o, const gchar *event, const gchar *command)
{
	return g_strcmp0(json_object_get_string_member_with_default(o, "event", ""), event) == 0 &&
	       (command == NULL ||
		g_strcmp0(json_object_get_string_member_with_default(o, "command", ""), command) ==
		    0);
}

GArray *
engine_sim_upload_offsets(EngineSim *sim)
{
	GArray *offsets = g_array_new(FALSE, FALSE, sizeof(gint64));

	g_assert_nonnull(sim->log);
	for (guint i = 0; i < sim->log->len; i++) {
		JsonObject *o = g_ptr_array_index(sim->log, i);
		JsonObject *body;
		gint64 off;
		if (!is_event(o, "request", "image upload"))
			continue;
		body = json_object_get_object_member(o, "body");
		off = json_object_get_int_member_with_default(body, "off", -1);
		g_array_append_val(offsets, off);
	}
	return offsets;
}

GArray *
engine_sim_upload_sizes(EngineSim *sim)
{
	GArray *sizes = g_array_new(FALSE, FALSE, sizeof(gint64));

	g_assert_nonnull(sim->log);
	for (guint i = 0; i < sim->log->len; i++) {
		JsonObject *o = g_ptr_array_index(sim->log, i);
		gint64 size;
		if (!is_event(o, "request", "image upload"))
			continue;
		size = json_object_get_int_member_with_default(o, "size", 0);
		g_array_append_val(sizes, size);
	}
	return sizes;
}

guint
engine_sim_count_requests(EngineSim *sim, const gchar *command)
{
	guint n = 0;

	g_assert_nonnull(sim->log);
	for (guint i = 0; i < sim->log->len; i++)
		n += is_event(g_ptr_array_index(sim->log, i), "request", command);
	return n;
}

guint
engine_sim_count_events(EngineSim *sim, const gchar *event)
{
	guint n = 0;

	g_assert_nonnull(sim->log);
	for (guint i = 0; i < sim->log->len; i++)
		n += is_event(g_ptr_array_index(sim->log, i), event, NULL);
	return n;
}

guint
engine_sim_max_in_flight(EngineSim *sim)
{
	gint n = 0, max = 0;

	g_assert_nonnull(sim->log);
	for (guint i = 0; i < sim->log->len; i++) {
		JsonObject *o = g_ptr_array_index(sim->log, i);
		if (is_event(o, "request", NULL)) {
			n++;
			max = MAX(max, n);
		} else if (is_event(o, "response", NULL)) {
			n--;
		}
	}
	return (guint)max;
}

void
engine_test_options(DfudUpdateOptions *options)
{
	dfud_update_options_init(options);
	options->first_chunk_timeout_ms = 1000;
	options->chunk_timeout_ms = 300;
	options->last_chunk_timeout_ms = 1000;
	options->command_timeout_ms = 500;
	options->reset_timeout_ms = 10000;
	options->connect_timeout_ms = 5000;
}

DfudPackage *
engine_load_package(const gchar *name)
{
	/* a name in tests/data, or an absolute path (a file a test made) */
	g_autofree gchar *path =
	    g_path_is_absolute(name) ? g_strdup(name) : g_build_filename(TEST_DATA_DIR, name, NULL);
	g_autofree gchar *contents = NULL;
	gsize len = 0;
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) bytes = NULL;
	DfudPackage *package;

	g_file_get_contents(path, &contents, &len, &error);
	g_assert_no_error(error);
	bytes = g_bytes_new_take(g_steal_pointer(&contents), len);
	package = dfud_package_new_from_bytes(bytes, &error);
	g_assert_no_error(error);
	return package;
}

typedef struct {
	GMainLoop *loop;
	GError *error;
	DfudUpdateStage last_stage;
	guint stage_changes;
	DfudUpdateProgress last;
} UpdateRun;

static void
on_progress(DfudUpdater *updater, gconstpointer data, gpointer user_data)
{
	const DfudUpdateProgress *p = data;
	UpdateRun *run = user_data;

	g_assert_cmpuint(p->bytes_done, <=, p->bytes_total);
	/* every run here is over UDP: a link without an ATT MTU */
	g_assert_cmpuint(p->mtu, ==, 0);
	if (p->stage != run->last_stage)
		run->stage_changes++;
	run->last_stage = p->stage;
	run->last = *p;
}

static void
update_done(GObject *source, GAsyncResult *res, gpointer user_data)
{
	UpdateRun *run = user_data;

	dfud_updater_run_finish(DFUD_UPDATER(source), res, &run->error);
	g_main_loop_quit(run->loop);
}

GError *
engine_run_update(const gchar *uri, DfudPackage *package, const DfudUpdateOptions *options)
{
	return engine_run_update_full(uri, package, options, NULL);
}

GError *
engine_run_update_full(const gchar *uri, DfudPackage *package, const DfudUpdateOptions *options,
		       DfudUpdateProgress *last)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(DfudTransport) transport = dfud_transport_new_for_uri(uri, &error);
	g_autoptr(DfudUpdater) updater = NULL;
	UpdateRun run = {0};

	g_assert_no_error(error);
	updater = dfud_updater_new(transport, package, options);
	g_signal_connect(updater, "progress", G_CALLBACK(on_progress), &run);
	run.loop = g_main_loop_new(NULL, FALSE);
	dfud_updater_run_async(updater, NULL, update_done, &run);
	g_main_loop_run(run.loop);
	g_main_loop_unref(run.loop);
	if (run.error == NULL)
		g_assert_cmpint(run.last_stage, ==, DFUD_UPDATE_STAGE_DONE);
	if (last != NULL)
		*last = run.last;
	return run.error;
}
