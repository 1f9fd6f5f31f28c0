/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * DdAuth against a mock polkit Authority on a private dbus-daemon (GTestDBus): what it asks
 * (subject, action, interaction flag) and how it reads every kind of answer.
 */
#define G_LOG_DOMAIN "DfudTestAuth"

#include "config.h"

#include <gio/gio.h>
#include <string.h>

#include "dd-auth.h"
#include "dfud-error.h"

#define POLKIT_NAME "org.freedesktop.PolicyKit1"
#define POLKIT_PATH "/org/freedesktop/PolicyKit1/Authority"
#define TEST_PATH "/org/dfud/Test"

static const gchar polkit_xml[] = "<node>"
				  " <interface name='org.freedesktop.PolicyKit1.Authority'>"
				  "  <method name='CheckAuthorization'>"
				  "   <arg type='(sa{sv})' name='subject' direction='in'/>"
				  "   <arg type='s' name='action_id' direction='in'/>"
				  "   <arg type='a{ss}' name='details' direction='in'/>"
				  "   <arg type='u' name='flags' direction='in'/>"
				  "   <arg type='s' name='cancellation_id' direction='in'/>"
				  "   <arg type='(bba{ss})' name='result' direction='out'/>"
				  "  </method>"
				  " </interface>"
				  "</node>";

static const gchar service_xml[] = "<node>"
				   " <interface name='org.dfud.Test'>"
				   "  <method name='Check'>"
				   "   <arg type='s' name='action' direction='in'/>"
				   "  </method>"
				   " </interface>"
				   "</node>";

typedef enum {
	MOCK_ALLOW,
	MOCK_DENY,
	MOCK_CHALLENGE,
	MOCK_DISMISSED,
	MOCK_ERROR,
	MOCK_JUNK, /* a reply of the wrong type */
	MOCK_HOLD, /* no answer until the test says */
} MockMode;

typedef struct {
	GDBusConnection *polkit;  /* the mock Authority */
	GDBusConnection *service; /* stands in for dfud: it holds the invocations */
	GDBusConnection *caller;  /* the client whose rights are checked */
	guint polkit_id;
	guint service_id;
	MockMode mode;
	/* what the mock was asked */
	guint calls;
	gchar *subject_kind;
	gchar *subject_name;
	gchar *action;
	guint32 flags;
	gchar *cancellation_id;
	GPtrArray *held; /* of GDBusMethodInvocation, in MOCK_HOLD */
	/* what DdAuth answered: the last check, and every check by action */
	GHashTable *results; /* action -> GError, or NULL when allowed */
	DdAuth *auth;
	GCancellable *cancellable;
	gboolean done;
	gboolean allowed;
	GError *error;
	guint caller_replies;
} Fixture;

static GTestDBus *test_bus;

static GDBusConnection *
connect_bus(void)
{
	g_autoptr(GError) error = NULL;
	GDBusConnection *connection = g_dbus_connection_new_for_address_sync(
	    g_test_dbus_get_bus_address(test_bus),
	    G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
		G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
	    NULL, NULL, &error);

	g_assert_no_error(error);
	return connection;
}

static void
polkit_method_call(GDBusConnection *connection, const gchar *sender, const gchar *path,
		   const gchar *interface, const gchar *method, GVariant *params,
		   GDBusMethodInvocation *invocation, gpointer user_data)
{
	Fixture *f = user_data;
	g_autoptr(GVariant) subject_details = NULL;
	g_autoptr(GVariant) details = NULL;
	GVariantBuilder empty;

	f->calls++;
	g_clear_pointer(&f->subject_kind, g_free);
	g_clear_pointer(&f->subject_name, g_free);
	g_clear_pointer(&f->action, g_free);
	g_clear_pointer(&f->cancellation_id, g_free);
	g_variant_get(params, "((s@a{sv})s@a{ss}us)", &f->subject_kind, &subject_details,
		      &f->action, &details, &f->flags, &f->cancellation_id);
	g_assert_true(g_variant_lookup(subject_details, "name", "s", &f->subject_name));
	g_assert_cmpuint(g_variant_n_children(details), ==, 0);

	g_variant_builder_init(&empty, G_VARIANT_TYPE("a{ss}"));
	switch (f->mode) {
	case MOCK_ALLOW:
		g_dbus_method_invocation_return_value(
		    invocation, g_variant_new("((bba{ss}))", TRUE, FALSE, &empty));
		break;
	case MOCK_DENY:
		g_dbus_method_invocation_return_value(
		    invocation, g_variant_new("((bba{ss}))", FALSE, FALSE, &empty));
		break;
	case MOCK_CHALLENGE:
		g_dbus_method_invocation_return_value(
		    invocation, g_variant_new("((bba{ss}))", FALSE, TRUE, &empty));
		break;
	case MOCK_DISMISSED:
		g_variant_builder_add(&empty, "{ss}", "polkit.dismissed", "true");
		g_dbus_method_invocation_return_value(
		    invocation, g_variant_new("((bba{ss}))", FALSE, FALSE, &empty));
		break;
	case MOCK_ERROR:
		g_variant_builder_clear(&empty);
		g_dbus_method_invocation_return_dbus_error(
		    invocation, "org.freedesktop.PolicyKit1.Error.Failed", "mock authority broke");
		break;
	case MOCK_JUNK: {
		/* past GDBus's own type check, as a broken or hostile authority could */
		GDBusMessage *call = g_dbus_method_invocation_get_message(invocation);
		g_autoptr(GDBusMessage) reply = g_dbus_message_new_method_reply(call);
		g_autoptr(GError) error = NULL;

		g_variant_builder_clear(&empty);
		g_dbus_message_set_body(reply, g_variant_new("(s)", "yes"));
		g_dbus_connection_send_message(connection, reply, G_DBUS_SEND_MESSAGE_FLAGS_NONE,
					       NULL, &error);
		g_assert_no_error(error);
		g_object_unref(invocation);
		break;
	}
	case MOCK_HOLD:
	default:
		g_variant_builder_clear(&empty);
		g_ptr_array_add(f->held, invocation);
		break;
	}
}

