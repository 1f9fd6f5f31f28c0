#!/usr/bin/env python3
# Copyright 2026 The dfud authors
# SPDX-License-Identifier: LGPL-2.1-or-later
"""dfud-sim against the real Zephyr device: the same raw SMP requests to both, the same answers.

The peer (zephyr_peer.py) is Zephyr 4.3's smp_svr on native_sim without MCUboot; dfud-sim is
configured as that device: --bootloader none, 2 buffers of 2048 bytes, no image check, no
verbose errors, its slot size and slot-0 image. Each request goes as one raw datagram (built
here with struct and cbor2, never with dfud's codec) to both; their answers are decoded and
compared: the header (op, version, flags, group, seq, id, length) and the CBOR body as values
(the peer writes indefinite-length maps, dfud-sim definite ones), and "no answer" where none
comes. Where the sim and the peer differ, the sim is wrong.

usage (through tests/peer/in-netns): test_sim_vs_peer.py SimVsPeer.test_NAME
"""

import hashlib
import json
import os
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import unittest

try:
    import cbor2
except ImportError:
    # Debian's python3-cbor2 serves /usr/bin/python3, which may not be the python3 on PATH
    if sys.executable != "/usr/bin/python3" and os.access("/usr/bin/python3", os.X_OK):
        os.execv("/usr/bin/python3", ["/usr/bin/python3"] + sys.argv)
    print("SKIP: no python3 with cbor2 (python3-cbor2)", file=sys.stderr)
    sys.exit(77)

import zephyr_peer

OP_READ, OP_WRITE = 0, 2
GROUP_OS, GROUP_IMAGE = 0, 1
OS_ECHO, OS_RESET, OS_PARAMS, OS_INFO, OS_BOOTLOADER_INFO = 0, 5, 6, 7, 8
IMAGE_STATE, IMAGE_UPLOAD, IMAGE_ERASE = 0, 1, 5

# tests/data/README.md
IMG1K = "hashonly_1k_v1.2.3+4.bin"
IMG1K_HASH = "6b28b68ff2485a456f72f2fb46d2dc5584a25b5cf6be210a941e4744b188c1dc"
RESET_MS = 250  # CONFIG_MCUMGR_GRP_OS_RESET_MS, the default of both

SIM = os.environ.get("DFUD_SIM")
DATA = os.environ.get("DFUD_TEST_DATA")


def frame(op, group, cmd, body=b"", ver=1, seq=0):
    if not isinstance(body, bytes):
        body = cbor2.dumps(body)
    return struct.pack(">BBHHBB", (ver << 3) | op, 0, len(body), group, seq, cmd) + body


def decode(datagram):
    """an answer as values: header fields, whether len matches, the decoded body"""
    if len(datagram) < 8:
        return {"short": datagram.hex()}
    b0, flags, length, group, seq, cmd = struct.unpack(">BBHHBB", datagram[:8])
    try:
        body = cbor2.loads(datagram[8:])
    except (cbor2.CBORDecodeError, ValueError) as e:
        body = f"undecodable: {e}: {datagram[8:].hex()}"
    return {"op": b0 & 7, "ver": (b0 >> 3) & 3, "reserved": b0 >> 5, "flags": flags,
            "len_ok": length == len(datagram) - 8, "group": group, "seq": seq, "id": cmd,
            "body": body}


class Endpoint:
    """one device seen over UDP from a socket of its own"""

    def __init__(self, name, port):
        self.name = name
        self.address = ("127.0.0.1", port)
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))

    def close(self):
        self.sock.close()

    def send(self, datagram):
        self.sock.sendto(datagram, self.address)

    def receive(self, expect, wait, settle=0.05):
        """the answers until @expect came and @settle s passed without more, or @wait is over"""
        answers = []
        deadline = time.monotonic() + wait
        while True:
            left = deadline - time.monotonic()
            if len(answers) >= expect:
                left = min(left, settle)
            if left <= 0:
                return answers
            self.sock.settimeout(left)
            try:
                data, _ = self.sock.recvfrom(65536)
            except socket.timeout:
                return answers
            answers.append(decode(data))

    def exchange(self, datagram, expect=1, wait=1.0, settle=0.05):
        self.send(datagram)
        return self.receive(expect, wait, settle)


