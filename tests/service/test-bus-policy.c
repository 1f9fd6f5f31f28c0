/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The bus policy dbus/org.dfud.Dfu1.conf in a real dbus-daemon: a private system-like bus
 * whose configuration includes it, a stand-in service owning org.dfud.Dfu1 as user dfud, and
 * clients running as root, as nobody, and as nobody with group dfu, each calling what they
 * may and may not. Needs root: to switch uids and to create user dfud and group dfu (with
 * systemd-sysusers and our sysusers.d file) when they are missing.
 *
 * One binary, three roles: the test (no arguments), `--service ADDRESS` and
 * `--client ADDRESS ACTION`, which prints "ok" or the D-Bus error name it got.
 */
#define G_LOG_DOMAIN "DfudTestBusPolicy"

#include "config.h"

#include <errno.h>
#include <gio/gio.h>
#include <fcntl.h>
#include <gio/gunixfdlist.h>
#include <glib-unix.h>
#include <glib/gstdio.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "dfud-dbus-error.h"
#include "dfud-dbus-generated.h"

#define DEVICE_PATH DFUD_DBUS_DEVICE_PATH "/test"
#define JOB_PATH DFUD_DBUS_JOB_PATH "/1"
#define FIRMWARE "firmware"
#define ACCESS_DENIED "org.freedesktop.DBus.Error.AccessDenied"

/* ---- the stand-in service ---- */

static gboolean
handle_update(DfudDbusDevice *device, GDBusMethodInvocation *invocation, GUnixFDList *fds,
	      GVariant *firmware, GVariant *options, gpointer user_data)
{
	g_autoptr(GError) error = NULL;
	gchar buf[sizeof(FIRMWARE)] = {0};
	gint32 idx = g_variant_get_handle(firmware);
	int fd;

	/* the caller got through: prove the descriptor came along too */
	fd = fds != NULL ? g_unix_fd_list_get(fds, idx, &error) : -1;
	if (fd < 0 || read(fd, buf, sizeof(buf) - 1) != sizeof(buf) - 1 ||
	    strcmp(buf, FIRMWARE) != 0) {
		if (fd >= 0)
			close(fd);
		g_dbus_method_invocation_return_dbus_error(invocation, "org.dfud.Test.NoFirmware",
							   "no firmware descriptor");
		return TRUE;
	}
	close(fd);
	dfud_dbus_device_complete_update(device, invocation, NULL, JOB_PATH);
	return TRUE;
}

static gboolean
handle_get_image_state(DfudDbusDevice *device, GDBusMethodInvocation *invocation,
		       gpointer user_data)
{
	dfud_dbus_device_complete_get_image_state(
	    device, invocation, g_variant_new_array(G_VARIANT_TYPE("a{sv}"), NULL, 0));
	return TRUE;
}

static gboolean
handle_add_device(DfudDbusManager *manager, GDBusMethodInvocation *invocation, const gchar *uri,
		  GVariant *options, gpointer user_data)
{
	dfud_dbus_manager_complete_add_device(manager, invocation, DEVICE_PATH);
	return TRUE;
}

static gboolean
handle_cancel(DfudDbusJob *job, GDBusMethodInvocation *invocation, gpointer user_data)
{
	dfud_dbus_job_complete_cancel(job, invocation);
	return TRUE;
}

static void
closed_cb(GDBusConnection *connection, gboolean remote_peer_vanished, GError *error,
	  gpointer user_data)
{
	g_main_loop_quit(user_data);
}

