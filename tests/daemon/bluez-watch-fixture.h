/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>

#include "dd-bluez-watch.h"

G_BEGIN_DECLS

/* next to this file; tests/data is the one source path meson hands every test */
#define FAKE_BLUEZ TEST_DATA_DIR "/../daemon/fake-bluez.py"
#define PYTHON "/usr/bin/python3"
#define WAIT_TIMEOUT_S 10

#define HCI0 "/org/bluez/hci0"
#define HCI1 "/org/bluez/hci1"
#define SMP DD_SMP_SERVICE_UUID
#define OTHER_UUID "0000180f-0000-1000-8000-00805f9b34fb"

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

gchar *join_adapters(DdBluezWatch *watch);
void on_device_added(DdBluezWatch *watch, const gchar *path, const gchar *address, const gchar *adapter, const gchar *name, Fixture *fx);
void fake_start(Fixture *fx);
void fake_cmd(Fixture *fx, const gchar *format, ...) G_GNUC_PRINTF(2, 3);
void fake_quit(Fixture *fx);
void fake_add_adapter(Fixture *fx, const gchar *adapter);
gchar *device_path(const gchar *adapter, guint n);
void fake_add_device(Fixture *fx, const gchar *adapter, guint n, const gchar *alias, const gchar *uuid, gboolean connected);
gboolean on_wait_timeout(gpointer user_data);
void expect_eventf(Fixture *fx, const gchar *format, ...) G_GNUC_PRINTF(2, 3);
void barrier(Fixture *fx);
void watch_start(Fixture *fx, const gchar *const *adapters);
void fixture_setup(Fixture *fx, gconstpointer data);
void fixture_teardown(Fixture *fx, gconstpointer data);
void expect_events_v(Fixture *fx, gboolean sorted, const gchar *const *expected);

#define expect_events(fx, ...) expect_events_v(fx, FALSE, (const gchar *const[]){__VA_ARGS__, NULL})
#define expect_events_sorted(fx, ...)                                                              \
	expect_events_v(fx, TRUE, (const gchar *const[]){__VA_ARGS__, NULL})

G_END_DECLS
