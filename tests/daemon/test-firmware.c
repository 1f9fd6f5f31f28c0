/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * dd-firmware: a caller's descriptor read to its end, bounded in time (a pipe never closed),
 * in memory (all reads together, the results until freed), and ended at once when cancelled,
 * its descriptor closed.
 */
#define G_LOG_DOMAIN "TestFirmware"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "dd-firmware.h"
#include "dfud-error.h"

#define KIB 1024
/* every wait of these tests ends */
#define WAIT_US (10 * G_USEC_PER_SEC)

typedef struct {
	gboolean done;
	GBytes *bytes;
	GError *error;
	gint64 done_us;
} Result;

static void
result_clear(Result *r)
{
	g_clear_pointer(&r->bytes, g_bytes_unref);
	g_clear_error(&r->error);
	r->done = FALSE;
}

static void
read_cb(GObject *source, GAsyncResult *res, gpointer user_data)
{
	Result *r = user_data;

	g_assert_false(r->done);
	r->bytes = dd_firmware_read_finish(res, &r->error);
	g_assert_true((r->bytes == NULL) != (r->error == NULL));
	r->done = TRUE;
	r->done_us = g_get_monotonic_time();
}

static void
wait_done(Result *r)
{
	gint64 deadline = g_get_monotonic_time() + WAIT_US;

	while (!r->done) {
		g_assert_cmpint(g_get_monotonic_time(), <, deadline);
		g_main_context_iteration(NULL, TRUE);
	}
}

/* runs the main loop for @ms */
static void
spin_ms(guint ms)
{
	gint64 end = g_get_monotonic_time() + ms * 1000;

	while (g_get_monotonic_time() < end) {
		while (g_main_context_iteration(NULL, FALSE))
			;
		g_usleep(1000);
	}
}

static gboolean
fd_is_open(gint fd)
{
	return fcntl(fd, F_GETFD) >= 0 || errno != EBADF;
}

/* a file's descriptor goes with its task, which its worker thread may hold a moment longer */
static void
wait_closed(gint fd)
{
	gint64 deadline = g_get_monotonic_time() + WAIT_US;

	while (fd_is_open(fd)) {
		g_assert_cmpint(g_get_monotonic_time(), <, deadline);
		spin_ms(1);
	}
}

static DdFirmwareLimits
limits(gsize max_size, gsize max_memory, guint timeout_ms)
{
	DdFirmwareLimits l = {
	    .max_size = max_size, .max_memory = max_memory, .timeout_ms = timeout_ms};
	return l;
}

/* writes @len bytes into the non-blocking @wfd while the main loop lets dfud read them */
static void
feed(gint wfd, gsize len)
{
	g_autofree guint8 *buf = g_malloc0(len);
	gint64 deadline = g_get_monotonic_time() + WAIT_US;
	gsize off = 0;

	while (off < len) {
		gssize n = write(wfd, buf + off, len - off);

		if (n < 0) {
			g_assert_cmpint(errno, ==, EAGAIN);
			g_assert_cmpint(g_get_monotonic_time(), <, deadline);
			spin_ms(1);
			continue;
		}
		off += (gsize)n;
	}
}

static void
open_pipe(gint fds[2])
{
	g_assert_no_errno(pipe2(fds, O_CLOEXEC));
	g_assert_no_errno(fcntl(fds[1], F_SETFL, O_NONBLOCK));
}

static void
test_pipe_timeout(void)
{
	DdFirmwareLimits l = limits(1024 * KIB, 4096 * KIB, 200);
	Result r = {0};
	gint fds[2];
	gint64 t0;

	open_pipe(fds);
	g_assert_cmpint(write(fds[1], "1234567", 7), ==, 7);
	t0 = g_get_monotonic_time();
	dd_firmware_read_async(fds[0], &l, NULL, NULL, read_cb, &r);
	wait_done(&r);
	g_test_message("%s", r.error->message);
	g_assert_error(r.error, DFUD_ERROR, DFUD_ERROR_TIMEOUT);
	g_assert_nonnull(strstr(r.error->message, "FirmwareRead"));
	g_assert_nonnull(strstr(r.error->message, "7 bytes came"));
	g_assert_cmpint(r.done_us - t0, >=, 190 * 1000);
	g_assert_cmpint(r.done_us - t0, <, 2 * G_USEC_PER_SEC);
	/* the read end is closed: the writer sees it */
	g_assert_cmpint(write(fds[1], "x", 1), ==, -1);
	g_assert_cmpint(errno, ==, EPIPE);
	g_assert_cmpuint(dd_firmware_get_memory_in_use(), ==, 0);
	close(fds[1]);
	result_clear(&r);
}

