#!/usr/bin/python3
# Copyright 2026 The dfud authors
# SPDX-License-Identifier: LGPL-2.1-or-later
"""What a Device.Update caller can make dfud hold while its descriptor is read is bounded: the
time ([Timeouts] FirmwareRead), the memory (MaxFirmwareReadMemory), the number of calls, and a
caller that leaves the bus leaves nothing behind. The "image" option is checked against the
package before a job exists."""

import os
import sys
import time

from gi.repository import Gio, GLib

import dfudtest
from dfudtest import DEVICE, ERROR, NAME, data, remote_error_name, stripped_message

OLD = "hashonly_1k_v1.2.3+4.bin"
IMAGE_300K = "hashonly_300k_v1.0.0.bin"
# dfud's limit of Update calls read at once (daemon/dd-device.c, dfud(8))
MAX_UPDATE_CALLS = 256


def open_fds(pid):
    return len(os.listdir(f"/proc/{pid}/fd"))


class ReadBoundsTest(dfudtest.DfudTestCase):
    def start(self):
        """a fast simulated device and dfud: (dfud's pid, the device, dfud's descriptors)"""
        sim = self.start_sim("--slot0", data(OLD), "--time-scale=0")
        pid = self.start_daemon().process.pid
        device = self.add_device(sim.uri)
        self.spin(0.2)
        return pid, device, open_fds(pid)

    def update_async(self, conn, device, rfd, replies, key, timeout_ms=dfudtest.CALL_TIMEOUT_MS,
                     options=None):
        """Update with @rfd (dup'd into the message), its reply or error into @replies[@key]"""
        fd_list = Gio.UnixFDList()
        fd_list.append(rfd)

        def done(c, res, _key):
            try:
                replies[_key] = c.call_with_unix_fd_list_finish(res)[0].unpack()[0]
            except GLib.Error as e:
                replies[_key] = e

        conn.call_with_unix_fd_list(NAME, device, DEVICE, "Update",
                                    self.update_args(options or {}),
                                    GLib.VariantType("(o)"), Gio.DBusCallFlags.NO_AUTO_START,
                                    timeout_ms, fd_list, None, done, key)

    def error_of(self, reply):
        self.assertIsInstance(reply, GLib.Error, f"Update succeeded: {reply}")
        return remote_error_name(reply) or f"(local) {reply.message}", stripped_message(reply)

    def open_pipe(self, payload=b""):
        """a pipe with @payload written and its writer kept open (until close_writer() or the
        test's end)"""
        if not hasattr(self, "writers"):
            self.writers = set()
            self.addCleanup(lambda: [os.close(w) for w in self.writers])
        rfd, wfd = os.pipe2(os.O_CLOEXEC)
        os.set_blocking(wfd, False)
        self.writers.add(wfd)
        if payload:
            os.write(wfd, payload)
        return rfd, wfd

    def close_writer(self, wfd):
        self.writers.remove(wfd)
        os.close(wfd)

    def feed(self, wfd, payload, timeout=10):
        """writes @payload into a non-blocking pipe while dfud reads it"""
        deadline = time.monotonic() + timeout
        while payload:
            try:
                payload = payload[os.write(wfd, payload):]
            except BlockingIOError:
                self.assertLess(time.monotonic(), deadline, "dfud stopped reading the pipe")
                self.spin(0.01)


class FirmwareReadTimeoutTest(ReadBoundsTest):
    config = "[Daemon]\nJobLinger=600\n[Timeouts]\nFirmwareRead=2\n"

    def test_pipe_never_closed(self):
        """a pipe whose writer never closes: Timeout after FirmwareRead, descriptors released"""
        pid, device, before = self.start()

        rfd, wfd = self.open_pipe(b"\x3d\xb8\xf3\x96" + bytes(996))
        replies = {}
        t0 = time.monotonic()
        self.update_async(self.conn, device, rfd, replies, "pipe", timeout_ms=8000)
        os.close(rfd)
        self.wait_for(lambda: replies, 8, "Update's answer")
        elapsed = time.monotonic() - t0
        name, message = self.error_of(replies["pipe"])
        sys.stderr.write(f"answered after {elapsed:.2f} s: {name}: {message}\n")
        self.assertEqual(name, ERROR + "Timeout", message)
        self.assertIn("FirmwareRead", message)
        self.assertIn("1000 bytes", message)
        self.assertGreater(elapsed, 1.5)
        self.assertLess(elapsed, 5.0)
        # the writer is still open here: dfud let its end go all the same
        self.wait_for(lambda: open_fds(pid) <= before, 2, "dfud to close the pipe",
                      lambda: f"{open_fds(pid)} descriptors open, {before} before")
        self.assertEqual(self.list_jobs(), [])

        # a file is read at once, the same call works
        job = self.update(device, data("hashonly_60k_v2.0.0.bin"))
        self.assert_job_verified(job, self.wait_job_final(job))


