/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "DfuctlFollow"

#include "config.h"

#include <glib-unix.h>
#include <json-glib/json-glib.h>
#include <stdio.h>
#include <unistd.h>

#include "dfud-dbus-error.h"
#include "dfud-error.h"
#include "dfud-hex.h"
#include "dfuctl-follow.h"
#include "dfuctl-job-record.h"
#include "dfuctl-progress.h"

/* after Ctrl-C: how long the cancelled jobs may take to end */
#define CANCEL_WAIT_S 20
/* how long dfud may be away from the bus (a restart) before the wait fails */
#define VANISHED_WAIT_S 30

/* --- following jobs until they end */

typedef struct _Follow Follow;

typedef struct {
	Follow *follow;
	DfudDbusJob *job;
	gchar *label;
	gboolean ended;
	gulong changed_id;
	gulong owner_id;
} Followed;

struct _Follow {
	const DfuctlOptions *options;
	const gchar *verb;
	DfuctlFollowFlags flags;
	GPtrArray *followed;	  /* of Followed */
	DfuctlProgress *progress; /* NULL with --json */
	GMainLoop *loop;
	guint left;
	gboolean interrupted;
	guint cancel_timeout_id;
	guint vanished_id;
	GError *error; /* the wait itself failed */
};

static void
followed_free(Followed *f)
{
	if (f->changed_id != 0)
		g_signal_handler_disconnect(f->job, f->changed_id);
	if (f->owner_id != 0)
		g_signal_handler_disconnect(f->job, f->owner_id);
	g_object_unref(f->job);
	g_free(f->label);
	g_free(f);
}

static guint64
job_id(DfudDbusJob *job)
{
	guint64 id = dfud_dbus_job_get_id(job);
	const gchar *path;

	if (id != 0)
		return id;
	/* no properties: the id is the end of the path */
	path = g_dbus_proxy_get_object_path(G_DBUS_PROXY(job));
	return g_ascii_strtoull(strrchr(path, '/') + 1, NULL, 10);
}

static void
follow_print_json_line(DfudDbusJob *job)
{
	g_autoptr(DfuctlRecord) rec = dfuctl_job_record(job);
	g_autoptr(JsonNode) node = dfuctl_record_to_json(rec);
	g_autofree gchar *text = json_to_string(node, FALSE);

	fprintf(stdout, "%s\n", text);
	fflush(stdout);
}

static void
follow_show(Followed *f)
{
	Follow *follow = f->follow;
	const gchar *status = dfud_dbus_job_get_status(f->job);

	if (status == NULL)
		return;
	if (follow->options->json) {
		if (follow->flags & DFUCTL_FOLLOW_JSON_LINES)
			follow_print_json_line(f->job);
	} else {
		dfuctl_progress_update(follow->progress, f->job, f->label);
	}
	if (!f->ended && dfuctl_job_status_is_final(status)) {
		f->ended = TRUE;
		if (--follow->left == 0)
			g_main_loop_quit(follow->loop);
	}
}

static void
follow_properties_changed_cb(GDBusProxy *proxy, GVariant *changed, GStrv invalidated,
			     gpointer user_data)
{
	follow_show(user_data);
}

static gboolean
follow_vanished_cb(gpointer user_data)
{
	Follow *follow = user_data;

	follow->vanished_id = 0;
	if (follow->error == NULL)
		follow->error = g_error_new(DFUD_ERROR, DFUD_ERROR_FAILED,
					    "dfud left the bus and did not come back within %u s",
					    VANISHED_WAIT_S);
	g_main_loop_quit(follow->loop);
	return G_SOURCE_REMOVE;
}

static void
follow_owner_cb(GObject *object, GParamSpec *pspec, gpointer user_data)
{
	Followed *f = user_data;
	Follow *follow = f->follow;
	g_autofree gchar *owner = g_dbus_proxy_get_name_owner(G_DBUS_PROXY(f->job));

	if (owner == NULL) {
		if (follow->vanished_id != 0)
			return;
		if (follow->progress != NULL)
			dfuctl_progress_end(follow->progress);
		g_printerr("dfuctl %s: dfud left the bus; waiting up to %u s for it to come back\n",
			   follow->verb, VANISHED_WAIT_S);
		follow->vanished_id =
		    g_timeout_add_seconds(VANISHED_WAIT_S, follow_vanished_cb, follow);
		return;
	}
	/* back (a restart takes the job up again): the proxy has loaded its properties anew */
	if (follow->vanished_id != 0) {
		g_source_remove(follow->vanished_id);
		follow->vanished_id = 0;
	}
	follow_show(f);
}

