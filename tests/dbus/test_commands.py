#!/usr/bin/python3
# Copyright 2026 The dfud authors
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Device commands: Echo, GetImageState, Test, Reset, Confirm, Erase, and an SMP error."""

import time

from gi.repository import GLib

import dfudtest
from dfudtest import DEVICE, ERROR, data, hexbytes, version_is

OLD = "hashonly_1k_v1.2.3+4.bin"
NEW = "hashonly_60k_v2.0.0.bin"
BOOTLOADER_MODES = ("single-application", "swap-scratch", "overwrite-only", "swap-move",
                    "direct-xip", "direct-xip-with-revert", "ram-load", "firmware-loader",
                    "single-ram-load", "swap-offset")
# the device reboots after Reset: commands are retried (Timeout/Busy) for this long
REBOOT_S = 30


def by_slot(images):
    return {(i["image"], i["slot"]): i for i in images}


class CommandsTest(dfudtest.DfudTestCase):
    def image_state(self, device):
        images = self.call(device, DEVICE, "GetImageState", None, "(aa{sv})")[0]
        self.assertEqual(self.prop(device, DEVICE, "Images"), images)
        return by_slot(images)

    def test_commands(self):
        sim = self.start_sim("--slot0", data(OLD), "--time-scale=0",
                             # the reboot at once: the test reads the state right after Reset
                             "--reset-delay=0")
        self.start_daemon()
        device = self.add_device(sim.uri)
        p = self.props(device, DEVICE)
        self.assertEqual(p["Images"], [])
        self.assertEqual(p["BootloaderMode"], "")
        self.assertFalse(p["Connected"])

        self.assertEqual(self.call(device, DEVICE, "Echo", GLib.Variant("(s)", ("hello dfud",)),
                                   "(s)")[0], "hello dfud")

        slots = self.image_state(device)
        self.assertEqual(list(slots), [(0, 0)], slots)
        running = slots[(0, 0)]
        self.assertEqual(hexbytes(running["hash"]), dfudtest.HASHES[OLD])
        self.assertTrue(version_is(running["version"], "1.2.3+4"), running)
        for flag, value in (("active", True), ("confirmed", True), ("bootable", True),
                            ("pending", False), ("permanent", False)):
            self.assertEqual(running[flag], value, f"{flag}: {running}")
        self.assertIn(self.prop(device, DEVICE, "BootloaderMode"), BOOTLOADER_MODES)
        # dfud-sim's default bootloader (MCUboot mode 3)
        self.assertEqual(self.prop(device, DEVICE, "BootloaderMode"), "swap-move")
        # UDP: the link is open only while a command runs
        self.assertFalse(self.prop(device, DEVICE, "Connected"))
        self.assertEqual(self.prop(device, DEVICE, "State"), "idle")

        # an upload-only job puts the new image into slot 1 and marks nothing
        job = self.update(device, data(NEW), {"mode": GLib.Variant("s", "upload-only")})
        props = self.wait_job_final(job)
        self.assertEqual((props["Status"], props["Result"]), ("done", "uploaded"),
                         dfudtest.describe_job(props))
        self.assertEqual(props["Mode"], "upload-only")
        self.wait_device_idle(device)
        slots = self.image_state(device)
        self.assertIn((0, 1), slots, slots)
        uploaded = slots[(0, 1)]
        new_hash = bytes.fromhex(dfudtest.HASHES[NEW])
        self.assertEqual(bytes(uploaded["hash"]), new_hash)
        self.assertFalse(uploaded["pending"], uploaded)
        self.assertFalse(uploaded["active"], uploaded)

        # Test: boot it once at the next reset
        self.call(device, DEVICE, "Test", GLib.Variant("(ay)", (new_hash,)))
        slots = self.image_state(device)
        self.assertTrue(slots[(0, 1)]["pending"], slots)
        self.assertFalse(slots[(0, 1)]["permanent"], slots)

        # Reset: the device swaps and runs the new image, not yet confirmed
        self.call(device, DEVICE, "Reset", GLib.Variant("(a{sv})", ({},)))
        images = self.call_retrying(device, DEVICE, "GetImageState", None, "(aa{sv})",
                                    REBOOT_S)[0]
        active = [i for i in images if i["active"]]
        self.assertEqual([bytes(i["hash"]) for i in active], [new_hash], images)
        self.assertFalse(active[0]["confirmed"], images)

        # Confirm(empty): the running image becomes permanent
        self.call(device, DEVICE, "Confirm", GLib.Variant("(ay)", (b"",)))
        slots = self.image_state(device)
        running = [i for i in slots.values() if i["active"]][0]
        self.assertEqual(bytes(running["hash"]), new_hash)
        self.assertTrue(running["confirmed"], slots)
        # the old image sits in the other slot
        others = [hexbytes(i["hash"]) for i in slots.values() if not i["active"]]
        self.assertEqual(others, [dfudtest.HASHES[OLD]], slots)

        # Erase(-1): the device's secondary slot, the old image, goes
        self.call(device, DEVICE, "Erase", GLib.Variant("(i)", (-1,)))
        slots = self.image_state(device)
        self.assertEqual([bytes(i["hash"]) for i in slots.values()], [new_hash], slots)
        self.assertEqual(self.prop(device, DEVICE, "State"), "idle")

        requests = [e.get("command") for e in sim.events() if e.get("event") == "request"]
        for command in ("os echo", "image state write", "os reset", "image erase"):
            self.assertIn(command, requests)

    def test_device_error(self):
        sim = self.start_sim("--slot0", data(OLD), "--time-scale=0")
        self.start_daemon()
        device = self.add_device(sim.uri)

        # a hash no slot holds: the device answers IMG_MGMT_ERR_HASH_NOT_FOUND
        message = self.assert_call_error(ERROR + "Device", device, DEVICE, "Test",
                                         GLib.Variant("(ay)", (b"\xaa" * 32,)))
        for part in ("image state write", "group 1", "IMG_MGMT_ERR_HASH_NOT_FOUND"):
            self.assertIn(part, message, f"the Device error does not name {part!r}")
        self.assertNotIn("GDBus.Error", message)

        # a hash of the wrong length never reaches the device
        before = len(sim.events())
        for bad in (b"\x01\x02\x03", b"\x00" * 33):
            self.assert_call_error(ERROR + "InvalidArgument", device, DEVICE, "Test",
                                   GLib.Variant("(ay)", (bad,)))
            self.assert_call_error(ERROR + "InvalidArgument", device, DEVICE, "Confirm",
                                   GLib.Variant("(ay)", (bad,)))
        self.assertEqual([e for e in sim.events()[before:] if e.get("event") == "request"], [])

        # Erase of the running slot: the device refuses (the running image is in slot 0)
        got, message = self.assert_call_error_prefix(ERROR, device, DEVICE, "Erase",
                                                     GLib.Variant("(i)", (0,)))
        self.assertIn(got, (ERROR + "Device", ERROR + "InvalidArgument"), message)

        # nothing answers on this port: Timeout after [Timeouts] Command (5 s by default)
        dead = self.add_device("udp:127.0.0.1:9")
        t0 = time.monotonic()
        self.assert_call_error(ERROR + "Timeout", dead, DEVICE, "Echo",
                               GLib.Variant("(s)", ("x",)), "(s)")
        self.assertLess(time.monotonic() - t0, 15)
        self.assertEqual(self.prop(dead, DEVICE, "State"), "idle")

        # the device is still fine after all that
        self.assertEqual(self.call(device, DEVICE, "Echo", GLib.Variant("(s)", ("ok",)),
                                   "(s)")[0], "ok")
        self.assertEqual(self.prop(device, DEVICE, "State"), "idle")



class LossyCommandsTest(CommandsTest):
    # every exchange fails with a chance of 19% here: a command gets the time for 8 copies
    config = "[Daemon]\nJobLinger=600\n[Timeouts]\nCommand=15\n"

    def test_lossy(self):
        """every command and an update over a link that loses 10% of the requests and 10% of the
        answers (seeded): copies after the retransmission timeout make up for it; the test image
        is reset into exactly once (a second reset would make MCUboot revert it)"""
        sim = self.start_sim("--slot0", data(OLD), "--time-scale=0", "--seed=7",
                             "--fault", "drop-request:p=0.1", "--fault", "drop-response:p=0.1")
        self.start_daemon()
        device = self.add_device(sim.uri)
        for i in range(5):
            self.assertEqual(self.call(device, DEVICE, "Echo",
                                       GLib.Variant("(s)", (f"lossy {i}",)), "(s)")[0],
                             f"lossy {i}")
        for _ in range(3):
            self.assertEqual(list(self.image_state(device)), [(0, 0)])
        job = self.update(device, data(NEW), {"mode": GLib.Variant("s", "upload-only")})
        props = self.wait_job_final(job)
        self.assertEqual((props["Status"], props["Result"]), ("done", "uploaded"),
                         dfudtest.describe_job(props))
        self.wait_device_idle(device)
        new_hash = bytes.fromhex(dfudtest.HASHES[NEW])
        self.call(device, DEVICE, "Test", GLib.Variant("(ay)", (new_hash,)))
        self.assertTrue(self.image_state(device)[(0, 1)]["pending"])
        # Reset returns once the device acknowledged it; it reboots its reset delay (250 ms)
        # later and answers as the old firmware until then
        self.call(device, DEVICE, "Reset", GLib.Variant("(a{sv})", ({},)))
        deadline = time.monotonic() + REBOOT_S
        while True:
            images = self.call_retrying(device, DEVICE, "GetImageState", None, "(aa{sv})",
                                        REBOOT_S)[0]
            active = [bytes(i["hash"]) for i in images if i["active"]]
            if active == [new_hash] or time.monotonic() > deadline:
                break
            self.spin(0.1)
        self.assertEqual(active, [new_hash], images)
        self.call(device, DEVICE, "Confirm", GLib.Variant("(ay)", (b"",)))
        self.call(device, DEVICE, "Erase", GLib.Variant("(i)", (-1,)))
        self.assertEqual([bytes(i["hash"]) for i in self.image_state(device).values()],
                         [new_hash])
        events = sim.events()
        self.assertEqual(len([e for e in events if e.get("event") == "reset"]), 1,
                         "the device was reset more than once")
        drops = [e for e in events if e.get("event") == "drop"]
        self.assertGreater(len(drops), 5, "the faults never fired")


if __name__ == "__main__":
    dfudtest.main()
