/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "DfudTest"

#include "config.h"

#include "device/dfud-sim-timer.h"

/*
 * The microsecond timers: what fires, in which order (by time, then as added, even when
 * several fall due in one main loop iteration), never before its time, and what is left
 * pending. No assertion on how late a timer fires (that depends on the machine's load); the
 * lateness is printed with g_test_message() for whoever looks.
 */

#define N_TIMERS 6

typedef struct {
	gint64 ready_us;
	gint64 fired_us; /* 0: not fired */
	guint order;	 /* 1-based position among the fired ones */
	guint *counter;
} Shot;

static gboolean
on_shot(gpointer data)
{
	Shot *shot = data;

	g_assert_cmpint(shot->fired_us, ==, 0);
	shot->fired_us = g_get_monotonic_time();
	shot->order = ++*shot->counter;
	/* the return value is ignored: a timer fires once */
	return G_SOURCE_CONTINUE;
}

static gboolean
on_guard(gpointer data)
{
	gboolean *expired = data;

	*expired = TRUE;
	return G_SOURCE_REMOVE;
}

/* iterates until @want timers fired (and then a little more), failing after 10 s */
static void
run_until(guint *counter, guint want)
{
	gboolean expired = FALSE;
	guint guard = g_timeout_add_seconds(10, on_guard, &expired);

	while (*counter < want && !expired)
		g_main_context_iteration(NULL, TRUE);
	g_assert_false(expired);
	g_source_remove(guard);
	/* nothing else is due: one non-blocking pass more must not fire anything */
	g_main_context_iteration(NULL, FALSE);
}

static void
test_deadline(void)
{
	g_assert_cmpint(dfud_sim_timer_deadline(1000, 1500, 0.1), ==, 1150);
	g_assert_cmpint(dfud_sim_timer_deadline(1000, 1500, 1.0), ==, 2500);
	/* rounded up: never before the scaled time */
	g_assert_cmpint(dfud_sim_timer_deadline(0, 1, 0.5), ==, 1);
	g_assert_cmpint(dfud_sim_timer_deadline(0, 3, 1.0 / 3.0), ==, 1);
	g_assert_cmpint(dfud_sim_timer_deadline(10, 7, 0.3), ==, 13);
	/* nothing to wait: now */
	g_assert_cmpint(dfud_sim_timer_deadline(5, 0, 1.0), ==, 5);
	g_assert_cmpint(dfud_sim_timer_deadline(5, -10, 1.0), ==, 5);
	g_assert_cmpint(dfud_sim_timer_deadline(5, 100, 0.0), ==, 5);
	g_assert_cmpint(dfud_sim_timer_deadline(5, G_MAXINT64, 1000.0), ==, G_MAXINT64);
}

/* added in any order, they fire in the order of their ready times, none before its time */
static void
test_order(void)
{
	/* microseconds from now, out of order, two in the same millisecond, two equal (then the
	 * one added first fires first) */
	const gint64 offsets[N_TIMERS] = {3400, 650, 2100, 600, 0, 2100};
	Shot shots[N_TIMERS] = {0};
	guint counter = 0;
	gint64 now = g_get_monotonic_time();
	gint64 late_max = 0;

	for (guint i = 0; i < N_TIMERS; i++) {
		shots[i].ready_us = now + offsets[i];
		shots[i].counter = &counter;
		g_assert_cmpuint(dfud_sim_timer_add(shots[i].ready_us, on_shot, &shots[i]), >, 0);
	}
	g_assert_cmpuint(dfud_sim_timer_pending(), ==, N_TIMERS);
	run_until(&counter, N_TIMERS);
	g_assert_cmpuint(counter, ==, N_TIMERS);
	for (guint i = 0; i < N_TIMERS; i++) {
		guint earlier = 0;

		g_assert_cmpint(shots[i].fired_us, >=, shots[i].ready_us);
		late_max = MAX(late_max, shots[i].fired_us - shots[i].ready_us);
		for (guint j = 0; j < N_TIMERS; j++)
			earlier += offsets[j] < offsets[i] || (offsets[j] == offsets[i] && j < i);
		g_assert_cmpuint(shots[i].order, ==, earlier + 1);
	}
	g_assert_cmpuint(dfud_sim_timer_pending(), ==, 0);
	g_test_message("latest timer: %" G_GINT64_FORMAT " us after its time", late_max);
}

