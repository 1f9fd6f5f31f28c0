/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/*
 * One-shot timers with microsecond precision on the default main context, for the simulator's
 * per-packet delays (air time, flash time). GLib's poll() takes a timeout in whole milliseconds,
 * rounded up, so a g_timeout_add() fires up to 2 ms late and a bare ready-time source up to
 * 1 ms late. Here one GSource serves every timer: its ready time (g_source_set_ready_time(),
 * microseconds) is the first timer's, and a timerfd on CLOCK_MONOTONIC (the clock of
 * g_get_monotonic_time()) armed at that time wakes poll() when it is due. It runs the due
 * timers in the order of their times (equal times: in the order they were added), so a
 * response that is out before a request arrives is handled first even when both fell due in
 * the same main loop iteration. Main thread only.
 */

/*
 * Calls @func(@data) once at @ready_us (g_get_monotonic_time() clock; a time already past
 * fires at the next main loop iteration). @func's return value is ignored. Returns the timer's
 * id (never 0) for dfud_sim_timer_remove().
 */
guint
dfud_sim_timer_add(gint64 ready_us, GSourceFunc func, gpointer data);
/* cancels a timer that has not fired; FALSE if there is none with @id */
gboolean
dfud_sim_timer_remove(guint id);

/*
 * The monotonic time at which @delay_us of scaled time after @now_us is over, the delay
 * multiplied by @scale and rounded up to the next microsecond: now + ceil(delay * scale).
 * A delay or scale <= 0 gives @now_us.
 */
gint64
dfud_sim_timer_deadline(gint64 now_us, gint64 delay_us, gdouble scale);

/* timers added and neither fired nor removed (tests) */
guint
dfud_sim_timer_pending(void);

G_END_DECLS
