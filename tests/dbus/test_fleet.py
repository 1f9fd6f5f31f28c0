#!/usr/bin/python3
# Copyright 2026 The dfud authors
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Three devices updated at once: the jobs upload concurrently and all end verified."""

import os

from gi.repository import Gio, GLib

import dfudtest
from dfudtest import DEVICE, MANAGER, NAME, ROOT, data, hexbytes, version_is

OLD = "hashonly_1k_v1.2.3+4.bin"
NEW = "hashonly_300k_v1.0.0.bin"


class FleetTest(dfudtest.DfudTestCase):
    def test_three_devices(self):
        # each simulated device uploads for seconds (air-time model), so the uploads overlap
        sim = self.start_sim("--slot0", data(OLD), *dfudtest.SLOW_DEVICE, count=3)
        self.start_daemon()
        devices = [self.add_device(uri, name=f"fleet-{k}") for k, uri in enumerate(sim.uris)]
        self.assertEqual(len(set(devices)), 3, devices)
        options = {"allow-downgrade": GLib.Variant("b", True)}
        jobs = [self.update(device, data(NEW), options) for device in devices]
        self.assertEqual(len(set(jobs)), 3, jobs)
        self.assertEqual(sorted(self.prop(ROOT, MANAGER, "ActiveJobs")), sorted(jobs))

        for job in jobs:
            self.assert_job_verified(job, self.wait_job_final(job))

        # the uploading intervals overlap: every job started uploading before any finished
        intervals = []
        for job in jobs:
            statuses = self.signals.statuses(job)
            names = [s for _, s in statuses]
            self.assertIn("uploading", names, f"{job}: {names}")
            start = next(t for t, s in statuses if s == "uploading")
            end = next((t for t, s in statuses if t > start and s != "uploading"), None)
            self.assertIsNotNone(end, f"{job}: no Status after uploading: {names}")
            intervals.append((start, end))
        t0 = min(s for s, _ in intervals)
        shown = [(round(s - t0, 2), round(e - t0, 2)) for s, e in intervals]
        self.assertLess(max(s for s, _ in intervals), min(e for _, e in intervals),
                        f"the uploads did not run at once: intervals (s) {shown}")

        entries = self.history()
        self.assertEqual(len(entries), 3, entries)
        ids = {self.prop(job, dfudtest.JOB, "Id") for job in jobs}
        self.assertEqual({e["job"] for e in entries}, ids)
        self.assertEqual({e["device"] for e in entries}, set(sim.uris))
        for e in entries:
            self.assertEqual(e["result"], "verified", e)
            self.assertEqual(e["new-hash"].lower(), dfudtest.HASHES[NEW], e)
        # newest (last finished) first
        ends = [e["started"] / 1e6 + e["duration"] for e in entries]
        for newer, older in zip(ends, ends[1:]):
            self.assertGreaterEqual(newer + 0.01, older, f"not newest first: {entries}")
        self.assertEqual(len(self.history(limit=2)), 2)

        for device in devices:
            self.wait_device_idle(device)
            images = self.call(device, DEVICE, "GetImageState", None, "(aa{sv})")[0]
            active = [i for i in images if i.get("active")]
            self.assertEqual([hexbytes(i["hash"]) for i in active], [dfudtest.HASHES[NEW]])
            self.assertTrue(version_is(active[0]["version"], "1.0.0"), images)

    def test_one_descriptor_for_all(self):
        # a fleet updater opens the file once and passes the same descriptor to every Update at
        # once: its dups share one file offset, so dfud must read from the start whatever the
        # others (or the caller) did with it (it did not: ImageEmpty)
        sim = self.start_sim("--slot0", data(OLD), "--time-scale=0", count=3)
        self.start_daemon()
        devices = [self.add_device(uri, name=f"fd-{k}") for k, uri in enumerate(sim.uris)]
        options = {"allow-downgrade": GLib.Variant("b", True)}
        replies = {}
        fd = os.open(data(NEW), os.O_RDONLY | os.O_CLOEXEC)
        try:
            os.lseek(fd, 4096, os.SEEK_SET)

            def done(conn, res, device):
                try:
                    replies[device] = conn.call_with_unix_fd_list_finish(res)[0].unpack()[0]
                except GLib.Error as e:
                    replies[device] = e

            for device in devices:
                fd_list = Gio.UnixFDList()
                fd_list.append(fd)
                self.conn.call_with_unix_fd_list(
                    NAME, device, DEVICE, "Update", self.update_args(options),
                    GLib.VariantType("(o)"), Gio.DBusCallFlags.NO_AUTO_START,
                    dfudtest.CALL_TIMEOUT_MS, fd_list, None, done, device)
            self.wait_for(lambda: len(replies) == len(devices), dfudtest.START_TIMEOUT,
                          "the Update replies", lambda: repr(replies))
        finally:
            os.close(fd)
        errors = {d: r.message for d, r in replies.items() if isinstance(r, GLib.Error)}
        self.assertEqual(errors, {})
        for job in replies.values():
            self.assert_job_verified(job, self.wait_job_final(job))


if __name__ == "__main__":
    dfudtest.main()
