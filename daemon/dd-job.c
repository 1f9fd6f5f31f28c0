/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "DfudJob"

#include "config.h"

#include "dd-job.h"
#include "dd-log.h"
#include "dfud-dbus-error.h"
#include "dfud-error.h"
#include "dfud-hex.h"
#include "smp/dfud-smp.h"

/* PropertiesChanged at most this often while uploading; stage changes go out at once */
#define DD_JOB_PROGRESS_INTERVAL_US (250 * G_TIME_SPAN_MILLISECOND)

struct _DdJob {
	GObject parent_instance;
	DdContext *ctx; /* borrowed: the manager outlives its jobs */
	DdJobRecord *record;
	DfudPackage *package; /* while it runs: a queued job holds no firmware (see load_package) */
	gchar *new_version;   /* of the image the job is about, for the history */
	gchar *new_hash;      /* its hash, hex */
	gchar *path;
	gchar *device_log_name;
	DfudDbusObjectSkeleton *object;
	DfudDbusJob *iface;

	DfudTransport *transport;
	DdSlot *slot;
	DfudUpdater *updater;
	GCancellable *cancellable;
	DfudUpdateProgress pending;
	gboolean has_pending;
	gint64 last_apply_us;
	guint apply_id;
	gboolean finished;
	gboolean running;
	GVariant *history_entry;
};

G_DEFINE_TYPE(DdJob, dd_job, G_TYPE_OBJECT)

enum { SIGNAL_FINISHED, SIGNAL_LAST };
static guint signals[SIGNAL_LAST];

guint64
dd_job_get_id(DdJob *self)
{
	return self->record->id;
}

const gchar *
dd_job_get_path(DdJob *self)
{
	return self->path;
}

DfudDbusObjectSkeleton *
dd_job_get_object(DdJob *self)
{
	return self->object;
}

gboolean
dd_job_is_finished(DdJob *self)
{
	return self->finished;
}

gboolean
dd_job_is_running(DdJob *self)
{
	return self->running;
}

GVariant *
dd_job_get_history_entry(DdJob *self)
{
	return self->history_entry;
}

const DfudSmpImageState *
dd_job_get_image_state(DdJob *self)
{
	return self->updater != NULL ? dfud_updater_get_image_state(self->updater) : NULL;
}

/* --- what the job updates --- */

static DfudImage *
main_image(DdJob *self, DfudPackage *package)
{
	GPtrArray *entries = dfud_package_get_entries(package);
	DfudPackageEntry *best = NULL;

	/* the image the job is about: the chosen index, else the lowest application index */
	for (guint i = 0; i < entries->len; i++) {
		DfudPackageEntry *entry = g_ptr_array_index(entries, i);
		guint index = dfud_package_entry_get_image_index(entry);
		if (self->record->image >= 0 && index != (guint)self->record->image)
			continue;
		if (best == NULL || index < dfud_package_entry_get_image_index(best))
			best = entry;
	}
	return best != NULL ? dfud_package_entry_get_image(best) : NULL;
}

static GVariant *
bytes_variant(const guint8 *data, gsize len)
{
	return g_variant_new_fixed_array(G_VARIANT_TYPE_BYTE, data, len, 1);
}

/* the Plan property (org.dfud.Dfu1.Job.xml) */
static GVariant *
plan_variant(const DfudUpdateSteps *steps)
{
	g_autofree gchar *text = dfud_update_steps_describe(steps);
	GVariantDict dict;

	g_variant_dict_init(&dict, NULL);
	g_variant_dict_insert(&dict, "bootloader-mode", "s",
			      dfud_smp_bootloader_mode_to_string(steps->bootloader_mode));
	g_variant_dict_insert(&dict, "strategy", "s",
			      dfud_update_strategy_to_string(steps->strategy));
	g_variant_dict_insert(&dict, "state-write", "s",
			      dfud_update_mark_kind_to_string(steps->mark));
	g_variant_dict_insert(&dict, "enter-loader", "b", steps->enter_loader);
	g_variant_dict_insert(&dict, "reset", "b", steps->reset);
	g_variant_dict_insert(&dict, "confirm-after", "b", steps->confirm_after);
	g_variant_dict_insert(&dict, "success", "s", dfud_update_outcome_to_string(steps->outcome));
	g_variant_dict_insert(&dict, "steps", "s", text);
	return g_variant_dict_end(&dict);
}

