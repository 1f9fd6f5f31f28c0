/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "DfudDeviceCommands"

#include "config.h"

#include "dd-device-private.h"
#include "dd-log.h"
#include "dfud-dbus-error.h"
#include "dfud-error.h"
#include "engine/dfud-update-device.h"
#include "smp/dfud-smp.h"

/*
 * One SMP command on a device: wait for a connection slot, open the link, send the request,
 * read the answer, close the link. The device is "busy" meanwhile, so an update asked for at
 * the same time waits behind it and another command gets Busy.
 */
typedef struct _DdCommand DdCommand;
typedef GBytes *(*DdCommandBuild)(DdCommand *cmd, DfudSmpVersion version, GError **error);
typedef void (*DdCommandReply)(DdCommand *cmd, DfudSmpResponse *resp);

struct _DdCommand {
	DdDevice *device;
	GDBusMethodInvocation *invocation;
	const gchar *what;
	const gchar *action; /* polkit action, NULL: the bus policy suffices */
	DdCommandBuild build;	/* NULL: the image state read (several requests) */
	DdCommandReply reply;
	DdSlot *slot;
	DfudTransport *transport;
	DfudSmpClient *client;
	/* arguments */
	GBytes *hash;
	gint slot_number;
	gboolean force;
	gchar *text;
};

void dd_device_command_ended(DdDevice *self);

static void
dd_command_free(DdCommand *cmd)
{
	if (cmd->transport != NULL)
		dfud_transport_close(cmd->transport);
	g_clear_object(&cmd->client);
	g_clear_object(&cmd->transport);
	g_clear_pointer(&cmd->slot, dd_slot_release);
	dd_device_command_ended(cmd->device);
	g_object_unref(cmd->device);
	g_clear_object(&cmd->invocation);
	g_clear_pointer(&cmd->hash, g_bytes_unref);
	g_free(cmd->text);
	g_free(cmd);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(DdCommand, dd_command_free)

static void
command_fail(DdCommand *cmd, const GError *error)
{
	dd_dev_message(cmd->device->log_name, "%s failed: %s", cmd->what, error->message);
	dfud_dbus_error_return(cmd->invocation, error);
}

static void
state_read(GObject *source, GAsyncResult *res, gpointer user_data)
{
	g_autoptr(DdCommand) cmd = user_data;
	g_autoptr(GError) error = NULL;
	g_autoptr(DfudUpdateDevice) info = dfud_update_device_read_finish(res, &error);

	if (info == NULL) {
		command_fail(cmd, error);
		return;
	}
	dd_device_set_images(cmd->device, info->state);
	dd_device_set_bootloader_mode(cmd->device, info->mode_info != NULL &&
							   info->mode_info->has_mode
						       ? info->mode_info->mode
						       : -1);
	dfud_dbus_device_complete_get_image_state(
	    cmd->device->iface, cmd->invocation,
	    dfud_dbus_device_get_images(cmd->device->iface));
}

static void
response_received(GObject *source, GAsyncResult *res, gpointer user_data)
{
	g_autoptr(DdCommand) cmd = user_data;
	g_autoptr(GError) error = NULL;
	g_autoptr(DfudSmpResponse) resp =
	    dfud_smp_client_call_finish(DFUD_SMP_CLIENT(source), res, &error);

	if (resp == NULL || !dfud_smp_response_check(resp, &error)) {
		command_fail(cmd, error);
		return;
	}
	dd_dev_info(cmd->device->log_name, "%s done", cmd->what);
	cmd->reply(cmd, resp);
}

static void
link_opened(GObject *source, GAsyncResult *res, gpointer user_data)
{
	g_autoptr(DdCommand) cmd = user_data;
	DdDevice *self = cmd->device;
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) request = NULL;

	if (!dfud_transport_open_within_finish(DFUD_TRANSPORT(source), res, &error)) {
		command_fail(cmd, error);
		return;
	}
	dd_device_update_connected(self);
	DfudSmpClient *client = dfud_smp_client_new(cmd->transport);
	cmd->client = client;
	if (cmd->build == NULL) {
		dfud_update_device_read_async(client, FALSE,
					      self->ctx->config->command_timeout_ms,
					      self->cancellable, state_read, g_steal_pointer(&cmd));
		return;
	}
	request = cmd->build(cmd, dfud_smp_client_get_version(cmd->client), &error);
	if (request == NULL) {
		command_fail(cmd, error);
		return;
	}
	dfud_smp_client_call_async(client, request, self->ctx->config->command_timeout_ms,
				   self->cancellable, response_received, g_steal_pointer(&cmd));
}

