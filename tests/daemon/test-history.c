/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "TestHistory"

#include "config.h"

#include <glib/gstdio.h>
#include <math.h>
#include <string.h>
#include <sys/stat.h>

#include "dd-history.h"
#include "dfud-error.h"

#define HISTORY_DOMAIN "DfudHistory"
#define DEV_A "udp:127.0.0.1:1337"
#define DEV_B "ble:hci0/AA:BB:CC:DD:EE:FF"
#define DEV_ODD "udp:\"odd\"\\dev é"

typedef struct {
	gchar *dir;
	gchar *path;
	DdHistory *history;
} Fixture;

static void
fixture_set_up(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;

	f->dir = g_dir_make_tmp("dfud-history-XXXXXX", &error);
	g_assert_no_error(error);
	f->path = g_build_filename(f->dir, "history.jsonl", NULL);
	f->history =
	    dd_history_new(f->path, GPOINTER_TO_UINT(data) != 0 ? GPOINTER_TO_UINT(data) : 100);
}

static void
fixture_tear_down(Fixture *f, gconstpointer data)
{
	g_autoptr(GDir) dir = g_dir_open(f->dir, 0, NULL);
	const gchar *name;

	g_clear_object(&f->history);
	while (dir != NULL && (name = g_dir_read_name(dir)) != NULL) {
		g_autofree gchar *path = g_build_filename(f->dir, name, NULL);
		g_assert_cmpint(g_unlink(path), ==, 0);
	}
	g_assert_cmpint(g_rmdir(f->dir), ==, 0);
	g_free(f->dir);
	g_free(f->path);
}

static GVariant *
make_entry(guint64 job, const gchar *device)
{
	GVariantDict dict;

	g_variant_dict_init(&dict, NULL);
	g_variant_dict_insert(&dict, "job", "t", job);
	g_variant_dict_insert(&dict, "device", "s", device);
	g_variant_dict_insert(&dict, "name", "s", "bench \"3\"\n\t\\ é ✓");
	g_variant_dict_insert(&dict, "result", "s", job % 2 ? "verified" : "failed");
	g_variant_dict_insert(&dict, "error-name", "s",
			      job % 2 ? "" : "org.dfud.Dfu1.Error.Timeout");
	g_variant_dict_insert(&dict, "error-message", "s", job % 2 ? "" : "no answer");
	g_variant_dict_insert(&dict, "old-version", "s", "1.2.3+4");
	g_variant_dict_insert(&dict, "old-hash", "s", "00ff");
	g_variant_dict_insert(&dict, "new-version", "s", "1.2.4");
	g_variant_dict_insert(&dict, "new-hash", "s", "ff00");
	g_variant_dict_insert(&dict, "started", "x", G_GINT64_CONSTANT(1767225600123456) + job);
	g_variant_dict_insert(&dict, "duration", "d", 12.5 + job);
	g_variant_dict_insert(&dict, "bytes", "t", G_GUINT64_CONSTANT(9007199254740993) + job);
	g_variant_dict_insert(&dict, "rate", "d", 0.1);
	g_variant_dict_insert(&dict, "mode", "s", "test-and-confirm");
	return g_variant_dict_end(&dict);
}

static void
append(Fixture *f, GVariant *entry)
{
	g_autoptr(GError) error = NULL;

	g_assert_true(dd_history_append(f->history, entry, &error));
	g_assert_no_error(error);
}

static GVariant *
query(Fixture *f, const gchar *device, guint limit)
{
	g_autoptr(GError) error = NULL;
	GVariant *entries = dd_history_query(f->history, device, limit, &error);

	g_assert_no_error(error);
	g_assert_nonnull(entries);
	g_assert_false(g_variant_is_floating(entries));
	g_assert_true(g_variant_is_of_type(entries, G_VARIANT_TYPE("aa{sv}")));
	return entries;
}

static guint64
entry_job(GVariant *entries, gsize i)
{
	g_autoptr(GVariant) entry = g_variant_get_child_value(entries, i);
	guint64 job = 0;

	g_assert_true(g_variant_lookup(entry, "job", "t", &job));
	return job;
}

