# Copyright 2026 The dfud authors
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Serial: dfud's engine over a serial port against dfud-sim --serial on a pseudo-terminal.

A PTY moves bytes at memory speed and has no baud rate: dfud-sim --serial-baud N paces both
directions at N baud, 10 bits a byte (8N1), a request reaching the device when its last byte
would have and an answer leaving no faster than the line carries it. The flash is the
nRF52840's at real time with progressive erase (dfud-sim --capacity gives its rate).

For each line speed (115200 and 1000000 baud) and SMP MTU over serial (Zephyr's default 256,
and 1024) one 60 KB image is uploaded with dfud-update-run, stop-and-wait as dfud always runs a
serial port. From the simulator's log (every request and answer with its SMP size) the wire
bytes are counted exactly as framed: 2 bytes of length and 2 of CRC, base64, frames of at most
127 bytes with their marker and newline. Three bounds for the upload:

  line      image bytes over the time the requests alone take on the wire: what a client that
            kept the line busy (pipelining, a device buffering without limit) could reach
  s&w       stop-and-wait on this line and flash: each request's and answer's wire time plus
            the flash work, one after another (dfud's own mode over serial)
  pipelined max(line, flash) time: the most any client could do with this device

The figures: dfud's rate against the line (how much of the wire's capacity reaches flash) and
against the stop-and-wait bound (how close dfud's turnaround comes to nothing).
"""

import json
import os
import re
import subprocess
import sys
import tempfile
import time
import select

import benchlib
from benchlib import Figure

BAUDS = (115200, 1000000)
MTUS = (256, 1024)
IMAGE = os.path.join(benchlib.DATA, "hashonly_60k_v2.0.0.bin")
SLOT0 = os.path.join(benchlib.DATA, "hashonly_1k_v1.2.3+4.bin")
BITS_PER_BYTE = 10
FRAME_TEXT = 124


def wire_bytes(smp_len):
    """bytes on the line for an SMP packet of @smp_len bytes (spec §6.2)"""
    text = 4 * ((smp_len + 4 + 2) // 3)
    frames = (text + FRAME_TEXT - 1) // FRAME_TEXT
    return text + 3 * frames


def serial_sim(state_dir, args):
    link = os.path.join(state_dir, "tty")
    log = os.path.join(state_dir, "log.json")
    argv = [benchlib.dfud_sim(), "--serial", "--serial-link", link, "--state-dir", state_dir,
            "--slot0", SLOT0, "--log-json", log] + list(args)
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    buf = b""
    deadline = time.monotonic() + 20
    while b"READY\n" not in buf:
        ready, _, _ = select.select([proc.stdout], [], [], max(deadline - time.monotonic(), 0))
        chunk = os.read(proc.stdout.fileno(), 4096) if ready else b""
        if not chunk:
            proc.kill()
            raise RuntimeError(f"dfud-sim did not start: {proc.stderr.read().decode()}")
        buf += chunk
    return proc, link, log


def read_log(path):
    events = []
    with open(path) as f:
        for line in f:
            if line.strip():
                events.append(json.loads(line))
    return events


def one_case(baud, mtu):
    with tempfile.TemporaryDirectory(prefix="dfud-bench-serial-") as tmp:
        proc, link, log = serial_sim(tmp, ["--serial-baud", str(baud), "--serial-mtu", str(mtu),
                                           "--progressive-erase", "--time-scale=1"])
        try:
            nbytes, seconds = benchlib.run_update(f"serial:{link}?baud={baud}&mtu={mtu}",
                                                  image=IMAGE, timeout=600)
        finally:
            proc.terminate()
            proc.wait(10)
        events = read_log(log)
    uploads = [e for e in events if e.get("command") == "image upload"]
    req = [wire_bytes(e["size"]) for e in uploads if e["event"] == "request"]
    rsp = [wire_bytes(e["size"]) for e in uploads if e["event"] == "response"]
    cap = json.loads(subprocess.run(
        [benchlib.dfud_sim(), "--capacity", str(nbytes), "--progressive-erase",
         "--state-dir", "/nonexistent"], capture_output=True, text=True, check=True).stdout)
    line_s = sum(req) * BITS_PER_BYTE / baud
    rsp_s = sum(rsp) * BITS_PER_BYTE / baud
    flash_s = nbytes / cap["flash_Bps"]
    sw_s = line_s + rsp_s + flash_s
    smp = sum(e["size"] for e in uploads if e["event"] == "request")
    return {"baud": baud, "mtu": mtu, "image_bytes": nbytes, "seconds": seconds,
            "rate_Bps": nbytes / seconds, "requests": len(req),
            "smp_bytes": smp, "wire_bytes": sum(req) + sum(rsp),
            "expansion": sum(req) / nbytes,
            "line_Bps": nbytes / line_s, "sw_Bps": nbytes / sw_s,
            "pipelined_Bps": nbytes / max(line_s, flash_s), "flash_Bps": cap["flash_Bps"],
            "of_line": (nbytes / seconds) / (nbytes / line_s),
            "of_sw": (nbytes / seconds) / (nbytes / sw_s)}


def run(args):
    bauds = (115200,) if getattr(args, "quick", False) else BAUDS
    results, rows = [], []
    for baud in bauds:
        for mtu in MTUS:
            benchlib.progress(f"serial: {baud} baud, mtu {mtu}")
            try:
                r = one_case(baud, mtu)
            except Exception as e:  # one case that fails keeps the others
                r = {"baud": baud, "mtu": mtu, "error": str(e)}
            results.append(r)
            f, k = benchlib.fmt, lambda v: None if v is None else v / 1000
            rows.append((baud, mtu, r.get("requests"), f(r.get("expansion")),
                         f(k(r.get("line_Bps"))), f(k(r.get("sw_Bps"))),
                         f(k(r.get("pipelined_Bps"))), f(k(r.get("rate_Bps"))),
                         f(r.get("of_line")), f(r.get("of_sw")), r.get("error", "")))
    benchlib.print_table("serial: 60 KB over a paced PTY, nRF52840 flash, progressive erase "
                         "(kB/s)",
                         ("baud", "mtu", "reqs", "wire/B", "line", "s&w", "pipe", "dfud",
                          "/line", "/s&w", "error"), rows)
    ok = [r for r in results if "error" not in r]
    figures = []
    for r in ok:
        figures.append(Figure(f"{r['baud']} baud, mtu {r['mtu']}: rate", r["rate_Bps"] / 1000,
                              "kB/s", note=f"line {r['line_Bps'] / 1000:.1f} kB/s, "
                                           f"stop-and-wait bound {r['sw_Bps'] / 1000:.1f}"))
        figures.append(Figure(f"{r['baud']} baud, mtu {r['mtu']}: of the stop-and-wait bound",
                              r["of_sw"], "", ">= 0.90"))
    figures.append(Figure("cases that failed", len(results) - len(ok), "", "<= 0"))
    benchlib.print_figures("serial: summary", figures)
    return {"figures": [f.to_json() for f in figures], "cases": results}


def add_arguments(parser):
    parser.add_argument("--serial-quick", dest="quick", action="store_true",
                        help="115200 baud only")


if __name__ == "__main__":
    sys.exit(benchlib.part_main("serial", __doc__, add_arguments, run))