static int
run_service(const gchar *address)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GDBusConnection) bus = NULL;
	g_autoptr(GDBusObjectManagerServer) server = NULL;
	g_autoptr(DfudDbusManager) manager = dfud_dbus_manager_skeleton_new();
	g_autoptr(DfudDbusDevice) device = dfud_dbus_device_skeleton_new();
	g_autoptr(DfudDbusJob) job = dfud_dbus_job_skeleton_new();
	g_autoptr(DfudDbusObjectSkeleton) device_object =
	    dfud_dbus_object_skeleton_new(DEVICE_PATH);
	g_autoptr(DfudDbusObjectSkeleton) job_object = dfud_dbus_object_skeleton_new(JOB_PATH);
	g_autoptr(GVariant) reply = NULL;
	g_autoptr(GMainLoop) loop = g_main_loop_new(NULL, FALSE);
	guint32 result = 0;

	bus = g_dbus_connection_new_for_address_sync(
	    address,
	    G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
		G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
	    NULL, NULL, &error);
	if (bus == NULL) {
		g_printerr("service: %s\n", error->message);
		return 1;
	}
	g_dbus_connection_set_exit_on_close(bus, FALSE);
	g_signal_connect(bus, "closed", G_CALLBACK(closed_cb), loop);

	dfud_dbus_manager_set_version(manager, PACKAGE_VERSION);
	g_signal_connect(manager, "handle-add-device", G_CALLBACK(handle_add_device), NULL);
	dfud_dbus_device_set_address(device, "udp:127.0.0.1:1337");
	g_signal_connect(device, "handle-update", G_CALLBACK(handle_update), NULL);
	g_signal_connect(device, "handle-get-image-state", G_CALLBACK(handle_get_image_state),
			 NULL);
	g_signal_connect(job, "handle-cancel", G_CALLBACK(handle_cancel), NULL);
	dfud_dbus_object_skeleton_set_device(device_object, device);
	dfud_dbus_object_skeleton_set_job(job_object, job);

	/* as the daemon does: the manager at the root, next to the object manager */
	server = g_dbus_object_manager_server_new(DFUD_DBUS_PATH);
	g_dbus_object_manager_server_export(server, G_DBUS_OBJECT_SKELETON(device_object));
	g_dbus_object_manager_server_export(server, G_DBUS_OBJECT_SKELETON(job_object));
	g_dbus_object_manager_server_set_connection(server, bus);
	if (!g_dbus_interface_skeleton_export(G_DBUS_INTERFACE_SKELETON(manager), bus,
					      DFUD_DBUS_PATH, &error)) {
		g_printerr("service: %s\n", error->message);
		return 1;
	}

	/* owning the name as user dfud is itself part of the test */
	reply = g_dbus_connection_call_sync(
	    bus, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
	    "RequestName", g_variant_new("(su)", DFUD_DBUS_NAME, 4u /* DO_NOT_QUEUE */),
	    G_VARIANT_TYPE("(u)"), G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
	if (reply == NULL) {
		g_dbus_error_strip_remote_error(error);
		g_printerr("service: cannot own %s as uid %u: %s\n", DFUD_DBUS_NAME,
			   (guint)getuid(), error->message);
		return 1;
	}
	g_variant_get(reply, "(u)", &result);
	if (result != 1) {
		g_printerr("service: RequestName answered %u\n", result);
		return 1;
	}
	g_print("READY\n");
	fflush(stdout);
	g_main_loop_run(loop);
	return 0;
}

/* ---- a client ---- */

