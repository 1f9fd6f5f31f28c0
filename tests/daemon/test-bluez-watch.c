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

#include "dd-bluez-watch.h"

/* next to this file; tests/data is the one source path meson hands every test */
#define FAKE_BLUEZ TEST_DATA_DIR "/../daemon/fake-bluez.py"
#define PYTHON "/usr/bin/python3"
#define WAIT_TIMEOUT_S 10

#define HCI0 "/org/bluez/hci0"
#define HCI1 "/org/bluez/hci1"
#define SMP DD_SMP_SERVICE_UUID
#define OTHER_UUID "0000180f-0000-1000-8000-00805f9b34fb"

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

/*
 * A private dbus-daemon, a fake bluetoothd (tests/daemon/fake-bluez.py) on it driven line by
 * line, and the watch under test, whose signals are written down as text in @events.
 */
typedef struct {
	gchar *tmp_dir;
	GSubprocess *dbus_daemon;
	gchar *address;
	GDBusConnection *bus;
	GSubprocess *fake;
	GDataInputStream *fake_out;
	DdBluezWatch *watch;
	GPtrArray *events;
	guint seen; /* events already checked */
	guint barriers;
} Fixture;

static gchar *
join_adapters(DdBluezWatch *watch)
{
	g_auto(GStrv) adapters = dd_bluez_watch_get_adapters(watch);

	return g_strjoinv(",", adapters);
}

static void
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

static void
fake_start(Fixture *fx)
{
	const gchar *argv[] = {PYTHON, FAKE_BLUEZ, fx->address, NULL};

	g_assert_null(fx->fake);
	g_assert_true(g_file_test(FAKE_BLUEZ, G_FILE_TEST_EXISTS));
	fx->fake = spawn(G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE, argv);
	fx->fake_out = g_data_input_stream_new(g_subprocess_get_stdout_pipe(fx->fake));
}

static void fake_cmd(Fixture *fx, const gchar *format, ...) G_GNUC_PRINTF(2, 3);

/* one command to the fake; it answers once the signals it caused are on the bus */
static void
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
static void
fake_quit(Fixture *fx)
{
	g_autoptr(GError) error = NULL;

	fake_cmd(fx, "quit");
	g_subprocess_wait_check(fx->fake, NULL, &error);
	g_assert_no_error(error);
	g_clear_object(&fx->fake_out);
	g_clear_object(&fx->fake);
}

static void
fake_add_adapter(Fixture *fx, const gchar *adapter)
{
	fake_cmd(fx,
		 "add /org/bluez/%s org.bluez.Adapter1 {'Address': <'00:11:22:33:44:55'>, "
		 "'Powered': <true>}",
		 adapter);
}

static gchar *
device_path(const gchar *adapter, guint n)
{
	return g_strdup_printf("/org/bluez/%s/dev_AA_BB_CC_DD_EE_%02X", adapter, n);
}

/* a Device1 as BlueZ shows one; @uuid NULL for none */
static void
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

static gboolean
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
static void
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

#define expect_events(fx, ...) expect_events_v(fx, FALSE, (const gchar *const[]){__VA_ARGS__, NULL})
#define expect_events_sorted(fx, ...)                                                              \
	expect_events_v(fx, TRUE, (const gchar *const[]){__VA_ARGS__, NULL})

/*
 * proves that nothing was signalled since the last check: the fake's signals arrive in order,
 * so a fresh qualifying device must be the very next event
 */
static void
barrier(Fixture *fx)
{
	guint n = 0xB0 + fx->barriers++;
	g_autofree gchar *path = device_path("hci0", n);
	g_autofree gchar *added = NULL;

	fake_add_device(fx, "hci0", n, "barrier", SMP, FALSE);
	added = g_strdup_printf("added %s AA:BB:CC:DD:EE:%02X hci0 'barrier'", path, n);
	expect_events(fx, added);
}

static void
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

static void
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

static void
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

