/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "DfudEngine"

#include "config.h"

#include <string.h>

#include "dfud-upload-size.h"
#include "dfud-uploader.h"
#include "smp/dfud-smp.h"

#define UPLOAD_ALIGNMENT 4u
#define RESTARTS_MAX 5u
/* answers in a row that name an offset without taking the chunk: the second and later wait
 * this (doubling, from the retransmission timeout) before the chunk goes again */
#define STUCK_BACKOFF_MAX_MS 1000u

struct _DfudUploader {
	GObject parent_instance;
	DfudSmpClient *client;
	DfudImage *image;
	const guint8 *data;
	guint64 len;
	GBytes *sha;
	guint image_index;
	DfudUpdateOptions options;
	guint window;
	DfudUploadSize *size;
	gint64 deadline_us; /* of the whole upload, 0: none */
	guint64 resume_off; /* start with a chunk there, not a first chunk (0: none) */
	DfudUploaderProgressFunc progress_func;
	gpointer progress_data;

	GTask *task; /* NULL when not running */
	guint gen;   /* answers to chunks of an older generation only count as acks */
	GArray *gen_calls; /* of guint64: the client's ids of this generation's chunks out */
	guint in_flight;
	gboolean first_pending;	 /* a first chunk is out: nothing else is sent */
	guint64 last_off;	 /* where the final chunk starts, once it went out; else len */
	guint64 acked;		 /* the offset the device expects next */
	guint64 next_send;
	gint64 first_deadline_us; /* the answer to the first chunk: FirstChunk after it went out */
	/* lack of progress */
	guint64 retry_off;
	guint retries; /* the chunk at retry_off went out again */
	guint stuck;   /* answers in a row naming acked without taking the chunk */
	guint restarts;
	guint soft_source;     /* an answer is overdue: the chunks go again from the offset */
	guint backoff_source;  /* a stuck device's wait */
	guint deadline_source; /* the whole upload's bound */
	GSource *cancel_source;
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
static void size_stepped(gboolean stepped, GError *why, gpointer user_data);

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

	g_clear_handle_id(&self->soft_source, g_source_remove);
	g_clear_handle_id(&self->backoff_source, g_source_remove);
	g_clear_handle_id(&self->deadline_source, g_source_remove);
	if (self->cancel_source != NULL) {
		g_source_destroy(self->cancel_source);
		g_source_unref(self->cancel_source);
	}
	dfud_upload_size_stop(self->size);
	g_clear_object(&self->size);
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
	self->window = MAX(window, 1u);
	/* not a reference: the size is ours and stopped before we go */
	self->size = dfud_upload_size_new(client, packet_size, options->command_timeout_ms,
					  size_stepped, self);
	return self;
}

void
dfud_uploader_set_progress_func(DfudUploader *self, DfudUploaderProgressFunc func,
				gpointer user_data)
{
	self->progress_func = func;
	self->progress_data = user_data;
}

void
dfud_uploader_set_deadline(DfudUploader *self, gint64 deadline_us)
{
	self->deadline_us = deadline_us;
}

guint64
dfud_uploader_get_acked(DfudUploader *self)
{
	return self->acked;
}

gsize
dfud_uploader_get_packet_size(DfudUploader *self)
{
	return dfud_upload_size_get(self->size);
}

