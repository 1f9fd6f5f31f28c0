# Copyright 2026 The dfud authors
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Link efficiency: dfud's engine against dfud-sim's BLE air-time and flash model.

For every case of the matrix (PHY, connection interval, ATT MTU, the device's SMP buffer size
and count, the flash of an nRF52840 or an nRF5340) one dfud-sim serves UDP with the air model
(--link) and progressive erase (the nRF Connect SDK's DFU default), and the engine uploads a
300 KB image through a `udp:...?att-mtu=N` URI, which sizes packets as on a BLE link of that
ATT MTU.
The figure is the upload stage's rate divided by the capacity the model allows for that image:
min(link, flash), where link is the image bytes per second the saturated link carries in the
best packets the device's buffer allows and flash is the rate at which it erases and writes
(`dfud-sim --capacity`, the same model that times the packets).

The baseline is the same case with the engine forced to stop-and-wait (one request in flight,
packets of one ATT write): what most clients do. At ATT MTU 23 one write cannot carry the first
chunk's header, so that baseline reassembles (window 1, packets up to the buffer).

Model time runs faster than real time (--time-scale for the flash, --link-time-scale for the
air, the same factor): rates are converted back to model time. The factor keeps a connection
interval at least MIN_INTERVAL_WALL_MS of wall time so that the client's own turnaround (tens
of microseconds) stays small against it.
"""

import concurrent.futures
import itertools
import json
import os
import statistics
import subprocess
import sys
import tempfile

import benchlib
from benchlib import Figure

PHYS = ("1M", "2M")
INTERVALS_MS = (7.5, 15, 30, 50)
MTUS = (23, 247, 498)
BUF_SIZES = (384, 2048, 4096)
BUF_COUNTS = (1, 2, 4)
FLASHES = ("nrf52840", "nrf5340")
QUICK = dict(phys=("2M",), intervals=(7.5, 30), mtus=(247, 498), buf_sizes=(2048,),
             buf_counts=(1, 2, 4), flashes=("nrf52840",))
MIN_INTERVAL_WALL_MS = 3.0
MAX_SPEEDUP_FACTOR = 20.0
EFFICIENCY_TARGET = ">= 0.90"
SPEEDUP_TARGET = ">= 5"


class Case:
    def __init__(self, phy, interval, mtu, buf_size, buf_count, flash):
        self.phy, self.interval, self.mtu = phy, interval, mtu
        self.buf_size, self.buf_count, self.flash = buf_size, buf_count, flash

    def model_args(self):
        return ["--link", "--link-phy", self.phy, "--link-interval", f"{self.interval:g}",
                "--link-mtu", str(self.mtu), "--buf-size", str(self.buf_size),
                "--buf-count", str(self.buf_count), "--flash", self.flash,
                "--progressive-erase"]

    def label(self):
        return (f"{self.phy} {self.interval:g}ms mtu{self.mtu} buf{self.buf_size}x"
                f"{self.buf_count} {self.flash}")

    def baseline_key(self):
        """what the stop-and-wait run depends on: its packets never exceed one ATT write
        (nor the buffer), and its one request in flight never needs more than 2 buffers"""
        return (self.phy, self.interval, self.mtu, self.flash,
                min(self.buf_size, self.mtu - 3) if self.mtu > 23 else self.buf_size)

    def to_json(self):
        return {"phy": self.phy, "interval_ms": self.interval, "att_mtu": self.mtu,
                "buf_size": self.buf_size, "buf_count": self.buf_count, "flash": self.flash}


def speedup_factor(interval_ms, wanted):
    """the wall/model time factor for a case: @wanted, but never so fast that an interval
    is shorter than MIN_INTERVAL_WALL_MS of wall time"""
    floor = MIN_INTERVAL_WALL_MS / interval_ms
    return min(max(wanted, floor), 1.0)


def capacity(case, image_bytes):
    out = subprocess.run([benchlib.dfud_sim(), "--capacity", str(image_bytes)]
                         + case.model_args(), capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def measure(case, scale, tmp, engine_args=()):
    """(rate in model bytes/s, bytes, model seconds) of one upload, or raises"""
    state = tempfile.mkdtemp(dir=tmp)
    args = case.model_args() + ["--time-scale", f"{scale:g}", "--link-time-scale", f"{scale:g}"]
    with benchlib.Sim(state, args) as sim:
        done, seconds = benchlib.run_update(sim.uri(query=f"?att-mtu={case.mtu}"),
                                            args=["--mode", "upload-only"] + list(engine_args))
    model_seconds = seconds / scale
    return done / model_seconds, done, model_seconds


def baseline_args(case):
    if case.mtu <= 23:
        return ["--window", "1"]
    return ["--window", "1", "--no-reassembly"]


def unusable_case(case, tmp):
    """a device with one SMP buffer: every request needs a second one for its answer (spec
    §5.4), so the device drops them all; dfud must fail with a named error, not hang"""
    state = tempfile.mkdtemp(dir=tmp)
    with benchlib.Sim(state, case.model_args() + ["--time-scale", "0"]) as sim:
        try:
            benchlib.run_update(sim.uri(query=f"?att-mtu={case.mtu}"), args=["--mode", "upload-only"],
                                timeout=300)
        except RuntimeError as e:
            return str(e)
    return "the upload succeeded"


def kBps(value):
    return None if value is None else value / 1000.0


def measure_or_error(case, scale, tmp, engine_args=()):
    try:
        rate, _, secs = measure(case, scale, tmp, engine_args)
        return {"rate_Bps": rate, "seconds": secs}
    except (RuntimeError, subprocess.TimeoutExpired) as e:
        return {"rate_Bps": None, "error": str(e)}


def run(args):
    dims = QUICK if args.quick else dict(phys=PHYS, intervals=INTERVALS_MS, mtus=MTUS,
                                          buf_sizes=BUF_SIZES, buf_counts=BUF_COUNTS,
                                          flashes=FLASHES)
    cases = [Case(*c) for c in itertools.product(dims["phys"], dims["intervals"], dims["mtus"],
                                                  dims["buf_sizes"], dims["buf_counts"],
                                                  dims["flashes"])]
    image_bytes = os.path.getsize(benchlib.IMAGE_300K)
    caps = [capacity(case, image_bytes) for case in cases]
    runnable = [c for c in cases if c.buf_count >= 2]
    # one stop-and-wait run per distinct baseline, one dfud run per case, in parallel: each
    # run mostly waits on the model's timers, so a few at once keep their timing
    first_of = {}
    for case in runnable:
        first_of.setdefault(case.baseline_key(), case)
    jobs = [("dfud", c) for c in runnable] + [("base", c) for c in first_of.values()]
    done = {}
    with tempfile.TemporaryDirectory(prefix="dfud-bench-link-") as tmp:
        def work(job):
            kind, case = job
            scale = speedup_factor(case.interval, args.time_scale)
            extra = baseline_args(case) if kind == "base" else ()
            return job, measure_or_error(case, scale, tmp, extra)

        unusable = next((c for c in cases if c.buf_count < 2), None)
        unusable_error = unusable_case(unusable, tmp) if unusable is not None else None
        with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as pool:
            for n, (job, result) in enumerate(pool.map(work, jobs)):
                done[(job[0], id(job[1]))] = result
                benchlib.progress(f"[{n + 1}/{len(jobs)}] {job[0]} {job[1].label()}")
    baselines = {key: done[("base", id(c))] for key, c in first_of.items()}
    rows = []
    results = []
    for case, cap in zip(cases, caps):
        entry = dict(case.to_json(), capacity=cap,
                     time_scale=speedup_factor(case.interval, args.time_scale))
        if case.buf_count < 2:
            entry.update(rate_Bps=None, efficiency=None, error=unusable_error,
                         note="buf_count 1: no buffer for any response (spec 5.4)")
            results.append(entry)
            rows.append(row(case, cap, None, None, None, None, None,
                            "one buffer: no answer possible"))
            continue
        entry.update(done[("dfud", id(case))])
        rate = entry.get("rate_Bps")
        entry["efficiency"] = rate / cap["capacity_Bps"] if rate else None
        base_run = baselines[case.baseline_key()]
        base = base_run.get("rate_Bps")
        if base is None:
            entry["baseline_error"] = base_run.get("error")
        entry["baseline_Bps"] = base
        entry["baseline_kind"] = " ".join(baseline_args(case))
        speedup = rate / base if base and rate else None
        entry["speedup"] = speedup
        # what no client can beat: the capacity over the same baseline
        entry["speedup_ceiling"] = cap["capacity_Bps"] / base if base else None
        if case.buf_count == 2 and "error" not in entry:
            entry["note"] = "1 request in flight: its answer needs the 2nd buffer"
        results.append(entry)
        rows.append(row(case, cap, rate, entry["efficiency"], base, speedup,
                        entry["speedup_ceiling"], entry.get("error", entry.get("note", ""))))
    benchlib.print_table(
        "link efficiency: dfud-sim air + flash model, 300 KB image, progressive erase",
        ("phy", "int", "mtu", "buf", "cnt", "flash", "link", "flash", "cap", "limit", "dfud",
         "eff", "s&w", "x s&w", "max x", "note"), rows)
    figures = summarize(results)
    benchlib.print_figures("link efficiency: summary", figures)
    return {"figures": [f.to_json() for f in figures], "cases": results,
            "image_bytes": image_bytes}


def row(case, cap, rate, eff, base, speedup, ceiling, note):
    """rates in kB/s (1000 B); "max x" is the capacity over the baseline: no client does better"""
    f = benchlib.fmt
    return (case.phy, f"{case.interval:g}", case.mtu, case.buf_size, case.buf_count, case.flash,
            f(kBps(cap.get("link_Bps"))), f(kBps(cap["flash_Bps"])), f(kBps(cap["capacity_Bps"])),
            cap["limit"], f(kBps(rate)), f(eff), f(kBps(base)), f(speedup), f(ceiling), note)


def summarize(results):
    figures = []
    ran = [r for r in results if r["buf_count"] >= 2]
    for label, subset in (("buf_count >= 2", ran),
                          ("buf_count 4", [r for r in ran if r["buf_count"] >= 4]),
                          ("buf_count 2", [r for r in ran if r["buf_count"] == 2])):
        if not subset:
            continue
        effs = [r["efficiency"] or 0.0 for r in subset]
        below = sum(1 for e in effs if e < 0.90)
        figures.append(Figure(f"efficiency, {label}: minimum", min(effs), "", EFFICIENCY_TARGET,
                              note=f"{below} of {len(effs)} cases below 0.90"))
        figures.append(Figure(f"efficiency, {label}: median", statistics.median(effs), ""))
    group = [r for r in ran if r["phy"] == "2M" and r["interval_ms"] == 30]
    speedups = [r["speedup"] or 0.0 for r in group]
    if speedups:
        below = sum(1 for s in speedups if s < 5)
        capped = sum(1 for r in group if (r["speedup_ceiling"] or 0.0) < 5)
        figures.append(Figure("speedup over stop-and-wait, 2M 30 ms: minimum", min(speedups), "x",
                              SPEEDUP_TARGET,
                              note=f"{below} of {len(speedups)} cases below 5x; in {capped} the "
                                   "capacity itself is under 5x the baseline"))
        four = [r["speedup"] or 0.0 for r in group if r["buf_count"] >= 4]
        if four:
            figures.append(Figure("speedup over stop-and-wait, 2M 30 ms, buf_count 4: minimum",
                                  min(four), "x", SPEEDUP_TARGET))
        figures.append(Figure("speedup over stop-and-wait, 2M 30 ms: median",
                              statistics.median(speedups), "x"))
    failed = [r for r in ran if r.get("rate_Bps") is None]
    figures.append(Figure("cases with buf_count >= 2 that failed", len(failed), "", "<= 0"))
    one = [r for r in results if r["buf_count"] < 2]
    if one:
        figures.append(Figure("buf_count 1 cases (no response buffer: cannot work)", len(one), "",
                              note=f"dfud: {one[0].get('error')}"))
    return figures


def add_arguments(parser):
    parser.add_argument("--quick", action="store_true",
                        help="a small part of the matrix (2M, 7.5/30 ms, buffers of 2048)")
    parser.add_argument("--jobs", type=int, default=4,
                        help="uploads run at once (default 4; each mostly waits on timers)")
    parser.add_argument("--time-scale", type=float, default=0.1,
                        help="wall time per model second wanted (default 0.1); see the module doc")


if __name__ == "__main__":
    sys.exit(benchlib.part_main("link", __doc__, add_arguments, run))