static GVariant *
client_call(GDBusConnection *bus, const gchar *action, GError **error)
{
	if (g_str_equal(action, "update")) {
		g_autoptr(GUnixFDList) fds = g_unix_fd_list_new();
		int pipefd[2];
		gint idx;

		if (!g_unix_open_pipe(pipefd, FD_CLOEXEC, error))
			return NULL;
		if (write(pipefd[1], FIRMWARE, strlen(FIRMWARE)) != (ssize_t)strlen(FIRMWARE))
			g_error("write: %s", g_strerror(errno));
		close(pipefd[1]);
		idx = g_unix_fd_list_append(fds, pipefd[0], error);
		close(pipefd[0]);
		if (idx < 0)
			return NULL;
		return g_dbus_connection_call_with_unix_fd_list_sync(
		    bus, DFUD_DBUS_NAME, DEVICE_PATH, "org.dfud.Dfu1.Device", "Update",
		    g_variant_new("(h@a{sv})", idx, g_variant_new("a{sv}", NULL)),
		    G_VARIANT_TYPE("(o)"), G_DBUS_CALL_FLAGS_NONE, 5000, fds, NULL, NULL, error);
	}
	if (g_str_equal(action, "update-no-interface")) {
		/* the interface field is optional: a policy must not be fooled by its absence */
		g_autoptr(GDBusMessage) msg = g_dbus_message_new_method_call(
		    DFUD_DBUS_NAME, DEVICE_PATH, NULL, "GetImageState");
		g_autoptr(GDBusMessage) reply = g_dbus_connection_send_message_with_reply_sync(
		    bus, msg, G_DBUS_SEND_MESSAGE_FLAGS_NONE, 5000, NULL, NULL, error);

		if (reply == NULL || g_dbus_message_to_gerror(reply, error))
			return NULL;
		return g_variant_new("()");
	}
	if (g_str_equal(action, "get-image-state"))
		return g_dbus_connection_call_sync(bus, DFUD_DBUS_NAME, DEVICE_PATH,
						   "org.dfud.Dfu1.Device", "GetImageState", NULL,
						   NULL, G_DBUS_CALL_FLAGS_NONE, 5000, NULL, error);
	if (g_str_equal(action, "add-device"))
		return g_dbus_connection_call_sync(
		    bus, DFUD_DBUS_NAME, DFUD_DBUS_PATH, "org.dfud.Dfu1.Manager", "AddDevice",
		    g_variant_new("(s@a{sv})", "udp:127.0.0.1:1337", g_variant_new("a{sv}", NULL)),
		    G_VARIANT_TYPE("(o)"), G_DBUS_CALL_FLAGS_NONE, 5000, NULL, error);
	if (g_str_equal(action, "cancel"))
		return g_dbus_connection_call_sync(bus, DFUD_DBUS_NAME, JOB_PATH,
						   "org.dfud.Dfu1.Job", "Cancel", NULL, NULL,
						   G_DBUS_CALL_FLAGS_NONE, 5000, NULL, error);
	if (g_str_equal(action, "get"))
		return g_dbus_connection_call_sync(
		    bus, DFUD_DBUS_NAME, DFUD_DBUS_PATH, "org.freedesktop.DBus.Properties", "Get",
		    g_variant_new("(ss)", "org.dfud.Dfu1.Manager", "Version"),
		    G_VARIANT_TYPE("(v)"), G_DBUS_CALL_FLAGS_NONE, 5000, NULL, error);
	if (g_str_equal(action, "get-all"))
		return g_dbus_connection_call_sync(
		    bus, DFUD_DBUS_NAME, DEVICE_PATH, "org.freedesktop.DBus.Properties", "GetAll",
		    g_variant_new("(s)", "org.dfud.Dfu1.Device"), G_VARIANT_TYPE("(a{sv})"),
		    G_DBUS_CALL_FLAGS_NONE, 5000, NULL, error);
	if (g_str_equal(action, "set"))
		return g_dbus_connection_call_sync(
		    bus, DFUD_DBUS_NAME, DFUD_DBUS_PATH, "org.freedesktop.DBus.Properties", "Set",
		    g_variant_new("(ssv)", "org.dfud.Dfu1.Manager", "Version",
				  g_variant_new_string("9")),
		    NULL, G_DBUS_CALL_FLAGS_NONE, 5000, NULL, error);
	if (g_str_equal(action, "introspect"))
		return g_dbus_connection_call_sync(bus, DFUD_DBUS_NAME, DEVICE_PATH,
						   "org.freedesktop.DBus.Introspectable",
						   "Introspect", NULL, G_VARIANT_TYPE("(s)"),
						   G_DBUS_CALL_FLAGS_NONE, 5000, NULL, error);
	if (g_str_equal(action, "managed-objects"))
		return g_dbus_connection_call_sync(
		    bus, DFUD_DBUS_NAME, DFUD_DBUS_PATH, "org.freedesktop.DBus.ObjectManager",
		    "GetManagedObjects", NULL, G_VARIANT_TYPE("(a{oa{sa{sv}}})"),
		    G_DBUS_CALL_FLAGS_NONE, 5000, NULL, error);
	if (g_str_equal(action, "ping"))
		return g_dbus_connection_call_sync(bus, DFUD_DBUS_NAME, DFUD_DBUS_PATH,
						   "org.freedesktop.DBus.Peer", "Ping", NULL, NULL,
						   G_DBUS_CALL_FLAGS_NONE, 5000, NULL, error);
	if (g_str_equal(action, "own"))
		return g_dbus_connection_call_sync(
		    bus, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
		    "RequestName", g_variant_new("(su)", DFUD_DBUS_NAME, 4u), G_VARIANT_TYPE("(u)"),
		    G_DBUS_CALL_FLAGS_NONE, 5000, NULL, error);
	g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "unknown action %s", action);
	return NULL;
}

static int
run_client(const gchar *address, const gchar *action)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GDBusConnection) bus = NULL;
	g_autoptr(GVariant) reply = NULL;
	g_autofree gchar *remote = NULL;

	bus = g_dbus_connection_new_for_address_sync(
	    address,
	    G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
		G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
	    NULL, NULL, &error);
	if (bus == NULL) {
		g_printerr("client: %s\n", error->message);
		return 1;
	}
	reply = client_call(bus, action, &error);
	if (reply != NULL) {
		/* the "own" reply is a RequestName result, the rest must be the stand-in's */
		if (g_variant_is_of_type(reply, G_VARIANT_TYPE("(o)"))) {
			const gchar *path = NULL;

			g_variant_get(reply, "(&o)", &path);
			if (!g_str_equal(path, JOB_PATH) && !g_str_equal(path, DEVICE_PATH)) {
				g_print("unexpected reply %s\n", path);
				return 0;
			}
		}
		g_print("ok\n");
		return 0;
	}
	remote = g_dbus_error_get_remote_error(error);
	if (remote == NULL) {
		g_printerr("client: %s\n", error->message);
		return 1;
	}
	g_print("%s\n", remote);
	return 0;
}

