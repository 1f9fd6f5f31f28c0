/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "Dfuctl"

#include "config.h"

#include <json-glib/json-glib.h>
#include <locale.h>
#include <stdio.h>

#include "dfud-error.h"
#include "dfuctl.h"

static const DfuctlVerb dfuctl_verbs[] = {
    {"devices", "", "list the devices dfud knows, with their short indexes", dfuctl_devices_run},
    {"scan", "[--timeout S]", "discover BLE devices that offer SMP", dfuctl_scan_run},
    {"add", "URI [--name NAME]", "make a device known (udp:HOST:PORT or a BLE address)",
     dfuctl_add_run},
    {"remove", "DEV", "forget an added device", dfuctl_remove_run},
    {"info", "DEV", "show a device", dfuctl_info_run},
    {"images", "DEV", "read and show the device's image slots", dfuctl_images_run},
    {"update", "DEV FILE [OPTIONS]",
     "update a device with a firmware file or DFU zip (alias: upload)", dfuctl_update_run},
    {"upload", "DEV FILE ...", "the same as update", dfuctl_update_run},
    {"test", "DEV HASH", "boot the image with this hash once, at the next reset",
     dfuctl_test_run},
    {"confirm", "DEV [HASH]", "make the running (or given) image permanent", dfuctl_confirm_run},
    {"erase", "DEV [--slot N]", "erase the device's spare slot", dfuctl_erase_run},
    {"reset", "DEV [--force]", "reset the device", dfuctl_reset_run},
    {"echo", "DEV TEXT", "ask the device to echo TEXT", dfuctl_echo_run},
    {"jobs", "", "list queued, running and recently finished updates", dfuctl_jobs_run},
    {"watch", "[JOB]", "follow a job (or every job) until it ends", dfuctl_watch_run},
    {"cancel", "JOB", "cancel a queued or running update", dfuctl_cancel_run},
    {"history", "[DEV] [--limit N]", "show past updates, newest first", dfuctl_history_run},
    {"inspect", "FILE [--key PEM]",
     "show and verify the images of a firmware file or DFU zip (offline, no daemon)",
     dfuctl_inspect_run},
};

/* the exit codes, documented once: `dfuctl --help` and the tests read this text */
static const gchar dfuctl_exit_status[] =
    "Exit status:\n"
    "  0   success\n"
    "  1   failure (device, protocol, timeout, cancelled)\n"
    "  2   nothing to do: the device already runs this firmware\n"
    "  3   device or job not found\n"
    "  4   not authorized\n"
    "  5   busy: retry later\n"
    "  6   reverted: the device booted its previous image again\n"
    "  7   link lost: the connection to the device went away (retry)\n"
    "  64  usage error (unknown verb or option, missing argument, unusable key file)\n"
    "  65  invalid firmware file or package (truncated, bad magic, hash or signature\n"
    "      mismatch, inconsistent manifest, ...)\n"
    "  66  the file cannot be opened or read\n";

int
dfuctl_usage(const gchar *verb, const gchar *format, ...)
{
	va_list args;
	g_autofree gchar *msg = NULL;

	va_start(args, format);
	msg = g_strdup_vprintf(format, args);
	va_end(args);
	if (verb != NULL)
		g_printerr("dfuctl %s: %s\nTry 'dfuctl %s --help'.\n", verb, msg, verb);
	else
		g_printerr("dfuctl: %s\nTry 'dfuctl --help'.\n", msg);
	return DFUD_EXIT_USAGE;
}

int
dfuctl_fail(const DfuctlOptions *options, const gchar *verb, const GError *error)
{
	const gchar *name = dfud_error_name(error);

	if (options->json) {
		g_autoptr(JsonBuilder) builder = json_builder_new();
		g_autoptr(JsonNode) root = NULL;
		g_autofree gchar *text = NULL;

		json_builder_begin_object(builder);
		json_builder_set_member_name(builder, "error");
		json_builder_begin_object(builder);
		json_builder_set_member_name(builder, "name");
		json_builder_add_string_value(builder, name);
		json_builder_set_member_name(builder, "message");
		json_builder_add_string_value(builder, error->message);
		json_builder_end_object(builder);
		json_builder_end_object(builder);
		root = json_builder_get_root(builder);
		text = json_to_string(root, TRUE);
		g_print("%s\n", text);
	}
	g_printerr("dfuctl %s: %s (%s)\n", verb, error->message, name);
	return dfud_error_to_exit(error);
}

