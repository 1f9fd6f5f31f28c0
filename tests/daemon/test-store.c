/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * the store's journal of jobs, their firmware copies and the added devices
 */
#define G_LOG_DOMAIN "TestStore"

#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>

#include "dfud-error.h"
#include "store-fixture.h"

static DdJobRecord *
make_record(guint64 id)
{
	DdJobRecord *r = dd_job_record_new();

	r->id = id;
	r->device_uri = g_strdup("udp:127.0.0.1:1337");
	r->device_name = g_strdup("bench \"unit\" 3;=[x]\nnext");
	r->mode = g_strdup("test-and-confirm");
	r->image = 1;
	r->no_reset = TRUE;
	r->allow_downgrade = FALSE;
	r->upgrade = TRUE;
	r->window = 4;
	r->no_reassembly = TRUE;
	r->accept_permanent = TRUE;
	r->recovery = TRUE;
	r->created_us = 1767225600000000;
	r->started_us = 1767225601000000;
	g_free(r->stage);
	r->stage = g_strdup("uploading");
	r->bytes_done = G_GUINT64_CONSTANT(0xfffffffffffffffe);
	r->restarts = 2;
	return r;
}

static GBytes *
make_firmware(guint64 id)
{
	GByteArray *buf = g_byte_array_new();

	for (guint i = 0; i < 5000; i++) {
		guint8 b = (guint8)(i * 7 + id);
		g_byte_array_append(buf, &b, 1);
	}
	return g_byte_array_free_to_bytes(buf);
}

/* saves a job with its firmware, as the daemon does for Update() */
static void
save_job(Fixture *f, DdJobRecord *r)
{
	g_autoptr(GBytes) fw = make_firmware(r->id);
	g_autoptr(GError) error = NULL;

	g_assert_true(dd_store_save_firmware(f->store, r, fw, NULL, &error));
	g_assert_no_error(error);
	g_assert_true(dd_store_save_job(f->store, r, &error));
	g_assert_no_error(error);
}

static void
assert_records_equal(const DdJobRecord *a, const DdJobRecord *b)
{
	g_assert_cmpuint(a->id, ==, b->id);
	g_assert_cmpstr(a->device_uri, ==, b->device_uri);
	g_assert_cmpstr(a->device_name, ==, b->device_name);
	g_assert_cmpstr(a->mode, ==, b->mode);
	g_assert_cmpint(a->image, ==, b->image);
	g_assert_cmpint(a->no_reset, ==, b->no_reset);
	g_assert_cmpint(a->allow_downgrade, ==, b->allow_downgrade);
	g_assert_cmpint(a->upgrade, ==, b->upgrade);
	g_assert_cmpuint(a->window, ==, b->window);
	g_assert_cmpint(a->no_reassembly, ==, b->no_reassembly);
	g_assert_cmpint(a->accept_permanent, ==, b->accept_permanent);
	g_assert_cmpint(a->recovery, ==, b->recovery);
	g_assert_cmpstr(a->firmware_sha256, ==, b->firmware_sha256);
	g_assert_cmpint(a->created_us, ==, b->created_us);
	g_assert_cmpint(a->started_us, ==, b->started_us);
	g_assert_cmpstr(a->stage, ==, b->stage);
	g_assert_cmpuint(a->bytes_done, ==, b->bytes_done);
	g_assert_cmpuint(a->restarts, ==, b->restarts);
}

