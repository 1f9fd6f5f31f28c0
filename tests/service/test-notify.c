/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * dd-notify against a stand-in service manager: a datagram socket named in NOTIFY_SOCKET.
 */
#define G_LOG_DOMAIN "DfudTestNotify"

#include "config.h"

#include <glib/gstdio.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "dd-notify.h"

typedef struct {
	gchar *dir;
	gchar *path;
	int fd;
} Fixture;

static void
fixture_setup(Fixture *f, gconstpointer user_data)
{
	g_autoptr(GError) error = NULL;
	struct sockaddr_un addr = {.sun_family = AF_UNIX};

	f->dir = g_dir_make_tmp("dfud-test-notify-XXXXXX", &error);
	g_assert_no_error(error);
	f->path = g_build_filename(f->dir, "notify", NULL);
	g_assert_cmpuint(strlen(f->path), <, sizeof(addr.sun_path));
	strcpy(addr.sun_path, f->path);
	f->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	g_assert_cmpint(f->fd, >=, 0);
	g_assert_cmpint(bind(f->fd, (struct sockaddr *)&addr, sizeof(addr)), ==, 0);
	g_setenv("NOTIFY_SOCKET", f->path, TRUE);
	g_unsetenv("WATCHDOG_USEC");
	g_unsetenv("WATCHDOG_PID");
}

static void
fixture_teardown(Fixture *f, gconstpointer user_data)
{
	g_unsetenv("NOTIFY_SOCKET");
	g_unsetenv("WATCHDOG_USEC");
	g_unsetenv("WATCHDOG_PID");
	close(f->fd);
	g_assert_cmpint(g_unlink(f->path), ==, 0);
	g_assert_cmpint(g_rmdir(f->dir), ==, 0);
	g_free(f->path);
	g_free(f->dir);
}

/* the next datagram, or NULL if none comes within @timeout_ms */
static gchar *
receive(Fixture *f, int timeout_ms)
{
	struct pollfd pfd = {.fd = f->fd, .events = POLLIN};
	gchar buf[4096];
	ssize_t n;

	if (poll(&pfd, 1, timeout_ms) <= 0)
		return NULL;
	n = recv(f->fd, buf, sizeof(buf) - 1, 0);
	g_assert_cmpint(n, >=, 0);
	buf[n] = '\0';
	return g_strdup(buf);
}

static void
assert_receive(Fixture *f, const gchar *expected)
{
	g_autofree gchar *got = receive(f, 2000);

	g_assert_cmpstr(got, ==, expected);
}

static void
assert_nothing(Fixture *f)
{
	g_autofree gchar *got = receive(f, 50);

	g_assert_null(got);
}

static void
test_states(Fixture *f, gconstpointer user_data)
{
	dd_notify_ready();
	assert_receive(f, "READY=1");
	dd_notify_status("Idle");
	assert_receive(f, "STATUS=Idle");
	dd_notify_status("Updating %u devices", 3u);
	assert_receive(f, "STATUS=Updating 3 devices");
	/* a device name with a newline must not smuggle in another assignment */
	dd_notify_status("Updating %s", "x\nREADY=1\r");
	assert_receive(f, "STATUS=Updating x READY=1 ");
	dd_notify_stopping();
	assert_receive(f, "STOPPING=1");
	assert_nothing(f);
}

static void
test_no_manager(Fixture *f, gconstpointer user_data)
{
	g_unsetenv("NOTIFY_SOCKET");
	dd_notify_ready();
	dd_notify_status("Idle");
	dd_notify_stopping();
	g_setenv("WATCHDOG_USEC", "100000", TRUE);
	g_setenv("WATCHDOG_PID", "1", TRUE);
	g_assert_cmpuint(dd_notify_watchdog_start(), ==, 0);
	assert_nothing(f);

	/* a socket that is gone is no reason to fail */
	g_setenv("NOTIFY_SOCKET", "/nonexistent/notify", TRUE);
	dd_notify_ready();
	dd_notify_status("Idle");
	assert_nothing(f);
}

static gboolean
quit_cb(gpointer user_data)
{
	*(gboolean *)user_data = TRUE;
	return G_SOURCE_REMOVE;
}

static void
test_watchdog(Fixture *f, gconstpointer user_data)
{
	g_autofree gchar *pid = g_strdup_printf("%d", (int)getpid());
	gboolean done = FALSE;
	guint pings = 0;
	guint id;

	/* not asked for: no pings */
	g_assert_cmpuint(dd_notify_watchdog_start(), ==, 0);
	assert_nothing(f);

	/* asked for another process: not ours */
	g_setenv("WATCHDOG_USEC", "200000", TRUE);
	g_setenv("WATCHDOG_PID", "1", TRUE);
	g_assert_cmpuint(dd_notify_watchdog_start(), ==, 0);
	assert_nothing(f);

	/* 200 ms: a ping at once, then every 100 ms from the main loop */
	g_setenv("WATCHDOG_PID", pid, TRUE);
	id = dd_notify_watchdog_start();
	g_assert_cmpuint(id, !=, 0);
	assert_receive(f, "WATCHDOG=1");
	g_timeout_add(450, quit_cb, &done);
	while (!done)
		g_main_context_iteration(NULL, TRUE);
	for (;;) {
		g_autofree gchar *got = receive(f, 0);

		if (got == NULL)
			break;
		g_assert_cmpstr(got, ==, "WATCHDOG=1");
		pings++;
	}
	g_assert_cmpuint(pings, >=, 2);
	g_assert_cmpuint(pings, <=, 5);
	g_source_remove(id);

	/* nonsense from the service manager: a warning, no watchdog */
	g_setenv("WATCHDOG_USEC", "soon", TRUE);
	g_test_expect_message("DfudNotify", G_LOG_LEVEL_WARNING, "bad watchdog settings*");
	g_assert_cmpuint(dd_notify_watchdog_start(), ==, 0);
	g_test_assert_expected_messages();
	assert_nothing(f);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);

	g_test_add("/service/notify/states", Fixture, NULL, fixture_setup, test_states,
		   fixture_teardown);
	g_test_add("/service/notify/no-manager", Fixture, NULL, fixture_setup, test_no_manager,
		   fixture_teardown);
	g_test_add("/service/notify/watchdog", Fixture, NULL, fixture_setup, test_watchdog,
		   fixture_teardown);
	return g_test_run();
}