static void
test_object_name(void)
{
	const gchar *const bad[] = {
	    "",
	    "/",
	    "/org/bluez",
	    "/org/bluez/",
	    "/org/bluez/hci0",
	    "/org/bluez/hci0/",
	    "/org/bluez/hci0/dev_",
	    "/org/bluez/hci0/dev_AA_BB_CC_DD_EE",
	    "/org/bluez/hci0/dev_AA_BB_CC_DD_EE_F",
	    "/org/bluez/hci0/dev_AA_BB_CC_DD_EE_FF/",
	    "/org/bluez/hci0/dev_AA_BB_CC_DD_EE_FF_",
	    "/org/bluez/hci0/dev_AA_BB_CC_DD_EE_FF/service0001",
	    "/org/bluez/hci0/dev_AA_BB_CC_DD_EE_FF_00",
	    "/org/bluez/hci0/dev_AA_BB_CC_DD_EE_FG",
	    "/org/bluez/hci0/dev_AA:BB:CC:DD:EE:FF",
	    "/org/bluez/hci0/dev_AA-BB-CC-DD-EE-FF",
	    "/org/bluez/hci0/dev_AABB_CC_DD_EE_FF_",
	    "/org/bluez/hci0/DEV_AA_BB_CC_DD_EE_FF",
	    "/org/bluez/hci0/xyz_AA_BB_CC_DD_EE_FF",
	    "/org/bluez/hci/dev_AA_BB_CC_DD_EE_FF",
	    "/org/bluez/hciX/dev_AA_BB_CC_DD_EE_FF",
	    "/org/bluez/hci0x/dev_AA_BB_CC_DD_EE_FF",
	    "/org/bluez/hci123456/dev_AA_BB_CC_DD_EE_FF",
	    "/org/bluez/hci0/../dev_AA_BB_CC_DD_EE_FF",
	    "/org/bluez/hci0/x/dev_AA_BB_CC_DD_EE_FF",
	    "/org/bluez//dev_AA_BB_CC_DD_EE_FF",
	    "/org/bluezz/hci0/dev_AA_BB_CC_DD_EE_FF",
	    "org/bluez/hci0/dev_AA_BB_CC_DD_EE_FF",
	    "//org/bluez/hci0/dev_AA_BB_CC_DD_EE_FF",
	    "/org/bluez/hci0/dev_AA_BB_CC_DD_EE_F\xc3\xa9",
	    "/org/bluez/hci0/dev_AA_BB_CC_DD_EE_FF\n",
	    "/org/bluez/hci 0/dev_AA_BB_CC_DD_EE_FF",
	    "/com/example/hci0/dev_AA_BB_CC_DD_EE_FF",
	};

	for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_autofree gchar *name = dd_bluez_watch_object_name(bad[i]);
		if (name != NULL)
			g_test_message("accepted %s as %s", bad[i], name);
		g_assert_null(name);
	}
	g_assert_null(dd_bluez_watch_object_name(NULL));

	{
		g_autofree gchar *a = dd_bluez_watch_object_name(HCI0 "/dev_AA_BB_CC_DD_EE_FF");
		g_autofree gchar *b =
		    dd_bluez_watch_object_name("/org/bluez/hci12/dev_0a_1b_2c_3d_4e_5f");
		g_autofree gchar *c =
		    dd_bluez_watch_object_name("/org/bluez/hci65535/dev_00_00_00_00_00_00");

		g_assert_cmpstr(a, ==, "hci0_dev_AA_BB_CC_DD_EE_FF");
		g_assert_cmpstr(b, ==, "hci12_dev_0a_1b_2c_3d_4e_5f");
		g_assert_cmpstr(c, ==, "hci65535_dev_00_00_00_00_00_00");
		for (const gchar *p = a; *p != '\0'; p++)
			g_assert_true(g_ascii_isalnum(*p) || *p == '_');
	}
}

