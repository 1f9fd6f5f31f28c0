/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "DfudEngine"

#include "config.h"

#include <string.h>

#include "dfud-update-mark.h"
#include "dfud-update-reboot.h"
#include "dfud-updater-private.h"
#include "dfud-updater.h"

/*
 * The update as one GTask: connect -> read the device -> plan -> upload each image -> mark ->
 * reset -> wait until the device is back -> verify -> confirm. Each stage is a function that
 * starts an asynchronous step; its callback calls the next stage. A link failure during a stage
 * reconnects (bounded) and re-enters that stage from what the device then reports.
 */

#define RECONNECTS_MAX 5u
#define PROGRESS_INTERVAL_US (100 * G_TIME_SPAN_MILLISECOND)

enum { SIGNAL_PROGRESS, N_SIGNALS };
static guint signals[N_SIGNALS];

G_DEFINE_TYPE(DfudUpdater, dfud_updater, G_TYPE_OBJECT)

static void stage_connect(DfudUpdater *self);
static gboolean wait_for_reboot(DfudUpdater *self, GError *error);
static void stage_upload(DfudUpdater *self);
static void stage_mark(DfudUpdater *self);
static void stage_reset(DfudUpdater *self);
static void stage_enter_loader(DfudUpdater *self);
static void reconnect(DfudUpdater *self);

/* --- object --- */

static void
dfud_updater_dispose(GObject *object)
{
	DfudUpdater *self = DFUD_UPDATER(object);

	if (self->closed_id != 0)
		g_signal_handler_disconnect(self->transport, self->closed_id);
	self->closed_id = 0;
	g_clear_handle_id(&self->wait_source, g_source_remove);
	g_clear_object(&self->cancellable);
	g_clear_object(&self->uploader);
	g_clear_object(&self->client);
	g_clear_object(&self->transport);
	g_clear_object(&self->package);
	G_OBJECT_CLASS(dfud_updater_parent_class)->dispose(object);
}

static void
dfud_updater_finalize(GObject *object)
{
	DfudUpdater *self = DFUD_UPDATER(object);

	dfud_update_device_free(self->device);
	dfud_update_plan_free(self->plan);
	g_clear_pointer(&self->state, dfud_smp_image_state_free);
	G_OBJECT_CLASS(dfud_updater_parent_class)->finalize(object);
}

static void
dfud_updater_class_init(DfudUpdaterClass *klass)
{
	GObjectClass *object_class = G_OBJECT_CLASS(klass);

	object_class->dispose = dfud_updater_dispose;
	object_class->finalize = dfud_updater_finalize;
	signals[SIGNAL_PROGRESS] =
	    g_signal_new("progress", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
			 NULL, G_TYPE_NONE, 1, G_TYPE_POINTER);
}

static void
dfud_updater_init(DfudUpdater *self)
{
}

static void
on_closed(DfudTransport *transport, GError *reason, gpointer user_data)
{
	g_debug("link closed: %s", reason != NULL ? reason->message : "?");
}

DfudUpdater *
dfud_updater_new(DfudTransport *transport, DfudPackage *package, const DfudUpdateOptions *options)
{
	DfudUpdater *self;

	g_return_val_if_fail(DFUD_IS_TRANSPORT(transport), NULL);
	g_return_val_if_fail(DFUD_IS_PACKAGE(package), NULL);

	self = g_object_new(DFUD_TYPE_UPDATER, NULL);
	self->transport = g_object_ref(transport);
	self->package = g_object_ref(package);
	if (options != NULL)
		self->options = *options;
	else
		dfud_update_options_init(&self->options);
	self->client = dfud_smp_client_new(transport);
	self->closed_id = g_signal_connect(transport, "closed", G_CALLBACK(on_closed), self);
	self->progress.stage = DFUD_UPDATE_STAGE_QUEUED;
	return self;
}

const DfudUpdateProgress *
dfud_updater_get_progress(DfudUpdater *self)
{
	g_return_val_if_fail(DFUD_IS_UPDATER(self), NULL);
	return &self->progress;
}

const DfudSmpImageState *
dfud_updater_get_image_state(DfudUpdater *self)
{
	g_return_val_if_fail(DFUD_IS_UPDATER(self), NULL);
	return self->state;
}