static void
test_job_roundtrip(Fixture *f, gconstpointer data)
{
	g_autoptr(DdJobRecord) r = make_record(next_id(f));
	g_autoptr(DdJobRecord) r2 = make_record(next_id(f));
	g_autoptr(DdJobRecord) copy = NULL;
	g_autoptr(GPtrArray) jobs = NULL;
	g_autoptr(GBytes) fw = NULL;
	g_autoptr(GBytes) want = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *ini = NULL;
	g_autofree gchar *fwname = NULL;

	/* saved out of order: loaded oldest id first */
	g_free(r2->device_name);
	r2->device_name = NULL;
	r2->image = -1;
	r2->started_us = 0;
	save_job(f, r2);
	save_job(f, r);
	g_assert_cmpuint(strlen(r->firmware_sha256), ==, 64);

	/* a record updated in place */
	r->bytes_done = 4096;
	g_free(r->stage);
	r->stage = g_strdup("resetting");
	g_assert_true(dd_store_save_job(f->store, r, &error));
	g_assert_no_error(error);

	copy = dd_job_record_copy(r);
	assert_records_equal(copy, r);

	ini = g_strdup_printf("%" G_GUINT64_FORMAT ".ini", r->id);
	fwname = g_strdup_printf("%" G_GUINT64_FORMAT ".fw", r->id);
	g_assert_cmpuint(file_mode(f->jobs, ini), ==, 0600);
	g_assert_cmpuint(file_mode(f->jobs, fwname), ==, 0600);

	fixture_restart(f);
	jobs = dd_store_load_jobs(f->store);
	g_assert_cmpuint(jobs->len, ==, 2);
	assert_records_equal(g_ptr_array_index(jobs, 0), r);
	assert_records_equal(g_ptr_array_index(jobs, 1), r2);
	g_assert_null(((DdJobRecord *)g_ptr_array_index(jobs, 1))->device_name);

	fw = dd_store_load_firmware(f->store, g_ptr_array_index(jobs, 0), &error);
	g_assert_no_error(error);
	want = make_firmware(r->id);
	g_assert_true(g_bytes_equal(fw, want));

	dd_store_remove_job(f->store, r->id);
	g_assert_false(file_exists(f->jobs, ini));
	g_assert_false(file_exists(f->jobs, fwname));
	dd_store_remove_job(f->store, r->id); /* twice: nothing left, no complaint */
	g_clear_pointer(&jobs, g_ptr_array_unref);
	jobs = dd_store_load_jobs(f->store);
	g_assert_cmpuint(jobs->len, ==, 1);
	assert_records_equal(g_ptr_array_index(jobs, 0), r2);

	/* the removed id stays used, across the restart too */
	g_assert_cmpuint(next_id(f), >, r2->id);
}

/* jobs of one content share one file on disk: the second N.fw is a hard link to the first, and
 * each job's copy stays readable when the other job is removed */
static void
test_firmware_shared(Fixture *f, gconstpointer data)
{
	g_autoptr(DdJobRecord) a = make_record(next_id(f));
	g_autoptr(DdJobRecord) b = make_record(next_id(f));
	g_autoptr(DdJobRecord) other = make_record(next_id(f));
	g_autoptr(GBytes) fw = make_firmware(1);
	g_autoptr(GBytes) different = make_firmware(2);
	g_autoptr(GBytes) loaded = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *path_a = g_strdup_printf("%s/%" G_GUINT64_FORMAT ".fw", f->jobs, a->id);
	g_autofree gchar *path_b = g_strdup_printf("%s/%" G_GUINT64_FORMAT ".fw", f->jobs, b->id);
	g_autofree gchar *path_o =
	    g_strdup_printf("%s/%" G_GUINT64_FORMAT ".fw", f->jobs, other->id);
	struct stat st_a, st_b, st_o;

	g_assert_true(dd_store_save_firmware(f->store, a, fw, NULL, &error));
	g_assert_no_error(error);
	g_assert_true(dd_store_save_firmware(f->store, b, fw, a->firmware_sha256, &error));
	g_assert_no_error(error);
	g_assert_true(dd_store_save_firmware(f->store, other, different, NULL, &error));
	g_assert_no_error(error);
	g_assert_cmpstr(a->firmware_sha256, ==, b->firmware_sha256);
	g_assert_cmpstr(a->firmware_sha256, !=, other->firmware_sha256);
	g_assert_cmpint(stat(path_a, &st_a), ==, 0);
	g_assert_cmpint(stat(path_b, &st_b), ==, 0);
	g_assert_cmpint(stat(path_o, &st_o), ==, 0);
	g_assert_cmpuint(st_a.st_ino, ==, st_b.st_ino);
	g_assert_cmpuint(st_a.st_nlink, ==, 2);
	g_assert_cmpuint(st_o.st_nlink, ==, 1);

	g_assert_true(dd_store_save_job(f->store, b, &error));
	g_assert_no_error(error);
	dd_store_remove_job(f->store, a->id);
	g_assert_false(g_file_test(path_a, G_FILE_TEST_EXISTS));
	loaded = dd_store_load_firmware(f->store, b, &error);
	g_assert_no_error(error);
	g_assert_true(g_bytes_equal(loaded, fw));
}

