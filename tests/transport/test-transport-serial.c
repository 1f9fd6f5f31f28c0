/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The serial transport against a pseudo-terminal the test holds the other end of: its URIs,
 * what it opens, exclusivity, frames both ways with console noise, a hang-up, a reopen that
 * waits for the port to come back.
 */
#define G_LOG_DOMAIN "DfudTest"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib-unix.h>
#include <glib/gstdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "dfud-error.h"
#include "smp/dfud-smp-serial.h"
#include "transport/dfud-transport-serial.h"
#include "transport/dfud-transport-uri.h"
#include "transport/dfud-transport.h"

/* spec §3.1 echo request and its answer */
static const guint8 echo_req[] = {0x08, 0x00, 0x00, 0x06, 0x00, 0x00, 0x00,
				  0x00, 0xa1, 0x61, 0x64, 0x62, 0x68, 0x69};
static const guint8 echo_rsp[] = {0x09, 0x00, 0x00, 0x06, 0x00, 0x00, 0x00,
				  0x00, 0xa1, 0x61, 0x72, 0x62, 0x68, 0x69};

static void
test_serial_uri(void)
{
	static const struct {
		const gchar *uri;
		const gchar *canonical;
		guint baud, mtu;
		gboolean raw;
	} valid[] = {
	    {"serial:/dev/ttyACM0", "serial:/dev/ttyACM0?baud=115200", 115200, 0, FALSE},
	    {"serial:/dev/ttyUSB1?baud=1000000", "serial:/dev/ttyUSB1?baud=1000000", 1000000, 0,
	     FALSE},
	    {"serial:/dev/serial/by-id/usb-SEGGER_J-Link_000683000000-if00?mtu=512&baud=921600",
	     "serial:/dev/serial/by-id/usb-SEGGER_J-Link_000683000000-if00?baud=921600&mtu=512",
	     921600, 512, FALSE},
	    {"serial:/dev/ttyS0?framing=raw", "serial:/dev/ttyS0?baud=115200&framing=raw", 115200,
	     0, TRUE},
	    {"serial:/tmp/sim/tty?framing=smp", "serial:/tmp/sim/tty?baud=115200", 115200, 0,
	     FALSE},
	};
	static const gchar *const invalid[] = {
	    "serial:",
	    "serial:ttyACM0",
	    "serial:/dev/../etc/passwd",
	    "serial:/dev//ttyS0",
	    "serial:/dev/tty S0",
	    "serial:/dev/ttyS0?baud=12345",
	    "serial:/dev/ttyS0?baud=0",
	    "serial:/dev/ttyS0?mtu=95",
	    "serial:/dev/ttyS0?mtu=16385",
	    "serial:/dev/ttyS0?mtu=256&mtu=256",
	    "serial:/dev/ttyS0?parity=even",
	    "serial:/dev/ttyS0?framing=slip",
	    "serial:/dev/ttyS0?baud=9600&baud=9600",
	};

	for (guint i = 0; i < G_N_ELEMENTS(valid); i++) {
		g_autoptr(GError) error = NULL;
		g_autoptr(DfudTransportUri) uri = dfud_transport_uri_parse(valid[i].uri, &error);
		g_autofree gchar *canonical = NULL;
		g_autoptr(DfudTransport) transport = NULL;

		g_assert_no_error(error);
		g_assert_cmpint(uri->kind, ==, DFUD_TRANSPORT_URI_SERIAL);
		g_assert_cmpuint(uri->baud, ==, valid[i].baud);
		g_assert_cmpuint(uri->serial_mtu, ==, valid[i].mtu);
		g_assert_cmpint(uri->raw, ==, valid[i].raw);
		canonical = dfud_transport_uri_to_string(uri);
		g_assert_cmpstr(canonical, ==, valid[i].canonical);
		transport = dfud_transport_new_for_uri(valid[i].uri, &error);
		g_assert_no_error(error);
		g_assert_cmpstr(dfud_transport_get_uri(transport), ==, valid[i].canonical);
		/* the device's buffer takes the packet with its length and CRC (raw: none) */
		g_assert_cmpuint(dfud_transport_get_max_packet(transport), ==,
				 (valid[i].mtu != 0 ? valid[i].mtu : 256) - (valid[i].raw ? 0 : 4));
		g_assert_cmpuint(dfud_transport_get_max_in_flight(transport), ==, 1);
		g_assert_true(dfud_transport_is_lossy(transport));
		g_assert_false(dfud_transport_has_link(transport));
	}
	for (guint i = 0; i < G_N_ELEMENTS(invalid); i++) {
		g_autoptr(GError) error = NULL;
		g_autoptr(DfudTransportUri) uri = dfud_transport_uri_parse(invalid[i], &error);

		g_assert_null(uri);
		g_assert_error(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT);
	}
}

