/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "DfudEngine"

#include "config.h"

#include <string.h>

#include "dfud-uploader.h"
#include "smp/dfud-smp.h"

#define UPLOAD_ALIGNMENT 4u
#define BUSY_RETRIES_MAX 10u
#define BUSY_BACKOFF_MAX_MS 2000u
#define RESTARTS_MAX 5u
/*
 * Packet sizes the device never answers: a first request of a size gets no answer while a small
 * one (an echo) does, or the device answers it with rc 2 (no memory to take it), 3 (it could not
 * read it) or 9 (truncated, spec §6.1). Each step takes the size down by a quarter, not below
 * SIZE_FLOOR; the echo goes out SIZE_PROBE_AFTER_RTO retransmission timeouts (at least
 * SIZE_PROBE_MIN_MS) after the request, and again after twice that while the answer is missing.
 */
#define SIZE_FLOOR 256u
#define SIZE_PROBE_AFTER_RTO 4u
#define SIZE_PROBE_MIN_MS 1000u
#define SIZE_PROBES_MAX 4u

struct _DfudUploader {
	GObject parent_instance;
	DfudSmpClient *client;
	DfudImage *image;
	const guint8 *data;
	guint64 len;
	GBytes *sha;
	guint image_index;
	DfudUpdateOptions options;
	gsize packet_size;
	gsize proven;	 /* the largest request the device answered */
	guint size_probe; /* the timer of the next echo probe, 0 for none */
	guint size_probes;
	guint window;
	DfudUploaderProgressFunc progress_func;
	gpointer progress_data;

	GTask *task; /* NULL when not running */
	guint gen;   /* answers to chunks of an older generation only count as acks */
	GArray *gen_calls; /* of guint64: the client's ids of this generation's chunks out */
	guint in_flight;
	gboolean first_pending; /* a first chunk is out: nothing else is sent */
	gboolean sent_last;	/* the final chunk went out at least once */
	guint64 acked;		/* the offset the device expects next */
	guint64 next_send;
	guint64 retry_off;
	guint retries;
	guint busy;
	guint restarts;
	guint backoff_source;
	GSource *cancel_source; /* ends the run at once on cancel, also during a back-off */
};

G_DEFINE_TYPE(DfudUploader, dfud_uploader, G_TYPE_OBJECT)

typedef struct {
	DfudUploader *self;
	guint64 id; /* the client's */
	guint gen;
	guint64 off;
	guint64 end;
	gsize size; /* of the request */
	gboolean first;
} ChunkCall;

static void pump(DfudUploader *self);
static void send_first(DfudUploader *self);
static void new_generation(DfudUploader *self);