/* the jobs of @entries, "3 2 1" */
static gchar *
jobs_of(GVariant *entries)
{
	g_autoptr(GString) str = g_string_new(NULL);

	for (gsize i = 0; i < g_variant_n_children(entries); i++)
		g_string_append_printf(str, "%s%" G_GUINT64_FORMAT, i > 0 ? " " : "",
				       entry_job(entries, i));
	return g_string_free(g_steal_pointer(&str), FALSE);
}

static void
append_raw(Fixture *f, const gchar *data, gssize len)
{
	g_autoptr(GFile) file = g_file_new_for_path(f->path);
	g_autoptr(GFileOutputStream) out = NULL;
	g_autoptr(GError) error = NULL;

	out = g_file_append_to(file, G_FILE_CREATE_NONE, NULL, &error);
	g_assert_no_error(error);
	g_output_stream_write_all(G_OUTPUT_STREAM(out), data, len < 0 ? strlen(data) : (gsize)len,
				  NULL, NULL, &error);
	g_assert_no_error(error);
	g_output_stream_close(G_OUTPUT_STREAM(out), NULL, &error);
	g_assert_no_error(error);
}

static guint
count_lines(Fixture *f)
{
	g_autofree gchar *data = NULL;
	guint n = 0;

	if (!g_file_get_contents(f->path, &data, NULL, NULL))
		return 0;
	for (const gchar *p = data; *p != '\0'; p++)
		n += *p == '\n';
	return n;
}

static void
test_roundtrip(Fixture *f, gconstpointer data)
{
	g_autoptr(GVariant) entries = NULL;
	g_autoptr(GVariant) e1 = g_variant_ref_sink(make_entry(1, DEV_A));
	g_autoptr(GVariant) e2 = g_variant_ref_sink(make_entry(2, DEV_B));
	g_autoptr(GVariant) e3 = NULL;
	g_autoptr(GVariant) got = NULL;
	GVariant *floating;
	GVariantDict dict;
	GStatBuf st;

	/* nothing yet: empty, no error */
	entries = query(f, NULL, 0);
	g_assert_cmpuint(g_variant_n_children(entries), ==, 0);
	g_clear_pointer(&entries, g_variant_unref);
	g_assert_null(dd_history_last(f->history, DEV_A));

	append(f, e1);
	append(f, e2);
	/* a floating entry is sunk; whole doubles and extreme integers keep their types */
	g_variant_dict_init(&dict, NULL);
	g_variant_dict_insert(&dict, "job", "t", (guint64)G_MAXINT64);
	g_variant_dict_insert(&dict, "device", "s", DEV_ODD);
	g_variant_dict_insert(&dict, "duration", "d", 3.0);
	g_variant_dict_insert(&dict, "rate", "d", -1e300);
	g_variant_dict_insert(&dict, "started", "x", G_MININT64);
	g_variant_dict_insert(&dict, "bytes", "t", (guint64)0);
	floating = g_variant_dict_end(&dict);
	e3 = g_variant_ref(floating);
	append(f, floating);
	g_assert_false(g_variant_is_floating(e3));
	g_assert_cmpint(g_stat(f->path, &st), ==, 0);
	g_assert_cmpuint(st.st_mode & 0777, ==, 0600);
	g_assert_cmpuint(count_lines(f), ==, 3);

	/* read back by another instance: what a restarted daemon sees */
	g_clear_object(&f->history);
	f->history = dd_history_new(f->path, 100);
	entries = query(f, NULL, 0);
	g_assert_cmpuint(g_variant_n_children(entries), ==, 3);
	got = g_variant_get_child_value(entries, 0);
	g_assert_true(g_variant_equal(got, e3));
	g_clear_pointer(&got, g_variant_unref);
	got = g_variant_get_child_value(entries, 1);
	g_assert_true(g_variant_equal(got, e2));
	g_clear_pointer(&got, g_variant_unref);
	got = g_variant_get_child_value(entries, 2);
	g_assert_true(g_variant_equal(got, e1));
}

