# Copyright 2026 The dfud authors
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Issue 7, item 2: the upload rate through real bluetoothd in the VM (btvirt's emulated
controllers, no air model), against 3x the 2M PHY's air limit: the software path (dfud's BLE
transport, bluetoothd, the kernel, the simulator's peripheral) must never be the bottleneck.

One VM boot (tests/vm/run-vm) runs bench/in-vm-ble-bench: dfud-update-run --mode upload-only on
hci0 uploads tests/data/hashonly_300k_v1.0.0.bin to dfud-sim --ble --no-link --time-scale 0 on
a fresh adapter, RUNS times; then RUNS times to a simulator with 8 SMP buffers instead of 4
(window 7 instead of 3). Each run's rate is the driver's `upload BYTES MICROSECONDS` line (the
upload stage only: no discovery, connection or service resolution); 1 kB = 1000 B. The
simulator takes its writes through a socket (dfud-sim --ble-write-socket, see
sim/ble/dfud-sim-ble-app.h), not one D-Bus call each: a real device's GATT server costs the
central nothing.

Why two: the simulated device's GATT server is bluetoothd, which holds every notification for
up to 10 ms to pack it with others (Multiple Handle Value Notifications, which the central's
bluetoothd always announces; a Zephyr device notifies at once). With 3 requests in flight each
round trip waits for that timer; with 7 the timer overlaps the writes, and the rate is what the
software path (dfud, bluetoothd, the kernel, btvirt, the emulated VM) can carry.