static GVariant *
images_variant(DfudPackage *package)
{
	GPtrArray *entries = dfud_package_get_entries(package);
	GVariantBuilder builder;

	g_variant_builder_init(&builder, G_VARIANT_TYPE("aa{sv}"));
	for (guint i = 0; i < entries->len; i++) {
		DfudPackageEntry *entry = g_ptr_array_index(entries, i);
		DfudImage *image = dfud_package_entry_get_image(entry);
		g_autofree gchar *version =
		    dfud_image_version_to_string(dfud_image_get_version(image));
		GBytes *hash = dfud_image_get_hash(image);
		GVariantDict dict;

		g_variant_dict_init(&dict, NULL);
		g_variant_dict_insert(&dict, "image", "u", dfud_package_entry_get_image_index(entry));
		g_variant_dict_insert(&dict, "role", "s",
				      dfud_image_role_to_string(dfud_package_entry_get_role(entry)));
		g_variant_dict_insert(&dict, "version", "s", version);
		g_variant_dict_insert_value(
		    &dict, "hash",
		    bytes_variant(g_bytes_get_data(hash, NULL), g_bytes_get_size(hash)));
		g_variant_dict_insert(&dict, "size", "t", (guint64)dfud_image_get_size(image));
		g_variant_builder_add_value(&builder, g_variant_dict_end(&dict));
	}
	return g_variant_builder_end(&builder);
}

/* what image 0 (or the job's image) ran before, from the first image state read */
static void
note_old_image(DdJob *self)
{
	const DfudSmpImageState *state = dfud_updater_get_image_state(self->updater);
	guint index = self->record->image >= 0 ? (guint)self->record->image : 0;
	const DfudSmpImageSlot *active;

	if (state == NULL || dfud_dbus_job_get_old_version(self->iface)[0] != '\0')
		return;
	active = dfud_smp_image_state_find_active(state, index);
	if (active == NULL)
		return;
	dfud_dbus_job_set_old_version(self->iface, active->version != NULL ? active->version : "");
	dfud_dbus_job_set_old_hash(self->iface, bytes_variant(active->hash, active->hash_len));
}

static void
journal_stage(DdJob *self, DfudUpdateStage stage)
{
	DfudUpdateStage reached = DFUD_UPDATE_STAGE_QUEUED;
	g_autoptr(GError) error = NULL;

	for (guint s = 0; s <= DFUD_UPDATE_STAGE_CONFIRMING; s++) {
		if (g_strcmp0(self->record->stage, dfud_update_stage_to_string(s)) == 0)
			reached = s;
	}
	/* "connecting" tells a restart nothing that "queued" does not (see was_underway()):
	 * only the stages past the connection are worth a durable write */
	if (stage <= reached || stage <= DFUD_UPDATE_STAGE_CONNECTING ||
	    stage > DFUD_UPDATE_STAGE_CONFIRMING)
		return;
	g_free(self->record->stage);
	self->record->stage = g_strdup(dfud_update_stage_to_string(stage));
	self->record->bytes_done = self->pending.bytes_done;
	if (!dd_store_save_job(self->ctx->store, self->record, &error))
		dd_job_warning(self->device_log_name, self->record->id,
			       "cannot journal the job: %s", error->message);
}

