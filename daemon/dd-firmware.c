/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "DfudFirmware"

#include "config.h"

#include <gio/gunixinputstream.h>
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dd-firmware.h"
#include "dfud-error.h"

/* a pipe is read this much at a time; a file too, so that a cancelled read stops soon */
#define DD_FIRMWARE_READ_CHUNK (256 * 1024)
#define DD_FIRMWARE_COMPARE_CHUNK (64 * 1024)

/*
 * The memory of every read's buffer, and of the firmware a read returned until it is freed:
 * reads reserve what they allocate before they allocate it. Worker threads read files, so
 * the count has a lock.
 *
 * The buffers are mapped, not taken from malloc(): munmap() gives their pages back at once.
 * A freed heap chunk can stay resident (a 24 MiB read buffer freed in a worker thread's arena,
 * below a running job's firmware, kept the daemon 24 MiB bigger, malloc_trim() or not).
 */
static GMutex memory_lock;
static gsize memory_in_use;

typedef struct {
	GInputStream *stream; /* a pipe */
	gint fd;	      /* a regular file, read in a thread */
	guint8 *data;	      /* mapped */
	gsize len;
	gsize reserved; /* the mapped size of data, counted in memory_in_use */
	DdFirmwareLimits limits;
	DdFirmwareCache *known;	   /* may be NULL; dropped when the file's turn comes */
	GPtrArray *candidates;	   /* of GBytes: the known contents when the read starts */
	GCancellable *cancellable; /* the read's own: the timeout and the caller cancel it */
	GCancellable *caller_cancellable;
	gulong caller_handler;
	GSource *timeout;
	gint abort_code; /* DFUD_ERROR_TIMEOUT or DFUD_ERROR_CANCELLED once aborted */
	GAsyncReadyCallback callback;
	gpointer user_data;
} DdFirmwareRead;

/* what a returned firmware carries to give its memory back when it is freed */
typedef struct {
	guint8 *data;
	gsize mapped;
} DdFirmwareMemory;

gsize
dd_firmware_get_memory_in_use(void)
{
	gsize in_use;

	g_mutex_lock(&memory_lock);
	in_use = memory_in_use;
	g_mutex_unlock(&memory_lock);
	return in_use;
}

static void
memory_release(gsize bytes)
{
	g_mutex_lock(&memory_lock);
	g_warn_if_fail(memory_in_use >= bytes);
	memory_in_use -= MIN(bytes, memory_in_use);
	g_mutex_unlock(&memory_lock);
}

static gboolean
memory_reserve(gsize bytes, gsize max_memory, GError **error)
{
	gboolean fits;
	gsize in_use;

	g_mutex_lock(&memory_lock);
	in_use = memory_in_use;
	fits = bytes <= max_memory && in_use <= max_memory - bytes;
	if (fits)
		memory_in_use += bytes;
	g_mutex_unlock(&memory_lock);
	if (!fits)
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_BUSY,
			    "the Update calls being read hold %" G_GSIZE_FORMAT
			    " bytes of firmware, and %" G_GSIZE_FORMAT
			    " more would pass the %" G_GSIZE_FORMAT
			    " of dfud.conf MaxFirmwareReadMemory: retry later",
			    in_use, bytes, max_memory);
	return fits;
}

static void
memory_free(gpointer data)
{
	DdFirmwareMemory *memory = data;

	munmap(memory->data, memory->mapped);
	memory_release(memory->mapped);
	g_free(memory);
}

static gsize
page_round(gsize size)
{
	gsize page = (gsize)sysconf(_SC_PAGESIZE);

	return (size + page - 1) / page * page;
}

/* maps @size bytes for @data (NULL: none yet, else @old mapped), moving it if needed */
static gboolean
buffer_map(guint8 **data, gsize old, gsize size, GError **error)
{
	void *mapped = *data == NULL ? mmap(NULL, size, PROT_READ | PROT_WRITE,
					    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)
				     : mremap(*data, old, size, MREMAP_MAYMOVE);

	if (mapped == MAP_FAILED) {
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_BUSY,
			    "no memory for %" G_GSIZE_FORMAT " bytes of firmware: %s", size,
			    g_strerror(errno));
		return FALSE;
	}
	*data = mapped;
	return TRUE;
}