static void
check_cb(GObject *source, GAsyncResult *res, gpointer user_data)
{
	g_autoptr(GDBusMethodInvocation) invocation = user_data;
	Fixture *f = g_object_get_data(G_OBJECT(invocation), "fixture");
	const gchar *action = g_object_get_data(G_OBJECT(invocation), "action");

	g_clear_error(&f->error);
	f->allowed = dd_auth_check_finish(DD_AUTH(source), res, &f->error);
	g_assert_true(f->allowed == (f->error == NULL));
	g_assert_false(g_hash_table_contains(f->results, action));
	g_hash_table_insert(f->results, g_strdup(action),
			    f->error != NULL ? g_error_copy(f->error) : NULL);
	f->done = TRUE;
	g_dbus_method_invocation_return_value(invocation, NULL);
}

/* the "daemon": every Check call goes through DdAuth with the caller's invocation */
static void
service_method_call(GDBusConnection *connection, const gchar *sender, const gchar *path,
		    const gchar *interface, const gchar *method, GVariant *params,
		    GDBusMethodInvocation *invocation, gpointer user_data)
{
	Fixture *f = user_data;
	const gchar *action = NULL;

	g_variant_get(params, "(&s)", &action);
	g_object_set_data(G_OBJECT(invocation), "fixture", f);
	g_object_set_data_full(G_OBJECT(invocation), "action", g_strdup(action), g_free);
	dd_auth_check_async(f->auth, invocation, action, f->cancellable, check_cb,
			    g_object_ref(invocation));
}

static void
free_error(gpointer error)
{
	if (error != NULL)
		g_error_free(error);
}

static void
fixture_setup(Fixture *f, gconstpointer user_data)
{
	static const GDBusInterfaceVTable polkit_vtable = {polkit_method_call, NULL, NULL, {0}};
	static const GDBusInterfaceVTable service_vtable = {service_method_call, NULL, NULL, {0}};
	g_autoptr(GDBusNodeInfo) polkit_info = g_dbus_node_info_new_for_xml(polkit_xml, NULL);
	g_autoptr(GDBusNodeInfo) service_info = g_dbus_node_info_new_for_xml(service_xml, NULL);
	g_autoptr(GError) error = NULL;

	f->polkit = connect_bus();
	f->service = connect_bus();
	f->caller = connect_bus();
	f->polkit_id = g_dbus_connection_register_object(
	    f->polkit, POLKIT_PATH, polkit_info->interfaces[0], &polkit_vtable, f, NULL, &error);
	g_assert_no_error(error);
	f->service_id = g_dbus_connection_register_object(
	    f->service, TEST_PATH, service_info->interfaces[0], &service_vtable, f, NULL, &error);
	g_assert_no_error(error);
	f->cancellable = g_cancellable_new();
	f->held = g_ptr_array_new();
	f->results = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, free_error);
	f->auth = dd_auth_new_for_bus(f->service);
}