/* ends the run; later answers to chunks still out are ignored */
static void
finish(DfudUploader *self, GError *error)
{
	g_autoptr(GTask) task = g_steal_pointer(&self->task);

	g_clear_handle_id(&self->soft_source, g_source_remove);
	g_clear_handle_id(&self->backoff_source, g_source_remove);
	g_clear_handle_id(&self->deadline_source, g_source_remove);
	if (self->cancel_source != NULL) {
		g_source_destroy(self->cancel_source);
		g_clear_pointer(&self->cancel_source, g_source_unref);
	}
	dfud_upload_size_stop(self->size);
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

/* --- waiting for answers --- */

static void soft_expired(DfudUploader *self);

/* how long an answer to the chunk at @off may take: the device's own time (the chunk timeouts
 * of dfud.conf), or its round trip when it is longer (a slow device is waited for, spec §9.1) */
static guint
soft_ms(DfudUploader *self, guint64 off)
{
	guint ms = off >= self->last_off ? MAX(self->options.chunk_timeout_ms,
					       self->options.last_chunk_timeout_ms)
					 : self->options.chunk_timeout_ms;

	return MAX(ms, dfud_smp_client_get_rto_ms(self->client));
}

static gboolean
soft_fired(gpointer user_data)
{
	DfudUploader *self = user_data;

	self->soft_source = 0;
	if (self->task != NULL && !self->first_pending && self->in_flight > 0)
		soft_expired(self);
	return G_SOURCE_REMOVE;
}

/* the chunks out wait for an answer from now on (at a send, at progress) */
static void
arm_soft(DfudUploader *self)
{
	g_clear_handle_id(&self->soft_source, g_source_remove);
	if (self->task != NULL)
		self->soft_source = g_timeout_add(soft_ms(self, self->acked), soft_fired, self);
}

static void
set_acked(DfudUploader *self, guint64 off)
{
	if (off > self->acked) {
		self->retries = 0;
		self->stuck = 0;
		self->acked = off;
		arm_soft(self);
	} else {
		self->acked = off;
	}
	if (self->progress_func != NULL)
		self->progress_func(off, self->progress_data);
}

/* --- sending --- */

static void chunk_done(GObject *source, GAsyncResult *res, gpointer user_data);

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
	gsize packet = dfud_upload_size_get(self->size);
	g_autoptr(GBytes) request = NULL;
	GError *error = NULL;
	ChunkCall *call;
	guint timeout_ms;
	gsize n;

	if (off == 0)
		chunk.sha = g_bytes_get_data(self->sha, &chunk.sha_len);
	n = dfud_smp_upload_max_data(&chunk, packet, UPLOAD_ALIGNMENT);
	if (n == 0 || (off == 0 && n < MIN(self->len, (guint64)DFUD_IMAGE_HEADER_SIZE))) {
		finish(self, g_error_new(DFUD_ERROR, DFUD_ERROR_NOT_SUPPORTED,
					 "upload: a packet of %" G_GSIZE_FORMAT
					 " bytes cannot carry the image header in its first chunk",
					 packet));
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
	if (call->end == self->len)
		self->last_off = off;
	self->in_flight++;
	dfud_upload_size_sent(self->size, call->size, g_task_get_cancellable(self->task));
	/* GLib formats a debug message before it drops it: not for every chunk */
	if (!g_log_writer_default_would_drop(G_LOG_LEVEL_DEBUG, G_LOG_DOMAIN))
		g_debug("upload image %u: chunk %" G_GUINT64_FORMAT "+%" G_GSIZE_FORMAT " (gen %u)",
			self->image_index, off, n, self->gen);
	/*
	 * The first chunk may erase the slot: its answer is waited for until FirstChunk after it
	 * first went out. Any other is waited for through the resends from the device's offset
	 * (chunk_retries of them), so that a late answer still counts as progress.
	 */
	if (call->first)
		timeout_ms = (guint)CLAMP((self->first_deadline_us - g_get_monotonic_time()) / 1000,
					  1, G_MAXUINT);
	else
		timeout_ms = soft_ms(self, off) * (self->options.chunk_retries + 2);
	/* the first and the last chunk are slow (erase, flush): not a measure of the round trip */
	call->id = dfud_smp_client_call_full_async(
	    self->client, request, timeout_ms,
	    call->first || call->end == self->len ? DFUD_SMP_CALL_SLOW : DFUD_SMP_CALL_NONE,
	    g_task_get_cancellable(self->task), chunk_done, call);
	if (call->id != 0)
		g_array_append_val(self->gen_calls, call->id);
	if (!call->first && self->soft_source == 0)
		arm_soft(self);
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
	g_clear_handle_id(&self->soft_source, g_source_remove);
}

static void
send_first(DfudUploader *self)
{
	new_generation(self);
	self->first_pending = TRUE;
	self->next_send = send_chunk(self, 0);
}

/* the device lost the upload: a new one, erase included, within a new FirstChunk */
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
	self->first_deadline_us =
	    g_get_monotonic_time() + (gint64)self->options.first_chunk_timeout_ms * 1000;
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

static void
size_stepped(gboolean stepped, GError *why, gpointer user_data)
{
	DfudUploader *self = user_data;

	if (self->task == NULL) {
		g_error_free(why);
		return;
	}
	if (!stepped) {
		g_prefix_error(&why, "upload: requests of %" G_GSIZE_FORMAT " bytes: ",
			       dfud_upload_size_get(self->size));
		finish(self, why);
		return;
	}
	g_error_free(why);
	resync(self, self->acked);
}

/* --- a device that names an offset without taking the chunk --- */

static gboolean
backoff_done(gpointer user_data)
{
	DfudUploader *self = user_data;

	self->backoff_source = 0;
	resync(self, self->acked);
	return G_SOURCE_REMOVE;
}

/*
 * An answer of this generation that names the offset the device already had, without taking
 * the chunk. Once is a lost chunk (its successors, pipelined, are answered so): again at once.
 * Again after that is a device that does not write: the chunk goes again after a back-off, and
 * after chunk_retries of those the upload fails, named. Never a loop at the link's speed.
 */
static void
on_no_progress(DfudUploader *self, guint64 off, const gchar *answer)
{
	guint ms;

	if (++self->stuck == 1) {
		resync(self, off);
		return;
	}
	if (self->stuck > self->options.chunk_retries + 1) {
		finish(self, g_error_new(DFUD_ERROR, DFUD_ERROR_DEVICE,
					 "upload: the device answers %s%" G_GUINT64_FORMAT
					 " of image %u to every chunk and takes none (%u times)",
					 answer != NULL ? answer : "offset ", off, self->image_index,
					 self->stuck));
		return;
	}
	new_generation(self);
	ms = MIN(dfud_smp_client_get_rto_ms(self->client) << (self->stuck - 2),
		 STUCK_BACKOFF_MAX_MS);
	g_debug("upload image %u: offset %" G_GUINT64_FORMAT " again (%u): again in %u ms",
		self->image_index, off, self->stuck, ms);
	self->backoff_source = g_timeout_add(ms, backoff_done, self);
}

/* --- the final answer --- */

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
	self->first_pending = FALSE;
	if (resp != NULL)
		state = dfud_smp_response_parse_image_state(resp, &error);
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
	self->last_off = self->len;
	resync(self, self->acked);
}