/* --- progress --- */

static void
emit_progress(DfudUpdater *self)
{
	self->last_emit_us = g_get_monotonic_time();
	self->progress.smp_version = dfud_smp_client_get_version(self->client);
	g_signal_emit(self, signals[SIGNAL_PROGRESS], 0, &self->progress);
}

void
dfud_updater_set_stage(DfudUpdater *self, DfudUpdateStage stage)
{
	if (self->progress.stage == stage)
		return;
	self->progress.stage = stage;
	emit_progress(self);
}

static void
on_upload_progress(guint64 acked, gpointer user_data)
{
	DfudUpdater *self = user_data;
	gint64 now = g_get_monotonic_time();

	self->progress.bytes_done = self->bytes_before + acked;
	dfud_update_rate_add(&self->rate, now, self->progress.bytes_done, &self->progress.rate,
			     &self->progress.mean_rate);
	if (now - self->last_emit_us >= PROGRESS_INTERVAL_US)
		emit_progress(self);
}

/* --- the end --- */

void
dfud_updater_finish(DfudUpdater *self, GError *error)
{
	g_autoptr(GTask) task = g_steal_pointer(&self->task);

	dfud_transport_close(self->transport);
	if (task == NULL) {
		g_clear_error(&error);
		return;
	}
	if (error == NULL) {
		dfud_updater_set_stage(self, DFUD_UPDATE_STAGE_DONE);
		g_task_return_boolean(task, TRUE);
		return;
	}
	if (g_error_matches(error, DFUD_ERROR, DFUD_ERROR_CANCELLED) ||
	    g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
		GError *cancelled =
		    g_error_new(DFUD_ERROR, DFUD_ERROR_CANCELLED, "the update was cancelled");
		g_error_free(error);
		error = cancelled;
		dfud_updater_set_stage(self, DFUD_UPDATE_STAGE_CANCELLED);
	} else {
		dfud_updater_set_stage(self, DFUD_UPDATE_STAGE_FAILED);
	}
	g_task_return_error(task, error);
}

/*
 * A failure of the link, worth a new one, as opposed to a device's answer. Silence (Timeout)
 * only over a link (BLE: a link can stall); over UDP there is no link to renew, and the stage's
 * own bound has run out already: a reconnect would only multiply it.
 */
static gboolean
is_link_error(DfudUpdater *self, const GError *error)
{
	if (error->domain != DFUD_ERROR)
		return !g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
	if (error->code == DFUD_ERROR_TIMEOUT)
		return dfud_transport_has_link(self->transport);
	return error->code == DFUD_ERROR_IO || error->code == DFUD_ERROR_LINK_LOST ||
	       error->code == DFUD_ERROR_FAILED || error->code == DFUD_ERROR_NOT_FOUND;
}

/* reconnects and resumes @stage when @error is the link's, else fails */
void
dfud_updater_recover_or_fail(DfudUpdater *self, DfudUpdateStage stage, GError *error)
{
	if (self->task == NULL || g_cancellable_is_cancelled(self->cancellable) ||
	    !is_link_error(self, error) || self->reconnects >= RECONNECTS_MAX) {
		dfud_updater_finish(self, error);
		return;
	}
	self->reconnects++;
	g_debug("%s: %s: reconnecting (%u)", dfud_update_stage_to_string(stage), error->message,
		self->reconnects);
	g_error_free(error);
	self->resume_stage = stage;
	reconnect(self);
}

/* --- stage 1: connect and read the device --- */

static gboolean
package_has_mcuboot(DfudPackage *package)
{
	GPtrArray *entries = dfud_package_get_entries(package);

	for (guint i = 0; i < entries->len; i++) {
		DfudImageRole role = dfud_package_entry_get_role(g_ptr_array_index(entries, i));
		if (role == DFUD_IMAGE_ROLE_MCUBOOT_S0 || role == DFUD_IMAGE_ROLE_MCUBOOT_S1)
			return TRUE;
	}
	return FALSE;
}

