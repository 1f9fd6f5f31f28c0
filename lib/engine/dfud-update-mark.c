/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "DfudEngine"

#include "config.h"

#include "dfud-update-device.h"
#include "dfud-update-mark.h"

typedef struct {
	DfudSmpClient *client;
	GBytes *hash;
	gboolean confirm;
	guint timeout_ms;
	GError *error; /* the device's answer, kept while the state is read */
} Mark;

static void
mark_free(Mark *m)
{
	g_clear_object(&m->client);
	g_clear_pointer(&m->hash, g_bytes_unref);
	g_clear_error(&m->error);
	g_free(m);
}

gboolean
dfud_update_mark_holds(const DfudSmpImageState *state, GBytes *hash, gboolean confirm)
{
	const DfudSmpImageSlot *slot;
	gsize len = 0;
	const guint8 *data = hash != NULL ? g_bytes_get_data(hash, &len) : NULL;

	g_return_val_if_fail(state != NULL, FALSE);

	if (hash == NULL) {
		/* the running image (of the image that runs: image 0's active slot) */
		slot = dfud_smp_image_state_find_active(state, 0);
		return confirm && slot != NULL && slot->confirmed;
	}
	slot = dfud_smp_image_state_find_hash(state, data, len);
	if (slot == NULL)
		return FALSE;
	if (confirm)
		return (slot->pending && slot->permanent) || (slot->active && slot->confirmed);
	return slot->pending && !slot->permanent;
}

static void
state_read(GObject *source, GAsyncResult *res, gpointer user_data)
{
	g_autoptr(GTask) task = user_data;
	Mark *m = g_task_get_task_data(task);
	g_autoptr(GError) error = NULL;
	DfudSmpImageState *state = dfud_update_device_read_state_finish(res, &error);

	if (state != NULL && dfud_update_mark_holds(state, m->hash, m->confirm)) {
		g_debug("image state write: %s; the state shows it done: a copy of it was",
			m->error->message);
		g_task_return_pointer(task, state, (GDestroyNotify)dfud_smp_image_state_free);
		return;
	}
	g_clear_pointer(&state, dfud_smp_image_state_free);
	g_task_return_error(task, g_steal_pointer(&m->error));
}

static void
written(GObject *source, GAsyncResult *res, gpointer user_data)
{
	g_autoptr(GTask) task = user_data;
	Mark *m = g_task_get_task_data(task);
	g_autoptr(GError) error = NULL;
	g_autoptr(DfudSmpResponse) resp =
	    dfud_smp_client_call_finish(DFUD_SMP_CLIENT(source), res, &error);
	DfudSmpImageState *state = NULL;
	GCancellable *cancellable;

	if (resp != NULL)
		state = dfud_smp_response_parse_image_state(resp, &error);
	if (state != NULL) {
		g_task_return_pointer(task, state, (GDestroyNotify)dfud_smp_image_state_free);
		return;
	}
	if (resp == NULL || dfud_smp_client_call_get_sends(res) < 2) {
		g_task_return_error(task, g_steal_pointer(&error));
		return;
	}
	/* an error to a copy: the first copy may have done it */
	m->error = g_steal_pointer(&error);
	cancellable = g_task_get_cancellable(task);
	dfud_update_device_read_state_async(m->client, m->timeout_ms, cancellable, state_read,
					    g_steal_pointer(&task));
}

void
dfud_update_mark_async(DfudSmpClient *client, GBytes *hash, gboolean confirm, guint timeout_ms,
		       GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
	g_autoptr(GTask) task = g_task_new(client, cancellable, callback, user_data);
	Mark *m = g_new0(Mark, 1);
	g_autoptr(GBytes) request = NULL;
	GError *error = NULL;
	gsize len = 0;
	const guint8 *data = hash != NULL ? g_bytes_get_data(hash, &len) : NULL;

	g_task_set_source_tag(task, dfud_update_mark_async);
	g_task_set_check_cancellable(task, FALSE);
	m->client = g_object_ref(client);
	m->hash = hash != NULL ? g_bytes_ref(hash) : NULL;
	m->confirm = confirm;
	m->timeout_ms = timeout_ms;
	g_task_set_task_data(task, m, (GDestroyNotify)mark_free);
	request = dfud_smp_request_image_state_write(dfud_smp_client_get_version(client), 0, data,
						     len, confirm, &error);
	if (request == NULL) {
		g_task_return_error(task, error);
		return;
	}
	dfud_smp_client_call_async(client, request, timeout_ms, cancellable, written,
				   g_steal_pointer(&task));
}

DfudSmpImageState *
dfud_update_mark_finish(GAsyncResult *res, GError **error)
{
	return g_task_propagate_pointer(G_TASK(res), error);
}