static void
test_job_invalid(Fixture *f, gconstpointer data)
{
	g_autoptr(DdJobRecord) r = make_record(0);
	g_autoptr(GBytes) fw = make_firmware(0);
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) jobs = NULL;

	/* no id yet */
	g_assert_false(dd_store_save_firmware(f->store, r, fw, NULL, &error));
	g_assert_error(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT);
	g_clear_error(&error);

	/* no firmware saved */
	r->id = next_id(f);
	g_assert_false(dd_store_save_job(f->store, r, &error));
	g_assert_error(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT);
	g_clear_error(&error);
	g_assert_true(dd_store_save_firmware(f->store, r, fw, NULL, &error));
	g_assert_no_error(error);

	/* values a job cannot have */
	g_free(r->mode);
	r->mode = g_strdup("sideways");
	g_assert_false(dd_store_save_job(f->store, r, &error));
	g_assert_error(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT);
	g_clear_error(&error);
	g_free(r->mode);
	r->mode = g_strdup("upload-only");
	r->image = 256;
	g_assert_false(dd_store_save_job(f->store, r, &error));
	g_assert_error(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT);
	g_clear_error(&error);
	r->image = 0;
	g_free(r->device_uri);
	r->device_uri = g_strdup("");
	g_assert_false(dd_store_save_job(f->store, r, &error));
	g_assert_error(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT);
	g_clear_error(&error);
	g_free(r->device_uri);
	r->device_uri = g_strdup("udp:\xff");
	g_assert_false(dd_store_save_job(f->store, r, &error));
	g_assert_error(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT);
	g_clear_error(&error);

	/* nothing half-written: the firmware alone is an orphan, cleaned up at load */
	g_test_expect_message(STORE_DOMAIN, G_LOG_LEVEL_MESSAGE, "*job 1*never journaled*");
	jobs = dd_store_load_jobs(f->store);
	g_test_assert_expected_messages();
	g_assert_cmpuint(jobs->len, ==, 0);
	g_assert_false(file_exists(f->jobs, "1.fw"));
}

/* the good N.ini of make_record(), with one line replaced */
static gchar *
job_ini_with(Fixture *f, guint64 id, const gchar *key, const gchar *line)
{
	g_autoptr(DdJobRecord) r = make_record(id);
	g_autofree gchar *path = NULL;
	g_autofree gchar *data = NULL;
	g_auto(GStrv) lines = NULL;
	g_autoptr(GString) out = g_string_new(NULL);
	g_autoptr(GError) error = NULL;

	save_job(f, r);
	path = g_strdup_printf("%s/%" G_GUINT64_FORMAT ".ini", f->jobs, id);
	g_file_get_contents(path, &data, NULL, &error);
	g_assert_no_error(error);
	lines = g_strsplit(data, "\n", -1);
	for (guint i = 0; lines[i] != NULL; i++) {
		if (g_str_has_prefix(lines[i], key) && lines[i][strlen(key)] == '=') {
			if (line != NULL)
				g_string_append_printf(out, "%s\n", line);
		} else if (lines[i][0] != '\0') {
			g_string_append_printf(out, "%s\n", lines[i]);
		}
	}
	g_file_set_contents(path, out->str, -1, &error);
	g_assert_no_error(error);
	return g_steal_pointer(&path);
}

