#!/usr/bin/python3
# Copyright 2026 The dfud authors
# SPDX-License-Identifier: LGPL-2.1-or-later
"""One dfud-hawkbit with 1,000 targets (issue 18, item 6): the requests it sends to the server at
hawkBit's default poll interval, its CPU time and its memory.

A private dbus-daemon, `dfud --session`, one dfud-sim serving N devices over UDP (--count N,
--time-scale 0), each added to dfud with a name, the tests' DDI server (tests/hawkbit/
ddiserver.py) answering config.polling.sleep 00:05:00 (hawkBit's default Polling Time) with no
action, and dfud-hawkbit with its default [Polling] (StartSpread 60 s, ±10 % jitter).
Measured from the connector's start for --duration seconds (default 390: the start-up spread,
then from 90 s on one whole poll cycle of 300 s):
- the requests of the start-up minute (each target's first poll, its configData, and the
  image-state reads through dfud that configData needs),
- the requests per minute of the steady state (from 90 s on; N/300 s * 60 expected),
- the most requests in any one second (the stagger: no burst of N),
- the connector's CPU time (its threads, /proc) over the start-up and per minute after, its
  VmRSS at the end and VmHWM, and the RSS per target beyond an idle connector's.

Runs alone (`bench/hawkbit.py [--targets N] [--duration S] [--json FILE]`) or through
bench/run (`--only hawkbit`). Needs python3-gi (the D-Bus calls that add the devices).
"""

import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib  # noqa: E402
from benchlib import Figure  # noqa: E402

sys.path.insert(0, os.path.join(benchlib.SOURCE, "tests", "dbus"))
sys.path.insert(0, os.path.join(benchlib.SOURCE, "tests", "hawkbit"))

TARGETS = 1000
DURATION = 390
STEADY_FROM = 90
TICK = os.sysconf("SC_CLK_TCK")