static void
slot_acquired(GObject *source, GAsyncResult *res, gpointer user_data)
{
	g_autoptr(DdCommand) cmd = user_data;
	DdDevice *self = cmd->device;
	g_autoptr(GError) error = NULL;

	cmd->slot = dd_scheduler_acquire_finish(DD_SCHEDULER(source), res, &error);
	if (cmd->slot == NULL) {
		command_fail(cmd, error);
		return;
	}
	cmd->transport = dd_device_new_transport(self, &error);
	if (cmd->transport == NULL) {
		command_fail(cmd, error);
		return;
	}
	DfudTransport *transport = cmd->transport;
	dd_dev_debug(self->log_name, "%s: opening %s", cmd->what, self->uri);
	dfud_transport_open_within_async(transport, self->ctx->config->connect_timeout_ms,
					 self->cancellable, link_opened, g_steal_pointer(&cmd));
}

static void
command_authorized(GObject *source, GAsyncResult *res, gpointer user_data)
{
	g_autoptr(DdCommand) cmd = user_data;
	DdDevice *self = cmd->device;
	g_autoptr(GError) error = NULL;

	if (source != NULL && !dd_auth_check_finish(DD_AUTH(source), res, &error)) {
		command_fail(cmd, error);
		return;
	}
	dd_scheduler_acquire_async(self->ctx->scheduler, dd_device_slot_adapter(self),
				   self->cancellable, slot_acquired, g_steal_pointer(&cmd));
}

static void
command_start(DdCommand *cmd_in)
{
	g_autoptr(DdCommand) cmd = cmd_in;
	DdDevice *self = cmd->device;
	DdJob *job = dd_device_get_current_job(self);
	g_autoptr(GError) error = NULL;
	GDBusMethodInvocation *invocation;
	const gchar *action;

	if (job != NULL || self->command_running) {
		g_set_error(&error, DFUD_ERROR, DFUD_ERROR_BUSY, "%s: %s is busy with %s",
			    cmd->what, self->uri,
			    job != NULL ? dd_job_get_path(job) : "another command");
		dfud_dbus_error_return(cmd->invocation, error);
		/* not ours to end: the running command or job holds the device */
		g_object_unref(cmd->device);
		g_clear_object(&cmd->invocation);
		g_clear_pointer(&cmd->hash, g_bytes_unref);
		g_free(cmd->text);
		g_free(g_steal_pointer(&cmd));
		return;
	}
	self->command_running = TRUE;
	dd_device_update_state(self);
	if (cmd->action == NULL) {
		command_authorized(NULL, NULL, g_steal_pointer(&cmd));
		return;
	}
	invocation = cmd->invocation;
	action = cmd->action;
	dd_auth_check_async(self->ctx->auth, invocation, action, self->cancellable,
			    command_authorized, g_steal_pointer(&cmd));
}

static DdCommand *
command_new(DdDevice *self, GDBusMethodInvocation *invocation, const gchar *what,
	    const gchar *action, DdCommandBuild build, DdCommandReply reply)
{
	DdCommand *cmd = g_new0(DdCommand, 1);

	cmd->device = g_object_ref(self);
	cmd->invocation = g_object_ref(invocation);
	cmd->what = what;
	cmd->action = action;
	cmd->build = build;
	cmd->reply = reply;
	return cmd;
}

static gboolean
take_hash(GVariant *arg_hash, gboolean may_be_empty, GBytes **hash, GError **error)
{
	gsize len = 0;
	const guint8 *data = g_variant_get_fixed_array(arg_hash, &len, 1);

	if ((len == 0 && may_be_empty) || len == 32 || len == 48 || len == 64) {
		*hash = len > 0 ? g_bytes_new(data, len) : NULL;
		return TRUE;
	}
	g_set_error(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT,
		    "an image hash has 32, 48 or 64 bytes, not %" G_GSIZE_FORMAT, len);
	return FALSE;
}

/* --- the commands --- */

static void
reply_void(DdCommand *cmd, DfudSmpResponse *resp)
{
	g_dbus_method_invocation_return_value(cmd->invocation, NULL);
}

static GBytes *
build_state_write(DdCommand *cmd, DfudSmpVersion version, GError **error)
{
	gsize len = 0;
	const guint8 *data = cmd->hash != NULL ? g_bytes_get_data(cmd->hash, &len) : NULL;
	gboolean confirm = g_strcmp0(cmd->what, "image confirm") == 0;

	return dfud_smp_request_image_state_write(version, 0, data, len, confirm, error);
}

static GBytes *
build_erase(DdCommand *cmd, DfudSmpVersion version, GError **error)
{
	return dfud_smp_request_image_erase(version, 0, cmd->slot_number);
}

static GBytes *
build_reset(DdCommand *cmd, DfudSmpVersion version, GError **error)
{
	return dfud_smp_request_reset(version, 0, cmd->force, -1, error);
}

static GBytes *
build_echo(DdCommand *cmd, DfudSmpVersion version, GError **error)
{
	return dfud_smp_request_echo(version, 0, cmd->text, error);
}

