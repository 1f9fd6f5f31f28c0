/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * dfud_transport_open_within_async against a transport whose open ends only when it is
 * cancelled (a device that never answers), or at once when told to succeed.
 */
#define G_LOG_DOMAIN "TestOpenWithin"

#include "dfud-error.h"
#include "transport/dfud-transport.h"

#define TEST_TYPE_STUCK (test_stuck_get_type())
G_DECLARE_FINAL_TYPE(TestStuck, test_stuck, TEST, STUCK, DfudTransport)

struct _TestStuck {
	DfudTransport parent_instance;
	gboolean succeed;
	guint opens;
};

G_DEFINE_TYPE(TestStuck, test_stuck, DFUD_TYPE_TRANSPORT)

static void
stuck_cancelled(GCancellable *cancellable, gpointer user_data)
{
	GTask *task = user_data;
	g_task_return_new_error(task, G_IO_ERROR, G_IO_ERROR_CANCELLED, "open cancelled");
	g_object_unref(task);
}

static void
stuck_open_async(DfudTransport *transport, GCancellable *cancellable,
		 GAsyncReadyCallback callback, gpointer user_data)
{
	TestStuck *self = TEST_STUCK(transport);
	GTask *task = g_task_new(self, NULL, callback, user_data);

	self->opens++;
	if (self->succeed) {
		dfud_transport_set_open(transport, TRUE);
		g_task_return_boolean(task, TRUE);
		g_object_unref(task);
		return;
	}
	/* never completes by itself: only a cancel ends it */
	g_assert_nonnull(cancellable);
	g_cancellable_connect(cancellable, G_CALLBACK(stuck_cancelled), task, NULL);
}

static gboolean
stuck_open_finish(DfudTransport *transport, GAsyncResult *res, GError **error)
{
	return g_task_propagate_boolean(G_TASK(res), error);
}

static void
test_stuck_class_init(TestStuckClass *klass)
{
	DFUD_TRANSPORT_CLASS(klass)->open_async = stuck_open_async;
	DFUD_TRANSPORT_CLASS(klass)->open_finish = stuck_open_finish;
}

static void
test_stuck_init(TestStuck *self)
{
	dfud_transport_set_uri(DFUD_TRANSPORT(self), "udp:test:1");
}

typedef struct {
	GMainLoop *loop;
	gboolean ok;
	GError *error;
} Result;

static void
opened(GObject *source, GAsyncResult *res, gpointer user_data)
{
	Result *r = user_data;
	r->ok = dfud_transport_open_within_finish(DFUD_TRANSPORT(source), res, &r->error);
	g_main_loop_quit(r->loop);
}

static gboolean
cancel_now(gpointer user_data)
{
	g_cancellable_cancel(G_CANCELLABLE(user_data));
	return G_SOURCE_REMOVE;
}

static gboolean
quit_loop(gpointer user_data)
{
	g_main_loop_quit(user_data);
	return G_SOURCE_REMOVE;
}

static void
test_deadline(void)
{
	g_autoptr(TestStuck) t = g_object_new(TEST_TYPE_STUCK, NULL);
	g_autoptr(GMainLoop) loop = g_main_loop_new(NULL, FALSE);
	g_autoptr(GCancellable) cancellable = g_cancellable_new();
	Result r = {loop, FALSE, NULL};

	dfud_transport_open_within_async(DFUD_TRANSPORT(t), 50, cancellable, opened, &r);
	g_main_loop_run(loop);
	g_assert_false(r.ok);
	g_assert_error(r.error, DFUD_ERROR, DFUD_ERROR_TIMEOUT);
	/* with what the transport said when it was stopped */
	g_assert_cmpstr(r.error->message, ==,
			"connect: no link to udp:test:1 within 50 ms: open cancelled");
	g_assert_false(g_cancellable_is_cancelled(cancellable));
	g_clear_error(&r.error);
}

static void
test_caller_cancel(void)
{
	g_autoptr(TestStuck) t = g_object_new(TEST_TYPE_STUCK, NULL);
	g_autoptr(GMainLoop) loop = g_main_loop_new(NULL, FALSE);
	g_autoptr(GCancellable) cancellable = g_cancellable_new();
	Result r = {loop, FALSE, NULL};
	gint64 start = g_get_monotonic_time();

	/* the caller's cancel must reach the open: long before the 60 s deadline */
	dfud_transport_open_within_async(DFUD_TRANSPORT(t), 60000, cancellable, opened, &r);
	g_timeout_add(20, cancel_now, cancellable);
	g_main_loop_run(loop);
	g_assert_false(r.ok);
	g_assert_error(r.error, DFUD_ERROR, DFUD_ERROR_CANCELLED);
	g_assert_cmpint(g_get_monotonic_time() - start, <, 5 * G_USEC_PER_SEC);
	g_clear_error(&r.error);
}

static void
test_success(void)
{
	g_autoptr(TestStuck) t = g_object_new(TEST_TYPE_STUCK, NULL);
	g_autoptr(GMainLoop) loop = g_main_loop_new(NULL, FALSE);
	Result r = {loop, FALSE, NULL};

	t->succeed = TRUE;
	dfud_transport_open_within_async(DFUD_TRANSPORT(t), 20, NULL, opened, &r);
	g_main_loop_run(loop);
	g_assert_no_error(r.error);
	g_assert_true(r.ok);
	g_assert_true(dfud_transport_is_open(DFUD_TRANSPORT(t)));
	/* the deadline timer is gone with the open: nothing fires later */
	g_timeout_add(60, quit_loop, loop);
	g_main_loop_run(loop);
	g_assert_cmpuint(t->opens, ==, 1);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/transport/open-within/deadline", test_deadline);
	g_test_add_func("/transport/open-within/caller-cancel", test_caller_cancel);
	g_test_add_func("/transport/open-within/success", test_success);
	return g_test_run();
}
