# Copyright 2026 The dfud authors
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The real Zephyr device of the peer tests: `smp_svr` on native_sim, over UDP.

../shared/peers/zephyr-smp-svr-udp (beside the project; DFUD_PEER_DIR overrides) holds Zephyr
4.3's own smp_svr sample built as a Linux program: SMP over UDP on port 1337 (fixed), no MCUboot
underneath (a reset restarts the program and swaps nothing: an image marked for test stays
pending in slot 1), params buf_size 2048 / buf_count 2, flash in a file (slot 0 at 0xC000, slot 1
at 0x75000, 0x69000 bytes each; flash_init.bin holds a confirmed 1.0.0 in slot 0).

It binds 0.0.0.0:1337 and [::]:1337, so every test runs in a network namespace of its own
(tests/peer/in-netns). Where the peer is absent the tests exit 77 (skipped) saying so.
"""

import os
import shutil
import subprocess
import sys
import time

PORT = 1337
SLOT0_OFFSET = 0xC000
SLOT1_OFFSET = 0x75000
SLOT_SIZE = 0x69000
# the image in slot 0 of flash_init.bin (README of the peer)
SLOT0_VERSION = "1.0.0"
SLOT0_HASH = "4fa28ee6704ad8f1849fc171fdaf89a37527c4f6a89cf10d50342f6cd5dfcb11"
PARAMS = {"buf_size": 2048, "buf_count": 2}
START_TIMEOUT = 10
SKIP = 77


def peer_dir():
    default = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..",
                           "shared", "peers", "zephyr-smp-svr-udp")
    return os.path.normpath(os.environ.get("DFUD_PEER_DIR") or default)


def skip_unless_available():
    """exits 77 with the reason when the peer cannot run here"""
    where = peer_dir()
    exe = os.path.join(where, "smp_svr_udp.exe")
    if not os.access(exe, os.X_OK):
        print(f"SKIP: no real Zephyr peer at {where} (../shared/peers/zephyr-smp-svr-udp "
              "beside the project; DFUD_PEER_DIR overrides)", file=sys.stderr)
        sys.exit(SKIP)
    if not os.path.exists("/proc/self/ns/net") or not os.environ.get("DFUD_IN_NETNS"):
        print("SKIP: run through tests/peer/in-netns (the peer binds port 1337 on every address)",
              file=sys.stderr)
        sys.exit(SKIP)


def end_process(process, timeout=10):
    """SIGTERM, then SIGKILL after @timeout s, and the wait: @process is gone"""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout)


def slot0_image(out_path):
    """writes the image that slot 0 of flash_init.bin holds (header + body + TLVs) to @out_path"""
    with open(os.path.join(peer_dir(), "flash_init.bin"), "rb") as f:
        f.seek(SLOT0_OFFSET)
        header = f.read(32)
        hdr_size = int.from_bytes(header[8:10], "little")
        protect_size = int.from_bytes(header[10:12], "little")
        img_size = int.from_bytes(header[12:16], "little")
        f.seek(SLOT0_OFFSET + hdr_size + img_size + protect_size)
        tlv_info = f.read(4)
        tlv_len = int.from_bytes(tlv_info[2:4], "little")
        f.seek(SLOT0_OFFSET)
        data = f.read(hdr_size + img_size + protect_size + tlv_len)
    with open(out_path, "wb") as out:
        out.write(data)
    return out_path


class ZephyrPeer:
    """one running smp_svr_udp.exe with a flash file of its own in @tmpdir"""

    def __init__(self, tmpdir, extra_args=()):
        self.dir = tmpdir
        self.flash = os.path.join(tmpdir, "flash.bin")
        self.log_path = os.path.join(tmpdir, "zephyr.log")
        shutil.copyfile(os.path.join(peer_dir(), "flash_init.bin"), self.flash)
        os.chmod(self.flash, 0o644)
        self.log = open(self.log_path, "wb")
        self.process = subprocess.Popen(
            [os.path.join(peer_dir(), "smp_svr_udp.exe"), f"-flash={self.flash}", *extra_args],
            stdin=subprocess.DEVNULL, stdout=self.log, stderr=subprocess.STDOUT)
        self.wait_for_log("smp_udp: Started (IPv4)", 1, START_TIMEOUT)

    def output(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode(errors="replace")

    def boots(self):
        """how many times the program booted (a reset restarts it in place)"""
        return self.output().count("Booting Zephyr OS")

    def wait_for_log(self, text, count, timeout):
        deadline = time.monotonic() + timeout
        while self.output().count(text) < count:
            if self.process.poll() is not None:
                raise AssertionError(f"the Zephyr peer exited ({self.process.returncode}):\n"
                                     + self.output()[-2000:])
            if time.monotonic() > deadline:
                raise AssertionError(f"the Zephyr peer did not log {text!r} {count} time(s) "
                                     f"within {timeout} s:\n" + self.output()[-2000:])
            time.sleep(0.02)

    def read_slot(self, slot, length):
        with open(self.flash, "rb") as f:
            f.seek(SLOT0_OFFSET if slot == 0 else SLOT1_OFFSET)
            return f.read(length)

    def stop(self):
        end_process(self.process)
        self.log.close()
