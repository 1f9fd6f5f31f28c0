# Copyright 2026 The dfud authors
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Issue 7, item 2: the upload rate through real bluetoothd in the VM (btvirt's emulated
controllers, no air model), against 3x the 2M PHY's air limit: the software path (dfud's BLE
transport, bluetoothd, the kernel, the simulator's peripheral) must never be the bottleneck.

One VM boot (tests/vm/run-vm) runs bench/in-vm-ble-bench: dfud-update-run --mode upload-only on
hci0 uploads tests/data/hashonly_300k_v1.0.0.bin to dfud-sim --ble --no-link --time-scale 0 on
a fresh adapter, RUNS times. Each run's rate is the driver's `upload BYTES MICROSECONDS` line
(the upload stage only: no discovery, connection or service resolution); 1 kB = 1000 B.

Alone: python3 bench/ble_vm.py [--runs N] [--logs DIR] [--json FILE]   (as root: KVM, and
tests/vm/install-deps the first time; DFUD_BUILD names the build tree, default build/)
"""

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib  # noqa: E402

# the issue: about 175 kB/s of SMP payload on the 2M PHY before SMP overhead; 3x that
AIR_LIMIT_2M = 175.0
TARGET = f">= {3 * AIR_LIMIT_2M:.0f}"
RUNS = 3
VM_SECONDS = 600

LINE = re.compile(r"^run (\d+) (.*)$")


def parse_results(text):
    """the in-VM script's results file -> {run: {"rc", "bytes", "us", "progress", "result"}}"""
    runs = {}
    for line in text.splitlines():
        m = LINE.match(line)
        if m is None:
            continue
        run = runs.setdefault(int(m.group(1)), {})
        words = m.group(2).split()
        if words[0] == "rc":
            run["rc"] = int(words[1])
        elif words[0] == "upload" and len(words) == 3:
            run["bytes"], run["us"] = int(words[1]), int(words[2])
        elif words[0] == "progress" and len(words) == 9:
            # progress uploading IMAGE DONE TOTAL RATE MTU BUF WINDOW
            run["progress"] = {"mtu": int(words[6]), "packet": int(words[7]),
                               "window": int(words[8])}
        elif words[0] == "result":
            run["result"] = " ".join(words[1:])
    return runs


def boot(log_dir, runs, image):
    """runs the VM; returns (exit status, seconds, console output)"""
    sim = benchlib.dfud_sim()
    driver = benchlib.update_run()
    vm = os.path.join(benchlib.SOURCE, "tests", "vm")
    deps = subprocess.run([os.path.join(vm, "install-deps")], capture_output=True, text=True)
    if deps.returncode != 0:
        raise RuntimeError(f"the VM's packages are missing: {deps.stderr.strip()}")
    ro = []
    for d in sorted({benchlib.SOURCE, os.path.dirname(sim), os.path.dirname(driver),
                     os.path.dirname(os.path.abspath(image))}):
        ro += ["-r", d]
    argv = [os.path.join(vm, "run-vm"), "-t", str(VM_SECONDS)] + ro + ["-s", log_dir,
            os.path.join(benchlib.HERE, "in-vm-ble-bench"), log_dir, benchlib.SOURCE, sim,
            driver, str(runs), os.path.abspath(image)]
    t0 = time.monotonic()
    proc = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          errors="replace", cwd=benchlib.SOURCE, timeout=VM_SECONDS + 180)
    return proc.returncode, time.monotonic() - t0, proc.stdout


def figures_of(runs):
    rates = [r["bytes"] / r["us"] * 1e6 / 1000 for r in runs.values() if r.get("us")]
    seen = [r["progress"] for r in runs.values() if "progress" in r]
    median = statistics.median(rates) if rates else None
    note = f"{len(rates)} of {len(runs)} runs" if len(rates) != len(runs) or not runs else None
    figs = [
        benchlib.Figure("BlueZ upload rate (median)", median, "kB/s", TARGET,
                        note=note or f"{len(rates)} runs, 3x the 2M air limit of "
                        f"{AIR_LIMIT_2M:.0f} kB/s", runs=len(rates)),
        benchlib.Figure("BlueZ upload rate (min)", min(rates) if rates else None, "kB/s"),
        benchlib.Figure("BlueZ upload rate (max)", max(rates) if rates else None, "kB/s"),
    ]

    def seen_value(key):
        values = sorted({s[key] for s in seen})
        return values[0] if len(values) == 1 else (", ".join(map(str, values)) or None)

    figs += [
        benchlib.Figure("ATT MTU", seen_value("mtu"), "B"),
        benchlib.Figure("SMP packet size", seen_value("packet"), "B"),
        benchlib.Figure("window (requests in flight)", seen_value("window"), ""),
    ]
    return figs, rates


def run(args=None):
    runs_wanted = getattr(args, "ble_runs", None) or getattr(args, "runs", None) or RUNS
    keep = getattr(args, "ble_logs", None) or getattr(args, "logs", None)
    image = getattr(args, "ble_image", None) or benchlib.IMAGE_300K
    log_dir = os.path.abspath(keep) if keep else tempfile.mkdtemp(prefix="dfud-bench-ble-")
    if keep:
        shutil.rmtree(log_dir, ignore_errors=True)
    os.makedirs(log_dir, exist_ok=True)
    benchlib.progress(f"ble_vm: booting the VM for {runs_wanted} BlueZ uploads "
                      f"(logs in {log_dir})")
    try:
        rc, seconds, console = boot(log_dir, runs_wanted, image)
        try:
            with open(os.path.join(log_dir, "results")) as f:
                runs = parse_results(f.read())
        except OSError:
            runs = {}
        if rc != 0 or len(runs) != runs_wanted:
            benchlib.progress(f"ble_vm: the VM run ended with status {rc}:\n"
                              + console[-3000:])
        figures, rates = figures_of(runs)
        benchlib.print_figures("Real BlueZ in the VM: upload rate (btvirt, no air model)",
                               figures)
        rows = [(n, r.get("bytes", "-"), benchlib.fmt(r["us"] / 1e3, "ms") if "us" in r else "-",
                 benchlib.fmt(r["bytes"] / r["us"] * 1e3, "kB/s") if "us" in r else "-",
                 r.get("progress", {}).get("mtu", "-"), r.get("progress", {}).get("packet", "-"),
                 r.get("progress", {}).get("window", "-"), r.get("result", "-"))
                for n, r in sorted(runs.items())]
        benchlib.print_table("BlueZ runs", ("run", "bytes", "upload time", "rate", "MTU",
                                            "packet", "window", "result"), rows)
        return {"figures": [f.to_json() for f in figures],
                "ble_runs": [dict(run=n, **r) for n, r in sorted(runs.items())],
                "ble_vm": {"status": rc, "seconds": round(seconds, 1),
                           "image": os.path.relpath(image, benchlib.SOURCE)}}
    finally:
        if not keep:
            shutil.rmtree(log_dir, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=RUNS, help="uploads, one VM boot")
    parser.add_argument("--logs", help="keep the VM's logs in this directory (emptied first)")
    parser.add_argument("--json", help="write the results to this file")
    args = parser.parse_args()
    document = run(args)
    if args.json:
        benchlib.write_json(args.json, document)
    return 0


if __name__ == "__main__":
    sys.exit(main())
