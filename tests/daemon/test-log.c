/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "TestLog"

#include "config.h"

#include <string.h>

#include "dd-log.h"

/* the fields of the last message, as the writer (journald, in the daemon) got them */
static GHashTable *last_fields;
static GLogLevelFlags last_level;
static guint n_written;

static GLogWriterOutput
capture_writer(GLogLevelFlags level, const GLogField *fields, gsize n_fields, gpointer data)
{
	g_hash_table_remove_all(last_fields);
	for (gsize i = 0; i < n_fields; i++) {
		gchar *value = fields[i].length < 0
				   ? g_strdup(fields[i].value)
				   : g_strndup(fields[i].value, (gsize)fields[i].length);
		/* a key given twice would be a bug: journald would keep both */
		g_assert_false(g_hash_table_contains(last_fields, fields[i].key));
		g_hash_table_insert(last_fields, g_strdup(fields[i].key), value);
	}
	last_level = level;
	n_written++;
	return G_LOG_WRITER_HANDLED;
}

static const gchar *
field(const gchar *key)
{
	return g_hash_table_lookup(last_fields, key);
}

static void
test_job(void)
{
	guint line = __LINE__ + 1;
	dd_job_info("udp_127_0_0_1_1337", 7, "uploaded %u of %s", 4096, "8192");
	g_autofree gchar *line_str = g_strdup_printf("%u", line);

	g_assert_cmpuint(last_level & G_LOG_LEVEL_MASK, ==, G_LOG_LEVEL_INFO);
	g_assert_cmpstr(field("MESSAGE"), ==, "[job 7 udp_127_0_0_1_1337] uploaded 4096 of 8192");
	g_assert_cmpstr(field("PRIORITY"), ==, "6");
	g_assert_cmpstr(field("GLIB_DOMAIN"), ==, "TestLog");
	g_assert_cmpstr(field("DFUD_DEVICE"), ==, "udp_127_0_0_1_1337");
	g_assert_cmpstr(field("DFUD_JOB"), ==, "7");
	g_assert_true(g_str_has_suffix(field("CODE_FILE"), "test-log.c"));
	g_assert_cmpstr(field("CODE_LINE"), ==, line_str);
	g_assert_cmpstr(field("CODE_FUNC"), ==, "test_job");
	g_assert_cmpuint(g_hash_table_size(last_fields), ==, 8);

	dd_job_debug("dev", G_MAXUINT64, "x");
	g_assert_cmpstr(field("MESSAGE"), ==, "[job 18446744073709551615 dev] x");
	g_assert_cmpstr(field("DFUD_JOB"), ==, "18446744073709551615");
	g_assert_cmpstr(field("PRIORITY"), ==, "7");

	/* a job without a device yet */
	dd_job_message(NULL, 3, "queued");
	g_assert_cmpstr(field("MESSAGE"), ==, "[job 3] queued");
	g_assert_cmpstr(field("DFUD_JOB"), ==, "3");
	g_assert_null(field("DFUD_DEVICE"));
	g_assert_cmpstr(field("PRIORITY"), ==, "5");
}

static void
test_device(void)
{
	/* the device name is data, never a format */
	dd_dev_warning("dev%s%n", "lost %d%%", 3);
	g_assert_cmpuint(last_level & G_LOG_LEVEL_MASK, ==, G_LOG_LEVEL_WARNING);
	g_assert_cmpstr(field("MESSAGE"), ==, "[dev%s%n] lost 3%");
	g_assert_cmpstr(field("DFUD_DEVICE"), ==, "dev%s%n");
	g_assert_null(field("DFUD_JOB"));
	g_assert_cmpstr(field("PRIORITY"), ==, "4");
	g_assert_cmpstr(field("CODE_FUNC"), ==, "test_device");

	dd_dev_message("d", "m");
	g_assert_cmpstr(field("PRIORITY"), ==, "5");
	dd_dev_info("d", "i");
	g_assert_cmpstr(field("PRIORITY"), ==, "6");
	dd_dev_debug("d", "%s", "");
	g_assert_cmpstr(field("MESSAGE"), ==, "[d] ");
	g_assert_cmpstr(field("PRIORITY"), ==, "7");

	/* neither: a plain line with the code location */
	dd_log_context("Other", G_LOG_LEVEL_MESSAGE, NULL, 0, "f.c", "1", "fn", "plain %d", 1);
	g_assert_cmpstr(field("MESSAGE"), ==, "plain 1");
	g_assert_cmpstr(field("GLIB_DOMAIN"), ==, "Other");
	g_assert_null(field("DFUD_DEVICE"));
	g_assert_null(field("DFUD_JOB"));
	g_assert_cmpuint(g_hash_table_size(last_fields), ==, 6);
}

static void
test_count(void)
{
	guint before = n_written;

	/* one writer call per line, whatever the level (the writer filters, not us) */
	dd_dev_debug("d", "a");
	dd_job_info("d", 1, "b");
	g_assert_cmpuint(n_written, ==, before + 2);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	last_fields = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	g_log_set_writer_func(capture_writer, NULL, NULL);
	g_test_add_func("/log/job", test_job);
	g_test_add_func("/log/device", test_device);
	g_test_add_func("/log/count", test_count);
	return g_test_run();
}
