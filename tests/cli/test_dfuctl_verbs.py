#!/usr/bin/python3
# Copyright 2026 The dfud authors
# SPDX-License-Identifier: LGPL-2.1-or-later
"""dfuctl's plain verbs against dfud and dfud-sim on a private bus: exit codes, --json keys,
text output. dfuctl runs as a separate process with DBUS_SESSION_BUS_ADDRESS set to the test
bus; the harness (tests/dbus/dfudtest.py) starts the bus, dfud and the simulator."""

import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "dbus"))

import dfudtest  # noqa: E402
from dfudtest import DEVICE, ERROR, JOB, data  # noqa: E402

OLD = "hashonly_1k_v1.2.3+4.bin"
NEW = "hashonly_60k_v2.0.0.bin"
BIG = "hashonly_300k_v1.0.0.bin"
SLOW_OPTIONS = {"allow-downgrade": dfudtest.GLib.Variant("b", True)}

DEVICE_KEYS = {"index", "object", "path", "name", "uri", "transport", "address", "connected",
               "state", "current_job", "active_version"}
INFO_KEYS = {"path", "object", "index", "name", "uri", "transport", "address", "bluez_device",
             "added", "connected", "state", "current_job", "bootloader_mode", "no_downgrade",
             "os_info", "active_version", "last_update", "images"}
SLOT_KEYS = {"image", "slot", "version", "hash", "active", "confirmed", "pending", "permanent",
             "bootable", "size"}
JOB_KEYS = {"id", "path", "device", "status", "result", "mode", "plan", "progress", "bytes_done",
            "bytes_total", "rate", "mtu", "buf_size", "window", "image", "old_version",
            "old_hash", "images", "created", "started", "finished", "restarts", "error_name",
            "error_message"}
HISTORY_KEYS = {"job", "device", "name", "result", "error_name", "error_message", "old_version",
                "old_hash", "new_version", "new_hash", "started", "duration_ms", "bytes", "rate"}
# the device reboots after reset: retried for this long
REBOOT_S = 30


class Run:
    def __init__(self, argv, proc):
        self.argv = argv
        self.rc = proc.returncode
        self.out = proc.stdout
        self.err = proc.stderr

    def __str__(self):
        return (f"dfuctl {' '.join(self.argv)}: exit {self.rc}\n--- stdout\n{self.out}"
                f"--- stderr\n{self.err}")


class DfuctlTestCase(dfudtest.DfudTestCase):
    def dfuctl(self, *args, timeout=120):
        env = dict(os.environ)
        env["DBUS_SESSION_BUS_ADDRESS"] = self.bus.address
        env.pop("DBUS_SYSTEM_BUS_ADDRESS", None)
        env["NO_COLOR"] = "1"
        env["LC_ALL"] = "C.UTF-8"
        argv = [dfudtest.env_path("DFUCTL")] + list(args)
        proc = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=timeout,
                              stdin=subprocess.DEVNULL)
        run = Run(list(args), proc)
        sys.stderr.write(f"$ dfuctl {' '.join(args)} -> {run.rc}\n")
        return run

    def ok(self, *args):
        run = self.dfuctl(*args)
        self.assertEqual(run.rc, 0, str(run))
        return run

    def ok_json(self, *args):
        run = self.ok(*args, "--json")
        try:
            return json.loads(run.out)
        except ValueError as e:
            self.fail(f"not one JSON object ({e}): {run}")

    def fails(self, rc, error_name, *args):
        """exits with @rc; with --json also prints the error object naming @error_name"""
        run = self.dfuctl(*args)
        self.assertEqual(run.rc, rc, str(run))
        if error_name is not None:
            self.assertIn(f"({error_name})", run.err, str(run))
            self.assertNotIn("GDBus.Error", run.err, str(run))
        if error_name is None:  # a usage error of dfuctl's own
            self.assertEqual(rc, 64)
            self.assertIn("Try 'dfuctl", run.err, str(run))
            return run
        verb = [a for a in args if not a.startswith("-")][0]
        self.assertTrue(run.err.startswith(f"dfuctl {verb}: "), str(run))
        jrun = self.dfuctl(*args, "--json")
        self.assertEqual(jrun.rc, rc, str(jrun))
        obj = json.loads(jrun.out)
        self.assertEqual(set(obj), {"error"}, str(jrun))
        self.assertEqual(set(obj["error"]), {"name", "message"}, str(jrun))
        if error_name is not None:
            self.assertEqual(obj["error"]["name"], error_name, str(jrun))
        return run

    def retrying(self, *args, timeout=REBOOT_S):
        """a verb while the device reboots: Busy (5) and Timeout (1) retried until @timeout"""
        deadline = dfudtest.time.monotonic() + timeout
        while True:
            run = self.dfuctl(*args)
            if run.rc == 0 or dfudtest.time.monotonic() > deadline:
                return run
            self.spin(0.3)

    def assert_keys(self, obj, keys, what):
        self.assertEqual(set(obj), keys, f"{what}: {json.dumps(obj, indent=1)}")


