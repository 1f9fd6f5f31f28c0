#!/usr/bin/python3
# Copyright 2026 The dfud authors
# SPDX-License-Identifier: LGPL-2.1-or-later
"""dfuctl update/upload and watch against dfud and dfud-sim on a private bus: exit codes, the
plain progress lines when stdout is not a terminal, the final "verified" line, --json, --no-wait
with watch, Ctrl-C cancelling the job, a device that reverts. dfuctl runs as a separate process
with DBUS_SESSION_BUS_ADDRESS set to the test bus; the harness (tests/dbus/dfudtest.py) starts
the bus, dfud and the simulator."""

import json
import os
import re
import select
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "dbus"))

import dfudtest  # noqa: E402
from dfudtest import DEVICE, JOB, ROOT, data, hexbytes, version_is  # noqa: E402

OLD = "hashonly_1k_v1.2.3+4.bin"
NEW = "hashonly_60k_v2.0.0.bin"
BIG = "hashonly_300k_v1.0.0.bin"  # older than OLD: needs --allow-downgrade
SIGNED_OLD = "ecdsa-p256_60k_v1.2.3+4.bin"
SIGNED_NEW = "padheader-ecdsa-p256_60k_v1.3.0.bin"
OTHER_KEY = "ed25519_60k_v2.0.0.bin"  # signed, with a key the device does not trust
KEY = "key-ecdsa-p256.pem"

JOB_KEYS = {"id", "path", "device", "status", "result", "mode", "plan", "progress", "bytes_done",
            "bytes_total", "rate", "mtu", "buf_size", "window", "image", "old_version",
            "old_hash", "images", "created", "started", "finished", "restarts", "error_name",
            "error_message"}
STAGES = ("queued", "connecting", "uploading", "testing", "resetting", "verifying",
          "confirming", "done", "failed", "cancelled")
# a plain progress line: "STAGE PERCENT% DONE/TOTAL RATE"
LINE = re.compile(r"^([a-z-]+) (\d+)% (\d+)/(\d+) (-|\d+(\.\d+)? (B|KiB|MiB)/s)$")
FAST = ("--time-scale=0",)


class Run:
    def __init__(self, argv, rc, out, err):
        self.argv = argv
        self.rc = rc
        self.out = out
        self.err = err

    def __str__(self):
        return (f"dfuctl {' '.join(self.argv)}: exit {self.rc}\n--- stdout\n{self.out}"
                f"--- stderr\n{self.err}")


class UpdateCliTestCase(dfudtest.DfudTestCase):
    def env(self):
        env = dict(os.environ)
        env["DBUS_SESSION_BUS_ADDRESS"] = self.bus.address
        env.pop("DBUS_SYSTEM_BUS_ADDRESS", None)
        env["LC_ALL"] = "C.UTF-8"
        return env

    def dfuctl(self, *args, timeout=180):
        argv = [dfudtest.env_path("DFUCTL"), "--session"] + list(args)
        proc = subprocess.run(argv, env=self.env(), capture_output=True, text=True,
                              timeout=timeout, stdin=subprocess.DEVNULL)
        run = Run(list(args), proc.returncode, proc.stdout, proc.stderr)
        sys.stderr.write(f"$ dfuctl {' '.join(args)} -> {run.rc}\n")
        return run

    def expect(self, rc, *args):
        run = self.dfuctl(*args)
        self.assertEqual(run.rc, rc, str(run))
        self.assertNotIn("GDBus.Error", run.err, str(run))
        return run

    def device_path(self, uri):
        return self.add_device(uri)

    def active_image(self, device):
        images = self.call(device, DEVICE, "GetImageState", None, "(aa{sv})")[0]
        active = [i for i in images if i.get("active") and i.get("image") == 0]
        self.assertEqual(len(active), 1, images)
        return active[0]

    def assert_plain_lines(self, lines, final_stage):
        """the progress lines of a non-terminal: parseable, stages forward, bytes forward"""
        self.assertTrue(lines, "no progress lines")
        order = []
        last_done = -1
        for line in lines:
            self.assertNotIn("\r", line)
            self.assertNotIn("\033", line)
            m = LINE.match(line)
            self.assertIsNotNone(m, f"not a progress line: {line!r}")
            stage, percent, done, total = m.group(1), int(m.group(2)), int(m.group(3)), \
                int(m.group(4))
            self.assertIn(stage, STAGES, line)
            self.assertLessEqual(percent, 100, line)
            self.assertLessEqual(done, total, line)
            self.assertGreaterEqual(done, last_done, f"bytes went backwards: {lines}")
            last_done = done
            if not order or order[-1] != stage:
                order.append(stage)
        indexes = [STAGES.index(s) for s in order]
        self.assertEqual(indexes, sorted(indexes), f"stages went backwards: {order}")
        self.assertEqual(order[-1], final_stage, lines)
        return order