static void
fixture_teardown(Fixture *f, gconstpointer user_data)
{
	for (guint i = 0; i < f->held->len; i++)
		g_dbus_method_invocation_return_dbus_error(
		    f->held->pdata[i], "org.freedesktop.DBus.Error.Failed", "teardown");
	g_ptr_array_unref(f->held);
	g_hash_table_unref(f->results);
	g_dbus_connection_unregister_object(f->polkit, f->polkit_id);
	g_dbus_connection_unregister_object(f->service, f->service_id);
	g_clear_object(&f->auth);
	g_clear_object(&f->cancellable);
	for (GDBusConnection **c = (GDBusConnection *[]){f->polkit, f->service, f->caller, NULL};
	     *c != NULL; c++) {
		g_autoptr(GError) error = NULL;

		g_dbus_connection_close_sync(*c, NULL, &error);
		g_assert_no_error(error);
	}
	g_clear_object(&f->polkit);
	g_clear_object(&f->service);
	g_clear_object(&f->caller);
	g_clear_error(&f->error);
	g_free(f->subject_kind);
	g_free(f->subject_name);
	g_free(f->action);
	g_free(f->cancellation_id);
}

static void
own_polkit_name(Fixture *f)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GVariant) reply = NULL;
	guint32 result = 0;

	reply = g_dbus_connection_call_sync(
	    f->polkit, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
	    "RequestName", g_variant_new("(su)", POLKIT_NAME, 4u /* DO_NOT_QUEUE */),
	    G_VARIANT_TYPE("(u)"), G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
	g_assert_no_error(error);
	g_variant_get(reply, "(u)", &result);
	g_assert_cmpuint(result, ==, 1 /* PRIMARY_OWNER */);
}

static void
caller_cb(GObject *source, GAsyncResult *res, gpointer user_data)
{
	Fixture *f = user_data;
	g_autoptr(GError) error = NULL;
	g_autoptr(GVariant) reply =
	    g_dbus_connection_call_finish(G_DBUS_CONNECTION(source), res, &error);

	g_assert_no_error(error);
	g_assert_nonnull(reply);
	f->caller_replies++;
}

static void
start_check_from(Fixture *f, GDBusConnection *caller, const gchar *action, gboolean interactive)
{
	g_dbus_connection_call(caller, g_dbus_connection_get_unique_name(f->service), TEST_PATH,
			       "org.dfud.Test", "Check", g_variant_new("(s)", action), NULL,
			       interactive ? G_DBUS_CALL_FLAGS_ALLOW_INTERACTIVE_AUTHORIZATION
					   : G_DBUS_CALL_FLAGS_NONE,
			       -1, NULL, caller_cb, f);
}

static void
start_check(Fixture *f, const gchar *action, gboolean interactive)
{
	f->done = FALSE;
	f->caller_replies = 0;
	g_clear_error(&f->error);
	g_hash_table_remove(f->results, action);
	start_check_from(f, f->caller, action, interactive);
}

static void
wait_for_replies(Fixture *f, guint n)
{
	g_autoptr(GTimer) timer = g_timer_new();

	while (f->caller_replies < n) {
		g_main_context_iteration(NULL, TRUE);
		g_assert_cmpfloat(g_timer_elapsed(timer, NULL), <, 20.0);
	}
}

static void
wait_for_held(Fixture *f, guint n)
{
	g_autoptr(GTimer) timer = g_timer_new();

	while (f->held->len < n) {
		g_main_context_iteration(NULL, TRUE);
		g_assert_cmpfloat(g_timer_elapsed(timer, NULL), <, 20.0);
	}
}

static void
answer_held(GDBusMethodInvocation *invocation, gboolean authorized)
{
	GVariantBuilder empty;

	g_variant_builder_init(&empty, G_VARIANT_TYPE("a{ss}"));
	g_dbus_method_invocation_return_value(
	    invocation, g_variant_new("((bba{ss}))", authorized, FALSE, &empty));
}

static void
wait_for(gboolean *flag)
{
	g_autoptr(GTimer) timer = g_timer_new();

	while (!*flag) {
		g_main_context_iteration(NULL, TRUE);
		g_assert_cmpfloat(g_timer_elapsed(timer, NULL), <, 20.0);
	}
}

/* runs one check to its end; returns whether it was allowed */
static gboolean
run_check(Fixture *f, const gchar *action, gboolean interactive)
{
	start_check(f, action, interactive);
	wait_for(&f->done);
	wait_for_replies(f, 1);
	if (f->error != NULL)
		g_test_message("%s", f->error->message);
	return f->allowed;
}

static void
assert_asked(Fixture *f, const gchar *action, guint32 flags)
{
	g_assert_cmpstr(f->subject_kind, ==, "system-bus-name");
	g_assert_cmpstr(f->subject_name, ==, g_dbus_connection_get_unique_name(f->caller));
	g_assert_cmpstr(f->action, ==, action);
	g_assert_cmpuint(f->flags, ==, flags);
	g_assert_nonnull(f->cancellation_id);
}