class DevicesTest(DfuctlTestCase):
    def test_no_daemon(self):
        run = self.fails(3, "NotFound", "--session", "devices")
        self.assertIn("dfud is not running on the session bus", run.err)
        # --session also after the verb
        self.fails(3, "NotFound", "info", "1", "--session")

    def test_devices(self):
        sim = self.start_sim("--slot0", data(OLD), "--time-scale=0", count=3)
        self.start_daemon()

        self.assertEqual(self.ok_json("--session", "devices"), {"devices": []})
        self.assertIn("none", self.ok("--session", "devices").out)

        # add: path and index
        added = self.ok_json("--session", "add", sim.uris[0], "--name", "alpha")
        self.assert_keys(added, {"path", "index", "object", "uri", "name"}, "add")
        self.assertTrue(added["path"].startswith("/org/dfud/Dfu1/Device/"), added)
        self.assertEqual(added["index"], 1)
        self.assertEqual(added["name"], "alpha")
        self.assertEqual(added["uri"], sim.uris[0])
        # adding again returns the same device
        self.assertEqual(self.ok_json("--session", "add", sim.uris[0])["path"], added["path"])
        text = self.ok("--session", "add", sim.uris[1]).out
        self.assertIn("/org/dfud/Dfu1/Device/", text)
        self.assertIn("Index:", text)

        listed = self.ok_json("--session", "devices")["devices"]
        self.assertEqual(len(listed), 2, listed)
        self.assertEqual([d["index"] for d in listed], [1, 2])
        self.assertEqual(sorted(d["path"] for d in listed), [d["path"] for d in listed])
        for d in listed:
            self.assert_keys(d, DEVICE_KEYS, "devices entry")
            self.assertEqual(d["transport"], "udp")
            self.assertEqual(d["state"], "idle")
            self.assertIs(d["connected"], False)
            self.assertIsNone(d["current_job"])
            self.assertIsNone(d["active_version"])  # slots never read yet
            self.assertEqual(d["object"], d["path"].rsplit("/", 1)[1])
        alpha = [d for d in listed if d["name"] == "alpha"][0]
        text = self.ok("--session", "devices").out
        self.assertIn(f"[{alpha['index']}] {alpha['object']} (alpha)", text)
        self.assertIn("State:", text)

        # info through every kind of selector gives the same device
        info = self.ok_json("--session", "info", "alpha")
        self.assert_keys(info, INFO_KEYS, "info")
        self.assertEqual(info["path"], alpha["path"])
        self.assertIs(info["added"], True)
        self.assertIsNone(info["bluez_device"])
        self.assertIsNone(info["last_update"])
        self.assertEqual(info["images"], [])
        # nothing read yet: not known
        self.assertIsNone(info["no_downgrade"])
        self.assertIsNone(info["os_info"])
        for selector in (str(alpha["index"]), alpha["path"], alpha["object"], sim.uris[0]):
            self.assertEqual(self.ok_json("--session", "info", selector)["path"],
                             alpha["path"], selector)
        text = self.ok("--session", "info", "alpha").out
        for label in ("Device:", "URI:", "Transport:", "State:", "Last update:"):
            self.assertIn(label, text)

        # unknown devices: 3
        for selector in ("nosuch", "7", "0", "/org/dfud/Dfu1/Device/nosuch"):
            run = self.fails(3, "NotFound", "--session", "info", selector)
            self.assertIn(selector, run.err)
        # info never adds: a URI dfud does not know is 3, with the way to add it
        third = sim.uris[2]
        for selector in (third, third + "?mtu=1280", "udp:localhost:9", "AA:BB:CC:DD:EE:01"):
            run = self.fails(3, "NotFound", "--session", "info", selector)
            self.assertIn("dfuctl add", run.err)
        self.assertEqual(len(self.ok_json("--session", "devices")["devices"]), 2)
        # a URI no device can have says what is wrong (64), for every verb, and adds nothing
        for verb, selector, says in (("info", "udp:999.1.1.1:5", "not an IPv4 address"),
                                     ("info", "udp:[fe80::1]:5", "needs its interface"),
                                     ("info", "udp:127.0.0.1:5?foo=1", "unknown option"),
                                     ("info", "tcp:127.0.0.1:5", "unknown scheme"),
                                     ("images", "udp:1.2.3:5", "not an IPv4 address"),
                                     ("reset", "udp:my_board:5", "not a host name"),
                                     ("remove", "ble:00:00:00:00:00:00", "cannot be a device"),
                                     ("add", "udp:127.0.0.1:5?mtu=100", "not an IP MTU")):
            run = self.fails(64, "InvalidArgument", "--session", verb, selector)
            self.assertIn(says, run.err)
        # a host name that does not resolve is not added either (3)
        run = self.fails(3, "NotFound", "--session", "add", "udp:no-such-device.invalid:5")
        self.assertIn("does not resolve", run.err)
        self.assertEqual(len(self.ok_json("--session", "devices")["devices"]), 2)
        # a verb that acts on a device still takes a URI dfud does not know, and adds it
        images = self.ok_json("--session", "images", third)
        self.assertEqual(images["uri"], third)
        self.assertEqual(self.ok_json("--session", "info", third)["uri"], third)
        self.assertEqual(len(self.ok_json("--session", "devices")["devices"]), 3)
        # but remove never adds
        self.fails(3, "NotFound", "--session", "remove", "udp:127.0.0.1:10")

        # usage: 64
        self.fails(64, None, "--session", "info")
        self.fails(64, None, "--session", "info", "1", "2")
        self.fails(64, None, "--session", "add")
        self.fails(64, None, "--session", "devices", "extra")
        self.fails(64, None, "--session", "devices", "--bogus")
        self.fails(64, None, "--session", "frobnicate")
        # a bad URI is the daemon's InvalidArgument: 64 too
        self.fails(64, "InvalidArgument", "--session", "add", "tcp:127.0.0.1:1")
        # --help: 0, with the exit codes
        run = self.ok("info", "--help")
        self.assertIn("Exit status", run.out)

        # remove
        removed = self.ok_json("--session", "remove", "alpha")
        self.assertEqual(removed["path"], alpha["path"])
        self.fails(3, "NotFound", "--session", "remove", "alpha")
        left = self.ok_json("--session", "devices")["devices"]
        self.assertEqual(len(left), 2, left)
        self.assertNotIn(alpha["path"], [d["path"] for d in left])
        self.assertIn("Removed:", self.ok("--session", "remove", "1").out)


