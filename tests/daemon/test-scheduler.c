/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "TestScheduler"

#include "config.h"

#include "dd-scheduler.h"
#include "dfud-error.h"

typedef struct {
	GPtrArray *slots; /* of DdSlot, in the order they were handed out */
	GPtrArray *order; /* of gchar* labels */
	guint failed;
} Fixture;

static void
acquired(GObject *source, GAsyncResult *res, gpointer user_data)
{
	Fixture *fx = g_object_get_data(source, "fx");
	g_autoptr(GError) error = NULL;
	DdSlot *slot = dd_scheduler_acquire_finish(DD_SCHEDULER(source), res, &error);

	if (slot == NULL) {
		g_assert_error(error, DFUD_ERROR, DFUD_ERROR_CANCELLED);
		fx->failed++;
		g_free(user_data);
		return;
	}
	g_ptr_array_add(fx->slots, slot);
	g_ptr_array_add(fx->order, user_data);
}

static void
spin(void)
{
	for (guint i = 0; i < 10; i++)
		while (g_main_context_iteration(NULL, FALSE))
			;
}

static void
fixture_init(Fixture *fx)
{
	fx->slots = g_ptr_array_new();
	fx->order = g_ptr_array_new_with_free_func(g_free);
	fx->failed = 0;
}

static void
fixture_clear(Fixture *fx)
{
	for (guint i = 0; i < fx->slots->len; i++)
		dd_slot_release(g_ptr_array_index(fx->slots, i));
	g_ptr_array_unref(fx->slots);
	g_ptr_array_unref(fx->order);
}

/* the overall limit holds and waiters are served first come, first served */
static void
test_total_limit(void)
{
	g_autoptr(DdScheduler) sched = dd_scheduler_new(2, 8);
	Fixture fx;

	fixture_init(&fx);
	g_object_set_data(G_OBJECT(sched), "fx", &fx);
	for (guint i = 0; i < 4; i++)
		dd_scheduler_acquire_async(sched, NULL, NULL, acquired, g_strdup_printf("u%u", i));
	/* never completes in the caller's frame */
	g_assert_cmpuint(fx.slots->len, ==, 0);
	spin();
	g_assert_cmpuint(fx.slots->len, ==, 2);
	g_assert_cmpuint(dd_scheduler_get_in_use(sched), ==, 2);
	g_assert_cmpuint(dd_scheduler_get_waiting(sched), ==, 2);
	dd_slot_release(g_ptr_array_steal_index(fx.slots, 0));
	spin();
	g_assert_cmpuint(fx.slots->len, ==, 2);
	g_assert_cmpstr(g_ptr_array_index(fx.order, 2), ==, "u2");
	g_assert_cmpuint(dd_scheduler_get_waiting(sched), ==, 1);
	dd_slot_release(g_ptr_array_steal_index(fx.slots, 0));
	spin();
	g_assert_cmpstr(g_ptr_array_index(fx.order, 3), ==, "u3");
	g_assert_cmpuint(dd_scheduler_get_in_use(sched), ==, 2);
	g_assert_cmpuint(dd_scheduler_get_waiting(sched), ==, 0);
	fixture_clear(&fx);
	g_assert_cmpuint(dd_scheduler_get_in_use(sched), ==, 0);
}

/* a full adapter does not hold up a waiter for another adapter or for UDP */
static void
test_per_adapter(void)
{
	g_autoptr(DdScheduler) sched = dd_scheduler_new(8, 1);
	Fixture fx;

	fixture_init(&fx);
	g_object_set_data(G_OBJECT(sched), "fx", &fx);
	dd_scheduler_acquire_async(sched, "hci0", NULL, acquired, g_strdup("a"));
	dd_scheduler_acquire_async(sched, "hci0", NULL, acquired, g_strdup("b"));
	dd_scheduler_acquire_async(sched, "hci1", NULL, acquired, g_strdup("c"));
	dd_scheduler_acquire_async(sched, NULL, NULL, acquired, g_strdup("d"));
	spin();
	g_assert_cmpuint(fx.slots->len, ==, 3);
	g_assert_cmpstr(g_ptr_array_index(fx.order, 0), ==, "a");
	g_assert_cmpstr(g_ptr_array_index(fx.order, 1), ==, "c");
	g_assert_cmpstr(g_ptr_array_index(fx.order, 2), ==, "d");
	dd_slot_release(g_ptr_array_steal_index(fx.slots, 0));
	spin();
	g_assert_cmpstr(g_ptr_array_index(fx.order, 3), ==, "b");
	fixture_clear(&fx);
}

/* a cancelled waiter leaves the queue and gets CANCELLED; the slot goes to the next one */
static void
test_cancel(void)
{
	g_autoptr(DdScheduler) sched = dd_scheduler_new(1, 1);
	g_autoptr(GCancellable) cancellable = g_cancellable_new();
	Fixture fx;

	fixture_init(&fx);
	g_object_set_data(G_OBJECT(sched), "fx", &fx);
	dd_scheduler_acquire_async(sched, NULL, NULL, acquired, g_strdup("first"));
	dd_scheduler_acquire_async(sched, NULL, cancellable, acquired, g_strdup("cancelled"));
	dd_scheduler_acquire_async(sched, NULL, NULL, acquired, g_strdup("third"));
	spin();
	g_cancellable_cancel(cancellable);
	spin();
	g_assert_cmpuint(fx.failed, ==, 1);
	g_assert_cmpuint(dd_scheduler_get_waiting(sched), ==, 1);
	dd_slot_release(g_ptr_array_steal_index(fx.slots, 0));
	spin();
	g_assert_cmpstr(g_ptr_array_index(fx.order, 1), ==, "third");
	fixture_clear(&fx);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/daemon/scheduler/total-limit", test_total_limit);
	g_test_add_func("/daemon/scheduler/per-adapter", test_per_adapter);
	g_test_add_func("/daemon/scheduler/cancel", test_cancel);
	return g_test_run();
}