static void
test_serial_path_is_port(void)
{
	g_assert_true(dfud_transport_serial_path_is_port("/dev/ttyACM0"));
	g_assert_true(dfud_transport_serial_path_is_port("/dev/ttyUSB12"));
	g_assert_true(dfud_transport_serial_path_is_port("/dev/ttyS0"));
	g_assert_true(dfud_transport_serial_path_is_port("/dev/ttyAMA0"));
	g_assert_true(dfud_transport_serial_path_is_port("/dev/pts/3"));
	g_assert_true(dfud_transport_serial_path_is_port("/dev/rfcomm0"));
	g_assert_false(dfud_transport_serial_path_is_port("/dev/tty"));
	g_assert_false(dfud_transport_serial_path_is_port("/dev/tty1"));
	g_assert_false(dfud_transport_serial_path_is_port("/dev/pts/ptmx"));
	g_assert_false(dfud_transport_serial_path_is_port("/dev/watchdog"));
	g_assert_false(dfud_transport_serial_path_is_port("/dev/null"));
	g_assert_false(dfud_transport_serial_path_is_port("/etc/passwd"));
}

/* ---- against a PTY ---- */

typedef struct {
	gint master;
	gchar *dir;
	gchar *link; /* DIR/tty -> /dev/pts/N */
	GPtrArray *packets;
	GError *closed;
	GMainLoop *loop;
	guint timer;
} Fixture;

static void
pty_open(Fixture *f)
{
	gchar name[64];
	struct termios tio;
	gint slave;

	f->master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	g_assert_cmpint(f->master, >=, 0);
	g_assert_cmpint(grantpt(f->master), ==, 0);
	g_assert_cmpint(unlockpt(f->master), ==, 0);
	g_assert_cmpint(ptsname_r(f->master, name, sizeof(name)), ==, 0);
	/* raw before the transport opens it: no echo of the first bytes */
	slave = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
	g_assert_cmpint(slave, >=, 0);
	g_assert_cmpint(tcgetattr(slave, &tio), ==, 0);
	cfmakeraw(&tio);
	g_assert_cmpint(tcsetattr(slave, TCSANOW, &tio), ==, 0);
	close(slave);
	g_unlink(f->link);
	g_assert_cmpint(symlink(name, f->link), ==, 0);
}

static void
fixture_setup(Fixture *f, gconstpointer data)
{
	f->dir = g_dir_make_tmp("dfud-serial-XXXXXX", NULL);
	f->link = g_build_filename(f->dir, "tty", NULL);
	f->packets = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
	f->loop = g_main_loop_new(NULL, FALSE);
	pty_open(f);
}

static void
fixture_teardown(Fixture *f, gconstpointer data)
{
	if (f->master >= 0)
		close(f->master);
	g_unlink(f->link);
	g_rmdir(f->dir);
	g_free(f->link);
	g_free(f->dir);
	g_ptr_array_unref(f->packets);
	g_clear_error(&f->closed);
	g_main_loop_unref(f->loop);
}

static void
on_packet(DfudTransport *t, GBytes *packet, gpointer user_data)
{
	Fixture *f = user_data;

	g_ptr_array_add(f->packets, g_bytes_ref(packet));
	g_main_loop_quit(f->loop);
}

static void
on_closed(DfudTransport *t, const GError *reason, gpointer user_data)
{
	Fixture *f = user_data;

	g_clear_error(&f->closed);
	f->closed = g_error_copy(reason);
	g_main_loop_quit(f->loop);
}

static void
opened_cb(GObject *source, GAsyncResult *res, gpointer user_data)
{
	GError **out = user_data;

	if (!dfud_transport_open_within_finish(DFUD_TRANSPORT(source), res, out) && *out == NULL)
		g_assert_not_reached();
	if (*out == NULL)
		*out = g_error_new_literal(G_IO_ERROR, G_IO_ERROR_EXISTS, "opened");
}

/* TRUE when it opened, else the error */
static gboolean
open_sync(DfudTransport *t, guint timeout_ms, GError **error)
{
	GError *result = NULL;

	dfud_transport_open_within_async(t, timeout_ms, NULL, opened_cb, &result);
	while (result == NULL)
		g_main_context_iteration(NULL, TRUE);
	if (g_error_matches(result, G_IO_ERROR, G_IO_ERROR_EXISTS)) {
		g_error_free(result);
		return TRUE;
	}
	g_propagate_error(error, result);
	return FALSE;
}

