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
#include "engine/dfud-update-mark.h"
#include "engine/dfud-update-reboot.h"
#include "smp/dfud-smp.h"

/*
 * One SMP command on a device: wait for a connection slot, open the link, run the command through
 * the engine's SMP client (sequence numbers, timeouts, copies over UDP), close the link. The
 * device is "busy" meanwhile, so an update asked for at the same time waits behind it and another
 * command gets Busy. A command whose link is lost before it is answered (LinkLost) runs once more
 * on a fresh link, all but the reset: the reset's own wait (dfud_update_reboot) takes a dropped
 * link for what it usually is, the device rebooting.
 */
typedef struct _DdCommand DdCommand;
typedef GBytes *(*DdCommandBuild)(DdCommand *cmd, DfudSmpVersion version, GError **error);
typedef void (*DdCommandReply)(DdCommand *cmd, DfudSmpResponse *resp);

typedef enum {
	DD_COMMAND_STATE,   /* image state read (several requests) */
	DD_COMMAND_REQUEST, /* one request: build, reply */
	DD_COMMAND_MARK,    /* test or confirm (dfud_update_mark) */
	DD_COMMAND_RESET,   /* os reset (dfud_update_reboot) */
} DdCommandKind;

struct _DdCommand {
	DdDevice *device;
	GDBusMethodInvocation *invocation;
	const gchar *what;
	const gchar *action; /* polkit action, NULL: the bus policy suffices */
	DdCommandKind kind;
	DdCommandBuild build; /* DD_COMMAND_REQUEST */
	DdCommandReply reply; /* DD_COMMAND_REQUEST */
	DdSlot *slot;
	DfudTransport *transport;
	DfudSmpClient *client;
	gboolean relinked; /* ran again on a fresh link */
	/* arguments */
	GBytes *hash;
	gint slot_number;
	gboolean force;
	gboolean confirm;
	gchar *text;
};

void dd_device_command_ended(DdDevice *self);