/* no answer of this generation within its time: from the device's offset again, or the end */
static void
soft_expired(DfudUploader *self)
{
	if (self->retry_off == self->acked) {
		self->retries++;
	} else {
		self->retry_off = self->acked;
		self->retries = 1;
	}
	if (self->retries > self->options.chunk_retries) {
		finish(self, g_error_new(DFUD_ERROR, DFUD_ERROR_TIMEOUT,
					 "upload: no answer for the chunk at offset %" G_GUINT64_FORMAT
					 " of image %u after %u tries of %u ms",
					 self->acked, self->image_index, self->retries,
					 soft_ms(self, self->acked)));
		return;
	}
	g_debug("upload image %u: no answer at offset %" G_GUINT64_FORMAT " within %u ms, try %u",
		self->image_index, self->acked, soft_ms(self, self->acked), self->retries);
	if (self->acked >= self->last_off)
		check_completed(self); /* only the final chunk is out: did it complete? */
	else
		resync(self, self->acked);
}

/* --- answers --- */

static void
on_answer(DfudUploader *self, ChunkCall *call, const DfudSmpUploadResult *result)
{
	guint64 off = result->off;
	guint64 before = self->acked;

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
		if (self->last_off < self->len)
			check_completed(self);
		else
			restart(self, "the device answered offset 0: it lost the upload");
		return;
	}
	/* any answer that reports progress is progress, whichever request it answers */
	if (off > self->acked)
		set_acked(self, off);
	if (call->gen != self->gen) {
		/* a late answer: what went out since may be behind it now */
		if (self->acked > self->next_send && !self->first_pending &&
		    self->backoff_source == 0)
			resync(self, self->acked);
		else
			pump(self);
		return;
	}
	if (off > self->next_send) {
		/* ahead of what went out (a copy was taken twice): skip what it has */
		resync(self, off);
		return;
	}
	if (off < call->end) {
		/* the device expects another offset: continue from there */
		if (off > before) {
			resync(self, off);
			return;
		}
		if (off < self->acked)
			set_acked(self, off);
		on_no_progress(self, off, NULL);
		return;
	}
	pump(self);
}

/*
 * A direct-XIP device with CONFIG_MCUMGR_GRP_IMG_REJECT_DIRECT_XIP_MISMATCHED_SLOT refuses a
 * ROM-fixed image linked for another slot's address with image error 25, INVALID_FLASH_ADDRESS
 * (spec §2.4), before it erases anything: WrongSlot, the device's words kept. Takes @error.
 */