static void
apply_progress(DdJob *self)
{
	const DfudUpdateProgress *p = &self->pending;
	const gchar *status = dfud_update_stage_to_string(p->stage);

	self->has_pending = FALSE;
	self->last_apply_us = g_get_monotonic_time();
	if (g_strcmp0(dfud_dbus_job_get_status(self->iface), status) != 0) {
		dd_job_info(self->device_log_name, self->record->id, "%s", status);
		journal_stage(self, p->stage);
	}
	note_old_image(self);
	if (p->planned && g_variant_n_children(dfud_dbus_job_get_plan(self->iface)) == 0)
		dfud_dbus_job_set_plan(self->iface, plan_variant(&p->steps));
	dfud_dbus_job_set_bytes_done(self->iface, p->bytes_done);
	if (p->bytes_total > 0)
		dfud_dbus_job_set_bytes_total(self->iface, p->bytes_total);
	dfud_dbus_job_set_progress(
	    self->iface, p->bytes_total > 0 ? (guint)MIN(100, p->bytes_done * 100 / p->bytes_total)
					    : 0);
	dfud_dbus_job_set_rate(self->iface, p->rate);
	dfud_dbus_job_set_mtu(self->iface, p->mtu);
	dfud_dbus_job_set_buf_size(self->iface, p->buf_size);
	dfud_dbus_job_set_window(self->iface, p->window);
	dfud_dbus_job_set_image(self->iface, p->image_index);
	dfud_dbus_job_set_status(self->iface, status);
	/* each Status its own PropertiesChanged (the skeleton merges what one iteration sets);
	 * the final one waits for finish(), which sets Result with it */
	if (p->stage < DFUD_UPDATE_STAGE_DONE)
		g_dbus_interface_skeleton_flush(G_DBUS_INTERFACE_SKELETON(self->iface));
}

static gboolean
apply_progress_cb(gpointer user_data)
{
	DdJob *self = user_data;

	self->apply_id = 0;
	if (self->has_pending)
		apply_progress(self);
	return G_SOURCE_REMOVE;
}

static void
progress_cb(DfudUpdater *updater, gconstpointer data, gpointer user_data)
{
	DdJob *self = user_data;
	const DfudUpdateProgress *progress = data;
	gboolean stage_changed = progress->stage != self->pending.stage;
	gint64 due = self->last_apply_us + DD_JOB_PROGRESS_INTERVAL_US;

	self->pending = *progress;
	self->has_pending = TRUE;
	if (stage_changed || g_get_monotonic_time() >= due) {
		g_clear_handle_id(&self->apply_id, g_source_remove);
		apply_progress(self);
		return;
	}
	/* keep the latest figures for the next allowed emission */
	if (self->apply_id == 0)
		self->apply_id = g_timeout_add_full(
		    G_PRIORITY_DEFAULT, (guint)MAX(1, (due - g_get_monotonic_time()) / 1000),
		    apply_progress_cb, g_object_ref(self), g_object_unref);
}

/* --- the end --- */

static const gchar *
success_result(DdJob *self)
{
	if (g_strcmp0(self->record->mode, "upload-only") == 0)
		return "uploaded";
	if (self->record->no_reset)
		return "marked";
	return "verified";
}

static gboolean
was_underway(DdJob *self)
{
	/* an earlier run of the daemon got past the connection: its work is what now runs */
	return self->record->restarts > 0 && self->record->stage != NULL &&
	       g_strcmp0(self->record->stage, "queued") != 0 &&
	       g_strcmp0(self->record->stage, "connecting") != 0;
}