static void
test_pipe_cancel(void)
{
	DdFirmwareLimits l = limits(1024 * KIB, 4096 * KIB, 60 * 1000);
	g_autoptr(GCancellable) cancellable = g_cancellable_new();
	Result r = {0};
	gint fds[2];
	gint64 t0;

	open_pipe(fds);
	dd_firmware_read_async(fds[0], &l, NULL, cancellable, read_cb, &r);
	feed(fds[1], 100 * KIB);
	spin_ms(50);
	g_assert_false(r.done);
	g_assert_cmpuint(dd_firmware_get_memory_in_use(), >=, 100 * KIB);
	t0 = g_get_monotonic_time();
	g_cancellable_cancel(cancellable);
	g_assert_false(r.done); /* never from within the cancellation */
	wait_done(&r);
	g_assert_error(r.error, DFUD_ERROR, DFUD_ERROR_CANCELLED);
	g_assert_cmpint(r.done_us - t0, <, G_USEC_PER_SEC);
	g_assert_cmpint(write(fds[1], "x", 1), ==, -1);
	g_assert_cmpint(errno, ==, EPIPE);
	g_assert_cmpuint(dd_firmware_get_memory_in_use(), ==, 0);
	close(fds[1]);
	result_clear(&r);

	/* cancelled before it starts */
	open_pipe(fds);
	dd_firmware_read_async(fds[0], &l, NULL, cancellable, read_cb, &r);
	wait_done(&r);
	g_assert_error(r.error, DFUD_ERROR, DFUD_ERROR_CANCELLED);
	close(fds[1]);
	result_clear(&r);
}

static void
test_memory(void)
{
	/* two of 200 KiB do not fit in 320 KiB */
	DdFirmwareLimits l = limits(1024 * KIB, 320 * KIB, 60 * 1000);
	Result a = {0};
	Result b = {0};
	gint pa[2];
	gint pb[2];
	gsize held;

	open_pipe(pa);
	dd_firmware_read_async(pa[0], &l, NULL, NULL, read_cb, &a);
	feed(pa[1], 200 * KIB);
	spin_ms(20);
	held = dd_firmware_get_memory_in_use();
	g_assert_cmpuint(held, >=, 200 * KIB);
	g_assert_cmpuint(held, <=, 320 * KIB);

	open_pipe(pb);
	dd_firmware_read_async(pb[0], &l, NULL, NULL, read_cb, &b);
	/* refused at once, not at the timeout: its writer sees the pipe close */
	while (!b.done) {
		gssize n = write(pb[1], (const guint8[4096]){0}, 4096);

		g_assert_true(n > 0 || errno == EAGAIN || errno == EPIPE);
		spin_ms(1);
	}
	g_test_message("%s", b.error->message);
	g_assert_error(b.error, DFUD_ERROR, DFUD_ERROR_BUSY);
	g_assert_nonnull(strstr(b.error->message, "MaxFirmwareReadMemory"));
	g_assert_cmpuint(dd_firmware_get_memory_in_use(), ==, held);
	g_assert_false(a.done);

	/* the first one ends; its result keeps its memory counted until it is freed */
	close(pa[1]);
	wait_done(&a);
	g_assert_no_error(a.error);
	g_assert_cmpuint(g_bytes_get_size(a.bytes), ==, 200 * KIB);
	g_assert_cmpuint(dd_firmware_get_memory_in_use(), >=, 200 * KIB);
	g_assert_cmpuint(dd_firmware_get_memory_in_use(), <, 204 * KIB);
	result_clear(&a);
	g_assert_cmpuint(dd_firmware_get_memory_in_use(), ==, 0);
	close(pb[1]);
	result_clear(&b);
}

static gint
temp_file(gsize len, guint8 fill)
{
	g_autofree guint8 *buf = g_malloc(len);
	g_autoptr(GError) error = NULL;
	g_autofree gchar *path = NULL;
	gint fd = g_file_open_tmp("dfud-test-firmware-XXXXXX", &path, &error);

	g_assert_no_error(error);
	g_unlink(path);
	memset(buf, fill, len);
	g_assert_cmpint(write(fd, buf, len), ==, (gssize)len);
	return fd;
}

