/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "DfudJobRecord"

#include "config.h"

#include <string.h>

#include "dd-job-record.h"
#include "dfud-error.h"
#include "engine/dfud-update-options.h"

#define DD_STORE_GROUP_JOB "job"
#define DD_STORE_MAX_IMAGE 255

DdJobRecord *
dd_job_record_new(void)
{
	DdJobRecord *record = g_new0(DdJobRecord, 1);

	record->image = -1;
	record->stage = g_strdup("queued");
	return record;
}

DdJobRecord *
dd_job_record_copy(const DdJobRecord *record)
{
	DdJobRecord *copy = g_new0(DdJobRecord, 1);

	*copy = *record;
	copy->device_uri = g_strdup(record->device_uri);
	copy->device_name = g_strdup(record->device_name);
	copy->mode = g_strdup(record->mode);
	copy->firmware_sha256 = g_strdup(record->firmware_sha256);
	copy->stage = g_strdup(record->stage);
	return copy;
}

void
dd_job_record_free(DdJobRecord *record)
{
	if (record == NULL)
		return;
	g_free(record->device_uri);
	g_free(record->device_name);
	g_free(record->mode);
	g_free(record->firmware_sha256);
	g_free(record->stage);
	g_free(record);
}

/* ids in file names and in state.ini: digits only, no sign, no leading zero, no overflow */
gboolean
dd_job_record_is_sha256_hex(const gchar *str)
{
	if (str == NULL || strlen(str) != 64)
		return FALSE;
	for (guint i = 0; i < 64; i++) {
		if (!g_ascii_isdigit(str[i]) && !(str[i] >= 'a' && str[i] <= 'f'))
			return FALSE;
	}
	return TRUE;
}

static gboolean
dd_job_record_check(const DdJobRecord *record, GError **error)
{
	DfudUpdateMode mode;

	if (record->id == 0) {
		g_set_error_literal(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT,
				    "the job has no id");
		return FALSE;
	}
	if (record->device_uri == NULL || record->device_uri[0] == '\0' ||
	    strlen(record->device_uri) > DD_STORE_MAX_URI_LEN ||
	    !g_utf8_validate(record->device_uri, -1, NULL)) {
		g_set_error_literal(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT,
				    "the job has no valid device URI");
		return FALSE;
	}
	if (record->device_name != NULL && !g_utf8_validate(record->device_name, -1, NULL)) {
		g_set_error_literal(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT,
				    "the device name is not UTF-8");
		return FALSE;
	}
	if (record->mode == NULL || !dfud_update_mode_from_string(record->mode, &mode)) {
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT,
			    "'%s' is not an update mode", record->mode != NULL ? record->mode : "");
		return FALSE;
	}
	if (record->image < -1 || record->image > DD_STORE_MAX_IMAGE) {
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT,
			    "image %d is out of range", record->image);
		return FALSE;
	}
	if (!dd_job_record_is_sha256_hex(record->firmware_sha256)) {
		g_set_error_literal(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT,
				    "the job's firmware is not saved");
		return FALSE;
	}
	if (record->stage == NULL || record->stage[0] == '\0' ||
	    !g_utf8_validate(record->stage, -1, NULL)) {
		g_set_error_literal(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT,
				    "the job has no stage");
		return FALSE;
	}
	return TRUE;
}

gchar *
dd_job_record_to_data(const DdJobRecord *record, gsize *len, GError **error)
{
	g_autoptr(GKeyFile) kf = g_key_file_new();
	const gchar *g = DD_STORE_GROUP_JOB;

	if (!dd_job_record_check(record, error))
		return NULL;
	g_key_file_set_uint64(kf, g, "Id", record->id);
	g_key_file_set_string(kf, g, "DeviceUri", record->device_uri);
	if (record->device_name != NULL)
		g_key_file_set_string(kf, g, "DeviceName", record->device_name);
	g_key_file_set_string(kf, g, "Mode", record->mode);
	g_key_file_set_integer(kf, g, "Image", record->image);
	g_key_file_set_boolean(kf, g, "NoReset", record->no_reset);
	g_key_file_set_boolean(kf, g, "AllowDowngrade", record->allow_downgrade);
	g_key_file_set_boolean(kf, g, "Upgrade", record->upgrade);
	g_key_file_set_uint64(kf, g, "Window", record->window);
	g_key_file_set_boolean(kf, g, "NoReassembly", record->no_reassembly);
	g_key_file_set_boolean(kf, g, "AcceptPermanent", record->accept_permanent);
	g_key_file_set_boolean(kf, g, "Recovery", record->recovery);
	g_key_file_set_string(kf, g, "FirmwareSha256", record->firmware_sha256);
	g_key_file_set_int64(kf, g, "Created", record->created_us);
	g_key_file_set_int64(kf, g, "Started", record->started_us);
	g_key_file_set_string(kf, g, "Stage", record->stage);
	g_key_file_set_uint64(kf, g, "BytesDone", record->bytes_done);
	g_key_file_set_uint64(kf, g, "Restarts", record->restarts);
	return g_key_file_to_data(kf, len, NULL);
}

