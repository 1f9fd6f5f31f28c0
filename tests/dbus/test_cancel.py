#!/usr/bin/python3
# Copyright 2026 The dfud authors
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Job.Cancel of a running upload and of a queued job; the device is usable afterwards."""

import sys
import time

from gi.repository import GLib

import dfudtest
from dfudtest import DEVICE, ERROR, JOB, MANAGER, ROOT, data

OLD = "hashonly_1k_v1.2.3+4.bin"
NEW = "hashonly_300k_v1.0.0.bin"
NEW_SIZE = 307752
# a cancelled job ends within this (generous: the engine stops at its next step)
CANCEL_MAX_S = 5.0
OPTIONS = {"allow-downgrade": GLib.Variant("b", True)}


def uploading(props):
    return props["Status"] == "uploading" and props["BytesDone"] > 0


class CancelTest(dfudtest.DfudTestCase):
    def assert_cancelled(self, job, props):
        self.assertEqual((props["Status"], props["Result"]), ("cancelled", "cancelled"),
                         dfudtest.describe_job(props))
        self.assertEqual(props["ErrorName"], ERROR + "Cancelled", dfudtest.describe_job(props))
        self.assertEqual([s for _, s in self.signals.statuses(job)][-1], "cancelled")
        self.assertGreater(props["Finished"], 0)
        # finished: a second Cancel has nothing to do
        self.assert_call_error(ERROR + "NothingToDo", job, JOB, "Cancel")

    def cancel(self, job):
        self.call(job, JOB, "Cancel")
        t0 = time.monotonic()
        props = self.wait_job(job, lambda p: p["Status"] in dfudtest.FINAL, CANCEL_MAX_S,
                              "the end after Cancel")
        sys.stderr.write(f"{job} ended {time.monotonic() - t0:.2f} s after Cancel\n")
        return props

    def test_cancel_running(self):
        # an upload that takes seconds (air-time model)
        sim = self.start_sim("--slot0", data(OLD), *dfudtest.SLOW_DEVICE)
        self.start_daemon()
        device = self.add_device(sim.uri)
        job = self.update(device, data(NEW), OPTIONS)
        props = self.wait_job(job, uploading, 30, "uploading with BytesDone > 0")
        self.assertLess(props["BytesDone"], NEW_SIZE, "the upload ended before the cancel")

        # while it runs: device commands and RemoveDevice are Busy
        self.assert_call_error(ERROR + "Busy", device, DEVICE, "Echo",
                               GLib.Variant("(s)", ("x",)), "(s)")
        self.assert_call_error(ERROR + "Busy", ROOT, MANAGER, "RemoveDevice",
                               GLib.Variant("(o)", (device,)))

        props = self.cancel(job)
        self.assert_cancelled(job, props)
        self.assertLess(props["BytesDone"], NEW_SIZE, dfudtest.describe_job(props))

        # the device is usable again
        self.wait_device_idle(device)
        self.assertEqual(self.call(device, DEVICE, "Echo", GLib.Variant("(s)", ("again",)),
                                   "(s)")[0], "again")
        self.assertEqual(self.prop(ROOT, MANAGER, "ActiveJobs"), [])
        last = self.prop(device, DEVICE, "LastUpdate")
        self.assertEqual(last.get("result"), "cancelled", last)

        entries = self.history()
        self.assertEqual(len(entries), 1, entries)
        self.assertEqual(entries[0]["result"], "cancelled", entries)
        self.assertTrue(entries[0]["error-name"].endswith("Cancelled"), entries)

        # and no reset was sent: the device still runs the old image
        images = self.call(device, DEVICE, "GetImageState", None, "(aa{sv})")[0]
        active = [dfudtest.hexbytes(i["hash"]) for i in images if i.get("active")]
        self.assertEqual(active, [dfudtest.HASHES[OLD]], images)
        self.assertEqual([e for e in sim.events() if e.get("command") == "os reset"], [])


class CancelQueuedTest(dfudtest.DfudTestCase):
    # one link at a time: the second device's job waits in the queue
    config = "[Daemon]\nJobLinger=600\nMaxConnections=1\n"

    def test_cancel_queued(self):
        sim = self.start_sim("--slot0", data(OLD), *dfudtest.SLOW_DEVICE, count=2)
        self.start_daemon()
        first = self.add_device(sim.uris[0])
        second = self.add_device(sim.uris[1])
        running = self.update(first, data(NEW), OPTIONS)
        queued = self.update(second, data(NEW), OPTIONS)
        self.wait_job(running, uploading, 30, "uploading with BytesDone > 0")
        props = self.props(queued, JOB)
        self.assertEqual(props["Status"], "queued",
                         f"MaxConnections=1 but the second job is {props['Status']}")
        self.assertEqual(self.prop(second, DEVICE, "CurrentJob"), queued)

        # a queued job ends at once
        t0 = time.monotonic()
        self.call(queued, JOB, "Cancel")
        props = self.wait_job(queued, lambda p: p["Status"] in dfudtest.FINAL, 2.0,
                              "the end after Cancel")
        self.assertEqual((props["Status"], props["Result"]), ("cancelled", "cancelled"))
        self.assertEqual(props["ErrorName"], ERROR + "Cancelled")
        self.assertEqual(props["BytesDone"], 0)
        names = [s for _, s in self.signals.statuses(queued)]
        self.assertNotIn("uploading", names, names)
        sys.stderr.write(f"queued job ended {time.monotonic() - t0:.2f} s after Cancel\n")
        # the second device never saw an upload
        self.assertEqual([e for e in sim.events()
                          if e.get("device") == 1 and e.get("command") == "image upload"], [])

        # the running one is unaffected and can be cancelled too
        self.assertEqual(self.props(running, JOB)["Status"], "uploading")
        self.call(running, JOB, "Cancel")
        props = self.wait_job(running, lambda p: p["Status"] in dfudtest.FINAL, CANCEL_MAX_S,
                              "the end after Cancel")
        self.assertEqual(props["Status"], "cancelled", dfudtest.describe_job(props))
        for device in (first, second):
            self.wait_device_idle(device)
            self.assertEqual(self.call(device, DEVICE, "Echo", GLib.Variant("(s)", ("hi",)),
                                       "(s)")[0], "hi")


if __name__ == "__main__":
    dfudtest.main()
