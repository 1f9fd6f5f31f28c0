/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "DfudEngine"

#include "config.h"

#include "dfud-update-device.h"

typedef enum {
	STEP_ECHO,
	STEP_PARAMS,
	STEP_MODE,
	STEP_WRITE_PROBE,
	STEP_B0,
	STEP_SLOT_INFO,
	STEP_OS_INFO,
	STEP_STATE,
	STEP_DONE,
} ReadStep;

typedef struct {
	DfudSmpClient *client;
	guint timeout_ms;
	DfudUpdateDeviceReadFlags flags;
	ReadStep step;
	DfudUpdateDevice *device;
} ReadData;

void
dfud_update_device_free(DfudUpdateDevice *device)
{
	if (device == NULL)
		return;
	g_clear_pointer(&device->mode_info, dfud_smp_bootloader_info_free);
	g_clear_pointer(&device->b0_info, dfud_smp_bootloader_info_free);
	g_clear_pointer(&device->slot_info, dfud_smp_slot_info_free);
	g_clear_pointer(&device->os_info, g_free);
	g_clear_pointer(&device->state, dfud_smp_image_state_free);
	g_free(device);
}

static void
read_data_free(ReadData *data)
{
	g_clear_object(&data->client);
	dfud_update_device_free(data->device);
	g_free(data);
}

/* a failure of the link, not an answer of the device */
static gboolean
is_link_error(const GError *error)
{
	return error->domain != DFUD_ERROR ||
	       (error->code != DFUD_ERROR_DEVICE && error->code != DFUD_ERROR_NOT_SUPPORTED &&
		error->code != DFUD_ERROR_BUSY && error->code != DFUD_ERROR_PROTOCOL);
}

static GBytes *
step_request(ReadData *data, GError **error)
{
	guint v = dfud_smp_client_get_version(data->client);

	switch (data->step) {
	case STEP_ECHO:
		return dfud_smp_request_echo(v, 0, "dfud", error);
	case STEP_PARAMS:
		return dfud_smp_request_params(v, 0);
	case STEP_MODE:
		return dfud_smp_request_bootloader_info(v, 0, DFUD_SMP_BOOTLOADER_QUERY_MODE,
							error);
	case STEP_WRITE_PROBE: {
		/* no image's hash is all zeros: answered HASH_NOT_FOUND where a state write exists */
		static const guint8 none[32] = {0};
		return dfud_smp_request_image_state_write(v, 0, none, sizeof(none), FALSE, error);
	}
	case STEP_B0:
		return dfud_smp_request_bootloader_info(
		    v, 0, DFUD_SMP_BOOTLOADER_QUERY_ACTIVE_B0_SLOT, error);
	case STEP_SLOT_INFO:
		return dfud_smp_request_image_slot_info(v, 0);
	case STEP_OS_INFO:
		return dfud_smp_request_os_info(v, 0, "a", error);
	case STEP_STATE:
	default:
		return dfud_smp_request_image_state_read(v, 0);
	}
}

/* TRUE to go on; FALSE with @error set when the whole read fails */
static gboolean
step_parse(ReadData *data, DfudSmpResponse *resp, GError **error)
{
	DfudUpdateDevice *dev = data->device;
	g_autoptr(GError) local = NULL;
	g_autofree gchar *echo = NULL;

	switch (data->step) {
	case STEP_ECHO:
		echo = dfud_smp_response_parse_echo(resp, error);
		return echo != NULL;
	case STEP_PARAMS:
		dev->has_params = dfud_smp_response_parse_params(resp, &dev->params, &local);
		if (dev->has_params && (dev->params.buf_size == 0 || dev->params.buf_count == 0))
			dev->has_params = FALSE;
		break;
	case STEP_MODE:
		dev->mode_info = dfud_smp_response_parse_bootloader_info(resp, &local);
		break;
	case STEP_WRITE_PROBE:
		/* the command has no write handler: the generic rc 8 (spec §2.7), not the image
		 * group's HASH_NOT_FOUND (also 8, as a group error) */
		dev->state_write = resp->status.failed && !resp->status.group_error &&
					   resp->status.rc == DFUD_SMP_RC_ENOTSUP
				       ? 0
				       : 1;
		return TRUE;
	case STEP_B0:
		dev->b0_info = dfud_smp_response_parse_bootloader_info(resp, &local);
		if (dev->b0_info != NULL && !dev->b0_info->has_active)
			g_clear_pointer(&dev->b0_info, dfud_smp_bootloader_info_free);
		break;
	case STEP_SLOT_INFO:
		dev->slot_info = dfud_smp_response_parse_slot_info(resp, &local);
		break;
	case STEP_OS_INFO:
		dev->os_info = dfud_smp_response_parse_os_info(resp, &local);
		break;
	case STEP_STATE:
	default:
		dev->state = dfud_smp_response_parse_image_state(resp, error);
		return dev->state != NULL;
	}
	if (local != NULL)
		g_debug("%s", local->message); /* not supported: defaults */
	return TRUE;
}