class UpdateTest(UpdateCliTestCase):
    def test_update(self):
        """to verified with plain progress lines; the same again is up to date (2)"""
        sim = self.start_sim("--slot0", data(OLD), *dfudtest.SLOW_DEVICE)
        self.start_daemon()
        device = self.device_path(sim.uri)

        # read the lines as they come, to see the once-a-second limit within a stage
        argv = [dfudtest.env_path("DFUCTL"), "--session", "update", sim.uri, data(BIG),
                "--allow-downgrade"]
        proc = subprocess.Popen(argv, env=self.env(), stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True)
        timed = []
        deadline = time.monotonic() + dfudtest.JOB_TIMEOUT
        try:
            for line in proc.stdout:
                timed.append((time.monotonic(), line.rstrip("\n")))
                self.assertLess(time.monotonic(), deadline, "dfuctl update took too long")
            rc = proc.wait(30)
            err = proc.stderr.read()
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            proc.stdout.close()
            proc.stderr.close()
        lines = [text for _, text in timed]
        self.assertEqual(rc, 0, f"exit {rc}\n{lines}\n{err}")
        self.assertEqual(err, "", err)

        # the last line names the device and the version and hash it now runs
        final = lines[-1]
        self.assertEqual(final, f"verified: {sim.uri} runs {self.version_of(final)} "
                                f"(hash {dfudtest.HASHES[BIG]}), confirmed", lines)
        self.assertTrue(version_is(self.version_of(final), "1.0.0"), final)
        order = self.assert_plain_lines(lines[:-1], "done")
        for stage in ("uploading", "testing", "resetting", "verifying", "confirming"):
            self.assertIn(stage, order)
        uploading = [(t, text) for t, text in timed if text.startswith("uploading ")]
        self.assertGreaterEqual(len(uploading), 3, f"too little progress shown: {lines}")
        for (t1, a), (t2, b) in zip(uploading, uploading[1:]):
            # at most once a second (a little slack for the pipe and the scheduler)
            self.assertGreater(t2 - t1, 0.8, f"{a!r} and {b!r} {t2 - t1:.2f} s apart")
        self.assertTrue(lines[-2].startswith("done 100% 307752/307752"), lines)

        # really: the device runs it
        active = self.active_image(device)
        self.assertEqual(hexbytes(active["hash"]), dfudtest.HASHES[BIG])
        self.assertTrue(active["confirmed"])

        # again: nothing to do, 2
        self.wait_device_idle(device)
        run = self.expect(2, "upload", sim.uri, data(BIG), "--allow-downgrade")
        self.assertRegex(run.out.splitlines()[-1],
                         rf"^up to date: {re.escape(sim.uri)} already runs \S+ \(hash "
                         rf"{dfudtest.HASHES[BIG]}\)$", str(run))

    @staticmethod
    def version_of(line):
        m = re.search(r" runs (\S+) \(hash ", line)
        return m.group(1) if m else ""

    def test_refused(self):
        """files and devices refused: 65, 66, 3, 64; no job is made"""
        sim = self.start_sim("--slot0", data(OLD), *FAST)
        self.start_daemon()
        device = self.device_path(sim.uri)

        for name in ("broken_bad-magic.bin", "broken_truncated-body.bin"):
            run = self.expect(65, "update", sim.uri, data(name))
            self.assertRegex(run.err, r"^dfuctl update: .+ \(Image[A-Za-z]+\)\n$", str(run))
            run = self.expect(65, "update", sim.uri, data(name), "--json")
            obj = json.loads(run.out)
            self.assertEqual(set(obj), {"error"}, run.out)
            self.assertTrue(obj["error"]["name"].startswith("Image"), run.out)
            self.assertNotEqual(obj["error"]["message"], "", run.out)

        missing = os.path.join(self.tmpdir, "no-such-file.bin")
        run = self.expect(66, "update", sim.uri, missing)
        self.assertIn(missing, run.err)
        self.assertIn("(Io)", run.err)
        run = self.expect(66, "update", sim.uri, self.tmpdir)
        self.assertIn("directory", run.err)
        # the file is checked before the device: a missing file is 66 for any device
        self.expect(66, "update", "nosuch", missing)

        for selector in ("nosuch", "9", ROOT + "/Device/nosuch"):
            run = self.expect(3, "update", selector, data(NEW))
            self.assertIn("(NotFound)", run.err, str(run))

        # usage errors: 64
        for args in (("update",), ("update", sim.uri), ("update", sim.uri, data(NEW), "x"),
                     ("update", sim.uri, data(NEW), "--mode", "sideways"),
                     ("update", sim.uri, data(NEW), "--wait", "--no-wait"),
                     ("update", sim.uri, data(NEW), "--image", "-2"),
                     ("update", sim.uri, data(NEW), "--bogus")):
            run = self.expect(64, *args)
            self.assertIn("Try 'dfuctl", run.err, str(run))
        self.assertIn("Exit status", self.expect(0, "update", "--help").out)

        self.assertEqual(self.list_jobs(), [])
        self.assertEqual(self.prop(device, DEVICE, "CurrentJob"), "/")

    def test_json(self):
        """--json: one object at the end, the final job record; a failure says why"""
        sim = self.start_sim("--slot0", data(OLD), *FAST)
        self.start_daemon()
        run = self.expect(0, "update", sim.uri, data(NEW), "--json")
        obj = json.loads(run.out)  # the whole output is one object
        self.assertEqual(set(obj), JOB_KEYS, run.out)
        self.assertEqual((obj["status"], obj["result"]), ("done", "verified"), run.out)
        self.assertEqual(obj["mode"], "test-and-confirm")
        # the device's default swap-move MCUboot: test, reset, verify, confirm
        self.assertEqual((obj["plan"]["bootloader_mode"], obj["plan"]["strategy"],
                          obj["plan"]["state_write"], obj["plan"]["success"]),
                         ("swap-move", "swap", "test", "confirmed"), obj["plan"])
        self.assertIn("test, reset, verify, confirm", obj["plan"]["steps"])
        self.assertEqual(obj["progress"], 100)
        self.assertEqual(obj["bytes_done"], obj["bytes_total"])
        self.assertIsNone(obj["error_name"])
        self.assertEqual(len(obj["images"]), 1, obj["images"])
        self.assertEqual(obj["images"][0]["hash"], dfudtest.HASHES[NEW])
        self.assertTrue(version_is(obj["images"][0]["version"], "2.0.0"), obj["images"])
        self.assertEqual(obj["old_hash"], dfudtest.HASHES[OLD])
        self.assertTrue(obj["path"].startswith(ROOT + "/Job/"), obj["path"])

        # upload-only through the alias, with the JSON of the other result
        self.wait_device_idle(self.device_path(sim.uri))
        run = self.expect(0, "upload", sim.uri, data(OLD), "--mode", "upload-only",
                          "--allow-downgrade", "--json")
        obj = json.loads(run.out)
        self.assertEqual((obj["status"], obj["result"], obj["mode"]),
                         ("done", "uploaded", "upload-only"), run.out)