static void
reply_echo(DdCommand *cmd, DfudSmpResponse *resp)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *text = dfud_smp_response_parse_echo(resp, &error);

	if (text == NULL || !g_utf8_validate(text, -1, NULL)) {
		if (error == NULL)
			error = g_error_new(DFUD_ERROR, DFUD_ERROR_PROTOCOL,
					    "os echo response: the text is not UTF-8");
		command_fail(cmd, error);
		return;
	}
	dfud_dbus_device_complete_echo(cmd->device->iface, cmd->invocation,
				       text);
}

static gboolean
handle_get_image_state(DfudDbusDevice *iface, GDBusMethodInvocation *invocation,
		       gpointer user_data)
{
	command_start(command_new(user_data, invocation, "image state read", NULL, NULL, NULL));
	return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_mark(DdDevice *self, GDBusMethodInvocation *invocation, GVariant *arg_hash,
	    gboolean confirm)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) hash = NULL;
	DdCommand *cmd;

	if (!take_hash(arg_hash, confirm, &hash, &error)) {
		dfud_dbus_error_return(invocation, error);
		return G_DBUS_METHOD_INVOCATION_HANDLED;
	}
	cmd = command_new(self, invocation, confirm ? "image confirm" : "image test",
			  DD_AUTH_ACTION_MANAGE, build_state_write, reply_void);
	cmd->hash = g_steal_pointer(&hash);
	command_start(cmd);
	return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_test(DfudDbusDevice *iface, GDBusMethodInvocation *invocation, GVariant *arg_hash,
	    gpointer user_data)
{
	return handle_mark(user_data, invocation, arg_hash, FALSE);
}

static gboolean
handle_confirm(DfudDbusDevice *iface, GDBusMethodInvocation *invocation, GVariant *arg_hash,
	       gpointer user_data)
{
	return handle_mark(user_data, invocation, arg_hash, TRUE);
}

static gboolean
handle_erase(DfudDbusDevice *iface, GDBusMethodInvocation *invocation, gint arg_slot,
	     gpointer user_data)
{
	DdCommand *cmd;

	if (arg_slot < -1 || arg_slot > 255) {
		g_autoptr(GError) error = g_error_new(DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT,
						      "slot %d is out of range", arg_slot);
		dfud_dbus_error_return(invocation, error);
		return G_DBUS_METHOD_INVOCATION_HANDLED;
	}
	cmd = command_new(user_data, invocation, "image erase", DD_AUTH_ACTION_MANAGE,
			  build_erase, reply_void);
	cmd->slot_number = arg_slot;
	command_start(cmd);
	return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_reset(DfudDbusDevice *iface, GDBusMethodInvocation *invocation, GVariant *arg_options,
	     gpointer user_data)
{
	GVariantIter iter;
	const gchar *key;
	GVariant *value;
	gboolean force = FALSE;
	DdCommand *cmd;

	g_variant_iter_init(&iter, arg_options);
	while (g_variant_iter_next(&iter, "{&sv}", &key, &value)) {
		g_autoptr(GVariant) v = value;
		if (g_strcmp0(key, "force") != 0 || !g_variant_is_of_type(v, G_VARIANT_TYPE_BOOLEAN)) {
			g_autoptr(GError) error = g_error_new(
			    DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT,
			    "unknown option \"%s\" (Reset takes \"force\" (b))", key);
			dfud_dbus_error_return(invocation, error);
			return G_DBUS_METHOD_INVOCATION_HANDLED;
		}
		force = g_variant_get_boolean(v);
	}
	cmd = command_new(user_data, invocation, "os reset", DD_AUTH_ACTION_MANAGE, build_reset,
			  reply_void);
	cmd->force = force;
	command_start(cmd);
	return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_echo(DfudDbusDevice *iface, GDBusMethodInvocation *invocation, const gchar *arg_text,
	    gpointer user_data)
{
	DdCommand *cmd = command_new(user_data, invocation, "os echo", NULL, build_echo,
				     reply_echo);
	cmd->text = g_strdup(arg_text);
	command_start(cmd);
	return G_DBUS_METHOD_INVOCATION_HANDLED;
}

void
dd_device_commands_connect(DdDevice *self)
{
	g_signal_connect(self->iface, "handle-get-image-state",
			 G_CALLBACK(handle_get_image_state), self);
	g_signal_connect(self->iface, "handle-test", G_CALLBACK(handle_test), self);
	g_signal_connect(self->iface, "handle-confirm", G_CALLBACK(handle_confirm), self);
	g_signal_connect(self->iface, "handle-erase", G_CALLBACK(handle_erase), self);
	g_signal_connect(self->iface, "handle-reset", G_CALLBACK(handle_reset), self);
	g_signal_connect(self->iface, "handle-echo", G_CALLBACK(handle_echo), self);
}
