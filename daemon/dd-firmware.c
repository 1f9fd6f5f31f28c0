/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "DfudFirmware"

#include "config.h"

#include <gio/gunixinputstream.h>
#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dd-firmware.h"
#include "dfud-error.h"

#define DD_FIRMWARE_READ_CHUNK (256 * 1024)

typedef struct {
	GInputStream *stream;
	GByteArray *data;
	gsize max_size;
} DdFirmwareRead;

static void
dd_firmware_read_free(gpointer data)
{
	DdFirmwareRead *read = data;
	g_clear_object(&read->stream);
	g_byte_array_unref(read->data);
	g_free(read);
}

static void read_next(GTask *task);

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
dd_firmware_read_async(gint fd, gsize max_size, GCancellable *cancellable,
		       GAsyncReadyCallback callback, gpointer user_data)
{
	g_autoptr(GTask) task = g_task_new(NULL, cancellable, callback, user_data);
	DdFirmwareRead *read = g_new0(DdFirmwareRead, 1);
	struct stat st;

	g_task_set_source_tag(task, dd_firmware_read_async);
	read->data = g_byte_array_new();
	read->max_size = max_size;
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
	/* read from the start whatever the caller did with the offset */
	if (S_ISREG(st.st_mode))
		(void)lseek(fd, 0, SEEK_SET);
	read->stream = g_unix_input_stream_new(fd, TRUE);
	read_next(g_steal_pointer(&task));
}

GBytes *
dd_firmware_read_finish(GAsyncResult *res, GError **error)
{
	return g_task_propagate_pointer(G_TASK(res), error);
}