static GError *
wrong_slot_error(DfudUploader *self, const DfudSmpResponse *resp, GError *error)
{
	GError *wrong;

	if (!resp->status.failed || !resp->status.group_error ||
	    resp->status.group != DFUD_SMP_GROUP_IMAGE ||
	    resp->status.rc != DFUD_SMP_IMG_RC_INVALID_FLASH_ADDRESS)
		return error;
	wrong = g_error_new(DFUD_ERROR, DFUD_ERROR_WRONG_SLOT,
			    "image %u is linked (ROM_FIXED) for another slot than the one the "
			    "device would write it to, which it refused before erasing anything "
			    "(%s): upload the build for that slot",
			    self->image_index, error->message);
	g_error_free(error);
	return wrong;
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
	gboolean current = call->gen == self->gen;

	for (guint i = 0; current && i < self->gen_calls->len; i++) {
		if (g_array_index(self->gen_calls, guint64, i) == call->id) {
			g_array_remove_index_fast(self->gen_calls, i);
			break;
		}
	}
	if (self->task == NULL)
		return;
	if (current && self->in_flight > 0)
		self->in_flight--;
	if (current && call->first)
		self->first_pending = FALSE;
	if (resp == NULL) {
		if (!g_error_matches(error, DFUD_ERROR, DFUD_ERROR_TIMEOUT)) {
			finish(self, g_steal_pointer(&error));
		} else if (current && call->first) {
			g_prefix_error(&error, "upload: the first chunk (the device erases its slot "
					       "then): ");
			finish(self, g_steal_pointer(&error));
		} else {
			pump(self); /* the resends from the device's offset took over */
		}
		return;
	}
	if (!dfud_smp_response_parse_image_upload(resp, &result, &error)) {
		if (current && dfud_upload_size_answered(self->size, call->size, resp, error))
			return;
		/*
		 * rc 2 (ENOMEM) to a packet of a size the device has taken: Zephyr's SMP layer had no
		 * buffer for the answer (smp.c, smp_on_err() answers in the request's), a passing
		 * state. Asked again with the stuck device's back-offs, as bounded as they are.
		 */
		if (resp->status.failed && !resp->status.group_error &&
		    resp->status.rc == DFUD_SMP_RC_ENOMEM) {
			if (current)
				on_no_progress(self, self->acked, "rc 2 (ENOMEM) at offset ");
			return;
		}
		if (!current && g_error_matches(error, DFUD_ERROR, DFUD_ERROR_BUSY))
			return; /* went again since */
		finish(self, wrong_slot_error(self, resp, g_steal_pointer(&error)));
		return;
	}
	dfud_upload_size_answered(self->size, call->size, resp, NULL);
	on_answer(self, call, &result);
}

/* --- the run --- */

static gboolean
cancelled(GCancellable *cancellable, gpointer user_data)
{
	DfudUploader *self = user_data;

	(void)cancellable;
	finish(self, g_error_new(DFUD_ERROR, DFUD_ERROR_CANCELLED, "upload of image %u cancelled",
				 self->image_index));
	return G_SOURCE_REMOVE;
}

static gboolean
deadline_passed(gpointer user_data)
{
	DfudUploader *self = user_data;

	self->deadline_source = 0;
	finish(self, g_error_new(DFUD_ERROR, DFUD_ERROR_TIMEOUT,
				 "upload of image %u: %" G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT
				 " bytes when its time ran out (FirstChunk + LastChunk + its size "
				 "at MinRate, dfud.conf(5))",
				 self->image_index, self->acked, self->len));
	return G_SOURCE_REMOVE;
}

void
dfud_uploader_run_async(DfudUploader *self, GCancellable *cancellable, GAsyncReadyCallback callback,
			gpointer user_data)
{
	gint64 now = g_get_monotonic_time();

	g_return_if_fail(DFUD_IS_UPLOADER(self));
	g_return_if_fail(self->task == NULL);

	self->task = g_task_new(self, cancellable, callback, user_data);
	g_task_set_source_tag(self->task, dfud_uploader_run_async);
	self->acked = 0;
	self->next_send = 0;
	self->last_off = self->len;
	self->retries = 0;
	self->stuck = 0;
	self->restarts = 0;
	self->first_deadline_us = now + (gint64)self->options.first_chunk_timeout_ms * 1000;
	if (cancellable != NULL) {
		self->cancel_source = g_cancellable_source_new(cancellable);
		g_source_set_callback(self->cancel_source, G_SOURCE_FUNC(cancelled), self, NULL);
		g_source_attach(self->cancel_source, g_main_context_get_thread_default());
	}
	if (self->deadline_us > 0)
		self->deadline_source = g_timeout_add(
		    (guint)CLAMP((self->deadline_us - now) / 1000, 1, G_MAXUINT), deadline_passed,
		    self);
	if (self->resume_off > 0 && self->resume_off < self->len) {
		/* answered with the device's offset, or 0 (restart) */
		new_generation(self);
		self->next_send = self->resume_off;
		pump(self);
		return;
	}
	/* the first chunk resumes a session the device still holds (same sha) */
	send_first(self);
}

void
dfud_uploader_set_resume(DfudUploader *self, guint64 off)
{
	g_return_if_fail(DFUD_IS_UPLOADER(self));
	self->resume_off = off;
}

gboolean
dfud_uploader_run_finish(DfudUploader *self, GAsyncResult *res, GError **error)
{
	g_return_val_if_fail(g_task_is_valid(res, self), FALSE);
	return g_task_propagate_boolean(G_TASK(res), error);
}