static DfudTransport *
transport_for(Fixture *f, const gchar *options)
{
	g_autofree gchar *uri = g_strdup_printf("serial:%s%s", f->link, options);
	g_autoptr(GError) error = NULL;
	DfudTransport *t = dfud_transport_new_for_uri(uri, &error);

	g_assert_no_error(error);
	g_signal_connect(t, "packet", G_CALLBACK(on_packet), f);
	g_signal_connect(t, "closed", G_CALLBACK(on_closed), f);
	return t;
}

static gboolean
quit_cb(gpointer data)
{
	Fixture *f = data;

	f->timer = 0;
	g_main_loop_quit(f->loop);
	return G_SOURCE_REMOVE;
}

/* until a packet or "closed", @ms at most */
static void
run_for(Fixture *f, guint ms)
{
	f->timer = g_timeout_add(ms, quit_cb, f);
	g_main_loop_run(f->loop);
	g_clear_handle_id(&f->timer, g_source_remove);
}

/* what the transport wrote to the line, decoded */
static GBytes *
read_request(Fixture *f)
{
	g_autoptr(DfudSmpSerialDecoder) dec = dfud_smp_serial_decoder_new(1024);
	gint64 deadline = g_get_monotonic_time() + 2 * G_USEC_PER_SEC;
	GBytes *packet = NULL;

	while (packet == NULL && g_get_monotonic_time() < deadline) {
		guint8 buf[512];
		gssize n;

		g_main_context_iteration(NULL, FALSE);
		n = read(f->master, buf, sizeof(buf));
		if (n > 0)
			dfud_smp_serial_decoder_feed(dec, buf, (gsize)n);
		packet = dfud_smp_serial_decoder_pop(dec);
	}
	return packet;
}

static void
write_str(Fixture *f, const gchar *s, gsize len)
{
	g_assert_cmpint(write(f->master, s, len), ==, (gssize)len);
}

static void
test_serial_frames(Fixture *f, gconstpointer data)
{
	g_autoptr(DfudTransport) t = transport_for(f, "");
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) req = g_bytes_new_static(echo_req, sizeof(echo_req));
	g_autoptr(GBytes) got = NULL;
	g_autoptr(GBytes) rsp = NULL;
	const gchar *noise = "[00:00:01.000,000] <inf> app: hello\r\nuart:~$ ";
	gsize len = 0;
	const gchar *frames;

	g_unix_set_fd_nonblocking(f->master, TRUE, NULL);
	g_assert_true(open_sync(t, 1000, &error));
	g_assert_no_error(error);
	g_assert_true(dfud_transport_send(t, req, &error));
	g_assert_no_error(error);
	got = read_request(f);
	g_assert_nonnull(got);
	g_assert_true(g_bytes_equal(got, req));
	/* the answer between console lines, then one with a bad CRC that must not arrive */
	rsp = dfud_smp_serial_encode(echo_rsp, sizeof(echo_rsp));
	frames = g_bytes_get_data(rsp, &len);
	write_str(f, noise, strlen(noise));
	write_str(f, frames, len);
	write_str(f, noise, strlen(noise));
	write_str(f,
		  "\x06\x09"
		  "ABAJAAAGAAAAAKFhcmJoaVPi\n",
		  27);
	run_for(f, 300);
	run_for(f, 200); /* the bad one had its chance to arrive */
	g_assert_cmpuint(f->packets->len, ==, 1);
	g_assert_cmpmem(g_bytes_get_data(f->packets->pdata[0], NULL),
			g_bytes_get_size(f->packets->pdata[0]), echo_rsp, sizeof(echo_rsp));
	g_assert_null(f->closed);
	/* a packet beyond the MTU is refused, not cut */
	{
		g_autofree guint8 *big = g_malloc0(300);
		g_autoptr(GBytes) b = NULL;

		big[0] = 0x0a;
		big[3] = 300 - 8 - 256;
		big[2] = 1;
		b = g_bytes_new(big, 300);
		g_assert_false(dfud_transport_send(t, b, &error));
		g_assert_error(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT);
	}
}

