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
	expect_eventf(fx, "added %s AA:BB:CC:DD:EE:01 hci0 'alpha'", dev1);

	/* one without it, until its services are resolved */
	fake_add_device(fx, "hci0", 2, "beta", NULL, TRUE);
	barrier(fx);
	for (guint i = 0; i < 8; i++)
		smp_mixed[i] = g_ascii_toupper(smp_mixed[i]);
	fake_cmd(fx, "set %s org.bluez.Device1 UUIDs ['%s', '%s']", dev2, OTHER_UUID, smp_mixed);
	{
		g_autofree gchar *a = g_strdup_printf("added %s AA:BB:CC:DD:EE:02 hci0 'beta'", dev2);
		g_autofree gchar *c = g_strdup_printf("changed %s 'beta' connected", dev2);
		expect_events(fx, a, c);
	}

	/* Connected and the alias are followed, other properties are not */
	fake_cmd(fx, "set %s org.bluez.Device1 Connected true", dev1);
	expect_eventf(fx, "changed %s 'alpha' connected", dev1);
	fake_cmd(fx, "set %s org.bluez.Device1 RSSI @n -40", dev1);
	fake_cmd(fx, "set %s org.bluez.Device1 Connected true", dev1);
	fake_cmd(fx, "set %s org.bluez.Device1 Alias 'alpha'", dev1);
	barrier(fx);
	fake_cmd(fx, "set %s org.bluez.Device1 Alias 'renamed'", dev1);
	expect_eventf(fx, "changed %s 'renamed' connected", dev1);
	/* no alias: the name; no name either: "" */
	fake_cmd(fx, "invalidate %s org.bluez.Device1 Alias", dev1);
	expect_eventf(fx, "changed %s 'name-1' connected", dev1);
	fake_cmd(fx, "invalidate %s org.bluez.Device1 Name", dev1);
	expect_eventf(fx, "changed %s '' connected", dev1);
	fake_cmd(fx, "set %s org.bluez.Device1 Alias ''", dev1);
	fake_cmd(fx, "set %s org.bluez.Device1 Connected false", dev1);
	expect_eventf(fx, "changed %s '' disconnected", dev1);

	/* losing the service is going away */
	fake_cmd(fx, "set %s org.bluez.Device1 UUIDs ['%s']", dev2, OTHER_UUID);
	expect_eventf(fx, "removed %s", dev2);
	fake_cmd(fx, "set %s org.bluez.Device1 Connected false", dev2);
	fake_cmd(fx, "remove %s", dev2);
	barrier(fx);

	/* an adapter appears later, with a device */
	fake_add_adapter(fx, "hci1");
	expect_events(fx, "adapters 2");
	list = join_adapters(fx->watch);
	g_assert_cmpstr(list, ==, HCI0 "," HCI1);
	fake_add_device(fx, "hci1", 5, "epsilon", SMP, FALSE);
	expect_eventf(fx, "added %s AA:BB:CC:DD:EE:05 hci1 'epsilon'", dev5);

	/* removed objects */
	fake_cmd(fx, "remove %s", dev1);
	expect_eventf(fx, "removed %s", dev1);
	/* only its Device1 interface goes, the object stays */
	fake_cmd(fx, "add %s org.bluez.Extra1 {'X': <1>}", dev5);
	fake_cmd(fx, "remove %s org.bluez.Device1", dev5);
	expect_eventf(fx, "removed %s", dev5);
	/* and comes back on the same object */
	fake_add_device(fx, "hci1", 5, "epsilon", SMP, FALSE);
	expect_eventf(fx, "added %s AA:BB:CC:DD:EE:05 hci1 'epsilon'", dev5);
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
	expect_eventf(fx, "added %s AA:BB:CC:DD:EE:01 hci0 ''", dev1);
	fake_cmd(fx,
		 "add %s org.bluez.Device1 {'Address': <'aa:bb:cc:dd:ee:02'>, "
		 "'Adapter': <objectpath '/org/bluez/hci0'>, 'UUIDs': <['%s']>, "
		 "'Name': <'name-2'>, 'Connected': <@i 1>}",
		 dev2, SMP);
	expect_eventf(fx, "added %s aa:bb:cc:dd:ee:02 hci0 'name-2'", dev2);
	/* a change of type is a change of value */
	fake_cmd(fx, "set %s org.bluez.Device1 Connected true", dev1);
	expect_eventf(fx, "changed %s '' connected", dev1);
	fake_cmd(fx, "set %s org.bluez.Device1 Connected 'no'", dev1);
	expect_eventf(fx, "changed %s '' disconnected", dev1);
	fake_cmd(fx, "set %s org.bluez.Device1 UUIDs @u 3", dev1);
	expect_eventf(fx, "removed %s", dev1);
	/* an address that turns bad takes the device away, a good one brings it back */
	fake_cmd(fx, "set %s org.bluez.Device1 Address 'nonsense'", dev2);
	expect_eventf(fx, "removed %s", dev2);
	fake_cmd(fx, "set %s org.bluez.Device1 Address 'AA:BB:CC:DD:EE:02'", dev2);
	expect_eventf(fx, "added %s AA:BB:CC:DD:EE:02 hci0 'name-2'", dev2);
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
