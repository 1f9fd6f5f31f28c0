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
/* a job gone from the bus before dfuctl saw it end: how far back its history entry is looked
 * for (newest first), and how long that call may take */
#define HISTORY_LOOKBACK 200u
#define HISTORY_CALL_TIMEOUT_MS 10000

/* --- following jobs until they end */

typedef struct _Follow Follow;

typedef struct {
	Follow *follow;
	DfudDbusJob *job;
	gchar *label;
	gboolean ended;
	gboolean gone;	   /* left the bus (InterfacesRemoved) before a final status was seen */
	GVariant *history; /* then: its Manager.GetHistory entry, when dfud has one */
	gulong changed_id;
	gulong owner_id;
	guint removed_id;
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
	if (f->removed_id != 0)
		g_dbus_connection_signal_unsubscribe(
		    g_dbus_proxy_get_connection(G_DBUS_PROXY(f->job)), f->removed_id);
	g_clear_pointer(&f->history, g_variant_unref);
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

/*
 * The job object left the bus without dfuctl seeing a final status: a JobLinger of 0 can unexport
 * a job that ends within moments of its start before dfuctl's proxy has loaded it. Its outcome
 * is in dfud's history; waiting on would be waiting forever.
 */
static void
follow_gone(Followed *f)
{
	if (f->ended)
		return;
	f->ended = TRUE;
	f->gone = TRUE;
	if (--f->follow->left == 0)
		g_main_loop_quit(f->follow->loop);
}

static void
follow_removed_cb(GDBusConnection *bus, const gchar *sender, const gchar *path, const gchar *iface,
		  const gchar *signal, GVariant *params, gpointer user_data)
{
	Followed *f = user_data;
	const gchar *object = NULL;

	if (!g_variant_is_of_type(params, G_VARIANT_TYPE("(oas)")))
		return;
	g_variant_get(params, "(&o@as)", &object, NULL);
	if (g_strcmp0(object, g_dbus_proxy_get_object_path(G_DBUS_PROXY(f->job))) != 0)
		return;
	/* a final status sent before the removal has been seen by now (one connection, in order) */
	follow_show(f);
	follow_gone(f);
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

/* the entry of job @id in dfud's history (Manager.GetHistory), NULL when it has none */
static GVariant *
history_entry(DfudDbusJob *job, guint64 id)
{
	GVariantBuilder filter;
	g_autoptr(GVariant) ret = NULL;
	g_autoptr(GVariant) entries = NULL;

	g_variant_builder_init(&filter, G_VARIANT_TYPE_VARDICT);
	g_variant_builder_add(&filter, "{sv}", "limit", g_variant_new_uint32(HISTORY_LOOKBACK));
	ret = g_dbus_connection_call_sync(g_dbus_proxy_get_connection(G_DBUS_PROXY(job)),
					  DFUD_DBUS_NAME, DFUD_DBUS_PATH, "org.dfud.Dfu1.Manager",
					  "GetHistory", g_variant_new("(a{sv})", &filter),
					  G_VARIANT_TYPE("(aa{sv})"), G_DBUS_CALL_FLAGS_NONE,
					  HISTORY_CALL_TIMEOUT_MS, NULL, NULL);
	if (ret == NULL)
		return NULL;
	entries = g_variant_get_child_value(ret, 0);
	for (gsize i = 0; i < g_variant_n_children(entries); i++) {
		g_autoptr(GVariant) entry = g_variant_get_child_value(entries, i);
		guint64 entry_id = 0;

		if (g_variant_lookup(entry, "job", "t", &entry_id) && entry_id == id)
			return g_steal_pointer(&entry);
	}
	return NULL;
}

/* a failure or cancellation as dfuctl prints it; returns its exit code */
static int
report_failure(Follow *follow, guint64 id, const gchar *status, const gchar *error_name,
	       const gchar *raw_message, const gchar *source)
{
	g_autofree gchar *message = dfuctl_progress_sanitize(raw_message);
	gboolean cancelled = g_strcmp0(status, "cancelled") == 0;
	DfudErrorCode code = DFUD_ERROR_FAILED;
	const gchar *name;

	if (error_name != NULL && g_str_has_prefix(error_name, DFUD_DBUS_ERROR_PREFIX) &&
	    dfud_error_code_from_name(error_name + strlen(DFUD_DBUS_ERROR_PREFIX), &code)) {
		/* code set */
	} else if (cancelled) {
		code = DFUD_ERROR_CANCELLED;
	}
	name = dfud_error_code_to_name(code);
	if (message[0] == '\0') {
		g_free(message);
		message = g_strdup(cancelled ? "cancelled" : "no reason given");
	}
	g_printerr("dfuctl %s: job %" G_GUINT64_FORMAT " %s: %s (%s)%s\n", follow->verb, id,
		   cancelled ? "was cancelled" : "failed", message, name, source);
	return cancelled ? DFUD_EXIT_FAILED : (int)dfud_error_code_to_exit(code);
}

#define FROM_HISTORY " [from dfud's history: the job left the bus before dfuctl saw it end]"

/* how a job that left the bus early ended, from its history entry; returns its exit code */
static int
follow_outcome_gone(Follow *follow, Followed *f)
{
	guint64 id = job_id(f->job);
	const gchar *result = NULL;
	const gchar *error_name = NULL;
	const gchar *message = "";
	const gchar *version = NULL;

	if (f->history == NULL) {
		g_printerr("dfuctl %s: job %" G_GUINT64_FORMAT
			   " left the bus before dfuctl saw it end, and dfud's history does not "
			   "have it (Failed)\n",
			   follow->verb, id);
		return DFUD_EXIT_FAILED;
	}
	g_variant_lookup(f->history, "result", "&s", &result);
	g_variant_lookup(f->history, "error-name", "&s", &error_name);
	g_variant_lookup(f->history, "error-message", "&s", &message);
	g_variant_lookup(f->history, "new-version", "&s", &version);
	if (g_strcmp0(result, "failed") == 0 || g_strcmp0(result, "cancelled") == 0 ||
	    result == NULL)
		return report_failure(follow, id, result != NULL ? result : "failed", error_name,
				      message, FROM_HISTORY);
	if (!follow->options->json) {
		g_autofree gchar *line = g_strdup_printf(
		    "%s: job %" G_GUINT64_FORMAT ", %s" FROM_HISTORY, result, id,
		    version != NULL && version[0] != '\0' ? version : "the new firmware");
		g_autofree gchar *safe = dfuctl_progress_sanitize(line);

		fprintf(stdout, "%s\n", safe);
		fflush(stdout);
	}
	return g_strcmp0(result, "up-to-date") == 0 ? DFUD_EXIT_NOTHING_TO_DO : DFUD_EXIT_OK;
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

	return report_failure(follow, job_id(job), status, error_name,
			      dfud_dbus_job_get_error_message(job), "");
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
		/* every removal, the job's picked in the callback: GLib 2.74 matches arg0 against
		 * string arguments only, never an object path */
		f->removed_id = g_dbus_connection_signal_subscribe(
		    g_dbus_proxy_get_connection(G_DBUS_PROXY(f->job)), DFUD_DBUS_NAME,
		    "org.freedesktop.DBus.ObjectManager", "InterfacesRemoved", NULL, NULL,
		    G_DBUS_SIGNAL_FLAGS_NONE, follow_removed_cb, f, NULL);
		g_ptr_array_add(follow.followed, f);
		follow.left++;
	}
	/* what the jobs are now; some may have ended already, or be gone: dfud is there, the job
	 * has no properties */
	for (guint i = 0; i < follow.followed->len; i++) {
		Followed *f = g_ptr_array_index(follow.followed, i);
		g_autofree gchar *owner = g_dbus_proxy_get_name_owner(G_DBUS_PROXY(f->job));

		follow_show(f);
		if (!f->ended && owner != NULL && dfud_dbus_job_get_status(f->job) == NULL)
			follow_gone(f);
	}

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
	for (guint i = 0; i < follow.followed->len; i++) {
		Followed *f = g_ptr_array_index(follow.followed, i);

		if (f->gone)
			f->history = history_entry(f->job, job_id(f->job));
	}

	/* update --json: the final record of its job (its history entry when it left early) */
	if (options->json && !(flags & DFUCTL_FOLLOW_JSON_LINES)) {
		for (guint i = 0; i < follow.followed->len; i++) {
			Followed *f = g_ptr_array_index(follow.followed, i);
			g_autoptr(DfuctlRecord) rec = f->gone && f->history != NULL
							  ? dfuctl_history_record(f->history)
							  : dfuctl_job_record(f->job);
			dfuctl_record_print(rec, TRUE);
		}
	}

	for (guint i = 0; i < follow.followed->len; i++) {
		Followed *f = g_ptr_array_index(follow.followed, i);
		int code;

		if (f->gone) {
			code = follow_outcome_gone(&follow, f);
		} else if (f->ended) {
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
