/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "DfudTest"

#include "config.h"

#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>

#include "bluez-watch-fixture.h"

/* a session-like bus that listens only in the test's own directory */
static const gchar bus_conf_template[] =
    "<!DOCTYPE busconfig PUBLIC \"-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN\"\n"
    " \"http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd\">\n"
    "<busconfig>\n"
    "  <type>session</type>\n"
    "  <listen>unix:dir=%s</listen>\n"
    "  <auth>EXTERNAL</auth>\n"
    "  <policy context=\"default\">\n"
    "    <allow send_destination=\"*\" eavesdrop=\"true\"/>\n"
    "    <allow eavesdrop=\"true\"/>\n"
    "    <allow own=\"*\"/>\n"
    "  </policy>\n"
    "</busconfig>\n";


gchar *
join_adapters(DdBluezWatch *watch)
{
	g_auto(GStrv) adapters = dd_bluez_watch_get_adapters(watch);

	return g_strjoinv(",", adapters);
}

void
on_device_added(DdBluezWatch *watch, const gchar *path, const gchar *address, const gchar *adapter,
		const gchar *name, Fixture *fx)
{
	g_ptr_array_add(fx->events,
			g_strdup_printf("added %s %s %s '%s'", path, address, adapter, name));
}

static void
on_device_changed(DdBluezWatch *watch, const gchar *path, const gchar *name, gboolean connected,
		  Fixture *fx)
{
	g_ptr_array_add(fx->events, g_strdup_printf("changed %s '%s' %s", path, name,
						    connected ? "connected" : "disconnected"));
}

static void
on_device_removed(DdBluezWatch *watch, const gchar *path, Fixture *fx)
{
	g_ptr_array_add(fx->events, g_strdup_printf("removed %s", path));
}

/* the count, not the list: adapters from one reply come in hash order */
static void
on_adapters_changed(DdBluezWatch *watch, Fixture *fx)
{
	g_auto(GStrv) adapters = dd_bluez_watch_get_adapters(watch);

	g_ptr_array_add(fx->events, g_strdup_printf("adapters %u", g_strv_length(adapters)));
}

/* helpers die with the test, even when it aborts, so no one holds meson's pipes after it */
static void
child_setup(gpointer user_data)
{
	prctl(PR_SET_PDEATHSIG, SIGTERM);
}

static GSubprocess *
spawn(GSubprocessFlags flags, const gchar *const *argv)
{
	g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new(flags);
	g_autoptr(GError) error = NULL;
	GSubprocess *proc;

	g_subprocess_launcher_set_child_setup(launcher, child_setup, NULL, NULL);
	proc = g_subprocess_launcher_spawnv(launcher, argv, &error);
	g_assert_no_error(error);
	return proc;
}

static void
stop(GSubprocess **proc)
{
	if (*proc == NULL)
		return;
	g_subprocess_send_signal(*proc, SIGTERM);
	g_subprocess_wait(*proc, NULL, NULL);
	g_clear_object(proc);
}

void
fake_start(Fixture *fx)
{
	const gchar *argv[] = {PYTHON, FAKE_BLUEZ, fx->address, NULL};

	g_assert_null(fx->fake);
	g_assert_true(g_file_test(FAKE_BLUEZ, G_FILE_TEST_EXISTS));
	fx->fake = spawn(G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE, argv);
	fx->fake_out = g_data_input_stream_new(g_subprocess_get_stdout_pipe(fx->fake));
}


/* one command to the fake; it answers once the signals it caused are on the bus */
void
fake_cmd(Fixture *fx, const gchar *format, ...)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *line = NULL;
	g_autofree gchar *answer = NULL;
	va_list args;

	va_start(args, format);
	line = g_strdup_vprintf(format, args);
	va_end(args);
	g_test_message("fake <- %s", line);
	g_output_stream_printf(g_subprocess_get_stdin_pipe(fx->fake), NULL, NULL, &error, "%s\n",
			       line);
	g_assert_no_error(error);
	answer = g_data_input_stream_read_line_utf8(fx->fake_out, NULL, NULL, &error);
	g_assert_no_error(error);
	g_assert_cmpstr(answer, ==, "ok");
}

