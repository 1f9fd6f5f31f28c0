#!/usr/bin/python3
# Copyright 2026 The dfud authors
# SPDX-License-Identifier: LGPL-2.1-or-later
"""dfuctl update when the job leaves the bus before dfuctl saw it end: with JobLinger=0 dfud
unexports a finished job at once, and a job that ends within moments of its start may be gone
before dfuctl's proxy has loaded it, or leave while dfuctl waits. dfuctl must not wait forever:
it reads the outcome from Manager.GetHistory, or says the history has none.

dfud cannot be made to lose that race on demand, so a stand-in for it serves the D-Bus contract
(the interface descriptions of dbus/*.xml) on a private bus: one device, an Update that answers
with a job path, and a history. Each case fails on a dfuctl that waits for a status that never
comes (the subprocess times out)."""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "dbus"))

import dfudtest  # noqa: E402
from gi.repository import Gio, GLib  # noqa: E402

ROOT = "/org/dfud/Dfu1"
DEVICE_PATH = ROOT + "/Device/udp_192_0_2_1_1337"
JOB_ID = 7
JOB_PATH = f"{ROOT}/Job/{JOB_ID}"
DBUS_DIR = os.path.join(HERE, "..", "..", "dbus")
IMAGE = "ecdsa-p256_60k_v1.2.3+4.bin"
OBJMGR_XML = """<node><interface name="org.freedesktop.DBus.ObjectManager">
  <method name="GetManagedObjects"><arg type="a{oa{sa{sv}}}" direction="out"/></method>
  <signal name="InterfacesAdded"><arg type="o"/><arg type="a{sa{sv}}"/></signal>
  <signal name="InterfacesRemoved"><arg type="o"/><arg type="as"/></signal>
</interface></node>"""
# a dfuctl that waits forever is cut here
DFUCTL_TIMEOUT_S = 30


def interface(name):
    with open(os.path.join(DBUS_DIR, f"{name}.xml")) as f:
        node = Gio.DBusNodeInfo.new_for_xml(f.read())
    return node.lookup_interface(name)


class FakeDfud:
    """org.dfud.Dfu1 as far as `dfuctl update` goes: the device, Update, GetHistory, and the
    job object while @job_status is set"""

    def __init__(self, conn, history, job_status=None):
        self.conn = conn
        self.history = history
        self.job_status = job_status
        self.ids = []
        self.job_id = None
        device_props = {
            "Uri": GLib.Variant("s", "udp:192.0.2.1:1337"),
            "Name": GLib.Variant("s", ""),
            "Address": GLib.Variant("s", "192.0.2.1"),
        }
        self.managed = {DEVICE_PATH: {"org.dfud.Dfu1.Device": device_props}}
        objmgr = Gio.DBusNodeInfo.new_for_xml(OBJMGR_XML).interfaces[0]
        self.ids.append(conn.register_object(ROOT, objmgr, self.on_call, None, None))
        self.ids.append(conn.register_object(ROOT, interface("org.dfud.Dfu1.Manager"),
                                             self.on_call, None, None))
        self.ids.append(conn.register_object(DEVICE_PATH, interface("org.dfud.Dfu1.Device"),
                                             self.on_call, self.on_device_property, None))
        reply = conn.call_sync("org.freedesktop.DBus", "/org/freedesktop/DBus",
                               "org.freedesktop.DBus", "RequestName",
                               GLib.Variant("(su)", ("org.dfud.Dfu1", 4)),
                               GLib.VariantType("(u)"), Gio.DBusCallFlags.NONE, 5000, None)
        assert reply.unpack()[0] == 1, "org.dfud.Dfu1 is taken"

    def on_device_property(self, conn, sender, path, iface, name):
        return self.managed[DEVICE_PATH]["org.dfud.Dfu1.Device"].get(name)

    def on_job_property(self, conn, sender, path, iface, name):
        if name == "Status":
            return GLib.Variant("s", self.job_status)
        if name == "Id":
            return GLib.Variant("t", JOB_ID)
        if name == "Device":
            return GLib.Variant("o", DEVICE_PATH)
        return None

    def on_call(self, conn, sender, path, iface, method, params, invocation):
        if method == "GetManagedObjects":
            invocation.return_value(GLib.Variant("(a{oa{sa{sv}}})", (self.managed,)))
        elif method == "GetHistory":
            invocation.return_value(GLib.Variant("(aa{sv})", (self.history,)))
        elif method == "Update":
            if self.job_status is not None:
                self.job_id = conn.register_object(JOB_PATH, interface("org.dfud.Dfu1.Job"),
                                                   self.on_call, self.on_job_property, None)
            invocation.return_value(GLib.Variant("(o)", (JOB_PATH,)))
        else:
            invocation.return_dbus_error("org.dfud.Dfu1.Error.NotSupported", method)

    def remove_job(self):
        """the job leaves the bus without a final status seen (as a JobLinger of 0 does)"""
        self.conn.unregister_object(self.job_id)
        self.job_id = None
        self.conn.emit_signal(None, ROOT, "org.freedesktop.DBus.ObjectManager",
                              "InterfacesRemoved",
                              GLib.Variant("(oas)", (JOB_PATH, ["org.dfud.Dfu1.Job"])))