/* packet size and window (spec §4.3 "Maximum chunk size", §5.4) */
static void
choose_packet(DfudUpdater *self)
{
	guint frag = dfud_transport_get_fragment_size(self->transport);
	guint max_packet = dfud_transport_get_max_packet(self->transport);
	const DfudUpdateDevice *dev = self->device;
	guint packet;

	if (max_packet == 0)
		max_packet = DFUD_SMP_FRAME_MAX;
	if (frag == 0)
		frag = max_packet;
	packet = dev->has_params ? MIN(dev->params.buf_size, max_packet) : MIN(frag, max_packet);
	if (self->options.no_reassembly)
		packet = MIN(packet, frag);
	self->progress.buf_size = packet;
	if (self->options.window != 0)
		self->progress.window = self->options.window;
	else if (dev->has_params)
		self->progress.window = MAX(dev->params.buf_count, 2u) - 1;
	else
		self->progress.window = 1;
	/* the link's own limit (a serial port: stop-and-wait) unless the caller chose a window */
	if (self->options.window == 0 && dfud_transport_get_max_in_flight(self->transport) != 0)
		self->progress.window =
		    MIN(self->progress.window, dfud_transport_get_max_in_flight(self->transport));
	self->progress.mtu = dfud_transport_get_mtu(self->transport);
}

void
dfud_updater_set_state(DfudUpdater *self, DfudSmpImageState *state)
{
	g_clear_pointer(&self->state, dfud_smp_image_state_free);
	self->state = state;
}

gboolean
dfud_updater_take_state(DfudUpdater *self, DfudSmpImageState *state, GError *error,
			gboolean recover, DfudUpdateStage stage)
{
	if (self->task == NULL) {
		g_clear_error(&error);
		g_clear_pointer(&state, dfud_smp_image_state_free);
		return FALSE;
	}
	if (state == NULL) {
		if (recover)
			dfud_updater_recover_or_fail(self, stage, error);
		else
			dfud_updater_finish(self, error);
		return FALSE;
	}
	dfud_updater_set_state(self, state);
	return TRUE;
}

static void
make_plan(DfudUpdater *self)
{
	DfudUpdateDeviceFacts facts = {
	    .state = self->state,
	    .mode_info = self->device->mode_info,
	    .b0_info = self->device->b0_info,
	    .slot_info = self->device->slot_info,
	    .state_write = self->device->state_write,
	    /* boot_serial writes the running image's slot and has no test: its own plan, only
	     * with the caller's word (options.recovery), never a swap recipe */
	    .in_recovery = dfud_update_device_in_serial_recovery(self->device, self->state),
	};
	GError *error = NULL;

	self->plan = dfud_update_plan_new(self->package, &facts, &self->options, &error);
	if (self->plan == NULL) {
		dfud_updater_finish(self, error);
		return;
	}
	self->progress.bytes_total = dfud_update_plan_bytes_to_upload(self->plan);
	self->progress.bytes_done = 0;
	self->progress.planned = TRUE;
	self->progress.steps = self->plan->steps;
	{
		g_autofree gchar *steps = dfud_update_steps_describe(&self->plan->steps);
		g_debug("plan: %s", steps);
	}
	emit_progress(self);
	if (self->plan->confirm_only) {
		dfud_updater_stage_confirm(self);
		return;
	}
	if (self->plan->steps.enter_loader && !self->in_loader && !self->plan->in_loader) {
		stage_enter_loader(self);
		return;
	}
	stage_upload(self);
}