/* bluetoothd stopping: the process and its connection go */
void
fake_quit(Fixture *fx)
{
	g_autoptr(GError) error = NULL;

	fake_cmd(fx, "quit");
	g_subprocess_wait_check(fx->fake, NULL, &error);
	g_assert_no_error(error);
	g_clear_object(&fx->fake_out);
	g_clear_object(&fx->fake);
}

void
fake_add_adapter(Fixture *fx, const gchar *adapter)
{
	fake_cmd(fx,
		 "add /org/bluez/%s org.bluez.Adapter1 {'Address': <'00:11:22:33:44:55'>, "
		 "'Powered': <true>}",
		 adapter);
}

gchar *
device_path(const gchar *adapter, guint n)
{
	return g_strdup_printf("/org/bluez/%s/dev_AA_BB_CC_DD_EE_%02X", adapter, n);
}

/* a Device1 as BlueZ shows one; @uuid NULL for none */
void
fake_add_device(Fixture *fx, const gchar *adapter, guint n, const gchar *alias, const gchar *uuid,
		gboolean connected)
{
	g_autofree gchar *path = device_path(adapter, n);

	fake_cmd(fx,
		 "add %s org.bluez.Device1 {'Address': <'AA:BB:CC:DD:EE:%02X'>, "
		 "'AddressType': <'random'>, 'Name': <'name-%u'>, 'Alias': <'%s'>, "
		 "'Adapter': <objectpath '/org/bluez/%s'>, 'UUIDs': <@as [%s%s%s]>, "
		 "'Connected': <%s>, 'Paired': <false>, 'RSSI': <@n -60>}",
		 path, n, n, alias, adapter, uuid != NULL ? "'" : "", uuid != NULL ? uuid : "",
		 uuid != NULL ? "'" : "", connected ? "true" : "false");
}

gboolean
on_wait_timeout(gpointer user_data)
{
	gboolean *timed_out = user_data;

	*timed_out = TRUE;
	return G_SOURCE_REMOVE;
}

static void
dump_events(Fixture *fx)
{
	for (guint i = 0; i < fx->events->len; i++)
		g_printerr("event %u%s: %s\n", i, i < fx->seen ? " (seen)" : "",
			   (const gchar *)g_ptr_array_index(fx->events, i));
}

static gint
compare_strings(gconstpointer a, gconstpointer b)
{
	return g_strcmp0(*(const gchar *const *)a, *(const gchar *const *)b);
}

/*
 * waits for as many new events as given and checks them (in any order with @sorted: when they
 * come from one GetManagedObjects reply, whose order is the fake's hash order)
 */
void
expect_events_v(Fixture *fx, gboolean sorted, const gchar *const *expected)
{
	guint n = g_strv_length((gchar **)expected);
	gboolean timed_out = FALSE;
	guint timeout_id = g_timeout_add_seconds(WAIT_TIMEOUT_S, on_wait_timeout, &timed_out);
	g_autoptr(GPtrArray) got = g_ptr_array_new();
	g_autoptr(GPtrArray) want = g_ptr_array_new();

	while (fx->events->len < fx->seen + n && !timed_out)
		g_main_context_iteration(NULL, TRUE);
	if (!timed_out)
		g_source_remove(timeout_id);
	if (fx->events->len < fx->seen + n)
		dump_events(fx);
	/* the number of events that arrived in time */
	g_assert_cmpuint(fx->events->len - fx->seen, >=, n);
	for (guint i = 0; i < n; i++) {
		g_ptr_array_add(got, g_ptr_array_index(fx->events, fx->seen + i));
		g_ptr_array_add(want, (gpointer)expected[i]);
	}
	if (sorted) {
		g_ptr_array_sort(got, compare_strings);
		g_ptr_array_sort(want, compare_strings);
	}
	for (guint i = 0; i < n; i++) {
		if (g_strcmp0(g_ptr_array_index(got, i), g_ptr_array_index(want, i)) != 0)
			dump_events(fx);
		g_assert_cmpstr(g_ptr_array_index(got, i), ==, g_ptr_array_index(want, i));
	}
	fx->seen += n;
}


