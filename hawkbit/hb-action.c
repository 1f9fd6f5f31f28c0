/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A target's deployment: deploymentBase -> artifact (cache) -> Device.Update -> the dfud job
 * followed to its end -> closed feedback; and cancelAction against it.
 */
#define G_LOG_DOMAIN "HbAction"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gunixfdlist.h>
#include <sys/mman.h>
#include <unistd.h>

#include "dfud-dbus-error.h"
#include "dfud-error.h"
#include "hb-package.h"
#include "hb-target-private.h"

/* dfud reads the firmware within the Update call: at most its FirmwareRead timeout */
#define UPDATE_CALL_TIMEOUT_MS 120000

static void action_follow(HbTarget *t);
static gboolean follow_again_cb(gpointer user_data);

/* a job neither on the bus nor in dfud's history is looked for this many times, a second
 * apart, before the action fails */
#define HISTORY_TRIES 10
static void action_start_update(HbTarget *t);

gboolean
hb_job_status_is_final(const gchar *status)
{
	return g_strcmp0(status, "done") == 0 || g_strcmp0(status, "failed") == 0 ||
	       g_strcmp0(status, "cancelled") == 0;
}

guint64
hb_job_id(const gchar *path)
{
	const gchar *slash = path != NULL ? strrchr(path, '/') : NULL;
	return slash != NULL ? g_ascii_strtoull(slash + 1, NULL, 10) : 0;
}

void
hb_action_drop(HbTarget *t)
{
	g_clear_handle_id(&t->follow_id, g_source_remove);
	if (t->job != NULL) {
		g_clear_signal_handler(&t->job_handler, t->job);
		g_clear_object(&t->job);
	}
	g_clear_pointer(&t->job_status, g_free);
	for (guint i = 0; t->file_sha256s != NULL && i < t->file_sha256s->len; i++)
		hb_cache_release(t->connector->cache, g_ptr_array_index(t->file_sha256s, i));
	g_clear_pointer(&t->file_sha256s, g_ptr_array_unref);
	g_clear_pointer(&t->files, g_ptr_array_unref);
	g_clear_pointer(&t->deployment, hb_ddi_deployment_free);
}

/* ---- the final feedback, journaled until the server took it */

static void
closing_cb(GObject *source, GAsyncResult *res, gpointer user_data)
{
	g_autoptr(HbTarget) t = user_data;
	g_autoptr(GError) error = NULL;

	hb_http_finish(res, &error);
	t->closing_busy = FALSE;
	if (error != NULL && !g_error_matches(error, DFUD_ERROR, DFUD_ERROR_NOT_FOUND)) {
		/* sent again at the next poll */
		g_message("%s: final feedback of action %s not taken: %s", t->controller_id,
			  t->journal->action_id, error->message);
		return;
	}
	if (error != NULL)
		g_message("%s: action %s is gone from the server: %s", t->controller_id,
			  t->journal->action_id, error->message);
	else
		g_message("%s: action %s closed: %s", t->controller_id, t->journal->action_id,
			  t->journal->finished);
	if (t->journal->cancel_id != NULL) {
		g_free(t->cancel_answered);
		t->cancel_answered = g_strdup(t->journal->cancel_id);
	}
	hb_journal_close(t->journal);
	hb_target_save(t);
	if (!t->removed)
		hb_action_drop(t);
}

void
hb_action_send_closing(HbTarget *t)
{
	HbJournal *j = t->journal;
	gboolean cancelled = g_strcmp0(j->finished, "canceled") == 0;
	const gchar *id = cancelled ? j->cancel_id : j->action_id;
	g_autofree gchar *suffix = NULL;
	g_autofree gchar *url = NULL;
	g_autoptr(JsonNode) body = NULL;

	if (t->closing_busy || j->stage != HB_STAGE_CLOSING || id == NULL ||
	    !hb_target_feedback_idle(t))
		return;
	suffix = g_strdup_printf(
	    cancelled ? "/cancelAction/%s/feedback" : "/deploymentBase/%s/feedback", id);
	url = hb_target_url(t, suffix);
	body = hb_ddi_feedback(id, "closed", cancelled ? "success" : j->finished, 0, 0,
			       (const gchar *const *)j->details);
	t->closing_busy = TRUE;
	hb_http_json_async(t->connector->http, "POST", url, t->controller_id, body,
			   t->connector->cancellable, closing_cb, hb_target_ref(t));
}