static GVariant *
build_history_entry(DdJob *self, const gchar *result, const gchar *error_name,
		    const gchar *error_message)
{
	GVariant *old_hash = dfud_dbus_job_get_old_hash(self->iface);
	g_autofree gchar *old_hex = NULL;
	gint64 started = dfud_dbus_job_get_started(self->iface);
	gint64 finished = dfud_dbus_job_get_finished(self->iface);
	gdouble duration = started > 0 ? (gdouble)(finished - started) / G_USEC_PER_SEC : 0;
	guint64 bytes = dfud_dbus_job_get_bytes_done(self->iface);
	GVariantDict dict;

	if (old_hash != NULL) {
		gsize len = 0;
		const guint8 *data = g_variant_get_fixed_array(old_hash, &len, 1);
		old_hex = dfud_hex_encode(data, len, len);
	}
	g_variant_dict_init(&dict, NULL);
	g_variant_dict_insert(&dict, "job", "t", self->record->id);
	g_variant_dict_insert(&dict, "device", "s", self->record->device_uri);
	g_variant_dict_insert(&dict, "name", "s",
			      self->record->device_name != NULL ? self->record->device_name : "");
	g_variant_dict_insert(&dict, "result", "s", result);
	g_variant_dict_insert(&dict, "error-name", "s", error_name);
	g_variant_dict_insert(&dict, "error-message", "s", error_message);
	g_variant_dict_insert(&dict, "old-version", "s", dfud_dbus_job_get_old_version(self->iface));
	g_variant_dict_insert(&dict, "old-hash", "s", old_hex != NULL ? old_hex : "");
	g_variant_dict_insert(&dict, "new-version", "s",
			      self->new_version != NULL ? self->new_version : "");
	g_variant_dict_insert(&dict, "new-hash", "s", self->new_hash != NULL ? self->new_hash : "");
	g_variant_dict_insert(&dict, "started", "x", started);
	g_variant_dict_insert(&dict, "duration", "d", duration);
	g_variant_dict_insert(&dict, "bytes", "t", bytes);
	g_variant_dict_insert(&dict, "rate", "d",
			      self->updater != NULL
				  ? dfud_updater_get_progress(self->updater)->mean_rate
				  : 0.0);
	g_variant_dict_insert(&dict, "mode", "s", self->record->mode);
	return g_variant_ref_sink(g_variant_dict_end(&dict));
}

static void
finish(DdJob *self, const GError *error)
{
	g_autoptr(GError) normalized = error != NULL ? dfud_error_normalize(error) : NULL;
	g_autoptr(GError) history_error = NULL;
	g_autofree gchar *error_name = NULL;
	const gchar *status = "done";
	const gchar *result;

	if (self->finished)
		return;
	self->finished = TRUE;
	self->running = FALSE;
	g_clear_handle_id(&self->apply_id, g_source_remove);
	if (self->has_pending)
		apply_progress(self);

	if (normalized == NULL) {
		result = success_result(self);
	} else if (g_error_matches(normalized, DFUD_ERROR, DFUD_ERROR_NOTHING_TO_DO)) {
		result = was_underway(self) ? success_result(self) : "up-to-date";
		g_clear_error(&normalized);
	} else if (g_error_matches(normalized, DFUD_ERROR, DFUD_ERROR_CANCELLED)) {
		status = result = "cancelled";
	} else {
		status = result = "failed";
	}
	if (normalized != NULL)
		error_name = g_strconcat(DFUD_DBUS_ERROR_PREFIX, dfud_error_name(normalized), NULL);

	dfud_dbus_job_set_finished(self->iface, g_get_real_time());
	dfud_dbus_job_set_result(self->iface, result);
	dfud_dbus_job_set_error_name(self->iface, error_name != NULL ? error_name : "");
	dfud_dbus_job_set_error_message(self->iface,
					normalized != NULL ? normalized->message : "");
	dfud_dbus_job_set_status(self->iface, status);
	/* the end goes out before anything a caller may ask next */
	g_dbus_interface_skeleton_flush(G_DBUS_INTERFACE_SKELETON(self->iface));
	if (normalized != NULL)
		dd_job_message(self->device_log_name, self->record->id, "%s: %s: %s", status,
			       error_name, normalized->message);
	else
		dd_job_message(self->device_log_name, self->record->id, "done: %s", result);

	self->history_entry =
	    build_history_entry(self, result, error_name != NULL ? error_name : "",
				normalized != NULL ? normalized->message : "");
	if (!dd_history_append(self->ctx->history, self->history_entry, &history_error))
		dd_job_warning(self->device_log_name, self->record->id,
			       "cannot write the history: %s", history_error->message);
	dd_store_remove_job(self->ctx->store, self->record->id);

	if (self->transport != NULL)
		dfud_transport_close(self->transport);
	g_clear_pointer(&self->slot, dd_slot_release);
	g_signal_emit(self, signals[SIGNAL_FINISHED], 0);

	/* a finished job lingers on the bus (JobLinger) with its properties only: the engine,
	 * the link and the firmware (shared with the jobs of the same content) go now */
	if (self->updater != NULL)
		g_signal_handlers_disconnect_by_data(self->updater, self);
	g_clear_object(&self->updater);
	g_clear_object(&self->transport);
	g_clear_object(&self->package);
}