/* one expected event, given printf-style */
void
expect_eventf(Fixture *fx, const gchar *format, ...)
{
	va_list args;
	g_autofree gchar *event = NULL;

	va_start(args, format);
	event = g_strdup_vprintf(format, args);
	va_end(args);
	expect_events(fx, event);
}

/*
 * proves that nothing was signalled since the last check: the fake's signals arrive in order,
 * so a fresh qualifying device must be the very next event
 */
void
barrier(Fixture *fx)
{
	guint n = 0xB0 + fx->barriers++;
	g_autofree gchar *path = device_path("hci0", n);
	g_autofree gchar *added = NULL;

	fake_add_device(fx, "hci0", n, "barrier", SMP, FALSE);
	added = g_strdup_printf("added %s AA:BB:CC:DD:EE:%02X hci0 'barrier'", path, n);
	expect_events(fx, added);
}

void
watch_start(Fixture *fx, const gchar *const *adapters)
{
	fx->watch = dd_bluez_watch_new(fx->bus, adapters);
	g_signal_connect(fx->watch, "device-added", G_CALLBACK(on_device_added), fx);
	g_signal_connect(fx->watch, "device-changed", G_CALLBACK(on_device_changed), fx);
	g_signal_connect(fx->watch, "device-removed", G_CALLBACK(on_device_removed), fx);
	g_signal_connect(fx->watch, "adapters-changed", G_CALLBACK(on_adapters_changed), fx);
	dd_bluez_watch_start(fx->watch);
	/* twice is harmless */
	dd_bluez_watch_start(fx->watch);
}

static void
bus_start(Fixture *fx)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *conf = g_build_filename(fx->tmp_dir, "bus.conf", NULL);
	g_autofree gchar *conf_arg = g_strconcat("--config-file=", conf, NULL);
	g_autofree gchar *text = g_strdup_printf(bus_conf_template, fx->tmp_dir);
	const gchar *argv[] = {"dbus-daemon", conf_arg, "--nofork", "--print-address=1", NULL};
	g_autoptr(GDataInputStream) out = NULL;

	g_assert_true(g_file_set_contents(conf, text, -1, &error));
	g_assert_no_error(error);
	fx->dbus_daemon =
	    spawn(G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_SILENCE, argv);
	out = g_data_input_stream_new(g_subprocess_get_stdout_pipe(fx->dbus_daemon));
	fx->address = g_data_input_stream_read_line(out, NULL, NULL, &error);
	g_assert_no_error(error);
	g_assert_nonnull(fx->address);
	g_test_message("private bus at %s", fx->address);
}

void
fixture_setup(Fixture *fx, gconstpointer data)
{
	g_autoptr(GError) error = NULL;

	fx->events = g_ptr_array_new_with_free_func(g_free);
	fx->tmp_dir = g_dir_make_tmp("dfud-test-bluez-watch-XXXXXX", &error);
	g_assert_no_error(error);
	bus_start(fx);
	fx->bus = g_dbus_connection_new_for_address_sync(
	    fx->address,
	    G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
		G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
	    NULL, NULL, &error);
	g_assert_no_error(error);
	g_dbus_connection_set_exit_on_close(fx->bus, FALSE);
}

static void
remove_dir(const gchar *path)
{
	g_autoptr(GDir) dir = g_dir_open(path, 0, NULL);
	const gchar *name;

	while (dir != NULL && (name = g_dir_read_name(dir)) != NULL) {
		g_autofree gchar *file = g_build_filename(path, name, NULL);
		g_unlink(file);
	}
	g_rmdir(path);
}

void
fixture_teardown(Fixture *fx, gconstpointer data)
{
	g_clear_object(&fx->watch);
	if (fx->fake != NULL) {
		/* the end of its stdin stops it */
		g_output_stream_close(g_subprocess_get_stdin_pipe(fx->fake), NULL, NULL);
		g_subprocess_wait(fx->fake, NULL, NULL);
		g_clear_object(&fx->fake_out);
		g_clear_object(&fx->fake);
	}
	g_dbus_connection_close_sync(fx->bus, NULL, NULL);
	g_clear_object(&fx->bus);
	stop(&fx->dbus_daemon);
	g_free(fx->address);
	remove_dir(fx->tmp_dir);
	g_free(fx->tmp_dir);
	g_ptr_array_unref(fx->events);
}

