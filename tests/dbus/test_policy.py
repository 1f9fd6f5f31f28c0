#!/usr/bin/python3
# Copyright 2026 The dfud authors
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The bus policy with the real daemon: on a system-type bus that includes
dbus/org.dfud.Dfu1.conf, a caller that is neither root nor in group dfu gets AccessDenied for
Update (and may still read properties); a member of dfu may update. Needs root (to run callers
as nobody and to create group dfu); CI runs as root.

dbus-daemon resolves the group names of its policy when it reads it: group dfu must exist
before the test bus starts, or the rule for dfu matches nobody and its members get
AccessDenied. setUp creates it (with the shipped sysusers.d file, as an installation does)
before the bus."""

import grp
import os
import pwd
import subprocess
import sys

SYSUSERS_FILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "systemd",
                             "dfud.sysusers")

import dfudtest
from dfudtest import DEVICE, JOB, MANAGER, ROOT, data

OLD = "hashonly_1k_v1.2.3+4.bin"
NEW = "hashonly_60k_v2.0.0.bin"

SYSTEM_CONFIG = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:dir={dir}</listen>
  <auth>EXTERNAL</auth>
  <!-- the defaults of Debian's /usr/share/dbus-1/system.conf -->
  <policy context="default">
    <allow user="*"/>
    <deny own="*"/>
    <deny send_type="method_call"/>
    <allow send_type="signal"/>
    <allow send_requested_reply="true" send_type="method_return"/>
    <allow send_requested_reply="true" send_type="error"/>
    <allow receive_type="method_call"/>
    <allow receive_type="method_return"/>
    <allow receive_type="error"/>
    <allow receive_type="signal"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus"/>
    <allow send_destination="org.freedesktop.DBus"
           send_interface="org.freedesktop.DBus.Introspectable"/>
    <allow send_destination="org.freedesktop.DBus"
           send_interface="org.freedesktop.DBus.Properties"/>
  </policy>
  <include>{policy}</include>
</busconfig>
"""

# run as another user: calls Update with the descriptor it inherited, prints the outcome
CALLER = r"""
import sys
from gi.repository import Gio, GLib
address, device, fd = sys.argv[1], sys.argv[2], int(sys.argv[3])
conn = Gio.DBusConnection.new_for_address_sync(
    address, Gio.DBusConnectionFlags.AUTHENTICATION_CLIENT |
    Gio.DBusConnectionFlags.MESSAGE_BUS_CONNECTION, None, None)
version = conn.call_sync("org.dfud.Dfu1", "/org/dfud/Dfu1", "org.freedesktop.DBus.Properties",
                         "Get", GLib.Variant("(ss)", ("org.dfud.Dfu1.Manager", "Version")),
                         GLib.VariantType("(v)"), 0, 5000, None).unpack()[0]
print("version", version)
try:
    reply, _ = conn.call_with_unix_fd_list_sync(
        "org.dfud.Dfu1", device, "org.dfud.Dfu1.Device", "Update",
        GLib.Variant("(ha{sv})", (0, {})), GLib.VariantType("(o)"), 0, 10000,
        Gio.UnixFDList.new_from_array([fd]), None)
    print("job", reply.unpack()[0])
except GLib.Error as e:
    print("error", Gio.DBusError.get_remote_error(e))
"""


def ensure_accounts():
    """user dfud and group dfu as an installation makes them (systemd-sysusers with our file:
    idempotent, and it takes the same lock as the other tests that create them); before any
    bus reads the policy"""
    try:
        grp.getgrnam("dfu")
        return
    except KeyError:
        pass
    out = subprocess.run(["systemd-sysusers", SYSUSERS_FILE], capture_output=True, text=True,
                         timeout=60)
    if out.returncode != 0:
        raise AssertionError(f"systemd-sysusers {SYSUSERS_FILE} failed: {out.stderr}")
    grp.getgrnam("dfu")  # KeyError: it did not create the group


class PolicyBus(dfudtest.Bus):
    CONFIG = SYSTEM_CONFIG.replace("{policy}", os.environ.get("DFUD_BUS_POLICY", "/missing"))


class PolicyTest(dfudtest.DfudTestCase):
    def setUp(self):
        if os.geteuid() != 0:
            self.fail("this test needs root: it runs callers as user nobody and creates "
                      "group dfu; run it as root (CI does)")
        ensure_accounts()
        dfudtest.Bus = PolicyBus
        super().setUp()
        # the callers must reach the bus socket
        os.chmod(self.tmpdir, 0o755)
        os.chmod(self.bus.dir, 0o755)

    def caller(self, device, groups):
        nobody = pwd.getpwnam("nobody")
        fd = os.open(data(NEW), os.O_RDONLY)
        try:
            argv = ["setpriv", f"--reuid={nobody.pw_uid}", f"--regid={nobody.pw_gid}"]
            argv += [f"--groups={','.join(str(g) for g in groups)}"] if groups else \
                ["--clear-groups"]
            argv += [sys.executable, "-c", CALLER, self.bus.address, device, str(fd)]
            out = subprocess.run(argv, pass_fds=[fd], capture_output=True, text=True,
                                 timeout=30, cwd="/")
        finally:
            os.close(fd)
        self.assertEqual(out.returncode, 0, out.stderr)
        lines = dict(line.split(" ", 1) for line in out.stdout.splitlines())
        # reading properties is for everyone
        self.assertEqual(lines.get("version"), os.environ["DFUD_VERSION"], out.stdout)
        return lines

    def test_update_needs_group(self):
        dfu = grp.getgrnam("dfu").gr_gid
        sim = self.start_sim("--slot0", data(OLD), "--time-scale=0")
        self.start_daemon()
        device = self.add_device(sim.uri)

        # neither root nor in dfu: refused by the bus, nothing reaches dfud
        lines = self.caller(device, [])
        self.assertEqual(lines.get("error"), "org.freedesktop.DBus.Error.AccessDenied", lines)
        self.assertEqual(self.list_jobs(), [])
        self.assertEqual(self.prop(device, DEVICE, "CurrentJob"), "/")

        # a member of dfu may update
        lines = self.caller(device, [dfu])
        self.assertIn("job", lines, lines)
        props = self.wait_job_final(lines["job"])
        self.assert_job_verified(lines["job"], props)
        self.assertEqual(self.prop(ROOT, MANAGER, "ActiveJobs"), [])
        self.assertEqual(self.props(lines["job"], JOB)["Result"], "verified")


if __name__ == "__main__":
    dfudtest.main()