/* what bluetoothd holds when the watch starts is reported, and only what qualifies */
static void
test_initial(Fixture *fx, gconstpointer data)
{
	g_autofree gchar *dev1 = device_path("hci0", 1);
	g_autofree gchar *dev3 = device_path("hci1", 3);
	g_autofree gchar *added1 = g_strdup_printf("added %s AA:BB:CC:DD:EE:01 hci0 'alpha'", dev1);
	g_autofree gchar *added3 = g_strdup_printf("added %s AA:BB:CC:DD:EE:03 hci1 'gamma'", dev3);
	g_autofree gchar *changed3 = g_strdup_printf("changed %s 'gamma' connected", dev3);
	g_autofree gchar *adapters = NULL;
	g_autofree gchar *smp_upper = g_ascii_strup(SMP, -1);
	guint i;

	fake_start(fx);
	fake_add_adapter(fx, "hci0");
	fake_add_adapter(fx, "hci1");
	fake_add_device(fx, "hci0", 1, "alpha", SMP, FALSE);
	fake_add_device(fx, "hci0", 2, "beta", OTHER_UUID, TRUE);
	fake_add_device(fx, "hci1", 3, "gamma", smp_upper, TRUE);
	fake_add_device(fx, "hci1", 4, "delta", NULL, FALSE);
	fake_cmd(fx, "own");

	watch_start(fx, NULL);
	/* adapters-changed is signalled per adapter */
	expect_events_sorted(fx, added1, added3, changed3, "adapters 1", "adapters 2");
	/* the connected state of a new device follows its device-added at once */
	for (i = 0; i < fx->events->len; i++) {
		if (g_strcmp0(g_ptr_array_index(fx->events, i), changed3) == 0)
			break;
	}
	g_assert_cmpuint(i, >, 0);
	g_assert_cmpstr(g_ptr_array_index(fx->events, i - 1), ==, added3);
	adapters = join_adapters(fx->watch);
	g_assert_cmpstr(adapters, ==, HCI0 "," HCI1);
	barrier(fx);
}

