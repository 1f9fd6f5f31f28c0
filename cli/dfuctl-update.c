/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "DfuctlUpdate"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gunixfdlist.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dfud-dbus-error.h"
#include "dfud-error.h"
#include "dfuctl-client.h"
#include "dfuctl-job-record.h"
#include "dfuctl-follow.h"
#include "dfuctl-progress.h"
#include "dfuctl.h"

/* the daemon reads the whole file within the call */
#define UPDATE_CALL_TIMEOUT_MS 120000

static const gchar *const update_modes[] = {"test-and-confirm", "confirm-only", "test-only",
					    "upload-only", NULL};

/* the file, opened here: dfud gets a descriptor and never a path (it may not see ours) */
static int
update_open_file(const gchar *path, GError **error)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);

	if (fd < 0) {
		int saved = errno;
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_IO, "cannot open %s: %s", path,
			    g_strerror(saved));
		return -1;
	}
	if (fstat(fd, &st) != 0 || S_ISDIR(st.st_mode)) {
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_IO, "cannot read %s: %s", path,
			    S_ISDIR(st.st_mode) ? "it is a directory" : g_strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

static GVariant *
update_options(const gchar *mode, gint image, gboolean no_reset, gboolean allow_downgrade,
	       gboolean accept_permanent, gboolean recovery)
{
	GVariantBuilder builder;

	g_variant_builder_init(&builder, G_VARIANT_TYPE_VARDICT);
	if (mode != NULL)
		g_variant_builder_add(&builder, "{sv}", "mode", g_variant_new_string(mode));
	if (image >= 0)
		g_variant_builder_add(&builder, "{sv}", "image", g_variant_new_int32(image));
	if (no_reset)
		g_variant_builder_add(&builder, "{sv}", "no-reset", g_variant_new_boolean(TRUE));
	if (allow_downgrade)
		g_variant_builder_add(&builder, "{sv}", "allow-downgrade",
				      g_variant_new_boolean(TRUE));
	if (accept_permanent)
		g_variant_builder_add(&builder, "{sv}", "accept-permanent",
				      g_variant_new_boolean(TRUE));
	if (recovery)
		g_variant_builder_add(&builder, "{sv}", "recovery", g_variant_new_boolean(TRUE));
	return g_variant_builder_end(&builder);
}

int
dfuctl_update_run(const DfuctlOptions *options, int argc, char **argv)
{
	DfuctlOptions opts = *options;
	g_autofree gchar *verb = g_strdup(argv[0]);
	g_autofree gchar *mode = NULL;
	gint image = -1;
	gboolean no_reset = FALSE;
	gboolean allow_downgrade = FALSE;
	gboolean accept_permanent = FALSE;
	gboolean recovery = FALSE;
	gboolean wait = FALSE;
	gboolean no_wait = FALSE;
	int exit_code = DFUD_EXIT_OK;
	int fd;
	gint fd_index;
	g_autoptr(GError) error = NULL;
	g_autoptr(DfuctlClient) client = NULL;
	g_autoptr(DfudDbusDevice) device = NULL;
	g_autoptr(DfudDbusJob) job = NULL;
	g_autoptr(GUnixFDList) fd_list = NULL;
	g_autoptr(GPtrArray) jobs = NULL;
	g_autofree gchar *job_path = NULL;
	const GOptionEntry entries[] = {
	    {"mode", 'm', 0, G_OPTION_ARG_STRING, &mode,
	     "test-and-confirm (default), confirm-only, test-only or upload-only", "MODE"},
	    {"image", 'i', 0, G_OPTION_ARG_INT, &image,
	     "Only this image index of the package (default: all)", "N"},
	    {"no-reset", 0, 0, G_OPTION_ARG_NONE, &no_reset, "Mark the image but do not reset",
	     NULL},
	    {"allow-downgrade", 0, 0, G_OPTION_ARG_NONE, &allow_downgrade,
	     "Allow an older version than the running one", NULL},
	    {"accept-permanent", 0, 0, G_OPTION_ARG_NONE, &accept_permanent,
	     "With --mode test-only: install for good on a bootloader that has no test boot "
	     "(overwrite-only, direct-XIP, RAM-load, firmware loader)",
	     NULL},
	    {"recovery", 0, 0, G_OPTION_ARG_NONE, &recovery,
	     "Update through MCUboot's serial recovery: slot 0 is overwritten, no test, no way back "
	     "(a device not in it is reset into it with boot_mode 1)",
	     NULL},
	    {"wait", 0, 0, G_OPTION_ARG_NONE, &wait,
	     "Follow the update until it ends (the default)", NULL},
	    {"no-wait", 0, 0, G_OPTION_ARG_NONE, &no_wait,
	     "Print the job and return once it is queued", NULL},
	    {NULL},
	};

	if (!dfuctl_verb_parse(verb, "DEV FILE",
			       "Update a device with an MCUboot image (.bin) or an nRF Connect SDK "
			       "DFU zip, and follow the update until the device runs and confirms "
			       "the new image (Device.Update, then the job's properties). Ctrl-C "
			       "cancels the update.",
			       entries, &opts, &argc, &argv, &exit_code))
		return exit_code;
	if (argc != 3)
		return dfuctl_usage(verb, "%s",
				    argc < 3 ? "DEV and FILE are required" : "too many arguments");
	if (mode != NULL && !g_strv_contains(update_modes, mode))
		return dfuctl_usage(verb,
				    "unknown mode '%s' (want test-and-confirm, "
				    "confirm-only, test-only or upload-only)",
				    mode);
	if (image < -1)
		return dfuctl_usage(verb, "--image wants an image index, 0 or more");
	if (wait && no_wait)
		return dfuctl_usage(verb, "--wait and --no-wait exclude each other");

	fd = update_open_file(argv[2], &error);
	if (fd < 0)
		return dfuctl_fail(&opts, verb, error);
	fd_list = g_unix_fd_list_new();
	fd_index = g_unix_fd_list_append(fd_list, fd, &error); /* dups */
	close(fd);
	if (fd_index < 0) {
		g_autoptr(GError) norm = dfud_error_normalize(error);
		return dfuctl_fail(&opts, verb, norm);
	}

	device = dfuctl_client_open_device(&opts, verb, argv[1], &client, &exit_code);
	if (device == NULL)
		return exit_code;
	if (!dfud_dbus_device_call_update_sync(
		device, g_variant_new_handle(fd_index),
		update_options(mode, image, no_reset, allow_downgrade, accept_permanent,
			       recovery),
		G_DBUS_CALL_FLAGS_NONE,
		UPDATE_CALL_TIMEOUT_MS, fd_list, &job_path, NULL, NULL, &error)) {
		g_autoptr(GError) remote = dfuctl_client_error(error);
		return dfuctl_fail(&opts, verb, remote);
	}

	job = dfuctl_client_queued_job_proxy(client, job_path, &error);
	if (job == NULL)
		return dfuctl_fail(&opts, verb, error);
	if (no_wait) {
		if (opts.json) {
			g_autoptr(DfuctlRecord) rec = dfuctl_job_record(job);
			dfuctl_record_print(rec, TRUE);
		} else {
			g_print("%s\n", job_path);
		}
		return DFUD_EXIT_OK;
	}
	jobs = g_ptr_array_new();
	g_ptr_array_add(jobs, job);
	return dfuctl_follow_jobs(&opts, verb, jobs, DFUCTL_FOLLOW_CANCEL_ON_INTERRUPT);
}