/* ---- the test ---- */

typedef struct {
	uid_t uid;
	gid_t gid;
	gid_t groups[1];
	int n_groups;
} Identity;

static gchar *tmp_dir;
static gchar *self_copy;
static gchar *bus_address;
static GSubprocess *bus_daemon;
static GSubprocess *service;
static Identity id_root;
static Identity id_dfud;
static Identity id_nobody;
static Identity id_member;

/* after fork, before exec: only async-signal-safe calls */
static void
drop_to(gpointer user_data)
{
	const Identity *id = user_data;

	/* a test that aborts must not leave its bus and service behind */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0)
		_exit(127);
	if (setgroups((size_t)id->n_groups, id->groups) != 0 ||
	    setresgid(id->gid, id->gid, id->gid) != 0 || setresuid(id->uid, id->uid, id->uid) != 0)
		_exit(127);
}

static GSubprocess *
spawn_as(const Identity *id, GSubprocessFlags flags, const gchar *const *argv)
{
	g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new(flags);
	g_autoptr(GError) error = NULL;
	GSubprocess *proc;

	g_subprocess_launcher_set_child_setup(launcher, drop_to, (gpointer)id, NULL);
	/* nobody has no home; keep it out of ours */
	g_subprocess_launcher_setenv(launcher, "HOME", tmp_dir, TRUE);
	g_subprocess_launcher_set_cwd(launcher, tmp_dir);
	proc = g_subprocess_launcher_spawnv(launcher, argv, &error);
	g_assert_no_error(error);
	return proc;
}

static gchar *
client(const Identity *id, const gchar *action)
{
	const gchar *argv[] = {self_copy, "--client", bus_address, action, NULL};
	g_autoptr(GSubprocess) proc =
	    spawn_as(id, G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_MERGE, argv);
	g_autoptr(GError) error = NULL;
	g_autofree gchar *out = NULL;

	g_subprocess_communicate_utf8(proc, NULL, NULL, &out, NULL, &error);
	g_assert_no_error(error);
	g_strstrip(out);
	if (!g_subprocess_get_if_exited(proc) || g_subprocess_get_exit_status(proc) != 0)
		g_error("client %s as uid %u failed: %s", action, (guint)id->uid, out);
	return g_steal_pointer(&out);
}

static void
expect(const Identity *id, const gchar *action, const gchar *result)
{
	g_autofree gchar *got = client(id, action);

	g_test_message("uid %u gid %u%s: %s -> %s", (guint)id->uid, (guint)id->gid,
		       id->n_groups > 0 ? " +dfu" : "", action, got);
	g_assert_cmpstr(got, ==, result);
}

/* reached the service, whatever it said: the bus let it through */
static void
expect_not_denied(const Identity *id, const gchar *action)
{
	g_autofree gchar *got = client(id, action);

	g_test_message("uid %u: %s -> %s", (guint)id->uid, action, got);
	g_assert_cmpstr(got, !=, ACCESS_DENIED);
}

static const gchar *const read_actions[] = {"get", "get-all", "introspect", "managed-objects",
					    "ping"};
static const gchar *const call_actions[] = {"update", "get-image-state", "add-device", "cancel"};

static void
test_root(void)
{
	for (guint i = 0; i < G_N_ELEMENTS(read_actions); i++)
		expect(&id_root, read_actions[i], "ok");
	for (guint i = 0; i < G_N_ELEMENTS(call_actions); i++)
		expect(&id_root, call_actions[i], "ok");
	expect_not_denied(&id_root, "set");
	expect_not_denied(&id_root, "update-no-interface");
}

static void
test_nobody(void)
{
	for (guint i = 0; i < G_N_ELEMENTS(read_actions); i++)
		expect(&id_nobody, read_actions[i], "ok");
	for (guint i = 0; i < G_N_ELEMENTS(call_actions); i++)
		expect(&id_nobody, call_actions[i], ACCESS_DENIED);
	expect(&id_nobody, "set", ACCESS_DENIED);
	expect(&id_nobody, "update-no-interface", ACCESS_DENIED);
	expect(&id_nobody, "own", ACCESS_DENIED);
}

