/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/*
 * Every line about a device or job names it, both in the text ("[udp_127_0_0_1_1337] ...",
 * "[job 7 udp_127_0_0_1_1337] ...") and as journal fields DFUD_DEVICE= and DFUD_JOB=, through
 * GLib's structured logging (g_log_writer_default sends it to journald when stderr is the
 * journal). G_LOG_DOMAIN is the calling file's.
 */
#define dd_log_device(level, device, ...)                                                  \
	dd_log_context(G_LOG_DOMAIN, level, device, 0, __FILE__, G_STRINGIFY(__LINE__),   \
		       G_STRFUNC, __VA_ARGS__)
#define dd_log_job(level, device, job_id, ...)                                             \
	dd_log_context(G_LOG_DOMAIN, level, device, job_id, __FILE__, G_STRINGIFY(__LINE__), \
		       G_STRFUNC, __VA_ARGS__)

#define dd_dev_debug(dev, ...) dd_log_device(G_LOG_LEVEL_DEBUG, dev, __VA_ARGS__)
#define dd_dev_info(dev, ...) dd_log_device(G_LOG_LEVEL_INFO, dev, __VA_ARGS__)
#define dd_dev_message(dev, ...) dd_log_device(G_LOG_LEVEL_MESSAGE, dev, __VA_ARGS__)
#define dd_dev_warning(dev, ...) dd_log_device(G_LOG_LEVEL_WARNING, dev, __VA_ARGS__)
#define dd_job_debug(dev, id, ...) dd_log_job(G_LOG_LEVEL_DEBUG, dev, id, __VA_ARGS__)
#define dd_job_info(dev, id, ...) dd_log_job(G_LOG_LEVEL_INFO, dev, id, __VA_ARGS__)
#define dd_job_message(dev, id, ...) dd_log_job(G_LOG_LEVEL_MESSAGE, dev, id, __VA_ARGS__)
#define dd_job_warning(dev, id, ...) dd_log_job(G_LOG_LEVEL_WARNING, dev, id, __VA_ARGS__)

void dd_log_context(const gchar *domain, GLogLevelFlags level, const gchar *device,
		    guint64 job_id, const gchar *file, const gchar *line, const gchar *func,
		    const gchar *format, ...) G_GNUC_PRINTF(8, 9);

G_END_DECLS