void
hb_action_close(HbTarget *t, const gchar *finished, const gchar *const *details)
{
	HbJournal *j = t->journal;

	g_message("%s: action %s: %s: %s", t->controller_id, j->action_id, finished,
		  details != NULL && details[0] != NULL ? details[0] : "");
	g_free(j->finished);
	j->finished = g_strdup(finished);
	g_strfreev(j->details);
	j->details = g_strdupv((gchar **)details);
	j->stage = HB_STAGE_CLOSING;
	hb_target_save(t);
	t->action_busy = FALSE;
	hb_action_send_closing(t);
}

static void
action_fail(HbTarget *t, const gchar *first, const gchar *second)
{
	const gchar *details[] = {first, second, NULL};
	hb_action_close(t, "failure", details);
}

static void
proceeding(HbTarget *t, guint cnt, guint of, const gchar *detail)
{
	const gchar *details[] = {detail, NULL};

	t->progress_sent = g_get_monotonic_time();
	hb_target_feedback(t, "deploymentBase", t->journal->action_id, "proceeding", "none", cnt,
			   of, details);
}

/* the upload's progress: one still waiting to be sent is replaced, not queued behind */
static void
progress(HbTarget *t, guint cnt, const gchar *detail)
{
	const gchar *details[] = {detail, NULL};

	t->progress_sent = g_get_monotonic_time();
	hb_target_progress(t, t->journal->action_id, cnt, details);
}

/* ---- the job's end */

static void
action_job_final(HbTarget *t, guint64 id, const gchar *status, const gchar *result,
		 const gchar *error_name, const gchar *error_message, const gchar *last_status)
{
	HbJournal *j = t->journal;
	g_autofree gchar *first = NULL;
	g_autofree gchar *second = NULL;

	if (g_strcmp0(status, "cancelled") == 0 && j->cancel_id != NULL) {
		first = g_strdup_printf(
		    "dfud job %" G_GUINT64_FORMAT " cancelled at the server's request", id);
		const gchar *details[] = {first, NULL};
		hb_action_close(t, "canceled", details);
		return;
	}
	if (j->cancel_id != NULL) {
		/* the job ended before the cancellation reached it */
		g_autofree gchar *why = g_strdup_printf(
		    "too late to cancel: dfud job %" G_GUINT64_FORMAT " already ended (%s)", id,
		    status);
		const gchar *details[] = {why, NULL};
		hb_target_feedback(t, "cancelAction", j->cancel_id, "rejected", "none", 0, 0,
				   details);
		g_free(t->cancel_answered);
		t->cancel_answered = g_steal_pointer(&j->cancel_id);
	}
	if (g_strcmp0(status, "done") == 0) {
		first = g_strdup_printf("dfud job %" G_GUINT64_FORMAT ": %s", id, result);
		const gchar *details[] = {first, NULL};
		hb_action_close(t, "success", details);
		return;
	}
	first = g_strdup_printf("%s: %s",
				error_name != NULL && error_name[0] != '\0'
				    ? error_name
				    : (g_strcmp0(status, "cancelled") == 0
					   ? "org.dfud.Dfu1.Error.Cancelled"
					   : "org.dfud.Dfu1.Error.Failed"),
				error_message != NULL && error_message[0] != '\0'
				    ? error_message
				    : "cancelled in dfud, not by the server");
	second = g_strdup_printf("dfud job %" G_GUINT64_FORMAT " %s%s%s", id, status,
				 last_status != NULL ? " after " : "",
				 last_status != NULL ? last_status : "");
	action_fail(t, first, second);
}

