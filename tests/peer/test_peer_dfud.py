#!/usr/bin/python3
# Copyright 2026 The dfud authors
# SPDX-License-Identifier: LGPL-2.1-or-later
"""dfud and dfuctl against a real Zephyr device: smp_svr on native_sim over UDP (zephyr_peer.py),
with no MCUboot underneath, so nothing swaps at a reset. Every update mode, the device commands
and the reset that keeps the old image, each in a network namespace of its own (in-netns), on a
private bus (tests/dbus/dfudtest.py starts the bus and dfud; dfuctl runs as its own process).

What a truthful client must say about this device:
- test-and-confirm and test-only: the device restarts and runs 1.0.0 again with the new image
  still pending in slot 1: Reverted (exit 6), within seconds of the reset, never a timeout;
- confirm-only: this build refuses to confirm a slot that is not running
  (IMG_MGMT_ERR_IMAGE_CONFIRMATION_DENIED, rc 32: img_mgmt_set_next_boot_slot without MCUboot
  knows no active image to allow it for): exit 1 naming it;
- upload-only: success, and the bytes are in slot 1 of the device's flash.
"""

import json
import os
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "dbus"))
sys.path.insert(0, os.path.join(HERE, "..", "cli"))

import zephyr_peer  # noqa: E402

zephyr_peer.skip_unless_available()

import dfudtest  # noqa: E402
from test_dfuctl_update import UpdateCliTestCase  # noqa: E402

URI = f"udp:127.0.0.1:{zephyr_peer.PORT}"
NEW = "ecdsa-p256_60k_v1.2.3+4.bin"
NEW_HASH = "5e790ea8fdac1c268a9e12cee3e5370405ebd152e5b464272e8a3fe56532e146"
# a verdict within seconds of the reset; Reset= far above it, so a wait for the reset's timeout
# (the old behaviour) cannot pass for one
VERDICT_S = 30
RESET_S = 120


class PeerTestCase(UpdateCliTestCase):
    config = f"[Daemon]\nJobLinger=600\n[Timeouts]\nReset={RESET_S}\n"

    def setUp(self):
        super().setUp()
        self.peer_dir = tempfile.mkdtemp(prefix="zephyr-", dir=self.tmpdir)
        self.peer = zephyr_peer.ZephyrPeer(self.peer_dir)
        self.start_daemon()

    def tearDown(self):
        self.peer.stop()
        super().tearDown()

    def dump_logs(self):
        super().dump_logs()
        sys.stderr.write(f"\n----- {self.peer.log_path} -----\n{self.peer.output()[-4000:]}\n")

    def slots(self):
        run = self.expect(0, "--json", "images", URI)
        return {s["slot"]: s for s in json.loads(run.out)["images"]}

    def update(self, rc, *options):
        start = time.monotonic()
        run = self.dfuctl("update", URI, dfudtest.data(NEW), *options)
        elapsed = time.monotonic() - start
        self.assertEqual(run.rc, rc, str(run))
        self.assertNotIn("GDBus.Error", run.err, str(run))
        return run, elapsed

    def assert_reverted_without_swap(self, run, elapsed):
        self.assertIn("(Reverted)", run.err, str(run))
        self.assertIn("runs 1.0.0", run.err, str(run))
        self.assertIn("still pending in slot 1: the bootloader did not swap", run.err, str(run))
        self.assertNotIn("Timeout", run.err, str(run))
        self.assertLess(elapsed, VERDICT_S, f"the verdict took {elapsed:.1f} s: {run}")
        # the device really restarted, and swapped nothing
        self.assertEqual(self.peer.boots(), 2, self.peer.output())
        slots = self.slots()
        self.assertEqual(slots[0]["hash"], zephyr_peer.SLOT0_HASH, slots)
        self.assertTrue(slots[0]["active"], slots)
        self.assertEqual(slots[1]["hash"], NEW_HASH, slots)
        self.assertTrue(slots[1]["pending"], slots)
        self.assertFalse(slots[1]["active"], slots)


class UpdateModesTest(PeerTestCase):
    def test_test_and_confirm(self):
        run, elapsed = self.update(6)
        self.assert_reverted_without_swap(run, elapsed)

    def test_test_only(self):
        run, elapsed = self.update(6, "--mode", "test-only")
        self.assert_reverted_without_swap(run, elapsed)

    def test_confirm_only(self):
        run, _ = self.update(1, "--mode", "confirm-only")
        self.assertIn("IMG_MGMT_ERR_IMAGE_CONFIRMATION_DENIED", run.err, str(run))
        self.assertIn("(Device)", run.err, str(run))
        # refused before any reset
        self.assertEqual(self.peer.boots(), 1, self.peer.output())

    def test_upload_only(self):
        run, _ = self.update(0, "--mode", "upload-only")
        self.assertIn(NEW_HASH, run.out, str(run))
        with open(dfudtest.data(NEW), "rb") as f:
            image = f.read()
        self.assertEqual(self.peer.read_slot(1, len(image)), image)
        slots = self.slots()
        self.assertEqual(slots[1]["hash"], NEW_HASH, slots)
        self.assertFalse(slots[1]["pending"], slots)