static void
test_without_polkit(Fixture *f, gconstpointer user_data)
{
	own_polkit_name(f);
	f->mode = MOCK_DENY;
	g_clear_object(&f->auth);
	f->auth = dd_auth_new(FALSE);
	g_assert_false(dd_auth_uses_polkit(f->auth));
	g_assert_true(run_check(f, DD_AUTH_ACTION_UPDATE, TRUE));
	g_assert_true(run_check(f, DD_AUTH_ACTION_MANAGE, FALSE));
	/* the bus policy was the check: polkit, which says no to all, never heard of it */
	g_assert_cmpuint(f->calls, ==, 0);
}

static void
test_allowed(Fixture *f, gconstpointer user_data)
{
	own_polkit_name(f);
	f->mode = MOCK_ALLOW;
	g_assert_true(dd_auth_uses_polkit(f->auth));
	g_assert_true(run_check(f, DD_AUTH_ACTION_UPDATE, FALSE));
	g_assert_no_error(f->error);
	g_assert_cmpuint(f->calls, ==, 1);
	assert_asked(f, DD_AUTH_ACTION_UPDATE, 0);

	/* only a caller that allows interaction gets AllowUserInteraction */
	g_assert_true(run_check(f, DD_AUTH_ACTION_MANAGE, TRUE));
	g_assert_cmpuint(f->calls, ==, 2);
	assert_asked(f, DD_AUTH_ACTION_MANAGE, 1);
}

static void
test_denied(Fixture *f, gconstpointer user_data)
{
	own_polkit_name(f);
	f->mode = MOCK_DENY;
	g_assert_false(run_check(f, DD_AUTH_ACTION_UPDATE, TRUE));
	g_assert_error(f->error, DFUD_ERROR, DFUD_ERROR_NOT_AUTHORIZED);
	g_assert_cmpstr(f->error->message, ==, "not authorized for " DD_AUTH_ACTION_UPDATE);
	assert_asked(f, DD_AUTH_ACTION_UPDATE, 1);
}

static void
test_challenge(Fixture *f, gconstpointer user_data)
{
	own_polkit_name(f);
	f->mode = MOCK_CHALLENGE;
	g_assert_false(run_check(f, DD_AUTH_ACTION_MANAGE, FALSE));
	g_assert_error(f->error, DFUD_ERROR, DFUD_ERROR_NOT_AUTHORIZED);
	g_assert_true(g_str_has_prefix(f->error->message,
				       "not authorized for " DD_AUTH_ACTION_MANAGE
				       " without authentication"));
	assert_asked(f, DD_AUTH_ACTION_MANAGE, 0);

	f->mode = MOCK_DISMISSED;
	g_assert_false(run_check(f, DD_AUTH_ACTION_MANAGE, TRUE));
	g_assert_error(f->error, DFUD_ERROR, DFUD_ERROR_NOT_AUTHORIZED);
	g_assert_cmpstr(f->error->message, ==,
			"not authorized for " DD_AUTH_ACTION_MANAGE ": authentication dismissed");
	assert_asked(f, DD_AUTH_ACTION_MANAGE, 1);
}

static void
test_no_authority(Fixture *f, gconstpointer user_data)
{
	/* nobody owns org.freedesktop.PolicyKit1: a failure, never a yes */
	g_assert_false(run_check(f, DD_AUTH_ACTION_UPDATE, FALSE));
	g_assert_error(f->error, DFUD_ERROR, DFUD_ERROR_FAILED);
	g_assert_true(g_str_has_prefix(f->error->message,
				       "cannot ask polkit about " DD_AUTH_ACTION_UPDATE ": "));
	g_assert_null(strstr(f->error->message, "GDBus.Error"));
	g_assert_cmpuint(f->calls, ==, 0);
}

static void
test_authority_error(Fixture *f, gconstpointer user_data)
{
	own_polkit_name(f);
	f->mode = MOCK_ERROR;
	g_assert_false(run_check(f, DD_AUTH_ACTION_UPDATE, FALSE));
	g_assert_error(f->error, DFUD_ERROR, DFUD_ERROR_FAILED);
	g_assert_cmpstr(f->error->message, ==,
			"cannot ask polkit about " DD_AUTH_ACTION_UPDATE ": mock authority broke");

	f->mode = MOCK_JUNK;
	g_assert_false(run_check(f, DD_AUTH_ACTION_UPDATE, FALSE));
	g_assert_error(f->error, DFUD_ERROR, DFUD_ERROR_FAILED);
	g_assert_cmpuint(f->calls, ==, 2);
}