/* devices come, change and go while the watch runs */
static void
test_changes(Fixture *fx, gconstpointer data)
{
	g_autofree gchar *dev1 = device_path("hci0", 1);
	g_autofree gchar *dev2 = device_path("hci0", 2);
	g_autofree gchar *dev5 = device_path("hci1", 5);
	g_autofree gchar *e = NULL;
	g_auto(GStrv) adapters = NULL;
	g_autofree gchar *smp_mixed = g_strdup(SMP);
	g_autofree gchar *list = NULL;

	fake_start(fx);
	fake_add_adapter(fx, "hci0");
	fake_cmd(fx, "own");
	watch_start(fx, NULL);
	expect_events(fx, "adapters 1");

	/* a new device with the service */
	fake_add_device(fx, "hci0", 1, "alpha", SMP, FALSE);
	e = g_strdup_printf("added %s AA:BB:CC:DD:EE:01 hci0 'alpha'", dev1);
	expect_events(fx, e);

	/* one without it, until its services are resolved */
	fake_add_device(fx, "hci0", 2, "beta", NULL, TRUE);
	barrier(fx);
	for (guint i = 0; i < 8; i++)
		smp_mixed[i] = g_ascii_toupper(smp_mixed[i]);
	fake_cmd(fx, "set %s org.bluez.Device1 UUIDs ['%s', '%s']", dev2, OTHER_UUID, smp_mixed);
	g_clear_pointer(&e, g_free);
	e = g_strdup_printf("added %s AA:BB:CC:DD:EE:02 hci0 'beta'", dev2);
	{
		g_autofree gchar *c = g_strdup_printf("changed %s 'beta' connected", dev2);
		expect_events(fx, e, c);
	}

	/* Connected and the alias are followed, other properties are not */
	fake_cmd(fx, "set %s org.bluez.Device1 Connected true", dev1);
	g_clear_pointer(&e, g_free);
	e = g_strdup_printf("changed %s 'alpha' connected", dev1);
	expect_events(fx, e);
	fake_cmd(fx, "set %s org.bluez.Device1 RSSI @n -40", dev1);
	fake_cmd(fx, "set %s org.bluez.Device1 Connected true", dev1);
	fake_cmd(fx, "set %s org.bluez.Device1 Alias 'alpha'", dev1);
	barrier(fx);
	fake_cmd(fx, "set %s org.bluez.Device1 Alias 'renamed'", dev1);
	g_clear_pointer(&e, g_free);
	e = g_strdup_printf("changed %s 'renamed' connected", dev1);
	expect_events(fx, e);
	/* no alias: the name; no name either: "" */
	fake_cmd(fx, "invalidate %s org.bluez.Device1 Alias", dev1);
	g_clear_pointer(&e, g_free);
	e = g_strdup_printf("changed %s 'name-1' connected", dev1);
	expect_events(fx, e);
	fake_cmd(fx, "invalidate %s org.bluez.Device1 Name", dev1);
	g_clear_pointer(&e, g_free);
	e = g_strdup_printf("changed %s '' connected", dev1);
	expect_events(fx, e);
	fake_cmd(fx, "set %s org.bluez.Device1 Alias ''", dev1);
	fake_cmd(fx, "set %s org.bluez.Device1 Connected false", dev1);
	g_clear_pointer(&e, g_free);
	e = g_strdup_printf("changed %s '' disconnected", dev1);
	expect_events(fx, e);

	/* losing the service is going away */
	fake_cmd(fx, "set %s org.bluez.Device1 UUIDs ['%s']", dev2, OTHER_UUID);
	g_clear_pointer(&e, g_free);
	e = g_strdup_printf("removed %s", dev2);
	expect_events(fx, e);
	fake_cmd(fx, "set %s org.bluez.Device1 Connected false", dev2);
	fake_cmd(fx, "remove %s", dev2);
	barrier(fx);

	/* an adapter appears later, with a device */
	fake_add_adapter(fx, "hci1");
	expect_events(fx, "adapters 2");
	list = join_adapters(fx->watch);
	g_assert_cmpstr(list, ==, HCI0 "," HCI1);
	fake_add_device(fx, "hci1", 5, "epsilon", SMP, FALSE);
	g_clear_pointer(&e, g_free);
	e = g_strdup_printf("added %s AA:BB:CC:DD:EE:05 hci1 'epsilon'", dev5);
	expect_events(fx, e);

	/* removed objects */
	fake_cmd(fx, "remove %s", dev1);
	g_clear_pointer(&e, g_free);
	e = g_strdup_printf("removed %s", dev1);
	expect_events(fx, e);
	/* only its Device1 interface goes, the object stays */
	fake_cmd(fx, "add %s org.bluez.Extra1 {'X': <1>}", dev5);
	fake_cmd(fx, "remove %s org.bluez.Device1", dev5);
	g_clear_pointer(&e, g_free);
	e = g_strdup_printf("removed %s", dev5);
	expect_events(fx, e);
	/* and comes back on the same object */
	fake_add_device(fx, "hci1", 5, "epsilon", SMP, FALSE);
	g_clear_pointer(&e, g_free);
	e = g_strdup_printf("added %s AA:BB:CC:DD:EE:05 hci1 'epsilon'", dev5);
	expect_events(fx, e);
	fake_cmd(fx, "remove %s", HCI1);
	expect_events(fx, "adapters 1");
	adapters = dd_bluez_watch_get_adapters(fx->watch);
	g_assert_cmpuint(g_strv_length(adapters), ==, 1);
	g_assert_cmpstr(adapters[0], ==, HCI0);
	barrier(fx);
}

static void
count_added(DdBluezWatch *watch, const gchar *path, const gchar *address, const gchar *adapter,
	    const gchar *name, guint *n_added)
{
	(*n_added)++;
}

static void
wait_for_count(const guint *count, guint n)
{
	gboolean timed_out = FALSE;
	guint timeout_id = g_timeout_add_seconds(WAIT_TIMEOUT_S, on_wait_timeout, &timed_out);

	while (*count < n && !timed_out)
		g_main_context_iteration(NULL, TRUE);
	if (!timed_out)
		g_source_remove(timeout_id);
	g_assert_cmpuint(*count, ==, n);
}