class WatchTest(UpdateCliTestCase):
    def test_no_wait_and_watch(self):
        sim = self.start_sim("--slot0", data(OLD), *dfudtest.SLOW_DEVICE)
        self.start_daemon()
        device = self.device_path(sim.uri)

        # --no-wait --json: the queued job's record
        run = self.expect(0, "update", sim.uri, data(BIG), "--allow-downgrade", "--no-wait",
                          "--json")
        queued = json.loads(run.out)
        self.assertEqual(set(queued), JOB_KEYS, run.out)
        self.assertNotIn(queued["status"], ("done", "failed", "cancelled"), run.out)
        job = queued["path"]

        # watch (every active job) --json: JSON lines, one per change, to the end
        run = self.expect(0, "watch", "--json")
        objs = [json.loads(line) for line in run.out.splitlines()]
        self.assertGreater(len(objs), 3, run.out)
        for obj in objs:
            self.assertEqual(set(obj), JOB_KEYS, obj)
            self.assertEqual(obj["path"], job)
        self.assertEqual((objs[-1]["status"], objs[-1]["result"]), ("done", "verified"))
        done = [o["bytes_done"] for o in objs]
        self.assertEqual(done, sorted(done), done)
        self.assertTrue(any(0 < d < objs[-1]["bytes_total"] for d in done),
                        f"no progress seen: {done}")

        # --no-wait in text: the job's path; then watch it by id
        self.wait_device_idle(device)
        run = self.expect(0, "update", sim.uri, data(NEW), "--no-wait")
        path = run.out.strip()
        self.assertRegex(path, r"^/org/dfud/Dfu1/Job/\d+$", str(run))
        run = self.expect(0, "watch", path.rsplit("/", 1)[1])
        lines = run.out.splitlines()
        self.assert_plain_lines(lines[:-1], "done")
        self.assertTrue(lines[-1].startswith(f"verified: {sim.uri} runs "), str(run))
        self.assertIn(dfudtest.HASHES[NEW], lines[-1])

        # a finished job: watch shows its end at once
        run = self.expect(0, "watch", path)
        self.assertTrue(run.out.splitlines()[-1].startswith("verified: "), str(run))
        # nothing active: watch says so
        self.assertIn("no active jobs", self.expect(0, "watch").out)
        # unknown job: 3
        run = self.expect(3, "watch", "999")
        self.assertIn("(NotFound)", run.err)