class CallerLeavesTest(ReadBoundsTest):
    """the default FirmwareRead (10 s): what goes earlier is the departure's doing"""

    def caller(self):
        return Gio.DBusConnection.new_for_address_sync(
            self.bus.address,
            Gio.DBusConnectionFlags.AUTHENTICATION_CLIENT |
            Gio.DBusConnectionFlags.MESSAGE_BUS_CONNECTION, None, None)

    def test_caller_leaves(self):
        pid, device, before = self.start()

        caller = self.caller()
        replies = {}
        for k in range(20):
            rfd, _ = self.open_pipe(b"x" * 100)
            self.update_async(caller, device, rfd, replies, k)
            os.close(rfd)
        self.wait_for(lambda: open_fds(pid) >= before + 20, 5, "dfud to hold the 20 pipes",
                      lambda: f"{open_fds(pid)} descriptors open, {before} before")
        held = open_fds(pid)
        self.assertEqual(replies, {})

        t0 = time.monotonic()
        caller.close_sync(None)
        self.wait_for(lambda: open_fds(pid) <= before, 3,
                      "dfud to close the pipes of the caller that left",
                      lambda: f"{open_fds(pid)} descriptors open, {held} held, {before} before")
        sys.stderr.write(f"descriptors: {before} before, {held} held, back to {open_fds(pid)} "
                         f"{time.monotonic() - t0:.2f} s after the caller left\n")
        with open(self.daemon_log, errors="replace") as f:
            self.assertIn("left the bus: its Update is abandoned", f.read())
        # nothing of it made a job, and dfud goes on
        self.assertEqual(self.list_jobs(), [])
        job = self.update(device, data("hashonly_60k_v2.0.0.bin"))
        self.assert_job_verified(job, self.wait_job_final(job))

    def test_update_calls_bounded(self):
        """at most MAX_UPDATE_CALLS calls are read at once: the next one is Busy at once"""
        pid, device, before = self.start()

        # a bus connection may have 128 calls pending (dbus-daemon's max_replies_per_connection)
        callers = [self.caller() for _ in range(4)]
        replies = {}
        for k in range(MAX_UPDATE_CALLS):
            rfd, _ = self.open_pipe()
            self.update_async(callers[k % len(callers)], device, rfd, replies, k)
            os.close(rfd)
            if k % 32 == 31:
                self.spin(0.05)
        self.wait_for(lambda: open_fds(pid) >= before + MAX_UPDATE_CALLS, 10,
                      f"dfud to hold {MAX_UPDATE_CALLS} pipes",
                      lambda: f"{open_fds(pid)} descriptors open, {before} before")
        self.assertEqual(replies, {})
        rfd, _ = self.open_pipe()
        t0 = time.monotonic()
        self.update_async(self.conn, device, rfd, replies, "one more")
        os.close(rfd)
        self.wait_for(lambda: "one more" in replies, 5, "the answer to one call more")
        name, message = self.error_of(replies["one more"])
        self.assertEqual(name, ERROR + "Busy", message)
        self.assertLess(time.monotonic() - t0, 2.0)
        self.assertLessEqual(open_fds(pid), before + MAX_UPDATE_CALLS)

        for caller in callers:
            caller.close_sync(None)
        self.wait_for(lambda: open_fds(pid) <= before, 5, "dfud to close every pipe",
                      lambda: f"{open_fds(pid)} descriptors open, {before} before")


class FirmwareReadMemoryTest(ReadBoundsTest):
    config = ("[Daemon]\nJobLinger=600\nMaxFirmwareSize=1048576\n"
              "MaxFirmwareReadMemory=1048576\n")

    def test_memory_bounded(self):
        """the reads' bytes together stay within MaxFirmwareReadMemory: past it, Busy at once"""
        _, device, _ = self.start()
        with open(data(IMAGE_300K), "rb") as f:
            image = f.read()

        # a valid image, its writer still open: its bytes stay counted
        replies = {}
        rfd, wfd_a = self.open_pipe()
        self.update_async(self.conn, device, rfd, replies, "a",
                          options={"allow-downgrade": GLib.Variant("b", True)})
        os.close(rfd)
        self.feed(wfd_a, image)
        # a second one that does not fit beside it
        rfd, wfd_b = self.open_pipe()
        t0 = time.monotonic()
        self.update_async(self.conn, device, rfd, replies, "b")
        os.close(rfd)
        try:
            self.feed(wfd_b, bytes(700 * 1024), timeout=5)
        except BrokenPipeError:
            pass  # dfud refused it and closed the pipe
        self.wait_for(lambda: "b" in replies, 5, "the second call's answer")
        name, message = self.error_of(replies["b"])
        sys.stderr.write(f"second call after {time.monotonic() - t0:.2f} s: {name}: {message}\n")
        self.assertEqual(name, ERROR + "Busy", message)
        self.assertIn("MaxFirmwareReadMemory", message)
        self.assertLess(time.monotonic() - t0, 5.0, "Busy must not wait for the read timeout")
        self.assertNotIn("a", replies)

        # the first one goes through when its writer closes
        self.close_writer(wfd_a)
        self.wait_for(lambda: "a" in replies, 5, "the first call's answer")
        self.assertIsInstance(replies["a"], str, f"the first call failed: {replies['a']}")
        self.assert_job_verified(replies["a"], self.wait_job_final(replies["a"]))


class ImageOptionTest(ReadBoundsTest):
    def test_image_option_checked(self):
        """"image" naming an image the package lacks is refused by Update, naming what it has"""
        _, device, _ = self.start()

        message = self.update_error(ERROR + "InvalidArgument", device,
                                    data("hashonly_60k_v2.0.0.bin"),
                                    {"image": GLib.Variant("i", 5)})
        self.assertIn("no image 5", message)
        self.assertIn("image is 0", message)
        message = self.update_error(ERROR + "InvalidArgument", device,
                                    data("dfu_application_multi_nrf5340.zip"),
                                    {"image": GLib.Variant("i", 7)})
        self.assertIn("no image 7", message)
        self.assertIn("images are 0, 1", message)
        self.assertEqual(self.list_jobs(), [])

        # an image the package has is accepted
        job = self.update(device, data("hashonly_60k_v2.0.0.bin"), {"image": GLib.Variant("i", 0)})
        self.assert_job_verified(job, self.wait_job_final(job))


if __name__ == "__main__":
    dfudtest.main()