static void
run_done(GObject *source, GAsyncResult *res, gpointer user_data)
{
	g_autoptr(DdJob) self = user_data;
	g_autoptr(GError) error = NULL;

	if (!dfud_updater_run_finish(DFUD_UPDATER(source), res, &error)) {
		finish(self, error);
		return;
	}
	finish(self, NULL);
}

static void
start_updater(DdJob *self, DfudPackage *package)
{
	DfudUpdateOptions options;

	dfud_update_options_init(&options);
	dd_config_apply_timeouts(self->ctx->config, &options);
	if (!dfud_update_mode_from_string(self->record->mode, &options.mode))
		options.mode = DFUD_UPDATE_MODE_TEST_AND_CONFIRM;
	options.image = self->record->image;
	options.no_reset = self->record->no_reset;
	options.allow_downgrade = self->record->allow_downgrade;
	options.upgrade_flag = self->record->upgrade;
	options.window = self->record->window;
	options.no_reassembly = self->record->no_reassembly;
	options.accept_permanent = self->record->accept_permanent;
	options.recovery = self->record->recovery;
	/* an earlier run of the daemon sent the reset: the device may still be swapping */
	options.after_reset = self->record->restarts > 0 &&
			      (g_strcmp0(self->record->stage, "resetting") == 0 ||
			       g_strcmp0(self->record->stage, "verifying") == 0 ||
			       g_strcmp0(self->record->stage, "confirming") == 0);

	self->package = g_object_ref(package);
	self->updater = dfud_updater_new(self->transport, self->package, &options);
	g_signal_connect(self->updater, "progress", G_CALLBACK(progress_cb), self);
	dfud_updater_run_async(self->updater, self->cancellable, run_done, g_object_ref(self));
}

typedef struct {
	DdStore *store;
	DdJobRecord *record;
} DdJobLoad;

static void
dd_job_load_free(gpointer data)
{
	DdJobLoad *load = data;

	g_object_unref(load->store);
	dd_job_record_free(load->record);
	g_free(load);
}

/* maps jobs/N.fw and checks its SHA-256, off the main loop */
static void
load_thread(GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
	DdJobLoad *load = task_data;
	GError *error = NULL;
	GBytes *firmware = dd_store_load_firmware(load->store, load->record, &error);

	if (firmware == NULL)
		g_task_return_error(task, error);
	else
		g_task_return_pointer(task, firmware, (GDestroyNotify)g_bytes_unref);
}

static void
package_loaded(GObject *source, GAsyncResult *res, gpointer user_data)
{
	DdJob *self = DD_JOB(source);
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) firmware = g_task_propagate_pointer(G_TASK(res), &error);
	g_autoptr(DfudPackage) package = NULL;

	if (firmware != NULL)
		package = dd_firmware_cache_get_package(self->ctx->firmware_cache, firmware, NULL,
							&error);
	if (g_cancellable_is_cancelled(self->cancellable)) {
		g_autoptr(GError) cancelled =
		    g_error_new(DFUD_ERROR, DFUD_ERROR_CANCELLED, "cancelled before its upload began");
		finish(self, cancelled);
		return;
	}
	if (package == NULL) {
		g_prefix_error(&error, "cannot take the firmware up again: ");
		finish(self, error);
		return;
	}
	start_updater(self, package);
}