class CommandsTest(DfuctlTestCase):
    def test_commands(self):
        sim = self.start_sim("--slot0", data(OLD), "--time-scale=0",
                             # the reboot at once: the test reads the state right after Reset
                             "--reset-delay=0", "--slot-info", "--slot-size=0x76000")
        self.start_daemon()
        device = self.add_device(sim.uri)
        old_hash = dfudtest.HASHES[OLD]
        new_hash = dfudtest.HASHES[NEW]

        # echo
        echo = self.ok_json("--session", "echo", "1", "hello dfud")
        self.assert_keys(echo, {"device", "command", "text", "reply"}, "echo")
        self.assertEqual(echo["reply"], "hello dfud")
        self.assertEqual(echo["device"], device)
        self.assertRegex(self.ok("--session", "echo", sim.uri, "hello dfud").out,
                         r"Reply: +hello dfud\n")

        # images reads the device
        images = self.ok_json("--session", "images", "1")
        self.assert_keys(images, {"path", "uri", "bootloader_mode", "active_version", "images"},
                         "images")
        self.assertEqual(images["bootloader_mode"], "swap-move")
        self.assertTrue(dfudtest.version_is(images["active_version"], "1.2.3+4"), images)
        self.assertEqual(len(images["images"]), 1, images)
        slot = images["images"][0]
        self.assert_keys(slot, SLOT_KEYS, "slot")
        self.assertEqual((slot["image"], slot["slot"], slot["hash"]), (0, 0, old_hash))
        self.assertEqual((slot["active"], slot["confirmed"], slot["pending"]), (True, True, False))
        self.assertEqual(slot["size"], 0x76000, slot)  # the device's slot info
        text = self.ok("--session", "images", "1").out
        self.assertRegex(text, r"Slot size: +483328\n")
        self.assertIn("Image 0, slot 0", text)
        self.assertIn(old_hash, text)
        self.assertIn("active confirmed", text)
        # info now shows what was read
        info = self.ok_json("--session", "info", "1")
        self.assertEqual([s["hash"] for s in info["images"]], [old_hash])
        self.assertEqual(info["bootloader_mode"], "swap-move")
        self.assertIs(info["no_downgrade"], False)
        self.assertIn("nrf52840dk", info["os_info"])  # os info "a": the board among it
        text = self.ok("--session", "info", "1").out
        self.assertRegex(text, r"Downgrade prevention: +no\n")

        # test: bad hashes are usage errors and never reach the daemon
        self.fails(64, None, "--session", "test", "1", "xyz")
        self.fails(64, None, "--session", "test", "1", "abcd")
        self.fails(64, None, "--session", "test", "1")
        # a hash no slot holds: the device's error, exit 1, naming the SMP error
        run = self.fails(1, "Device", "--session", "test", "1", "aa" * 32)
        self.assertIn("IMG_MGMT_ERR_HASH_NOT_FOUND", run.err)

        # an upload-only job puts NEW into slot 1, then test/reset/confirm/erase by dfuctl
        job = self.update(device, data(NEW), {"mode": dfudtest.GLib.Variant("s", "upload-only")})
        self.assertEqual(self.wait_job_final(job)["Result"], "uploaded")
        self.wait_device_idle(device)
        tested = self.ok_json("--session", "test", "1", new_hash.upper())
        self.assert_keys(tested, {"device", "command", "hash"}, "test")
        self.assertEqual(tested["hash"], new_hash)
        slots = {(s["image"], s["slot"]): s
                 for s in self.ok_json("--session", "images", "1")["images"]}
        self.assertTrue(slots[(0, 1)]["pending"], slots)

        reset = self.ok_json("--session", "reset", "1")
        self.assert_keys(reset, {"device", "command", "force"}, "reset")
        self.assertIs(reset["force"], False)
        run = self.retrying("--session", "images", "1", "--json")
        self.assertEqual(run.rc, 0, str(run))
        active = [s for s in json.loads(run.out)["images"] if s["active"]]
        self.assertEqual([s["hash"] for s in active], [new_hash], run.out)
        self.assertIs(active[0]["confirmed"], False)

        confirmed = self.ok_json("--session", "confirm", "1")
        self.assertEqual(confirmed["command"], "confirm")
        self.assertIsNone(confirmed["hash"])
        slots = self.ok_json("--session", "images", "1")["images"]
        self.assertTrue([s for s in slots if s["active"]][0]["confirmed"], slots)
        self.fails(64, None, "--session", "confirm", "1", "00")

        erased = self.ok_json("--session", "erase", "1")
        self.assertIsNone(erased["slot"])
        slots = self.ok_json("--session", "images", "1")["images"]
        self.assertEqual([s["hash"] for s in slots], [new_hash], slots)
        self.fails(64, None, "--session", "erase", "1", "--slot", "x")
        # erasing the running slot: the device refuses
        run = self.dfuctl("--session", "erase", "1", "--slot", "0")
        self.assertEqual(run.rc, 1, str(run))
        self.assertRegex(run.err, r"\((Device|InvalidArgument)\)")

        # reset --force
        self.assertIs(self.ok_json("--session", "reset", "1", "--force")["force"], True)
        self.assertEqual(self.retrying("--session", "echo", "1", "back").rc, 0)

        # unknown device: 3
        for verb in (("echo", "nosuch", "x"), ("images", "nosuch"), ("reset", "9"),
                     ("confirm", "nosuch"), ("erase", "nosuch"), ("test", "9", "aa" * 32)):
            self.fails(3, "NotFound", "--session", *verb)

        requests = [e.get("command") for e in sim.events() if e.get("event") == "request"]
        for command in ("os echo", "image state write", "os reset", "image erase"):
            self.assertIn(command, requests)

    def test_busy(self):
        sim = self.start_sim("--slot0", data(OLD), *dfudtest.SLOW_DEVICE)
        self.start_daemon()
        device = self.add_device(sim.uri)
        job = self.update(device, data(BIG), SLOW_OPTIONS)
        self.wait_job(job, lambda p: p["Status"] == "uploading" and p["BytesDone"] > 0, 30,
                      "uploading")
        for verb in (("echo", "1", "x"), ("images", "1"), ("reset", "1"), ("confirm", "1"),
                     ("erase", "1")):
            run = self.fails(5, "Busy", "--session", *verb)
            self.assertIn("Busy", run.err)
        self.fails(5, "Busy", "--session", "remove", "1")
        info = self.ok_json("--session", "info", "1")
        self.assertEqual(info["state"], "updating")
        self.assertEqual(info["current_job"], job)
        self.assertEqual(self.ok_json("--session", "devices")["devices"][0]["current_job"], job)
        self.call(job, JOB, "Cancel")
        self.wait_job_final(job)