static void
expect_invalid(Fixture *f, GVariant *entry)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GVariant) owned = g_variant_ref_sink(entry);
	g_autofree gchar *text = g_variant_print(owned, TRUE);

	g_test_message("refusing %.200s", text);
	g_assert_false(dd_history_append(f->history, owned, &error));
	g_assert_error(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT);
}

static GVariant *
entry_with(const gchar *key, GVariant *value)
{
	GVariantDict dict;

	g_variant_dict_init(&dict, NULL);
	g_variant_dict_insert(&dict, "device", "s", DEV_A);
	g_variant_dict_insert_value(&dict, key, value);
	return g_variant_dict_end(&dict);
}

static void
test_refuse(Fixture *f, gconstpointer data)
{
	GVariantBuilder b;
	g_autofree gchar *huge = g_strnfill(70 * 1024, 'x');

	expect_invalid(f, entry_with("color", g_variant_new_string("red")));
	expect_invalid(f, entry_with("job", g_variant_new_string("7")));
	expect_invalid(f, entry_with("job", g_variant_new_int64(7)));
	expect_invalid(f, entry_with("job", g_variant_new_uint32(7)));
	expect_invalid(f, entry_with("started", g_variant_new_uint64(7)));
	expect_invalid(f, entry_with("duration", g_variant_new_int64(7)));
	expect_invalid(f, entry_with("duration", g_variant_new_double(NAN)));
	expect_invalid(f, entry_with("rate", g_variant_new_double(INFINITY)));
	expect_invalid(f, entry_with("bytes", g_variant_new_uint64(G_MAXUINT64)));
	expect_invalid(f, entry_with("name", g_variant_new_strv(NULL, 0)));
	expect_invalid(f, entry_with("name", g_variant_new_string(huge)));
	/* no device */
	g_variant_builder_init(&b, G_VARIANT_TYPE_VARDICT);
	g_variant_builder_add(&b, "{sv}", "job", g_variant_new_uint64(1));
	expect_invalid(f, g_variant_builder_end(&b));
	/* the same key twice */
	g_variant_builder_init(&b, G_VARIANT_TYPE_VARDICT);
	g_variant_builder_add(&b, "{sv}", "device", g_variant_new_string(DEV_A));
	g_variant_builder_add(&b, "{sv}", "device", g_variant_new_string(DEV_B));
	expect_invalid(f, g_variant_builder_end(&b));
	/* not a{sv} */
	expect_invalid(f, g_variant_new_string(DEV_A));
	g_variant_builder_init(&b, G_VARIANT_TYPE("a{ss}"));
	g_variant_builder_add(&b, "{ss}", "device", DEV_A);
	expect_invalid(f, g_variant_builder_end(&b));

	/* nothing was written */
	g_assert_false(g_file_test(f->path, G_FILE_TEST_EXISTS));
}

