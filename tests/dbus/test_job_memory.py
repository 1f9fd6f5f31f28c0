#!/usr/bin/python3
# Copyright 2026 The dfud authors
# SPDX-License-Identifier: LGPL-2.1-or-later
"""What jobs make dfud hold in memory: a queued job holds no firmware (it is read back from
the state directory when the job starts), a job that has ended keeps its record, not its bytes.
Measured as dfud's VmRSS (/proc/PID/status) with big images."""

import hashlib
import os
import socket
import struct
import sys

from gi.repository import GLib

import dfudtest
from dfudtest import DEVICE, JOB, data, hexbytes

MIB = 1024 * 1024
BIG = 24 * MIB
QUEUED = 4
# what RSS may grow by without holding one of the big images: allocator slack, GDBus
SLACK_KB = 8 * 1024


def big_image(path, size, seed):
    """a hash-only MCUboot image of @size body bytes, its body made from @seed: the 300 KiB
    fixture's header with another size, the SHA-256 TLV; returns (path, image hash)"""
    with open(data("hashonly_300k_v1.0.0.bin"), "rb") as f:
        fixture = f.read()
    hdr_size = struct.unpack_from("<H", fixture, 8)[0]
    header = bytearray(fixture[:hdr_size])
    struct.pack_into("<I", header, 12, size)
    body = (bytes([seed]) + bytes(range(255))) * (size // 256)
    digest = hashlib.sha256(bytes(header) + body).digest()
    tlvs = struct.pack("<HH", 0x6907, 4 + 4 + len(digest)) + \
        struct.pack("<BBH", 0x10, 0, len(digest)) + digest
    with open(path, "wb") as f:
        f.write(bytes(header) + body + tlvs)
    return path, digest.hex()


def rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError(f"no VmRSS in /proc/{pid}/status")


class JobMemoryTest(dfudtest.DfudTestCase):
    # one link at a time: the first job holds it, the others stay queued; the devices are
    # sockets of this test that never answer, and nothing times out during the test
    config = ("[Daemon]\nJobLinger=600\nMaxConnections=1\n"
              "[Timeouts]\nConnect=600\nCommand=600\n")

    def silent_device(self):
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.bind(("127.0.0.1", 0))
        self.addCleanup(sock.close)
        return self.add_device(f"udp:127.0.0.1:{sock.getsockname()[1]}")

    def test_queued_and_ended_jobs_hold_no_firmware(self):
        pid = self.start_daemon().process.pid
        devices = [self.silent_device() for _ in range(QUEUED + 1)]
        images = [big_image(os.path.join(self.tmpdir, f"big{k}.bin"), BIG, k)
                  for k in range(QUEUED + 1)]
        self.spin(0.5)
        idle = rss_kb(pid)

        # the first job runs (it holds its firmware) and waits for its silent device
        running = self.update(devices[0], images[0][0])
        self.wait_job(running, lambda p: p["Status"] == "connecting", 10, "connecting")
        self.spin(0.5)
        one = rss_kb(pid)

        queued = [self.update(d, path) for d, (path, _) in zip(devices[1:], images[1:])]
        for job in queued:
            self.assertEqual(self.prop(job, JOB, "Status"), "queued")
        self.spin(0.5)
        with_queued = rss_kb(pid)
        sys.stderr.write(f"VmRSS: idle {idle} kB, one running job {one} kB, "
                         f"{QUEUED} queued jobs of {BIG // MIB} MiB more: {with_queued} kB\n")
        self.assertGreater(one - idle, BIG // 1024 // 2,
                           "the running job's firmware is not in memory: nothing was measured")
        self.assertLess(with_queued - one, SLACK_KB,
                        f"{QUEUED} queued jobs took {with_queued - one} kB")

        for job in [running] + queued:
            self.call(job, JOB, "Cancel")
        for job in [running] + queued:
            props = self.wait_job_final(job)
            self.assertEqual(props["Status"], "cancelled", dfudtest.describe_job(props))
        self.spin(0.5)
        ended = rss_kb(pid)
        sys.stderr.write(f"VmRSS after the {QUEUED + 1} jobs ended: {ended} kB\n")
        self.assertLess(ended - idle, SLACK_KB,
                        f"{QUEUED + 1} ended jobs hold {ended - idle} kB")
        # their records stay, for JobLinger
        for job, (_, digest) in zip([running] + queued, images):
            shown = self.prop(job, JOB, "Images")
            self.assertEqual([hexbytes(i["hash"]) for i in shown], [digest])
            self.assertEqual(self.prop(job, JOB, "BytesTotal"), os.path.getsize(images[0][0]))
        self.assertEqual(len(self.list_jobs()), QUEUED + 1)


class QueuedJobRunsTest(dfudtest.DfudTestCase):
    """a queued job gets its firmware back from the state directory when it starts"""

    config = "[Daemon]\nJobLinger=600\nMaxConnections=1\n"

    def test_queued_job_runs(self):
        sim = self.start_sim("--slot0", data("hashonly_1k_v1.2.3+4.bin"), "--time-scale=0",
                             count=2)
        self.start_daemon()
        devices = [self.add_device(uri) for uri in sim.uris]
        options = {"allow-downgrade": GLib.Variant("b", True)}
        jobs = [self.update(devices[0], data("hashonly_300k_v1.0.0.bin"), options),
                self.update(devices[1], data("hashonly_60k_v2.0.0.bin"), options)]
        for job in jobs:
            self.assert_job_verified(job, self.wait_job_final(job))
        for device, name in zip(devices, ("hashonly_300k_v1.0.0.bin",
                                          "hashonly_60k_v2.0.0.bin")):
            images = self.call(device, DEVICE, "GetImageState", None, "(aa{sv})")[0]
            active = [hexbytes(i["hash"]) for i in images if i.get("active")]
            self.assertEqual(active, [dfudtest.HASHES[name]], images)
        # both ran one after the other, the second from its copy in jobs/
        self.assertEqual(os.listdir(os.path.join(self.state_dir, "jobs")), [])


if __name__ == "__main__":
    dfudtest.main()