static void
test_job_corrupt(Fixture *f, gconstpointer data)
{
	/* each of these journal entries is unusable as a whole: N.ini and N.fw set aside */
	struct {
		const gchar *key;
		const gchar *line;
	} bad[] = {
	    {"Id", "Id=99"},
	    {"Id", NULL},
	    {"Id", "Id=+3"},
	    {"DeviceUri", NULL},
	    {"DeviceUri", "DeviceUri="},
	    {"Mode", "Mode=sideways"},
	    {"Image", "Image=256"},
	    {"Image", "Image=-2"},
	    {"Image", "Image=1x"},
	    {"Window", "Window=4294967296"},
	    {"NoReset", "NoReset=maybe"},
	    {"FirmwareSha256", "FirmwareSha256=00"},
	    {"FirmwareSha256", NULL},
	    {"Created", "Created=-1"},
	    {"BytesDone", "BytesDone=18446744073709551616"},
	    {"Restarts", "Restarts=4294967296"},
	    {"Stage", "Stage="},
	    {"Stage", "Stage=\xff\xfe"},
	    {"Mode", "Mode=test-and-confirm\n[job"},
	};
	g_autoptr(DdJobRecord) good = make_record(100);
	g_autoptr(DdJobRecord) badfw = make_record(101);
	g_autoptr(DdJobRecord) nofw = make_record(102);
	g_autoptr(GPtrArray) jobs = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) loaded = NULL;

	for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_autofree gchar *path = job_ini_with(f, i + 1, bad[i].key, bad[i].line);
		g_autofree gchar *shown =
		    bad[i].line != NULL ? g_strescape(bad[i].line, NULL) : NULL;
		g_assert_true(g_file_test(path, G_FILE_TEST_IS_REGULAR));
		g_test_message("job %u: %s -> %s", i + 1, bad[i].key, shown);
	}
	save_job(f, good);
	save_job(f, badfw);
	write_file(f->jobs, "101.fw", "tampered", -1);
	save_job(f, nofw);
	{
		g_autofree gchar *fw = g_build_filename(f->jobs, "102.fw", NULL);
		g_assert_cmpint(g_unlink(fw), ==, 0);
	}
	write_file(f->jobs, "103.ini", "\x00\x01\x02", 3);
	write_file(f->jobs, "104.ini", "[job]\nId=104\n", -1);
	/* too big to be ours */
	{
		g_autofree gchar *huge = g_strnfill(300 * 1024, '#');
		write_file(f->jobs, "105.ini", huge, -1);
	}
	/* leftovers of a write interrupted by SIGKILL */
	write_file(f->jobs, "100.ini.Ab3xY9", "[job]\nId=1", -1);
	write_file(f->jobs, "100.fw.Zz09aB", "half a firm", -1);

	fixture_restart(f);
	for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
		expect_set_aside(i + 1, "ini");
		expect_set_aside(i + 1, "fw");
	}
	expect_set_aside(101, "fw");
	expect_set_aside(101, "ini");
	expect_set_aside(102, "ini");
	for (guint64 id = 103; id <= 105; id++)
		expect_set_aside(id, "ini");
	jobs = dd_store_load_jobs(f->store);
	g_test_assert_expected_messages();

	g_assert_cmpuint(jobs->len, ==, 1);
	assert_records_equal(g_ptr_array_index(jobs, 0), good);
	for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_autofree gchar *ini = g_strdup_printf("%u.ini.broken", i + 1);
		g_autofree gchar *fw = g_strdup_printf("%u.fw.broken", i + 1);
		g_assert_true(file_exists(f->jobs, ini));
		g_assert_true(file_exists(f->jobs, fw));
	}
	g_assert_true(file_exists(f->jobs, "101.fw.broken"));
	g_assert_true(file_exists(f->jobs, "101.ini.broken"));
	g_assert_true(file_exists(f->jobs, "102.ini.broken"));
	g_assert_false(file_exists(f->jobs, "101.ini"));
	g_assert_false(file_exists(f->jobs, "100.ini.Ab3xY9"));
	g_assert_false(file_exists(f->jobs, "100.fw.Zz09aB"));

	/* a second start finds nothing more to complain about */
	fixture_restart(f);
	g_clear_pointer(&jobs, g_ptr_array_unref);
	jobs = dd_store_load_jobs(f->store);
	g_assert_cmpuint(jobs->len, ==, 1);

	/* the copy rots after loading: refused, set aside, and not a crash */
	write_file(f->jobs, "100.fw", "rotten", -1);
	expect_set_aside(100, "fw");
	loaded = dd_store_load_firmware(f->store, good, &error);
	g_test_assert_expected_messages();
	g_assert_error(error, DFUD_ERROR, DFUD_ERROR_IO);
	g_assert_null(loaded);
	g_clear_error(&error);
	loaded = dd_store_load_firmware(f->store, good, &error);
	g_assert_error(error, DFUD_ERROR, DFUD_ERROR_NOT_FOUND);
	g_assert_null(loaded);

	/* the broken files still hold their ids */
	g_assert_cmpuint(next_id(f), ==, 106);
}

