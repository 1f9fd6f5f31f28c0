/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* sd_notify(3) through libsystemd; all of them do nothing when NOTIFY_SOCKET is unset */
void dd_notify_ready(void);
void dd_notify_stopping(void);
void dd_notify_status(const gchar *format, ...) G_GNUC_PRINTF(1, 2);
/* when the service manager asked for a watchdog (WATCHDOG_USEC), pings at half that period
 * from the default main context; returns the source id or 0 */
guint dd_notify_watchdog_start(void);

G_END_DECLS