/* what SIGKILL in the middle of write() leaves, and what comes after it */
static void
test_truncated(Fixture *f, gconstpointer data)
{
	g_autoptr(GVariant) entries = NULL;
	g_autofree gchar *all = NULL;
	g_autofree gchar *whole = NULL;
	gsize len = 0;

	append(f, make_entry(1, DEV_A));
	append(f, make_entry(2, DEV_A));
	g_file_get_contents(f->path, &all, &len, NULL);
	/* half of the second line again, without its newline */
	whole = g_strndup(strchr(all, '\n') + 1, (len - (gsize)(strchr(all, '\n') + 1 - all)) / 2);
	append_raw(f, whole, -1);

	g_test_expect_message(HISTORY_DOMAIN, G_LOG_LEVEL_WARNING, "*skipping unreadable*");
	entries = query(f, NULL, 0);
	g_test_assert_expected_messages();
	g_assert_cmpuint(g_variant_n_children(entries), ==, 2);
	g_clear_pointer(&entries, g_variant_unref);

	/* warned once: the same file again is silent */
	entries = query(f, DEV_A, 0);
	g_assert_cmpuint(g_variant_n_children(entries), ==, 2);
	g_clear_pointer(&entries, g_variant_unref);

	/* the next entry starts on a line of its own, not glued to the torn one */
	append(f, make_entry(3, DEV_A));
	entries = query(f, NULL, 0);
	{
		g_autofree gchar *jobs = jobs_of(entries);
		g_assert_cmpstr(jobs, ==, "3 2 1");
	}
	g_clear_pointer(&entries, g_variant_unref);

	/* a restarted daemon warns again, once */
	g_clear_object(&f->history);
	f->history = dd_history_new(f->path, 100);
	g_test_expect_message(HISTORY_DOMAIN, G_LOG_LEVEL_WARNING, "*skipping unreadable*");
	entries = query(f, NULL, 0);
	g_test_assert_expected_messages();
	g_assert_cmpuint(g_variant_n_children(entries), ==, 3);
	g_clear_pointer(&entries, g_variant_unref);

	/* a torn last line that happens to be whole JSON (only the newline lost) still counts */
	append_raw(f, "{\"device\":\"" DEV_B "\",\"job\":4}", -1);
	entries = query(f, NULL, 0);
	{
		g_autofree gchar *jobs = jobs_of(entries);
		g_assert_cmpstr(jobs, ==, "4 3 2 1");
	}
	g_clear_pointer(&entries, g_variant_unref);
	append(f, make_entry(5, DEV_A));
	entries = query(f, NULL, 0);
	{
		g_autofree gchar *jobs = jobs_of(entries);
		g_assert_cmpstr(jobs, ==, "5 4 3 2 1");
	}
}

/* a valid line of exactly @len bytes */
static gchar *
line_of_length(guint64 job, gsize len)
{
	g_autofree gchar *head = g_strdup_printf(
	    "{\"device\":\"%s\",\"job\":%" G_GUINT64_FORMAT ",\"name\":\"", DEV_A, job);
	g_autoptr(GString) str = g_string_new(head);

	g_assert_cmpuint(len, >, str->len + 2);
	while (str->len < len - 2)
		g_string_append_c(str, 'x');
	g_string_append(str, "\"}");
	return g_string_free(g_steal_pointer(&str), FALSE);
}

