#!/usr/bin/env python3
# Copyright 2026 The dfud authors
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Fleet and daemon cost (issue 7, items 3 and 4): dfud updating 1, 10 and 50 devices at once.

For each count N: a private dbus-daemon (session-type config in a temporary directory, never the
host's bus), a fresh `dfud --session`, one dfud-sim serving N devices over UDP on 127.0.0.1
(--time-scale 0, no link model: the software path only), the devices added by URI, then N
Device.Update calls at once, each with the 300 KiB image passed as a descriptor, in mode
upload-only (the default; --mode test-and-confirm runs the whole update), until every job ends.

Measured over that concurrent phase (first Update call sent to the last job's final Status):
- the aggregate upload rate (bytes uploaded / wall time) and the per-device rate,
- dfud's CPU time (all its threads, from /proc) per MB (10^6 bytes) uploaded,
- dfud's idle VmRSS (after start, no device, no job) and its growth per concurrent device:
  the peak VmRSS during the phase (sampled every 20 ms, and the kernel's VmHWM reset at the
  start of the phase) minus the idle VmRSS, divided by N.
With a 1-device run, the runs of N > 1 also give the cost of the extra devices: CPU per MB and
RSS per device beyond the 1-device run. Each count runs --repeat times (3), each time with its
own bus, dfud and dfud-sim; the run of the median CPU time is reported. The machine's other
load shows in the CPU figures: the JSON keeps every repeat and the load average.

Runs alone (`bench/fleet.py [--json FILE] [--counts 1,10,50] [--mode MODE]`) or through
bench/run (`run(args)`). Profiling: --perf FILE records dfud with perf during each phase;
DFUD_BENCH_WRAPPER="valgrind --tool=massif --massif-out-file=F" runs dfud under a wrapper
(the figures are then the wrapper's, not dfud's). The D-Bus client needs python3-gi: when
the running Python lacks it, the measurement runs in /usr/bin/python3 (Debian's, which has
it) as a child process.
"""

import argparse
import importlib.util
import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib  # noqa: E402
from benchlib import Figure  # noqa: E402

COUNTS = (1, 10, 50)
MODES = ("upload-only", "test-and-confirm")
CPU_TARGET = "<= 20"       # ms of dfud CPU per MB uploaded
RSS_TARGET = "<= 150"      # KB of dfud RSS per concurrent device
SAMPLE_S = 0.020
REPEAT = 3                 # runs per count; the median one is reported
START_TIMEOUT = 20
PHASE_TIMEOUT = 600
CONFIG = """[Daemon]
MaxConnections=64
MaxConnectionsPerAdapter=32
JobLinger=600
"""
# the D-Bus names (dbus/*.xml) and the private bus's configuration, as the D-Bus tests have them
sys.path.insert(0, os.path.join(benchlib.SOURCE, "tests", "dbus"))
from dfudapi import DEVICE, FINAL, JOB, MANAGER, NAME, PROPS, ROOT  # noqa: E402


# --- /proc

def cpu_seconds(pid):
    """CPU time of every thread of @pid: the sum of the live threads' schedstat (ns), and
    /proc/PID/stat's utime+stime (ticks, but counting threads that have exited too);
    the larger of the two"""
    precise = 0
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            try:
                with open(f"/proc/{pid}/task/{tid}/schedstat") as f:
                    precise += int(f.read().split()[0])
            except (OSError, ValueError, IndexError):
                pass
    except OSError:
        pass
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rpartition(")")[2].split()
    ticks = int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15)
    coarse = ticks / os.sysconf("SC_CLK_TCK")
    return max(precise / 1e9, coarse), precise / 1e9, coarse


def status_kb(pid, key):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return None


def reset_hwm(pid):
    """VmHWM starts again from the current RSS (clear_refs 5); False where not allowed"""
    try:
        with open(f"/proc/{pid}/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


# --- the measurement (needs gi)

def _stop(proc):
    if proc is not None and proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def start_profiler(pid, perf_out):
    """perf record -g on dfud for the phase (--perf FILE: developers' profiling of this run)"""
    if not perf_out:
        return None
    perf = shutil.which("perf")
    if perf is None:
        raise RuntimeError("--perf needs perf (apt-get install linux-perf)")
    proc = subprocess.Popen([perf, "record", "--call-graph", "dwarf,16384", "-F", "4999",
                             "-o", perf_out, "-p", str(pid)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(1.0)  # perf attaches
    return proc


def stop_profiler(proc):
    if proc is not None:
        proc.send_signal(2)
        proc.wait(30)


# --image-kb: the body size of a generated image instead of the 300 KiB fixture (0)
IMAGE_KB = 0


def measure(count, mode, keep_logs=False, perf_out=None, warm_up=False):
    """one fleet run of @count devices; returns a dict of raw measurements"""
    import gi
    gi.require_version("Gio", "2.0")
    gi.require_version("GLib", "2.0")
    from gi.repository import Gio, GLib
    import dfudtest  # the D-Bus tests' harness: its private bus configuration

    tmp = tempfile.mkdtemp(prefix=f"dfud-bench-fleet{count}-")
    bus_proc = daemon = sim = None
    conn = None
    ctx = GLib.MainContext.default()

    def spin_until(predicate, timeout, what):
        deadline = time.monotonic() + timeout
        while not predicate():
            if daemon is not None and daemon.poll() is not None:
                raise RuntimeError(f"dfud exited with status {daemon.returncode} "
                                   f"waiting for {what}; log: {log_path}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"timed out after {timeout} s waiting for {what}")
            ctx.iteration(True)

    log_path = os.path.join(tmp, "dfud.log")
    try:
        # the bus
        bus_dir = os.path.join(tmp, "bus")
        os.mkdir(bus_dir)
        with open(os.path.join(bus_dir, "bus.conf"), "w") as f:
            f.write(dfudtest.Bus.CONFIG.format(dir=bus_dir))
        dbus_daemon = shutil.which("dbus-daemon")
        if dbus_daemon is None:
            raise RuntimeError("dbus-daemon is missing (apt-get install dbus-daemon)")
        bus_proc = subprocess.Popen(
            dfudtest._die_with_parent([dbus_daemon, "--config-file", os.path.join(bus_dir, "bus.conf"),
                              "--nofork", "--print-address"]),
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
        address = bus_proc.stdout.readline().decode().strip()
        if not address:
            raise RuntimeError("dbus-daemon printed no address")
        conn = Gio.DBusConnection.new_for_address_sync(
            address, Gio.DBusConnectionFlags.AUTHENTICATION_CLIENT |
            Gio.DBusConnectionFlags.MESSAGE_BUS_CONNECTION, None, None)

        # every Job PropertiesChanged, by path: (time, status)
        statuses = {}

        def on_props(_c, _sender, path, _iface, _member, params):
            iface, changed, _ = params.unpack()
            if iface != JOB:
                return
            if "Status" in changed:
                statuses.setdefault(path, []).append((time.monotonic(), changed["Status"]))

        sub = conn.signal_subscribe(NAME, PROPS, "PropertiesChanged", None, None,
                                    Gio.DBusSignalFlags.NONE, on_props)

        # the devices: the software path, nothing simulated takes time; with a warm-up, one
        # more device is updated alone first
        image = benchlib.IMAGE_300K
        sim_args = ("--time-scale=0", "--no-link")
        if IMAGE_KB:
            image = benchlib.hashonly_image(os.path.join(tmp, "image.bin"), IMAGE_KB * 1024)
            # slots of whole 128 KiB blocks with room for the image and MCUboot's trailer
            slot = (os.path.getsize(image) // (128 * 1024) + 2) * 128 * 1024
            sim_args += (f"--slot-size={slot}",)
        sim = benchlib.Sim(os.path.join(tmp, "sim"), args=sim_args,
                           count=count + (1 if warm_up else 0))

        # dfud
        config = os.path.join(tmp, "dfud.conf")
        with open(config, "w") as f:
            f.write(CONFIG)
        env = dict(os.environ)
        env["DBUS_SESSION_BUS_ADDRESS"] = address
        env.pop("DBUS_SYSTEM_BUS_ADDRESS", None)
        env.pop("G_MESSAGES_DEBUG", None)
        log = open(log_path, "w")
        daemon = subprocess.Popen(
            dfudtest._die_with_parent(shlex.split(os.environ.get("DFUD_BENCH_WRAPPER", "")) +
                             [benchlib.program("daemon", "dfud"), "--session", "--state-dir",
                              os.path.join(tmp, "state"), "--config", config,
                              "--bluez-bus=none"]),
            stdout=log, stderr=log, stdin=subprocess.DEVNULL, env=env)
        log.close()
        pid = daemon.pid  # setpriv execs dfud in place

        def has_owner():
            reply = conn.call_sync("org.freedesktop.DBus", "/org/freedesktop/DBus",
                                   "org.freedesktop.DBus", "NameHasOwner",
                                   GLib.Variant("(s)", (NAME,)), GLib.VariantType("(b)"),
                                   Gio.DBusCallFlags.NONE, 10000, None)
            return reply.unpack()[0]

        deadline = time.monotonic() + START_TIMEOUT
        while not has_owner():
            if daemon.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"dfud did not own {NAME}; log: {log_path}")
            time.sleep(0.02)
        time.sleep(0.5)  # settle: whatever start-up does is done
        idle_rss = status_kb(pid, "VmRSS")

        def add_devices(ks):
            out = []
            for k in ks:
                reply = conn.call_sync(NAME, ROOT, MANAGER, "AddDevice",
                                       GLib.Variant("(sa{sv})", (sim.uri(k), {})),
                                       GLib.VariantType("(o)"),
                                       Gio.DBusCallFlags.NO_AUTO_START, 30000, None)
                out.append(reply.unpack()[0])
            return out

        def phase(devices, profile=None):
            """Update on every device at once; returns the phase's raw measurements"""
            fd = os.open(image, os.O_RDONLY | os.O_CLOEXEC)
            options = {"mode": GLib.Variant("s", mode),
                       "allow-downgrade": GLib.Variant("b", True)}
            jobs = {}
            errors = []
            rss_samples = []

            def sample():
                rss_samples.append(status_kb(pid, "VmRSS"))
                return GLib.SOURCE_CONTINUE

            def on_reply(source, res, device):
                try:
                    result, _ = source.call_with_unix_fd_list_finish(res)
                    jobs[device] = result.unpack()[0]
                except GLib.Error as e:
                    errors.append(f"{device}: {e.message}")

            profiler = start_profiler(pid, profile)
            hwm_reset = reset_hwm(pid)
            cpu0 = cpu_seconds(pid)
            t0 = time.monotonic()
            sampler = GLib.timeout_add(int(SAMPLE_S * 1000), sample)
            sample()
            # one descriptor for all: dfud reads it with pread, whatever its offset
            for device in devices:
                fd_list = Gio.UnixFDList()
                fd_list.append(fd)
                conn.call_with_unix_fd_list(NAME, device, DEVICE, "Update",
                                            GLib.Variant("(ha{sv})", (0, options)),
                                            GLib.VariantType("(o)"),
                                            Gio.DBusCallFlags.NO_AUTO_START, 60000, fd_list,
                                            None, on_reply, device)
            os.close(fd)
            spin_until(lambda: len(jobs) + len(errors) == len(devices), 120,
                       "the Update replies")
            if errors:
                raise RuntimeError(f"Update refused: {errors[:3]}")

            def ended(job):
                return any(s in FINAL for _, s in statuses.get(job, ()))

            spin_until(lambda: all(ended(j) for j in jobs.values()), PHASE_TIMEOUT,
                       "every job to end")
            t1 = max(next(t for t, s in statuses[j] if s in FINAL) for j in jobs.values())
            sample()
            GLib.source_remove(sampler)
            # the work of the jobs' ends (history, journal) counts too
            time.sleep(0.2)
            cpu1 = cpu_seconds(pid)
            stop_profiler(profiler)
            hwm = status_kb(pid, "VmHWM") if hwm_reset else None

            per_job = []
            for job in jobs.values():
                reply = conn.call_sync(NAME, job, PROPS, "GetAll",
                                       GLib.Variant("(s)", (JOB,)),
                                       GLib.VariantType("(a{sv})"), Gio.DBusCallFlags.NONE,
                                       30000, None)
                props = reply.unpack()[0]
                seen = statuses[job]
                up = next((t for t, s in seen if s == "uploading"), None)
                end = next(t for t, s in seen if s in FINAL)
                after_up = next((t for t, s in seen if up is not None and t > up and
                                 s != "uploading"), end)
                per_job.append({"job": job, "status": props["Status"],
                                "result": props["Result"], "error": props["ErrorName"],
                                "bytes": props["BytesDone"], "end_s": end - t0,
                                "upload_s": (after_up - up) if up is not None else None})
            failed = [j for j in per_job if j["status"] != "done"]
            if failed:
                raise RuntimeError(f"{len(failed)} of {len(devices)} jobs did not end done: "
                                   f"{failed[:3]}; log: {log_path}")
            sampled = max(r for r in rss_samples if r is not None)
            return {
                "wall_s": t1 - t0, "bytes": sum(j["bytes"] for j in per_job),
                "cpu_s": cpu1[0] - cpu0[0], "cpu_schedstat_s": cpu1[1] - cpu0[1],
                "cpu_stat_s": cpu1[2] - cpu0[2],
                "peak_rss_sampled_kb": sampled, "peak_rss_hwm_kb": hwm,
                "peak_rss_kb": max(sampled, hwm or 0), "rss_samples": len(rss_samples),
                "jobs": per_job,
            }

        warm = None
        if warm_up:
            warm = phase(add_devices([count]))
            time.sleep(0.3)
        base_rss = status_kb(pid, "VmRSS")
        devices = add_devices(range(count))
        time.sleep(0.2)
        devices_rss = status_kb(pid, "VmRSS")
        result = phase(devices, perf_out and f"{perf_out}.{count}")
        conn.signal_unsubscribe(sub)
        result.update({
            "devices": count, "mode": mode, "warm_up": warm_up,
            "loadavg_1min": os.getloadavg()[0],
            "idle_rss_kb": idle_rss, "base_rss_kb": base_rss, "devices_rss_kb": devices_rss,
            "end_rss_kb": status_kb(pid, "VmRSS"),
            "warm_up_cpu_s": warm["cpu_s"] if warm else None,
        })
        return result
    finally:
        if conn is not None:
            conn.close_sync(None)
        _stop(daemon)
        if sim is not None:
            sim.stop()
        _stop(bus_proc)
        if bus_proc is not None:
            bus_proc.stdout.close()
        if not keep_logs:
            shutil.rmtree(tmp, ignore_errors=True)


def measure_all(counts, mode, keep_logs=False, perf_out=None, warm_up=False, repeat=REPEAT):
    """for each count, @repeat runs (each with its own bus, dfud and dfud-sim): the run of the
    median CPU time is kept, with the others' spread"""
    out = []
    for n in counts:
        runs = []
        for k in range(repeat):
            benchlib.progress(f"fleet: {n} device(s) at once, {mode} ({k + 1}/{repeat})")
            runs.append(measure(n, mode, keep_logs, perf_out, warm_up))
        runs.sort(key=lambda r: r["cpu_s"] / r["bytes"])
        kept = runs[len(runs) // 2]
        kept["repeats"] = [{"cpu_ms_per_mb": r["cpu_s"] * 1e9 / r["bytes"],
                            "wall_s": r["wall_s"], "peak_rss_kb": r["peak_rss_kb"],
                            "idle_rss_kb": r["idle_rss_kb"]} for r in runs]
        out.append(kept)
    return out


def _has_gi(python):
    return subprocess.run([python, "-c", "import gi"], capture_output=True).returncode == 0


def measure_all_somewhere(counts, mode, keep_logs=False, repeat=REPEAT):
    """in this Python when it has gi, else in /usr/bin/python3 running this file"""
    if importlib.util.find_spec("gi") is not None:
        return measure_all(counts, mode, keep_logs, repeat=repeat)
    python = "/usr/bin/python3"
    if not os.access(python, os.X_OK) or not _has_gi(python):
        raise RuntimeError("the fleet benchmark needs python3-gi (apt-get install python3-gi)")
    argv = [python, os.path.abspath(__file__), "--raw", "--counts",
            ",".join(str(n) for n in counts), "--mode", mode, "--repeat", str(repeat),
            "--image-kb", str(IMAGE_KB)] + (["--keep"] if keep_logs else [])
    env = dict(os.environ, DFUD_BUILD=benchlib.build_dir())
    proc = subprocess.run(argv, stdout=subprocess.PIPE, env=env, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"the fleet measurement failed (status {proc.returncode})")
    return json.loads(proc.stdout)


# --- figures

def _upload_rates(r):
    """each job's own upload stage: bytes / its uploading interval, kB/s"""
    return [j["bytes"] / j["upload_s"] / 1e3 for j in r["jobs"] if j.get("upload_s")]


def figures_of(runs):
    """the figures of the runs (the idle RSS of the first), then the table's rows"""
    figures, rows = [], []
    one = next((r for r in runs if r["devices"] == 1), None)
    if runs:
        figures.append(Figure("dfud idle RSS", float(runs[0]["idle_rss_kb"]), "KB",
                              note="VmRSS after start, no device, no job"))
    for r in runs:
        n = r["devices"]
        mb = r["bytes"] / 1e6
        aggregate = r["bytes"] / r["wall_s"] / 1e3
        uploads = _upload_rates(r)
        cpu_ms_per_mb = r["cpu_s"] * 1e3 / mb if mb > 0 else None
        # idle: after start; with --warm-up, after the warm-up job
        base = r.get("base_rss_kb") or r["idle_rss_kb"]
        growth = (r["peak_rss_kb"] - base) / n
        upload_note = (f"upload stage alone: mean {sum(uploads) / len(uploads):.0f}, "
                       f"slowest {min(uploads):.0f} kB/s" if uploads else None)
        figures += [
            Figure(f"udp aggregate rate, {n} dev", aggregate, "kB/s", devices=n,
                   note=f"{r['bytes']} B in {r['wall_s']:.2f} s, {r['mode']}"),
            Figure(f"udp rate per device, {n} dev", aggregate / n, "kB/s", devices=n,
                   note=upload_note),
            Figure(f"dfud CPU per MB, {n} dev", cpu_ms_per_mb, "ms/MB", CPU_TARGET, devices=n,
                   note=f"{r['cpu_s'] * 1e3:.0f} ms CPU for {mb:.2f} MB"),
            # the target is per extra device: one device alone has no other to share with
            Figure(f"dfud RSS growth per device, {n} dev", growth, "KB",
                   RSS_TARGET if n > 1 else None, devices=n,
                   note=f"(peak {r['peak_rss_kb']} - idle {base} KB) / {n}" +
                   ("; the one firmware copy and first-use pages" if n == 1 else "")),
        ]
        if one is not None and n > 1:
            extra_kb = ((r["peak_rss_kb"] - (r.get("base_rss_kb") or r["idle_rss_kb"])) -
                        (one["peak_rss_kb"] - (one.get("base_rss_kb") or one["idle_rss_kb"]))
                        ) / (n - 1)
            extra_mb = (r["bytes"] - one["bytes"]) / 1e6
            extra_cpu = (r["cpu_s"] - one["cpu_s"]) * 1e3 / extra_mb if extra_mb > 0 else None
            figures += [
                Figure(f"dfud CPU per MB of the extra devices, {n} dev", extra_cpu, "ms/MB",
                       CPU_TARGET, devices=n, note="beyond the 1-device run"),
                Figure(f"dfud RSS per extra device, {n} dev", extra_kb, "KB", RSS_TARGET,
                       devices=n, note="beyond the 1-device run's growth"),
            ]
        rows.append((n, r["mode"], f"{r['wall_s']:.2f}", f"{aggregate:.0f}",
                     f"{aggregate / n:.0f}",
                     f"{min(uploads):.0f}" if uploads else "-",
                     f"{r['cpu_s'] * 1e3:.0f}", f"{cpu_ms_per_mb:.1f}", r["idle_rss_kb"],
                     r["devices_rss_kb"], r["peak_rss_kb"], f"{growth:.0f}"))
    return figures, rows


def report(runs, out=sys.stdout):
    figures, rows = figures_of(runs)
    benchlib.print_table(
        "fleet: dfud updating N dfud-sim devices at once over UDP loopback (no link model)",
        ("N", "mode", "wall s", "kB/s all", "kB/s each", "slowest upload kB/s", "CPU ms",
         "ms/MB", "idle KB", "+devices KB", "peak KB", "KB/device"), rows, out)
    benchlib.print_figures("fleet: figures", figures, out)
    return figures


def run(args):
    counts = getattr(args, "counts", None) or COUNTS
    if isinstance(counts, str):
        counts = parse_counts(counts)
    mode = getattr(args, "mode", None) or MODES[0]
    if mode not in MODES:
        mode = MODES[0]
    repeat = getattr(args, "repeat", None) or REPEAT
    global IMAGE_KB
    IMAGE_KB = getattr(args, "image_kb", None) or 0
    runs = measure_all_somewhere(counts, mode, getattr(args, "keep", False), repeat)
    figures = report(runs)
    return {"figures": [f.to_json() for f in figures], "fleet_runs": runs}


def parse_counts(text):
    counts = [int(c) for c in text.split(",") if c.strip()]
    if not counts or any(c < 1 or c > 64 for c in counts):
        raise argparse.ArgumentTypeError("counts are 1 to 64 (dfud.conf MaxConnections)")
    return counts


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--json", metavar="FILE", help="write the results to FILE")
    parser.add_argument("--counts", type=parse_counts, default=list(COUNTS),
                        help="devices updated at once, comma-separated (default 1,10,50)")
    parser.add_argument("--mode", choices=MODES, default=MODES[0],
                        help="Update's mode (default upload-only)")
    parser.add_argument("--keep", action="store_true",
                        help="keep the temporary directories (dfud's log)")
    parser.add_argument("--perf", metavar="FILE",
                        help="perf record -g dfud during each phase into FILE.N (profiling; "
                             "the figures then include perf's overhead)")
    parser.add_argument("--repeat", type=int, default=REPEAT,
                        help=f"runs per count, the median kept (default {REPEAT})")
    parser.add_argument("--warm-up", action="store_true",
                        help="update one more device alone before the measured phase")
    parser.add_argument("--image-kb", type=int, default=0, metavar="N",
                        help="update with a generated image of N KiB instead of the 300 KiB "
                             "one (per-job costs weigh less with a larger image)")
    parser.add_argument("--raw", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    global IMAGE_KB
    IMAGE_KB = args.image_kb
    if args.raw or args.perf:
        runs = measure_all(args.counts, args.mode, args.keep, args.perf, args.warm_up,
                           args.repeat)
        if args.raw:
            json.dump(runs, sys.stdout)
        else:
            report(runs)
        return 0
    result = run(args)
    if args.json:
        benchlib.write_json(args.json, result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
