#!/usr/bin/python3
# Copyright 2026 The dfud authors
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Device objects follow BlueZ: with a fake bluetoothd (tests/daemon/fake-bluez.py) on the test
bus and dfud --bluez-bus=session, a BlueZ device that offers the SMP service gets a Device
object (and one that does not, none), its Connected and alias follow BlueZ, it cannot be
removed through dfud, and it goes when BlueZ drops it."""

import os
import subprocess

import dfudtest
from dfudtest import DEVICE, ERROR, MANAGER, ROOT
from gi.repository import Gio, GLib

SMP = "8d53dc1d-1db7-4cd3-868b-8a527460aa84"
ADAPTER = "/org/bluez/hci0"
SMP_DEV = ADAPTER + "/dev_AA_BB_CC_DD_EE_01"
OTHER_DEV = ADAPTER + "/dev_AA_BB_CC_DD_EE_02"
OBJECT = ROOT + "/Device/hci0_dev_AA_BB_CC_DD_EE_01"


class FakeBluez:
    def __init__(self, address, log_path):
        self.log = open(log_path, "w")
        self.process = subprocess.Popen(
            dfudtest._die_with_parent(["/usr/bin/python3", os.environ["DFUD_FAKE_BLUEZ"],
                                       address]),
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.log, text=True)

    def cmd(self, line):
        self.process.stdin.write(line + "\n")
        self.process.stdin.flush()
        answer = self.process.stdout.readline().strip()
        if answer != "ok" and not answer.startswith("ok "):
            raise AssertionError(f"fake-bluez: {line!r} -> {answer!r}")
        return answer[3:]

    def calls(self):
        """the discovery calls since the last look, without the callers' names"""
        return [" ".join(c.split(" ")[:2] + c.split(" ")[3:]) for c in
                self.cmd("calls").split(";") if c]

    def device(self, path, address, alias, uuids):
        uuid_list = ", ".join(f"'{u}'" for u in uuids)
        self.cmd(f"add {path} org.bluez.Device1 {{'Address': <'{address}'>, "
                 f"'Adapter': <objectpath '{ADAPTER}'>, 'Alias': <'{alias}'>, "
                 f"'UUIDs': <@as [{uuid_list}]>, 'Connected': <false>}}")

    def stop(self):
        try:
            self.process.stdin.close()
        except OSError:
            pass
        dfudtest.end_process(self.process, terminate=False)  # EOF on stdin ends it
        self.process.stdout.close()
        self.log.close()