/* strict readers for N.ini: a value that is present must parse completely */
static gboolean
dd_store_get_unsigned(GKeyFile *kf, const gchar *key, guint64 max, guint64 *out, GError **error)
{
	g_autofree gchar *value = g_key_file_get_value(kf, DD_STORE_GROUP_JOB, key, NULL);
	g_autoptr(GError) local = NULL;

	if (value == NULL)
		return TRUE;
	if (!g_ascii_string_to_unsigned(value, 10, 0, max, out, &local)) {
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT, "%s: %s", key,
			    local->message);
		return FALSE;
	}
	return TRUE;
}

static gboolean
dd_store_get_signed(GKeyFile *kf, const gchar *key, gint64 min, gint64 max, gint64 *out,
		    GError **error)
{
	g_autofree gchar *value = g_key_file_get_value(kf, DD_STORE_GROUP_JOB, key, NULL);
	g_autoptr(GError) local = NULL;

	if (value == NULL)
		return TRUE;
	if (!g_ascii_string_to_signed(value, 10, min, max, out, &local)) {
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT, "%s: %s", key,
			    local->message);
		return FALSE;
	}
	return TRUE;
}

static gboolean
dd_store_get_bool(GKeyFile *kf, const gchar *key, gboolean *out, GError **error)
{
	g_autoptr(GError) local = NULL;
	gboolean value;

	if (!g_key_file_has_key(kf, DD_STORE_GROUP_JOB, key, NULL))
		return TRUE;
	value = g_key_file_get_boolean(kf, DD_STORE_GROUP_JOB, key, &local);
	if (local != NULL) {
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT, "%s: %s", key,
			    local->message);
		return FALSE;
	}
	*out = value;
	return TRUE;
}

static gboolean
dd_store_get_string(GKeyFile *kf, const gchar *key, gchar **out, GError **error)
{
	g_autoptr(GError) local = NULL;
	gchar *value;

	if (!g_key_file_has_key(kf, DD_STORE_GROUP_JOB, key, NULL))
		return TRUE;
	/* g_key_file_get_string() refuses what is not UTF-8 */
	value = g_key_file_get_string(kf, DD_STORE_GROUP_JOB, key, &local);
	if (value == NULL) {
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT, "%s: %s", key,
			    local->message);
		return FALSE;
	}
	g_free(*out);
	*out = value;
	return TRUE;
}

DdJobRecord *
dd_job_record_parse(GKeyFile *kf, guint64 id, GError **error)
{
	g_autoptr(DdJobRecord) record = dd_job_record_new();
	guint64 file_id = 0, window = 0, restarts = 0;
	gint64 image = -1;

	if (!g_key_file_has_key(kf, DD_STORE_GROUP_JOB, "Id", NULL)) {
		g_set_error_literal(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT, "no Id");
		return NULL;
	}
	if (!dd_store_get_unsigned(kf, "Id", G_MAXUINT64, &file_id, error) ||
	    !dd_store_get_string(kf, "DeviceUri", &record->device_uri, error) ||
	    !dd_store_get_string(kf, "DeviceName", &record->device_name, error) ||
	    !dd_store_get_string(kf, "Mode", &record->mode, error) ||
	    !dd_store_get_signed(kf, "Image", -1, DD_STORE_MAX_IMAGE, &image, error) ||
	    !dd_store_get_bool(kf, "NoReset", &record->no_reset, error) ||
	    !dd_store_get_bool(kf, "AllowDowngrade", &record->allow_downgrade, error) ||
	    !dd_store_get_bool(kf, "Upgrade", &record->upgrade, error) ||
	    !dd_store_get_unsigned(kf, "Window", G_MAXUINT, &window, error) ||
	    !dd_store_get_bool(kf, "NoReassembly", &record->no_reassembly, error) ||
	    !dd_store_get_bool(kf, "AcceptPermanent", &record->accept_permanent, error) ||
	    !dd_store_get_bool(kf, "Recovery", &record->recovery, error) ||
	    !dd_store_get_string(kf, "FirmwareSha256", &record->firmware_sha256, error) ||
	    !dd_store_get_signed(kf, "Created", 0, G_MAXINT64, &record->created_us, error) ||
	    !dd_store_get_signed(kf, "Started", 0, G_MAXINT64, &record->started_us, error) ||
	    !dd_store_get_string(kf, "Stage", &record->stage, error) ||
	    !dd_store_get_unsigned(kf, "BytesDone", G_MAXUINT64, &record->bytes_done, error) ||
	    !dd_store_get_unsigned(kf, "Restarts", G_MAXUINT, &restarts, error))
		return NULL;
	if (file_id != id) {
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT,
			    "Id %" G_GUINT64_FORMAT " differs from the file name", file_id);
		return NULL;
	}
	record->id = id;
	record->image = (gint)image;
	record->window = (guint)window;
	record->restarts = (guint)restarts;
	if (!dd_job_record_check(record, error))
		return NULL;
	return g_steal_pointer(&record);
}