static void
device_read_done(GObject *source, GAsyncResult *res, gpointer user_data)
{
	g_autoptr(DfudUpdater) self = user_data;
	GError *error = NULL;
	DfudUpdateDevice *device = dfud_update_device_read_finish(res, &error);

	if (self->task == NULL) {
		dfud_update_device_free(device);
		g_clear_error(&error);
		return;
	}
	if (device == NULL) {
		if (!wait_for_reboot(self, error))
			dfud_updater_recover_or_fail(self, DFUD_UPDATE_STAGE_CONNECTING, error);
		return;
	}
	dfud_update_device_free(self->device);
	self->device = device;
	dfud_updater_set_state(self, g_steal_pointer(&device->state));
	choose_packet(self);
	emit_progress(self);
	if (self->plan == NULL) {
		make_plan(self);
		return;
	}
	/* serial recovery: uploads go to boot_serial only (os reset boot_mode 1 may have been
	 * ignored, or the device left it) */
	if (self->plan->steps.strategy == DFUD_UPDATE_STRATEGY_SERIAL_RECOVERY &&
	    self->resume_stage == DFUD_UPDATE_STAGE_UPLOADING &&
	    !dfud_update_device_in_serial_recovery(self->device, self->state)) {
		dfud_updater_finish(
		    self, g_error_new_literal(
			      DFUD_ERROR, DFUD_ERROR_RECOVERY_NOT_ENTERED,
			      "the device does not answer as MCUboot in serial recovery (it "
			      "reports bootloader info or an active slot): after os reset with "
			      "boot_mode 1 it needs CONFIG_MCUMGR_GRP_OS_RESET_BOOT_MODE in the "
			      "application and CONFIG_BOOT_SERIAL_BOOT_MODE in MCUboot, or the "
			      "recovery button held at reset; nothing was written"));
		return;
	}
	/* reconnected: continue the interrupted stage from the device's state */
	dfud_update_plan_refresh(self->plan, self->state);
	switch (self->resume_stage) {
	case DFUD_UPDATE_STAGE_UPLOADING:
		stage_upload(self);
		break;
	case DFUD_UPDATE_STAGE_TESTING:
		stage_mark(self);
		break;
	case DFUD_UPDATE_STAGE_VERIFYING:
		dfud_updater_stage_verify(self);
		break;
	case DFUD_UPDATE_STAGE_CONFIRMING:
		dfud_updater_stage_confirm(self);
		break;
	default:
		make_plan(self);
		break;
	}
}

static void
read_device(DfudUpdater *self)
{
	dfud_update_device_read_async(self->client,
				      DFUD_UPDATE_DEVICE_READ_PROBE_WRITE |
					  (package_has_mcuboot(self->package)
					       ? DFUD_UPDATE_DEVICE_READ_B0
					       : 0),
				      self->options.command_timeout_ms, self->cancellable,
				      device_read_done, g_object_ref(self));
}

static gboolean
wait_done(gpointer user_data)
{
	DfudUpdater *self = user_data;

	self->wait_source = 0;
	if (self->task != NULL)
		stage_connect(self);
	return G_SOURCE_REMOVE;
}

/*
 * The first connection of a run that an earlier run of dfud left after the reset: the device
 * may still be rebooting (MCUboot swapping, silent), so silence and lost links are waited out
 * until Reset after this run's start, a second at a time. TRUE when it took @error.
 */
static gboolean
wait_for_reboot(DfudUpdater *self, GError *error)
{
	if (self->plan != NULL || g_get_monotonic_time() >= self->wait_until_us ||
	    g_cancellable_is_cancelled(self->cancellable) ||
	    !(g_error_matches(error, DFUD_ERROR, DFUD_ERROR_TIMEOUT) ||
	      g_error_matches(error, DFUD_ERROR, DFUD_ERROR_LINK_LOST) ||
	      g_error_matches(error, DFUD_ERROR, DFUD_ERROR_IO) ||
	      g_error_matches(error, DFUD_ERROR, DFUD_ERROR_NOT_FOUND)))
		return FALSE;
	g_debug("the device does not answer yet (%s): an earlier run reset it, waiting",
		error->message);
	g_error_free(error);
	dfud_transport_close(self->transport);
	self->wait_source = g_timeout_add_seconds(1, wait_done, self);
	return TRUE;
}

static void
connect_opened(GObject *source, GAsyncResult *res, gpointer user_data)
{
	g_autoptr(DfudUpdater) self = user_data;
	GError *error = NULL;

	if (self->task == NULL)
		return;
	if (!dfud_transport_open_within_finish(self->transport, res, &error)) {
		if (self->plan != NULL)
			dfud_updater_recover_or_fail(self, self->resume_stage, error);
		else if (!wait_for_reboot(self, error))
			dfud_updater_finish(self, error);
		return;
	}
	read_device(self);
}

static void
stage_connect(DfudUpdater *self)
{
	dfud_updater_set_stage(self, DFUD_UPDATE_STAGE_CONNECTING);
	if (dfud_transport_is_open(self->transport)) {
		read_device(self);
		return;
	}
	dfud_transport_open_within_async(self->transport, self->options.connect_timeout_ms,
					 self->cancellable, connect_opened, g_object_ref(self));
}

