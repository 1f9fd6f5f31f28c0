/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "DfudFirmware"

#include "config.h"

#include <gio/gunixinputstream.h>
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dd-firmware.h"
#include "dfud-error.h"

#define DD_FIRMWARE_READ_CHUNK (256 * 1024)

typedef struct {
	GInputStream *stream; /* a pipe */
	gint fd;	      /* a regular file, read in a thread */
	GByteArray *data;
	gsize max_size;
	DdFirmwareCache *known; /* may be NULL */
	GPtrArray *candidates;	/* of GBytes: the known contents when the read starts */
} DdFirmwareRead;

static void
dd_firmware_read_free(gpointer data)
{
	DdFirmwareRead *read = data;
	g_clear_object(&read->stream);
	if (read->fd >= 0)
		close(read->fd);
	g_byte_array_unref(read->data);
	g_clear_object(&read->known);
	g_clear_pointer(&read->candidates, g_ptr_array_unref);
	g_free(read);
}

static void read_next(GTask *task);

#define DD_FIRMWARE_COMPARE_CHUNK (64 * 1024)

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
 */
static void
read_file_thread(GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
	DdFirmwareRead *read = task_data;
	struct stat st;
	g_autofree guint8 *data = NULL;
	GBytes *known;
	gsize size, len = 0;

	if (fstat(read->fd, &st) != 0) {
		g_task_return_new_error(task, DFUD_ERROR, DFUD_ERROR_IO,
					"cannot stat the firmware descriptor: %s",
					g_strerror(errno));
		return;
	}
	known = find_known_content(read, (gsize)st.st_size, cancellable);
	if (known != NULL) {
		g_task_return_pointer(task, known, (GDestroyNotify)g_bytes_unref);
		return;
	}
	/* one byte more than the file's size: a file that grew is read to its end, bounded */
	size = (gsize)MIN((guint64)st.st_size, (guint64)read->max_size) + 1;
	data = g_malloc(size);
	for (;;) {
		gssize n;

		if (g_cancellable_set_error_if_cancelled(cancellable, NULL)) {
			g_task_return_new_error(task, DFUD_ERROR, DFUD_ERROR_CANCELLED,
						"reading the firmware was cancelled");
			return;
		}
		if (len == size) {
			if (len > read->max_size) {
				g_task_return_new_error(
				    task, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT,
				    "the firmware is larger than %" G_GSIZE_FORMAT
				    " bytes (dfud.conf MaxFirmwareSize)",
				    read->max_size);
				return;
			}
			size = MIN(size * 2, read->max_size + 1);
			data = g_realloc(data, size);
		}
		n = pread(read->fd, data + len, size - len, (off_t)len);
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
		len += (gsize)n;
	}
	if (len == 0) {
		g_task_return_new_error(task, DFUD_ERROR, DFUD_ERROR_IMAGE_EMPTY,
					"the firmware descriptor gave no bytes");
		return;
	}
	g_task_return_pointer(task, g_bytes_new_take(g_realloc(g_steal_pointer(&data), len), len),
			      (GDestroyNotify)g_bytes_unref);
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

static GQueue file_reads = G_QUEUE_INIT;
static GTask *file_reading;	 /* the read whose turn it is, or NULL */
static GSource *file_turn_source; /* ends its turn */

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
	g_signal_connect(task, "notify::completed", G_CALLBACK(file_read_completed), NULL);
	g_task_run_in_thread(task, read_file_thread);
}

static void
read_done(GObject *source, GAsyncResult *res, gpointer user_data)
{
	g_autoptr(GTask) task = user_data;
	DdFirmwareRead *read = g_task_get_task_data(task);
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) chunk = g_input_stream_read_bytes_finish(G_INPUT_STREAM(source), res,
								   &error);

	if (chunk == NULL) {
		g_task_return_new_error(task, DFUD_ERROR, DFUD_ERROR_IO,
					"cannot read the firmware descriptor: %s", error->message);
		return;
	}
	if (g_bytes_get_size(chunk) == 0) {
		if (read->data->len == 0) {
			g_task_return_new_error(task, DFUD_ERROR, DFUD_ERROR_IMAGE_EMPTY,
						"the firmware descriptor gave no bytes");
			return;
		}
		g_task_return_pointer(task, g_byte_array_free_to_bytes(g_byte_array_ref(read->data)),
				      (GDestroyNotify)g_bytes_unref);
		return;
	}
	if (read->data->len + g_bytes_get_size(chunk) > read->max_size) {
		g_task_return_new_error(task, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT,
					"the firmware is larger than %" G_GSIZE_FORMAT
					" bytes (dfud.conf MaxFirmwareSize)",
					read->max_size);
		return;
	}
	g_byte_array_append(read->data, g_bytes_get_data(chunk, NULL), g_bytes_get_size(chunk));
	read_next(g_steal_pointer(&task));
}

static void
read_next(GTask *task)
{
	DdFirmwareRead *read = g_task_get_task_data(task);

	g_input_stream_read_bytes_async(read->stream, DD_FIRMWARE_READ_CHUNK, G_PRIORITY_DEFAULT,
					g_task_get_cancellable(task), read_done, task);
}

void
dd_firmware_read_async(gint fd, gsize max_size, DdFirmwareCache *known, GCancellable *cancellable,
		       GAsyncReadyCallback callback, gpointer user_data)
{
	g_autoptr(GTask) task = g_task_new(NULL, cancellable, callback, user_data);
	DdFirmwareRead *read = g_new0(DdFirmwareRead, 1);
	struct stat st;

	g_task_set_source_tag(task, dd_firmware_read_async);
	read->data = g_byte_array_new();
	read->fd = -1;
	read->max_size = max_size;
	read->known = known != NULL ? g_object_ref(known) : NULL;
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
	if (S_ISREG(st.st_mode) && (guint64)st.st_size > max_size) {
		g_task_return_new_error(task, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT,
					"the firmware is larger than %" G_GSIZE_FORMAT
					" bytes (dfud.conf MaxFirmwareSize)",
					max_size);
		close(fd);
		return;
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
	return g_task_propagate_pointer(G_TASK(res), error);
}
