/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * the store tests' fixture: a state directory of its own per test, and file helpers
 */
#define G_LOG_DOMAIN "TestStore"

#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>

#include "store-fixture.h"

static void
remove_tree(const gchar *path)
{
	g_autoptr(GDir) dir = g_dir_open(path, 0, NULL);
	const gchar *name;

	while (dir != NULL && (name = g_dir_read_name(dir)) != NULL) {
		g_autofree gchar *child = g_build_filename(path, name, NULL);
		if (g_file_test(child, G_FILE_TEST_IS_DIR) &&
		    !g_file_test(child, G_FILE_TEST_IS_SYMLINK))
			remove_tree(child);
		else
			g_assert_cmpint(g_unlink(child), ==, 0);
	}
	g_assert_cmpint(g_rmdir(path), ==, 0);
}

void
fixture_set_up(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;

	f->tmp = g_dir_make_tmp("dfud-store-XXXXXX", &error);
	g_assert_no_error(error);
	f->dir = g_build_filename(f->tmp, "state", "dfud", NULL);
	f->jobs = g_build_filename(f->dir, "jobs", NULL);
	f->store = dd_store_new(f->dir, &error);
	g_assert_no_error(error);
	g_assert_nonnull(f->store);
}

void
fixture_tear_down(Fixture *f, gconstpointer data)
{
	g_clear_object(&f->store);
	remove_tree(f->tmp);
	g_free(f->tmp);
	g_free(f->dir);
	g_free(f->jobs);
}

/* a new DdStore on the same directory: what a restart of the daemon sees */
void
fixture_restart(Fixture *f)
{
	g_autoptr(GError) error = NULL;

	g_clear_object(&f->store);
	f->store = dd_store_new(f->dir, &error);
	g_assert_no_error(error);
	g_assert_nonnull(f->store);
}

void
write_file(const gchar *dir, const gchar *name, const gchar *data, gssize len)
{
	g_autofree gchar *path = g_build_filename(dir, name, NULL);
	g_autoptr(GError) error = NULL;

	g_file_set_contents(path, data, len, &error);
	g_assert_no_error(error);
}

gboolean
file_exists(const gchar *dir, const gchar *name)
{
	g_autofree gchar *path = g_build_filename(dir, name, NULL);
	return g_file_test(path, G_FILE_TEST_EXISTS);
}

guint
file_mode(const gchar *dir, const gchar *name)
{
	g_autofree gchar *path = g_build_filename(dir, name, NULL);
	GStatBuf st;

	g_assert_cmpint(g_stat(path, &st), ==, 0);
	return st.st_mode & 07777;
}

guint64
next_id(Fixture *f)
{
	g_autoptr(GError) error = NULL;
	guint64 id = 0;

	g_assert_true(dd_store_next_job_id(f->store, &id, &error));
	g_assert_no_error(error);
	g_assert_cmpuint(id, !=, 0);
	return id;
}

void
expect_set_aside(guint64 id, const gchar *ext)
{
	g_autofree gchar *pattern =
	    g_strdup_printf("*/%" G_GUINT64_FORMAT ".%s is unusable*", id, ext);
	g_test_expect_message(STORE_DOMAIN, G_LOG_LEVEL_WARNING, pattern);
}

guint64
state_next_job_id(Fixture *f)
{
	g_autofree gchar *path = g_build_filename(f->dir, "state.ini", NULL);
	g_autoptr(GKeyFile) kf = g_key_file_new();
	g_autoptr(GError) error = NULL;
	guint64 value;

	g_assert_true(g_key_file_load_from_file(kf, path, G_KEY_FILE_NONE, &error));
	value = g_key_file_get_uint64(kf, "state", "NextJobId", &error);
	g_assert_no_error(error);
	return value;
}

void
remove_file(const gchar *dir, const gchar *name)
{
	g_autofree gchar *path = g_build_filename(dir, name, NULL);
	g_assert_cmpint(g_unlink(path), ==, 0);
}
