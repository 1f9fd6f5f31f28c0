/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * DfudFdWatch: many descriptors behind one epoll set per main context
 */
#define G_LOG_DOMAIN "TestFdWatch"

#include "config.h"

#include <fcntl.h>
#include <glib-unix.h>
#include <glib.h>
#include <string.h>
#include <unistd.h>

#include "dfud-fd-watch.h"

typedef struct {
	gint fds[2]; /* a pipe: [0] watched, [1] written */
	DfudFdWatch *watch;
	guint calls;
	GIOCondition last;
	gboolean drain;
	DfudFdWatch **free_other; /* a watch this one's callback frees */
	gboolean free_self;
} Pipe;

static void
pipe_cb(gint fd, GIOCondition condition, gpointer user_data)
{
	Pipe *p = user_data;
	gchar buf[64];

	g_assert_cmpint(fd, ==, p->fds[0]);
	p->calls++;
	p->last = condition;
	if (p->drain) {
		while (read(fd, buf, sizeof(buf)) > 0)
			;
	}
	if (p->free_other != NULL)
		g_clear_pointer(p->free_other, dfud_fd_watch_free);
	if (p->free_self)
		g_clear_pointer(&p->watch, dfud_fd_watch_free);
}

static void
pipe_open(Pipe *p, GMainContext *context)
{
	g_autoptr(GError) error = NULL;

	memset(p, 0, sizeof(*p));
	g_assert_true(g_unix_open_pipe(p->fds, FD_CLOEXEC, &error));
	g_assert_no_error(error);
	g_assert_true(g_unix_set_fd_nonblocking(p->fds[0], TRUE, &error));
	g_assert_no_error(error);
	p->watch = dfud_fd_watch_new(context, p->fds[0], G_IO_IN, pipe_cb, p, &error);
	g_assert_no_error(error);
	g_assert_nonnull(p->watch);
	p->drain = TRUE;
}

static void
pipe_close(Pipe *p)
{
	g_clear_pointer(&p->watch, dfud_fd_watch_free);
	close(p->fds[0]);
	if (p->fds[1] >= 0)
		close(p->fds[1]);
}

static void
pipe_poke(Pipe *p)
{
	g_assert_cmpint(write(p->fds[1], "x", 1), ==, 1);
}

/* iterates @context until nothing is left to dispatch */
static void
settle(GMainContext *context)
{
	while (g_main_context_iteration(context, FALSE))
		;
}

static guint
open_fds(void)
{
	g_autoptr(GDir) dir = g_dir_open("/proc/self/fd", 0, NULL);
	guint n = 0;

	g_assert_nonnull(dir);
	while (g_dir_read_name(dir) != NULL)
		n++;
	return n;
}

static void
test_ready(void)
{
	Pipe a, b;

	pipe_open(&a, NULL);
	pipe_open(&b, NULL);
	settle(NULL);
	g_assert_cmpuint(a.calls + b.calls, ==, 0);

	pipe_poke(&a);
	pipe_poke(&b);
	settle(NULL);
	g_assert_cmpuint(a.calls, ==, 1);
	g_assert_cmpuint(b.calls, ==, 1);
	g_assert_cmpuint(a.last & G_IO_IN, ==, G_IO_IN);

	/* level-triggered: what is left unread is reported again */
	a.drain = FALSE;
	pipe_poke(&a);
	g_assert_true(g_main_context_iteration(NULL, FALSE));
	g_assert_true(g_main_context_iteration(NULL, FALSE));
	g_assert_cmpuint(a.calls, ==, 3);
	a.drain = TRUE;
	settle(NULL);
	g_assert_cmpuint(a.calls, ==, 4);
	g_assert_cmpuint(b.calls, ==, 1);

	/* the writer gone: a hang-up (reported until the owner lets go of the watch) */
	close(a.fds[1]);
	a.fds[1] = -1;
	g_assert_true(g_main_context_iteration(NULL, FALSE));
	g_assert_cmpuint(a.last & G_IO_HUP, ==, G_IO_HUP);
	g_clear_pointer(&a.watch, dfud_fd_watch_free);

	pipe_close(&a);
	pipe_close(&b);
}

/* a watch freed by another's callback in the same batch is not called (ASan sees a use after
 * free otherwise), and one may free itself */