static void
history_cb(GObject *source, GAsyncResult *res, gpointer user_data)
{
	g_autoptr(HbTarget) t = user_data;
	g_autoptr(GError) error = NULL;
	g_autoptr(GVariant) entries = NULL;
	guint64 want = hb_job_id(t->journal->job_path);
	GVariantIter iter;
	GVariant *entry;

	if (t->removed || t->journal->stage != HB_STAGE_UPDATING)
		return;
	if (!dfud_dbus_manager_call_get_history_finish(DFUD_DBUS_MANAGER(source), &entries, res,
						       &error)) {
		g_autofree gchar *text = hb_connector_error_text(error);
		/* the device is still there, dfud is: asked again when the target comes back */
		g_warning("%s: the history of dfud: %s", t->controller_id, text);
		return;
	}
	g_variant_iter_init(&iter, entries);
	while ((entry = g_variant_iter_next_value(&iter)) != NULL) {
		g_autoptr(GVariant) e = entry;
		guint64 id = 0;
		const gchar *result = "", *name = "", *message = "";

		if (!g_variant_lookup(e, "job", "t", &id) || id != want)
			continue;
		g_variant_lookup(e, "result", "&s", &result);
		g_variant_lookup(e, "error-name", "&s", &name);
		g_variant_lookup(e, "error-message", "&s", &message);
		g_message("%s: dfud job %" G_GUINT64_FORMAT " ended while away: %s",
			  t->controller_id, id, result);
		action_job_final(t, id,
				 g_strcmp0(result, "failed") == 0      ? "failed"
				 : g_strcmp0(result, "cancelled") == 0 ? "cancelled"
								       : "done",
				 result, name, message, NULL);
		return;
	}
	/* a dfud that has just started may publish its devices before the jobs it takes up */
	if (t->history_tries < HISTORY_TRIES) {
		t->history_tries++;
		g_clear_handle_id(&t->follow_id, g_source_remove);
		t->follow_id =
		    g_timeout_add_seconds_full(G_PRIORITY_DEFAULT, 1, follow_again_cb,
					       hb_target_ref(t), (GDestroyNotify)hb_target_unref);
		return;
	}
	action_fail(t, "org.dfud.Dfu1.Error.NotFound: dfud has no record of the job",
		    t->journal->job_path);
}

static void
action_from_history(HbTarget *t)
{
	GVariantBuilder filter;

	g_variant_builder_init(&filter, G_VARIANT_TYPE_VARDICT);
	g_variant_builder_add(&filter, "{sv}", "device", g_variant_new_string(t->device_path));
	g_variant_builder_add(&filter, "{sv}", "limit", g_variant_new_uint32(1000));
	dfud_dbus_manager_call_get_history(t->connector->root, g_variant_builder_end(&filter),
					   G_DBUS_CALL_FLAGS_NONE, -1, t->connector->cancellable,
					   history_cb, hb_target_ref(t));
}

/* ---- following the job */

static void
job_changed(HbTarget *t)
{
	const gchar *status = dfud_dbus_job_get_status(t->job);
	guint percent = dfud_dbus_job_get_progress(t->job);
	guint64 id = hb_job_id(t->journal->job_path);
	gint64 now = g_get_monotonic_time();
	gboolean changed = g_strcmp0(status, t->job_status) != 0;

	if (status == NULL || t->journal->stage != HB_STAGE_UPDATING)
		return;
	if (dfud_dbus_job_get_mtu(t->job) > 0)
		t->mtu = dfud_dbus_job_get_mtu(t->job);
	if (hb_job_status_is_final(status)) {
		g_autoptr(DfudDbusJob) job = g_object_ref(t->job);
		g_autofree gchar *last = g_steal_pointer(&t->job_status);
		g_clear_signal_handler(&t->job_handler, t->job);
		g_clear_object(&t->job);
		action_job_final(t, id, status, dfud_dbus_job_get_result(job),
				 dfud_dbus_job_get_error_name(job),
				 dfud_dbus_job_get_error_message(job), last);
		return;
	}
	if (changed) {
		/* a Job holds its current stage only: the stages it passed before its proxy was
		 * ready (a fast job, a restart) are said to be passed, never made up */
		gboolean late = t->job_status == NULL && g_strcmp0(status, "queued") != 0 &&
				g_strcmp0(status, "connecting") != 0;
		g_autofree gchar *text = g_strdup_printf(
		    "dfud job %" G_GUINT64_FORMAT ": %s%s", id, status,
		    late ? " (first seen at this stage: the ones before it passed unseen)" : "");
		g_free(t->job_status);
		t->job_status = g_strdup(status);
		proceeding(t, percent, 100, text);
		hb_action_job_cancel(t);
	} else if (g_strcmp0(status, "uploading") == 0 &&
		   now - t->progress_sent >=
		       (gint64)t->connector->config->progress_interval * G_USEC_PER_SEC) {
		g_autofree gchar *text =
		    g_strdup_printf("dfud job %" G_GUINT64_FORMAT ": uploading, %" G_GUINT64_FORMAT
				    " of %" G_GUINT64_FORMAT " bytes",
				    id, dfud_dbus_job_get_bytes_done(t->job),
				    dfud_dbus_job_get_bytes_total(t->job));
		progress(t, percent, text);
	}
}