/* with Adapters=hci0 nothing on hci1 is reported */
static void
test_adapter_filter(Fixture *fx, gconstpointer data)
{
	const gchar *const allowed[] = {"hci0", NULL};
	g_autofree gchar *dev1 = device_path("hci0", 1);
	g_autofree gchar *dev2 = device_path("hci1", 2);
	g_autofree gchar *dev3 = device_path("hci1", 3);
	g_autofree gchar *added1 = g_strdup_printf("added %s AA:BB:CC:DD:EE:01 hci0 'alpha'", dev1);
	g_autofree gchar *adapters = NULL;

	fake_start(fx);
	fake_add_adapter(fx, "hci0");
	fake_add_adapter(fx, "hci1");
	fake_add_device(fx, "hci0", 1, "alpha", SMP, FALSE);
	fake_add_device(fx, "hci1", 2, "beta", SMP, TRUE);
	fake_cmd(fx, "own");
	watch_start(fx, allowed);
	expect_events_sorted(fx, added1, "adapters 1");
	adapters = join_adapters(fx->watch);
	g_assert_cmpstr(adapters, ==, HCI0);

	fake_add_device(fx, "hci1", 3, "gamma", SMP, FALSE);
	fake_cmd(fx, "set %s org.bluez.Device1 Connected false", dev2);
	fake_cmd(fx, "set %s org.bluez.Device1 Alias 'x'", dev2);
	fake_cmd(fx, "remove %s", dev3);
	fake_add_adapter(fx, "hci2");
	fake_cmd(fx, "remove %s", HCI1);
	barrier(fx);
	g_clear_pointer(&adapters, g_free);
	adapters = join_adapters(fx->watch);
	g_assert_cmpstr(adapters, ==, HCI0);

	/* an empty list is "all": hci0's alpha and the barrier, hci1's beta */
	{
		const gchar *const none[] = {NULL};
		g_autoptr(DdBluezWatch) all = dd_bluez_watch_new(fx->bus, none);
		guint n_added = 0;

		g_signal_connect(all, "device-added", G_CALLBACK(count_added), &n_added);
		dd_bluez_watch_start(all);
		wait_for_count(&n_added, 3);
		/* and nothing more: the next barrier is the next one for both */
		barrier(fx);
		wait_for_count(&n_added, 4);
	}
}

/* bluetoothd not there at first, then started, stopped and started again */
static void
fake_populate(Fixture *fx, gboolean with_dev2)
{
	fake_add_adapter(fx, "hci0");
	fake_add_device(fx, "hci0", 1, "alpha", SMP, TRUE);
	if (with_dev2)
		fake_add_device(fx, "hci0", 2, "beta", SMP, FALSE);
}

