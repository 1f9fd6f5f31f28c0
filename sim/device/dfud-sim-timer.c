/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "DfudSimTimer"

#include "config.h"

#include <errno.h>
#include <math.h>
#include <string.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "dfud-sim-timer.h"

/*
 * The pending timers are kept in (ready time, id) order, and by id for removal. The source
 * exists while any is pending. Without a timerfd (it could not be created) the timers still
 * fire in order, with GLib's millisecond poll.
 */

typedef struct {
	guint id;
	gint64 ready_us;
	GSourceFunc func;
	gpointer data;
	GSequenceIter *iter;
} DfudSimTimerEntry;

typedef struct {
	GSource source;
	gint fd;	 /* the timerfd, -1 without one */
	gint64 armed_us; /* what the timerfd is armed at; -1: disarmed */
} DfudSimTimerSource;

static GSequence *pending;	   /* DfudSimTimerEntry, owned, by (ready time, id) */
static GHashTable *by_id;	   /* id -> DfudSimTimerEntry, in `pending` */
static DfudSimTimerSource *source; /* NULL while nothing is pending */
static guint next_id = 1;

static gint
entry_compare(gconstpointer a, gconstpointer b, gpointer user_data)
{
	const DfudSimTimerEntry *ea = a;
	const DfudSimTimerEntry *eb = b;

	if (ea->ready_us != eb->ready_us)
		return ea->ready_us < eb->ready_us ? -1 : 1;
	/* ids grow: the earlier added first (ids wrap after 2^32 timers: harmless) */
	return ea->id < eb->id ? -1 : ea->id > eb->id ? 1 : 0;
}

static void
source_arm(DfudSimTimerSource *s, gint64 at_us)
{
	struct itimerspec spec;

	g_source_set_ready_time(&s->source, at_us);
	if (s->fd < 0 || s->armed_us == at_us)
		return;
	memset(&spec, 0, sizeof(spec));
	/* an all-zero value would disarm it: time 0 is 1 ns */
	spec.it_value.tv_sec = (time_t)(at_us / G_USEC_PER_SEC);
	spec.it_value.tv_nsec = (long)(at_us % G_USEC_PER_SEC) * 1000 + (at_us == 0 ? 1 : 0);
	if (timerfd_settime(s->fd, TFD_TIMER_ABSTIME, &spec, NULL) < 0) {
		g_debug("timerfd_settime: %s", g_strerror(errno));
		s->armed_us = -1;
		return;
	}
	s->armed_us = at_us;
}

static void source_free_all(void);

/* the source follows the first pending timer; it goes with the last one */
static void
source_update(void)
{
	DfudSimTimerEntry *first;

	if (g_sequence_is_empty(pending)) {
		source_free_all();
		return;
	}
	first = g_sequence_get(g_sequence_get_begin_iter(pending));
	source_arm(source, first->ready_us);
}

static gboolean
source_dispatch(GSource *gsource, GSourceFunc callback, gpointer user_data)
{
	DfudSimTimerSource *s = (DfudSimTimerSource *)gsource;
	gint64 now = g_get_monotonic_time();
	guint64 expirations;

	if (s->fd >= 0 && read(s->fd, &expirations, sizeof(expirations)) < 0 && errno != EAGAIN)
		g_debug("timerfd read: %s", g_strerror(errno));
	s->armed_us = -1;
	g_source_ref(gsource);
	/* the due timers, in order; a callback may add and remove timers (even the last one) */
	while (source == s) {
		DfudSimTimerEntry *e = g_sequence_get(g_sequence_get_begin_iter(pending));
		GSourceFunc func;
		gpointer data;

		if (e->ready_us > now) {
			source_arm(s, e->ready_us);
			break;
		}
		func = e->func;
		data = e->data;
		g_hash_table_remove(by_id, GUINT_TO_POINTER(e->id));
		g_sequence_remove(e->iter);
		if (g_sequence_is_empty(pending))
			source_free_all();
		func(data);
	}
	g_source_unref(gsource);
	return G_SOURCE_CONTINUE;
}

static void
source_finalize(GSource *gsource)
{
	DfudSimTimerSource *s = (DfudSimTimerSource *)gsource;

	if (s->fd >= 0)
		close(s->fd);
}

static GSourceFuncs source_funcs = {
    .dispatch = source_dispatch,
    .finalize = source_finalize,
};

static void
source_new(void)
{
	source = (DfudSimTimerSource *)g_source_new(&source_funcs, sizeof(DfudSimTimerSource));
	g_source_set_static_name(&source->source, "dfud-sim timers");
	source->armed_us = -1;
	source->fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (source->fd >= 0)
		g_source_add_unix_fd(&source->source, source->fd, G_IO_IN);
	else
		g_debug("timerfd_create: %s: millisecond timers", g_strerror(errno));
	g_source_attach(&source->source, NULL);
	pending = g_sequence_new(g_free);
	by_id = g_hash_table_new(g_direct_hash, g_direct_equal);
}

/* nothing pending: the source, the queue and the index go */
static void
source_free_all(void)
{
	if (source != NULL) {
		g_source_destroy(&source->source);
		g_source_unref(&source->source);
		source = NULL;
	}
	g_clear_pointer(&by_id, g_hash_table_unref);
	g_clear_pointer(&pending, g_sequence_free);
}

guint
dfud_sim_timer_add(gint64 ready_us, GSourceFunc func, gpointer data)
{
	DfudSimTimerEntry *e;

	g_return_val_if_fail(func != NULL, 0);
	if (source == NULL)
		source_new();
	e = g_new0(DfudSimTimerEntry, 1);
	do {
		e->id = next_id++;
	} while (e->id == 0 || g_hash_table_contains(by_id, GUINT_TO_POINTER(e->id)));
	e->ready_us = MAX(ready_us, 0);
	e->func = func;
	e->data = data;
	e->iter = g_sequence_insert_sorted(pending, e, entry_compare, NULL);
	g_hash_table_insert(by_id, GUINT_TO_POINTER(e->id), e);
	source_update();
	return e->id;
}

gboolean
dfud_sim_timer_remove(guint id)
{
	DfudSimTimerEntry *e;

	if (by_id == NULL || id == 0)
		return FALSE;
	e = g_hash_table_lookup(by_id, GUINT_TO_POINTER(id));
	if (e == NULL)
		return FALSE;
	g_hash_table_remove(by_id, GUINT_TO_POINTER(id));
	g_sequence_remove(e->iter);
	source_update();
	return TRUE;
}

gint64
dfud_sim_timer_deadline(gint64 now_us, gint64 delay_us, gdouble scale)
{
	gdouble scaled;
	gdouble nearest;

	if (delay_us <= 0 || !(scale > 0.0))
		return now_us;
	scaled = (gdouble)delay_us * scale;
	nearest = round(scaled);
	/* 1500 * 0.1 is 150.00000000000003: that is 150, not 151 */
	scaled = fabs(scaled - nearest) < 1e-6 ? nearest : ceil(scaled);
	if (scaled >= (gdouble)(G_MAXINT64 - now_us))
		return G_MAXINT64;
	return now_us + (gint64)scaled;
}

guint
dfud_sim_timer_pending(void)
{
	return pending != NULL ? (guint)g_sequence_get_length(pending) : 0;
}