static void
test_devices(Fixture *f, gconstpointer data)
{
	g_autoptr(GPtrArray) uris = g_ptr_array_new();
	g_autoptr(GPtrArray) names = g_ptr_array_new();
	g_autoptr(GPtrArray) out_uris = NULL;
	g_autoptr(GPtrArray) out_names = NULL;
	g_autoptr(GError) error = NULL;

	/* nothing saved yet */
	g_assert_true(dd_store_load_devices(f->store, &out_uris, &out_names, &error));
	g_assert_no_error(error);
	g_assert_cmpuint(out_uris->len, ==, 0);
	g_assert_cmpuint(out_names->len, ==, 0);
	g_clear_pointer(&out_uris, g_ptr_array_unref);
	g_clear_pointer(&out_names, g_ptr_array_unref);

	g_ptr_array_add(uris, (gpointer) "udp:127.0.0.1:1337");
	g_ptr_array_add(names, (gpointer) "bench; [1]\n= \"x\"");
	g_ptr_array_add(uris, (gpointer) "udp:[::1]:1338");
	g_ptr_array_add(names, NULL);
	g_ptr_array_add(uris, (gpointer) "ble:hci0/AA:BB:CC:DD:EE:FF");
	g_ptr_array_add(names, (gpointer) "");
	g_assert_true(dd_store_save_devices(f->store, uris, names, &error));
	g_assert_no_error(error);
	g_assert_cmpuint(file_mode(f->dir, "devices.ini"), ==, 0600);

	fixture_restart(f);
	g_assert_true(dd_store_load_devices(f->store, &out_uris, &out_names, &error));
	g_assert_no_error(error);
	g_assert_cmpuint(out_uris->len, ==, 3);
	g_assert_cmpuint(out_names->len, ==, 3);
	for (guint i = 0; i < 3; i++) {
		const gchar *name = g_ptr_array_index(names, i);
		g_assert_cmpstr(g_ptr_array_index(out_uris, i), ==, g_ptr_array_index(uris, i));
		g_assert_cmpstr(g_ptr_array_index(out_names, i), ==, name != NULL ? name : "");
	}
	g_clear_pointer(&out_uris, g_ptr_array_unref);
	g_clear_pointer(&out_names, g_ptr_array_unref);

	/* refused: nothing written */
	g_ptr_array_add(names, (gpointer) "one too many");
	g_assert_false(dd_store_save_devices(f->store, uris, names, &error));
	g_assert_error(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT);
	g_clear_error(&error);
	g_ptr_array_remove_index(names, 3);
	g_ptr_array_add(uris, (gpointer) "");
	g_ptr_array_add(names, NULL);
	g_assert_false(dd_store_save_devices(f->store, uris, names, &error));
	g_assert_error(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT);
	g_clear_error(&error);
	g_ptr_array_index(uris, 3) = (gpointer) "udp:\xff";
	g_assert_false(dd_store_save_devices(f->store, uris, names, &error));
	g_assert_error(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT);
	g_clear_error(&error);
	g_assert_true(dd_store_load_devices(f->store, &out_uris, &out_names, &error));
	g_assert_cmpuint(out_uris->len, ==, 3);
	g_clear_pointer(&out_uris, g_ptr_array_unref);
	g_clear_pointer(&out_names, g_ptr_array_unref);

	/* an empty list */
	g_ptr_array_set_size(uris, 0);
	g_assert_true(dd_store_save_devices(f->store, uris, NULL, &error));
	g_assert_no_error(error);
	g_assert_true(dd_store_load_devices(f->store, &out_uris, &out_names, &error));
	g_assert_cmpuint(out_uris->len, ==, 0);
	g_clear_pointer(&out_uris, g_ptr_array_unref);
	g_clear_pointer(&out_names, g_ptr_array_unref);

	/* bad entries are skipped one by one */
	write_file(f->dir, "devices.ini",
		   "[device 0]\nUri=udp:127.0.0.1:1\nName=a\n"
		   "[device 1]\nName=no uri\n"
		   "[device 2]\nUri=\xff\xfe\n"
		   "[device 3]\nUri=udp:127.0.0.1:1\nName=twice\n"
		   "[device 4]\nUri=udp:127.0.0.1:2\n",
		   -1);
	g_test_expect_message(STORE_DOMAIN, G_LOG_LEVEL_WARNING, "*[device 1]*no valid Uri*");
	g_test_expect_message(STORE_DOMAIN, G_LOG_LEVEL_WARNING, "*[device 2]*no valid Uri*");
	g_test_expect_message(STORE_DOMAIN, G_LOG_LEVEL_WARNING,
			      "*udp:127.0.0.1:1 is listed twice");
	g_assert_true(dd_store_load_devices(f->store, &out_uris, &out_names, &error));
	g_test_assert_expected_messages();
	g_assert_no_error(error);
	g_assert_cmpuint(out_uris->len, ==, 2);
	g_assert_cmpstr(g_ptr_array_index(out_uris, 1), ==, "udp:127.0.0.1:2");
	g_assert_cmpstr(g_ptr_array_index(out_names, 0), ==, "a");
	g_assert_cmpstr(g_ptr_array_index(out_names, 1), ==, "");
	g_clear_pointer(&out_uris, g_ptr_array_unref);
	g_clear_pointer(&out_names, g_ptr_array_unref);

	/* a file that is not a key file at all */
	write_file(f->dir, "devices.ini", "garbage\n[\n", -1);
	g_test_expect_message(STORE_DOMAIN, G_LOG_LEVEL_WARNING, "*devices.ini is unusable*");
	g_assert_true(dd_store_load_devices(f->store, &out_uris, &out_names, &error));
	g_test_assert_expected_messages();
	g_assert_no_error(error);
	g_assert_cmpuint(out_uris->len, ==, 0);
	g_assert_true(file_exists(f->dir, "devices.ini.broken"));
	g_assert_false(file_exists(f->dir, "devices.ini"));
}

