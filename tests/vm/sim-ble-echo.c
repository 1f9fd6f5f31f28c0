/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "DfudSimBleEcho"

/*
 * A stand-in for the device model that tests the BLE transport alone: it answers OS echo
 * ({"d": text} -> {"r": text}) and OS reset (drop-link, running-changed FALSE, TRUE after
 * 2 s), and rc 8 (ENOTSUP) to anything else.
 * Usage: sim-ble-echo [--adapter hciN] [--name NAME]
 */
#include "config.h"

#include <glib-unix.h>

#include "ble/dfud-sim-ble.h"

struct _DfudSimDevice {
	GObject parent;
	gboolean running;
	GPtrArray *sessions;
};

struct _DfudSimSession {
	DfudSimSendFunc send;
	gpointer user_data;
};

G_DEFINE_TYPE(DfudSimDevice, dfud_sim_device, G_TYPE_OBJECT)

static guint signal_running;
static guint signal_drop;

static void
dfud_sim_device_finalize(GObject *object)
{
	DfudSimDevice *self = DFUD_SIM_DEVICE(object);

	g_ptr_array_unref(self->sessions);
	G_OBJECT_CLASS(dfud_sim_device_parent_class)->finalize(object);
}

static void
dfud_sim_device_class_init(DfudSimDeviceClass *klass)
{
	G_OBJECT_CLASS(klass)->finalize = dfud_sim_device_finalize;
	signal_running =
	    g_signal_new("running-changed", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0, NULL,
			 NULL, NULL, G_TYPE_NONE, 1, G_TYPE_BOOLEAN);
	signal_drop = g_signal_new("drop-link", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0,
				   NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_POINTER);
}

static void
dfud_sim_device_init(DfudSimDevice *self)
{
	self->running = TRUE;
	self->sessions = g_ptr_array_new_with_free_func(g_free);
}

guint
dfud_sim_device_get_index(DfudSimDevice *self)
{
	(void)self;
	return 0;
}

gboolean
dfud_sim_device_is_running(DfudSimDevice *self)
{
	return self->running;
}

guint
dfud_sim_device_get_buf_size(DfudSimDevice *self)
{
	(void)self;
	return 2475;
}

DfudSimSecurity
dfud_sim_device_get_required_security(DfudSimDevice *self)
{
	(void)self;
	return DFUD_SIM_SECURITY_NONE;
}

DfudSimSession *
dfud_sim_device_connect(DfudSimDevice *self, const gchar *peer, DfudSimSendFunc send,
			gpointer user_data)
{
	DfudSimSession *s = g_new0(DfudSimSession, 1);

	g_message("session open: %s", peer);
	s->send = send;
	s->user_data = user_data;
	g_ptr_array_add(self->sessions, s);
	return s;
}

void
dfud_sim_device_disconnect(DfudSimDevice *self, DfudSimSession *session)
{
	g_message("session closed");
	g_ptr_array_remove(self->sessions, session);
}

static gboolean
back_up(gpointer user_data)
{
	DfudSimDevice *self = user_data;

	self->running = TRUE;
	g_signal_emit(self, signal_running, 0, TRUE);
	return G_SOURCE_REMOVE;
}

static gboolean
go_down(gpointer user_data)
{
	DfudSimDevice *self = user_data;

	while (self->sessions->len > 0) {
		gpointer s = g_ptr_array_index(self->sessions, 0);

		g_signal_emit(self, signal_drop, 0, s);
		/* the transport must have called dfud_sim_device_disconnect() */
		if (self->sessions->len > 0 && g_ptr_array_index(self->sessions, 0) == s) {
			g_critical("the transport kept a dropped session");
			g_ptr_array_remove_index(self->sessions, 0);
		}
	}
	self->running = FALSE;
	g_signal_emit(self, signal_running, 0, FALSE);
	g_timeout_add(2000, back_up, self);
	return G_SOURCE_REMOVE;
}

void
dfud_sim_device_receive(DfudSimDevice *self, DfudSimSession *session, const guint8 *packet,
			gsize len)
{
	static const guint8 enotsup[] = {0xa1, 0x62, 'r', 'c', 0x08};
	static const guint8 empty[] = {0xa0};
	g_autoptr(GByteArray) rsp = g_byte_array_new();
	g_autoptr(GBytes) frame = NULL;
	guint group;
	gsize body_len;

	if (len < 8)
		return;
	group = (guint)packet[4] << 8 | packet[5];
	body_len = len - 8;
	g_byte_array_append(rsp, packet, 8);
	rsp->data[0] = (guint8)((packet[0] & 0x18) | ((packet[0] & 0x07) == 0 ? 1 : 3));
	if (group == 0 && packet[7] == 0 && body_len >= 3 &&
	    memcmp(packet + 8, "\xa1\x61\x64", 3) == 0) {
		g_byte_array_append(rsp, packet + 8, (guint)body_len);
		rsp->data[10] = 'r';
	} else if (group == 0 && packet[7] == 5) {
		g_byte_array_append(rsp, empty, sizeof(empty));
		g_timeout_add(250, go_down, self);
	} else {
		g_byte_array_append(rsp, enotsup, sizeof(enotsup));
	}
	rsp->data[2] = (guint8)((rsp->len - 8) >> 8);
	rsp->data[3] = (guint8)(rsp->len - 8);
	frame = g_bytes_new(rsp->data, rsp->len);
	session->send(session, frame, session->user_data);
}

static void
started(GObject *source, GAsyncResult *result, gpointer user_data)
{
	DfudSimBle *ble = user_data;
	g_autoptr(GError) error = NULL;

	(void)source;
	if (!dfud_sim_ble_start_finish(ble, result, &error)) {
		g_printerr("sim-ble-echo: %s\n", error->message);
		exit(1);
	}
	g_print("sim-ble-echo: ready\n");
}

static gboolean
quit(gpointer user_data)
{
	g_main_loop_quit(user_data);
	return G_SOURCE_REMOVE;
}

int
main(int argc, char **argv)
{
	g_autofree gchar *adapter = NULL;
	g_autofree gchar *name = NULL;
	GOptionEntry entries[] = {
	    {"adapter", 0, 0, G_OPTION_ARG_STRING, &adapter, "Adapter", "hciN"},
	    {"name", 0, 0, G_OPTION_ARG_STRING, &name, "Advertised name", "NAME"},
	    G_OPTION_ENTRY_NULL};
	g_autoptr(GOptionContext) context = g_option_context_new("- BLE transport test device");
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) devices = g_ptr_array_new_with_free_func(g_object_unref);
	g_autoptr(GMainLoop) loop = g_main_loop_new(NULL, FALSE);
	DfudSimConfig config = {0};
	DfudSimBle *ble;

	g_option_context_add_main_entries(context, entries, NULL);
	if (!g_option_context_parse(context, &argc, &argv, &error)) {
		g_printerr("sim-ble-echo: %s\n", error->message);
		return 2;
	}
	config.adapter = adapter;
	config.name = name;
	g_ptr_array_add(devices, g_object_new(DFUD_TYPE_SIM_DEVICE, NULL));
	ble = dfud_sim_ble_new(devices, &config, &error);
	if (ble == NULL) {
		g_printerr("sim-ble-echo: %s\n", error->message);
		return 1;
	}
	dfud_sim_ble_start_async(ble, NULL, started, ble);
	g_unix_signal_add(SIGTERM, quit, loop);
	g_unix_signal_add(SIGINT, quit, loop);
	g_main_loop_run(loop);
	dfud_sim_ble_free(ble);
	return 0;
}