static void
set_too_large(const DdFirmwareRead *read, GError **error)
{
	g_set_error(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT,
		    "the firmware is larger than %" G_GSIZE_FORMAT
		    " bytes (dfud.conf MaxFirmwareSize)",
		    read->limits.max_size);
}

/*
 * room for @need bytes in the buffer, doubling it, within MaxFirmwareSize and one byte more
 * (which tells a file that grew beyond it) and within MaxFirmwareReadMemory
 */
static gboolean
buffer_grow(DdFirmwareRead *read, gsize need, GError **error)
{
	gsize limit = read->limits.max_size + 1;
	gsize size;

	if (need <= read->reserved)
		return TRUE;
	if (need > limit) {
		set_too_large(read, error);
		return FALSE;
	}
	size = page_round(MAX(need, MIN(read->reserved * 2, limit)));
	if (!memory_reserve(size - read->reserved, read->limits.max_memory, error))
		return FALSE;
	if (!buffer_map(&read->data, read->reserved, size, error)) {
		memory_release(size - read->reserved);
		return FALSE;
	}
	read->reserved = size;
	return TRUE;
}

/* the bytes read, their memory counted until they are freed; NULL and an error when empty */
static GBytes *
take_result(DdFirmwareRead *read, GError **error)
{
	DdFirmwareMemory *memory;

	if (read->len == 0) {
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_IMAGE_EMPTY,
			    "the firmware descriptor gave no bytes");
		return NULL;
	}
	/* shrinking a mapping never moves it nor fails */
	memory = g_new0(DdFirmwareMemory, 1);
	memory->mapped = page_round(read->len);
	memory->data = g_steal_pointer(&read->data);
	if (memory->mapped < read->reserved)
		munmap(memory->data + memory->mapped, read->reserved - memory->mapped);
	memory_release(read->reserved - memory->mapped);
	read->reserved = 0;
	return g_bytes_new_with_free_func(memory->data, read->len, memory_free, memory);
}

static void
dd_firmware_read_free(gpointer data)
{
	DdFirmwareRead *read = data;

	g_clear_object(&read->stream);
	if (read->fd >= 0)
		close(read->fd);
	if (read->data != NULL)
		munmap(read->data, read->reserved);
	memory_release(read->reserved);
	g_clear_object(&read->known);
	g_clear_pointer(&read->candidates, g_ptr_array_unref);
	g_clear_object(&read->cancellable);
	g_free(read);
}

/*
 * the candidate the file is identical to, compared as it is read, or NULL: a firmware that
 * is already known is never copied
 */
static GBytes *
find_known_content(DdFirmwareRead *read, gsize file_size, GCancellable *cancellable)
{
	g_autoptr(GPtrArray) alive = g_ptr_array_new();
	g_autofree guint8 *buf = NULL;
	gsize off = 0;

	for (guint i = 0; read->candidates != NULL && i < read->candidates->len; i++) {
		GBytes *candidate = g_ptr_array_index(read->candidates, i);
		if (g_bytes_get_size(candidate) == file_size && file_size > 0)
			g_ptr_array_add(alive, candidate);
	}
	if (alive->len == 0)
		return NULL;
	buf = g_malloc(DD_FIRMWARE_COMPARE_CHUNK);
	while (alive->len > 0) {
		gssize n = pread(read->fd, buf, DD_FIRMWARE_COMPARE_CHUNK, (off_t)off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || g_cancellable_is_cancelled(cancellable))
			return NULL; /* the full read says why */
		if (n == 0)
			break;
		for (guint i = alive->len; i-- > 0;) {
			GBytes *candidate = g_ptr_array_index(alive, i);
			gsize len = 0;
			const guint8 *data = g_bytes_get_data(candidate, &len);

			if (off + (gsize)n > len || memcmp(data + off, buf, (gsize)n) != 0)
				g_ptr_array_remove_index_fast(alive, i);
		}
		off += (gsize)n;
	}
	for (guint i = 0; i < alive->len; i++) {
		GBytes *candidate = g_ptr_array_index(alive, i);
		if (g_bytes_get_size(candidate) == off)
			return g_bytes_ref(candidate);
	}
	return NULL;
}