static void
dd_command_free(DdCommand *cmd)
{
	if (cmd->client != NULL) {
		DfudSmpRtt rtt = dfud_smp_client_get_rtt(cmd->client);

		if (rtt.srtt_us > 0)
			cmd->device->rtt = rtt;
	}
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

static void link_opened(GObject *source, GAsyncResult *res, gpointer user_data);

static void
open_link(DdCommand *cmd_in)
{
	DdCommand *cmd = cmd_in;
	DdDevice *self = cmd->device;

	dd_dev_debug(self->log_name, "%s: opening %s", cmd->what, self->uri);
	dfud_transport_open_within_async(cmd->transport, self->ctx->config->connect_timeout_ms,
					 self->cancellable, link_opened, cmd);
}

/*
 * the link was lost before the answer: once, a fresh link and the command again (it changes
 * nothing the device had not done already: a read, an echo, a test or confirm of the same image,
 * an erase of the same slot); TRUE when it took @cmd_in
 */
static gboolean
relink(DdCommand *cmd_in, const GError *error)
{
	if (cmd_in->relinked || cmd_in->kind == DD_COMMAND_RESET ||
	    !g_error_matches(error, DFUD_ERROR, DFUD_ERROR_LINK_LOST) ||
	    g_cancellable_is_cancelled(cmd_in->device->cancellable))
		return FALSE;
	dd_dev_info(cmd_in->device->log_name, "%s: %s: again on a fresh link", cmd_in->what,
		    error->message);
	cmd_in->relinked = TRUE;
	dfud_transport_close(cmd_in->transport);
	open_link(cmd_in);
	return TRUE;
}

/* the command's outcome when it failed: a fresh link, or the caller gets @error */
static void
command_failed(DdCommand *cmd_in, const GError *error)
{
	g_autoptr(DdCommand) cmd = cmd_in;

	if (relink(cmd, error)) {
		g_steal_pointer(&cmd);
		return;
	}
	command_fail(cmd, error);
}

/* what GetImageState learnt besides the slots: NoDowngrade, OsInfo, SlotSizes (Device.xml) */
static void
set_facts(DdDevice *device, const DfudUpdateDevice *info)
{
	GVariantBuilder builder;
	const DfudSmpSlotInfo *slots = info->slot_info;

	dfud_dbus_device_set_no_downgrade(device->iface,
					  info->mode_info != NULL && info->mode_info->has_mode &&
					      info->mode_info->no_downgrade);
	dfud_dbus_device_set_os_info(device->iface, info->os_info != NULL ? info->os_info : "");
	g_variant_builder_init(&builder, G_VARIANT_TYPE("aa{sv}"));
	for (guint i = 0; slots != NULL && slots->images != NULL && i < slots->images->len; i++) {
		const DfudSmpSlotInfoImage *img = g_ptr_array_index(slots->images, i);
		for (guint s = 0; img->slots != NULL && s < img->slots->len; s++) {
			const DfudSmpSlotInfoSlot *slot =
			    &g_array_index(img->slots, DfudSmpSlotInfoSlot, s);
			GVariantDict dict;

			if (!slot->has_size)
				continue;
			g_variant_dict_init(&dict, NULL);
			g_variant_dict_insert(&dict, "image", "u", img->image);
			g_variant_dict_insert(&dict, "slot", "u", slot->slot);
			g_variant_dict_insert(&dict, "size", "t", slot->size);
			if (img->has_max_image_size)
				g_variant_dict_insert(&dict, "max-image-size", "t",
						      img->max_image_size);
			g_variant_builder_add_value(&builder, g_variant_dict_end(&dict));
		}
	}
	dfud_dbus_device_set_slot_sizes(device->iface, g_variant_builder_end(&builder));
}

static void
state_read(GObject *source, GAsyncResult *res, gpointer user_data)
{
	g_autoptr(DdCommand) cmd = user_data;
	g_autoptr(GError) error = NULL;
	g_autoptr(DfudUpdateDevice) info = dfud_update_device_read_finish(res, &error);

	if (info == NULL) {
		command_failed(g_steal_pointer(&cmd), error);
		return;
	}
	dd_device_set_images(cmd->device, info->state);
	dd_device_set_bootloader_mode(cmd->device, info->mode_info != NULL &&
							   info->mode_info->has_mode
						       ? info->mode_info->mode
						       : -1);
	set_facts(cmd->device, info);
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

	if (resp == NULL) {
		command_failed(g_steal_pointer(&cmd), error);
		return;
	}
	if (!dfud_smp_response_check(resp, &error)) {
		command_fail(cmd, error);
		return;
	}
	dd_dev_info(cmd->device->log_name, "%s done", cmd->what);
	cmd->reply(cmd, resp);
}

static void
marked(GObject *source, GAsyncResult *res, gpointer user_data)
{
	g_autoptr(DdCommand) cmd = user_data;
	g_autoptr(GError) error = NULL;
	g_autoptr(DfudSmpImageState) state = dfud_update_mark_finish(res, &error);

	if (state == NULL) {
		command_failed(g_steal_pointer(&cmd), error);
		return;
	}
	dd_device_set_images(cmd->device, state);
	dd_dev_info(cmd->device->log_name, "%s done", cmd->what);
	g_dbus_method_invocation_return_value(cmd->invocation, NULL);
}

static void
reset_done(GObject *source, GAsyncResult *res, gpointer user_data)
{
	g_autoptr(DdCommand) cmd = user_data;
	g_autoptr(GError) error = NULL;
	g_autoptr(DfudSmpImageState) state = dfud_update_reboot_finish(res, &error);

	if (state == NULL) {
		command_fail(cmd, error);
		return;
	}
	dd_dev_info(cmd->device->log_name, "%s done", cmd->what);
	g_dbus_method_invocation_return_value(cmd->invocation, NULL);
}

/* the reset needs the state before it: what a device that did not take it still answers */
static void
reset_state_read(GObject *source, GAsyncResult *res, gpointer user_data)
{
	DdCommand *cmd = user_data; /* passed on */
	DdDevice *self = cmd->device;
	g_autoptr(GError) error = NULL;
	g_autoptr(DfudSmpImageState) before = dfud_update_device_read_state_finish(res, &error);
	DfudUpdateOptions options;

	if (before == NULL) {
		command_failed(cmd, error);
		return;
	}
	dfud_update_options_init(&options);
	dd_config_apply_timeouts(self->ctx->config, &options);
	dfud_update_reboot_async(cmd->client, &options, before,
				 DFUD_UPDATE_REBOOT_ACKNOWLEDGED |
				     (cmd->force ? DFUD_UPDATE_REBOOT_FORCE : 0),
				 self->cancellable, reset_done, cmd);
}

static void
run_on_link(DdCommand *cmd_in)
{
	DdCommand *cmd = cmd_in; /* passed on to the operation's callback */
	DdDevice *self = cmd->device;
	guint timeout_ms = self->ctx->config->command_timeout_ms;
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) request = NULL;

	switch (cmd->kind) {
	case DD_COMMAND_STATE:
		dfud_update_device_read_async(cmd->client, DFUD_UPDATE_DEVICE_READ_OS_INFO,
					      timeout_ms, self->cancellable,
					      state_read, cmd);
		return;
	case DD_COMMAND_MARK:
		dfud_update_mark_async(cmd->client, cmd->hash, cmd->confirm, timeout_ms,
				       self->cancellable, marked, cmd);
		return;
	case DD_COMMAND_RESET:
		dfud_update_device_read_state_async(cmd->client, timeout_ms, self->cancellable,
						    reset_state_read, cmd);
		return;
	case DD_COMMAND_REQUEST:
	default:
		break;
	}
	request = cmd->build(cmd, dfud_smp_client_get_version(cmd->client), &error);
	if (request == NULL) {
		command_fail(cmd, error);
		dd_command_free(cmd);
		return;
	}
	dfud_smp_client_call_async(cmd->client, request, timeout_ms, self->cancellable,
				   response_received, cmd);
}