static void read_next(GTask *task);

static void
read_step_done(GObject *source, GAsyncResult *res, gpointer user_data)
{
	g_autoptr(GTask) task = user_data;
	ReadData *data = g_task_get_task_data(task);
	g_autoptr(GError) error = NULL;
	g_autoptr(DfudSmpResponse) resp =
	    dfud_smp_client_call_finish(DFUD_SMP_CLIENT(source), res, &error);

	if (resp == NULL) {
		/* optional queries of a device that stays silent on them are no reason to stop */
		if ((data->step == STEP_SLOT_INFO || data->step == STEP_OS_INFO ||
		     data->step == STEP_WRITE_PROBE) &&
		    !is_link_error(error)) {
			data->step++;
			read_next(g_steal_pointer(&task));
			return;
		}
		g_task_return_error(task, g_steal_pointer(&error));
		return;
	}
	if (!step_parse(data, resp, &error)) {
		g_task_return_error(task, g_steal_pointer(&error));
		return;
	}
	data->step++;
	read_next(g_steal_pointer(&task));
}

static void
read_next(GTask *task)
{
	ReadData *data = g_task_get_task_data(task);
	g_autoptr(GBytes) request = NULL;
	GError *error = NULL;

	if (data->step == STEP_WRITE_PROBE &&
	    ((data->flags & DFUD_UPDATE_DEVICE_READ_PROBE_WRITE) == 0 ||
	     (data->device->mode_info != NULL && data->device->mode_info->has_mode &&
	      data->device->mode_info->mode >= 0)))
		data->step++;
	if (data->step == STEP_B0 && (data->flags & DFUD_UPDATE_DEVICE_READ_B0) == 0)
		data->step++;
	if (data->step == STEP_OS_INFO && (data->flags & DFUD_UPDATE_DEVICE_READ_OS_INFO) == 0)
		data->step++;
	if (data->step == STEP_DONE) {
		g_task_return_pointer(task, g_steal_pointer(&data->device),
				      (GDestroyNotify)dfud_update_device_free);
		g_object_unref(task);
		return;
	}
	request = step_request(data, &error);
	if (request == NULL) {
		g_task_return_error(task, error);
		g_object_unref(task);
		return;
	}
	dfud_smp_client_call_async(data->client, request, data->timeout_ms,
				   g_task_get_cancellable(task), read_step_done, task);
}

static GTask *
read_task_new(DfudSmpClient *client, guint timeout_ms, ReadStep first, GCancellable *cancellable,
	      GAsyncReadyCallback callback, gpointer user_data, gpointer tag)
{
	GTask *task = g_task_new(client, cancellable, callback, user_data);
	ReadData *data = g_new0(ReadData, 1);

	g_task_set_source_tag(task, tag);
	data->client = g_object_ref(client);
	data->timeout_ms = timeout_ms;
	data->step = first;
	data->device = g_new0(DfudUpdateDevice, 1);
	data->device->state_write = -1;
	g_task_set_task_data(task, data, (GDestroyNotify)read_data_free);
	return task;
}