/*
 * A regular file (or memfd) is read with pread() from offset 0, in a worker thread: the
 * descriptor's file offset is shared with every dup of it (a client may pass the same open
 * file to several Update calls at once), so neither lseek() nor read() may be relied on.
 * The task returns as soon as it is cancelled (g_task_set_return_on_cancel): a pread() stuck
 * on a network file holds only this thread and the descriptor, never the caller's answer.
 */
static void
read_file_thread(GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
	DdFirmwareRead *read = task_data;
	GError *error = NULL;
	struct stat st;
	GBytes *result;

	if (fstat(read->fd, &st) != 0) {
		g_task_return_new_error(task, DFUD_ERROR, DFUD_ERROR_IO,
					"cannot stat the firmware descriptor: %s",
					g_strerror(errno));
		return;
	}
	result = find_known_content(read, (gsize)st.st_size, cancellable);
	if (result != NULL) {
		g_task_return_pointer(task, result, (GDestroyNotify)g_bytes_unref);
		return;
	}
	/* one byte more than the file's size: a file that grew is read to its end, bounded */
	if (!buffer_grow(read, (gsize)MIN((guint64)st.st_size, (guint64)read->limits.max_size) + 1,
			 &error)) {
		g_task_return_error(task, error);
		return;
	}
	for (;;) {
		gssize n;

		if (g_task_return_error_if_cancelled(task))
			return;
		if (read->len == read->reserved && !buffer_grow(read, read->len + 1, &error)) {
			g_task_return_error(task, error);
			return;
		}
		n = pread(read->fd, read->data + read->len,
			  MIN(read->reserved - read->len, (gsize)DD_FIRMWARE_READ_CHUNK * 4),
			  (off_t)read->len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			g_task_return_new_error(task, DFUD_ERROR, DFUD_ERROR_IO,
						"cannot read the firmware descriptor: %s",
						g_strerror(errno));
			return;
		}
		if (n == 0)
			break;
		read->len += (gsize)n;
	}
	result = take_result(read, &error);
	if (result == NULL)
		g_task_return_error(task, error);
	else
		g_task_return_pointer(task, result, (GDestroyNotify)g_bytes_unref);
}

/*
 * Regular files are read one at a time, each after the previous one's callback has run: when
 * a fleet's Update calls come at once with the same file, the caller has deduplicated the
 * first copy (dd-firmware-cache) before the second is read, so at most one extra copy is in
 * memory at any time. A read still running after DD_FIRMWARE_READ_TURN_MS (a stuck network or
 * FUSE file) loses its turn: the next one starts, so one caller's file never holds up the
 * others. Pipes wait for their writer: they are read concurrently, never queued.
 */
#define DD_FIRMWARE_READ_TURN_MS 2000

static GQueue file_reads = G_QUEUE_INIT; /* of GTask (strong) waiting for their turn */
static GTask *file_reading;		 /* the read whose turn it is, or NULL */
static GSource *file_turn_source;	 /* ends its turn */

static void start_next_file_read(void);

static void
end_turn(void)
{
	file_reading = NULL;
	if (file_turn_source != NULL) {
		g_source_destroy(file_turn_source);
		g_clear_pointer(&file_turn_source, g_source_unref);
	}
	start_next_file_read();
}

static void
file_read_completed(GObject *task, GParamSpec *pspec, gpointer user_data)
{
	g_signal_handlers_disconnect_by_func(task, file_read_completed, user_data);
	if (file_reading == G_TASK(task))
		end_turn();
}

static gboolean
file_read_turn_over(gpointer user_data)
{
	g_debug("a firmware file read takes more than %d ms: starting the next one",
		DD_FIRMWARE_READ_TURN_MS);
	end_turn();
	return G_SOURCE_REMOVE;
}