class DefaultConfigTest(PeerTestCase):
    """dfud as installed: no dfud.conf at all (Reset=300 s, ResetGrace=5 s, the default
    JobLinger), the update run three times on one device (the later ones find the image in slot
    1 already and only mark it): each a Reverted within seconds, never a wait for Reset"""
    config = ""

    def test_defaults_repeated(self):
        for i in range(3):
            run, elapsed = self.update(6)
            self.assertIn("(Reverted)", run.err, f"run {i}: {run}")
            self.assertIn("still pending in slot 1: the bootloader did not swap", run.err,
                          f"run {i}: {run}")
            self.assertLess(elapsed, VERDICT_S, f"run {i}: the verdict took {elapsed:.1f} s")
        self.assertEqual(self.peer.boots(), 4, self.peer.output())


class UpdateByNameTest(PeerTestCase):
    """the device named by a host name whose first address it does not serve: in a namespace
    where IPv4 and IPv6 share ports (bindv6only 0) the peer's [::] socket does not bind ("Could
    not bind to receive socket (IPv6), err: 98") and only 127.0.0.1 answers, while "localhost"
    resolves to ::1 as well (first, with glibc here); dfud goes on to the next address on the
    ICMP port unreachable, the update ends Reverted as by address"""

    def setUp(self):
        with open("/proc/sys/net/ipv6/bindv6only", "w") as f:
            f.write("0\n")
        super().setUp()

    def test_localhost(self):
        import socket
        families = [a[0] for a in socket.getaddrinfo("localhost", zephyr_peer.PORT,
                                                     type=socket.SOCK_DGRAM)]
        self.assertIn(socket.AF_INET, families)
        self.assertIn("Could not bind to receive socket (IPv6)", self.peer.output())
        start = time.monotonic()
        run = self.dfuctl("update", f"udp:localhost:{zephyr_peer.PORT}", dfudtest.data(NEW))
        elapsed = time.monotonic() - start
        self.assertEqual(run.rc, 6, str(run))
        self.assert_reverted_without_swap(run, elapsed)
        if families[0] == socket.AF_INET6:
            with open(self.daemon_log, errors="replace") as f:
                self.assertIn("nothing listens at ::1", f.read(), "no move to 127.0.0.1")


class CommandsTest(PeerTestCase):
    def test_commands(self):
        run = self.expect(0, "--json", "echo", URI, "hello zephyr")
        self.assertEqual(json.loads(run.out)["reply"], "hello zephyr", str(run))
        slots = self.slots()
        self.assertEqual(set(slots), {0}, slots)
        self.assertEqual(slots[0]["version"], zephyr_peer.SLOT0_VERSION, slots)
        self.assertTrue(slots[0]["active"] and slots[0]["confirmed"], slots)

        # confirming what runs (already confirmed: a no-op)
        self.expect(0, "confirm", URI)
        self.update(0, "--mode", "upload-only")
        self.expect(0, "test", URI, NEW_HASH)
        self.assertTrue(self.slots()[1]["pending"])
        # testing it again is no error (Zephyr: a no-op for the slot already set for test)
        self.expect(0, "test", URI, NEW_HASH)
        # with a test boot scheduled, nothing else may be marked (img_mgmt_set_next_boot_slot)
        run = self.dfuctl("confirm", URI)
        self.assertEqual(run.rc, 1, str(run))
        self.assertIn("IMG_MGMT_ERR_IMAGE_ALREADY_PENDING", run.err, str(run))

        # the reset: answered, then the program restarts in place, swapping nothing
        self.expect(0, "reset", URI)
        self.peer.wait_for_log("smp_udp: Started (IPv4)", 2, 10)
        slots = self.slots()
        self.assertTrue(slots[0]["active"], slots)
        self.assertTrue(slots[1]["pending"], slots)

        # the pending slot may be erased (CONFIG_MCUMGR_GRP_IMG_ALLOW_ERASE_PENDING)
        self.expect(0, "erase", URI)
        self.assertEqual(set(self.slots()), {0})

    def test_errors(self):
        run = self.dfuctl("test", URI, "00" * 32)
        self.assertEqual(run.rc, 1, str(run))
        self.assertIn("IMG_MGMT_ERR_HASH_NOT_FOUND", run.err, str(run))
        # testing the running image is refused by the device
        run = self.dfuctl("test", URI, zephyr_peer.SLOT0_HASH)
        self.assertEqual(run.rc, 1, str(run))
        self.assertIn("IMG_MGMT_ERR_IMAGE_SETTING_TEST_TO_ACTIVE_DENIED", run.err, str(run))


if __name__ == "__main__":
    dfudtest.main()
