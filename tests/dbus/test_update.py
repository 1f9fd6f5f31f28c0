#!/usr/bin/python3
# Copyright 2026 The dfud authors
# SPDX-License-Identifier: LGPL-2.1-or-later
"""One update through D-Bus with fd passing; and the updates Device.Update refuses."""

import os
import re
import shutil
import sys
import time

from gi.repository import Gio, GLib

import dfudtest
from dfudtest import (DEVICE, ERROR, JOB, MANAGER, ROOT, STATUSES, data, hexbytes,
                      remote_error_name, version_is)

OLD = "hashonly_1k_v1.2.3+4.bin"
NEW = "hashonly_300k_v1.0.0.bin"
NEW_SIZE = 307752

# the PropertiesChanged a job may send while uploading, beyond the Status changes: the XML says
# at most four a second; fails by far if every chunk (~1300) emitted. The one-second window is
# looser: a loaded machine may hand this process several signals at once
MAX_PER_SECOND = 4
MAX_IN_ANY_SECOND = 12


class UpdateTest(dfudtest.DfudTestCase):
    def test_update(self):
        # the air-time model stretches the 300 KiB upload over seconds; flash time is 0
        sim = self.start_sim("--slot0", data(OLD), *dfudtest.SLOW_DEVICE)
        self.start_daemon()
        device = self.add_device(sim.uri)
        self.assertTrue(device.startswith(ROOT + "/Device/"), device)

        # the daemon gets a descriptor of a file that no longer has a name
        copy = os.path.join(self.tmpdir, "firmware.bin")
        shutil.copyfile(data(NEW), copy)
        fd = os.open(copy, os.O_RDONLY | os.O_CLOEXEC)
        os.unlink(copy)
        try:
            job = self.call(device, DEVICE, "Update",
                            self.update_args({"allow-downgrade": GLib.Variant("b", True)}),
                            "(o)", fds=[fd])[0]
        finally:
            os.close(fd)
        self.assertTrue(job.startswith(ROOT + "/Job/"), job)

        # one update per device at a time
        self.update_error(ERROR + "Busy", device, data(NEW),
                          {"allow-downgrade": GLib.Variant("b", True)})

        props = self.props(job, JOB)
        self.assertEqual(props["Device"], device)
        self.assertEqual(props["Id"], int(job.rsplit("/", 1)[1]))
        self.assertEqual(props["Mode"], "test-and-confirm")
        self.assertEqual(props["BytesTotal"], NEW_SIZE)
        self.assertGreater(props["Created"], 0)
        self.assertEqual(len(props["Images"]), 1, props["Images"])
        image = props["Images"][0]
        self.assertEqual(image["image"], 0)
        self.assertEqual(image["size"], NEW_SIZE)
        self.assertEqual(hexbytes(image["hash"]), dfudtest.HASHES[NEW])
        self.assertTrue(version_is(image["version"], "1.0.0"), image["version"])
        dev = self.props(device, DEVICE)
        self.assertEqual(dev["CurrentJob"], job)
        self.assertEqual(dev["State"], "updating")
        self.assertIn(job, self.prop(ROOT, MANAGER, "ActiveJobs"))

        props = self.wait_job_final(job)
        self.assert_job_verified(job, props)
        self.assertEqual(props["BytesDone"], NEW_SIZE)
        self.assertEqual(props["Progress"], 100)
        self.assertTrue(version_is(props["OldVersion"], "1.2.3+4"), props["OldVersion"])
        self.assertEqual(hexbytes(props["OldHash"]), dfudtest.HASHES[OLD])
        self.assertGreater(props["Started"], 0)
        self.assertGreaterEqual(props["Finished"], props["Started"])
        self.assertEqual(props["Mtu"], 0)  # UDP
        self.assertGreater(props["BufSize"], 0)
        self.assertGreaterEqual(props["Window"], 1)
        self.assertEqual(props["Restarts"], 0)

        self.check_signals(job)

        # the device and manager forget the finished job, the job list keeps it (JobLinger)
        self.wait_device_idle(device)
        last = self.prop(device, DEVICE, "LastUpdate")
        self.assertEqual(last.get("job"), props["Id"], last)
        self.assertEqual(last.get("result"), "verified", last)
        self.assertEqual(self.prop(ROOT, MANAGER, "ActiveJobs"), [])
        self.assertIn(job, self.list_jobs())

        self.check_history(sim.uri, device, props)

        # the device runs the new image, confirmed
        images = self.call(device, DEVICE, "GetImageState", None, "(aa{sv})")[0]
        active = [i for i in images if i.get("active")]
        self.assertEqual(len(active), 1, images)
        self.assertEqual(hexbytes(active[0]["hash"]), dfudtest.HASHES[NEW], images)
        self.assertTrue(version_is(active[0]["version"], "1.0.0"), images)
        self.assertTrue(active[0]["confirmed"], images)
        self.assertEqual(active[0]["image"], 0, images)
        self.assertEqual(self.prop(device, DEVICE, "Images"), images)
        self.assertNotEqual(self.prop(device, DEVICE, "BootloaderMode"), "")

        # with debug logging, every SMP frame is dumped in hex, naming the device's URI, and
        # the job's lines name the job and the device
        with open(self.daemon_log, errors="replace") as f:
            log = f.read()
        self.assertRegex(log, re.escape(sim.uri) + r" <- \d+ bytes: [0-9a-f]{16}")
        self.assertRegex(log, re.escape(sim.uri) + r" -> \d+ bytes: [0-9a-f]{16}")
        self.assertRegex(log, r"\[job " + str(props["Id"]) + r" udp_127_0_0_1_\d+\] done: verified")

    def check_signals(self, job):
        statuses = self.signals.statuses(job)
        names = [s for _, s in statuses]
        for s in names:
            self.assertIn(s, STATUSES, names)
        self.assertIn("uploading", names)
        self.assertEqual(names[-1], "done", names)
        # forward only
        order = [STATUSES.index(s) for s in names]
        self.assertEqual(order, sorted(order), f"Status went backwards: {names}")
        for s in ("testing", "resetting", "verifying", "confirming"):
            self.assertIn(s, names, f"test-and-confirm without {s}: {names}")

        changes = self.signals.changes(job, JOB)
        done = [c["BytesDone"] for _, c in changes if "BytesDone" in c]
        self.assertEqual(done, sorted(done), f"BytesDone went backwards: {done}")
        self.assertEqual(done[-1], NEW_SIZE, done)
        during = sorted({d for d in done if 0 < d < NEW_SIZE})
        self.assertGreaterEqual(len(during), 3, f"too little progress seen: {done}")
        self.assertTrue(any(c.get("Rate", 0) > 0 for _, c in changes), "Rate never > 0")

        # the upload's interval: from Status uploading to the next Status
        start = next(t for t, s in statuses if s == "uploading")
        end = next(t for t, s in statuses if t > start and s != "uploading")
        upload = [t for t, c in changes if start < t < end and "Status" not in c]
        duration = end - start
        sys.stderr.write(f"statuses {names}; {len(upload)} PropertiesChanged in {duration:.2f} s "
                         f"of upload; BytesDone seen {done}\n")
        self.assertGreater(duration, 1.0, "the upload was too short to measure the signal rate")
        self.assertLessEqual(len(upload), MAX_PER_SECOND * duration + 2,
                             f"{len(upload)} PropertiesChanged in {duration:.2f} s of upload")
        for t in upload:
            in_second = [u for u in upload if t <= u < t + 1.0]
            self.assertLessEqual(len(in_second), MAX_IN_ANY_SECOND,
                                 f"{len(in_second)} PropertiesChanged within a second")

    def check_history(self, uri, device, props):
        for key, value in (("device", uri), ("device", device)):
            entries = self.history(**{key: value})
            self.assertEqual(len(entries), 1, f"history for {value}: {entries}")
        entry = entries[0]
        self.assertEqual(entry["job"], props["Id"])
        self.assertEqual(entry["device"], uri)
        self.assertEqual(entry["result"], "verified")
        self.assertEqual(entry["error-name"], "")
        self.assertTrue(version_is(entry["old-version"], "1.2.3+4"), entry)
        self.assertTrue(version_is(entry["new-version"], "1.0.0"), entry)
        self.assertEqual(entry["old-hash"].lower(), dfudtest.HASHES[OLD], entry)
        self.assertEqual(entry["new-hash"].lower(), dfudtest.HASHES[NEW], entry)
        self.assertEqual(entry["bytes"], NEW_SIZE, entry)
        self.assertGreater(entry["rate"], 0, entry)
        self.assertGreater(entry["duration"], 0, entry)
        # the same moment as the job's Started (µs since the epoch)
        self.assertLess(abs(entry["started"] - props["Started"]), 2_000_000, entry)
        self.assertEqual(self.history(device="udp:127.0.0.1:1"), [])

    def test_refused(self):
        """Update checks the file and its options before it makes a job"""
        sim = self.start_sim("--slot0", data(OLD), "--time-scale=0")
        self.start_daemon()
        device = self.add_device(sim.uri)

        for name in ("broken_truncated-body.bin", "broken_bad-magic.bin",
                     "broken_imgsize-too-large.bin", "broken_tlv-info-magic.bin",
                     "broken_body-corrupt.bin"):
            got, message = self.update_error_prefix(ERROR + "Image", device, data(name))
            self.assertNotEqual(message, "", f"{name}: {got} without a message")
        got, _ = self.update_error_prefix(ERROR, device, data("broken_empty.bin"))
        self.assertIn(got, (ERROR + "ImageEmpty", ERROR + "UnknownFormat"))

        # options: unknown key, wrong type, unknown mode
        for options in ({"no-such-option": GLib.Variant("b", True)},
                        {"mode": GLib.Variant("u", 1)},
                        {"mode": GLib.Variant("s", "sideways")},
                        {"allow-downgrade": GLib.Variant("s", "yes")}):
            self.update_error(ERROR + "InvalidArgument", device, data(NEW), options)

        # nothing of it made a job
        self.assertEqual(self.list_jobs(), [])
        self.assertEqual(self.prop(ROOT, MANAGER, "ActiveJobs"), [])
        self.assertEqual(self.prop(device, DEVICE, "CurrentJob"), "/")
        self.assertEqual(self.prop(device, DEVICE, "State"), "idle")
        self.assertEqual(self.history(), [])
        jobs = [p for p, ifaces in self.managed_objects().items() if JOB in ifaces]
        self.assertEqual(jobs, [])

        # and a valid update still goes through afterwards (fast device)
        job = self.update(device, data("hashonly_60k_v2.0.0.bin"))
        self.assert_job_verified(job, self.wait_job_final(job))

    def test_descriptors(self):
        """any readable descriptor: a pipe works, one held open blocks nothing else"""
        sim = self.start_sim("--slot0", data(OLD), "--time-scale=0")
        self.start_daemon()
        device = self.add_device(sim.uri)
        with open(data("hashonly_60k_v2.0.0.bin"), "rb") as f:
            image = f.read()

        # not readable: a directory, a write-only descriptor
        for path, flags in ((self.tmpdir, os.O_RDONLY | os.O_DIRECTORY),
                            (os.path.join(self.tmpdir, "w.bin"), os.O_WRONLY | os.O_CREAT)):
            fd = os.open(path, flags | os.O_CLOEXEC)
            try:
                got, message = self.assert_call_error_prefix(
                    ERROR, device, DEVICE, "Update", self.update_args({}), "(o)", fds=[fd])
                self.assertIn(got, (ERROR + "Io", ERROR + "InvalidArgument"), message)
            finally:
                os.close(fd)

        # a pipe whose writer stays open: dfud waits for the end without blocking anything else
        rfd, wfd = os.pipe2(os.O_CLOEXEC)
        os.write(wfd, image[:1000])
        fd_list = Gio.UnixFDList()
        fd_list.append(rfd)
        os.close(rfd)
        done = []
        self.conn.call_with_unix_fd_list(
            dfudtest.NAME, device, DEVICE, "Update", self.update_args({}),
            GLib.VariantType("(o)"), Gio.DBusCallFlags.NONE, dfudtest.CALL_TIMEOUT_MS, fd_list,
            None, lambda conn, res: done.append(res))
        try:
            self.spin(0.5)
            self.assertEqual(done, [], "Update returned before the pipe was closed")
            t0 = time.monotonic()
            self.assertEqual(self.prop(ROOT, MANAGER, "Version"), os.environ["DFUD_VERSION"])
            self.assertEqual(self.call(device, DEVICE, "Echo", GLib.Variant("(s)", ("x",)),
                                       "(s)")[0], "x")
            self.assertLess(time.monotonic() - t0, 2.0)
        finally:
            os.close(wfd)
        self.wait_for(lambda: done, 10, "Update to return after the pipe was closed")
        try:
            result = self.conn.call_with_unix_fd_list_finish(done[0])
            self.fail(f"a 1000-byte image was accepted: {result}")
        except GLib.Error as e:
            self.assertTrue((remote_error_name(e) or "").startswith(ERROR + "Image"), e.message)
        self.assertEqual(self.list_jobs(), [])

        # a whole image through a pipe
        rfd, wfd = os.pipe2(os.O_CLOEXEC)
        os.write(wfd, image)  # fits in the pipe's 64 KiB buffer
        os.close(wfd)
        try:
            job = self.call(device, DEVICE, "Update", self.update_args({}), "(o)", fds=[rfd])[0]
        finally:
            os.close(rfd)
        self.assert_job_verified(job, self.wait_job_final(job))