/* what a SIGKILL between g_file_set_contents' write and rename leaves: the old file intact */
static void
test_interrupted_write(Fixture *f, gconstpointer data)
{
	g_autoptr(DdJobRecord) r = make_record(next_id(f));
	g_autoptr(GPtrArray) jobs = NULL;
	guint64 end = state_next_job_id(f);

	save_job(f, r);
	write_file(f->dir, "state.ini.Q1w2E3", "[state]\nNextJob", -1);
	write_file(f->jobs, "1.ini.Q1w2E3", "[job]\nId=1\nStage=veri", -1);
	fixture_restart(f);
	jobs = dd_store_load_jobs(f->store);
	g_assert_cmpuint(jobs->len, ==, 1);
	assert_records_equal(g_ptr_array_index(jobs, 0), r);
	g_assert_false(file_exists(f->jobs, "1.ini.Q1w2E3"));
	g_assert_false(file_exists(f->dir, "state.ini.Q1w2E3"));
	/* the state.ini of before the interrupted write counts */
	g_assert_cmpuint(next_id(f), ==, end);
}

/* the store does not judge firmware: an empty copy round-trips like any other */
static void
test_empty_firmware(Fixture *f, gconstpointer data)
{
	g_autoptr(DdJobRecord) r = make_record(next_id(f));
	g_autoptr(GBytes) empty = g_bytes_new(NULL, 0);
	g_autoptr(GBytes) loaded = NULL;
	g_autoptr(GPtrArray) jobs = NULL;
	g_autoptr(GError) error = NULL;

	g_assert_true(dd_store_save_firmware(f->store, r, empty, NULL, &error));
	g_assert_no_error(error);
	g_assert_true(dd_store_save_job(f->store, r, &error));
	g_assert_no_error(error);
	jobs = dd_store_load_jobs(f->store);
	g_assert_cmpuint(jobs->len, ==, 1);
	loaded = dd_store_load_firmware(f->store, r, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(g_bytes_get_size(loaded), ==, 0);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	ADD_STORE_TEST("/store/job/roundtrip", test_job_roundtrip);
	ADD_STORE_TEST("/store/job/invalid", test_job_invalid);
	ADD_STORE_TEST("/store/job/firmware-shared", test_firmware_shared);
	ADD_STORE_TEST("/store/job/corrupt", test_job_corrupt);
	ADD_STORE_TEST("/store/job/interrupted-write", test_interrupted_write);
	ADD_STORE_TEST("/store/job/empty-firmware", test_empty_firmware);
	ADD_STORE_TEST("/store/devices", test_devices);
	return g_test_run();
}