static void
test_free_in_callback(void)
{
	Pipe a, b;

	for (guint round = 0; round < 2; round++) {
		pipe_open(&a, NULL);
		pipe_open(&b, NULL);
		/* the batch order is the kernel's: whichever comes first frees the other */
		a.free_other = &b.watch;
		b.free_other = &a.watch;
		pipe_poke(&a);
		pipe_poke(&b);
		settle(NULL);
		g_assert_cmpuint(a.calls + b.calls, ==, 1);
		g_assert_true((a.watch == NULL) != (b.watch == NULL));
		pipe_close(&a);
		pipe_close(&b);
	}

	pipe_open(&a, NULL);
	a.free_self = TRUE;
	pipe_poke(&a);
	pipe_poke(&a);
	settle(NULL);
	g_assert_null(a.watch);
	g_assert_cmpuint(a.calls, ==, 1);
	pipe_poke(&a);
	settle(NULL);
	g_assert_cmpuint(a.calls, ==, 1);
	pipe_close(&a);
}

/* each context has its own set, and the set (its epoll descriptor) goes with its last watch */
static void
test_contexts(void)
{
	g_autoptr(GMainContext) other = g_main_context_new();
	guint before = open_fds();
	Pipe a, b;

	pipe_open(&a, NULL);
	pipe_open(&b, other);
	pipe_poke(&a);
	pipe_poke(&b);
	settle(NULL);
	g_assert_cmpuint(a.calls, ==, 1);
	g_assert_cmpuint(b.calls, ==, 0);
	settle(other);
	g_assert_cmpuint(b.calls, ==, 1);

	/* two pipes (four descriptors) and one epoll set per context */
	g_assert_cmpuint(open_fds(), ==, before + 4 + 2);
	g_clear_pointer(&a.watch, dfud_fd_watch_free);
	g_clear_pointer(&b.watch, dfud_fd_watch_free);
	g_assert_cmpuint(open_fds(), ==, before + 4);
	settle(NULL);
	settle(other);

	/* and a new one comes when needed */
	a.watch = dfud_fd_watch_new(NULL, a.fds[0], G_IO_IN, pipe_cb, &a, NULL);
	g_assert_nonnull(a.watch);
	pipe_poke(&a);
	settle(NULL);
	g_assert_cmpuint(a.calls, ==, 2);
	pipe_close(&a);
	pipe_close(&b);
	g_assert_cmpuint(open_fds(), ==, before);
}

/* a callback that iterates its context itself: the inner dispatch must not free what the outer
 * one still walks */
static void
nested_cb(gint fd, GIOCondition condition, gpointer user_data)
{
	Pipe *p = user_data;
	gchar buf[8];

	p->calls++;
	while (read(fd, buf, sizeof(buf)) > 0)
		;
	if (p->calls == 1) {
		g_clear_pointer(p->free_other, dfud_fd_watch_free);
		settle(NULL);
	}
}

static void
test_nested(void)
{
	g_autoptr(GError) error = NULL;
	Pipe a, b;

	pipe_open(&a, NULL);
	pipe_open(&b, NULL);
	dfud_fd_watch_free(a.watch);
	a.watch = dfud_fd_watch_new(NULL, a.fds[0], G_IO_IN, nested_cb, &a, &error);
	g_assert_no_error(error);
	a.free_other = &b.watch;
	b.free_other = &a.watch;
	pipe_poke(&a);
	settle(NULL);
	g_assert_cmpuint(a.calls, ==, 1);
	g_assert_null(b.watch);
	pipe_close(&a);
	pipe_close(&b);
}

static void
test_bad_descriptor(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(DfudFdWatch) watch = NULL;
	gint fds[2];
	guint before;

	g_assert_true(g_unix_open_pipe(fds, FD_CLOEXEC, NULL));
	close(fds[0]);
	close(fds[1]);
	before = open_fds();
	watch = dfud_fd_watch_new(NULL, fds[0], G_IO_IN, pipe_cb, NULL, &error);
	g_assert_null(watch);
	g_assert_nonnull(error);
	/* nothing left behind by the failure */
	g_assert_cmpuint(open_fds(), ==, before);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/fd-watch/ready", test_ready);
	g_test_add_func("/fd-watch/free-in-callback", test_free_in_callback);
	g_test_add_func("/fd-watch/contexts", test_contexts);
	g_test_add_func("/fd-watch/nested", test_nested);
	g_test_add_func("/fd-watch/bad-descriptor", test_bad_descriptor);
	return g_test_run();
}
