/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "Dfud"

#include "config.h"

#include <glib-unix.h>
#include <locale.h>
#include <stdlib.h>

#include "dd-config.h"
#include "dd-manager.h"
#include "dd-notify.h"
#include "dfud-dbus-error.h"
#include "dfud-error.h"

#define DD_DEFAULT_STATE_DIR "/var/lib/dfud"

typedef struct {
	GMainLoop *loop;
	DdManager *manager;
	gboolean session;
	gchar *bluez_bus;
	gint exit_code;
} DdMain;

/* reachable to the end: nothing is torn down on exit, so journaled jobs stay as they are */
static DdMain dd_main;

static gboolean
quit_cb(gpointer user_data)
{
	g_message("stopping; unfinished jobs stay journaled and resume at the next start");
	dd_notify_stopping();
	g_main_loop_quit(dd_main.loop);
	return G_SOURCE_CONTINUE;
}

static void
bluez_bus_ready(GObject *source, GAsyncResult *res, gpointer user_data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GDBusConnection) bus = g_bus_get_finish(res, &error);

	if (bus == NULL) {
		g_message("no system bus, so no BlueZ devices: %s", error->message);
		return;
	}
	dd_manager_set_bluez_bus(dd_main.manager, bus);
}

static void
bus_acquired(GDBusConnection *bus, const gchar *name, gpointer user_data)
{
	g_autoptr(GError) error = NULL;

	if (!dd_manager_export(dd_main.manager, bus, &error)) {
		g_critical("cannot export the D-Bus objects: %s", error->message);
		dd_main.exit_code = EXIT_FAILURE;
		g_main_loop_quit(dd_main.loop);
		return;
	}
	if (g_strcmp0(dd_main.bluez_bus, "none") == 0)
		return;
	if (g_strcmp0(dd_main.bluez_bus, dd_main.session ? "session" : "system") == 0)
		dd_manager_set_bluez_bus(dd_main.manager, bus);
	else
		g_bus_get(g_strcmp0(dd_main.bluez_bus, "session") == 0 ? G_BUS_TYPE_SESSION
								       : G_BUS_TYPE_SYSTEM,
			  NULL, bluez_bus_ready, NULL);
}

static void
name_acquired(GDBusConnection *bus, const gchar *name, gpointer user_data)
{
	g_message("dfud %s ready on the %s bus as %s", PACKAGE_VERSION,
		  dd_main.session ? "session" : "system", name);
	dd_notify_ready();
	dd_notify_watchdog_start();
}

static void
name_lost(GDBusConnection *bus, const gchar *name, gpointer user_data)
{
	if (bus == NULL)
		g_warning("no connection to the %s bus (it cannot be reached, or went away)",
			  dd_main.session ? "session" : "system");
	else
		g_warning("the name %s is owned by another process, or was lost", name);
	dd_main.exit_code = EXIT_FAILURE;
	g_main_loop_quit(dd_main.loop);
}

int
main(int argc, char *argv[])
{
	g_autofree gchar *state_dir = NULL;
	g_autofree gchar *config_path = NULL;
	gboolean verbose = FALSE;
	gboolean version = FALSE;
	g_autoptr(GError) error = NULL;
	g_autoptr(GOptionContext) context = NULL;
	g_autoptr(DdConfig) config = NULL;
	const GOptionEntry entries[] = {
	    {"session", 0, 0, G_OPTION_ARG_NONE, &dd_main.session,
	     "Run on the session bus (tests, trying it out)", NULL},
	    {"state-dir", 0, 0, G_OPTION_ARG_FILENAME, &state_dir,
	     "Where jobs, firmware copies and the history live (default " DD_DEFAULT_STATE_DIR
	     ", or $STATE_DIRECTORY)",
	     "DIR"},
	    {"config", 0, 0, G_OPTION_ARG_FILENAME, &config_path,
	     "Configuration file (default " DD_CONFIG_DEFAULT_PATH ")", "FILE"},
	    {"bluez-bus", 0, 0, G_OPTION_ARG_STRING, &dd_main.bluez_bus,
	     "Where to find BlueZ: system (default), session or none", "BUS"},
	    {"verbose", 'v', 0, G_OPTION_ARG_NONE, &verbose, "Log debug messages", NULL},
	    {"version", 0, 0, G_OPTION_ARG_NONE, &version, "Print the version and exit", NULL},
	    {NULL},
	};
	guint owner_id;

	setlocale(LC_ALL, "");
	context = g_option_context_new("- the Bluetooth LE / SMP firmware update daemon");
	g_option_context_add_main_entries(context, entries, NULL);
	if (!g_option_context_parse(context, &argc, &argv, &error)) {
		g_printerr("dfud: %s\n", error->message);
		return DFUD_EXIT_USAGE;
	}
	if (version) {
		g_print("dfud %s\n", PACKAGE_VERSION);
		return EXIT_SUCCESS;
	}
	if (argc > 1) {
		g_printerr("dfud: unexpected argument \"%s\"\n", argv[1]);
		return DFUD_EXIT_USAGE;
	}
	if (dd_main.bluez_bus == NULL)
		dd_main.bluez_bus = g_strdup("system");
	if (g_strcmp0(dd_main.bluez_bus, "system") != 0 &&
	    g_strcmp0(dd_main.bluez_bus, "session") != 0 && g_strcmp0(dd_main.bluez_bus, "none") != 0) {
		g_printerr("dfud: --bluez-bus takes system, session or none\n");
		return DFUD_EXIT_USAGE;
	}
	if (verbose)
		g_log_set_debug_enabled(TRUE);
	if (state_dir == NULL && g_getenv("STATE_DIRECTORY") != NULL)
		state_dir = g_strdup(g_getenv("STATE_DIRECTORY"));
	if (state_dir == NULL) {
		if (dd_main.session) {
			g_printerr("dfud: --session needs --state-dir\n");
			return DFUD_EXIT_USAGE;
		}
		state_dir = g_strdup(DD_DEFAULT_STATE_DIR);
	}

	config = dd_config_new();
	if (!dd_config_load(config, config_path, &error)) {
		g_printerr("dfud: %s\n", error->message);
		return EXIT_FAILURE;
	}
	dd_main.manager =
	    dd_manager_new(g_steal_pointer(&config), state_dir, !dd_main.session, &error);
	if (dd_main.manager == NULL) {
		g_printerr("dfud: %s\n", error->message);
		return EXIT_FAILURE;
	}
	dd_main.loop = g_main_loop_new(NULL, FALSE);
	g_unix_signal_add(SIGTERM, quit_cb, NULL);
	g_unix_signal_add(SIGINT, quit_cb, NULL);
	owner_id = g_bus_own_name(dd_main.session ? G_BUS_TYPE_SESSION : G_BUS_TYPE_SYSTEM,
				  DFUD_DBUS_NAME, G_BUS_NAME_OWNER_FLAGS_DO_NOT_QUEUE,
				  bus_acquired, name_acquired, name_lost, NULL, NULL);
	g_main_loop_run(dd_main.loop);
	g_bus_unown_name(owner_id);
	return dd_main.exit_code;
}