static void
job_properties_cb(GDBusProxy *proxy, GVariant *changed, GStrv invalidated, gpointer user_data)
{
	job_changed(user_data);
}

static void
job_proxy_cb(GObject *source, GAsyncResult *res, gpointer user_data)
{
	g_autoptr(HbTarget) t = user_data;
	g_autoptr(GError) error = NULL;
	g_autoptr(DfudDbusJob) job = dfud_dbus_job_proxy_new_finish(res, &error);

	if (t->removed || t->journal->stage != HB_STAGE_UPDATING)
		return;
	/* a job no longer on the bus (JobLinger passed): its end is in the history */
	if (job == NULL || dfud_dbus_job_get_status(job) == NULL) {
		action_from_history(t);
		return;
	}
	g_clear_object(&t->job);
	t->history_tries = 0;
	t->job = g_steal_pointer(&job);
	t->job_handler =
	    g_signal_connect(t->job, "g-properties-changed", G_CALLBACK(job_properties_cb), t);
	job_changed(t);
	if (t->job != NULL)
		hb_action_job_cancel(t);
}

static gboolean
follow_again_cb(gpointer user_data)
{
	HbTarget *t = user_data;

	t->follow_id = 0;
	if (!t->removed && t->journal->stage == HB_STAGE_UPDATING)
		action_follow(t);
	return G_SOURCE_REMOVE;
}

/*
 * made once the main loop runs (as dfuctl does): a proxy made synchronously applies the
 * PropertiesChanged that arrived while it waited after the properties it got
 */
static void
action_follow(HbTarget *t)
{
	dfud_dbus_job_proxy_new(t->connector->bus, G_DBUS_PROXY_FLAGS_DO_NOT_AUTO_START,
				DFUD_DBUS_NAME, t->journal->job_path, t->connector->cancellable,
				job_proxy_cb, hb_target_ref(t));
}

void
hb_action_resume(HbTarget *t)
{
	const gchar *current = dfud_dbus_device_get_current_job(t->device);

	if (t->journal->job_path != NULL) {
		action_follow(t);
		return;
	}
	/* stopped inside the Update call: its job is the device's current one, if any */
	if (current != NULL && g_strcmp0(current, "/") != 0) {
		t->journal->job_path = g_strdup(current);
		hb_target_save(t);
		action_follow(t);
		return;
	}
	t->journal->stage = HB_STAGE_DOWNLOADED;
	hb_target_save(t);
}

/* ---- Device.Update, a few calls at a time */

static void update_next(HbConnector *c);

static void
update_cb(GObject *source, GAsyncResult *res, gpointer user_data)
{
	g_autoptr(HbTarget) t = user_data;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *path = NULL;
	HbConnector *c = t->connector;

	c->update_calls--;
	update_next(c);
	if (!dfud_dbus_device_call_update_finish(DFUD_DBUS_DEVICE(source), &path, NULL, res,
						 &error)) {
		g_autofree gchar *text = hb_connector_error_text(error);
		t->action_busy = FALSE;
		if (t->removed)
			return;
		/* Busy: another update of the device, or dfud's read limits: later, not a failure
		 */
		if (g_str_has_prefix(text, "org.dfud.Dfu1.Error.Busy")) {
			g_message("%s: Device.Update: %s; tried again at the next poll",
				  t->controller_id, text);
			t->journal->stage = HB_STAGE_DOWNLOADED;
			hb_target_save(t);
			return;
		}
		action_fail(t, text, "refused by dfud before the device was touched");
		return;
	}
	t->action_busy = FALSE;
	g_free(t->journal->job_path);
	t->journal->job_path = g_steal_pointer(&path);
	hb_target_save(t);
	if (t->removed)
		return;
	g_message("%s: action %s is dfud job %s", t->controller_id, t->journal->action_id,
		  t->journal->job_path);
	action_follow(t);
}