static void
reconnect(DfudUpdater *self)
{
	g_autoptr(GError) lost =
	    g_error_new_literal(DFUD_ERROR, DFUD_ERROR_LINK_LOST, "reconnecting");

	dfud_smp_client_fail_all(self->client, lost);
	dfud_transport_close(self->transport);
	dfud_transport_open_within_async(self->transport, self->options.connect_timeout_ms,
					 self->cancellable, connect_opened, g_object_ref(self));
}

/* --- stage 2: upload --- */

DfudUpdatePlanItem *
dfud_updater_current_item(DfudUpdater *self)
{
	return g_ptr_array_index(self->plan->items, self->item);
}

static void upload_next(DfudUpdater *self);

static void
upload_done(GObject *source, GAsyncResult *res, gpointer user_data)
{
	g_autoptr(DfudUpdater) self = user_data;
	GError *error = NULL;
	DfudUpdatePlanItem *item;

	if (self->task == NULL)
		return;
	if (!dfud_uploader_run_finish(DFUD_UPLOADER(source), res, &error)) {
		/* boot_serial resumes by offset alone (dfud_uploader_set_resume) */
		if (self->plan->steps.strategy == DFUD_UPDATE_STRATEGY_SERIAL_RECOVERY)
			dfud_updater_current_item(self)->resume_off =
			    dfud_uploader_get_acked(self->uploader);
		g_clear_object(&self->uploader);
		dfud_updater_recover_or_fail(self, DFUD_UPDATE_STAGE_UPLOADING, error);
		return;
	}
	/* the next image starts at the size that worked */
	self->progress.buf_size = dfud_uploader_get_packet_size(self->uploader);
	g_clear_object(&self->uploader);
	item = dfud_updater_current_item(self);
	item->uploaded = TRUE;
	self->bytes_before += dfud_image_get_size(item->image);
	self->progress.bytes_done = self->bytes_before;
	emit_progress(self);
	self->item++;
	upload_next(self);
}

static void
state_before_reset(GObject *source, GAsyncResult *res, gpointer user_data)
{
	g_autoptr(DfudUpdater) self = user_data;
	GError *error = NULL;
	DfudSmpImageState *state = dfud_update_device_read_state_finish(res, &error);

	if (!dfud_updater_take_state(self, state, error, TRUE, DFUD_UPDATE_STAGE_UPLOADING))
		return;
	if (self->plan->steps.strategy == DFUD_UPDATE_STRATEGY_SERIAL_RECOVERY &&
	    !dfud_updater_check_recovery_upload(self, &error)) {
		dfud_updater_finish(self, error);
		return;
	}
	stage_reset(self);
}

static void
upload_next(DfudUpdater *self)
{
	DfudUpdatePlanItem *item;

	while (self->item < self->plan->items->len && dfud_updater_current_item(self)->uploaded)
		self->item++;
	if (self->item >= self->plan->items->len) {
		if (self->options.mode == DFUD_UPDATE_MODE_UPLOAD_ONLY) {
			dfud_updater_finish(self, NULL);
			return;
		}
		/* direct-XIP, RAM-load, the loader: the mode has no state to write; the reset
		 * needs the state the device answers with until it reboots */
		if (self->plan->steps.mark == DFUD_UPDATE_MARK_NONE) {
			if (!self->plan->steps.reset) {
				dfud_updater_finish(self, NULL);
				return;
			}
			dfud_update_device_read_state_async(self->client,
							    self->options.command_timeout_ms,
							    self->cancellable, state_before_reset,
							    g_object_ref(self));
			return;
		}
		stage_mark(self);
		return;
	}
	item = dfud_updater_current_item(self);
	self->progress.image_index = item->image_index;
	if (item->upload_deadline_us == 0)
		item->upload_deadline_us =
		    g_get_monotonic_time() + dfud_update_upload_bound_ms(&self->options,
									  dfud_image_get_size(
									      item->image)) *
						 1000;
	self->uploader =
	    dfud_uploader_new(self->client, item->image, item->image_index, &self->options,
			      self->progress.buf_size, self->progress.window);
	dfud_uploader_set_deadline(self->uploader, item->upload_deadline_us);
	dfud_uploader_set_resume(self->uploader, item->resume_off);
	dfud_uploader_set_progress_func(self->uploader, on_upload_progress, self);
	dfud_uploader_run_async(self->uploader, self->cancellable, upload_done, g_object_ref(self));
}