static gboolean
follow_cancel_timeout_cb(gpointer user_data)
{
	Follow *follow = user_data;

	follow->cancel_timeout_id = 0;
	g_main_loop_quit(follow->loop);
	return G_SOURCE_REMOVE;
}

static gboolean
follow_sigint_cb(gpointer user_data)
{
	Follow *follow = user_data;

	if (follow->progress != NULL)
		dfuctl_progress_end(follow->progress);
	/* watch just stops watching; a second Ctrl-C stops waiting for the cancel */
	if (!(follow->flags & DFUCTL_FOLLOW_CANCEL_ON_INTERRUPT) || follow->interrupted) {
		follow->interrupted = TRUE;
		g_main_loop_quit(follow->loop);
		return G_SOURCE_CONTINUE;
	}
	follow->interrupted = TRUE;
	for (guint i = 0; i < follow->followed->len; i++) {
		Followed *f = g_ptr_array_index(follow->followed, i);
		g_autoptr(GError) error = NULL;

		if (f->ended)
			continue;
		g_printerr("dfuctl %s: interrupted: cancelling job %" G_GUINT64_FORMAT "\n",
			   follow->verb, job_id(f->job));
		if (!dfud_dbus_job_call_cancel_sync(f->job, G_DBUS_CALL_FLAGS_NONE, -1, NULL,
						    &error)) {
			g_autoptr(GError) remote = dfud_dbus_error_from_remote(error);

			/* NothingToDo: it ended meanwhile, which its properties will say */
			if (!g_error_matches(remote, DFUD_ERROR, DFUD_ERROR_NOTHING_TO_DO))
				g_printerr("dfuctl %s: cannot cancel job %" G_GUINT64_FORMAT
					   ": %s (%s)\n",
					   follow->verb, job_id(f->job), remote->message,
					   dfud_error_name(remote));
		}
	}
	follow->cancel_timeout_id =
	    g_timeout_add_seconds(CANCEL_WAIT_S, follow_cancel_timeout_cb, follow);
	return G_SOURCE_CONTINUE;
}

/* "NAME (ADDRESS)", or the device's URI; the object path when it cannot be read */
static gchar *
describe_device(DfudDbusJob *job)
{
	const gchar *path = dfud_dbus_job_get_device(job);
	g_autoptr(DfudDbusDevice) device = NULL;
	const gchar *name;
	const gchar *uri;

	if (path == NULL || !g_variant_is_object_path(path))
		return g_strdup("the device");
	device = dfud_dbus_device_proxy_new_sync(g_dbus_proxy_get_connection(G_DBUS_PROXY(job)),
						 G_DBUS_PROXY_FLAGS_DO_NOT_CONNECT_SIGNALS,
						 DFUD_DBUS_NAME, path, NULL, NULL);
	if (device == NULL)
		return g_strdup(path);
	name = dfud_dbus_device_get_name(device);
	uri = dfud_dbus_device_get_uri(device);
	if (name != NULL && name[0] != '\0')
		return g_strdup_printf("%s (%s)", name, dfud_dbus_device_get_address(device));
	if (uri != NULL && uri[0] != '\0')
		return g_strdup(uri);
	return g_strdup(path);
}

/* "1.3.0 (hash d597…)" for one image; "image 0 1.3.0 (hash …), image 1 …" for several */
static gchar *
describe_images(DfudDbusJob *job)
{
	GVariant *images = dfud_dbus_job_get_images(job);
	GString *out = g_string_new(NULL);
	gsize n;

	if (images == NULL || !g_variant_is_of_type(images, G_VARIANT_TYPE("aa{sv}")) ||
	    (n = g_variant_n_children(images)) == 0) {
		g_string_append(out, "the new firmware");
		return g_string_free(out, FALSE);
	}
	for (gsize i = 0; i < n; i++) {
		g_autoptr(GVariant) dict = g_variant_get_child_value(images, i);
		g_autoptr(GVariant) hash = NULL;
		g_autofree gchar *hex = NULL;
		const gchar *version = NULL;
		guint32 index = 0;

		g_variant_lookup(dict, "image", "u", &index);
		g_variant_lookup(dict, "version", "&s", &version);
		hash = g_variant_lookup_value(dict, "hash", G_VARIANT_TYPE_BYTESTRING);
		if (hash != NULL) {
			gsize len = 0;
			const guint8 *data = g_variant_get_fixed_array(hash, &len, 1);
			if (len > 0)
				hex = dfud_hex_encode(data, len, 0);
		}
		if (out->len > 0)
			g_string_append(out, ", ");
		if (n > 1)
			g_string_append_printf(out, "image %u ", index);
		g_string_append(out, version != NULL && version[0] != '\0' ? version : "?");
		if (hex != NULL)
			g_string_append_printf(out, " (hash %s)", hex);
	}
	return g_string_free(out, FALSE);
}