static void
test_file(void)
{
	DdFirmwareLimits l = limits(1024 * KIB, 4096 * KIB, 60 * 1000);
	g_autofree guint8 *want = g_malloc(300 * KIB);
	Result r = {0};
	gint fd = temp_file(300 * KIB, 0x5a);

	memset(want, 0x5a, 300 * KIB);
	dd_firmware_read_async(fd, &l, NULL, NULL, read_cb, &r);
	wait_done(&r);
	g_assert_no_error(r.error);
	g_assert_cmpmem(g_bytes_get_data(r.bytes, NULL), g_bytes_get_size(r.bytes), want,
			300 * KIB);
	g_assert_cmpuint(dd_firmware_get_memory_in_use(), >=, 300 * KIB);
	result_clear(&r);
	g_assert_cmpuint(dd_firmware_get_memory_in_use(), ==, 0);
	wait_closed(fd);

	/* larger than MaxFirmwareSize, as a file and as a pipe */
	l = limits(64 * KIB, 4096 * KIB, 60 * 1000);
	fd = temp_file(64 * KIB + 1, 1);
	dd_firmware_read_async(fd, &l, NULL, NULL, read_cb, &r);
	wait_done(&r);
	g_assert_error(r.error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT);
	g_assert_nonnull(strstr(r.error->message, "MaxFirmwareSize"));
	result_clear(&r);
	{
		gint fds[2];

		open_pipe(fds);
		dd_firmware_read_async(fds[0], &l, NULL, NULL, read_cb, &r);
		feed(fds[1], 64 * KIB + 1);
		close(fds[1]);
		wait_done(&r);
		g_assert_error(r.error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT);
		result_clear(&r);
	}
	g_assert_cmpuint(dd_firmware_get_memory_in_use(), ==, 0);
}

/* a file waiting for its turn: cancelled, it ends at once with its descriptor */
static void
test_file_queued(void)
{
	DdFirmwareLimits l = limits(4096 * KIB, 16384 * KIB, 60 * 1000);
	g_autoptr(GCancellable) cancellable = g_cancellable_new();
	Result first = {0};
	Result second = {0};
	gint fd1 = temp_file(2048 * KIB, 1);
	gint fd2 = temp_file(2048 * KIB, 2);

	dd_firmware_read_async(fd1, &l, NULL, NULL, read_cb, &first);
	dd_firmware_read_async(fd2, &l, NULL, cancellable, read_cb, &second);
	g_cancellable_cancel(cancellable);
	wait_done(&second);
	g_assert_error(second.error, DFUD_ERROR, DFUD_ERROR_CANCELLED);
	/* it never reached a thread: closed with the callback */
	g_assert_false(fd_is_open(fd2));
	g_assert_false(first.done);
	wait_done(&first);
	g_assert_no_error(first.error);
	g_assert_cmpuint(g_bytes_get_size(first.bytes), ==, 2048 * KIB);
	result_clear(&first);
	result_clear(&second);

	/* the same timing out while it waits */
	l.timeout_ms = 1;
	fd1 = temp_file(2048 * KIB, 1);
	dd_firmware_read_async(fd1, &l, NULL, NULL, read_cb, &first);
	g_assert_false(first.done);
	wait_done(&first);
	g_test_message("%s", first.error != NULL ? first.error->message : "read");
	/* a fast machine may have read it within the millisecond */
	if (first.error != NULL)
		g_assert_error(first.error, DFUD_ERROR, DFUD_ERROR_TIMEOUT);
	result_clear(&first);
	spin_ms(50);
	g_assert_cmpuint(dd_firmware_get_memory_in_use(), ==, 0);
}

static void
test_not_a_file(void)
{
	DdFirmwareLimits l = limits(1024 * KIB, 4096 * KIB, 60 * 1000);
	Result r = {0};
	gint fd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	g_assert_cmpint(fd, >=, 0);
	dd_firmware_read_async(fd, &l, NULL, NULL, read_cb, &r);
	wait_done(&r);
	g_assert_error(r.error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT);
	g_assert_false(fd_is_open(fd));
	result_clear(&r);

	/* an empty pipe */
	{
		gint fds[2];

		open_pipe(fds);
		close(fds[1]);
		dd_firmware_read_async(fds[0], &l, NULL, NULL, read_cb, &r);
		wait_done(&r);
		g_assert_error(r.error, DFUD_ERROR, DFUD_ERROR_IMAGE_EMPTY);
		result_clear(&r);
	}
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	/* a write to a pipe dfud closed is EPIPE here, which the tests look for */
	signal(SIGPIPE, SIG_IGN);
	g_test_add_func("/daemon/firmware/pipe-timeout", test_pipe_timeout);
	g_test_add_func("/daemon/firmware/pipe-cancel", test_pipe_cancel);
	g_test_add_func("/daemon/firmware/memory", test_memory);
	g_test_add_func("/daemon/firmware/file", test_file);
	g_test_add_func("/daemon/firmware/file-queued", test_file_queued);
	g_test_add_func("/daemon/firmware/not-a-file", test_not_a_file);
	return g_test_run();
}