class SlowRebootTest(dfudtest.DfudTestCase):
    def test_slow_reboot(self):
        """a device that answers as the old firmware for 2 s after the reset (its reset delay),
        then swaps for 15 s: neither is taken for the rebooted firmware, the job ends verified
        with one reset"""
        sim = self.start_sim("--slot0", data(OLD), "--time-scale=1", "--reset-delay=2000",
                             "--swap-time=15000")
        self.start_daemon()
        device = self.add_device(sim.uri)
        job = self.update(device, data("hashonly_60k_v2.0.0.bin"))
        props = self.wait_job_final(job)
        self.assert_job_verified(job, props)
        statuses = [s for _, s in self.signals.statuses(job)]
        self.assertEqual(statuses[-4:], ["resetting", "verifying", "confirming", "done"],
                         statuses)
        self.assertEqual(len([e for e in sim.events() if e.get("event") == "reset"]), 1)
        reset_t = [t for t, s in self.signals.statuses(job) if s == "resetting"][0]
        verify_t = [t for t, s in self.signals.statuses(job) if s == "verifying"][0]
        # the verdict waited for the swap, not for the first answer after the reset
        self.assertGreater(verify_t - reset_t, 15, statuses)


class UpdatePolicyTest(dfudtest.DfudTestCase):
    """dfud.conf [Security]: trusted keys and RequireSigned refuse the call itself"""

    @property
    def config(self):
        return ("[Daemon]\nJobLinger=600\n[Security]\n"
                f"TrustedKeys={data('key-ecdsa-p256.pem')}\nRequireSigned=true\n")

    def test_signatures(self):
        sim = self.start_sim("--slot0", data(OLD), "--time-scale=0")
        self.start_daemon()
        self.assertIn("require-signed", self.prop(ROOT, MANAGER, "Features"))
        device = self.add_device(sim.uri)

        # signed by another key
        self.update_error(ERROR + "KeyMismatch", device, data("ed25519_60k_v2.0.0.bin"))
        # not signed at all
        got, message = self.update_error_prefix(ERROR, device, data("hashonly_60k_v2.0.0.bin"))
        self.assertIn(got, (ERROR + "Unsigned", ERROR + "KeyMismatch"), message)
        # signed by the trusted key, but the body was changed
        got, message = self.update_error_prefix(ERROR, device, data("broken_body-corrupt.bin"))
        self.assertIn(got, (ERROR + "ImageHashMismatch", ERROR + "SignatureInvalid"), message)
        self.assertEqual(self.list_jobs(), [])

        # signed by the trusted key: accepted
        job = self.update(device, data("padheader-ecdsa-p256_60k_v1.3.0.bin"))
        self.assert_job_verified(job, self.wait_job_final(job))


if __name__ == "__main__":
    dfudtest.main()