class CancelTest(UpdateCliTestCase):
    def test_sigint_cancels(self):
        """Ctrl-C while waiting cancels the job and exits 1"""
        sim = self.start_sim("--slot0", data(OLD), *dfudtest.SLOW_DEVICE)
        self.start_daemon()
        device = self.device_path(sim.uri)
        argv = [dfudtest.env_path("DFUCTL"), "--session", "update", sim.uri, data(BIG),
                "--allow-downgrade"]
        proc = subprocess.Popen(argv, env=self.env(), stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True)
        seen = []
        try:
            deadline = time.monotonic() + 60
            # wait until the upload has begun and shown some bytes
            while True:
                self.assertLess(time.monotonic(), deadline, f"no upload seen: {seen}")
                ready, _, _ = select.select([proc.stdout], [], [], 1.0)
                if not ready:
                    continue
                line = proc.stdout.readline()
                self.assertNotEqual(line, "", f"dfuctl ended early: {seen}")
                seen.append(line.rstrip("\n"))
                m = LINE.match(seen[-1])
                if m and m.group(1) == "uploading" and int(m.group(3)) > 0:
                    break
            proc.send_signal(signal.SIGINT)
            out, err = proc.communicate(timeout=60)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        self.assertEqual(proc.returncode, 1, f"{seen}\n{out}\n{err}")
        self.assertIn("interrupted: cancelling job", err)
        self.assertRegex(err, r"job \d+ was cancelled: .*\(Cancelled\)", err)
        jobs = self.list_jobs()
        self.assertEqual(len(jobs), 1, jobs)
        props = self.props(jobs[0], JOB)
        self.assertEqual((props["Status"], props["Result"]), ("cancelled", "cancelled"),
                         dfudtest.describe_job(props))
        self.assertLess(props["BytesDone"], props["BytesTotal"])
        self.wait_device_idle(device)
        # the device still runs the old image
        self.assertEqual(hexbytes(self.active_image(device)["hash"]), dfudtest.HASHES[OLD])