class Sim:
    """dfud-sim configured as the peer"""

    def __init__(self, tmpdir, extra=()):
        self.log_path = os.path.join(tmpdir, "sim.jsonl")
        slot0 = zephyr_peer.slot0_image(os.path.join(tmpdir, "slot0.bin"))
        self.cmd = [SIM, "--state-dir", os.path.join(tmpdir, "sim"), "--udp", "127.0.0.1:0",
                    "--bootloader", "none", "--buf-size", "2048", "--buf-count", "2",
                    "--no-image-check", "--no-verbose-errors", "--slot-size", "0x69000",
                    "--slot0", slot0, "--board", "native_sim/native/64", "--time-scale", "0",
                    "--log-json", self.log_path, *extra]
        self.stderr = tempfile.TemporaryFile()
        self.process = subprocess.Popen(self.cmd, stdout=subprocess.PIPE, stderr=self.stderr,
                                        stdin=subprocess.DEVNULL, text=True)
        self.port = None
        deadline = time.monotonic() + zephyr_peer.START_TIMEOUT
        for line in self.process.stdout:
            if " listening on udp " in line:
                self.port = int(line.rsplit(":", 1)[1])
            if line.strip() == "READY" or time.monotonic() > deadline:
                break
        if self.port is None:
            self.stop()
            self.stderr.seek(0)
            raise AssertionError(f"dfud-sim did not start: {' '.join(self.cmd)}: "
                                 + self.stderr.read().decode(errors="replace"))

    def events(self, name=None):
        with open(self.log_path) as f:
            events = [json.loads(line) for line in f if line.strip()]
        return [e for e in events if name is None or e["event"] == name]

    def stop(self):
        zephyr_peer.end_process(self.process)
        self.process.stdout.close()
        self.stderr.close()


