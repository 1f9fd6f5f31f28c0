/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/*
 * Watches many descriptors through one epoll set per main context: the context polls one
 * descriptor and checks one source however many devices are open, instead of one of each per
 * device at every wake-up. Level-triggered: the callback is called again while the condition
 * holds. A watch is made and freed in the thread that runs @context.
 */
typedef struct _DfudFdWatch DfudFdWatch;

typedef void (*DfudFdWatchFunc)(gint fd, GIOCondition condition, gpointer user_data);

DfudFdWatch *dfud_fd_watch_new(GMainContext *context, gint fd, GIOCondition condition,
			       DfudFdWatchFunc func, gpointer user_data, GError **error);
/* safe from any callback, its own included: a removed watch is never called again */
void dfud_fd_watch_free(DfudFdWatch *watch);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(DfudFdWatch, dfud_fd_watch_free)

G_END_DECLS