static void
stage_upload(DfudUpdater *self)
{
	dfud_updater_set_stage(self, DFUD_UPDATE_STAGE_UPLOADING);
	if (!self->rate.started)
		dfud_update_rate_reset(&self->rate);
	self->item = 0;
	upload_next(self);
}

/* --- stage 3: test or confirm before the reset --- */

static void mark_next(DfudUpdater *self);

/*
 * confirm rather than test before the reset: in confirm-only mode, and in test-and-confirm mode
 * for the images other than 0 (the nRF5340 network core cannot be confirmed once it runs: only
 * the secondary slot of a non-running image may be, spec §4.2 rule 2)
 */
static gboolean
mark_confirms(DfudUpdater *self, const DfudUpdatePlanItem *item)
{
	/* confirm-only, and overwrite-only where a test boot does not exist (spec §4.2) */
	if (self->plan->steps.mark == DFUD_UPDATE_MARK_CONFIRM)
		return TRUE;
	return self->options.mode == DFUD_UPDATE_MODE_TEST_AND_CONFIRM && !item->mcuboot &&
	       item->image_index != 0;
}

static gboolean
check_marked(DfudUpdater *self, const DfudUpdatePlanItem *item, const DfudSmpImageState *state,
	     gboolean confirm, GError **error)
{
	const DfudSmpImageSlot *slot = dfud_update_plan_item_find_slot(item, state);

	if (slot == NULL || !slot->pending || (confirm && !slot->permanent)) {
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_DEVICE,
			    "image state write: image %u is not %s after %s", item->image_index,
			    confirm ? "pending permanently" : "pending",
			    confirm ? "confirm" : "test");
		return FALSE;
	}
	return TRUE;
}

static void
mark_done(GObject *source, GAsyncResult *res, gpointer user_data)
{
	g_autoptr(DfudUpdater) self = user_data;
	g_autoptr(GError) error = NULL;
	g_autoptr(DfudSmpImageState) state = dfud_update_mark_finish(res, &error);
	gboolean confirm;

	if (self->task == NULL)
		return;
	confirm = mark_confirms(self, dfud_updater_current_item(self));
	if (state == NULL) {
		/* reconnects on a link's failure, fails on the device's answer */
		dfud_updater_recover_or_fail(self, DFUD_UPDATE_STAGE_TESTING,
					     g_steal_pointer(&error));
		return;
	}
	if (!check_marked(self, dfud_updater_current_item(self), state, confirm, &error)) {
		dfud_updater_finish(self, g_steal_pointer(&error));
		return;
	}
	/* the state the device answers with until it reboots */
	dfud_updater_set_state(self, g_steal_pointer(&state));
	/* marking goes from the highest image index down: the network core before image 0 */
	if (self->item == 0) {
		if (!self->plan->steps.reset) {
			dfud_updater_finish(self, NULL);
			return;
		}
		stage_reset(self);
		return;
	}
	self->item--;
	mark_next(self);
}

static void
mark_next(DfudUpdater *self)
{
	DfudUpdatePlanItem *item = dfud_updater_current_item(self);

	self->progress.image_index = item->image_index;
	dfud_update_mark_async(self->client, dfud_image_get_hash(item->image),
			       mark_confirms(self, item), self->options.command_timeout_ms,
			       self->cancellable, mark_done, g_object_ref(self));
}

static void
stage_mark(DfudUpdater *self)
{
	dfud_updater_set_stage(self, DFUD_UPDATE_STAGE_TESTING);
	self->item = self->plan->items->len - 1;
	mark_next(self);
}

/* --- stage 4: reset, then wait until the device answers with its new state --- */

static void
rebooted(GObject *source, GAsyncResult *res, gpointer user_data)
{
	g_autoptr(DfudUpdater) self = user_data;
	GError *error = NULL;
	DfudSmpImageState *state = dfud_update_reboot_finish(res, &error);

	if (dfud_updater_take_state(self, state, error, FALSE, DFUD_UPDATE_STAGE_RESETTING))
		dfud_updater_stage_verify(self);
}

