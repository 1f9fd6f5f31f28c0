/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "DfuctlJobRecord"

#include "config.h"

#include "dfud-hex.h"
#include "dfuctl-job-record.h"

gchar *
dfuctl_format_time(gint64 usec)
{
	g_autoptr(GDateTime) dt = NULL;

	if (usec <= 0)
		return g_strdup("-");
	dt = g_date_time_new_from_unix_local(usec / G_USEC_PER_SEC);
	if (dt == NULL)
		return g_strdup("-");
	return g_date_time_format(dt, "%Y-%m-%d %H:%M:%S");
}

gchar *
dfuctl_format_rate(gdouble rate)
{
	if (!(rate > 0))
		return g_strdup("-");
	if (rate >= 1024.0 * 1024.0)
		return g_strdup_printf("%.1f MiB/s", rate / (1024.0 * 1024.0));
	if (rate >= 1024.0)
		return g_strdup_printf("%.1f KiB/s", rate / 1024.0);
	return g_strdup_printf("%.0f B/s", rate);
}

/* a string that is empty on the bus is null in JSON and "-" for people */
static void
add_optional_string(DfuctlRecord *rec, const gchar *key, const gchar *label, const gchar *value)
{
	/* no error: not worth a line for people */
	if (g_str_has_prefix(key, "error_") && (value == NULL || value[0] == '\0'))
		label = NULL;
	if (value != NULL && value[0] != '\0')
		dfuctl_record_add_string(rec, key, label, value);
	else
		dfuctl_record_add_null(rec, key, label, NULL);
}

static void
add_time(DfuctlRecord *rec, const gchar *key, const gchar *label, gint64 usec)
{
	g_autofree gchar *text = dfuctl_format_time(usec);

	if (usec > 0)
		dfuctl_record_add_uint(rec, key, label, (guint64)usec, text);
	else
		dfuctl_record_add_null(rec, key, label, "-");
}

/* hex of an "ay" variant; NULL when absent or empty */
static gchar *
variant_hex(GVariant *value)
{
	gsize len = 0;
	const guint8 *data;

	if (value == NULL || !g_variant_is_of_type(value, G_VARIANT_TYPE_BYTESTRING))
		return NULL;
	data = g_variant_get_fixed_array(value, &len, 1);
	if (len == 0)
		return NULL;
	return dfud_hex_encode(data, len, 0);
}

static void
add_images(DfuctlRecord *rec, GVariant *images)
{
	GPtrArray *items = g_ptr_array_new_with_free_func((GDestroyNotify)dfuctl_record_free);
	GString *text = g_string_new(NULL);

	if (images != NULL && g_variant_is_of_type(images, G_VARIANT_TYPE("aa{sv}"))) {
		for (gsize i = 0; i < g_variant_n_children(images); i++) {
			g_autoptr(GVariant) dict = g_variant_get_child_value(images, i);
			g_autoptr(GVariant) hash = NULL;
			g_autofree gchar *hash_hex = NULL;
			DfuctlRecord *item = dfuctl_record_new();
			const gchar *role = NULL;
			const gchar *version = NULL;
			guint32 index = 0;
			guint64 size = 0;

			g_variant_lookup(dict, "image", "u", &index);
			g_variant_lookup(dict, "role", "&s", &role);
			g_variant_lookup(dict, "version", "&s", &version);
			g_variant_lookup(dict, "size", "t", &size);
			hash = g_variant_lookup_value(dict, "hash", G_VARIANT_TYPE_BYTESTRING);
			hash_hex = variant_hex(hash);
			dfuctl_record_add_uint(item, "image", NULL, index, NULL);
			dfuctl_record_add_string(item, "role", NULL, role);
			dfuctl_record_add_string(item, "version", NULL, version);
			dfuctl_record_add_string(item, "hash", NULL, hash_hex);
			dfuctl_record_add_uint(item, "size", NULL, size, NULL);
			g_ptr_array_add(items, item);
			g_string_append_printf(text, "%s%u:%s %s", text->len > 0 ? ", " : "", index,
					       role != NULL ? role : "?",
					       version != NULL ? version : "?");
		}
	}
	dfuctl_record_add_string_full(rec, NULL, "New images", NULL,
				      text->len > 0 ? text->str : "-");
	g_string_free(text, TRUE);
	dfuctl_record_add_list(rec, "images", items, FALSE);
}

