#!/usr/bin/python3
# Copyright 2026 The dfud authors
# SPDX-License-Identifier: LGPL-2.1-or-later
"""dfud over D-Bus updating a device on a serial port: dfud-sim --serial on a pseudo-terminal."""


from gi.repository import GLib

import dfudtest
from dfudtest import DEVICE, ERROR, JOB, MANAGER, ROOT, data

OLD = "hashonly_1k_v1.2.3+4.bin"
NEW = "hashonly_60k_v2.0.0.bin"


class SerialTest(dfudtest.DfudTestCase):
    def serial_device(self, *sim_args):
        sim = self.start_sim("--serial", "--slot0", data(OLD), "--time-scale=0", *sim_args)
        self.start_daemon()
        device = self.add_device(sim.serial_uri)
        return sim, device

    def test_update(self):
        sim, device = self.serial_device()
        self.assertIn("serial", self.prop(ROOT, MANAGER, "Features"))
        self.assertTrue(device.startswith(ROOT + "/Device/serial_"), device)
        props = self.props(device, DEVICE)
        self.assertEqual(props["Transport"], "serial")
        self.assertEqual(props["Address"], sim.serial_link)
        self.assertEqual(props["Uri"], sim.serial_uri + "?baud=115200")
        # the same port with other options is that device
        self.assertEqual(self.add_device(sim.serial_uri + "?baud=115200"), device)
        self.assertEqual(self.call(device, DEVICE, "Echo", GLib.Variant("(s)", ("over serial",)),
                                   "(s)")[0], "over serial")

        job = self.update(device, data(NEW))
        props = self.wait_job_final(job)
        self.assert_job_verified(job, props)
        self.assertEqual(props["BytesDone"], props["BytesTotal"])
        # the reset closed the PTY (a USB device re-enumerating) and the job found the new one
        states = [e.get("state") for e in sim.events() if e.get("event") == "serial"]
        self.assertIn("away (reset)", states)
        images = self.call(device, DEVICE, "GetImageState", None, "(aa{sv})")[0]
        active = [i for i in images if i.get("active")]
        self.assertEqual(len(active), 1, images)
        self.assertEqual(bytes(active[0]["hash"]).hex(), dfudtest.HASHES[NEW])

    def test_unplug_resume(self):
        sim, device = self.serial_device("--fault", "drop-link:offset=30000",
                                         "--serial-unplug=800", "--serial-noise=5")
        job = self.update(device, data(NEW))
        props = self.wait_job_final(job)
        self.assert_job_verified(job, props)
        states = [e.get("state") for e in sim.events() if e.get("event") == "serial"]
        self.assertIn("away (unplugged)", states)
        # resumed where the device was: its upload offset never went back
        offs = [e["body"]["off"] for e in sim.events()
                if e.get("event") == "response" and e.get("command") == "image upload"
                and "off" in e.get("body", {})]
        self.assertEqual(offs, sorted(offs))
        self.assertEqual(offs[-1], props["BytesTotal"])

    def test_bad_crc_and_reverted(self):
        sim, device = self.serial_device("--fault", "serial-crc:p=0.02", "--seed=7",
                                         "--fault", "corrupt-image")
        job = self.update(device, data(NEW))
        props = self.wait_job_final(job)
        self.assertEqual(props["Status"], "failed", dfudtest.describe_job(props))
        self.assertEqual(props["ErrorName"], ERROR + "Reverted", dfudtest.describe_job(props))
        faults = [e for e in sim.events() if e.get("event") == "fault"
                  and e.get("fault") == "serial-crc"]
        self.assertGreater(len(faults), 0)


class RecoveryTest(dfudtest.DfudTestCase):
    """MCUboot's serial recovery (boot_serial) through Device.Update's "recovery" option"""

    def recovery_device(self, *sim_args):
        sim = self.start_sim("--serial", "--slot0", data(OLD), "--time-scale=0", *sim_args)
        self.start_daemon()
        return sim, self.add_device(sim.serial_uri)

    def uploads(self, sim):
        return [e for e in sim.events()
                if e.get("event") == "request" and e.get("command") == "image upload"]

    def test_refused_then_recovery(self):
        """without the option: RecoveryNeeded before any upload; with it: the plan says serial
        recovery (permanent), the application then runs the new image from slot 0"""
        sim, device = self.recovery_device("--serial-recovery")
        job = self.update(device, data(NEW))
        props = self.wait_job_final(job)
        self.assertEqual(props["Status"], "failed", dfudtest.describe_job(props))
        self.assertEqual(props["ErrorName"], ERROR + "RecoveryNeeded",
                         dfudtest.describe_job(props))
        self.assertIn("--recovery", props["ErrorMessage"])
        self.assertEqual(self.uploads(sim), [])

        job = self.update(device, data(NEW), {"recovery": GLib.Variant("b", True)})
        props = self.wait_job_final(job)
        self.assert_job_verified(job, props)
        plan = props["Plan"]
        self.assertEqual((plan["strategy"], plan["success"], plan["state-write"]),
                         ("serial-recovery", "permanent", "none"), plan)
        self.assertIn("old image", plan["steps"])
        self.assertNotEqual(self.uploads(sim), [])
        images = self.call(device, DEVICE, "GetImageState", None, "(aa{sv})")[0]
        active = [i for i in images if i.get("active")]
        self.assertEqual([(i["slot"], bytes(i["hash"]).hex()) for i in active],
                         [(0, dfudtest.HASHES[NEW])], images)

    def test_recovery_not_entered(self):
        """recovery asked of an application that ignores boot_mode: RecoveryNotEntered, nothing
        written"""
        sim, device = self.recovery_device()
        job = self.update(device, data(NEW), {"recovery": GLib.Variant("b", True)})
        props = self.wait_job_final(job)
        self.assertEqual(props["ErrorName"], ERROR + "RecoveryNotEntered",
                         dfudtest.describe_job(props))
        self.assertEqual(self.uploads(sim), [])


class SerialConfigTest(dfudtest.DfudTestCase):
    def test_config_lists_device(self):
        """a serial device listed in dfud.conf [Devices] is there at start and updates"""
        sim = self.start_sim("--serial", "--slot0", data(OLD), "--time-scale=0")
        with open(self.config_path, "a") as f:
            f.write(f"[Devices]\nUris={sim.serial_uri}?baud=115200\n")
        self.start_daemon()
        devices = [p for p, ifaces in self.managed_objects().items() if DEVICE in ifaces]
        self.assertEqual(len(devices), 1, devices)
        props = self.props(devices[0], DEVICE)
        self.assertEqual((props["Transport"], props["Address"]), ("serial", sim.serial_link))
        job = self.update(devices[0], data(NEW))
        self.assert_job_verified(job, self.wait_job_final(job))


if __name__ == "__main__":
    dfudtest.main()