static void
test_restart(Fixture *fx, gconstpointer data)
{
	g_autofree gchar *dev1 = device_path("hci0", 1);
	g_autofree gchar *dev2 = device_path("hci0", 2);
	g_autofree gchar *added1 = g_strdup_printf("added %s AA:BB:CC:DD:EE:01 hci0 'alpha'", dev1);
	g_autofree gchar *changed1 = g_strdup_printf("changed %s 'alpha' connected", dev1);
	g_autofree gchar *added2 = g_strdup_printf("added %s AA:BB:CC:DD:EE:02 hci0 'beta'", dev2);
	g_autofree gchar *removed1 = g_strdup_printf("removed %s", dev1);
	g_autofree gchar *removed2 = g_strdup_printf("removed %s", dev2);
	g_autofree gchar *removed_b0 = NULL;
	g_autofree gchar *path_b0 = device_path("hci0", 0xB0);
	g_auto(GStrv) adapters = NULL;

	/* started while bluetoothd is not running: nothing, and no error */
	watch_start(fx, NULL);
	for (guint i = 0; i < 20; i++)
		g_main_context_iteration(NULL, FALSE);
	adapters = dd_bluez_watch_get_adapters(fx->watch);
	g_assert_cmpuint(g_strv_length(adapters), ==, 0);

	fake_start(fx);
	fake_populate(fx, TRUE);
	fake_cmd(fx, "own");
	expect_events_sorted(fx, added1, changed1, added2, "adapters 1");
	barrier(fx);

	/* stopped: everything goes */
	fake_quit(fx);
	removed_b0 = g_strdup_printf("removed %s", path_b0);
	expect_events_sorted(fx, removed1, removed2, removed_b0, "adapters 0");
	g_clear_pointer(&adapters, g_strfreev);
	adapters = dd_bluez_watch_get_adapters(fx->watch);
	g_assert_cmpuint(g_strv_length(adapters), ==, 0);

	/* back, with one device fewer */
	fake_start(fx);
	fake_populate(fx, FALSE);
	fake_cmd(fx, "own");
	expect_events_sorted(fx, added1, changed1, "adapters 1");
	barrier(fx);
	g_clear_pointer(&adapters, g_strfreev);
	adapters = dd_bluez_watch_get_adapters(fx->watch);
	g_assert_cmpuint(g_strv_length(adapters), ==, 1);

	/* and a restart straight after another */
	fake_quit(fx);
	fake_start(fx);
	fake_populate(fx, TRUE);
	fake_cmd(fx, "own");
	{
		g_autofree gchar *removed_b1 = NULL;
		g_autofree gchar *path_b1 = device_path("hci0", 0xB1);

		removed_b1 = g_strdup_printf("removed %s", path_b1);
		expect_events_sorted(fx, removed1, removed_b1, "adapters 0", added1, changed1,
				     added2, "adapters 1");
	}
	barrier(fx);
}