/*
 * A queued job holds its record, not its firmware: the bytes are in jobs/N.fw, and come back
 * when the job starts, shared with any running job of the same content (the cache finds it by
 * its SHA-256), else mapped from the state directory in a worker thread.
 */
static void
load_package(DdJob *self)
{
	g_autoptr(DfudPackage) package =
	    dd_firmware_cache_lookup_sha256(self->ctx->firmware_cache, self->record->firmware_sha256);
	g_autoptr(GTask) task = NULL;
	DdJobLoad *load;

	if (package != NULL) {
		start_updater(self, package);
		return;
	}
	task = g_task_new(self, self->cancellable, package_loaded, NULL);
	g_task_set_source_tag(task, load_package);
	load = g_new0(DdJobLoad, 1);
	load->store = g_object_ref(self->ctx->store);
	load->record = dd_job_record_copy(self->record);
	g_task_set_task_data(task, load, dd_job_load_free);
	g_task_run_in_thread(task, load_thread);
}

void
dd_job_run(DdJob *self, DfudTransport *transport, DdSlot *slot)
{
	g_return_if_fail(!self->running && !self->finished);

	self->running = TRUE;
	self->transport = g_object_ref(transport);
	self->slot = slot;

	/* journaled with the first stage past the connection (journal_stage()) */
	if (self->record->started_us == 0)
		self->record->started_us = g_get_real_time();
	dfud_dbus_job_set_started(self->iface, g_get_real_time());
	dd_job_info(self->device_log_name, self->record->id, "starting (%s, %s)",
		    self->record->mode, dfud_transport_get_uri(transport));
	load_package(self);
}

void
dd_job_cancel(DdJob *self)
{
	if (self->finished)
		return;
	if (!self->running) {
		g_autoptr(GError) error =
		    g_error_new(DFUD_ERROR, DFUD_ERROR_CANCELLED, "cancelled while queued");
		finish(self, error);
		return;
	}
	dd_job_info(self->device_log_name, self->record->id, "cancelling");
	g_cancellable_cancel(self->cancellable);
}

void
dd_job_fail(DdJob *self, const GError *error)
{
	g_return_if_fail(!self->running);
	finish(self, error);
}

/* --- D-Bus --- */

static void
cancel_authorized(GObject *source, GAsyncResult *res, gpointer user_data)
{
	g_autoptr(GDBusMethodInvocation) invocation = user_data;
	DdJob *self = g_object_get_data(G_OBJECT(invocation), "dd-job");
	g_autoptr(GError) error = NULL;

	if (!dd_auth_check_finish(DD_AUTH(source), res, &error)) {
		dfud_dbus_error_return(invocation, error);
		return;
	}
	if (self->finished) {
		g_autoptr(GError) done = g_error_new(DFUD_ERROR, DFUD_ERROR_NOTHING_TO_DO,
						     "job %" G_GUINT64_FORMAT " already ended: %s",
						     self->record->id,
						     dfud_dbus_job_get_status(self->iface));
		dfud_dbus_error_return(invocation, done);
		return;
	}
	dd_job_cancel(self);
	dfud_dbus_job_complete_cancel(self->iface, invocation);
}

static gboolean
handle_cancel(DfudDbusJob *iface, GDBusMethodInvocation *invocation, gpointer user_data)
{
	DdJob *self = user_data;

	g_object_set_data_full(G_OBJECT(invocation), "dd-job", g_object_ref(self),
			       g_object_unref);
	dd_auth_check_async(self->ctx->auth, invocation, DD_AUTH_ACTION_UPDATE, NULL,
			    cancel_authorized, g_object_ref(invocation));
	return G_DBUS_METHOD_INVOCATION_HANDLED;
}

/* --- object --- */