/* the job's Plan: what the update does in the device's MCUboot mode */
static void
add_plan(DfuctlRecord *rec, GVariant *plan)
{
	DfuctlRecord *child = dfuctl_record_new();
	const gchar *keys[] = {"bootloader-mode", "strategy", "state-write", "success", "steps"};
	const gchar *steps = NULL;

	if (plan == NULL || !g_variant_is_of_type(plan, G_VARIANT_TYPE_VARDICT) ||
	    g_variant_n_children(plan) == 0) {
		dfuctl_record_free(child);
		dfuctl_record_add_null(rec, "plan", "Plan", "-");
		return;
	}
	for (guint i = 0; i < G_N_ELEMENTS(keys); i++) {
		const gchar *value = NULL;
		g_autofree gchar *key = g_strdelimit(g_strdup(keys[i]), "-", '_');
		if (!g_variant_lookup(plan, keys[i], "&s", &value))
			value = NULL;
		dfuctl_record_add_string(child, key, NULL, value);
	}
	g_variant_lookup(plan, "steps", "&s", &steps);
	dfuctl_record_add_string_full(rec, NULL, "Plan", NULL, steps != NULL ? steps : "-");
	dfuctl_record_add_record(rec, "plan", NULL, child);
}

DfuctlRecord *
dfuctl_job_record(DfudDbusJob *job)
{
	DfuctlRecord *rec = dfuctl_record_new();
	guint64 id = dfud_dbus_job_get_id(job);
	guint64 done = dfud_dbus_job_get_bytes_done(job);
	guint64 total = dfud_dbus_job_get_bytes_total(job);
	guint progress = dfud_dbus_job_get_progress(job);
	gdouble rate = dfud_dbus_job_get_rate(job);
	const gchar *status = dfud_dbus_job_get_status(job);
	const gchar *result = dfud_dbus_job_get_result(job);
	const gchar *error_name = dfud_dbus_job_get_error_name(job);
	g_autofree gchar *title = g_strdup_printf("Job %" G_GUINT64_FORMAT, id);
	g_autofree gchar *status_text = NULL;
	g_autofree gchar *progress_text = g_strdup_printf("%u%%", MIN(progress, 100u));
	g_autofree gchar *bytes_text = NULL;
	g_autofree gchar *rate_text = dfuctl_format_rate(rate);
	g_autofree gchar *old_hash = variant_hex(dfud_dbus_job_get_old_hash(job));

	dfuctl_record_set_title(rec, title);
	dfuctl_record_add_uint(rec, "id", NULL, id, NULL);
	dfuctl_record_add_string(rec, "path", NULL,
				 g_dbus_proxy_get_object_path(G_DBUS_PROXY(job)));
	dfuctl_record_add_string(rec, "device", "Device", dfud_dbus_job_get_device(job));
	if (result != NULL && result[0] != '\0')
		status_text = g_strdup_printf("%s (%s)", status, result);
	dfuctl_record_add_string_full(rec, "status", "Status", status, status_text);
	add_optional_string(rec, "result", NULL, result);
	dfuctl_record_add_string(rec, "mode", "Mode", dfud_dbus_job_get_mode(job));
	add_plan(rec, dfud_dbus_job_get_plan(job));
	dfuctl_record_add_uint(rec, "progress", "Progress", progress, progress_text);
	bytes_text = g_strdup_printf("%" G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT, done, total);
	dfuctl_record_add_uint(rec, "bytes_done", "Bytes", done, bytes_text);
	dfuctl_record_add_uint(rec, "bytes_total", NULL, total, NULL);
	/* whole bytes/s: the record table has no floating point, and a fraction means nothing */
	dfuctl_record_add_uint(rec, "rate", "Rate", rate > 0 ? (guint64)(rate + 0.5) : 0,
			       rate_text);
	dfuctl_record_add_uint(rec, "mtu", "MTU", dfud_dbus_job_get_mtu(job),
			       dfud_dbus_job_get_mtu(job) == 0 ? "-" : NULL);
	dfuctl_record_add_uint(rec, "buf_size", "SMP buffer", dfud_dbus_job_get_buf_size(job),
			       NULL);
	dfuctl_record_add_uint(rec, "window", "Window", dfud_dbus_job_get_window(job), NULL);
	dfuctl_record_add_uint(rec, "image", "Image", dfud_dbus_job_get_image(job), NULL);
	add_optional_string(rec, "old_version", "Old version", dfud_dbus_job_get_old_version(job));
	add_optional_string(rec, "old_hash", "Old hash", old_hash);
	add_images(rec, dfud_dbus_job_get_images(job));
	add_time(rec, "created", "Created", dfud_dbus_job_get_created(job));
	add_time(rec, "started", "Started", dfud_dbus_job_get_started(job));
	add_time(rec, "finished", "Finished", dfud_dbus_job_get_finished(job));
	dfuctl_record_add_uint(rec, "restarts", "Restarts", dfud_dbus_job_get_restarts(job), NULL);
	add_optional_string(rec, "error_name", "Error", error_name);
	add_optional_string(rec, "error_message", "Error message",
			    dfud_dbus_job_get_error_message(job));
	return rec;
}