static void
start_next_file_read(void)
{
	g_autoptr(GTask) task = NULL;
	DdFirmwareRead *read;

	if (file_reading != NULL)
		return;
	task = g_queue_pop_head(&file_reads);
	if (task == NULL)
		return;
	file_reading = task;
	file_turn_source = g_timeout_source_new(DD_FIRMWARE_READ_TURN_MS);
	g_source_set_callback(file_turn_source, file_read_turn_over, NULL, NULL);
	g_source_attach(file_turn_source, g_task_get_context(task));
	read = g_task_get_task_data(task);
	if (read->known != NULL)
		read->candidates = dd_firmware_cache_get_contents(read->known);
	g_clear_object(&read->known);
	g_signal_connect(task, "notify::completed", G_CALLBACK(file_read_completed), NULL);
	g_task_set_return_on_cancel(task, TRUE);
	g_task_run_in_thread(task, read_file_thread);
}

/* --- pipes --- */

static void read_next(GTask *task);

static void
read_done(GObject *source, GAsyncResult *res, gpointer user_data)
{
	g_autoptr(GTask) task = user_data;
	DdFirmwareRead *read = g_task_get_task_data(task);
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) chunk =
	    g_input_stream_read_bytes_finish(G_INPUT_STREAM(source), res, &error);
	GError *result_error = NULL;
	GBytes *result;
	gsize n;

	if (chunk == NULL) {
		if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
			g_task_return_error(task, g_steal_pointer(&error));
		else
			g_task_return_new_error(task, DFUD_ERROR, DFUD_ERROR_IO,
						"cannot read the firmware descriptor: %s",
						error->message);
		return;
	}
	n = g_bytes_get_size(chunk);
	if (n == 0) {
		result = take_result(read, &result_error);
		if (result == NULL)
			g_task_return_error(task, result_error);
		else
			g_task_return_pointer(task, result, (GDestroyNotify)g_bytes_unref);
		return;
	}
	if (read->len + n > read->limits.max_size) {
		set_too_large(read, &result_error);
		g_task_return_error(task, result_error);
		return;
	}
	if (!buffer_grow(read, read->len + n, &result_error)) {
		g_task_return_error(task, result_error);
		return;
	}
	memcpy(read->data + read->len, g_bytes_get_data(chunk, NULL), n);
	read->len += n;
	read_next(g_steal_pointer(&task));
}

static void
read_next(GTask *task)
{
	DdFirmwareRead *read = g_task_get_task_data(task);

	g_input_stream_read_bytes_async(read->stream, DD_FIRMWARE_READ_CHUNK, G_PRIORITY_DEFAULT,
					read->cancellable, read_done, task);
}

/* --- the end of a read: done, timed out or cancelled --- */

/*
 * Ends the read: one waiting for its file's turn at once, with its descriptor; one in
 * progress through its cancellable (the pipe's pending read, or the file's task, which
 * returns on cancel). Only from a main loop source: the callback may run from here.
 */
static void
read_abort(GTask *task, gint code)
{
	DdFirmwareRead *read = g_task_get_task_data(task);

	if (read->abort_code != 0 || g_task_get_completed(task))
		return;
	read->abort_code = code;
	g_cancellable_cancel(read->cancellable);
	if (g_queue_remove(&file_reads, task)) {
		g_task_return_new_error(task, G_IO_ERROR, G_IO_ERROR_CANCELLED, "aborted");
		g_object_unref(task); /* the queue's */
	}
}

static gboolean
read_timed_out(gpointer user_data)
{
	read_abort(user_data, DFUD_ERROR_TIMEOUT);
	return G_SOURCE_REMOVE;
}

static gboolean
caller_cancelled_idle(gpointer user_data)
{
	read_abort(user_data, DFUD_ERROR_CANCELLED);
	return G_SOURCE_REMOVE;
}

/* in the middle of whatever cancelled it: the abort waits for the next iteration */
static void
caller_cancelled(GCancellable *cancellable, gpointer user_data)
{
	g_idle_add_full(G_PRIORITY_HIGH, caller_cancelled_idle, g_object_ref(user_data),
			g_object_unref);
}