Alone: python3 bench/ble_vm.py [--ble-runs N] [--ble-logs DIR] [--ble-sim-arg=ARG]...
[--ble-dbus-writes] [--ble-no-buffers8] [--json FILE]   (as root: tests/vm/install-deps the
first time; DFUD_BUILD names the build tree, default build/)
"""

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
VM_SECONDS = 900
# the simulator's options of each set of runs: the default device, and one with 8 SMP buffers
SETS = (("4 buffers", []), ("8 buffers", ["--buf-count=8"]))

LINE = re.compile(r"^run (\d+) (.*)$")


def add_arguments(parser):
    parser.add_argument("--ble-runs", type=int, default=RUNS,
                        help=f"uploads in the one VM boot (default {RUNS})")
    parser.add_argument("--ble-logs", help="keep the VM's logs in this directory (emptied first)")
    parser.add_argument("--ble-sim-arg", action="append", default=[], metavar="ARG",
                        help="one more dfud-sim option for every run, for a diagnosis: "
                        "--ble-sim-arg=--buf-size=4096 (repeatable; the figures say so)")
    parser.add_argument("--ble-dbus-writes", action="store_true",
                        help="the simulator's writes through D-Bus WriteValue, as before")
    parser.add_argument("--ble-no-buffers8", action="store_true",
                        help="only the default device, not the runs with 8 SMP buffers")


def parse_results(text):
    """the in-VM script's results -> {run: {"set", "adapter", "rc", "cpu_s",
    "cpu_before_upload_s", "bytes", "us", "progress", "result"}}"""
    runs = {}
    for line in text.splitlines():
        m = LINE.match(line)
        if m is None:
            continue
        run = runs.setdefault(int(m.group(1)), {})
        words = m.group(2).split()
        if not words:
            continue
        if words[0] == "set" and len(words) == 2:
            run["set"] = int(words[1])
        elif words[0] == "adapter" and len(words) == 2:
            run["adapter"] = words[1]
        elif words[0] == "rc" and len(words) == 2:
            run["rc"] = int(words[1])
        elif words[0] == "cpu" and len(words) == 3:
            run["cpu_s"] = round(float(words[1]) + float(words[2]), 3)
        elif words[0] == "cpu-before-upload" and len(words) == 2:
            run["cpu_before_upload_s"] = float(words[1])
        elif words[0] == "upload" and len(words) == 3:
            run["bytes"], run["us"] = int(words[1]), int(words[2])
        elif words[0] == "progress" and len(words) == 9:
            # progress uploading IMAGE DONE TOTAL RATE MTU BUF WINDOW
            run["progress"] = {"mtu": int(words[6]), "packet": int(words[7]),
                               "window": int(words[8])}
        elif words[0] == "result":
            run["result"] = " ".join(words[1:])
    return runs


def boot(log_dir, runs, image, sets, sockets):
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
    argv = ([os.path.join(vm, "run-vm"), "-t", str(VM_SECONDS)] + ro + ["-s", log_dir,
            "env", f"BENCH_SIM_SOCKETS={1 if sockets else 0}",
            os.path.join(benchlib.HERE, "in-vm-ble-bench"), log_dir, benchlib.SOURCE, sim,
            driver, os.path.abspath(image), str(runs)] + [" ".join(s) for s in sets])
    t0 = time.monotonic()
    proc = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          errors="replace", cwd=benchlib.SOURCE, timeout=VM_SECONDS + 180)
    return proc.returncode, time.monotonic() - t0, proc.stdout


def rate(run):
    return run["bytes"] / run["us"] * 1e6 / 1000


def upload_cpu(run):
    """the driver's CPU seconds from its upload's start to its exit (10 ms resolution)"""
    if "cpu_s" not in run or "cpu_before_upload_s" not in run:
        return None
    return max(run["cpu_s"] - run["cpu_before_upload_s"], 0.0)


def rate_figures(runs, wanted, label, diagnosis, note):
    good = [r for r in runs if r.get("rc") == 0 and r.get("us")]
    rates = [rate(r) for r in good]
    count = f"{len(rates)} runs" if len(rates) == wanted else f"{len(rates)} of {wanted} runs"
    if len(runs) != len(rates):
        count += f" ({len(runs)} tried)"
    if diagnosis:
        count += f"; diagnosis: {diagnosis}"
    return [
        benchlib.Figure(f"BlueZ upload rate, {label} (median)",
                        statistics.median(rates) if rates else None, "kB/s", TARGET,
                        note=f"{count}; {note}", runs=len(rates)),
        benchlib.Figure(f"BlueZ upload rate, {label} (min)", min(rates) if rates else None,
                        "kB/s"),
        benchlib.Figure(f"BlueZ upload rate, {label} (max)", max(rates) if rates else None,
                        "kB/s"),
    ], good


def figures_of(runs, wanted, diagnosis, sets):
    in_set = [[r for r in runs.values() if r.get("set") == k] for k in range(len(sets))]
    figs, good = rate_figures(in_set[0], wanted, sets[0][0], diagnosis,
                              f"3x the 2M air limit of {AIR_LIMIT_2M:.0f} kB/s")

    def seen(key):
        values = sorted({r["progress"][key] for r in good if "progress" in r})
        return values[0] if len(values) == 1 else (", ".join(map(str, values)) or None)

    cpu = [upload_cpu(r) / (r["bytes"] / 1e6) * 1e3 for r in good
           if upload_cpu(r) is not None]
    figs += [
        benchlib.Figure("ATT MTU", seen("mtu"), "B"),
        benchlib.Figure("SMP packet size", seen("packet"), "B"),
        benchlib.Figure("window (requests in flight)", seen("window"), ""),
        benchlib.Figure("central's CPU per MB uploaded (median)",
                        statistics.median(cpu) if cpu else None, "ms",
                        note="dfud-update-run (engine and BLE transport) during the upload, "
                        "in the emulated VM"),
    ]
    for k in range(1, len(sets)):
        more, more_good = rate_figures(
            in_set[k], wanted, sets[k][0], diagnosis,
            "the software path's capacity: bluetoothd's 10 ms notification batching overlapped")
        windows = sorted({r["progress"]["window"] for r in more_good if "progress" in r})
        if windows:
            more[0].note += f" (window {', '.join(map(str, windows))})"
        figs += more
    return figs


def run(args=None):
    wanted = getattr(args, "ble_runs", None) or RUNS
    keep = getattr(args, "ble_logs", None)
    sim_args = list(getattr(args, "ble_sim_arg", None) or [])
    sockets = not getattr(args, "ble_dbus_writes", False)
    sets = SETS[:1] if getattr(args, "ble_no_buffers8", False) else SETS
    sets = [(label, options + sim_args) for label, options in sets]
    image = benchlib.IMAGE_300K
    diagnosis = ", ".join(sim_args + ([] if sockets else ["writes through D-Bus"]))
    log_dir = os.path.abspath(keep) if keep else tempfile.mkdtemp(prefix="dfud-bench-ble-")
    if keep:
        shutil.rmtree(log_dir, ignore_errors=True)
    os.makedirs(log_dir, exist_ok=True)
    benchlib.progress(f"ble_vm: booting the VM for {wanted} BlueZ uploads to each of "
                      f"{len(sets)} simulated devices (logs in {log_dir})")
    # the VM's CPUs are emulated threads of the host: other load there slows the whole path
    load = [os.getloadavg()[0]]
    try:
        for boots in (1, 2):
            rc, seconds, console = boot(log_dir, wanted, image, [s[1] for s in sets], sockets)
            try:
                with open(os.path.join(log_dir, "results")) as f:
                    runs = parse_results(f.read())
            except OSError:
                runs = {}
            if rc != 0:
                benchlib.progress(f"ble_vm: the VM run ended with status {rc}:\n"
                                  + console[-3000:])
            if runs:
                break
            # no run at all: bt-env could not set the controllers up (it happens); once more
            benchlib.progress("ble_vm: no upload ran" + (", booting again" if boots == 1 else ""))
        figures = figures_of(runs, wanted, diagnosis, sets)
        benchlib.print_figures("Real BlueZ in the VM: upload rate (btvirt, no air model)",
                               figures)
        rows = [(n, sets[r["set"]][0] if r.get("set", -1) in range(len(sets)) else "-",
                 r.get("adapter", "-"), r.get("bytes", "-"),
                 benchlib.fmt(r["us"] / 1e3, "ms") if "us" in r else "-",
                 benchlib.fmt(rate(r), "kB/s") if "us" in r else "-",
                 r.get("progress", {}).get("mtu", "-"), r.get("progress", {}).get("packet", "-"),
                 r.get("progress", {}).get("window", "-"),
                 benchlib.fmt(upload_cpu(r) * 1e3, "ms") if upload_cpu(r) is not None else "-",
                 r.get("result", "-"))
                for n, r in sorted(runs.items())]
        header = ("run", "device", "adapter", "bytes", "upload time", "rate", "MTU", "packet",
                  "window", "central CPU in upload", "result")
        benchlib.print_table("BlueZ runs", header, rows)
        load.append(os.getloadavg()[0])
        return {"figures": [f.to_json() for f in figures],
                "ble_runs": [dict(run=n, **r) for n, r in sorted(runs.items())],
                "ble_vm": {"status": rc, "seconds": round(seconds, 1), "boots": boots,
                           "image": os.path.relpath(image, benchlib.SOURCE),
                           "sets": [{"label": label, "sim_args": options}
                                    for label, options in sets],
                           "sim_write_socket": sockets,
                           "host_load_before_after": load}}
    finally:
        if not keep:
            shutil.rmtree(log_dir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(benchlib.part_main("ble", __doc__, add_arguments, run))
