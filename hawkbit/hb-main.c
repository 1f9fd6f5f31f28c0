/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * dfud-hawkbit: each device of dfud as an Eclipse hawkBit target (DDI API), only through
 * dfud's public D-Bus API. See dfud-hawkbit(8).
 */
#define G_LOG_DOMAIN "DfudHawkbit"

#include "config.h"

#include <glib-unix.h>
#include <locale.h>
#include <systemd/sd-daemon.h>

#include "dfud-error.h"
#include "hb-connector.h"

#define DEFAULT_CONFIG "/etc/dfud/hawkbit.conf"

static gboolean
quit_cb(gpointer user_data)
{
	g_main_loop_quit(user_data);
	return G_SOURCE_REMOVE;
}

int
main(int argc, char **argv)
{
	g_autofree gchar *config_path = NULL;
	g_autofree gchar *state_dir = NULL;
	g_autofree gchar *cache_dir = NULL;
	gboolean session = FALSE;
	gboolean verbose = FALSE;
	gboolean version = FALSE;
	gboolean check = FALSE;
	g_autoptr(GOptionContext) context = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(HbConfig) config = NULL;
	g_autoptr(GDBusConnection) bus = NULL;
	g_autoptr(HbConnector) connector = NULL;
	g_autoptr(GMainLoop) loop = NULL;
	const GOptionEntry entries[] = {
	    {"config", 'c', 0, G_OPTION_ARG_FILENAME, &config_path,
	     "The configuration file (default " DEFAULT_CONFIG ")", "FILE"},
	    {"state-dir", 0, 0, G_OPTION_ARG_FILENAME, &state_dir,
	     "Where the journal of actions lives (default $STATE_DIRECTORY, else "
	     "/var/lib/dfud-hawkbit)",
	     "DIR"},
	    {"cache-dir", 0, 0, G_OPTION_ARG_FILENAME, &cache_dir,
	     "Overrides [Update] CacheDirectory", "DIR"},
	    {"session", 0, 0, G_OPTION_ARG_NONE, &session,
	     "Talk to dfud on the session bus (tests)", NULL},
	    {"check-config", 0, 0, G_OPTION_ARG_NONE, &check,
	     "Check the configuration file and exit", NULL},
	    {"verbose", 'v', 0, G_OPTION_ARG_NONE, &verbose, "Debug messages", NULL},
	    {"version", 0, 0, G_OPTION_ARG_NONE, &version, "Print the version and exit", NULL},
	    {NULL},
	};

	setlocale(LC_ALL, "");
	context = g_option_context_new(NULL);
	g_option_context_set_summary(context,
				     "Makes every device of dfud an Eclipse hawkBit target (DDI "
				     "API): rollouts become dfud update jobs.");
	g_option_context_add_main_entries(context, entries, NULL);
	if (!g_option_context_parse(context, &argc, &argv, &error)) {
		g_printerr("dfud-hawkbit: %s\n", error->message);
		return DFUD_EXIT_USAGE;
	}
	if (version) {
		g_print("dfud-hawkbit %s\n", PACKAGE_VERSION);
		return 0;
	}
	if (argc > 1) {
		g_printerr("dfud-hawkbit: unexpected argument %s\n", argv[1]);
		return DFUD_EXIT_USAGE;
	}
	if (verbose)
		g_setenv("G_MESSAGES_DEBUG", "all", TRUE);
	config = hb_config_load(config_path != NULL ? config_path : DEFAULT_CONFIG, &error);
	if (config == NULL) {
		g_printerr("dfud-hawkbit: %s\n", error->message);
		return DFUD_EXIT_FAILED;
	}
	if (check)
		return 0;
	/* systemd's StateDirectory= */
	if (state_dir == NULL && g_getenv("STATE_DIRECTORY") != NULL)
		state_dir = g_strdup(g_getenv("STATE_DIRECTORY"));
	if (state_dir != NULL) {
		g_free(config->state_dir);
		config->state_dir = g_steal_pointer(&state_dir);
	}
	if (cache_dir != NULL) {
		g_free(config->cache_dir);
		config->cache_dir = g_steal_pointer(&cache_dir);
	}
	bus = g_bus_get_sync(session ? G_BUS_TYPE_SESSION : G_BUS_TYPE_SYSTEM, NULL, &error);
	if (bus == NULL) {
		g_printerr("dfud-hawkbit: cannot connect to the %s bus: %s\n",
			   session ? "session" : "system", error->message);
		return DFUD_EXIT_FAILED;
	}
	loop = g_main_loop_new(NULL, FALSE);
	connector = hb_connector_new(config, bus, &error);
	if (connector == NULL) {
		g_printerr("dfud-hawkbit: %s\n", error->message);
		return DFUD_EXIT_FAILED;
	}
	g_unix_signal_add(SIGTERM, quit_cb, loop);
	g_unix_signal_add(SIGINT, quit_cb, loop);
	g_message("dfud-hawkbit %s: server %s, tenant %s", PACKAGE_VERSION, config->url,
		  config->tenant);
	sd_notify(0, "READY=1");
	g_main_loop_run(loop);
	sd_notify(0, "STOPPING=1");
	return 0;
}