/* what "verified" means in the device's MCUboot mode (the job's Plan "success") */
static const gchar *
describe_success(DfudDbusJob *job)
{
	GVariant *plan = dfud_dbus_job_get_plan(job);
	const gchar *success = NULL;

	if (plan == NULL || !g_variant_is_of_type(plan, G_VARIANT_TYPE_VARDICT) ||
	    !g_variant_lookup(plan, "success", "&s", &success))
		return "";
	if (g_strcmp0(success, "confirmed") == 0)
		return ", confirmed";
	if (g_strcmp0(success, "permanent") == 0)
		return ", permanent: the bootloader has no old image to go back to";
	if (g_strcmp0(success, "testing") == 0)
		return ", in test: the device goes back to the old image at its next reset unless "
		       "the image confirms itself";
	return "";
}

/* prints how @job ended; returns its exit code */
static int
follow_outcome(Follow *follow, Followed *f)
{
	DfudDbusJob *job = f->job;
	const gchar *status = dfud_dbus_job_get_status(job);
	const gchar *result = dfud_dbus_job_get_result(job);
	const gchar *error_name = dfud_dbus_job_get_error_name(job);
	gboolean text = !follow->options->json;
	g_autofree gchar *message = dfuctl_progress_sanitize(dfud_dbus_job_get_error_message(job));
	DfudErrorCode code = DFUD_ERROR_FAILED;
	const gchar *name;

	if (g_strcmp0(status, "done") == 0) {
		g_autofree gchar *device = NULL;
		g_autofree gchar *images = NULL;
		g_autofree gchar *line = NULL;
		int exit_code = DFUD_EXIT_OK;

		if (!text)
			return g_strcmp0(result, "up-to-date") == 0 ? DFUD_EXIT_NOTHING_TO_DO
								    : DFUD_EXIT_OK;
		device = describe_device(job);
		images = describe_images(job);
		if (g_strcmp0(result, "verified") == 0) {
			line = g_strdup_printf("verified: %s runs %s%s", device, images,
					       describe_success(job));
		} else if (g_strcmp0(result, "up-to-date") == 0) {
			line = g_strdup_printf("up to date: %s already runs %s", device, images);
			exit_code = DFUD_EXIT_NOTHING_TO_DO;
		} else if (g_strcmp0(result, "uploaded") == 0) {
			line = g_strdup_printf(
			    "uploaded: %s holds %s in its spare slot, not marked", device, images);
		} else if (g_strcmp0(result, "marked") == 0) {
			line = g_strdup_printf("marked: %s runs %s after its next reset", device,
					       images);
		} else {
			line = g_strdup_printf("%s: %s, %s", result != NULL ? result : "done",
					       device, images);
		}
		{
			g_autofree gchar *safe = dfuctl_progress_sanitize(line);
			fprintf(stdout, "%s\n", safe);
			fflush(stdout);
		}
		return exit_code;
	}

	if (error_name != NULL && g_str_has_prefix(error_name, DFUD_DBUS_ERROR_PREFIX) &&
	    dfud_error_code_from_name(error_name + strlen(DFUD_DBUS_ERROR_PREFIX), &code)) {
		/* code set */
	} else if (g_strcmp0(status, "cancelled") == 0) {
		code = DFUD_ERROR_CANCELLED;
	}
	name = dfud_error_code_to_name(code);
	if (message[0] == '\0') {
		g_free(message);
		message =
		    g_strdup(g_strcmp0(status, "cancelled") == 0 ? "cancelled" : "no reason given");
	}
	if (g_strcmp0(status, "cancelled") == 0)
		g_printerr("dfuctl %s: job %" G_GUINT64_FORMAT " was cancelled: %s (%s)\n",
			   follow->verb, job_id(job), message, name);
	else
		g_printerr("dfuctl %s: job %" G_GUINT64_FORMAT " failed: %s (%s)\n", follow->verb,
			   job_id(job), message, name);
	return g_strcmp0(status, "cancelled") == 0 ? DFUD_EXIT_FAILED
						   : (int)dfud_error_code_to_exit(code);
}