class BluezTest(dfudtest.DfudTestCase):
    def device_objects(self):
        return sorted(p for p, ifaces in self.managed_objects().items() if DEVICE in ifaces)

    def test_devices_follow_bluez(self):
        fake = FakeBluez(self.bus.address, os.path.join(self.tmpdir, "fake-bluez.log"))
        self.addCleanup(fake.stop)
        fake.cmd(f"add {ADAPTER} org.bluez.Adapter1 {{'Address': <'00:11:22:33:44:55'>, "
                 "'Powered': <true>}")
        fake.device(SMP_DEV, "AA:BB:CC:DD:EE:01", "smp-device", [SMP])
        fake.device(OTHER_DEV, "AA:BB:CC:DD:EE:02", "a-speaker",
                    ["0000180f-0000-1000-8000-00805f9b34fb"])
        fake.cmd("own")
        self.start_daemon(bluez_bus="session")

        self.wait_for(lambda: self.device_objects() == [OBJECT], 20,
                      "the SMP device's object", lambda: str(self.device_objects()))
        props = self.props(OBJECT, DEVICE)
        self.assertEqual(props["Transport"], "ble")
        self.assertEqual(props["Address"], "AA:BB:CC:DD:EE:01")
        self.assertEqual(props["Uri"], "ble:AA:BB:CC:DD:EE:01?adapter=hci0")
        self.assertEqual(props["BluezDevice"], SMP_DEV)
        self.assertEqual(props["Name"], "smp-device")
        self.assertFalse(props["Added"])
        self.assertFalse(props["Connected"])
        self.assertEqual(self.prop(ROOT, MANAGER, "Adapters"), [ADAPTER])
        self.assertIn("ble", self.prop(ROOT, MANAGER, "Features"))

        # BlueZ's view is followed
        fake.cmd(f"set {SMP_DEV} org.bluez.Device1 Connected true")
        self.wait_for(lambda: self.prop(OBJECT, DEVICE, "Connected"), 10, "Connected")
        fake.cmd(f"set {SMP_DEV} org.bluez.Device1 Alias 'renamed'")
        self.wait_for(lambda: self.prop(OBJECT, DEVICE, "Name") == "renamed", 10, "the alias")

        # a BlueZ device goes with BlueZ, not through dfud
        self.assert_call_error(ERROR + "NotSupported", ROOT, MANAGER, "RemoveDevice",
                               GLib.Variant("(o)", (OBJECT,)))
        # the other device gains the service once resolved: it appears too
        fake.cmd(f"set {OTHER_DEV} org.bluez.Device1 UUIDs ['{SMP}']")
        other = ROOT + "/Device/hci0_dev_AA_BB_CC_DD_EE_02"
        self.wait_for(lambda: self.device_objects() == [OBJECT, other], 10,
                      "the second device", lambda: str(self.device_objects()))

        fake.cmd(f"remove {SMP_DEV}")
        self.wait_for(lambda: self.device_objects() == [other], 10,
                      "the removed device's object to go", lambda: str(self.device_objects()))
        # bluetoothd stopping takes the rest, and the adapter
        fake.cmd("quit")
        self.wait_for(lambda: self.device_objects() == [], 10,
                      "every BlueZ device to go", lambda: str(self.device_objects()))
        self.wait_for(lambda: self.prop(ROOT, MANAGER, "Adapters") == [], 10,
                      "the adapter to go")

    def scan(self, options, timeout_ms=30000):
        return self.call(ROOT, MANAGER, "Scan", GLib.Variant("(a{sv})", (options,)),
                         "(aa{sv})", timeout_ms=timeout_ms)[0]

    def test_scan(self):
        """Manager.Scan: one shared, SMP-filtered discovery per adapter, stopped when done;
        the SMP devices BlueZ knows, with RSSI when heard, their objects, and the filters"""
        fake = FakeBluez(self.bus.address, os.path.join(self.tmpdir, "fake-bluez.log"))
        self.addCleanup(fake.stop)
        fake.cmd(f"add {ADAPTER} org.bluez.Adapter1 {{'Address': <'00:11:22:33:44:55'>, "
                 "'Powered': <true>, 'Discovering': <false>}")
        fake.device(SMP_DEV, "AA:BB:CC:DD:EE:01", "smp-device", [SMP])
        fake.device(OTHER_DEV, "AA:BB:CC:DD:EE:02", "a-speaker",
                    ["0000180f-0000-1000-8000-00805f9b34fb"])
        fake.cmd("own")
        self.start_daemon(bluez_bus="session")
        self.wait_for(lambda: self.device_objects() == [OBJECT], 20, "the SMP device's object")

        # a device advertises while the scan runs: it appears, heard
        heard = ADAPTER + "/dev_AA_BB_CC_DD_EE_03"
        heard_object = ROOT + "/Device/hci0_dev_AA_BB_CC_DD_EE_03"
        results = []

        def done(conn, res):
            results.append(conn.call_finish(res).unpack()[0])

        def scan_async(seconds):
            self.conn.call(dfudtest.NAME, ROOT, MANAGER, "Scan",
                           GLib.Variant("(a{sv})", ({"duration": GLib.Variant("u", seconds)},)),
                           GLib.VariantType("(aa{sv})"), Gio.DBusCallFlags.NONE, 30000, None,
                           done)

        scan_async(2)
        self.spin(0.5)
        fake.cmd(f"add {heard} org.bluez.Device1 {{'Address': <'AA:BB:CC:DD:EE:03'>, "
                 f"'Adapter': <objectpath '{ADAPTER}'>, 'Alias': <'smp-new'>, "
                 f"'UUIDs': <@as ['{SMP}']>, 'RSSI': <@n -48>, 'Connected': <false>}}")
        self.wait_for(lambda: results, 20, "the scan")
        found = results.pop()
        self.assertEqual([(d["address"], d["name"], d.get("rssi"), d["adapter"], d["device"],
                           d["added"]) for d in found],
                         [("AA:BB:CC:DD:EE:01", "smp-device", None, "hci0", OBJECT, False),
                          ("AA:BB:CC:DD:EE:03", "smp-new", -48, "hci0", heard_object, False)])
        self.assertEqual(fake.calls(), [f"hci0 SetDiscoveryFilter {SMP}",
                                        "hci0 StartDiscovery ok", "hci0 StopDiscovery ok"])

        # two at once share one session: one start, one stop after the longer one
        for seconds in (1, 3):
            scan_async(seconds)
        self.wait_for(lambda: len(results) == 2, 20, "both scans")
        self.assertEqual(fake.calls(), [f"hci0 SetDiscoveryFilter {SMP}",
                                        "hci0 StartDiscovery ok", "hci0 StopDiscovery ok"])

        # the filters: name glob, RSSI floor (a device not heard has none), adapter
        found = self.scan({"duration": GLib.Variant("u", 1), "name": GLib.Variant("s", "smp-*"),
                           "rssi": GLib.Variant("n", -60)})
        self.assertEqual([d["address"] for d in found], ["AA:BB:CC:DD:EE:03"])
        found = self.scan({"duration": GLib.Variant("u", 1), "name": GLib.Variant("s", "*dev*")})
        self.assertEqual([d["address"] for d in found], ["AA:BB:CC:DD:EE:01"])
        fake.calls()
        self.assert_call_error(ERROR + "NotFound", ROOT, MANAGER, "Scan",
                               GLib.Variant("(a{sv})", ({"adapter": GLib.Variant("s", "hci7")},)))
        for bad in ({"duration": GLib.Variant("u", 61)}, {"duration": GLib.Variant("u", 0)},
                    {"rssi": GLib.Variant("n", -300)}, {"adapter": GLib.Variant("s", "eth0")},
                    {"duration": GLib.Variant("s", "10")}, {"what": GLib.Variant("b", True)}):
            self.assert_call_error(ERROR + "InvalidArgument", ROOT, MANAGER, "Scan",
                                   GLib.Variant("(a{sv})", (bad,)))
        self.assertEqual(fake.calls(), [], "a refused scan must not discover")

        # BlueZ forgets the found device: its object goes (it was not added)
        fake.cmd(f"remove {heard}")
        self.wait_for(lambda: self.device_objects() == [OBJECT], 10, "the found device to go",
                      lambda: str(self.device_objects()))


if __name__ == "__main__":
    dfudtest.main()