void
dfud_update_device_read_async(DfudSmpClient *client, DfudUpdateDeviceReadFlags flags,
			      guint timeout_ms,
			      GCancellable *cancellable, GAsyncReadyCallback callback,
			      gpointer user_data)
{
	GTask *task = read_task_new(client, timeout_ms, STEP_ECHO, cancellable, callback, user_data,
				    dfud_update_device_read_async);
	ReadData *data = g_task_get_task_data(task);

	data->flags = flags;
	read_next(task);
}

DfudUpdateDevice *
dfud_update_device_read_finish(GAsyncResult *res, GError **error)
{
	return g_task_propagate_pointer(G_TASK(res), error);
}

/* one command: the step machine started at @step, stopped right after it */
static void
single_step_done(GObject *source, GAsyncResult *res, gpointer user_data)
{
	g_autoptr(GTask) task = user_data;
	ReadData *data = g_task_get_task_data(task);
	g_autoptr(GError) error = NULL;
	g_autoptr(DfudSmpResponse) resp =
	    dfud_smp_client_call_finish(DFUD_SMP_CLIENT(source), res, &error);
	gpointer result;

	if (resp == NULL || !step_parse(data, resp, &error)) {
		g_task_return_error(task, g_steal_pointer(&error));
		return;
	}
	if (data->step == STEP_STATE) {
		result = g_steal_pointer(&data->device->state);
		g_task_return_pointer(task, result, (GDestroyNotify)dfud_smp_image_state_free);
		return;
	}
	result = g_steal_pointer(&data->device->b0_info);
	if (result == NULL) {
		g_task_return_new_error(task, DFUD_ERROR, DFUD_ERROR_NOT_SUPPORTED,
					"the device does not report its active S slot");
		return;
	}
	g_task_return_pointer(task, result, (GDestroyNotify)dfud_smp_bootloader_info_free);
}

static void
single_step(DfudSmpClient *client, ReadStep step, guint timeout_ms, GCancellable *cancellable,
	    GAsyncReadyCallback callback, gpointer user_data, gpointer tag)
{
	GTask *task =
	    read_task_new(client, timeout_ms, step, cancellable, callback, user_data, tag);
	ReadData *data = g_task_get_task_data(task);
	GError *error = NULL;
	g_autoptr(GBytes) request = step_request(data, &error);

	if (request == NULL) {
		g_task_return_error(task, error);
		g_object_unref(task);
		return;
	}
	dfud_smp_client_call_async(client, request, timeout_ms, cancellable, single_step_done,
				   task);
}

void
dfud_update_device_read_state_async(DfudSmpClient *client, guint timeout_ms,
				    GCancellable *cancellable, GAsyncReadyCallback callback,
				    gpointer user_data)
{
	single_step(client, STEP_STATE, timeout_ms, cancellable, callback, user_data,
		    dfud_update_device_read_state_async);
}

DfudSmpImageState *
dfud_update_device_read_state_finish(GAsyncResult *res, GError **error)
{
	return g_task_propagate_pointer(G_TASK(res), error);
}

void
dfud_update_device_read_b0_async(DfudSmpClient *client, guint timeout_ms, GCancellable *cancellable,
				 GAsyncReadyCallback callback, gpointer user_data)
{
	single_step(client, STEP_B0, timeout_ms, cancellable, callback, user_data,
		    dfud_update_device_read_b0_async);
}

DfudSmpBootloaderInfo *
dfud_update_device_read_b0_finish(GAsyncResult *res, GError **error)
{
	return g_task_propagate_pointer(G_TASK(res), error);
}

gboolean
dfud_update_device_in_serial_recovery(const DfudUpdateDevice *device,
				      const DfudSmpImageState *state)
{
	g_return_val_if_fail(device != NULL, FALSE);
	if (device->mode_info != NULL || state == NULL)
		return FALSE;
	for (guint i = 0; i < state->slots->len; i++) {
		const DfudSmpImageSlot *slot = g_ptr_array_index(state->slots, i);

		if (slot->active)
			return FALSE;
	}
	return TRUE;
}