/* what bluetoothd sends is not trusted: wrong types and odd values are not devices */
static void
test_junk(Fixture *fx, gconstpointer data)
{
	g_autofree gchar *dev1 = device_path("hci0", 1);
	g_autofree gchar *dev2 = device_path("hci0", 2);
	g_autofree gchar *e = NULL;
	g_autofree gchar *adapters = NULL;
	const gchar *dev = HCI0 "/dev_AA_BB_CC_DD_EE_";

	fake_start(fx);
	fake_add_adapter(fx, "hci0");
	/* adapters only at BlueZ's paths */
	fake_cmd(fx, "add /org/bluez/foo org.bluez.Adapter1 {}");
	fake_cmd(fx, "add /org/bluez/hci0/hci1 org.bluez.Adapter1 {}");
	fake_cmd(fx, "add /hci3 org.bluez.Adapter1 {}");
	fake_cmd(fx, "own");
	watch_start(fx, NULL);
	expect_events(fx, "adapters 1");

	/* not devices: UUIDs of the wrong type, no adapter or one of the wrong type or path,
	 * no or a malformed address, a path not of BlueZ's form */
	fake_cmd(fx,
		 "add %s10 org.bluez.Device1 {'Address': <'AA:BB:CC:DD:EE:10'>, "
		 "'Adapter': <objectpath '/org/bluez/hci0'>, 'UUIDs': <'%s'>}",
		 dev, SMP);
	fake_cmd(fx,
		 "add %s11 org.bluez.Device1 {'Address': <'AA:BB:CC:DD:EE:11'>, "
		 "'UUIDs': <['%s']>}",
		 dev, SMP);
	fake_cmd(fx,
		 "add %s12 org.bluez.Device1 {'Address': <'AA:BB:CC:DD:EE:12'>, "
		 "'Adapter': <'/org/bluez/hci0'>, 'UUIDs': <['%s']>}",
		 dev, SMP);
	fake_cmd(fx,
		 "add %s13 org.bluez.Device1 {'Address': <'AA:BB:CC:DD:EE:13'>, "
		 "'Adapter': <objectpath '/org/bluez'>, 'UUIDs': <['%s']>}",
		 dev, SMP);
	fake_cmd(fx,
		 "add %s14 org.bluez.Device1 {'Address': <'AA:BB:CC:DD:EE:14'>, "
		 "'Adapter': <objectpath '/org/bluez/hci0/x'>, 'UUIDs': <['%s']>}",
		 dev, SMP);
	fake_cmd(fx,
		 "add %s15 org.bluez.Device1 {'Adapter': <objectpath '/org/bluez/hci0'>, "
		 "'UUIDs': <['%s']>}",
		 dev, SMP);
	fake_cmd(fx,
		 "add %s16 org.bluez.Device1 {'Address': <'AA:BB:CC:DD:EE:1'>, "
		 "'Adapter': <objectpath '/org/bluez/hci0'>, 'UUIDs': <['%s']>}",
		 dev, SMP);
	fake_cmd(fx,
		 "add %s17 org.bluez.Device1 {'Address': <'AA:BB:CC:DD:EE:17\\n'>, "
		 "'Adapter': <objectpath '/org/bluez/hci0'>, 'UUIDs': <['%s']>}",
		 dev, SMP);
	fake_cmd(fx,
		 "add %s18 org.bluez.Device1 {'Address': <@as ['AA:BB:CC:DD:EE:18']>, "
		 "'Adapter': <objectpath '/org/bluez/hci0'>, 'UUIDs': <['%s']>}",
		 dev, SMP);
	fake_cmd(fx,
		 "add %s org.bluez.Device1 {'Address': <'AA:BB:CC:DD:EE:19'>, "
		 "'Adapter': <objectpath '/org/bluez/hci0'>, 'UUIDs': <['%s']>}",
		 HCI0 "/dev_AA_BB_CC_DD_EE_19/service0001", SMP);
	fake_cmd(fx,
		 "add %s org.bluez.Device1 {'Address': <'AA:BB:CC:DD:EE:1A'>, "
		 "'Adapter': <objectpath '/org/bluez/hci0'>, 'UUIDs': <['%s']>}",
		 "/org/bluez/hci0/dev_1A", SMP);
	/* the SMP UUID as a prefix or inside another string is not the SMP UUID */
	fake_cmd(fx,
		 "add %s1b org.bluez.Device1 {'Address': <'AA:BB:CC:DD:EE:1B'>, "
		 "'Adapter': <objectpath '/org/bluez/hci0'>, 'UUIDs': <['%sx', 'x%s', '']>}",
		 dev, SMP, SMP);
	barrier(fx);

	/* devices with odd optional properties are devices all the same */
	fake_cmd(fx,
		 "add %s org.bluez.Device1 {'Address': <'AA:BB:CC:DD:EE:01'>, "
		 "'Adapter': <objectpath '/org/bluez/hci0'>, 'UUIDs': <['%s']>, "
		 "'Alias': <@u 7>, 'Name': <@as []>, 'Connected': <'yes'>}",
		 dev1, SMP);
	e = g_strdup_printf("added %s AA:BB:CC:DD:EE:01 hci0 ''", dev1);
	expect_events(fx, e);
	fake_cmd(fx,
		 "add %s org.bluez.Device1 {'Address': <'aa:bb:cc:dd:ee:02'>, "
		 "'Adapter': <objectpath '/org/bluez/hci0'>, 'UUIDs': <['%s']>, "
		 "'Name': <'name-2'>, 'Connected': <@i 1>}",
		 dev2, SMP);
	g_clear_pointer(&e, g_free);
	e = g_strdup_printf("added %s aa:bb:cc:dd:ee:02 hci0 'name-2'", dev2);
	expect_events(fx, e);
	/* a change of type is a change of value */
	fake_cmd(fx, "set %s org.bluez.Device1 Connected true", dev1);
	g_clear_pointer(&e, g_free);
	e = g_strdup_printf("changed %s '' connected", dev1);
	expect_events(fx, e);
	fake_cmd(fx, "set %s org.bluez.Device1 Connected 'no'", dev1);
	g_clear_pointer(&e, g_free);
	e = g_strdup_printf("changed %s '' disconnected", dev1);
	expect_events(fx, e);
	fake_cmd(fx, "set %s org.bluez.Device1 UUIDs @u 3", dev1);
	g_clear_pointer(&e, g_free);
	e = g_strdup_printf("removed %s", dev1);
	expect_events(fx, e);
	/* an address that turns bad takes the device away, a good one brings it back */
	fake_cmd(fx, "set %s org.bluez.Device1 Address 'nonsense'", dev2);
	g_clear_pointer(&e, g_free);
	e = g_strdup_printf("removed %s", dev2);
	expect_events(fx, e);
	fake_cmd(fx, "set %s org.bluez.Device1 Address 'AA:BB:CC:DD:EE:02'", dev2);
	g_clear_pointer(&e, g_free);
	e = g_strdup_printf("added %s AA:BB:CC:DD:EE:02 hci0 'name-2'", dev2);
	expect_events(fx, e);
	/* the address of a path changing is a different device */
	fake_cmd(fx, "set %s org.bluez.Device1 Address 'AA:BB:CC:DD:EE:22'", dev2);
	{
		g_autofree gchar *removed = g_strdup_printf("removed %s", dev2);
		g_autofree gchar *added =
		    g_strdup_printf("added %s AA:BB:CC:DD:EE:22 hci0 'name-2'", dev2);
		expect_events(fx, removed, added);
	}
	barrier(fx);
	adapters = join_adapters(fx->watch);
	g_assert_cmpstr(adapters, ==, HCI0);
}