static void
chunk_call_free(ChunkCall *call)
{
	g_object_unref(call->self);
	g_free(call);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC(ChunkCall, chunk_call_free)

static void
dfud_uploader_finalize(GObject *object)
{
	DfudUploader *self = DFUD_UPLOADER(object);

	g_clear_handle_id(&self->backoff_source, g_source_remove);
	g_clear_handle_id(&self->size_probe, g_source_remove);
	if (self->cancel_source != NULL) {
		g_source_destroy(self->cancel_source);
		g_source_unref(self->cancel_source);
	}
	g_clear_object(&self->client);
	g_clear_object(&self->image);
	g_clear_pointer(&self->sha, g_bytes_unref);
	g_array_unref(self->gen_calls);
	G_OBJECT_CLASS(dfud_uploader_parent_class)->finalize(object);
}

static void
dfud_uploader_class_init(DfudUploaderClass *klass)
{
	G_OBJECT_CLASS(klass)->finalize = dfud_uploader_finalize;
}

static void
dfud_uploader_init(DfudUploader *self)
{
	self->gen_calls = g_array_new(FALSE, FALSE, sizeof(guint64));
}

DfudUploader *
dfud_uploader_new(DfudSmpClient *client, DfudImage *image, guint image_index,
		  const DfudUpdateOptions *options, gsize packet_size, guint window)
{
	DfudUploader *self = g_object_new(DFUD_TYPE_UPLOADER, NULL);
	gsize len = 0;

	self->client = g_object_ref(client);
	self->image = g_object_ref(image);
	self->data = g_bytes_get_data(dfud_image_get_bytes(image), &len);
	self->len = len;
	self->sha = g_bytes_ref(dfud_image_get_file_sha256(image));
	self->image_index = image_index;
	self->options = *options;
	self->packet_size = packet_size;
	self->window = MAX(window, 1u);
	return self;
}

void
dfud_uploader_set_progress_func(DfudUploader *self, DfudUploaderProgressFunc func,
				gpointer user_data)
{
	self->progress_func = func;
	self->progress_data = user_data;
}

guint64
dfud_uploader_get_acked(DfudUploader *self)
{
	return self->acked;
}

gsize
dfud_uploader_get_packet_size(DfudUploader *self)
{
	return self->packet_size;
}

static void
clear_cancel_source(DfudUploader *self)
{
	if (self->cancel_source == NULL)
		return;
	g_source_destroy(self->cancel_source);
	g_clear_pointer(&self->cancel_source, g_source_unref);
}

/* ends the run; later answers to chunks still out are ignored */
static void
finish(DfudUploader *self, GError *error)
{
	g_autoptr(GTask) task = g_steal_pointer(&self->task);

	g_clear_handle_id(&self->backoff_source, g_source_remove);
	g_clear_handle_id(&self->size_probe, g_source_remove);
	clear_cancel_source(self);
	new_generation(self);
	if (task == NULL) {
		g_clear_error(&error);
		return;
	}
	if (error != NULL)
		g_task_return_error(task, error);
	else
		g_task_return_boolean(task, TRUE);
}

static void
set_acked(DfudUploader *self, guint64 off)
{
	if (off > self->acked) {
		self->retries = 0;
		self->busy = 0;
	}
	self->acked = off;
	if (self->progress_func != NULL)
		self->progress_func(off, self->progress_data);
}

static guint
timeout_for(DfudUploader *self, guint64 off, guint64 end)
{
	guint ms = self->options.chunk_timeout_ms;

	if (off == 0)
		ms = self->options.first_chunk_timeout_ms;
	if (end == self->len)
		ms = MAX(ms, self->options.last_chunk_timeout_ms);
	return ms;
}

static void chunk_done(GObject *source, GAsyncResult *res, gpointer user_data);
static void arm_size_probe(DfudUploader *self);

/* sends the chunk at @off, as big as the packet allows; 0 when it failed (run finished) */
static guint64
send_chunk(DfudUploader *self, guint64 off)
{
	DfudSmpUploadChunk chunk = {
	    .off = off,
	    .len = self->len,
	    .image = self->image_index,
	    .upgrade = self->options.upgrade_flag,
	};
	g_autoptr(GBytes) request = NULL;
	GError *error = NULL;
	ChunkCall *call;
	gsize n;

	if (off == 0)
		chunk.sha = g_bytes_get_data(self->sha, &chunk.sha_len);
	n = dfud_smp_upload_max_data(&chunk, self->packet_size, UPLOAD_ALIGNMENT);
	if (n == 0 || (off == 0 && n < MIN(self->len, (guint64)DFUD_IMAGE_HEADER_SIZE))) {
		finish(self, g_error_new(DFUD_ERROR, DFUD_ERROR_NOT_SUPPORTED,
					 "upload: a packet of %" G_GSIZE_FORMAT
					 " bytes cannot carry the image header in its first chunk",
					 self->packet_size));
		return 0;
	}
	chunk.data = self->data + off;
	chunk.data_len = n;
	request = dfud_smp_request_image_upload(dfud_smp_client_get_version(self->client), 0,
						&chunk, &error);
	if (request == NULL) {
		finish(self, error);
		return 0;
	}
	call = g_new0(ChunkCall, 1);
	call->self = g_object_ref(self);
	call->gen = self->gen;
	call->off = off;
	call->end = off + n;
	call->first = off == 0;
	call->size = g_bytes_get_size(request);
	if (call->size > self->proven)
		arm_size_probe(self);
	if (call->end == self->len)
		self->sent_last = TRUE;
	self->in_flight++;
	/* GLib formats a debug message before it drops it: not for every chunk */
	if (!g_log_writer_default_would_drop(G_LOG_LEVEL_DEBUG, G_LOG_DOMAIN))
		g_debug("upload image %u: chunk %" G_GUINT64_FORMAT "+%" G_GSIZE_FORMAT " (gen %u)",
			self->image_index, off, n, self->gen);
	/* the first chunk may erase the slot, the last one flush and hash it: slow, not a
	 * measure of the round trip */
	call->id = dfud_smp_client_call_full_async(
	    self->client, request, timeout_for(self, off, call->end),
	    off == 0 || call->end == self->len ? DFUD_SMP_CALL_SLOW : DFUD_SMP_CALL_NONE,
	    g_task_get_cancellable(self->task), chunk_done, call);
	if (call->id != 0)
		g_array_append_val(self->gen_calls, call->id);
	return call->end;
}

/* a new generation: answers to the chunks out now only count as acks, and they are not sent
 * again (what they carried goes out anew from the device's offset) */
static void
new_generation(DfudUploader *self)
{
	for (guint i = 0; i < self->gen_calls->len; i++)
		dfud_smp_client_stop_resending(self->client,
					       g_array_index(self->gen_calls, guint64, i));
	g_array_set_size(self->gen_calls, 0);
	self->gen++;
	self->in_flight = 0;
	self->first_pending = FALSE;
}

static void
send_first(DfudUploader *self)
{
	new_generation(self);
	self->first_pending = TRUE;
	self->next_send = send_chunk(self, 0);
}

static void
restart(DfudUploader *self, const gchar *why)
{
	if (++self->restarts > RESTARTS_MAX) {
		finish(self, g_error_new(DFUD_ERROR, DFUD_ERROR_DEVICE,
					 "upload: the device lost the upload %u times (%s)",
					 RESTARTS_MAX, why));
		return;
	}
	g_debug("upload image %u: restarting with a first chunk: %s", self->image_index, why);
	send_first(self);
}

static void
pump(DfudUploader *self)
{
	if (self->task == NULL || self->first_pending || self->backoff_source != 0)
		return;
	while (self->task != NULL && self->in_flight < self->window && self->next_send < self->len)
		self->next_send = send_chunk(self, self->next_send);
}

static void
resync(DfudUploader *self, guint64 off)
{
	new_generation(self);
	self->next_send = off;
	if (off == 0)
		send_first(self);
	else
		pump(self);
}

static gboolean
backoff_done(gpointer user_data)
{
	DfudUploader *self = user_data;

	self->backoff_source = 0;
	resync(self, self->acked);
	return G_SOURCE_REMOVE;
}

/* --- packet sizes the device does not answer --- */

/* a quarter smaller and again from the device's offset; @cause (taken) when no smaller size is
 * left */
static void
step_down(DfudUploader *self, GError *cause)
{
	gsize smaller = MAX((gsize)SIZE_FLOOR, (self->packet_size * 3 / 4) & ~(gsize)3);

	g_clear_handle_id(&self->size_probe, g_source_remove);
	self->size_probes = 0;
	if (smaller >= self->packet_size) {
		g_prefix_error(&cause, "upload: requests of %" G_GSIZE_FORMAT " bytes (down from "
				       "larger ones): ",
			       self->packet_size);
		finish(self, cause);
		return;
	}
	g_info("upload image %u: %s: requests of %" G_GSIZE_FORMAT " bytes from now on",
	       self->image_index, cause->message, smaller);
	g_error_free(cause);
	self->packet_size = smaller;
	if (self->acked == 0)
		send_first(self);
	else
		resync(self, self->acked);
}

typedef struct {
	DfudUploader *self;
	gsize size; /* the packet size probed for */
} SizeProbe;

static void
size_probe_done(GObject *source, GAsyncResult *res, gpointer user_data)
{
	SizeProbe *probe = user_data;
	DfudUploader *self = probe->self;
	g_autoptr(GError) error = NULL;
	g_autoptr(DfudSmpResponse) resp =
	    dfud_smp_client_call_finish(DFUD_SMP_CLIENT(source), res, &error);

	/* any answer to the small request while the big one still has none: the device works
	 * through its requests in order (spec §1.4), so the big one never reached it */
	if (self->task != NULL && resp != NULL && self->packet_size == probe->size &&
	    self->proven < probe->size)
		step_down(self, g_error_new(DFUD_ERROR, DFUD_ERROR_TIMEOUT,
					    "no answer to a request of %" G_GSIZE_FORMAT
					    " bytes while the device answers a small one",
					    probe->size));
	g_object_unref(self);
	g_free(probe);
}

static gboolean
size_probe_fire(gpointer user_data)
{
	DfudUploader *self = user_data;
	g_autoptr(GBytes) request = NULL;
	SizeProbe *probe;

	self->size_probe = 0;
	if (self->task == NULL || self->proven >= self->packet_size)
		return G_SOURCE_REMOVE;
	request = dfud_smp_request_echo(dfud_smp_client_get_version(self->client), 0, "dfud",
					NULL);
	probe = g_new0(SizeProbe, 1);
	probe->self = g_object_ref(self);
	probe->size = self->packet_size;
	self->size_probes++;
	g_debug("upload image %u: no answer yet to %" G_GSIZE_FORMAT "-byte requests: an echo",
		self->image_index, self->packet_size);
	dfud_smp_client_call_async(self->client, request, self->options.command_timeout_ms,
				   g_task_get_cancellable(self->task), size_probe_done, probe);
	arm_size_probe(self);
	return G_SOURCE_REMOVE;
}

/* an echo soon, while no request of the current size was answered yet */
static void
arm_size_probe(DfudUploader *self)
{
	guint ms;

	if (self->size_probe != 0 || self->size_probes >= SIZE_PROBES_MAX ||
	    self->packet_size <= SIZE_FLOOR)
		return;
	ms = MAX(SIZE_PROBE_MIN_MS, SIZE_PROBE_AFTER_RTO * dfud_smp_client_get_rto_ms(self->client))
	     << self->size_probes;
	self->size_probe = g_timeout_add(ms, size_probe_fire, self);
}

/* an answer to @call: its size works; an error that says it was too big, a step down */
static gboolean
size_answered(DfudUploader *self, ChunkCall *call, const DfudSmpResponse *resp, GError **error)
{
	gint64 rc = resp->status.rc;

	if (resp->status.failed && !resp->status.group_error && call->size > self->proven &&
	    call->gen == self->gen &&
	    (rc == DFUD_SMP_RC_ENOMEM || rc == DFUD_SMP_RC_EINVAL || rc == DFUD_SMP_RC_ECORRUPT)) {
		step_down(self, g_steal_pointer(error));
		return TRUE;
	}
	if (!resp->status.failed && call->size > self->proven) {
		self->proven = call->size;
		if (self->proven >= self->packet_size)
			g_clear_handle_id(&self->size_probe, g_source_remove);
	}
	return FALSE;
}

static void
on_busy(DfudUploader *self, GError *error)
{
	guint ms;

	if (++self->busy > BUSY_RETRIES_MAX) {
		g_prefix_error(&error,
			       "upload: the device stayed busy at offset %" G_GUINT64_FORMAT ": ",
			       self->acked);
		finish(self, error);
		return;
	}
	g_error_free(error);
	if (self->backoff_source != 0)
		return;
	new_generation(self);
	ms = MIN(50u << MIN(self->busy, 6u), BUSY_BACKOFF_MAX_MS);
	g_debug("upload image %u: busy, retrying in %u ms", self->image_index, ms);
	self->backoff_source = g_timeout_add(ms, backoff_done, self);
}

static void state_read_done(GObject *source, GAsyncResult *res, gpointer user_data);

/*
 * The final answer may have been lost, the device may have completed: its image state then
 * lists the new hash. Never answered by a fresh first chunk before this is known.
 */
static void
check_completed(DfudUploader *self)
{
	g_autoptr(GBytes) request =
	    dfud_smp_request_image_state_read(dfud_smp_client_get_version(self->client), 0);

	new_generation(self);
	self->first_pending = TRUE; /* nothing else goes out meanwhile */
	dfud_smp_client_call_async(self->client, request, self->options.command_timeout_ms,
				   g_task_get_cancellable(self->task), state_read_done,
				   g_object_ref(self));
}

static gboolean
state_holds_image(DfudUploader *self, const DfudSmpImageState *state)
{
	GBytes *hash = dfud_image_get_hash(self->image);
	gsize hash_len = 0;
	const guint8 *hash_data = g_bytes_get_data(hash, &hash_len);

	for (guint i = 0; state->slots != NULL && i < state->slots->len; i++) {
		const DfudSmpImageSlot *slot = g_ptr_array_index(state->slots, i);
		if (slot->image == self->image_index && !slot->active &&
		    slot->hash_len == hash_len && memcmp(slot->hash, hash_data, hash_len) == 0)
			return TRUE;
	}
	return FALSE;
}

static void
state_read_done(GObject *source, GAsyncResult *res, gpointer user_data)
{
	g_autoptr(DfudUploader) self = user_data;
	g_autoptr(GError) error = NULL;
	g_autoptr(DfudSmpResponse) resp =
	    dfud_smp_client_call_finish(DFUD_SMP_CLIENT(source), res, &error);
	g_autoptr(DfudSmpImageState) state = NULL;

	if (self->task == NULL)
		return;
	if (resp != NULL)
		state = dfud_smp_response_parse_image_state(resp, &error);
	if (state == NULL && g_error_matches(error, DFUD_ERROR, DFUD_ERROR_TIMEOUT) &&
	    ++self->retries <= self->options.chunk_retries) {
		check_completed(self);
		return;
	}
	if (state == NULL) {
		g_prefix_error(&error,
			       "upload: checking whether the device completed the upload: ");
		finish(self, g_steal_pointer(&error));
		return;
	}
	if (state_holds_image(self, state)) {
		g_debug("upload image %u: final answer lost, the device holds the image",
			self->image_index);
		set_acked(self, self->len);
		finish(self, NULL);
		return;
	}
	/* not complete: continue where the device said it stands; off 0 then means it lost it */
	self->sent_last = FALSE;
	if (self->acked == 0)
		send_first(self);
	else
		resync(self, self->acked);
}

static void
on_timeout(DfudUploader *self, ChunkCall *call, GError *error)
{
	if (call->gen != self->gen || self->acked >= call->end) {
		pump(self); /* stale, or a later answer covered it */
		return;
	}
	if (self->retry_off == self->acked) {
		self->retries++;
	} else {
		self->retry_off = self->acked;
		self->retries = 1;
	}
	if (self->retries > self->options.chunk_retries) {
		finish(self,
		       g_error_new(DFUD_ERROR, DFUD_ERROR_TIMEOUT,
				   "upload: no answer for the chunk at offset %" G_GUINT64_FORMAT
				   " of image %u after %u tries (%s)",
				   self->acked, self->image_index, self->retries, error->message));
		return;
	}
	g_debug("upload image %u: chunk %" G_GUINT64_FORMAT " timed out, try %u", self->image_index,
		call->off, self->retries);
	if (self->sent_last && call->end == self->len)
		check_completed(self);
	else if (call->first || self->acked == 0)
		send_first(self);
	else
		resync(self, self->acked);
}

static void
on_answer(DfudUploader *self, ChunkCall *call, const DfudSmpUploadResult *result)
{
	guint64 off = result->off;

	if (off > self->len) {
		finish(self, g_error_new(DFUD_ERROR, DFUD_ERROR_PROTOCOL,
					 "upload: the device reports offset %" G_GUINT64_FORMAT
					 " beyond the image's %" G_GUINT64_FORMAT " bytes",
					 off, self->len));
		return;
	}
	if (off == self->len) {
		if (result->has_match && !result->match) {
			finish(self, g_error_new_literal(DFUD_ERROR, DFUD_ERROR_DEVICE,
							 "upload: the device's SHA-256 of the slot "
							 "does not match the file"));
			return;
		}
		set_acked(self, off);
		finish(self, NULL);
		return;
	}
	if (call->first) {
		if (call->gen != self->gen)
			return;
		if (off == 0) {
			restart(self, "the first chunk was answered with offset 0");
			return;
		}
		set_acked(self, off); /* fresh or resumed: the device's offset */
		resync(self, off);
		return;
	}
	if (off == 0) {
		if (call->gen != self->gen)
			return;
		if (self->sent_last)
			check_completed(self);
		else
			restart(self, "the device answered offset 0: it lost the upload");
		return;
	}
	if (off > self->acked)
		set_acked(self, off);
	if (call->gen != self->gen) {
		pump(self);
		return;
	}
	if (off < call->end) {
		/* the device expects an earlier offset: continue from there */
		if (off < self->acked)
			set_acked(self, off);
		resync(self, off);
		return;
	}
	pump(self);
}

static void
chunk_done(GObject *source, GAsyncResult *res, gpointer user_data)
{
	g_autoptr(ChunkCall) call = user_data;
	DfudUploader *self = call->self;
	g_autoptr(GError) error = NULL;
	g_autoptr(DfudSmpResponse) resp =
	    dfud_smp_client_call_finish(DFUD_SMP_CLIENT(source), res, &error);
	DfudSmpUploadResult result = {0};

	for (guint i = 0; call->gen == self->gen && i < self->gen_calls->len; i++) {
		if (g_array_index(self->gen_calls, guint64, i) == call->id) {
			g_array_remove_index_fast(self->gen_calls, i);
			break;
		}
	}
	if (self->task == NULL)
		return;
	if (call->gen == self->gen && self->in_flight > 0)
		self->in_flight--;
	if (call->gen == self->gen && call->first)
		self->first_pending = FALSE;
	if (resp == NULL) {
		if (g_error_matches(error, DFUD_ERROR, DFUD_ERROR_TIMEOUT))
			on_timeout(self, call, error);
		else
			finish(self, g_steal_pointer(&error));
		return;
	}
	if (!dfud_smp_response_parse_image_upload(resp, &result, &error)) {
		if (error != NULL && size_answered(self, call, resp, &error))
			return;
		if (g_error_matches(error, DFUD_ERROR, DFUD_ERROR_BUSY))
			on_busy(self, g_steal_pointer(&error));
		else
			finish(self, g_steal_pointer(&error));
		return;
	}
	size_answered(self, call, resp, &error);
	on_answer(self, call, &result);
}

static gboolean
cancelled(GCancellable *cancellable, gpointer user_data)
{
	DfudUploader *self = user_data;

	(void)cancellable;
	finish(self, g_error_new(DFUD_ERROR, DFUD_ERROR_CANCELLED, "upload of image %u cancelled",
				 self->image_index));
	return G_SOURCE_REMOVE;
}

void
dfud_uploader_run_async(DfudUploader *self, GCancellable *cancellable, GAsyncReadyCallback callback,
			gpointer user_data)
{
	g_return_if_fail(DFUD_IS_UPLOADER(self));
	g_return_if_fail(self->task == NULL);

	self->task = g_task_new(self, cancellable, callback, user_data);
	g_task_set_source_tag(self->task, dfud_uploader_run_async);
	self->acked = 0;
	self->next_send = 0;
	self->sent_last = FALSE;
	self->retries = 0;
	self->restarts = 0;
	self->busy = 0;
	if (cancellable != NULL) {
		self->cancel_source = g_cancellable_source_new(cancellable);
		g_source_set_callback(self->cancel_source, G_SOURCE_FUNC(cancelled), self, NULL);
		g_source_attach(self->cancel_source, g_main_context_get_thread_default());
	}
	/* the first chunk resumes a session the device still holds (same sha) */
	send_first(self);
}

gboolean
dfud_uploader_run_finish(DfudUploader *self, GAsyncResult *res, GError **error)
{
	g_return_val_if_fail(g_task_is_valid(res, self), FALSE);
	return g_task_propagate_boolean(G_TASK(res), error);
}