/* a removed timer never fires; the later ones still do, and the one after the removed first */
static void
test_remove(void)
{
	Shot shots[3] = {0};
	guint ids[3];
	guint counter = 0;
	gint64 now = g_get_monotonic_time();

	for (guint i = 0; i < 3; i++) {
		shots[i].ready_us = now + 500 + 700 * i;
		shots[i].counter = &counter;
		ids[i] = dfud_sim_timer_add(shots[i].ready_us, on_shot, &shots[i]);
	}
	/* the first one: the timerfd must move on to the second */
	g_assert_true(dfud_sim_timer_remove(ids[0]));
	g_assert_false(dfud_sim_timer_remove(ids[0]));
	g_assert_false(dfud_sim_timer_remove(0));
	g_assert_cmpuint(dfud_sim_timer_pending(), ==, 2);
	run_until(&counter, 2);
	g_assert_cmpint(shots[0].fired_us, ==, 0);
	g_assert_cmpuint(shots[1].order, ==, 1);
	g_assert_cmpuint(shots[2].order, ==, 2);
	g_assert_cmpint(shots[1].fired_us, >=, shots[1].ready_us);
	g_assert_cmpint(shots[2].fired_us, >=, shots[2].ready_us);
	g_assert_cmpuint(dfud_sim_timer_pending(), ==, 0);
	/* fired: nothing to remove */
	g_assert_false(dfud_sim_timer_remove(ids[1]));

	/* all removed: nothing pending, nothing fires */
	for (guint i = 0; i < 3; i++) {
		shots[i].fired_us = 0;
		ids[i] = dfud_sim_timer_add(g_get_monotonic_time() + 300, on_shot, &shots[i]);
	}
	for (guint i = 0; i < 3; i++)
		g_assert_true(dfud_sim_timer_remove(ids[i]));
	g_assert_cmpuint(dfud_sim_timer_pending(), ==, 0);
	g_usleep(1000);
	while (g_main_context_iteration(NULL, FALSE))
		;
	for (guint i = 0; i < 3; i++)
		g_assert_cmpint(shots[i].fired_us, ==, 0);
}

/*
 * Timers that fell due together run in the order of their times, not of their adding: the
 * main loop is held up past all of them before it runs.
 */
static void
test_due_together(void)
{
	Shot shots[N_TIMERS] = {0};
	guint counter = 0;
	gint64 now = g_get_monotonic_time();

	for (guint i = 0; i < N_TIMERS; i++) {
		/* the later added, the earlier due */
		shots[i].ready_us = now + 2000 - 100 * i;
		shots[i].counter = &counter;
		dfud_sim_timer_add(shots[i].ready_us, on_shot, &shots[i]);
	}
	g_usleep(5000);
	run_until(&counter, N_TIMERS);
	for (guint i = 0; i < N_TIMERS; i++)
		g_assert_cmpuint(shots[i].order, ==, N_TIMERS - i);
	g_assert_cmpuint(dfud_sim_timer_pending(), ==, 0);
}

/* a timer that removes another one due at the same time: that one does not run */
typedef struct {
	guint victim;
	gboolean victim_ran;
	guint counter;
} Removal;

static gboolean
on_remover(gpointer data)
{
	Removal *r = data;

	g_assert_true(dfud_sim_timer_remove(r->victim));
	r->counter++;
	return G_SOURCE_REMOVE;
}

static gboolean
on_victim(gpointer data)
{
	Removal *r = data;

	r->victim_ran = TRUE;
	return G_SOURCE_REMOVE;
}

static gboolean
on_count(gpointer data)
{
	Removal *r = data;

	r->counter++;
	return G_SOURCE_REMOVE;
}

static void
test_remove_from_callback(void)
{
	Removal r = {0};
	gint64 at = g_get_monotonic_time() + 500;

	dfud_sim_timer_add(at, on_remover, &r);
	r.victim = dfud_sim_timer_add(at, on_victim, &r);
	dfud_sim_timer_add(at + 1, on_count, &r);
	g_usleep(2000);
	run_until(&r.counter, 2);
	g_assert_false(r.victim_ran);
	g_assert_cmpuint(dfud_sim_timer_pending(), ==, 0);
}

/* a time already past (or 0) fires at the next iteration */
static void
test_past(void)
{
	Shot shots[2] = {0};
	guint counter = 0;

	shots[0].ready_us = g_get_monotonic_time() - 5000;
	shots[1].ready_us = 0;
	for (guint i = 0; i < 2; i++) {
		shots[i].counter = &counter;
		dfud_sim_timer_add(shots[i].ready_us, on_shot, &shots[i]);
	}
	run_until(&counter, 2);
	g_assert_cmpuint(shots[1].order, ==, 1);
	g_assert_cmpuint(shots[0].order, ==, 2);
	g_assert_cmpuint(dfud_sim_timer_pending(), ==, 0);
}

/* a timer added from a timer's callback (the device's request -> work -> response chain) */
typedef struct {
	guint counter;
	Shot next;
} Chain;

static gboolean
on_chain(gpointer data)
{
	Chain *chain = data;

	chain->next.ready_us = g_get_monotonic_time() + 800;
	chain->next.counter = &chain->counter;
	dfud_sim_timer_add(chain->next.ready_us, on_shot, &chain->next);
	chain->counter++;
	return G_SOURCE_REMOVE;
}

static void
test_chain(void)
{
	Chain chain = {0};

	dfud_sim_timer_add(g_get_monotonic_time() + 300, on_chain, &chain);
	run_until(&chain.counter, 2);
	g_assert_cmpint(chain.next.fired_us, >=, chain.next.ready_us);
	g_assert_cmpuint(dfud_sim_timer_pending(), ==, 0);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/sim/timer/deadline", test_deadline);
	g_test_add_func("/sim/timer/order", test_order);
	g_test_add_func("/sim/timer/remove", test_remove);
	g_test_add_func("/sim/timer/past", test_past);
	g_test_add_func("/sim/timer/due-together", test_due_together);
	g_test_add_func("/sim/timer/remove-from-callback", test_remove_from_callback);
	g_test_add_func("/sim/timer/chain", test_chain);
	return g_test_run();
}