def entry(result, error_name="", message=""):
    return {"job": GLib.Variant("t", JOB_ID), "device": GLib.Variant("s", "udp:192.0.2.1:1337"),
            "result": GLib.Variant("s", result), "error-name": GLib.Variant("s", error_name),
            "error-message": GLib.Variant("s", message),
            "new-version": GLib.Variant("s", "1.2.3+4")}


class GoneTest(unittest.TestCase):
    def setUp(self):
        self.tmpdir = tempfile.mkdtemp(prefix="dfuctl-gone-")
        self.bus = dfudtest.Bus(self.tmpdir)

    def tearDown(self):
        self.bus.stop()
        shutil.rmtree(self.tmpdir, ignore_errors=True)

    def update(self, fake, remove_after=None, *options):
        """runs dfuctl update while serving @fake; the job removed @remove_after s after
        Update when given"""
        env = dict(os.environ, DBUS_SESSION_BUS_ADDRESS=self.bus.address)
        env.pop("DBUS_SYSTEM_BUS_ADDRESS", None)
        argv = [dfudtest.env_path("DFUCTL"), "--session", "update", *options, DEVICE_PATH,
                dfudtest.data(IMAGE)]
        proc = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                stdin=subprocess.DEVNULL, text=True)
        ctx = GLib.MainContext.default()
        start = time.monotonic()
        removed = False
        while proc.poll() is None:
            while ctx.pending():
                ctx.iteration(False)
            if (remove_after is not None and not removed and fake.job_id is not None and
                    time.monotonic() - start > remove_after):
                fake.remove_job()
                removed = True
            if time.monotonic() - start > DFUCTL_TIMEOUT_S:
                proc.kill()
                out, err = proc.communicate()
                self.fail(f"dfuctl still waits after {DFUCTL_TIMEOUT_S} s:\n{out}\n{err}")
            time.sleep(0.01)
        out, err = proc.communicate()
        sys.stderr.write(f"$ dfuctl update {' '.join(options)} -> {proc.returncode}\n{out}{err}")
        return proc.returncode, out, err

    def test_gone_failed(self):
        fake = FakeDfud(self.bus.connection,
                        [entry("failed", "org.dfud.Dfu1.Error.Reverted",
                               "the device booted its previous image again")])
        rc, out, err = self.update(fake)
        self.assertEqual(rc, 6, err)
        self.assertIn(f"job {JOB_ID} failed: the device booted its previous image again "
                      "(Reverted)", err)
        self.assertIn("from dfud's history", err)

    def test_gone_verified(self):
        fake = FakeDfud(self.bus.connection, [entry("verified")])
        rc, out, err = self.update(fake)
        self.assertEqual(rc, 0, err)
        self.assertIn(f"verified: job {JOB_ID}, 1.2.3+4", out)

    def test_gone_verified_json(self):
        fake = FakeDfud(self.bus.connection, [entry("up-to-date")])
        rc, out, err = self.update(fake, None, "--json")
        self.assertEqual(rc, 2, err)
        record = json.loads(out)
        self.assertEqual(record["job"], JOB_ID, out)
        self.assertEqual(record["result"], "up-to-date", out)

    def test_gone_no_history(self):
        fake = FakeDfud(self.bus.connection, [])
        rc, out, err = self.update(fake)
        self.assertEqual(rc, 1, err)
        self.assertIn("dfud's history does not have it", err)

    def test_removed_while_waiting(self):
        fake = FakeDfud(self.bus.connection,
                        [entry("cancelled", "org.dfud.Dfu1.Error.Cancelled", "cancelled")],
                        job_status="uploading")
        rc, out, err = self.update(fake, 1.0)
        self.assertEqual(rc, 1, err)
        self.assertIn(f"job {JOB_ID} was cancelled", err)
        self.assertIn("from dfud's history", err)


if __name__ == "__main__":
    unittest.main()
