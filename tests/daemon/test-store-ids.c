/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * the store's directory and job ids: private, never an id twice, whatever state.ini says
 */
#define G_LOG_DOMAIN "TestStore"

#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>

#include "dfud-error.h"
#include "store-fixture.h"

static void
test_dir_mode(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *file = g_build_filename(f->tmp, "file", NULL);
	g_autoptr(DdStore) bad = NULL;

	g_assert_cmpstr(dd_store_get_dir(f->store), ==, f->dir);
	g_assert_cmpuint(file_mode(f->dir, ""), ==, 0700);
	g_assert_cmpuint(file_mode(f->jobs, ""), ==, 0700);

	/* an existing directory that others could read is made private */
	g_assert_cmpint(g_chmod(f->dir, 0755), ==, 0);
	fixture_restart(f);
	g_assert_cmpuint(file_mode(f->dir, ""), ==, 0700);

	/* a state directory that cannot be one */
	write_file(f->tmp, "file", "x", -1);
	bad = dd_store_new(file, &error);
	g_assert_error(error, DFUD_ERROR, DFUD_ERROR_IO);
	g_assert_null(bad);
}

static void
test_ids_monotonic(Fixture *f, gconstpointer data)
{
	guint64 end;
	guint64 id;

	g_assert_cmpuint(next_id(f), ==, 1);
	g_assert_cmpuint(next_id(f), ==, 2);
	g_assert_cmpuint(file_mode(f->dir, "state.ini"), ==, 0600);

	/* state.ini holds the end of a block of ids, written once for the whole block */
	end = state_next_job_id(f);
	g_assert_cmpuint(end, >, 2);
	remove_file(f->dir, "state.ini");
	for (id = 3; id < end; id++)
		g_assert_cmpuint(next_id(f), ==, id);
	g_assert_false(file_exists(f->dir, "state.ini"));
	/* the next block is persisted before its first id is handed out */
	g_assert_cmpuint(next_id(f), ==, end);
	g_assert_cmpuint(state_next_job_id(f), >, end);

	/* restart: nothing handed out before comes again, even with no job file left */
	end = state_next_job_id(f);
	fixture_restart(f);
	g_assert_cmpuint(next_id(f), ==, end);

	/* state.ini lost: jobs/ still knows the highest id, broken ones included */
	write_file(f->jobs, "900.ini.broken", "x", -1);
	write_file(f->jobs, "700.fw", "x", -1);
	remove_file(f->dir, "state.ini");
	fixture_restart(f);
	g_assert_cmpuint(next_id(f), ==, 901);

	/* lost again while running, and every job file gone: never an id returned before */
	remove_file(f->dir, "state.ini");
	remove_file(f->jobs, "900.ini.broken");
	remove_file(f->jobs, "700.fw");
	g_assert_cmpuint(next_id(f), ==, 902);

	/* a newer id in jobs/ than in state.ini wins */
	write_file(f->dir, "state.ini", "[state]\nNextJobId=5\n", -1);
	write_file(f->jobs, "4000.ini", "x", -1);
	fixture_restart(f);
	g_assert_cmpuint(next_id(f), ==, 4001);
	g_assert_cmpuint(next_id(f), ==, 4002);
	g_assert_cmpuint(state_next_job_id(f), >, 4002);
}

static void
test_ids_strict(Fixture *f, gconstpointer data)
{
	/* none of these is a job id: they must not push the counter */
	const gchar *names[] = {"007.ini",
				"+5.ini",
				"-5.ini",
				" 5.ini",
				"0.ini",
				"5a.ini",
				"0x50.ini",
				"18446744073709551616.ini",
				"99999999999999999999999.fw",
				"ini",
				"123"};

	for (guint i = 0; i < G_N_ELEMENTS(names); i++)
		write_file(f->jobs, names[i], "x", -1);
	g_assert_cmpuint(next_id(f), ==, 1);
	/* the largest id that still has a successor */
	write_file(f->jobs, "18446744073709551613.ini", "x", -1);
	fixture_restart(f);
	g_assert_cmpuint(next_id(f), ==, G_GUINT64_CONSTANT(18446744073709551614));
	g_assert_cmpuint(state_next_job_id(f), ==, G_MAXUINT64);
	{
		g_autoptr(GError) error = NULL;
		guint64 id = 0;
		g_assert_false(dd_store_next_job_id(f->store, &id, &error));
		g_assert_error(error, DFUD_ERROR, DFUD_ERROR_FAILED);
		g_assert_cmpuint(id, ==, 0);
	}
	/* only the one with a real id is looked at, and it is junk */
	{
		g_autoptr(GPtrArray) jobs = NULL;
		expect_set_aside(G_GUINT64_CONSTANT(18446744073709551613), "ini");
		jobs = dd_store_load_jobs(f->store);
		g_test_assert_expected_messages();
		g_assert_cmpuint(jobs->len, ==, 0);
		g_assert_true(file_exists(f->jobs, "007.ini"));
	}
}

static void
test_state_corrupt(Fixture *f, gconstpointer data)
{
	const gchar *bad[] = {
	    "[state]\nNextJobId=abc\n",
	    "[state]\nNextJobId=-3\n",
	    "[state]\nNextJobId=18446744073709551616\n",
	    "[state]\nNextJobId=0\n",
	    "[state]\n",
	    "not a key file \x01\xff\n",
	};

	for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_clear_object(&f->store);
		write_file(f->dir, "state.ini", bad[i], -1);
		write_file(f->jobs, "5.ini.broken", "x", -1);
		g_test_expect_message(STORE_DOMAIN, G_LOG_LEVEL_WARNING,
				      "*state.ini is unusable*state.ini.broken");
		fixture_restart(f);
		g_test_assert_expected_messages();
		g_assert_true(file_exists(f->dir, "state.ini.broken"));
		g_assert_false(file_exists(f->dir, "state.ini"));
		/* the counter restarts from jobs/, and moves on from there */
		g_assert_cmpuint(next_id(f), ==, 6);
		g_assert_cmpuint(next_id(f), ==, 7);
	}
	/* a good one is kept, even when lower than what jobs/ says */
	write_file(f->dir, "state.ini", "[state]\nNextJobId=3\n", -1);
	fixture_restart(f);
	g_assert_cmpuint(next_id(f), ==, 6);
	write_file(f->dir, "state.ini", "[state]\nNextJobId=300\n", -1);
	fixture_restart(f);
	g_assert_cmpuint(next_id(f), ==, 300);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	ADD_STORE_TEST("/store/dir-mode", test_dir_mode);
	ADD_STORE_TEST("/store/ids/monotonic", test_ids_monotonic);
	ADD_STORE_TEST("/store/ids/strict", test_ids_strict);
	ADD_STORE_TEST("/store/state/corrupt", test_state_corrupt);
	return g_test_run();
}
