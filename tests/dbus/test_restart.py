#!/usr/bin/python3
# Copyright 2026 The dfud authors
# SPDX-License-Identifier: LGPL-2.1-or-later
"""SIGKILL of dfud during an upload: the restarted daemon resumes the job and verifies it."""

import os
import sys

from gi.repository import GLib

import dfudtest
from dfudtest import DEVICE, JOB, MANAGER, ROOT, data

OLD = "hashonly_1k_v1.2.3+4.bin"
NEW = "hashonly_300k_v1.0.0.bin"
NEW_SIZE = 307752


def files_with(directory, content):
    """paths under @directory whose bytes are @content"""
    found = []
    for parent, _, names in os.walk(directory):
        for name in names:
            path = os.path.join(parent, name)
            try:
                if os.path.getsize(path) == len(content):
                    with open(path, "rb") as f:
                        if f.read() == content:
                            found.append(path)
            except OSError:
                pass
    return found


class RestartTest(dfudtest.DfudTestCase):
    def test_sigkill_during_upload(self):
        sim = self.start_sim("--slot0", data(OLD), *dfudtest.SLOW_DEVICE)
        self.start_daemon()
        device = self.add_device(sim.uri)
        job = self.update(device, data(NEW), {"allow-downgrade": GLib.Variant("b", True)})
        job_id = self.prop(job, JOB, "Id")
        props = self.wait_job(job, lambda p: p["Status"] == "uploading" and
                              p["BytesDone"] >= NEW_SIZE // 10, 30, "a tenth uploaded")
        self.assertLess(props["BytesDone"], NEW_SIZE, "the upload ended before the kill")
        # the firmware is kept in the state directory, not referred to by the caller's path
        with open(data(NEW), "rb") as f:
            firmware = f.read()
        self.assertNotEqual(files_with(self.state_dir, firmware), [],
                            "no copy of the firmware in the state directory")

        before = self.props(job, JOB)["BytesDone"]
        self.kill_daemon()
        seen_by_sim = len(sim.events())

        self.start_daemon()
        objects = self.managed_objects()
        self.assertIn(job, objects, "the job object did not come back after the restart")
        self.assertIn(JOB, objects[job])
        self.assertIn(device, objects, "the added device did not come back")
        props = self.props(job, JOB)
        self.assertEqual(props["Id"], job_id)
        self.assertEqual(props["Device"], device)
        self.assertEqual(props["Restarts"], 1, dfudtest.describe_job(props))
        self.assertNotIn(props["Status"], dfudtest.FINAL, dfudtest.describe_job(props))
        self.assertIn(job, self.prop(ROOT, MANAGER, "ActiveJobs"))
        self.assertEqual(self.prop(device, DEVICE, "CurrentJob"), job)

        props = self.wait_job_final(job)
        self.assert_job_verified(job, props)
        self.assertEqual(props["Restarts"], 1)
        self.assertEqual(props["BytesDone"], NEW_SIZE)

        # the device was asked to resume, not to start over: the first chunk after the restart
        # was answered with the device's offset, and nothing before that offset was sent again
        after = sim.events()[seen_by_sim:]
        firsts = dfudtest.upload_first_chunks(after)
        self.assertNotEqual(firsts, [], "no upload after the restart")
        resumed = firsts[0][1]
        sys.stderr.write(f"{before} bytes acknowledged before the kill; after the restart the "
                         f"device answered off {resumed} to the first chunk\n")
        self.assertIsNotNone(resumed)
        self.assertGreaterEqual(resumed, before,
                                f"after the restart the device answered off {resumed} to the "
                                f"first chunk; {before} bytes were acknowledged before the kill")
        self.assertEqual(len(firsts), 1, f"more than one first chunk after the restart: {firsts}")
        offs = [e["body"]["off"] for e in after[firsts[0][0] + 1:]
                if e.get("event") == "request" and e.get("command") == "image upload"]
        self.assertTrue(offs and min(offs) >= resumed,
                        f"chunks below the resumed offset {resumed} were sent: {sorted(offs)[:5]}")

        entries = self.history()
        self.assertEqual(len(entries), 1, entries)
        self.assertEqual(entries[0]["job"], job_id)
        self.assertEqual(entries[0]["result"], "verified")

        images = self.call(device, DEVICE, "GetImageState", None, "(aa{sv})")[0]
        active = [dfudtest.hexbytes(i["hash"]) for i in images if i.get("active")]
        self.assertEqual(active, [dfudtest.HASHES[NEW]], images)


if __name__ == "__main__":
    dfudtest.main()