static void
dd_job_dispose(GObject *object)
{
	DdJob *self = DD_JOB(object);

	g_clear_handle_id(&self->apply_id, g_source_remove);
	if (self->updater != NULL)
		g_signal_handlers_disconnect_by_data(self->updater, self);
	if (self->iface != NULL)
		g_signal_handlers_disconnect_by_data(self->iface, self);
	if (self->cancellable != NULL)
		g_cancellable_cancel(self->cancellable);
	g_clear_pointer(&self->slot, dd_slot_release);
	g_clear_object(&self->updater);
	g_clear_object(&self->transport);
	g_clear_object(&self->iface);
	g_clear_object(&self->object);
	g_clear_object(&self->package);
	g_clear_object(&self->cancellable);
	G_OBJECT_CLASS(dd_job_parent_class)->dispose(object);
}

static void
dd_job_finalize(GObject *object)
{
	DdJob *self = DD_JOB(object);

	g_clear_pointer(&self->history_entry, g_variant_unref);
	dd_job_record_free(self->record);
	g_free(self->new_version);
	g_free(self->new_hash);
	g_free(self->path);
	g_free(self->device_log_name);
	G_OBJECT_CLASS(dd_job_parent_class)->finalize(object);
}

static void
dd_job_class_init(DdJobClass *klass)
{
	GObjectClass *object_class = G_OBJECT_CLASS(klass);

	object_class->dispose = dd_job_dispose;
	object_class->finalize = dd_job_finalize;
	signals[SIGNAL_FINISHED] = g_signal_new("finished", G_TYPE_FROM_CLASS(klass),
						G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
						G_TYPE_NONE, 0);
}

static void
dd_job_init(DdJob *self)
{
	self->cancellable = g_cancellable_new();
}

DdJob *
dd_job_new(DdContext *ctx, const DdJobRecord *record, DfudPackage *package,
	   const gchar *device_path, const gchar *device_log_name)
{
	DdJob *self = g_object_new(DD_TYPE_JOB, NULL);
	GPtrArray *entries = dfud_package_get_entries(package);
	DfudImage *image = NULL;
	guint64 total = 0;

	self->ctx = ctx;
	self->record = dd_job_record_copy(record);
	image = main_image(self, package);
	if (image != NULL) {
		self->new_version = dfud_image_version_to_string(dfud_image_get_version(image));
		self->new_hash = dfud_hex_encode_bytes(dfud_image_get_hash(image));
	}
	self->device_log_name = g_strdup(device_log_name);
	self->path = g_strdup_printf(DFUD_DBUS_JOB_PATH "/%" G_GUINT64_FORMAT, record->id);
	self->pending.stage = DFUD_UPDATE_STAGE_QUEUED;

	for (guint i = 0; i < entries->len; i++) {
		DfudPackageEntry *entry = g_ptr_array_index(entries, i);
		total += dfud_image_get_size(dfud_package_entry_get_image(entry));
	}
	self->object = dfud_dbus_object_skeleton_new(self->path);
	self->iface = dfud_dbus_job_skeleton_new();
	dfud_dbus_job_set_id(self->iface, record->id);
	dfud_dbus_job_set_device(self->iface, device_path);
	dfud_dbus_job_set_status(self->iface, "queued");
	dfud_dbus_job_set_result(self->iface, "");
	dfud_dbus_job_set_mode(self->iface, record->mode);
	dfud_dbus_job_set_bytes_total(self->iface, total);
	dfud_dbus_job_set_images(self->iface, images_variant(package));
	dfud_dbus_job_set_plan(self->iface, g_variant_new_array(G_VARIANT_TYPE("{sv}"), NULL, 0));
	dfud_dbus_job_set_old_version(self->iface, "");
	dfud_dbus_job_set_old_hash(self->iface, bytes_variant(NULL, 0));
	dfud_dbus_job_set_created(self->iface, record->created_us);
	dfud_dbus_job_set_restarts(self->iface, record->restarts);
	dfud_dbus_job_set_error_name(self->iface, "");
	dfud_dbus_job_set_error_message(self->iface, "");
	g_signal_connect(self->iface, "handle-cancel", G_CALLBACK(handle_cancel), self);
	dfud_dbus_object_skeleton_set_job(self->object, self->iface);
	return self;
}