/* the one artifact's file, or the package made of several, in memory: made again for the
 * call (checked as at download), so at most HB_CONNECTOR_MAX_UPDATE_CALLS are held at once */
static int
update_fd(HbTarget *t, GError **error)
{
	const gchar *path = g_ptr_array_index(t->files, 0);
	g_autoptr(GBytes) package = NULL;
	gconstpointer data;
	gsize size, done = 0;
	int fd;

	if (t->files->len == 1) {
		fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
		if (fd < 0) {
			int saved = errno;
			g_set_error(error, DFUD_ERROR, DFUD_ERROR_IO, "cannot open %s: %s", path,
				    g_strerror(saved));
		}
		return fd;
	}
	package = hb_package_assemble(t->deployment, t->files, error);
	if (package == NULL)
		return -1;
	fd = memfd_create("dfud-hawkbit-package", MFD_CLOEXEC);
	data = g_bytes_get_data(package, &size);
	while (fd >= 0 && done < size) {
		ssize_t n = write(fd, (const guint8 *)data + done, size - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			close(fd);
			fd = -1;
			break;
		}
		done += (gsize)n;
	}
	if (fd >= 0 && lseek(fd, 0, SEEK_SET) == 0)
		return fd;
	if (fd >= 0)
		close(fd);
	g_set_error(error, DFUD_ERROR, DFUD_ERROR_IO, "the package in memory: %s",
		    g_strerror(errno));
	return -1;
}

static void
update_call(HbTarget *t)
{
	g_autoptr(GUnixFDList) fds = g_unix_fd_list_new();
	g_autoptr(GError) error = NULL;
	GVariantBuilder options;
	gint index;
	int fd;

	if (t->removed || t->files == NULL || t->files->len == 0) {
		t->action_busy = FALSE;
		return;
	}
	fd = update_fd(t, &error);
	if (fd < 0) {
		g_autofree gchar *text = hb_package_error_text(error);
		action_fail(t, text, NULL);
		return;
	}
	index = g_unix_fd_list_append(fds, fd, &error);
	close(fd);
	if (index < 0) {
		action_fail(t, error->message, NULL);
		return;
	}
	g_variant_builder_init(&options, G_VARIANT_TYPE_VARDICT);
	g_variant_builder_add(&options, "{sv}", "mode",
			      g_variant_new_string(t->connector->config->mode));
	if (t->connector->config->allow_downgrade)
		g_variant_builder_add(&options, "{sv}", "allow-downgrade",
				      g_variant_new_boolean(TRUE));
	/* journaled before the call: a restart inside it finds the job as the device's current */
	t->journal->stage = HB_STAGE_UPDATING;
	g_clear_pointer(&t->journal->job_path, g_free);
	hb_target_save(t);
	t->connector->update_calls++;
	dfud_dbus_device_call_update(t->device, g_variant_new_handle(index),
				     g_variant_builder_end(&options), G_DBUS_CALL_FLAGS_NONE,
				     UPDATE_CALL_TIMEOUT_MS, fds, t->connector->cancellable,
				     update_cb, hb_target_ref(t));
}

static void
update_next(HbConnector *c)
{
	while (c->update_calls < HB_CONNECTOR_MAX_UPDATE_CALLS &&
	       !g_queue_is_empty(&c->update_waiting)) {
		g_autoptr(HbTarget) t = g_queue_pop_head(&c->update_waiting);
		update_call(t);
	}
}

static void
action_start_update(HbTarget *t)
{
	g_queue_push_tail(&t->connector->update_waiting, hb_target_ref(t));
	update_next(t->connector);
}

/* ---- the artifact */

typedef struct {
	HbTarget *target;
	gchar *action_id;
	gchar *sha256;
} Fetch;

static void fetch_next(HbTarget *t);