class RevertTest(UpdateCliTestCase):
    def test_reverted(self):
        """a device that boots only images of its key: a wrongly signed one reverts, 6"""
        sim = self.start_sim("--slot0", data(SIGNED_OLD), "--key", data(KEY), *FAST)
        self.start_daemon()
        device = self.device_path(sim.uri)

        run = self.expect(6, "update", sim.uri, data(OTHER_KEY))
        self.assertRegex(run.err, r"^dfuctl update: job \d+ failed: .+ \(Reverted\)\n$",
                         str(run))
        self.assertNotIn("verified", run.out)
        self.assert_plain_lines(run.out.splitlines(), "failed")

        # the JSON record says the same
        self.wait_device_idle(device)
        run = self.expect(6, "update", sim.uri, data(OTHER_KEY), "--json")
        obj = json.loads(run.out)
        self.assertEqual((obj["status"], obj["result"]), ("failed", "failed"), run.out)
        self.assertEqual(obj["error_name"], "org.dfud.Dfu1.Error.Reverted", run.out)
        self.assertIn("(Reverted)", run.err)

        # and the rightly signed one goes through: the check is real
        self.wait_device_idle(device)
        run = self.expect(0, "update", sim.uri, data(SIGNED_NEW))
        self.assertRegex(run.out.splitlines()[-1], r"^verified: .* runs 1\.3\.0(\+0|\.0)? ")
        self.assertEqual(hexbytes(self.active_image(device)["hash"]),
                         "d59773e23188316eeeee696b21144f46144b1bcc37db5422f22e7f640b2814eb")


class NoSwapTest(UpdateCliTestCase):
    # a wait for the reset's timeout could not pass for the verdict
    config = "[Daemon]\nJobLinger=600\n[Timeouts]\nReset=120\nResetGrace=2\n"

    def test_no_swap(self):
        """a device with no bootloader that swaps (Zephyr's smp_svr on native_sim): reset, the
        old image runs again, the new one stays pending: 6 within seconds, saying so"""
        sim = self.start_sim("--slot0", data(OLD), "--bootloader=none", "--swap-time=10", *FAST)
        self.start_daemon()
        start = time.monotonic()
        run = self.expect(6, "update", sim.uri, data(NEW))
        self.assertLess(time.monotonic() - start, 30, str(run))
        self.assertIn("still pending in slot 1: the bootloader did not swap", run.err, str(run))
        self.assertIn("(Reverted)", run.err, str(run))
        self.assertEqual(len([e for e in sim.events() if e.get("event") == "reset"]), 1)


