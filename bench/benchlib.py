# Copyright 2026 The dfud authors
# SPDX-License-Identifier: LGPL-2.1-or-later
"""What the benchmarks share: figures with their targets, the table they print, the JSON they
write, the build tree's programs and dfud-sim processes.

A figure is one measured number with its unit and, when the issue sets one, its target
(">= 0.90", "<= 20"); `met` is True/False against it, None without one. Benchmarks never
assert: they measure, print and record, and bench/run's exit code says only whether they ran.
"""

import json
import os
import re
import select
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.dirname(HERE)
DATA = os.path.join(SOURCE, "tests", "data")
# the 300 KiB image of every rate figure, and what the simulated device runs before it
IMAGE_300K = os.path.join(DATA, "hashonly_300k_v1.0.0.bin")
IMAGE_BEFORE = os.path.join(DATA, "hashonly_60k_v2.0.0.bin")


def hashonly_image(path, size):
    """writes a hash-only MCUboot image of @size body bytes to @path (the 300 KiB fixture's
    header with another size, a patterned body, the SHA-256 TLV) and returns @path"""
    import hashlib
    import struct
    with open(IMAGE_300K, "rb") as f:
        fixture = f.read()
    hdr_size = struct.unpack_from("<H", fixture, 8)[0]
    header = bytearray(fixture[:hdr_size])
    struct.pack_into("<I", header, 12, size)
    body = bytes((i * 7) & 0xFF for i in range(size))
    digest = hashlib.sha256(bytes(header) + body).digest()
    tlvs = struct.pack("<HH", 0x6907, 4 + 4 + len(digest)) + \
        struct.pack("<BBH", 0x10, 0, len(digest)) + digest
    with open(path, "wb") as f:
        f.write(bytes(header) + body + tlvs)
    return path


def build_dir():
    return os.environ.get("DFUD_BUILD", os.path.join(SOURCE, "build"))


def program(*parts):
    path = os.path.join(build_dir(), *parts)
    if not os.access(path, os.X_OK):
        raise RuntimeError(f"{path} is missing: build first (meson setup build && ninja -C build)")
    return path


def dfud_sim():
    return program("sim", "dfud-sim")


def update_run():
    return program("tests", "engine", "dfud-update-run")


class Figure:
    """one measured value; @target like ">= 0.9" or "<= 20" (None: reported only)"""

    def __init__(self, name, value, unit, target=None, note=None, **fields):
        self.name = name
        self.value = value
        self.unit = unit
        self.target = target
        self.note = note
        self.fields = fields

    @property
    def met(self):
        if self.target is None or self.value is None:
            return None
        op, _, bound = self.target.partition(" ")
        bound = float(bound)
        return self.value >= bound if op == ">=" else self.value <= bound

    def to_json(self):
        out = {"name": self.name, "value": self.value, "unit": self.unit,
               "target": self.target, "met": self.met}
        if self.note:
            out["note"] = self.note
        out.update(self.fields)
        return out


def fmt(value, unit=""):
    if value is None:
        return "-"
    if isinstance(value, float):
        if abs(value) >= 100:
            text = f"{value:.0f}"
        elif abs(value) >= 10:
            text = f"{value:.1f}"
        else:
            text = f"{value:.2f}"
    else:
        text = str(value)
    return f"{text} {unit}".rstrip()


def print_figures(title, figures, out=sys.stdout):
    """a table: figure, value, target, verdict"""
    rows = [(f.name, fmt(f.value, f.unit), f.target or "",
             {True: "met", False: "MISSED", None: ""}[f.met], f.note or "") for f in figures]
    print_table(title, ("figure", "value", "target", "", "note"), rows, out)


def print_table(title, header, rows, out=sys.stdout):
    widths = [len(h) for h in header]
    for row in rows:
        widths = [max(w, len(str(c))) for w, c in zip(widths, row)]
    print(f"\n== {title}", file=out)
    line = "  ".join(str(h).ljust(w) for h, w in zip(header, widths))
    print(line.rstrip(), file=out)
    print("  ".join("-" * w for w in widths), file=out)
    for row in rows:
        print("  ".join(str(c).ljust(w) for c, w in zip(row, widths)).rstrip(), file=out)
    out.flush()


def write_json(path, document):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(document, f, indent=1, sort_keys=True)
        f.write("\n")
    os.replace(tmp, path)


def progress(message):
    """a line on stderr while a long benchmark runs"""
    print(message, file=sys.stderr, flush=True)


class Sim:
    """dfud-sim serving UDP on free ports of 127.0.0.1; `ports` lists device k's port"""

    def __init__(self, state_dir, args=(), count=1, slot0=IMAGE_BEFORE, timeout=20):
        argv = [dfud_sim(), "--udp", "127.0.0.1:0", "--count", str(count),
                "--state-dir", state_dir, "--slot0", slot0] + list(args)
        self.proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.ports = []
        deadline = time.monotonic() + timeout
        fd = self.proc.stdout.fileno()
        buf = b""
        while b"READY\n" not in buf:
            left = deadline - time.monotonic()
            ready, _, _ = select.select([fd], [], [], max(left, 0))
            chunk = os.read(fd, 4096) if ready else b""
            if not chunk:
                self.stop()
                raise RuntimeError(f"dfud-sim did not start: {self.proc.stderr.read().decode()}")
            buf += chunk
        self.ports = [int(p) for p in re.findall(rb"listening on udp [0-9.]+:(\d+)", buf)]

    def uri(self, k=0, query=""):
        return f"udp:127.0.0.1:{self.ports[k]}{query}"

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def run_update(uri, image=IMAGE_300K, args=(), timeout=3600):
    """dfud-update-run (the engine without a bus): returns (bytes, seconds) of the upload stage,
    or raises naming the result line"""
    argv = [update_run(), "--allow-downgrade"] + list(args) + [uri, image]
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=timeout)
    upload = re.search(r"^upload (\d+) (\d+)$", proc.stdout, re.M)
    result = re.search(r"^result .*$", proc.stdout, re.M)
    if proc.returncode != 0 or upload is None:
        raise RuntimeError(f"update failed: {result.group(0) if result else proc.stderr[-500:]}")
    return int(upload.group(1)), int(upload.group(2)) / 1e6


def part_main(part, doc, add_arguments, run):
    """a part run on its own (bench/PART.py): its options, --json FILE as bench/run writes it"""
    import argparse
    parser = argparse.ArgumentParser(description=doc.strip().splitlines()[0])
    add_arguments(parser)
    parser.add_argument("--json", help="write the results to this file")
    args = parser.parse_args()
    result = run(args)
    if args.json:
        write_json(args.json, {part: result})
    return 0