class JobsTest(DfuctlTestCase):
    def test_jobs(self):
        sim = self.start_sim("--slot0", data(OLD), *dfudtest.SLOW_DEVICE)
        self.start_daemon()
        device = self.add_device(sim.uri, name="slow")

        self.assertEqual(self.ok_json("--session", "jobs"), {"jobs": []})
        self.assertIn("Jobs: none", self.ok("--session", "jobs").out)
        self.assertEqual(self.ok_json("--session", "history"), {"history": []})

        job = self.update(device, data(BIG), SLOW_OPTIONS)
        job_id = int(job.rsplit("/", 1)[1])
        self.wait_job(job, lambda p: p["Status"] == "uploading" and p["BytesDone"] > 0, 30,
                      "uploading")
        jobs = self.ok_json("--session", "jobs")["jobs"]
        self.assertEqual(len(jobs), 1, jobs)
        j = jobs[0]
        self.assert_keys(j, JOB_KEYS, "job")
        self.assertEqual((j["id"], j["path"], j["device"]), (job_id, job, device))
        self.assertIn(j["status"], ("uploading", "connecting"))
        self.assertIsNone(j["result"])
        self.assertEqual(j["mode"], "test-and-confirm")
        self.assertGreater(j["bytes_total"], 0)
        self.assertTrue(0 <= j["progress"] <= 100, j)
        self.assertIsInstance(j["rate"], int)
        self.assertIsInstance(j["created"], int)
        self.assertIsNone(j["finished"])
        self.assertIsNone(j["error_name"])
        self.assertEqual(len(j["images"]), 1, j)
        self.assertEqual(set(j["images"][0]), {"image", "role", "version", "hash", "size"})
        self.assertEqual(j["images"][0]["hash"], dfudtest.HASHES[BIG])
        text = self.ok("--session", "jobs").out
        self.assertIn(f"Job {job_id}: ", text)
        self.assertIn("Progress:", text)

        # cancel by id; the job ends cancelled
        cancelled = self.ok_json("--session", "cancel", str(job_id))
        self.assert_keys(cancelled, {"id", "path", "device"}, "cancel")
        self.assertEqual(cancelled["id"], job_id)
        props = self.wait_job_final(job)
        self.assertEqual(props["Status"], "cancelled")
        # a second cancel has nothing to do: 2
        self.fails(2, "NothingToDo", "--session", "cancel", job)
        # unknown jobs: 3; no JOB: 64
        self.fails(3, "NotFound", "--session", "cancel", "999")
        self.fails(3, "NotFound", "--session", "cancel", "nosuch")
        self.fails(64, None, "--session", "cancel")

        # the finished job is still listed, with its error
        j = [x for x in self.ok_json("--session", "jobs")["jobs"] if x["id"] == job_id][0]
        self.assertEqual((j["status"], j["result"]), ("cancelled", "cancelled"))
        self.assertEqual(j["error_name"], ERROR + "Cancelled")
        self.assertIsInstance(j["finished"], int)

        # a finished update of a fast device, then history
        fast = self.start_sim("--slot0", data(OLD), "--time-scale=0")
        other = self.add_device(fast.uri, name="fast")
        job2 = self.update(other, data(NEW))
        self.assert_job_verified(job2, self.wait_job_final(job2))

        history = self.ok_json("--session", "history")["history"]
        self.assertEqual(len(history), 2, history)
        for entry in history:
            self.assert_keys(entry, HISTORY_KEYS, "history entry")
        newest = history[0]
        self.assertEqual(newest["job"], int(job2.rsplit("/", 1)[1]))
        self.assertEqual(newest["result"], "verified")
        self.assertEqual(newest["device"], fast.uri)
        self.assertEqual(newest["new_hash"], dfudtest.HASHES[NEW])
        self.assertIsNone(newest["error_name"])
        self.assertIsInstance(newest["duration_ms"], int)
        self.assertEqual(history[1]["result"], "cancelled")
        self.assertEqual(history[1]["error_name"], ERROR + "Cancelled")

        only = self.ok_json("--session", "history", "slow")["history"]
        self.assertEqual([e["job"] for e in only], [job_id])
        self.assertEqual(len(self.ok_json("--session", "history", "--limit", "1")["history"]), 1)
        self.assertEqual([e["job"] for e in self.ok_json("--session", "history", fast.uri)
                          ["history"]], [newest["job"]])
        text = self.ok("--session", "history").out
        self.assertIn("Result:", text)
        self.assertIn("verified", text)
        self.fails(3, "NotFound", "--session", "history", "nosuch")
        self.fails(64, None, "--session", "history", "--limit", "x")
        self.fails(64, None, "--session", "history", "a", "b")

        # info shows the last update
        info = self.ok_json("--session", "info", "fast")
        self.assert_keys(info["last_update"], HISTORY_KEYS, "last_update")
        self.assertEqual(info["last_update"]["result"], "verified")
        self.assertTrue(dfudtest.version_is(info["active_version"], "2.0.0"), info)
        self.assertIn("Last update:", self.ok("--session", "info", "fast").out)


if __name__ == "__main__":
    dfudtest.main()
