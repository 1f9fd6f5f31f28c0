/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "DfudLog"

#include "config.h"

#include "dd-log.h"

/* g_log_structured_array() adds nothing: the syslog priority GLib's own macros would send */
static const gchar *
dd_log_priority(GLogLevelFlags level)
{
	if (level & G_LOG_LEVEL_ERROR)
		return "3";
	if (level & (G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING))
		return "4";
	if (level & G_LOG_LEVEL_MESSAGE)
		return "5";
	if (level & G_LOG_LEVEL_INFO)
		return "6";
	if (level & G_LOG_LEVEL_DEBUG)
		return "7";
	return "5";
}

void
dd_log_context(const gchar *domain, GLogLevelFlags level, const gchar *device, guint64 job_id,
	       const gchar *file, const gchar *line, const gchar *func, const gchar *format, ...)
{
	g_autofree gchar *text = NULL;
	g_autofree gchar *message = NULL;
	g_autofree gchar *job = NULL;
	GLogField fields[9];
	gsize n = 0;
	va_list args;

	va_start(args, format);
	text = g_strdup_vprintf(format, args);
	va_end(args);

	if (job_id != 0) {
		job = g_strdup_printf("%" G_GUINT64_FORMAT, job_id);
		if (device != NULL)
			message = g_strdup_printf("[job %s %s] %s", job, device, text);
		else
			message = g_strdup_printf("[job %s] %s", job, text);
	} else if (device != NULL) {
		message = g_strdup_printf("[%s] %s", device, text);
	}

	fields[n++] = (GLogField){"MESSAGE", message != NULL ? message : text, -1};
	fields[n++] = (GLogField){"PRIORITY", dd_log_priority(level), -1};
	if (domain != NULL)
		fields[n++] = (GLogField){"GLIB_DOMAIN", domain, -1};
	if (file != NULL)
		fields[n++] = (GLogField){"CODE_FILE", file, -1};
	if (line != NULL)
		fields[n++] = (GLogField){"CODE_LINE", line, -1};
	if (func != NULL)
		fields[n++] = (GLogField){"CODE_FUNC", func, -1};
	if (device != NULL)
		fields[n++] = (GLogField){"DFUD_DEVICE", device, -1};
	if (job != NULL)
		fields[n++] = (GLogField){"DFUD_JOB", job, -1};
	g_log_structured_array(level, fields, n);
}