class PermanentTest(UpdateCliTestCase):
    def test_accept_permanent(self):
        """overwrite-only has no test boot: --mode test-only is refused (64, PermanentInstall)
        before the upload unless --accept-permanent, and the success then says permanent"""
        sim = self.start_sim("--slot0", data(OLD), "--bootloader=overwrite-only", *FAST)
        self.start_daemon()
        device = self.device_path(sim.uri)

        run = self.expect(64, "update", sim.uri, data(NEW), "--mode", "test-only")
        self.assertRegex(run.err, r"job \d+ failed: .*no test boot.* \(PermanentInstall\)\n$",
                         str(run))
        uploads = lambda: [e for e in sim.events()  # noqa: E731
                           if e.get("event") == "request" and e.get("command") == "image upload"]
        self.assertEqual(uploads(), [])

        self.wait_device_idle(device)
        run = self.expect(0, "update", sim.uri, data(NEW), "--mode", "test-only",
                          "--accept-permanent")
        self.assertRegex(run.out.splitlines()[-1],
                         r"^verified: .* runs 2\.0\.0.*, permanent: the bootloader has no old "
                         r"image to go back to$", str(run))
        self.assertEqual(hexbytes(self.active_image(device)["hash"]), dfudtest.HASHES[NEW])
        self.assertTrue(self.active_image(device)["confirmed"])
        self.assertNotEqual(uploads(), [])

        # the job record names the plan
        run = self.expect(0, "jobs", "--json")
        plans = [j["plan"] for j in json.loads(run.out)["jobs"]]
        self.assertIn({"bootloader_mode": "overwrite-only", "strategy": "overwrite-only",
                       "state_write": "confirm", "success": "permanent",
                       "steps": "overwrite-only: upload, confirm, reset, verify; success: "
                                "permanent"}, plans)


class SerialTest(UpdateCliTestCase):
    def test_serial(self):
        """dfuctl update serial:PORT, no add first: verified over the pseudo-terminal of
        dfud-sim --serial (reached through its link, which follows the PTY the reset reopens);
        dfuctl images on the same URI shows the new image running"""
        sim = self.start_sim("--serial", "--slot0", data(OLD), *FAST)
        self.start_daemon()
        run = self.expect(0, "update", sim.serial_uri, data(NEW))
        final = run.out.splitlines()[-1]
        self.assertEqual(final, f"verified: {sim.serial_uri}?baud=115200 runs "
                                f"{UpdateTest.version_of(final)} (hash {dfudtest.HASHES[NEW]}), confirmed",
                         run.out)
        run = self.expect(0, "images", sim.serial_uri)
        self.assertIn(dfudtest.HASHES[NEW], run.out)
        # a device in MCUboot's serial recovery is refused, untouched, unless --recovery
        other = self.start_sim("--serial", "--serial-recovery", "--slot0", data(OLD), *FAST)
        run = self.expect(64, "update", other.serial_uri, data(NEW))
        self.assertRegex(run.err, r"serial recovery.*--recovery.* \(RecoveryNeeded\)\n$", str(run))
        self.assertFalse([e for e in other.events() if e.get("command") == "image upload"])

    def test_recovery(self):
        """dfuctl update --recovery serial:PORT: through MCUboot's serial recovery, verified and
        permanent; the application then runs the new image"""
        sim = self.start_sim("--serial", "--serial-recovery", "--slot0", data(OLD), *FAST)
        self.start_daemon()
        run = self.expect(0, "update", "--recovery", sim.serial_uri, data(NEW))
        self.assertRegex(run.out.splitlines()[-1],
                         rf"^verified: .* runs 2\.0\.0.*{dfudtest.HASHES[NEW]}.*, permanent",
                         str(run))
        self.assertTrue([e for e in sim.events() if e.get("command") == "image upload"])
        run = self.expect(0, "images", sim.serial_uri)
        self.assertIn(dfudtest.HASHES[NEW], run.out)
        # the job record names the plan
        run = self.expect(0, "jobs", "--json")
        plan = json.loads(run.out)["jobs"][-1]["plan"]
        self.assertEqual((plan["strategy"], plan["state_write"], plan["success"]),
                         ("serial-recovery", "none", "permanent"), plan)
        self.assertIn("over the old image", plan["steps"])


if __name__ == "__main__":
    dfudtest.main()