def proc_cpu_s(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def proc_kb(pid, key):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return 0


def measure(targets, duration, keep=False):
    if duration < STEADY_FROM + 300:
        raise RuntimeError(f"--duration must be at least {STEADY_FROM + 300} s (one poll cycle "
                           "after the start-up)")
    os.environ.setdefault("DFUD_DAEMON", benchlib.program("daemon", "dfud"))
    os.environ.setdefault("DFUD_SIM", benchlib.dfud_sim())
    os.environ.setdefault("DBUS_DAEMON", shutil.which("dbus-daemon") or "dbus-daemon")
    import dfudtest
    from ddiserver import DdiServer
    from gi.repository import GLib

    tmp = tempfile.mkdtemp(prefix="dfud-bench-hawkbit-")
    bus = sim = daemon = server = connector = None
    try:
        bus = dfudtest.Bus(tmp)
        conf = os.path.join(tmp, "dfud.conf")
        with open(conf, "w") as f:
            f.write("[Daemon]\nJobLinger=600\n")
        daemon = dfudtest.Daemon(bus, os.path.join(tmp, "state"), conf,
                                 os.path.join(tmp, "dfud.log"))
        deadline = time.monotonic() + 20
        while not bus.has_owner(dfudtest.NAME):
            if time.monotonic() > deadline:
                raise RuntimeError("dfud did not start")
            time.sleep(0.05)
        benchlib.progress(f"hawkbit: {targets} simulated devices")
        sim = dfudtest.Sim(tmp, ["--slot0", benchlib.IMAGE_BEFORE, "--time-scale=0"],
                           count=targets)
        for k, uri in enumerate(sim.uris):
            bus.connection.call_sync(
                dfudtest.NAME, dfudtest.ROOT, dfudtest.MANAGER, "AddDevice",
                GLib.Variant("(sa{sv})", (uri, {"name": GLib.Variant("s", f"bench-{k}")})),
                GLib.VariantType("(o)"), 0, 30000, None)
        server = DdiServer(sleep="00:05:00")
        hbconf = os.path.join(tmp, "hawkbit.conf")
        with open(hbconf, "w") as f:
            f.write(f"[Server]\nUrl={server.url}\nGatewayToken=gw-secret\n"
                    f"[Targets]\nControllerId={{name}}\n"
                    f"[Update]\nCacheDirectory={os.path.join(tmp, 'cache')}\n")
        env = dict(os.environ)
        env["DBUS_SESSION_BUS_ADDRESS"] = bus.address
        log = open(os.path.join(tmp, "dfud-hawkbit.log"), "w")
        argv = [benchlib.program("hawkbit", "dfud-hawkbit"), "--session", "--config", hbconf,
                "--state-dir", os.path.join(tmp, "hb-state")]
        t0 = time.monotonic()
        connector = subprocess.Popen(argv, stdout=log, stderr=log, env=env,
                                     stdin=subprocess.DEVNULL)
        time.sleep(0.5)
        idle_rss = proc_kb(connector.pid, "VmRSS")
        cpu_start = None
        cpu_steady = None
        while time.monotonic() - t0 < duration:
            time.sleep(1)
            if connector.poll() is not None:
                raise RuntimeError(f"dfud-hawkbit exited: {connector.returncode}")
            elapsed = time.monotonic() - t0
            if cpu_start is None and elapsed >= 60:
                cpu_start = proc_cpu_s(connector.pid)
            if cpu_steady is None and elapsed >= STEADY_FROM:
                cpu_steady = (proc_cpu_s(connector.pid), time.monotonic())
            if int(elapsed) % 60 == 0:
                benchlib.progress(f"hawkbit: {int(elapsed)} s, {len(server.requests)} requests")
        cpu_end = proc_cpu_s(connector.pid)
        rss = proc_kb(connector.pid, "VmRSS")
        hwm = proc_kb(connector.pid, "VmHWM")
        t_end = time.monotonic()
        with server.lock:
            requests = [(t - t0, method, path, status) for t, method, path, status in
                        server.requests]
        start_reqs = [r for r in requests if r[0] < 60]
        steady = [r for r in requests if r[0] >= STEADY_FROM]
        per_second = {}
        for r in requests:
            per_second[int(r[0])] = per_second.get(int(r[0]), 0) + 1
        steady_minutes = (t_end - cpu_steady[1]) / 60
        polled = {p.split("/")[4] for _, m, p, _ in steady if m == "GET"}
        return {
            "targets": targets, "duration_s": duration,
            "targets_seen": len(server.targets),
            "startup_requests": len(start_reqs),
            "startup_polls": sum(1 for r in start_reqs if r[1] == "GET"),
            "startup_config_data": sum(1 for r in start_reqs if r[1] == "PUT"),
            "steady_requests_per_min": len(steady) / steady_minutes,
            "steady_polls_per_min": sum(1 for r in steady if r[1] == "GET" and
                                        r[2].rstrip("/").count("/") == 4) / steady_minutes,
            "steady_targets_polled": len(polled),
            "max_requests_per_s": max(per_second.values()) if per_second else 0,
            "errors": sum(1 for r in requests if r[3] >= 400),
            "cpu_startup_s": cpu_start,
            "cpu_per_min_steady_s": (cpu_end - cpu_steady[0]) / steady_minutes,
            "cpu_total_s": cpu_end,
            "rss_idle_kb": idle_rss, "rss_kb": rss, "hwm_kb": hwm,
            "rss_per_target_kb": (rss - idle_rss) / targets,
            "violations": list(server.violations[:5]),
        }
    finally:
        if connector is not None:
            dfudtest.end_process(connector)
        if server is not None:
            server.stop()
        if sim is not None:
            sim.stop()
        if daemon is not None:
            daemon.stop()
        if bus is not None:
            bus.stop()
        if keep:
            print(f"kept {tmp}", file=sys.stderr)
        else:
            shutil.rmtree(tmp, ignore_errors=True)


def report(r):
    expected = r["targets"] / 300 * 60
    figures = [
        Figure("targets polled in the steady state", r["steady_targets_polled"], "",
               f">= {r['targets']}"),
        Figure("polls per minute, steady (default poll 5 min)", r["steady_polls_per_min"],
               "/min", f"<= {expected * 1.15:.0f}", note=f"N/300 s = {expected:.0f}/min"),
        Figure("requests per minute, steady (all)", r["steady_requests_per_min"], "/min",
               f"<= {expected * 1.15:.0f}"),
        Figure("requests in the start-up minute", r["startup_requests"], "",
               note=f"{r['startup_polls']} polls, {r['startup_config_data']} configData"),
        Figure("most requests in one second", r["max_requests_per_s"], "/s"),
        Figure("connector CPU, start-up minute", r["cpu_startup_s"], "s"),
        Figure("connector CPU per minute, steady", r["cpu_per_min_steady_s"] * 1000, "ms/min"),
        Figure("connector VmRSS", r["rss_kb"], "KB", note=f"VmHWM {r['hwm_kb']} KB"),
        Figure("connector RSS per target", r["rss_per_target_kb"], "KB"),
        Figure("requests refused by the server", r["errors"], "", "<= 0"),
    ]
    benchlib.print_figures(f"dfud-hawkbit with {r['targets']} targets", figures)
    return figures


def add_arguments(parser):
    parser.add_argument("--targets", type=int, default=TARGETS,
                        help=f"simulated devices (default {TARGETS})")
    parser.add_argument("--duration", type=int, default=DURATION,
                        help=f"seconds measured (default {DURATION}: start-up and a poll cycle)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")


def run(args):
    r = measure(getattr(args, "targets", TARGETS) or TARGETS,
                getattr(args, "duration", DURATION) or DURATION, getattr(args, "keep", False))
    figures = report(r)
    return {"figures": [f.to_json() for f in figures], "hawkbit_run": r}


if __name__ == "__main__":
    sys.exit(benchlib.part_main("hawkbit", __doc__, add_arguments, run))