/* every artifact is in the cache: one is given to dfud as it is, several as one package */
static void
fetch_done(HbTarget *t)
{
	HbDdiDeployment *d = t->deployment;
	g_autofree gchar *what = NULL;
	const gchar *reason;
	guint64 total = 0;

	if (d->artifacts->len > 1) {
		g_autoptr(GError) error = NULL;
		g_autoptr(GBytes) package = hb_package_assemble(d, t->files, &error);
		if (package == NULL) {
			g_autofree gchar *text = hb_package_error_text(error);
			action_fail(t, text, "no device was touched");
			return;
		}
	}
	for (guint i = 0; i < d->artifacts->len; i++)
		total += ((HbDdiArtifact *)g_ptr_array_index(d->artifacts, i))->size;
	what = d->artifacts->len > 1
		   ? g_strdup_printf("%u artifacts as one package (%" G_GUINT64_FORMAT
				     " bytes, sha256 checked, manifest checked)",
				     d->artifacts->len, total)
		   : g_strdup_printf(
			 "%s (%" G_GUINT64_FORMAT " bytes, sha256 checked)",
			 ((HbDdiArtifact *)g_ptr_array_index(d->artifacts, 0))->filename, total);
	reason = g_strcmp0(d->update, "skip") == 0 ? "the server (update: skip)"
		 : g_strcmp0(d->maintenance_window, "unavailable") == 0 ? "the maintenance window"
									: NULL;
	t->journal->stage = HB_STAGE_DOWNLOADED;
	hb_target_save(t);
	if (reason != NULL) {
		/* said once per reason, not at every poll */
		if (g_strcmp0(reason, t->waiting_for) != 0) {
			g_autofree gchar *text =
			    g_strdup_printf("downloaded %s; the update waits for %s", what, reason);
			proceeding(t, 0, 0, text);
			g_free(t->waiting_for);
			t->waiting_for = g_strdup(reason);
		}
		t->action_busy = FALSE;
		return;
	}
	g_clear_pointer(&t->waiting_for, g_free);
	action_start_update(t);
}

static void
fetch_cb(GObject *source, GAsyncResult *res, gpointer user_data)
{
	Fetch *f = user_data;
	g_autoptr(HbTarget) t = f->target;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *path = hb_cache_fetch_finish(res, &error);
	g_autofree gchar *action_id = f->action_id;
	g_autofree gchar *sha256 = f->sha256;
	HbDdiDeployment *d = t->deployment;

	g_free(f);
	/* the action was cancelled or replaced meanwhile, or the device went */
	if (t->removed || g_strcmp0(t->journal->action_id, action_id) != 0 ||
	    t->journal->stage != HB_STAGE_DOWNLOADING || d == NULL) {
		if (path != NULL)
			hb_cache_release(t->connector->cache, sha256);
		t->action_busy = FALSE;
		return;
	}
	if (path == NULL) {
		g_autofree gchar *text = g_strdup_printf(
		    "org.dfud.Dfu1.Error.%s: %s",
		    g_error_matches(error, DFUD_ERROR, DFUD_ERROR_IMAGE_HASH_MISMATCH)
			? "ImageHashMismatch"
			: "Io",
		    error->message);
		action_fail(t, text, "no device was touched");
		return;
	}
	g_ptr_array_add(t->files, g_steal_pointer(&path));
	g_ptr_array_add(t->file_sha256s, g_steal_pointer(&sha256));
	if (t->files->len < d->artifacts->len)
		fetch_next(t);
	else
		fetch_done(t);
}

/* the artifacts one after the other: the cache shares each with the targets wanting it */
static void
fetch_next(HbTarget *t)
{
	HbDdiArtifact *a = g_ptr_array_index(t->deployment->artifacts, t->files->len);
	Fetch *f = g_new0(Fetch, 1);

	f->target = hb_target_ref(t);
	f->action_id = g_strdup(t->journal->action_id);
	f->sha256 = g_strdup(a->sha256);
	hb_cache_fetch_async(t->connector->cache, a, t->controller_id, fetch_cb, f);
}

/* the artifacts dfud is given, or the action fails saying why */
static gboolean
deployment_pick(HbTarget *t, HbDdiDeployment *d)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *text = NULL;

	if (hb_package_pick(d, t->connector->config->max_cache_size, &error))
		return TRUE;
	text = hb_package_error_text(error);
	action_fail(t, text, "no device was touched");
	return FALSE;
}