/* a second transport finds the port taken; the first one's close frees it */
static void
test_serial_exclusive(Fixture *f, gconstpointer data)
{
	g_autoptr(DfudTransport) a = transport_for(f, "");
	g_autoptr(DfudTransport) b = transport_for(f, "?baud=9600");
	g_autoptr(GError) error = NULL;

	g_assert_true(open_sync(a, 1000, &error));
	g_assert_false(open_sync(b, 1000, &error));
	g_assert_error(error, DFUD_ERROR, DFUD_ERROR_BUSY);
	g_clear_error(&error);
	dfud_transport_close(a);
	g_assert_true(open_sync(b, 1000, &error));
	g_assert_no_error(error);
}

static void
test_serial_not_a_port(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(DfudTransport) missing = dfud_transport_new_for_uri("serial:/dev/ttyNONE9", NULL);
	g_autoptr(DfudTransport) null = dfud_transport_new_for_uri("serial:/dev/null", NULL);

	/* a port never seen is not waited for */
	g_assert_false(open_sync(missing, 5000, &error));
	g_assert_error(error, DFUD_ERROR, DFUD_ERROR_NOT_FOUND);
	g_clear_error(&error);
	g_assert_false(open_sync(null, 1000, &error));
	g_assert_error(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT);
}

/* the far end closes (unplugged): "closed" names the hang-up; a reopen waits for the port */
static void
test_serial_hangup_reopen(Fixture *f, gconstpointer data)
{
	g_autoptr(DfudTransport) t = transport_for(f, "");
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) req = g_bytes_new_static(echo_req, sizeof(echo_req));
	g_autoptr(GBytes) got = NULL;

	g_assert_true(open_sync(t, 1000, &error));
	close(f->master);
	f->master = -1;
	g_unlink(f->link);
	run_for(f, 2000);
	g_assert_error(f->closed, DFUD_ERROR, DFUD_ERROR_LINK_LOST);
	g_assert_nonnull(strstr(f->closed->message, "hung up"));
	g_assert_false(dfud_transport_is_open(t));
	/* not back within the bound: a timeout */
	g_assert_false(open_sync(t, 300, &error));
	g_assert_error(error, DFUD_ERROR, DFUD_ERROR_TIMEOUT);
	g_clear_error(&error);
	/* back (a new PTY behind the same link) while the open waits */
	g_timeout_add_once(200, (GSourceOnceFunc)pty_open, f);
	g_assert_true(open_sync(t, 3000, &error));
	g_assert_no_error(error);
	g_unix_set_fd_nonblocking(f->master, TRUE, NULL);
	g_assert_true(dfud_transport_send(t, req, &error));
	got = read_request(f);
	g_assert_nonnull(got);
	g_assert_true(g_bytes_equal(got, req));
}

/* framing=raw: plain SMP packets, split anywhere */
static void
test_serial_raw(Fixture *f, gconstpointer data)
{
	g_autoptr(DfudTransport) t = transport_for(f, "?framing=raw");
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) req = g_bytes_new_static(echo_req, sizeof(echo_req));
	guint8 buf[64];
	gssize n;

	g_assert_true(open_sync(t, 1000, &error));
	g_assert_true(dfud_transport_send(t, req, &error));
	n = read(f->master, buf, sizeof(buf));
	g_assert_cmpmem(buf, n, echo_req, sizeof(echo_req));
	write_str(f, (const gchar *)echo_rsp, 5);
	run_for(f, 50);
	g_assert_cmpuint(f->packets->len, ==, 0);
	write_str(f, (const gchar *)echo_rsp + 5, sizeof(echo_rsp) - 5);
	run_for(f, 500);
	g_assert_cmpuint(f->packets->len, ==, 1);
	g_assert_cmpmem(g_bytes_get_data(f->packets->pdata[0], NULL),
			g_bytes_get_size(f->packets->pdata[0]), echo_rsp, sizeof(echo_rsp));
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/transport/serial/uri", test_serial_uri);
	g_test_add_func("/transport/serial/path-is-port", test_serial_path_is_port);
	g_test_add("/transport/serial/frames", Fixture, NULL, fixture_setup, test_serial_frames,
		   fixture_teardown);
	g_test_add("/transport/serial/exclusive", Fixture, NULL, fixture_setup,
		   test_serial_exclusive, fixture_teardown);
	g_test_add("/transport/serial/not-a-port", Fixture, NULL, fixture_setup,
		   test_serial_not_a_port, fixture_teardown);
	g_test_add("/transport/serial/hangup-reopen", Fixture, NULL, fixture_setup,
		   test_serial_hangup_reopen, fixture_teardown);
	g_test_add("/transport/serial/raw", Fixture, NULL, fixture_setup, test_serial_raw,
		   fixture_teardown);
	return g_test_run();
}