static void
add_entry_string(DfuctlRecord *rec, GVariant *entry, const gchar *name, const gchar *key,
		 const gchar *label)
{
	const gchar *value = NULL;

	if (!g_variant_lookup(entry, name, "&s", &value))
		value = NULL;
	add_optional_string(rec, key, label, value);
}

DfuctlRecord *
dfuctl_history_record(GVariant *entry)
{
	DfuctlRecord *rec = dfuctl_record_new();
	g_autofree gchar *title = NULL;
	g_autofree gchar *duration_text = NULL;
	g_autofree gchar *rate_text = NULL;
	guint64 job = 0;
	guint64 bytes = 0;
	gint64 started = 0;
	gdouble duration = -1;
	gdouble rate = -1;
	gboolean has_job;

	if (entry == NULL || !g_variant_is_of_type(entry, G_VARIANT_TYPE_VARDICT)) {
		dfuctl_record_add_null(rec, "job", NULL, NULL);
		return rec;
	}
	has_job = g_variant_lookup(entry, "job", "t", &job);
	title = g_strdup_printf("Job %" G_GUINT64_FORMAT, job);
	dfuctl_record_set_title(rec, title);
	if (has_job)
		dfuctl_record_add_uint(rec, "job", NULL, job, NULL);
	else
		dfuctl_record_add_null(rec, "job", NULL, NULL);
	add_entry_string(rec, entry, "device", "device", "Device");
	add_entry_string(rec, entry, "name", "name", "Name");
	add_entry_string(rec, entry, "result", "result", "Result");
	add_entry_string(rec, entry, "error-name", "error_name", "Error");
	add_entry_string(rec, entry, "error-message", "error_message", "Error message");
	add_entry_string(rec, entry, "old-version", "old_version", "Old version");
	add_entry_string(rec, entry, "old-hash", "old_hash", "Old hash");
	add_entry_string(rec, entry, "new-version", "new_version", "New version");
	add_entry_string(rec, entry, "new-hash", "new_hash", "New hash");
	if (g_variant_lookup(entry, "started", "x", &started))
		add_time(rec, "started", "Started", started);
	else
		dfuctl_record_add_null(rec, "started", "Started", NULL);
	if (g_variant_lookup(entry, "duration", "d", &duration) && duration >= 0 &&
	    duration < 1e9) {
		duration_text = g_strdup_printf("%.1f s", duration);
		dfuctl_record_add_uint(rec, "duration_ms", "Duration",
				       (guint64)(duration * 1000.0 + 0.5), duration_text);
	} else {
		dfuctl_record_add_null(rec, "duration_ms", "Duration", NULL);
	}
	if (g_variant_lookup(entry, "bytes", "t", &bytes))
		dfuctl_record_add_uint(rec, "bytes", "Bytes", bytes, NULL);
	else
		dfuctl_record_add_null(rec, "bytes", "Bytes", NULL);
	if (g_variant_lookup(entry, "rate", "d", &rate) && rate >= 0 && rate < 1e15) {
		rate_text = dfuctl_format_rate(rate);
		dfuctl_record_add_uint(rec, "rate", "Rate", (guint64)(rate + 0.5), rate_text);
	} else {
		dfuctl_record_add_null(rec, "rate", "Rate", NULL);
	}
	return rec;
}