static void
test_corrupt(Fixture *f, gconstpointer data)
{
	g_autoptr(GVariant) entries = NULL;
	g_autoptr(GVariant) got = NULL;
	g_autofree gchar *long_line = NULL;
	g_autofree gchar *longer_line = NULL;
	g_autofree gchar *deep = NULL;
	const gchar nul_line[] = "{\"device\":\"" DEV_A "\",\"name\":\"a\0b\"}\n";
	const gchar *junk[] = {
	    "",
	    "not json",
	    "[1,2,3]",
	    "\"a string\"",
	    "null",
	    "42",
	    "{}",
	    "{\"job\":1}",
	    "{\"device\":7}",
	    "{\"device\":\"" DEV_A "\",\"job\":-1}",
	    "{\"device\":\"" DEV_A "\",\"job\":1.5}",
	    "{\"device\":\"" DEV_A "\",\"job\":\"1\"}",
	    "{\"device\":\"" DEV_A "\",\"started\":1.0}",
	    "{\"device\":\"" DEV_A "\",\"duration\":\"1\"}",
	    "{\"device\":\"" DEV_A "\",\"duration\":true}",
	    "{\"device\":\"" DEV_A "\",\"name\":null}",
	    "{\"device\":\"" DEV_A "\",\"name\":{\"x\":1}}",
	    "{\"device\":\"" DEV_A "\",\"name\":[\"x\"]}",
	    "{\"device\":\"" DEV_A "\",\"job\":99999999999999999999}",
	    "{\"device\":\"" DEV_A "\",\"name\":\"\xff\xfe\"}",
	    "{\"device\":\"" DEV_A "\",\"name\":\"\\ud800\"}",
	    "{\"device\":\"" DEV_A "\"",
	};

	append(f, make_entry(1, DEV_A));
	for (guint i = 0; i < G_N_ELEMENTS(junk); i++) {
		append_raw(f, junk[i], -1);
		append_raw(f, "\n", -1);
	}
	/* a NUL byte inside an otherwise fine line */
	append_raw(f, nul_line, sizeof(nul_line) - 1);
	/* nesting deep enough to hurt a recursive parser */
	deep = g_strnfill(60000, '[');
	append_raw(f, deep, -1);
	append_raw(f, "\n", -1);
	/* one byte over the limit, and far over it (beyond the reader's buffer), each valid */
	long_line = line_of_length(2, 64 * 1024 + 1);
	append_raw(f, long_line, -1);
	append_raw(f, "\n", -1);
	longer_line = line_of_length(2, 300 * 1024);
	append_raw(f, longer_line, -1);
	append_raw(f, "\n", -1);
	/* just at the limit: read */
	g_clear_pointer(&long_line, g_free);
	long_line = line_of_length(3, 64 * 1024);
	append_raw(f, long_line, -1);
	append_raw(f, "\n", -1);
	/* a newer dfud's key is left out, the rest of its entry kept */
	append_raw(f, "{\"device\":\"" DEV_B "\",\"job\":4,\"colour\":[1,{}],\"rate\":2}\n", -1);
	append(f, make_entry(5, DEV_A));

	g_test_expect_message(HISTORY_DOMAIN, G_LOG_LEVEL_WARNING, "*skipping unreadable*");
	entries = query(f, NULL, 0);
	g_test_assert_expected_messages();
	{
		g_autofree gchar *jobs = jobs_of(entries);
		g_assert_cmpstr(jobs, ==, "5 4 3 1");
	}
	got = g_variant_get_child_value(entries, 1);
	g_assert_cmpuint(g_variant_n_children(got), ==, 3);
	{
		gdouble rate = 0;
		g_assert_true(g_variant_lookup(got, "rate", "d", &rate));
		g_assert_cmpfloat(rate, ==, 2.0);
	}
}

static void
test_filter(Fixture *f, gconstpointer data)
{
	g_autoptr(GVariant) entries = NULL;
	g_autoptr(GVariant) last = NULL;
	const gchar *devs[] = {DEV_A, DEV_B, DEV_A, DEV_ODD, DEV_A, DEV_B, "udp:127.0.0.1:13370"};
	guint64 job = 0;

	for (guint i = 0; i < G_N_ELEMENTS(devs); i++)
		append(f, make_entry(i + 1, devs[i]));

	entries = query(f, DEV_A, 0);
	{
		g_autofree gchar *jobs = jobs_of(entries);
		g_assert_cmpstr(jobs, ==, "5 3 1");
	}
	g_clear_pointer(&entries, g_variant_unref);
	entries = query(f, DEV_A, 2);
	{
		g_autofree gchar *jobs = jobs_of(entries);
		g_assert_cmpstr(jobs, ==, "5 3");
	}
	g_clear_pointer(&entries, g_variant_unref);
	entries = query(f, NULL, 4);
	{
		g_autofree gchar *jobs = jobs_of(entries);
		g_assert_cmpstr(jobs, ==, "7 6 5 4");
	}
	g_clear_pointer(&entries, g_variant_unref);
	entries = query(f, DEV_ODD, 0);
	{
		g_autofree gchar *jobs = jobs_of(entries);
		g_assert_cmpstr(jobs, ==, "4");
	}
	g_clear_pointer(&entries, g_variant_unref);
	/* a device named in another field is not that device's */
	entries = query(f, "bench \"3\"\n\t\\ é ✓", 0);
	g_assert_cmpuint(g_variant_n_children(entries), ==, 0);
	g_clear_pointer(&entries, g_variant_unref);
	entries = query(f, "udp:127.0.0.1", 0);
	g_assert_cmpuint(g_variant_n_children(entries), ==, 0);

	last = dd_history_last(f->history, DEV_B);
	g_assert_nonnull(last);
	g_assert_false(g_variant_is_floating(last));
	g_assert_true(g_variant_lookup(last, "job", "t", &job));
	g_assert_cmpuint(job, ==, 6);
	g_clear_pointer(&last, g_variant_unref);
	last = dd_history_last(f->history, NULL);
	g_assert_true(g_variant_lookup(last, "job", "t", &job));
	g_assert_cmpuint(job, ==, 7);
	g_clear_pointer(&last, g_variant_unref);
	g_assert_null(dd_history_last(f->history, "udp:10.0.0.1:1"));
}

