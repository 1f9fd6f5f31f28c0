/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "DfudTest"

#include "config.h"

#include <glib/gstdio.h>
#include <signal.h>
#include <sys/prctl.h>
#include <string.h>

#include "test-transport-sim.h"

#define TEST_SIM_START_TIMEOUT_MS 10000u
#define TEST_SIM_STOP_TIMEOUT_MS 10000u

static gboolean
flag_timeout_cb(gpointer user_data)
{
	gboolean *timed_out = user_data;

	*timed_out = TRUE;
	return G_SOURCE_REMOVE;
}

gboolean
test_loop_run_until(const gboolean *done, guint timeout_ms)
{
	gboolean timed_out = FALSE;
	guint id = g_timeout_add(timeout_ms, flag_timeout_cb, &timed_out);

	while (!*done && !timed_out)
		g_main_context_iteration(NULL, TRUE);
	if (!timed_out)
		g_source_remove(id);
	return *done;
}

void
test_loop_run_for(guint ms)
{
	gboolean never = FALSE;

	test_loop_run_until(&never, ms);
}

typedef struct {
	gboolean done;
	gchar *line;
	GError *error;
} LineRead;

static void
line_read_cb(GObject *source, GAsyncResult *res, gpointer user_data)
{
	LineRead *lr = user_data;

	lr->line = g_data_input_stream_read_line_finish(G_DATA_INPUT_STREAM(source), res, NULL,
							&lr->error);
	lr->done = TRUE;
}

/* "dfud-sim: device 0 listening on udp 127.0.0.1:40000" or "... udp [::1]:40000" */
static gboolean
parse_listening(const gchar *line, guint16 *port)
{
	const gchar *marker = strstr(line, "listening on udp ");
	const gchar *colon;
	guint64 value = 0;

	if (marker == NULL)
		return FALSE;
	colon = strrchr(marker, ':');
	if (colon == NULL ||
	    !g_ascii_string_to_unsigned(colon + 1, 10, 1, G_MAXUINT16, &value, NULL))
		return FALSE;
	*port = (guint16)value;
	return TRUE;
}

static void
remove_tree(const gchar *path)
{
	GDir *dir;
	const gchar *name;

	if (g_file_test(path, G_FILE_TEST_IS_DIR) && !g_file_test(path, G_FILE_TEST_IS_SYMLINK)) {
		dir = g_dir_open(path, 0, NULL);
		if (dir != NULL) {
			while ((name = g_dir_read_name(dir)) != NULL) {
				g_autofree gchar *child = g_build_filename(path, name, NULL);
				remove_tree(child);
			}
			g_dir_close(dir);
		}
		g_rmdir(path);
		return;
	}
	g_unlink(path);
}

static void
child_setup(gpointer user_data)
{
	prctl(PR_SET_PDEATHSIG, SIGKILL);
}

TestSim *
test_sim_start(const gchar *host, const gchar *const *extra)
{
	g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GError) error = NULL;
	g_autoptr(GDataInputStream) out = NULL;
	g_autoptr(GSubprocessLauncher) launcher = NULL;
	TestSim *sim = g_new0(TestSim, 1);
	gboolean ready = FALSE;

	sim->host = g_strdup(host);
	sim->state_dir = g_dir_make_tmp("dfud-test-transport-XXXXXX", &error);
	g_assert_no_error(error);

	g_ptr_array_add(argv, g_strdup(DFUD_SIM_PATH));
	g_ptr_array_add(argv, g_strdup("--udp"));
	if (strchr(host, ':') != NULL)
		g_ptr_array_add(argv, g_strdup_printf("[%s]:0", host));
	else
		g_ptr_array_add(argv, g_strdup_printf("%s:0", host));
	g_ptr_array_add(argv, g_strdup("--state-dir"));
	g_ptr_array_add(argv, g_strdup(sim->state_dir));
	g_ptr_array_add(argv, g_strdup("--time-scale"));
	g_ptr_array_add(argv, g_strdup("0"));
	g_ptr_array_add(argv, g_strdup("--slot0"));
	g_ptr_array_add(argv, g_build_filename(TEST_DATA_DIR, "hashonly_60k_v2.0.0.bin", NULL));
	for (guint i = 0; extra != NULL && extra[i] != NULL; i++)
		g_ptr_array_add(argv, g_strdup(extra[i]));
	g_ptr_array_add(argv, NULL);

	launcher = g_subprocess_launcher_new(G_SUBPROCESS_FLAGS_STDOUT_PIPE);
	/* a failed assertion aborts the test: the simulator must not outlive it */
	g_subprocess_launcher_set_child_setup(launcher, child_setup, NULL, NULL);
	sim->process =
	    g_subprocess_launcher_spawnv(launcher, (const gchar *const *)argv->pdata, &error);
	g_assert_no_error(error);
	out = g_data_input_stream_new(g_subprocess_get_stdout_pipe(sim->process));
	while (!ready) {
		LineRead lr = {0};

		g_data_input_stream_read_line_async(out, G_PRIORITY_DEFAULT, NULL, line_read_cb,
						    &lr);
		/* dfud-sim prints READY within TEST_SIM_START_TIMEOUT_MS, or exits */
		g_assert_true(test_loop_run_until(&lr.done, TEST_SIM_START_TIMEOUT_MS));
		g_assert_no_error(lr.error);
		g_assert_nonnull(lr.line);
		g_debug("sim: %s", lr.line);
		if (g_str_equal(lr.line, "READY"))
			ready = TRUE;
		else
			parse_listening(lr.line, &sim->port);
		g_free(lr.line);
	}
	g_assert_cmpuint(sim->port, !=, 0);
	return sim;
}

static void
wait_cb(GObject *source, GAsyncResult *res, gpointer user_data)
{
	gboolean *done = user_data;

	g_subprocess_wait_finish(G_SUBPROCESS(source), res, NULL);
	*done = TRUE;
}

void
test_sim_stop(TestSim *sim)
{
	if (sim == NULL)
		return;
	if (sim->process != NULL) {
		gboolean done = FALSE;

		g_subprocess_send_signal(sim->process, SIGTERM);
		g_subprocess_wait_async(sim->process, NULL, wait_cb, &done);
		if (!test_loop_run_until(&done, TEST_SIM_STOP_TIMEOUT_MS)) {
			g_subprocess_force_exit(sim->process);
			done = FALSE;
			test_loop_run_until(&done, TEST_SIM_STOP_TIMEOUT_MS);
		}
		g_assert_true(done);
		g_clear_object(&sim->process);
	}
	if (sim->state_dir != NULL)
		remove_tree(sim->state_dir);
	g_free(sim->state_dir);
	g_free(sim->host);
	g_free(sim);
}