gboolean
dfuctl_verb_parse(const gchar *verb, const gchar *params, const gchar *summary,
		  const GOptionEntry *entries, DfuctlOptions *options, int *argc, char ***argv,
		  int *exit_code)
{
	g_autoptr(GOptionContext) context = g_option_context_new(params);
	g_autoptr(GError) error = NULL;
	g_autofree gchar *description = g_strdup_printf("%s", dfuctl_exit_status);
	gboolean json = options->json;
	gboolean session = options->session;
	const GOptionEntry common[] = {
	    {"json", 'j', 0, G_OPTION_ARG_NONE, &json, "Print JSON for scripts", NULL},
	    {"session", 0, 0, G_OPTION_ARG_NONE, &session,
	     "Talk to dfud on the session bus (dfud --session)", NULL},
	    {NULL},
	};

	g_option_context_set_summary(context, summary);
	g_option_context_set_description(context, description);
	if (entries != NULL)
		g_option_context_add_main_entries(context, entries, NULL);
	g_option_context_add_main_entries(context, common, NULL);
	/* --help prints and exits inside GLib: 0, as every --help */
	if (!g_option_context_parse(context, argc, argv, &error)) {
		*exit_code = dfuctl_usage(verb, "%s", error->message);
		return FALSE;
	}
	options->json = json;
	options->session = session;
	return TRUE;
}

static gchar *
dfuctl_verbs_help(void)
{
	GString *str = g_string_new("Verbs:\n");
	for (guint i = 0; i < G_N_ELEMENTS(dfuctl_verbs); i++) {
		g_autofree gchar *usage =
		    g_strdup_printf("%s %s", dfuctl_verbs[i].name, dfuctl_verbs[i].args);
		g_string_append_printf(str, "  %-26s %s\n", usage, dfuctl_verbs[i].summary);
	}
	g_string_append(str, "\n");
	g_string_append(str, dfuctl_exit_status);
	g_string_append(str, "\nRun 'dfuctl VERB --help' for the options of a verb.\n");
	return g_string_free(str, FALSE);
}

const gchar *
dfuctl_exit_status_text(void)
{
	return dfuctl_exit_status;
}

int
main(int argc, char **argv)
{
	DfuctlOptions options = {0};
	gboolean version = FALSE;
	g_autoptr(GOptionContext) context = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *help = NULL;
	const GOptionEntry entries[] = {
	    {"json", 'j', 0, G_OPTION_ARG_NONE, &options.json, "Print JSON for scripts", NULL},
	    {"session", 0, 0, G_OPTION_ARG_NONE, &options.session,
	     "Talk to dfud on the session bus (dfud --session)", NULL},
	    {"version", 0, 0, G_OPTION_ARG_NONE, &version, "Print the version and exit", NULL},
	    {NULL},
	};

	setlocale(LC_ALL, "");

	context = g_option_context_new("VERB [ARGS…]");
	g_option_context_set_summary(context, "Update the firmware of SMP (mcumgr) devices "
					      "through dfud.");
	help = dfuctl_verbs_help();
	g_option_context_set_description(context, help);
	g_option_context_add_main_entries(context, entries, NULL);
	/* options after the verb belong to the verb */
	g_option_context_set_strict_posix(context, TRUE);
	if (!g_option_context_parse(context, &argc, &argv, &error))
		return dfuctl_usage(NULL, "%s", error->message);
	if (version) {
		g_print("dfuctl %s\n", PACKAGE_VERSION);
		return DFUD_EXIT_OK;
	}
	if (argc < 2)
		return dfuctl_usage(NULL, "a verb is required");
	for (guint i = 0; i < G_N_ELEMENTS(dfuctl_verbs); i++) {
		if (g_strcmp0(argv[1], dfuctl_verbs[i].name) == 0)
			return dfuctl_verbs[i].run(&options, argc - 1, argv + 1);
	}
	return dfuctl_usage(NULL, "unknown verb '%s'", argv[1]);
}