static void
stage_reset(DfudUpdater *self)
{
	dfud_updater_set_stage(self, DFUD_UPDATE_STAGE_RESETTING);
	dfud_update_reboot_async(self->client, &self->options, self->state,
				 DFUD_UPDATE_REBOOT_NONE, self->cancellable, rebooted,
				 g_object_ref(self));
}

/* --- firmware loader / single application slot: the update is made by the loader --- */

/*
 * The application was running before the reset: if image 0's active slot still holds its hash,
 * the device came back in the application (it ignores boot_mode, spec §3.2), not in a loader,
 * and the application cannot replace itself.
 */
static gboolean
check_in_loader(DfudUpdater *self, const DfudSmpImageState *state, GError **error)
{
	const DfudUpdatePlanItem *item = g_ptr_array_index(self->plan->items, 0);
	const DfudSmpImageSlot *active = dfud_smp_image_state_find_active(state, 0);

	if (item->running_hash == NULL || active == NULL ||
	    active->hash_len != g_bytes_get_size(item->running_hash) ||
	    memcmp(active->hash, g_bytes_get_data(item->running_hash, NULL), active->hash_len) !=
		0)
		return TRUE;
	g_set_error(error, DFUD_ERROR, DFUD_ERROR_LOADER_NEEDED,
		    "the device's MCUboot runs %s: the application cannot replace itself, and "
		    "after an os reset with boot_mode 1 the device runs the same application "
		    "again instead of its loader: it needs CONFIG_MCUMGR_GRP_OS_RESET_BOOT_MODE "
		    "(and the retention boot mode) to enter the loader, or the loader started "
		    "by hand",
		    dfud_smp_bootloader_mode_to_string(self->plan->steps.bootloader_mode));
	return FALSE;
}

static void
loader_entered(GObject *source, GAsyncResult *res, gpointer user_data)
{
	g_autoptr(DfudUpdater) self = user_data;
	GError *error = NULL;
	DfudSmpImageState *state = dfud_update_reboot_finish(res, &error);

	if (!dfud_updater_take_state(self, state, error, FALSE, DFUD_UPDATE_STAGE_RESETTING))
		return;
	/* serial recovery is checked from what the device answers next (device_read_done) */
	if (self->plan->steps.strategy != DFUD_UPDATE_STRATEGY_SERIAL_RECOVERY &&
	    !check_in_loader(self, state, &error)) {
		dfud_updater_finish(self, error);
		return;
	}
	self->in_loader = TRUE;
	/* the loader has its own buffers: read its parameters, then upload */
	self->resume_stage = DFUD_UPDATE_STAGE_UPLOADING;
	read_device(self);
}

static void
stage_enter_loader(DfudUpdater *self)
{
	dfud_updater_set_stage(self, DFUD_UPDATE_STAGE_RESETTING);
	dfud_update_reboot_async(self->client, &self->options, self->state,
				 DFUD_UPDATE_REBOOT_BOOTLOADER, self->cancellable, loader_entered,
				 g_object_ref(self));
}

/* --- the run --- */

void
dfud_updater_run_async(DfudUpdater *self, GCancellable *cancellable, GAsyncReadyCallback callback,
		       gpointer user_data)
{
	g_return_if_fail(DFUD_IS_UPDATER(self));
	g_return_if_fail(self->task == NULL);

	g_clear_object(&self->cancellable);
	self->cancellable = cancellable != NULL ? g_object_ref(cancellable) : g_cancellable_new();
	self->task = g_task_new(self, self->cancellable, callback, user_data);
	g_task_set_source_tag(self->task, dfud_updater_run_async);
	/* the result is the one dfud_updater_finish() gives (DFUD_ERROR_CANCELLED, not GIO's) */
	g_task_set_check_cancellable(self->task, FALSE);
	if (self->options.after_reset)
		self->wait_until_us =
		    g_get_monotonic_time() + (gint64)self->options.reset_timeout_ms * 1000;
	stage_connect(self);
}

gboolean
dfud_updater_run_finish(DfudUpdater *self, GAsyncResult *res, GError **error)
{
	g_return_val_if_fail(g_task_is_valid(res, self), FALSE);
	return g_task_propagate_boolean(G_TASK(res), error);
}