static void
test_cancel(Fixture *f, gconstpointer user_data)
{
	own_polkit_name(f);
	f->mode = MOCK_HOLD;
	start_check(f, DD_AUTH_ACTION_UPDATE, TRUE);
	wait_for_held(f, 1);
	g_assert_false(f->done);
	g_cancellable_cancel(f->cancellable);
	wait_for(&f->done);
	wait_for_replies(f, 1);
	g_assert_false(f->allowed);
	g_assert_error(f->error, DFUD_ERROR, DFUD_ERROR_CANCELLED);

	/* a late "yes" for a cancelled check changes nothing */
	answer_held(g_ptr_array_steal_index(f->held, 0), TRUE);
	for (guint i = 0; i < 20; i++)
		g_main_context_iteration(NULL, FALSE);
	g_assert_error(f->error, DFUD_ERROR, DFUD_ERROR_CANCELLED);
	g_assert_cmpuint(g_hash_table_size(f->results), ==, 1);
}

/* checks in flight at once keep their own callers and answers, in whatever order they come */
static void
test_concurrent(Fixture *f, gconstpointer user_data)
{
	g_autoptr(GDBusConnection) other = connect_bus();
	const GError *error;

	own_polkit_name(f);
	f->mode = MOCK_HOLD;
	start_check_from(f, f->caller, "org.dfud.test.one", FALSE);
	start_check_from(f, other, "org.dfud.test.two", TRUE);
	wait_for_held(f, 2);
	g_assert_cmpuint(g_hash_table_size(f->results), ==, 0);
	/* answer the later first: "two" yes, "one" no */
	for (guint i = f->held->len; i > 0; i--) {
		GDBusMethodInvocation *invocation = g_ptr_array_steal_index(f->held, i - 1);
		GVariant *params = g_dbus_method_invocation_get_parameters(invocation);
		g_autoptr(GVariant) subject = NULL;
		const gchar *action = NULL;
		const gchar *name = NULL;
		guint32 flags = 0;
		gboolean two;

		g_variant_get(params, "((&s@a{sv})&s@a{ss}u&s)", NULL, &subject, &action, NULL,
			      &flags, NULL);
		g_assert_true(g_variant_lookup(subject, "name", "&s", &name));
		two = g_str_equal(action, "org.dfud.test.two");
		g_assert_cmpstr(name, ==,
				g_dbus_connection_get_unique_name(two ? other : f->caller));
		g_assert_cmpuint(flags, ==, two ? 1 : 0);
		answer_held(invocation, two);
	}
	wait_for_replies(f, 2);
	g_assert_cmpuint(g_hash_table_size(f->results), ==, 2);
	g_assert_true(g_hash_table_lookup_extended(f->results, "org.dfud.test.two", NULL,
						   (gpointer *)&error));
	g_assert_no_error(error);
	g_assert_true(g_hash_table_lookup_extended(f->results, "org.dfud.test.one", NULL,
						   (gpointer *)&error));
	g_assert_error(error, DFUD_ERROR, DFUD_ERROR_NOT_AUTHORIZED);
	g_dbus_connection_close_sync(other, NULL, NULL);
}

int
main(int argc, char **argv)
{
	int rc;

	g_test_init(&argc, &argv, NULL);
	test_bus = g_test_dbus_new(G_TEST_DBUS_NONE);
	g_test_dbus_up(test_bus);

	g_test_add("/daemon/auth/without-polkit", Fixture, NULL, fixture_setup, test_without_polkit,
		   fixture_teardown);
	g_test_add("/daemon/auth/allowed", Fixture, NULL, fixture_setup, test_allowed,
		   fixture_teardown);
	g_test_add("/daemon/auth/denied", Fixture, NULL, fixture_setup, test_denied,
		   fixture_teardown);
	g_test_add("/daemon/auth/challenge", Fixture, NULL, fixture_setup, test_challenge,
		   fixture_teardown);
	g_test_add("/daemon/auth/no-authority", Fixture, NULL, fixture_setup, test_no_authority,
		   fixture_teardown);
	g_test_add("/daemon/auth/authority-error", Fixture, NULL, fixture_setup,
		   test_authority_error, fixture_teardown);
	g_test_add("/daemon/auth/cancel", Fixture, NULL, fixture_setup, test_cancel,
		   fixture_teardown);
	g_test_add("/daemon/auth/concurrent", Fixture, NULL, fixture_setup, test_concurrent,
		   fixture_teardown);
	rc = g_test_run();
	g_test_dbus_down(test_bus);
	g_object_unref(test_bus);
	return rc;
}
