/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "DfudAuth"

#include "config.h"

#include "dd-auth.h"
#include "dfud-error.h"

/* meson passes 0 or 1 from the polkit feature; it only picks what dd_auth_new() does */
#ifndef DFUD_POLKIT
#define DFUD_POLKIT 0
#endif

#define POLKIT_NAME "org.freedesktop.PolicyKit1"
#define POLKIT_PATH "/org/freedesktop/PolicyKit1/Authority"
#define POLKIT_INTERFACE "org.freedesktop.PolicyKit1.Authority"
/* CheckAuthorizationFlags */
#define POLKIT_FLAG_ALLOW_USER_INTERACTION 0x1u
/* an authentication dialog waits for a person; without one polkit answers at once */
#define DD_AUTH_TIMEOUT_MS 25000
#define DD_AUTH_INTERACTIVE_TIMEOUT_MS (5 * 60 * 1000)

struct _DdAuth {
	GObject parent_instance;
	gboolean use_polkit;
	GDBusConnection *bus; /* where polkit is; the system bus, got when first needed */
};

G_DEFINE_FINAL_TYPE(DdAuth, dd_auth, G_TYPE_OBJECT)

typedef struct {
	gchar *action;
	gchar *sender;
	gboolean interactive;
} DdAuthCheck;

static void
dd_auth_check_free(DdAuthCheck *check)
{
	g_free(check->action);
	g_free(check->sender);
	g_free(check);
}

static void
dd_auth_dispose(GObject *object)
{
	DdAuth *self = DD_AUTH(object);

	g_clear_object(&self->bus);
	G_OBJECT_CLASS(dd_auth_parent_class)->dispose(object);
}

static void
dd_auth_class_init(DdAuthClass *klass)
{
	G_OBJECT_CLASS(klass)->dispose = dd_auth_dispose;
}

static void
dd_auth_init(DdAuth *self)
{
}

DdAuth *
dd_auth_new(gboolean use_polkit)
{
	DdAuth *self = g_object_new(DD_TYPE_AUTH, NULL);

	self->use_polkit = use_polkit && DFUD_POLKIT;
	return self;
}

DdAuth *
dd_auth_new_for_bus(GDBusConnection *bus)
{
	DdAuth *self;

	g_return_val_if_fail(G_IS_DBUS_CONNECTION(bus), NULL);

	self = g_object_new(DD_TYPE_AUTH, NULL);
	self->use_polkit = TRUE;
	self->bus = g_object_ref(bus);
	return self;
}

gboolean
dd_auth_uses_polkit(DdAuth *self)
{
	g_return_val_if_fail(DD_IS_AUTH(self), FALSE);

	return self->use_polkit;
}

/* a failure of the question itself, not a "no": the caller learns polkit is the trouble */
static void
return_polkit_error(GTask *task, const gchar *action, const GError *error)
{
	g_autoptr(GError) copy = g_error_copy(error);

	if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
		g_task_return_new_error(task, DFUD_ERROR, DFUD_ERROR_CANCELLED,
					"authorization for %s cancelled", action);
		return;
	}
	g_dbus_error_strip_remote_error(copy);
	g_task_return_new_error(task, DFUD_ERROR, DFUD_ERROR_FAILED,
				"cannot ask polkit about %s: %s", action, copy->message);
}

static void
check_authorization_cb(GObject *source, GAsyncResult *res, gpointer user_data)
{
	g_autoptr(GTask) task = user_data;
	DdAuthCheck *check = g_task_get_task_data(task);
	g_autoptr(GError) error = NULL;
	g_autoptr(GVariant) reply = NULL;
	g_autoptr(GVariant) details = NULL;
	const gchar *dismissed = NULL;
	gboolean authorized = FALSE;
	gboolean challenge = FALSE;

	reply = g_dbus_connection_call_finish(G_DBUS_CONNECTION(source), res, &error);
	if (reply == NULL) {
		return_polkit_error(task, check->action, error);
		return;
	}
	g_variant_get(reply, "((bb@a{ss}))", &authorized, &challenge, &details);
	if (authorized) {
		g_debug("%s may do %s", check->sender, check->action);
		g_task_return_boolean(task, TRUE);
		return;
	}
	g_variant_lookup(details, "polkit.dismissed", "&s", &dismissed);
	g_debug("%s may not do %s%s%s", check->sender, check->action,
		challenge ? " (challenge)" : "", dismissed != NULL ? " (dismissed)" : "");
	if (dismissed != NULL) {
		g_task_return_new_error(task, DFUD_ERROR, DFUD_ERROR_NOT_AUTHORIZED,
					"not authorized for %s: authentication dismissed",
					check->action);
	} else if (challenge && !check->interactive) {
		g_task_return_new_error(task, DFUD_ERROR, DFUD_ERROR_NOT_AUTHORIZED,
					"not authorized for %s without authentication (allow "
					"interactive authorization to be asked)",
					check->action);
	} else {
		g_task_return_new_error(task, DFUD_ERROR, DFUD_ERROR_NOT_AUTHORIZED,
					"not authorized for %s", check->action);
	}
}

