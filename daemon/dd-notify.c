/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "DfudNotify"

#include "config.h"

#include <systemd/sd-daemon.h>

#include "dd-notify.h"

/* the service manager's answer only matters for debugging: it cannot change what we do */
static void
notify(const gchar *state)
{
	int rc = sd_notify(0, state);

	if (rc < 0)
		g_debug("sd_notify(%s): %s", state, g_strerror(-rc));
}

void
dd_notify_ready(void)
{
	notify("READY=1");
}

void
dd_notify_stopping(void)
{
	notify("STOPPING=1");
}

void
dd_notify_status(const gchar *format, ...)
{
	g_autofree gchar *status = NULL;
	g_autofree gchar *line = NULL;
	va_list args;

	va_start(args, format);
	status = g_strdup_vprintf(format, args);
	va_end(args);
	/* one line: a newline would start another assignment in the notification */
	g_strdelimit(status, "\r\n", ' ');
	line = g_strconcat("STATUS=", status, NULL);
	notify(line);
}

static gboolean
watchdog_cb(gpointer user_data)
{
	notify("WATCHDOG=1");
	return G_SOURCE_CONTINUE;
}

guint
dd_notify_watchdog_start(void)
{
	guint64 usec = 0;
	guint64 interval_ms;
	int rc;

	rc = sd_watchdog_enabled(0, &usec);
	if (rc < 0)
		g_warning("bad watchdog settings from the service manager: %s", g_strerror(-rc));
	if (rc <= 0 || usec == 0)
		return 0;
	/* half the period, so that one late tick of the main loop does not kill us */
	interval_ms = usec / 2000;
	interval_ms = CLAMP(interval_ms, 1, G_MAXUINT);
	g_debug("watchdog: pinging every %" G_GUINT64_FORMAT " ms", interval_ms);
	notify("WATCHDOG=1");
	return g_timeout_add_full(G_PRIORITY_DEFAULT, (guint)interval_ms, watchdog_cb, NULL, NULL);
}