int
dfuctl_follow_jobs(const DfuctlOptions *options, const gchar *verb, GPtrArray *jobs,
		   DfuctlFollowFlags flags)
{
	Follow follow = {
	    .options = options,
	    .verb = verb,
	    .flags = flags,
	    .followed = g_ptr_array_new_with_free_func((GDestroyNotify)followed_free),
	    .loop = g_main_loop_new(NULL, FALSE),
	};
	guint sigint_id;
	gboolean all_nothing = TRUE;
	int first_failure = -1;
	int exit_code = DFUD_EXIT_OK;

	if (!options->json)
		follow.progress = dfuctl_progress_new();
	for (guint i = 0; i < jobs->len; i++) {
		Followed *f = g_new0(Followed, 1);

		f->follow = &follow;
		f->job = g_object_ref(g_ptr_array_index(jobs, i));
		if (jobs->len > 1)
			f->label = g_strdup_printf("job %" G_GUINT64_FORMAT, job_id(f->job));
		f->changed_id = g_signal_connect(f->job, "g-properties-changed",
						 G_CALLBACK(follow_properties_changed_cb), f);
		f->owner_id = g_signal_connect(f->job, "notify::g-name-owner",
					       G_CALLBACK(follow_owner_cb), f);
		g_ptr_array_add(follow.followed, f);
		follow.left++;
	}
	/* what the jobs are now; some may have ended already */
	for (guint i = 0; i < follow.followed->len; i++)
		follow_show(g_ptr_array_index(follow.followed, i));

	sigint_id = g_unix_signal_add(SIGINT, follow_sigint_cb, &follow);
	if (follow.left > 0)
		g_main_loop_run(follow.loop);
	g_source_remove(sigint_id);
	if (follow.cancel_timeout_id != 0)
		g_source_remove(follow.cancel_timeout_id);
	if (follow.vanished_id != 0)
		g_source_remove(follow.vanished_id);
	if (follow.progress != NULL)
		dfuctl_progress_end(follow.progress);

	/* update --json: the final record of its job */
	if (options->json && !(flags & DFUCTL_FOLLOW_JSON_LINES)) {
		for (guint i = 0; i < follow.followed->len; i++) {
			Followed *f = g_ptr_array_index(follow.followed, i);
			g_autoptr(DfuctlRecord) rec = dfuctl_job_record(f->job);
			dfuctl_record_print(rec, TRUE);
		}
	}

	for (guint i = 0; i < follow.followed->len; i++) {
		Followed *f = g_ptr_array_index(follow.followed, i);
		int code;

		if (f->ended) {
			code = follow_outcome(&follow, f);
		} else {
			const gchar *status = dfud_dbus_job_get_status(f->job);

			if (follow.error != NULL)
				g_printerr("dfuctl %s: job %" G_GUINT64_FORMAT ": %s (%s)\n", verb,
					   job_id(f->job), follow.error->message,
					   dfud_error_name(follow.error));
			else if (follow.flags & DFUCTL_FOLLOW_CANCEL_ON_INTERRUPT)
				g_printerr("dfuctl %s: job %" G_GUINT64_FORMAT
					   " was asked to cancel but is still %s\n",
					   verb, job_id(f->job),
					   status != NULL ? status : "unknown");
			else
				g_printerr("dfuctl %s: stopped watching job %" G_GUINT64_FORMAT
					   ", which is still %s\n",
					   verb, job_id(f->job),
					   status != NULL ? status : "unknown");
			code = follow.error != NULL ? dfud_error_to_exit(follow.error)
						    : DFUD_EXIT_FAILED;
		}
		if (code == DFUD_EXIT_OK) {
			all_nothing = FALSE;
		} else if (code != DFUD_EXIT_NOTHING_TO_DO) {
			all_nothing = FALSE;
			if (first_failure < 0)
				first_failure = code;
		}
	}
	/* nothing to do only when no job did anything */
	if (first_failure >= 0)
		exit_code = first_failure;
	else if (all_nothing && follow.followed->len > 0)
		exit_code = DFUD_EXIT_NOTHING_TO_DO;

	g_clear_error(&follow.error);
	g_ptr_array_unref(follow.followed);
	g_main_loop_unref(follow.loop);
	g_clear_pointer(&follow.progress, dfuctl_progress_free);
	return exit_code;
}