static void
deployment_cb(GObject *source, GAsyncResult *res, gpointer user_data)
{
	g_autoptr(HbTarget) t = user_data;
	g_autoptr(GError) error = NULL;
	g_autoptr(JsonNode) answer = hb_http_json_finish(res, &error);
	g_autofree gchar *want = g_steal_pointer(&t->fetching);
	g_autoptr(HbDdiDeployment) d = NULL;
	HbJournal *j = t->journal;

	if (t->removed) {
		t->action_busy = FALSE;
		return;
	}
	if (answer == NULL && error == NULL)
		g_set_error_literal(&error, DFUD_ERROR, DFUD_ERROR_PROTOCOL, "an empty answer");
	if (error != NULL && !g_error_matches(error, DFUD_ERROR, DFUD_ERROR_PROTOCOL)) {
		/* the network or the server: the next poll asks again */
		g_message("%s: deploymentBase: %s", t->controller_id, error->message);
		t->action_busy = FALSE;
		return;
	}
	if (error == NULL)
		d = hb_ddi_deployment_parse(answer, &error);
	if (d != NULL && g_strcmp0(d->id, want) != 0)
		g_set_error(&error, DFUD_ERROR, DFUD_ERROR_PROTOCOL,
			    "the deploymentBase of action %s says it is action %s", want, d->id);
	if (error != NULL || d == NULL) {
		g_autofree gchar *text = g_strdup_printf(
		    "org.dfud.Dfu1.Error.Protocol: %s",
		    error != NULL ? error->message : "an unreadable deploymentBase");
		g_free(j->action_id);
		j->action_id = g_strdup(want);
		action_fail(t, text, "no device was touched");
		return;
	}
	if (g_strcmp0(j->action_id, d->id) != 0 || j->stage == HB_STAGE_NONE) {
		g_free(j->action_id);
		j->action_id = g_strdup(d->id);
		j->stage = HB_STAGE_NONE;
	}
	if (!deployment_pick(t, d))
		return;
	if (g_strcmp0(d->download, "skip") == 0) {
		t->action_busy = FALSE;
		return;
	}
	if (j->stage == HB_STAGE_NONE) {
		g_autoptr(GString) text = g_string_new("downloading ");
		for (guint i = 0; i < d->artifacts->len; i++) {
			HbDdiArtifact *a = g_ptr_array_index(d->artifacts, i);
			g_string_append_printf(text, "%s%s (%" G_GUINT64_FORMAT " bytes%s%s)",
					       i > 0 ? ", " : "", a->filename, a->size,
					       a->image != NULL ? ", image " : "",
					       a->image != NULL ? a->image : "");
		}
		g_message("%s: action %s: %s (%s)", t->controller_id, d->id, d->version, text->str);
		proceeding(t, 0, 0, text->str);
	}
	/* a waiting action's files are fetched again (from the cache) when its time came */
	hb_action_drop(t);
	j->stage = HB_STAGE_DOWNLOADING;
	hb_target_save(t);
	t->deployment = g_steal_pointer(&d);
	t->files = g_ptr_array_new_with_free_func(g_free);
	t->file_sha256s = g_ptr_array_new_with_free_func(g_free);
	fetch_next(t);
}

void
hb_action_poll(HbTarget *t, const gchar *href)
{
	g_autofree gchar *id = hb_ddi_href_id(href, "deploymentBase");
	HbJournal *j = t->journal;

	if (id == NULL) {
		g_message("%s: a deploymentBase link without an action id: %s", t->controller_id,
			  href);
		return;
	}
	if (t->action_busy)
		return;
	if (hb_journal_is_closed(j, id)) {
		/* its final feedback was taken: never applied twice */
		g_message("%s: action %s was closed already: not applied again", t->controller_id,
			  id);
		return;
	}
	if (j->stage == HB_STAGE_CLOSING || j->stage == HB_STAGE_UPDATING) {
		if (j->stage == HB_STAGE_UPDATING && g_strcmp0(j->action_id, id) == 0 &&
		    t->job == NULL && !t->action_busy && j->job_path != NULL)
			action_follow(t);
		return;
	}
	if (j->stage == HB_STAGE_DOWNLOADING && g_strcmp0(j->action_id, id) == 0 &&
	    t->deployment != NULL)
		return;
	if (j->stage != HB_STAGE_NONE && g_strcmp0(j->action_id, id) != 0)
		g_message("%s: action %s replaces action %s (%s)", t->controller_id, id,
			  j->action_id, hb_stage_name(j->stage));
	t->action_busy = TRUE;
	g_free(t->fetching);
	t->fetching = g_strdup(id);
	hb_http_json_async(t->connector->http, "GET", href, t->controller_id, NULL,
			   t->connector->cancellable, deployment_cb, hb_target_ref(t));
}