/* a watch dropped before BlueZ answered does not call back into freed memory */
static void
test_dispose_early(Fixture *fx, gconstpointer data)
{
	fake_start(fx);
	fake_populate(fx, TRUE);
	fake_cmd(fx, "own");
	for (guint i = 0; i < 20; i++) {
		g_autoptr(DdBluezWatch) watch = dd_bluez_watch_new(fx->bus, NULL);
		g_signal_connect(watch, "device-added", G_CALLBACK(on_device_added), fx);
		dd_bluez_watch_start(watch);
		/* some are dropped at once, some a little later */
		for (guint j = 0; j < i; j++)
			g_main_context_iteration(NULL, FALSE);
	}
	/* the early watches may have reported some before they went: forget those */
	g_ptr_array_set_size(fx->events, 0);
	/* a watch of its own is still told everything */
	watch_start(fx, NULL);
	{
		g_autofree gchar *dev1 = device_path("hci0", 1);
		g_autofree gchar *dev2 = device_path("hci0", 2);
		g_autofree gchar *added1 =
		    g_strdup_printf("added %s AA:BB:CC:DD:EE:01 hci0 'alpha'", dev1);
		g_autofree gchar *changed1 = g_strdup_printf("changed %s 'alpha' connected", dev1);
		g_autofree gchar *added2 =
		    g_strdup_printf("added %s AA:BB:CC:DD:EE:02 hci0 'beta'", dev2);

		expect_events_sorted(fx, added1, changed1, added2, "adapters 1");
	}
	barrier(fx);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);

	g_test_add_func("/bluez-watch/object-name", test_object_name);
	g_test_add("/bluez-watch/initial", Fixture, NULL, fixture_setup, test_initial,
		   fixture_teardown);
	g_test_add("/bluez-watch/changes", Fixture, NULL, fixture_setup, test_changes,
		   fixture_teardown);
	g_test_add("/bluez-watch/adapter-filter", Fixture, NULL, fixture_setup, test_adapter_filter,
		   fixture_teardown);
	g_test_add("/bluez-watch/restart", Fixture, NULL, fixture_setup, test_restart,
		   fixture_teardown);
	g_test_add("/bluez-watch/junk", Fixture, NULL, fixture_setup, test_junk, fixture_teardown);
	g_test_add("/bluez-watch/dispose-early", Fixture, NULL, fixture_setup, test_dispose_early,
		   fixture_teardown);
	return g_test_run();
}