class SimVsPeer(unittest.TestCase):
    maxDiff = None

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="dfud-sim-vs-peer-")
        self.peer = zephyr_peer.ZephyrPeer(self.tmp)
        self.addCleanup(self.peer.stop)
        self.sim = Sim(self.tmp)
        self.addCleanup(self.sim.stop)
        self.ends = [Endpoint("sim", self.sim.port), Endpoint("peer", zephyr_peer.PORT)]
        for end in self.ends:
            self.addCleanup(end.close)
        self.addCleanup(shutil.rmtree, self.tmp, True)
        self.seq = 0

    # --- the comparison ---

    def both(self, what, datagram, expect=1, wait=1.0, settle=0.05):
        """sends @datagram to both at once; their answers must be equal; returns the peer's"""
        for end in self.ends:
            end.send(datagram)
        sim, peer = (end.receive(expect, wait, settle) for end in self.ends)
        self.assertEqual(sim, peer, f"{what}: dfud-sim (first) and the Zephyr peer differ")
        return peer

    def request(self, what, op, group, cmd, body=None, ver=1, expect=1, wait=1.0,
                settle=0.05):
        """one request to both (a new seq); the peer's answer body (None for none)"""
        self.seq = (self.seq + 1) % 256
        answers = self.both(what, frame(op, group, cmd, {} if body is None else body, ver,
                                        self.seq), expect, wait, settle)
        return answers[0]["body"] if answers else None

    def state(self, what):
        return self.request(what, OP_READ, GROUP_IMAGE, IMAGE_STATE)

    def upload(self, data, chunk=512):
        sha = hashlib.sha256(data).digest()
        for off in range(0, len(data), chunk):
            body = {"off": off, "data": data[off:off + chunk]}
            if off == 0:
                body.update({"len": len(data), "sha": sha})
            rsp = self.request(f"upload at {off}", OP_WRITE, GROUP_IMAGE, IMAGE_UPLOAD, body)
            self.assertEqual(rsp, {"off": min(off + chunk, len(data))})

    def image(self, name=IMG1K):
        with open(os.path.join(DATA, name), "rb") as f:
            return f.read()

    def mark_test(self, hash_hex):
        return self.request(f"test {hash_hex[:8]}", OP_WRITE, GROUP_IMAGE, IMAGE_STATE,
                            {"hash": bytes.fromhex(hash_hex)})

    # --- the cases ---

    def test_echo(self):
        self.request("echo", OP_WRITE, GROUP_OS, OS_ECHO, {"d": "hi"})
        self.request("echo v1", OP_WRITE, GROUP_OS, OS_ECHO, {"d": "v1"}, ver=0)
        self.request("echo as a read", OP_READ, GROUP_OS, OS_ECHO, {"d": "read"})
        self.request("echo with an extra key", OP_WRITE, GROUP_OS, OS_ECHO, {"d": "x", "e": 1})
        self.request("echo without a body", OP_WRITE, GROUP_OS, OS_ECHO, b"")
        self.request("echo of a body that is no map", OP_WRITE, GROUP_OS, OS_ECHO, b"\x01")
        self.request("echo of a number", OP_WRITE, GROUP_OS, OS_ECHO, {"d": 1})
        self.request("echo with a key twice", OP_WRITE, GROUP_OS, OS_ECHO,
                     b"\xa2\x61d\x61a\x61d\x61b")
        self.request("echo in an indefinite map", OP_WRITE, GROUP_OS, OS_ECHO,
                     b"\xbf\x61d\x61a\xff")
        self.request("echo of 1400 bytes", OP_WRITE, GROUP_OS, OS_ECHO, {"d": "x" * 1400})

    def test_params(self):
        rsp = self.request("params", OP_READ, GROUP_OS, OS_PARAMS)
        self.assertEqual(rsp, zephyr_peer.PARAMS)
        self.request("params without a body", OP_READ, GROUP_OS, OS_PARAMS, b"")
        self.request("params of a body that is no map", OP_READ, GROUP_OS, OS_PARAMS, b"\x01")
        self.request("params v1", OP_READ, GROUP_OS, OS_PARAMS, ver=0)

    def test_os_info(self):
        for fmt in (None, "", "s", "o", "i", "si", "is", "x", "b", "sb", 1):
            body = {} if fmt is None else {"format": fmt}
            self.request(f"OS info {fmt!r}", OP_READ, GROUP_OS, OS_INFO, body)
        self.request("OS info v1 'x'", OP_READ, GROUP_OS, OS_INFO, {"format": "x"}, ver=0)
        self.request("OS info without a body", OP_READ, GROUP_OS, OS_INFO, b"")
        # every field: the kernel, board and OS fields are equal; node name, release,
        # version, machine and processor are the platform's own
        outputs = []
        for end in self.ends:
            self.seq += 1
            answers = end.exchange(frame(OP_READ, GROUP_OS, OS_INFO, {"format": "a"}, 1,
                                         self.seq))
            self.assertEqual(len(answers), 1, f"{end.name}: answers to OS info 'a'")
            outputs.append(answers[0]["body"]["output"].split(" "))
        sim, peer = outputs
        self.assertEqual(len(sim), len(peer), f"fields of OS info 'a': {sim} {peer}")
        self.assertEqual((sim[0], sim[-2], sim[-1]), (peer[0], peer[-2], peer[-1]))

    def test_bootloader_info(self):
        # without MCUboot, every query (none, "mode") yields no answer: err {0, 3}, v1 rc 5
        for query in (None, "mode", "active_b0_slot", "nonsense"):
            body = {} if query is None else {"query": query}
            rsp = self.request(f"bootloader info {query!r}", OP_READ, GROUP_OS,
                               OS_BOOTLOADER_INFO, body)
            self.assertEqual(rsp, {"err": {"group": 0, "rc": 3}})
            rsp = self.request(f"bootloader info {query!r} v1", OP_READ, GROUP_OS,
                               OS_BOOTLOADER_INFO, body, ver=0)
            self.assertEqual(rsp, {"rc": 5})
        self.request("bootloader info, a number as query", OP_READ, GROUP_OS,
                     OS_BOOTLOADER_INFO, {"query": 3})
        self.request("bootloader info without a body", OP_READ, GROUP_OS, OS_BOOTLOADER_INFO,
                     b"")

    def test_state_read(self):
        rsp = self.state("state read")
        self.assertEqual([e["hash"].hex() for e in rsp["images"]], [zephyr_peer.SLOT0_HASH])
        self.request("state read v1", OP_READ, GROUP_IMAGE, IMAGE_STATE, ver=0)
        self.request("state read without a body", OP_READ, GROUP_IMAGE, IMAGE_STATE, b"")
        self.request("state read with a key", OP_READ, GROUP_IMAGE, IMAGE_STATE, {"x": 1})

    def test_upload_errors(self):
        data = self.image()
        header = data[:64]
        cases = [
            ("no off", {"data": header}),
            ("first chunk without len", {"off": 0, "data": header}),
            ("first chunk too short", {"off": 0, "len": len(data), "data": header[:20]}),
            ("bad magic", {"off": 0, "len": len(data), "data": b"\0" * 64}),
            ("sha of 33 bytes", {"off": 0, "len": len(data), "data": header, "sha": b"s" * 33}),
            ("len beyond the slot", {"off": 0, "len": zephyr_peer.SLOT_SIZE + 1,
                                     "data": header}),
            ("upgrade to an older version", {"off": 0, "len": len(data), "data": header,
                                             "upgrade": True}),
            ("a later chunk without an upload", {"off": 512, "data": data[512:1024]}),
            ("off of the wrong type", {"off": "0", "data": header}),
            ("no body", b""),
        ]
        for what, body in cases:
            self.request(what, OP_WRITE, GROUP_IMAGE, IMAGE_UPLOAD, body)
            if isinstance(body, dict):
                self.request(what + " v1", OP_WRITE, GROUP_IMAGE, IMAGE_UPLOAD, body, ver=0)
        self.request("upload as a read", OP_READ, GROUP_IMAGE, IMAGE_UPLOAD, {"off": 0})
        # a single-image build ignores "image": the upload starts
        rsp = self.request("first chunk for image 1", OP_WRITE, GROUP_IMAGE, IMAGE_UPLOAD,
                           {"off": 0, "len": len(data), "data": header, "image": 1})
        self.assertEqual(rsp, {"off": 64})

    def test_upload_flow(self):
        data = self.image()
        sha = hashlib.sha256(data).digest()
        first = {"off": 0, "len": len(data), "data": data[:512], "sha": sha}
        self.assertEqual(self.request("first chunk", OP_WRITE, GROUP_IMAGE, IMAGE_UPLOAD,
                                      first), {"off": 512})
        self.request("the first chunk again (resume)", OP_WRITE, GROUP_IMAGE, IMAGE_UPLOAD,
                     first)
        self.request("a wrong offset", OP_WRITE, GROUP_IMAGE, IMAGE_UPLOAD,
                     {"off": 1024, "data": data[1024:1536]})
        second = frame(OP_WRITE, GROUP_IMAGE, IMAGE_UPLOAD, {"off": 512, "data": data[512:1024]},
                       1, 77)
        self.both("second chunk", second)
        # a retransmission (same seq): Zephyr does not track seq, it handles every copy
        self.both("second chunk again, same seq", second)
        self.request("off beyond len", OP_WRITE, GROUP_IMAGE, IMAGE_UPLOAD,
                     {"off": 1024, "data": data[1024:] + b"overrun"})
        self.request("after the overrun", OP_WRITE, GROUP_IMAGE, IMAGE_UPLOAD,
                     {"off": 1024, "data": data[1024:]})
        self.assertEqual(self.state("state after an aborted upload")["images"][1:], [])
        self.upload(data)
        self.request("the last chunk after completion", OP_WRITE, GROUP_IMAGE, IMAGE_UPLOAD,
                     {"off": 1536, "data": data[1536:]})
        rsp = self.state("state after the upload")
        self.assertEqual([e["hash"].hex() for e in rsp["images"]],
                         [zephyr_peer.SLOT0_HASH, IMG1K_HASH])
        self.request("the same first chunk after completion", OP_WRITE, GROUP_IMAGE,
                     IMAGE_UPLOAD, first)

    def test_state_write(self):
        self.upload(self.image())
        self.request("test of an unknown hash", OP_WRITE, GROUP_IMAGE, IMAGE_STATE,
                     {"hash": b"\xaa" * 32})
        self.request("a hash of 31 bytes", OP_WRITE, GROUP_IMAGE, IMAGE_STATE,
                     {"hash": b"\xaa" * 31})
        self.mark_test(zephyr_peer.SLOT0_HASH)
        self.request("test of the active slot v1", OP_WRITE, GROUP_IMAGE, IMAGE_STATE,
                     {"hash": bytes.fromhex(zephyr_peer.SLOT0_HASH)}, ver=0)
        self.request("neither hash nor confirm", OP_WRITE, GROUP_IMAGE, IMAGE_STATE, {})
        self.request("confirm false without a hash", OP_WRITE, GROUP_IMAGE, IMAGE_STATE,
                     {"confirm": False})
        self.request("confirm of the wrong type", OP_WRITE, GROUP_IMAGE, IMAGE_STATE,
                     {"confirm": 1})
        self.request("no body", OP_WRITE, GROUP_IMAGE, IMAGE_STATE, b"")
        # Zephyr 4.3 without MCUboot: confirming a slot that does not run is refused (32)
        rsp = self.request("confirm of the uploaded image", OP_WRITE, GROUP_IMAGE, IMAGE_STATE,
                           {"hash": bytes.fromhex(IMG1K_HASH), "confirm": True})
        self.assertEqual(rsp, {"err": {"group": 1, "rc": 32}})
        self.request("confirm of the running image by hash", OP_WRITE, GROUP_IMAGE,
                     IMAGE_STATE, {"hash": bytes.fromhex(zephyr_peer.SLOT0_HASH),
                                   "confirm": True})
        self.request("confirm without a hash", OP_WRITE, GROUP_IMAGE, IMAGE_STATE,
                     {"confirm": True})
        rsp = self.mark_test(IMG1K_HASH)
        self.assertTrue(rsp["images"][1]["pending"], rsp)
        self.mark_test(IMG1K_HASH)
        self.request("confirm without a hash, a test pending", OP_WRITE, GROUP_IMAGE,
                     IMAGE_STATE, {"confirm": True})
        self.request("confirm of the pending image", OP_WRITE, GROUP_IMAGE, IMAGE_STATE,
                     {"hash": bytes.fromhex(IMG1K_HASH), "confirm": True})
        self.request("confirm of the pending image v1", OP_WRITE, GROUP_IMAGE, IMAGE_STATE,
                     {"hash": bytes.fromhex(IMG1K_HASH), "confirm": True}, ver=0)
        self.state("state with a test pending")

    def test_erase(self):
        self.request("erase of the empty slot", OP_WRITE, GROUP_IMAGE, IMAGE_ERASE)
        for slot in (0, 1, 2, 3):
            self.request(f"erase of slot {slot}", OP_WRITE, GROUP_IMAGE, IMAGE_ERASE,
                         {"slot": slot})
            self.request(f"erase of slot {slot} v1", OP_WRITE, GROUP_IMAGE, IMAGE_ERASE,
                         {"slot": slot}, ver=0)
        self.request("erase of slot -1", OP_WRITE, GROUP_IMAGE, IMAGE_ERASE, {"slot": -1})
        self.request("erase without a body", OP_WRITE, GROUP_IMAGE, IMAGE_ERASE, b"")
        self.upload(self.image())
        self.mark_test(IMG1K_HASH)
        self.request("erase of the pending slot", OP_WRITE, GROUP_IMAGE, IMAGE_ERASE)
        rsp = self.state("state after the erase")
        self.assertEqual(len(rsp["images"]), 1, rsp)
        # an erase ends an upload in progress
        data = self.image()
        self.request("first chunk", OP_WRITE, GROUP_IMAGE, IMAGE_UPLOAD,
                     {"off": 0, "len": len(data), "data": data[:512]})
        self.request("erase of slot 2", OP_WRITE, GROUP_IMAGE, IMAGE_ERASE, {"slot": 2})
        self.request("the next chunk", OP_WRITE, GROUP_IMAGE, IMAGE_UPLOAD,
                     {"off": 512, "data": data[512:1024]})

    def reboots(self):
        """(sim, peer) reboots so far"""
        return len(self.sim.events("reset")), self.peer.boots() - 1

    def wait_reboots(self, want, timeout=5):
        """until each rebooted @want times and listens again"""
        def ready():
            return (len(self.sim.events("running")) >= want and
                    self.peer.output().count("smp_udp: Started (IPv4)") >= want + 1)

        deadline = time.monotonic() + timeout
        while self.reboots() != (want, want) or not ready():
            self.assertLess(time.monotonic(), deadline, f"reboots {self.reboots()}, want {want}")
            time.sleep(0.01)

    def test_reset(self):
        self.upload(self.image())
        self.mark_test(IMG1K_HASH)
        before = self.state("state before the reset")
        start = time.monotonic()
        self.assertEqual(self.request("reset", OP_WRITE, GROUP_OS, OS_RESET, settle=0.005), {})
        # the old firmware answers until the reboot
        self.request("echo during the reset delay", OP_WRITE, GROUP_OS, OS_ECHO, {"d": "old"},
                     settle=0.005)
        self.assertEqual(self.request("state during the reset delay", OP_READ, GROUP_IMAGE,
                                      IMAGE_STATE, settle=0.005), before)
        self.assertLess(time.monotonic() - start, RESET_MS / 1000, "the check took too long")
        self.assertEqual(self.reboots(), (0, 0))
        self.wait_reboots(1)
        # nothing swapped: the image marked for test stays pending in slot 1
        time.sleep(0.1)
        self.assertEqual(self.state("state after the reset"), before)
        self.request("confirm after the reset", OP_WRITE, GROUP_IMAGE, IMAGE_STATE,
                     {"confirm": True})
        # a reset with parameters, one of them mistyped: still a reset
        self.request("reset with force of the wrong type", OP_WRITE, GROUP_OS, OS_RESET,
                     {"force": 1})
        self.wait_reboots(2)
        self.request("reset with boot_mode 256", OP_WRITE, GROUP_OS, OS_RESET,
                     {"boot_mode": 256})
        self.request("reset as a read", OP_READ, GROUP_OS, OS_RESET)
        self.request("reset without a body", OP_WRITE, GROUP_OS, OS_RESET, b"")
        self.wait_reboots(3)

    def reboot_timed(self, n, second_at=None):
        """reset n (and, @second_at s later, another): each reboots RESET_MS after the first
        answer. FALSE when a loaded machine sent the second too late to tell (no check)."""
        stamps = {}
        done = threading.Event()

        def watch_peer(boots=self.peer.boots()):
            while not done.is_set() and self.peer.boots() == boots:
                time.sleep(0.001)
            stamps["peer"] = time.monotonic()

        watcher = threading.Thread(target=watch_peer)
        watcher.start()
        sent = time.monotonic()
        self.assertEqual(self.request(f"reset {n}", OP_WRITE, GROUP_OS, OS_RESET,
                                      settle=0.005), {})
        in_time = True
        if second_at is not None:
            time.sleep(max(second_at - (time.monotonic() - sent), 0))
            # a reboot the second reset moved comes at second_at + RESET_MS
            in_time = time.monotonic() - sent < second_at + 0.05
            if in_time:
                drops = len(self.sim.events("drop"))
                self.seq = (self.seq + 1) % 256
                second = frame(OP_WRITE, GROUP_OS, OS_RESET, {}, 1, self.seq)
                for end in self.ends:
                    end.send(second)
                answers = [end.receive(1, 1.0, 0.005) for end in self.ends]
                # a loaded machine may deliver it after one of them went down to reboot: the
                # simulator says so ("not running"), the peer by a boot already counted
                late = (len(self.sim.events("drop")) > drops or
                        self.peer.boots() > n and not answers[1])
                if late:
                    in_time = False
                else:
                    self.assertEqual(answers[0], answers[1],
                                     "a second reset in the delay: dfud-sim (first) and the "
                                     "Zephyr peer differ")
                    self.assertEqual(answers[1][0]["body"], {})
        self.wait_reboots(n)
        time.sleep(0.2 + (second_at or 0))
        done.set()
        watcher.join()
        self.assertEqual(self.reboots(), (n, n), "one reboot each")
        if not in_time:
            return False
        sim = self.sim.events()
        answer = [e for e in sim if e["event"] == "response"][-2 if second_at else -1]
        reset = [e for e in sim if e["event"] == "reset"][-1]
        delays = {"sim": reset["t_ms"] - answer["t_ms"], "peer": (stamps["peer"] - sent) * 1000}
        print(f"reboot {n}: {delays['sim']:.0f} ms (sim), {delays['peer']:.0f} ms (peer) after "
              "the reset answer", file=sys.stderr)
        for name, delay in delays.items():
            self.assertGreater(delay, RESET_MS * 0.8, f"{name} rebooted too early")
            self.assertLess(delay, RESET_MS + (100 if second_at else 250),
                            f"{name} rebooted too late (moved by the second reset?)")
        return True

    def test_reset_delay(self):
        """when each reboots after the answer, and a second reset meanwhile"""
        self.reboot_timed(1)
        for n in (2, 3, 4):
            if self.reboot_timed(n, second_at=0.15):
                return
            print("(the second reset went out too late: once more)", file=sys.stderr)
        self.fail("the second reset never went out in time")

    def test_unknown(self):
        self.request("unknown group", OP_READ, 77, 0)
        self.request("unknown command", OP_READ, GROUP_OS, 99)
        self.request("OS command 1", OP_READ, GROUP_OS, 1)
        self.request("memory pool statistics", OP_READ, GROUP_OS, 3)
        self.request("date-time", OP_READ, GROUP_OS, 4)
        self.request("image slot info", OP_READ, GROUP_IMAGE, 6)
        self.request("image command 2", OP_WRITE, GROUP_IMAGE, 2)
        for op in (1, 3, 4, 5, 7):
            self.request(f"op {op}", op, GROUP_OS, OS_ECHO, {"d": "x"})
        self.request("read of a write-only command", OP_READ, GROUP_OS, OS_RESET)
        self.request("write of a read-only command", OP_WRITE, GROUP_OS, OS_PARAMS)
        self.request("erase as a read", OP_READ, GROUP_IMAGE, IMAGE_ERASE)
        for ver in (2, 3):
            self.request(f"version {ver}", OP_WRITE, GROUP_OS, OS_ECHO, {"d": "x"}, ver=ver)
            self.request(f"version {ver}, op 4", 4, GROUP_OS, OS_ECHO, {"d": "x"}, ver=ver)
        self.request("unknown group v1", OP_READ, 77, 0, ver=0)

    def test_malformed(self):
        echo = frame(OP_WRITE, GROUP_OS, OS_ECHO, {"d": "hi"}, 1, 5)
        self.both("malformed CBOR", frame(OP_WRITE, GROUP_OS, OS_ECHO, b"\xa1\x61", 1, 1))
        self.both("3 bytes", echo[:3], expect=0, wait=0.3)
        self.both("7 bytes", echo[:7], expect=0, wait=0.3)
        self.both("a header alone, len 0", echo[:2] + b"\0\0" + echo[4:8])
        self.both("header len beyond the data", echo[:-2])
        self.both("reserved bits set", bytes([echo[0] | 0xe0]) + echo[1:])
        self.both("flags set", echo[:1] + b"\x55" + echo[2:])
        exact = frame(OP_WRITE, GROUP_OS, OS_ECHO, {"d": "x" * (1500 - 14)}, 1, 6)
        self.assertEqual(len(exact), 1500)
        self.both("a datagram of 1500 bytes", exact)
        big = frame(OP_WRITE, GROUP_OS, OS_ECHO, {"d": "y" * 1986}, 1, 7)
        self.assertEqual(len(big), 2000)
        self.both("an oversize datagram (truncated to 1500)", big)

    def test_two_in_one(self):
        def echo(text, seq, ver=1):
            return frame(OP_WRITE, GROUP_OS, OS_ECHO, {"d": text}, ver, seq)

        answers = self.both("two echoes in one datagram", echo("a", 1) + echo("b", 2), 2)
        self.assertEqual([a["body"] for a in answers], [{"r": "a"}, {"r": "b"}])
        self.both("three messages", echo("a", 3) + echo("b", 4) + echo("c", 5), 3)
        # an SMP error stops the packet; a v2 group error does not
        self.both("unknown group, then echo", frame(OP_READ, 77, 0, {}, 1, 6) + echo("x", 7),
                  2, wait=0.5)
        self.both("malformed, then echo",
                  frame(OP_WRITE, GROUP_OS, OS_ECHO, b"\x01", 1, 8) + echo("x", 9), 2, wait=0.5)
        self.both("group error, then echo",
                  frame(OP_WRITE, GROUP_IMAGE, IMAGE_STATE, {"hash": b"\1" * 32}, 1, 10)
                  + echo("x", 11), 2)
        self.both("v1 group error, then echo",
                  frame(OP_WRITE, GROUP_IMAGE, IMAGE_STATE, {"hash": b"\1" * 32}, 0, 12)
                  + echo("x", 13), 2, wait=0.5)
        self.both("echo, then 5 stray bytes", echo("x", 14) + b"\1\2\3\4\5", 2, wait=0.5)
        self.both("echo, then a truncated echo", echo("x", 15) + echo("y", 16)[:-1], 2)

    def test_buffers(self):
        """the two buffers: one request at a time loses nothing, a second one at once is lost"""
        # each request sent as soon as the answer to the last one came: none lost
        for n in range(100):
            self.request(f"ping {n}", OP_WRITE, GROUP_OS, OS_ECHO, {"d": f"ping {n}"},
                         settle=0)
        # two datagrams back to back: the first is answered; the second arrives while the
        # first holds both buffers and is lost ("Failed to allocate mcumgr buffer"), on the
        # peer nearly always (native_sim's timing lets one through now and then), on dfud-sim
        # whenever it arrives before the first one's buffers are free: not compared
        lost = {"sim": 0, "peer": 0}
        for n in range(10):
            for end in self.ends:
                end.send(frame(OP_WRITE, GROUP_OS, OS_ECHO, {"d": f"first {n}"}, 1, 2 * n))
                end.send(frame(OP_WRITE, GROUP_OS, OS_ECHO, {"d": f"second {n}"}, 1,
                               2 * n + 1))
            sim, peer = (end.receive(2, 0.3) for end in self.ends)
            self.assertEqual(sim[:1], peer[:1], f"the first of burst {n}")
            self.assertEqual(peer[0]["body"], {"r": f"first {n}"})
            for name, answers in (("sim", sim), ("peer", peer)):
                lost[name] += len(answers) == 1
        print(f"second of two back to back lost: {lost}", file=sys.stderr)
        self.assertGreaterEqual(lost["peer"], 7, "the peer's two buffers held no second?")

    def test_retransmit(self):
        """the same request (same seq) twice: Zephyr does not track seq, both are handled"""
        echo = frame(OP_WRITE, GROUP_OS, OS_ECHO, {"d": "again"}, 1, 42)
        self.both("echo", echo)
        self.both("the same echo again", echo)
        test = frame(OP_WRITE, GROUP_IMAGE, IMAGE_STATE, {"hash": bytes.fromhex(IMG1K_HASH)},
                     1, 43)
        self.both("test of a hash no slot holds", test)
        self.upload(self.image())
        self.both("test, sent again after the upload", test)
        self.both("test, a third time", test)
        reset = frame(OP_WRITE, GROUP_OS, OS_RESET, {}, 1, 44)
        self.both("reset", reset)
        self.both("the same reset again", reset)
        self.wait_reboots(1)
        time.sleep(0.4)
        self.assertEqual(self.reboots(), (1, 1), "one reboot for the two resets")


def main():
    zephyr_peer.skip_unless_available()
    if not SIM or not os.access(SIM, os.X_OK) or not DATA:
        print("SKIP: DFUD_SIM and DFUD_TEST_DATA must name dfud-sim and tests/data",
              file=sys.stderr)
        sys.exit(77)
    unittest.main()


if __name__ == "__main__":
    main()