static void
test_compaction(Fixture *f, gconstpointer data)
{
	g_autoptr(GVariant) entries = NULL;

	/* max 3: up to 6 lines are kept as they are, the 7th rewrites the file to 3 */
	for (guint64 i = 1; i <= 6; i++)
		append(f, make_entry(i, i % 2 ? DEV_A : DEV_B));
	g_assert_cmpuint(count_lines(f), ==, 6);
	append(f, make_entry(7, DEV_A));
	g_assert_cmpuint(count_lines(f), ==, 3);
	entries = query(f, NULL, 0);
	{
		g_autofree gchar *jobs = jobs_of(entries);
		g_assert_cmpstr(jobs, ==, "7 6 5");
	}
	g_clear_pointer(&entries, g_variant_unref);
	{
		GStatBuf st;
		g_assert_cmpint(g_stat(f->path, &st), ==, 0);
		g_assert_cmpuint(st.st_mode & 0777, ==, 0600);
	}

	/* again from there, broken lines counted as lines but not kept */
	append(f, make_entry(8, DEV_B));
	append_raw(f, "junk\n", -1);
	/* a restart: the count is taken from the file again */
	g_clear_object(&f->history);
	f->history = dd_history_new(f->path, 3);
	append(f, make_entry(9, DEV_A));
	g_assert_cmpuint(count_lines(f), ==, 6);
	g_test_expect_message(HISTORY_DOMAIN, G_LOG_LEVEL_WARNING, "*skipping unreadable*");
	append(f, make_entry(10, DEV_A));
	g_test_assert_expected_messages();
	g_assert_cmpuint(count_lines(f), ==, 3);
	entries = query(f, NULL, 0);
	{
		g_autofree gchar *jobs = jobs_of(entries);
		g_assert_cmpstr(jobs, ==, "10 9 8");
	}
	g_clear_pointer(&entries, g_variant_unref);

	/* a daemon restarted on a file already too long compacts at its first append */
	g_clear_object(&f->history);
	for (guint i = 0; i < 5; i++) {
		g_autofree gchar *line =
		    g_strdup_printf("{\"device\":\"%s\",\"job\":%u}\n", DEV_B, 20 + i);
		append_raw(f, line, -1);
	}
	g_assert_cmpuint(count_lines(f), ==, 8);
	/* and the temporary file of a rewrite killed before its rename is removed */
	{
		g_autofree gchar *tmp = g_strconcat(f->path, ".Ab12Cd", NULL);
		g_file_set_contents(tmp, "partial", -1, NULL);
		f->history = dd_history_new(f->path, 3);
		g_assert_false(g_file_test(tmp, G_FILE_TEST_EXISTS));
	}
	append(f, make_entry(30, DEV_A));
	g_assert_cmpuint(count_lines(f), ==, 3);
	entries = query(f, NULL, 0);
	{
		g_autofree gchar *jobs = jobs_of(entries);
		g_assert_cmpstr(jobs, ==, "30 24 23");
	}
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
#define ADD(path, max, fn)                                                                         \
	g_test_add(path, Fixture, GUINT_TO_POINTER(max), fixture_set_up, fn, fixture_tear_down)
	ADD("/history/roundtrip", 0, test_roundtrip);
	ADD("/history/refuse", 0, test_refuse);
	ADD("/history/truncated", 0, test_truncated);
	ADD("/history/corrupt", 0, test_corrupt);
	ADD("/history/filter", 0, test_filter);
	ADD("/history/compaction", 3, test_compaction);
#undef ADD
	return g_test_run();
}
