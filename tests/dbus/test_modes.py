#!/usr/bin/python3
# Copyright 2026 The dfud authors
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Every MCUboot mode dfud-sim models (spec §3.5) x every update mode, through D-Bus: the
outcome of the dfud(8) table (BOOTLOADER MODES), the job's Plan, and what the device runs
after. One simulator per mode serves one device per update mode; the daemon runs them at once."""

import sys

from gi.repository import GLib

import dfudtest
from dfudtest import DEVICE, ERROR, JOB, data, hexbytes

OLD = "hashonly_1k_v1.2.3+4.bin"
NEW = "hashonly_60k_v2.0.0.bin"
FAST = ("--time-scale=0", "--reset-delay=20")
XIP_SLOT1_HASH = "0ab07fd77eb0f6e3524d6489c111590aaefc2aaae10932312592a1255f0680e9"

# the update modes of one simulator's devices, in device order
RUNS = (
    ("test-and-confirm", {}),
    ("confirm-only", {"mode": GLib.Variant("s", "confirm-only")}),
    ("test-only", {"mode": GLib.Variant("s", "test-only")}),
    ("test-only-accept-permanent", {"mode": GLib.Variant("s", "test-only"),
                                    "accept-permanent": GLib.Variant("b", True)}),
    ("upload-only", {"mode": GLib.Variant("s", "upload-only")}),
)

SWAP = ("confirmed", "permanent", "testing", "testing", "uploaded")
NO_REVERT = ("permanent", "permanent", "PermanentInstall", "permanent", "uploaded")
NO_LOADER = ("LoaderNeeded", "LoaderNeeded", "PermanentInstall", "LoaderNeeded", "LoaderNeeded")

# bootloader mode: (Plan strategy, state written before the reset per run, outcome per run);
# an outcome with a capital is the error a job fails with (or Update refuses with)
MODES = {
    "swap-move": ("swap", ("test", "confirm", "test", "test", "none"), SWAP),
    "swap-scratch": ("swap", ("test", "confirm", "test", "test", "none"), SWAP),
    "swap-offset": ("swap", ("test", "confirm", "test", "test", "none"), SWAP),
    "overwrite-only": ("overwrite-only", ("confirm", "confirm", None, "confirm", "none"),
                       NO_REVERT),
    "direct-xip": ("direct-xip", ("none",) * 5, NO_REVERT),
    "direct-xip-revert": ("direct-xip-with-revert", ("test", "confirm", "test", "test", "none"),
                          SWAP),
    "ram-load": ("ram-load", ("none",) * 5, NO_REVERT),
    "firmware-loader": ("loader", ("none",) * 5, NO_REVERT),
    "single-slot": ("loader", ("none",) * 5, NO_LOADER),
    # Zephyr reports no RAM-load mode: slot info's one slot tells single-slot RAM-load
    "single-slot-ram-load": ("loader", ("none",) * 5, NO_LOADER),
}
# more simulator options per mode
EXTRA = {"single-slot-ram-load": ("--slot-info",)}
# RAM-load runs RAM_LOAD builds only (MCUboot's loader.c): (running, update, its hash)
IMAGES = {"ram-load": ("prottlv-mix-ed25519_4k_v0.9.1+77.bin", "ramload-hashonly_1k_v1.0.0.bin",
                       "c244145f94a97b6fb129e868d732d9c3d8b4335a15defef3eca28177e0dc0ea1")}
DEFAULT_IMAGES = (OLD, NEW, dfudtest.HASHES[NEW])

# the names Device.BootloaderMode and Plan use where dfud-sim's option differs; RAM-load is
# not reported (""), single-slot RAM-load inferred from slot info
DEVICE_NAMES = {"direct-xip-revert": "direct-xip-with-revert",
                "single-slot": "single-application",
                "single-slot-ram-load": "single-ram-load",
                "ram-load": ""}


class ModesTest(dfudtest.DfudTestCase):
    # a device that comes back as before (no loader) is known 1 s after the reset answer
    config = "[Daemon]\nJobLinger=600\n[Timeouts]\nResetGrace=1\n"

    def test_modes(self):
        sims = {mode: self.start_sim("--slot0", data(IMAGES.get(mode, DEFAULT_IMAGES)[0]),
                                     "--bootloader", mode, *FAST, *EXTRA.get(mode, ()),
                                     count=len(RUNS))
                for mode in MODES}
        self.start_daemon()
        jobs = {}
        for mode, sim in sims.items():
            new = IMAGES.get(mode, DEFAULT_IMAGES)[1]
            for (run, options), uri in zip(RUNS, sim.uris):
                device = self.add_device(uri)
                jobs[(mode, run)] = (device, self.update(device, data(new), options))
        for (mode, run), (device, job) in jobs.items():
            with self.subTest(mode=mode, run=run):
                self.check(mode, run, device, job)

    def check(self, mode, run, device, job):
        strategy, writes, outcomes = MODES[mode]
        index = [r for r, _ in RUNS].index(run)
        want = outcomes[index]
        props = self.wait_job_final(job)
        plan = props["Plan"]
        if want[0].isupper():
            self.assertEqual((props["Status"], props["ErrorName"]), ("failed", ERROR + want),
                             dfudtest.describe_job(props))
            if want == "PermanentInstall":
                # refused before the first byte
                self.assertEqual(props["BytesDone"], 0)
            return
        self.assertEqual(props["Status"], "done", dfudtest.describe_job(props))
        self.assertEqual((plan["bootloader-mode"], plan["strategy"], plan["state-write"],
                          plan["success"]),
                         (DEVICE_NAMES.get(mode, mode), strategy, writes[index], want), plan)
        if want == "uploaded":
            self.assertEqual(props["Result"], "uploaded")
            return
        self.assertEqual(props["Result"], "verified")
        # the device runs the new image: confirmed unless the job left it in test
        images = self.call(device, DEVICE, "GetImageState", None, "(aa{sv})")[0]
        active = [i for i in images if i.get("active") and i.get("image", 0) == 0]
        self.assertEqual(len(active), 1, images)
        self.assertEqual(hexbytes(active[0]["hash"]), IMAGES.get(mode, DEFAULT_IMAGES)[2], images)
        self.assertEqual(active[0]["confirmed"], want != "testing", images)

    def test_direct_xip_zip(self):
        """the SDK's direct-XIP zip: the build for slot 1 goes to slot 1 and runs there"""
        sim = self.start_sim("--slot0", data(OLD), "--bootloader", "direct-xip", *FAST)
        self.start_daemon()
        device = self.add_device(sim.uri)
        job = self.update(device, data("dfu_application_directxip_nrf52840.zip"))
        props = self.wait_job_final(job)
        self.assert_job_verified(job, props)
        self.assertEqual(props["Plan"]["success"], "permanent", props["Plan"])
        self.assertEqual(props["BytesTotal"], 40663)  # one of the two builds
        images = self.call(device, DEVICE, "GetImageState", None, "(aa{sv})")[0]
        active = [i for i in images if i.get("active")]
        self.assertEqual([(i["slot"], hexbytes(i["hash"])) for i in active],
                         [(1, XIP_SLOT1_HASH)], images)


if __name__ == "__main__":
    sys.argv[1:1] = ["-v"]
    import unittest
    unittest.main()