static void
test_member(void)
{
	for (guint i = 0; i < G_N_ELEMENTS(read_actions); i++)
		expect(&id_member, read_actions[i], "ok");
	for (guint i = 0; i < G_N_ELEMENTS(call_actions); i++)
		expect(&id_member, call_actions[i], "ok");
	/* calling is not owning */
	expect(&id_member, "own", ACCESS_DENIED);
}

static void
test_daemon_user(void)
{
	/* the service owns the name as dfud (that is how it started); dfud is no caller */
	expect(&id_dfud, "update", ACCESS_DENIED);
	expect(&id_dfud, "get", "ok");
}

/* user dfud and group dfu as the package creates them, if this machine lacks them */
static void
ensure_accounts(void)
{
	const gchar *argv[] = {"systemd-sysusers", DFUD_SYSUSERS_FILE, NULL};
	g_autoptr(GError) error = NULL;
	g_autoptr(GSubprocess) proc = NULL;

	if (getpwnam("dfud") != NULL && getgrnam("dfu") != NULL)
		return;
	g_test_message("creating user dfud and group dfu with %s", DFUD_SYSUSERS_FILE);
	proc = g_subprocess_newv(argv, G_SUBPROCESS_FLAGS_NONE, &error);
	if (proc == NULL)
		g_error("cannot run systemd-sysusers to create user dfud and group dfu: %s",
			error->message);
	g_assert_true(g_subprocess_wait_check(proc, NULL, &error));
	g_assert_no_error(error);
}

static void
lookup_identities(void)
{
	struct passwd *pw;
	struct group *gr;

	id_root = (Identity){.uid = 0, .gid = 0};
	pw = getpwnam("nobody");
	if (pw == NULL)
		g_error("no user nobody");
	id_nobody = (Identity){.uid = pw->pw_uid, .gid = pw->pw_gid};
	gr = getgrnam("dfu");
	g_assert_nonnull(gr);
	id_member = id_nobody;
	id_member.groups[0] = gr->gr_gid;
	id_member.n_groups = 1;
	pw = getpwnam("dfud");
	g_assert_nonnull(pw);
	id_dfud = (Identity){.uid = pw->pw_uid, .gid = pw->pw_gid};
}

/* system.conf's default policy, so that ours is tested in the setting it is made for */
static const gchar bus_conf_template[] =
    "<!DOCTYPE busconfig PUBLIC \"-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN\"\n"
    " \"http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd\">\n"
    "<busconfig>\n"
    "  <type>system</type>\n"
    "  <listen>unix:path=%s/bus</listen>\n"
    "  <auth>EXTERNAL</auth>\n"
    "  <policy context=\"default\">\n"
    "    <allow user=\"*\"/>\n"
    "    <deny own=\"*\"/>\n"
    "    <deny send_type=\"method_call\"/>\n"
    "    <allow send_type=\"signal\"/>\n"
    "    <allow send_requested_reply=\"true\" send_type=\"method_return\"/>\n"
    "    <allow send_requested_reply=\"true\" send_type=\"error\"/>\n"
    "    <allow receive_type=\"method_call\"/>\n"
    "    <allow receive_type=\"method_return\"/>\n"
    "    <allow receive_type=\"error\"/>\n"
    "    <allow receive_type=\"signal\"/>\n"
    "    <allow send_destination=\"org.freedesktop.DBus\"\n"
    "           send_interface=\"org.freedesktop.DBus\"/>\n"
    "    <allow send_destination=\"org.freedesktop.DBus\"\n"
    "           send_interface=\"org.freedesktop.DBus.Introspectable\"/>\n"
    "    <deny send_destination=\"org.freedesktop.DBus\"\n"
    "          send_interface=\"org.freedesktop.DBus\"\n"
    "          send_member=\"UpdateActivationEnvironment\"/>\n"
    "  </policy>\n"
    "  <include>%s</include>\n"
    "</busconfig>\n";