/* the task's callback, on the main context: no timeout or handler outlives the read */
static void
read_completed(GObject *source, GAsyncResult *res, gpointer user_data)
{
	DdFirmwareRead *read = g_task_get_task_data(G_TASK(res));

	if (read->timeout != NULL) {
		g_source_destroy(read->timeout);
		g_clear_pointer(&read->timeout, g_source_unref);
	}
	if (read->caller_handler != 0)
		g_cancellable_disconnect(read->caller_cancellable, read->caller_handler);
	read->caller_handler = 0;
	g_clear_object(&read->caller_cancellable);
	read->callback(NULL, res, read->user_data);
}

void
dd_firmware_read_async(gint fd, const DdFirmwareLimits *limits, DdFirmwareCache *known,
		       GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
	DdFirmwareRead *read = g_new0(DdFirmwareRead, 1);
	g_autoptr(GTask) task = NULL;
	struct stat st;

	read->fd = -1;
	read->limits = *limits;
	read->known = known != NULL ? g_object_ref(known) : NULL;
	read->cancellable = g_cancellable_new();
	read->callback = callback;
	read->user_data = user_data;
	task = g_task_new(NULL, read->cancellable, read_completed, NULL);
	g_task_set_source_tag(task, dd_firmware_read_async);
	g_task_set_task_data(task, read, dd_firmware_read_free);
	if (fstat(fd, &st) != 0) {
		g_task_return_new_error(task, DFUD_ERROR, DFUD_ERROR_IO,
					"cannot stat the firmware descriptor: %s",
					g_strerror(errno));
		close(fd);
		return;
	}
	if (!S_ISREG(st.st_mode) && !S_ISFIFO(st.st_mode)) {
		g_task_return_new_error(task, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT,
					"the firmware descriptor is neither a file nor a pipe");
		close(fd);
		return;
	}
	if (S_ISREG(st.st_mode) && (guint64)st.st_size > limits->max_size) {
		GError *error = NULL;

		set_too_large(read, &error);
		g_task_return_error(task, error);
		close(fd);
		return;
	}
	read->timeout = g_timeout_source_new(limits->timeout_ms);
	g_source_set_callback(read->timeout, read_timed_out, g_object_ref(task), g_object_unref);
	g_source_attach(read->timeout, g_task_get_context(task));
	if (cancellable != NULL) {
		read->caller_cancellable = g_object_ref(cancellable);
		read->caller_handler =
		    g_cancellable_connect(cancellable, G_CALLBACK(caller_cancelled), task, NULL);
	}
	if (S_ISREG(st.st_mode)) {
		read->fd = fd;
		g_queue_push_tail(&file_reads, g_steal_pointer(&task));
		start_next_file_read();
		return;
	}
	read->stream = g_unix_input_stream_new(fd, TRUE);
	read_next(g_steal_pointer(&task));
}

GBytes *
dd_firmware_read_finish(GAsyncResult *res, GError **error)
{
	DdFirmwareRead *read;
	g_autoptr(GError) local = NULL;
	GBytes *bytes;

	g_return_val_if_fail(g_task_is_valid(res, NULL), NULL);
	g_return_val_if_fail(g_task_get_source_tag(G_TASK(res)) == dd_firmware_read_async, NULL);

	read = g_task_get_task_data(G_TASK(res));
	bytes = g_task_propagate_pointer(G_TASK(res), &local);
	if (bytes != NULL)
		return bytes;
	if (!g_error_matches(local, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
		g_propagate_error(error, g_steal_pointer(&local));
		return NULL;
	}
	if (read->abort_code == DFUD_ERROR_TIMEOUT && read->stream != NULL)
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_TIMEOUT,
			    "the firmware pipe did not end within %.1f s (dfud.conf [Timeouts] "
			    "FirmwareRead): %" G_GSIZE_FORMAT
			    " bytes came, and its writer did not close it",
			    read->limits.timeout_ms / 1000.0, read->len);
	else if (read->abort_code == DFUD_ERROR_TIMEOUT)
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_TIMEOUT,
			    "the firmware file was not read within %.1f s (dfud.conf [Timeouts] "
			    "FirmwareRead): a slow or stuck file, or many read before it",
			    read->limits.timeout_ms / 1000.0);
	else
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_CANCELLED,
			    "reading the firmware was cancelled");
	return NULL;
}