static void
link_opened(GObject *source, GAsyncResult *res, gpointer user_data)
{
	g_autoptr(DdCommand) cmd = user_data;
	g_autoptr(GError) error = NULL;

	if (!dfud_transport_open_within_finish(DFUD_TRANSPORT(source), res, &error)) {
		command_fail(cmd, error);
		return;
	}
	dd_device_update_connected(cmd->device);
	if (cmd->client == NULL) {
		/* the round trip the device's last command measured: a short command learns
		 * little before its first timeouts */
		cmd->client = dfud_smp_client_new(cmd->transport);
		dfud_smp_client_set_rtt(cmd->client, &cmd->device->rtt);
	}
	run_on_link(g_steal_pointer(&cmd));
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
	open_link(g_steal_pointer(&cmd));
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
	    const gchar *action, DdCommandKind kind)
{
	DdCommand *cmd = g_new0(DdCommand, 1);

	cmd->device = g_object_ref(self);
	cmd->invocation = g_object_ref(invocation);
	cmd->what = what;
	cmd->action = action;
	cmd->kind = kind;
	return cmd;
}

static DdCommand *
command_new_request(DdDevice *self, GDBusMethodInvocation *invocation, const gchar *what,
		    const gchar *action, DdCommandBuild build, DdCommandReply reply)
{
	DdCommand *cmd = command_new(self, invocation, what, action, DD_COMMAND_REQUEST);

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
build_erase(DdCommand *cmd, DfudSmpVersion version, GError **error)
{
	return dfud_smp_request_image_erase(version, 0, cmd->slot_number);
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
	command_start(
	    command_new(user_data, invocation, "image state read", NULL, DD_COMMAND_STATE));
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
			  DD_AUTH_ACTION_MANAGE, DD_COMMAND_MARK);
	cmd->confirm = confirm;
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
	cmd = command_new_request(user_data, invocation, "image erase", DD_AUTH_ACTION_MANAGE,
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
	cmd = command_new(user_data, invocation, "os reset", DD_AUTH_ACTION_MANAGE,
			  DD_COMMAND_RESET);
	cmd->force = force;
	command_start(cmd);
	return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_echo(DfudDbusDevice *iface, GDBusMethodInvocation *invocation, const gchar *arg_text,
	    gpointer user_data)
{
	DdCommand *cmd = command_new_request(user_data, invocation, "os echo", NULL, build_echo,
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