static void
start_bus(void)
{
	g_autofree gchar *conf = g_build_filename(tmp_dir, "bus.conf", NULL);
	g_autofree gchar *conf_arg = g_strconcat("--config-file=", conf, NULL);
	g_autofree gchar *text = g_strdup_printf(bus_conf_template, tmp_dir, DFUD_BUS_POLICY);
	const gchar *argv[] = {"dbus-daemon", conf_arg, "--nofork", "--print-address=1", NULL};
	g_autoptr(GError) error = NULL;
	g_autoptr(GDataInputStream) out = NULL;
	gsize len = 0;

	g_assert_true(g_file_set_contents(conf, text, -1, &error));
	g_assert_no_error(error);
	bus_daemon = spawn_as(&id_root, G_SUBPROCESS_FLAGS_STDOUT_PIPE, argv);
	out = g_data_input_stream_new(g_subprocess_get_stdout_pipe(bus_daemon));
	bus_address = g_data_input_stream_read_line(out, &len, NULL, &error);
	g_assert_no_error(error);
	if (bus_address == NULL)
		g_error("dbus-daemon did not start with %s (does it accept %s?)", conf,
			DFUD_BUS_POLICY);
	g_test_message("private system bus at %s", bus_address);
}

static void
start_service(void)
{
	const gchar *argv[] = {self_copy, "--service", bus_address, NULL};
	g_autoptr(GError) error = NULL;
	g_autoptr(GDataInputStream) out = NULL;
	g_autofree gchar *line = NULL;

	service = spawn_as(&id_dfud, G_SUBPROCESS_FLAGS_STDOUT_PIPE, argv);
	out = g_data_input_stream_new(g_subprocess_get_stdout_pipe(service));
	line = g_data_input_stream_read_line(out, NULL, NULL, &error);
	g_assert_no_error(error);
	if (g_strcmp0(line, "READY") != 0)
		g_error("the stand-in service did not come up as user dfud");
}

/* the clients run as other users: they need a binary they can reach */
static void
copy_self(const gchar *argv0)
{
	g_autofree gchar *exe = g_file_read_link("/proc/self/exe", NULL);
	g_autoptr(GFile) src = g_file_new_for_path(exe != NULL ? exe : argv0);
	g_autoptr(GFile) dst = NULL;
	g_autoptr(GError) error = NULL;

	self_copy = g_build_filename(tmp_dir, "test-bus-policy", NULL);
	dst = g_file_new_for_path(self_copy);
	g_assert_true(g_file_copy(src, dst, G_FILE_COPY_OVERWRITE, NULL, NULL, NULL, &error));
	g_assert_no_error(error);
	g_assert_cmpint(g_chmod(self_copy, 0755), ==, 0);
}

static void
stop(GSubprocess **proc)
{
	if (*proc == NULL)
		return;
	g_subprocess_send_signal(*proc, SIGTERM);
	g_subprocess_wait(*proc, NULL, NULL);
	g_clear_object(proc);
}

static void
remove_tree(const gchar *path)
{
	g_autoptr(GDir) dir = g_dir_open(path, 0, NULL);
	const gchar *name;

	while (dir != NULL && (name = g_dir_read_name(dir)) != NULL) {
		g_autofree gchar *child = g_build_filename(path, name, NULL);

		g_unlink(child);
	}
	g_rmdir(path);
}

int
main(int argc, char **argv)
{
	g_autoptr(GError) error = NULL;
	int rc;

	if (argc == 3 && g_str_equal(argv[1], "--service"))
		return run_service(argv[2]);
	if (argc == 4 && g_str_equal(argv[1], "--client"))
		return run_client(argv[2], argv[3]);

	g_test_init(&argc, &argv, NULL);
	if (geteuid() != 0) {
		g_printerr("test-bus-policy needs root: it runs clients as other users (nobody, "
			   "nobody in group dfu) and the service as user dfud, and creates dfud "
			   "and dfu with systemd-sysusers if they are missing. Run the 'service' "
			   "suite as root (CI does).\n");
		return 1;
	}
	tmp_dir = g_dir_make_tmp("dfud-test-bus-policy-XXXXXX", &error);
	g_assert_no_error(error);
	/* the other users must reach the bus socket and the binary */
	g_assert_cmpint(g_chmod(tmp_dir, 0755), ==, 0);
	ensure_accounts();
	lookup_identities();
	copy_self(argv[0]);
	start_bus();
	start_service();

	g_test_add_func("/service/bus-policy/root", test_root);
	g_test_add_func("/service/bus-policy/nobody", test_nobody);
	g_test_add_func("/service/bus-policy/dfu-member", test_member);
	g_test_add_func("/service/bus-policy/daemon-user", test_daemon_user);
	rc = g_test_run();

	stop(&service);
	stop(&bus_daemon);
	remove_tree(tmp_dir);
	g_free(tmp_dir);
	g_free(self_copy);
	g_free(bus_address);
	return rc;
}