static void
check_authorization(GTask *task)
{
	DdAuth *self = g_task_get_source_object(task);
	DdAuthCheck *check = g_task_get_task_data(task);
	GVariantBuilder subject;
	GVariantBuilder details;

	g_variant_builder_init(&subject, G_VARIANT_TYPE("a{sv}"));
	g_variant_builder_add(&subject, "{sv}", "name", g_variant_new_string(check->sender));
	g_variant_builder_init(&details, G_VARIANT_TYPE("a{ss}"));
	g_dbus_connection_call(
	    self->bus, POLKIT_NAME, POLKIT_PATH, POLKIT_INTERFACE, "CheckAuthorization",
	    g_variant_new("((sa{sv})sa{ss}us)", "system-bus-name", &subject, check->action,
			  &details, check->interactive ? POLKIT_FLAG_ALLOW_USER_INTERACTION : 0u,
			  ""),
	    G_VARIANT_TYPE("((bba{ss}))"), G_DBUS_CALL_FLAGS_NONE,
	    check->interactive ? DD_AUTH_INTERACTIVE_TIMEOUT_MS : DD_AUTH_TIMEOUT_MS,
	    g_task_get_cancellable(task), check_authorization_cb, task);
}

static void
bus_get_cb(GObject *source, GAsyncResult *res, gpointer user_data)
{
	GTask *task = user_data;
	DdAuth *self = g_task_get_source_object(task);
	DdAuthCheck *check = g_task_get_task_data(task);
	g_autoptr(GError) error = NULL;
	g_autoptr(GDBusConnection) bus = g_bus_get_finish(res, &error);

	if (bus == NULL) {
		return_polkit_error(task, check->action, error);
		g_object_unref(task);
		return;
	}
	/* two checks racing for the bus get the same singleton: keep the first */
	if (self->bus == NULL)
		self->bus = g_steal_pointer(&bus);
	check_authorization(task);
}

void
dd_auth_check_async(DdAuth *self, GDBusMethodInvocation *invocation, const gchar *action,
		    GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
	g_autoptr(GTask) task = NULL;
	DdAuthCheck *check;
	const gchar *sender;
	GDBusMessage *message;

	g_return_if_fail(DD_IS_AUTH(self));
	g_return_if_fail(G_IS_DBUS_METHOD_INVOCATION(invocation));
	g_return_if_fail(action != NULL);

	task = g_task_new(self, cancellable, callback, user_data);
	g_task_set_source_tag(task, dd_auth_check_async);
	/* a cancelled check fails in our domain (DFUD_ERROR_CANCELLED), not as a G_IO_ERROR */
	g_task_set_check_cancellable(task, FALSE);
	if (!self->use_polkit) {
		/* the bus policy let the call through: that was the check */
		g_task_return_boolean(task, TRUE);
		return;
	}
	sender = g_dbus_method_invocation_get_sender(invocation);
	if (sender == NULL) {
		g_task_return_new_error(task, DFUD_ERROR, DFUD_ERROR_NOT_AUTHORIZED,
					"not authorized for %s: the caller has no bus name",
					action);
		return;
	}
	message = g_dbus_method_invocation_get_message(invocation);
	check = g_new0(DdAuthCheck, 1);
	check->action = g_strdup(action);
	check->sender = g_strdup(sender);
	check->interactive = (g_dbus_message_get_flags(message) &
			      G_DBUS_MESSAGE_FLAGS_ALLOW_INTERACTIVE_AUTHORIZATION) != 0;
	g_task_set_task_data(task, check, (GDestroyNotify)dd_auth_check_free);
	if (self->bus != NULL) {
		check_authorization(g_steal_pointer(&task));
		return;
	}
	g_bus_get(G_BUS_TYPE_SYSTEM, cancellable, bus_get_cb, g_steal_pointer(&task));
}

gboolean
dd_auth_check_finish(DdAuth *self, GAsyncResult *res, GError **error)
{
	g_return_val_if_fail(g_task_is_valid(res, self), FALSE);
	g_return_val_if_fail(g_task_get_source_tag(G_TASK(res)) == dd_auth_check_async, FALSE);

	return g_task_propagate_boolean(G_TASK(res), error);
}
