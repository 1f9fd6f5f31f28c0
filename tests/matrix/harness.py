# Copyright 2026 The dfud authors
# SPDX-License-Identifier: LGPL-2.1-or-later
"""One case of the fault matrix: dfud over a private bus against one faulty dfud-sim device.

The processes are tests/dbus's (dfudtest.Bus, Sim, Daemon). The case ends on the job's final
Status, the Update call's answer, or its bound; meanwhile dfud's CPU time (utime + stime of
/proc/PID/stat) and RSS are sampled. "verified" is believed only when the simulated device's own
state directory shows the new image active and confirmed. The result is one dict (see
Result.to_dict()), which `run` turns into the summary.

Run alone: /usr/bin/python3 harness.py CASE [--keep DIR] (the environment as `run` sets it).
"""

import json
import os
import shutil
import signal
import sys
import tempfile
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "dbus"))
sys.path.insert(0, HERE)

import gi  # noqa: E402

gi.require_version("Gio", "2.0")
gi.require_version("GLib", "2.0")
from gi.repository import Gio, GLib  # noqa: E402

import dfudtest  # noqa: E402
from dfudtest import (DEVICE, ERROR, FINAL, JOB, MANAGER, NAME, PROPS, ROOT,  # noqa: E402
                      Bus, Daemon, Sim)

import cases  # noqa: E402

# the short timeouts (dfud.conf [Timeouts]); ResetGrace keeps its default
TIMEOUTS = {"Connect": 3, "FirstChunk": 6, "Chunk": 1, "LastChunk": 6, "Command": 2,
            "Reset": 15, "ResetGrace": 5}
CONFIG = "[Daemon]\nJobLinger=600\n[Timeouts]\n" + \
    "".join(f"{k}={v}\n" for k, v in TIMEOUTS.items())

SAMPLE_S = 0.1
# a spin: dfud busy for at least SPIN_SHARE of a core over SPIN_WINDOW_S seconds. An update
# that works costs dfud a few hundredths of a second of CPU in all (bench/fleet.py measures it);
# a client resending at a device's pace burns tenths of a core for as long as it lasts.
SPIN_WINDOW_S = 5.0
SPIN_SHARE = 0.10
# Update, and every call a caller makes: D-Bus's own default reply timeout, after which a
# caller has given up anyway
CALL_BOUND_S = 25
START_TIMEOUT = dfudtest.START_TIMEOUT
CLK_TCK = os.sysconf("SC_CLK_TCK")


def update_bound(size, extra_s=0.0):
    """How long an update of @size bytes may take under TIMEOUTS before it counts as a hang.

    A stand-in until dfud.conf(5) documents "how long can an update take": every stage at its
    worst with one retry of each slow step, plus the upload at 10 kB/s, doubled; @extra_s is
    what the case itself adds (its delays, a long swap, a restart of dfud)."""
    t = TIMEOUTS
    connect = t["Connect"] + 5 * t["Command"]  # echo, params, bootloader, slots, state
    upload = 2 * t["FirstChunk"] + 5 * t["Chunk"] + 2 * t["LastChunk"] + size / 10000
    mark_reset = 2 * t["Command"] + t["Command"] + t["Reset"] + t["ResetGrace"]
    verify_confirm = 3 * t["Command"]
    return 2 * (connect + upload + mark_reset + verify_confirm) + extra_s


# --- /proc

def cpu_seconds(pid):
    """utime + stime of @pid, all its threads, in seconds; None once it is gone"""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rpartition(")")[2].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def rss_kb(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


class Meter:
    """dfud's CPU time and RSS over a case, across restarts (one process after the other)"""

    def __init__(self):
        self.samples = []  # (t, cumulative cpu s)
        self.done_cpu = 0.0  # of processes that have ended
        self.pid = None
        self.last_cpu = 0.0
        self.rss_max = 0
        self.rss_last = 0
        self.spin_at = None  # (t, share) of the first window over SPIN_SHARE

    def follow(self, pid):
        if self.pid is not None:
            self.done_cpu += self.last_cpu
        self.pid = pid
        self.last_cpu = 0.0

    def sample(self):
        now = time.monotonic()
        cpu = cpu_seconds(self.pid) if self.pid is not None else None
        if cpu is not None:
            self.last_cpu = cpu
        rss = rss_kb(self.pid) if self.pid is not None else None
        if rss is not None:
            self.rss_last = rss
            self.rss_max = max(self.rss_max, rss)
        total = self.done_cpu + self.last_cpu
        self.samples.append((now, total))
        # the oldest sample at least a window ago
        if self.spin_at is None:
            for t, c in reversed(self.samples):
                if now - t >= SPIN_WINDOW_S:
                    share = (total - c) / (now - t)
                    if share >= SPIN_SHARE:
                        self.spin_at = (now, share)
                    break

    @property
    def cpu(self):
        return self.done_cpu + self.last_cpu


class Result:
    def __init__(self, case):
        self.case = case
        self.outcome = None  # "verified", "failed:NAME", "refused:NAME", "up-to-date", ...
        self.detail = ""
        self.device = ""  # what the simulated device's state says
        self.crash = None  # why dfud counts as crashed
        self.false_success = False
        self.hang = None  # what did not end within the bound
        self.spin = None
        self.problems = []  # other reasons the case fails
        self.wall = 0.0
        self.cpu = 0.0
        self.rss_max = 0
        self.bound = 0.0
        self.logs = ""

    @property
    def ok(self):
        return (self.crash is None and not self.false_success and self.hang is None and
                self.spin is None and not self.problems and self.case.accepts(self.outcome))

    def to_dict(self):
        return {"case": self.case.name, "ok": self.ok, "outcome": self.outcome,
                "expect": list(self.case.expect), "detail": self.detail,
                "device": self.device, "crash": self.crash,
                "false_success": self.false_success, "hang": self.hang, "spin": self.spin,
                "problems": self.problems, "wall_s": round(self.wall, 2),
                "cpu_s": round(self.cpu, 3), "rss_max_kb": self.rss_max,
                "bound_s": round(self.bound, 1), "logs": self.logs}


class Hang(Exception):
    pass


class Spin(Exception):
    pass


class Crash(Exception):
    pass


# --- the simulated device's own word

def device_runs(sim, firmware):
    """(True, what) when image 0's active slot holds @firmware, confirmed and nothing pending,
    in the simulator's state directory (state.json and the slot's flash file)"""
    dev_dir = os.path.join(sim.dir, "dev0")
    try:
        with open(os.path.join(dev_dir, "state.json")) as f:
            state = json.load(f)["images"][0]
        active = int(state["active"])
        with open(os.path.join(dev_dir, f"image0-slot{active}.bin"), "rb") as f:
            held = f.read(len(firmware))
    except (OSError, ValueError, KeyError, IndexError) as e:
        return False, f"state unreadable: {e}"
    what = (f"slot {active} active, confirmed={state.get('confirmed')}, "
            f"pending={state.get('pending')}, holds the new image: {held == firmware}")
    return (held == firmware and state.get("confirmed") is True and
            state.get("pending", -1) == -1), what


# --- one case

class Runner:
    def __init__(self, case, keep_dir=None):
        self.case = case
        self.keep_dir = keep_dir
        self.result = Result(case)
        self.meter = Meter()
        self.tmpdir = tempfile.mkdtemp(prefix="dfud-matrix-")
        self.bus = None
        self.sim = None
        self.daemon = None
        self.daemons_killed = 0
        self.killed_at = None  # (Status, BytesDone, events the simulator had logged)
        self.sim_log_pos = 0
        self.sim_seen = set()
        self.started = time.monotonic()
        self.deadline = None

    # processes

    def start_daemon(self):
        state_dir = os.path.join(self.tmpdir, "state")
        self.daemon = Daemon(self.bus, state_dir, os.path.join(self.tmpdir, "dfud.conf"),
                             os.path.join(self.tmpdir, "dfud.log"))
        self.meter.follow(self.daemon.process.pid)
        end = time.monotonic() + START_TIMEOUT
        while not self.bus.has_owner(NAME):
            if not self.daemon.alive():
                raise Crash(f"dfud exited with status {self.daemon.process.returncode} "
                            "before owning its name")
            if time.monotonic() > end:
                raise Hang(f"dfud did not own {NAME} within {START_TIMEOUT} s")
            time.sleep(0.02)

    def kill_daemon(self):
        self.meter.sample()
        self.daemon.kill()
        self.daemons_killed += 1
        end = time.monotonic() + 10
        while self.bus.has_owner(NAME):
            if time.monotonic() > end:
                raise Hang("the bus kept dfud's name 10 s after SIGKILL")
            time.sleep(0.02)

    def call(self, path, iface, method, args=None, reply=None, timeout_s=CALL_BOUND_S):
        reply_type = None if reply is None else GLib.VariantType(reply)
        result = self.bus.connection.call_sync(NAME, path, iface, method, args, reply_type,
                                               Gio.DBusCallFlags.NO_AUTO_START,
                                               int(timeout_s * 1000), None)
        return result.unpack()

    def check_alive(self):
        if self.daemon is not None and not self.daemon.expected_exit and \
                not self.daemon.alive():
            code = self.daemon.process.returncode
            how = f"signal {-code}" if code < 0 else f"status {code}"
            raise Crash(f"dfud died ({how})")

    def tick(self, what):
        """one sampling step: crash, spin and bound checks"""
        self.check_alive()
        self.meter.sample()
        if self.meter.spin_at is not None:
            raise Spin(f"dfud used {self.meter.spin_at[1]:.0%} of a core over "
                       f"{SPIN_WINDOW_S:.0f} s while waiting for {what}")
        if time.monotonic() > self.deadline:
            raise Hang(f"{what} did not come within the bound of {self.result.bound:.0f} s")

    def sim_events(self):
        """the names of the events the simulator has logged so far"""
        with open(self.sim.log_path, "rb") as f:
            f.seek(self.sim_log_pos)
            for line in f:
                if not line.endswith(b"\n"):
                    break  # being written
                self.sim_log_pos += len(line)
                at = line.find(b'"event":"')
                if at >= 0:
                    self.sim_seen.add(line[at + 9:line.find(b'"', at + 9)].decode())
        return self.sim_seen

    def job_props(self, job):
        return self.call(job, PROPS, "GetAll", GLib.Variant("(s)", (JOB,)), "(a{sv})",
                         timeout_s=10)[0]

    # the parts of a case

    def call_update(self, device, args, fds, signature="(ha{sv})"):
        """Device.Update(@args) with the descriptors @fds (a list, or None for no fd list):
        the job, or GLib.Error; a hang when it is not answered within CALL_BOUND_S"""
        fd_list = None
        if fds is not None:
            fd_list = Gio.UnixFDList()
            for fd in fds:
                fd_list.append(fd)  # dups: the caller closes its own
        try:
            result, _ = self.bus.connection.call_with_unix_fd_list_sync(
                NAME, device, DEVICE, "Update", GLib.Variant(signature, args),
                GLib.VariantType("(o)"), Gio.DBusCallFlags.NO_AUTO_START,
                CALL_BOUND_S * 1000, fd_list, None)
        except GLib.Error as e:
            if e.matches(Gio.io_error_quark(), Gio.IOErrorEnum.TIMED_OUT) or \
                    Gio.DBusError.get_remote_error(e) == "org.freedesktop.DBus.Error.NoReply":
                self.check_alive()
                raise Hang(f"Update was not answered within {CALL_BOUND_S} s")
            raise
        return result.unpack()[0]

    def update(self, device, path, fd=None):
        """Device.Update with @path (or the descriptor @fd) and the case's options"""
        options = {"allow-downgrade": GLib.Variant("b", True)}
        options.update(self.case.options)
        own = fd is None
        if own:
            fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
        try:
            return self.call_update(device, (0, options), [fd])
        finally:
            if own:
                os.close(fd)

    def wait_final(self, job):
        """polls the job until its Status is final; kills and restarts dfud on the way when
        the case says so; returns the final properties"""
        kill = self.case.kill
        while True:
            self.tick(f"the end of {job}")
            try:
                props = self.job_props(job)
            except GLib.Error as e:
                self.check_alive()
                raise Crash(f"reading {job}: {e.message}")
            if props["Status"] in FINAL:
                return props
            if kill is not None and self.daemons_killed == 0 and \
                    kill.due(props, self.sim_events):
                self.result.detail += f"SIGKILL at {props['Status']} " \
                    f"({props['BytesDone']}/{props['BytesTotal']} bytes); "
                self.killed_at = (props["Status"], props["BytesDone"], len(self.sim.events()))
                self.kill_daemon()
                self.start_daemon()
                objects = self.call(ROOT, "org.freedesktop.DBus.ObjectManager",
                                    "GetManagedObjects", None, "(a{oa{sa{sv}}})")[0]
                if job not in objects:
                    self.result.problems.append(f"{job} did not come back after the restart")
                    return props
            time.sleep(SAMPLE_S)

    def run_update(self, device):
        firmware_path = self.case.firmware_path(self.tmpdir)
        with open(firmware_path, "rb") as f:
            firmware = f.read()
        self.finish_job(self.update(device, firmware_path), firmware)

    def finish_job(self, job, firmware):
        """waits for @job's end; its outcome, checked against the device's state"""
        case = self.case
        props = self.wait_final(job)
        status, result, name = props["Status"], props["Result"], props["ErrorName"]
        if status == "done":
            self.result.outcome = result
        else:
            self.result.outcome = f"{status}:{name.replace(ERROR, '')}"
        self.result.detail += f"{status}/{result} {name} {props['ErrorMessage']}".strip()
        if case.kill is not None and props["Restarts"] < 1 and status in FINAL:
            self.result.problems.append(f"the job ended before the SIGKILL "
                                        f"({case.kill.describe()})")
        self.check_resumed()
        runs, what = device_runs(self.sim, firmware)
        self.result.device = what
        if result == "verified" and not runs:
            self.result.false_success = True
        if status == "done" and result == "verified" and case.kill is not None and \
                props["Restarts"] != 1:
            self.result.problems.append(f"Restarts is {props['Restarts']}, not 1")

    def check_resumed(self):
        """killed while uploading: after the restart the upload went on from the device's
        offset (its answer to the first chunk), not from the start"""
        if self.killed_at is None or self.killed_at[0] != "uploading":
            return
        _, done, seen = self.killed_at
        firsts = dfudtest.upload_first_chunks(self.sim.events()[seen:])
        if not firsts:
            self.result.problems.append("no upload after the restart")
        elif firsts[0][1] is None or firsts[0][1] < done:
            self.result.problems.append(f"after the restart the device answered off "
                                        f"{firsts[0][1]} to the first chunk; {done} bytes "
                                        "were acknowledged before the kill")
        elif len(firsts) > 1:
            self.result.problems.append(f"the upload started over after the restart: "
                                        f"{len(firsts)} first chunks")

    def run_input(self, device):
        """bad input to Update: the call must fail with a named error within its bound, and
        dfud go on answering"""
        case = self.case
        try:
            job = case.bad_input(self, device)
        except GLib.Error as e:
            name = Gio.DBusError.get_remote_error(e) or f"(local) {e.message}"
            self.result.outcome = "refused:" + name.replace(ERROR, "")
            self.result.detail = dfudtest.stripped_message(e)
        else:
            self.result.outcome = "job"
            self.result.detail = f"Update made {job}"
            # a job from bad input: wait for its end all the same, its bound being the update's
            try:
                props = self.wait_final(job)
                self.result.detail += f", which ended {props['Status']}/{props['Result']} " \
                    f"{props['ErrorName']}"
            except Hang as e:
                self.result.detail += f", {e}"
        # still answering
        self.call(ROOT, PROPS, "Get", GLib.Variant("(ss)", (MANAGER, "Version")), "(v)",
                  timeout_s=10)

    def run(self):
        case = self.case
        self.result.bound = case.bound()
        self.deadline = self.started + self.result.bound
        try:
            with open(os.path.join(self.tmpdir, "dfud.conf"), "w") as f:
                f.write(CONFIG)
            self.bus = Bus(self.tmpdir)
            self.sim = Sim(self.tmpdir, case.sim_args(self.tmpdir))
            self.start_daemon()
            device = self.call(ROOT, MANAGER, "AddDevice",
                               GLib.Variant("(sa{sv})", (self.sim.uri, {})), "(o)")[0]
            if case.custom is not None:
                case.custom(self, device)
            elif case.bad_input is not None:
                self.run_input(device)
            else:
                self.run_update(device)
        except Crash as e:
            self.result.crash = str(e)
        except Hang as e:
            self.result.hang = str(e)
        except Spin as e:
            self.result.spin = str(e)
        except GLib.Error as e:
            if self.daemon is not None and not self.daemon.alive():
                self.result.crash = f"dfud died ({e.message})"
            else:
                self.result.problems.append(f"D-Bus: {e.message}")
        except Exception:  # noqa: BLE001: a broken case says so, and the matrix goes on
            self.result.problems.append("harness: " + traceback.format_exc().strip())
        finally:
            self.meter.sample()
            self.check_faults_fired()
            self.finish()
        return self.result

    def check_faults_fired(self):
        """a case whose faults never fired tested nothing: it fails, saying so"""
        if self.sim is None:
            return
        specs = [a for i, a in enumerate(self.case.sim)
                 if i > 0 and self.case.sim[i - 1] == "--fault"]
        fired = set()
        try:
            with open(self.sim.log_path) as f:
                for line in f:
                    if '"event":"fault"' in line:
                        try:
                            fired.add(json.loads(line)["spec"])
                        except (ValueError, KeyError):
                            pass
        except OSError:
            pass
        for spec in specs:
            if spec not in fired:
                self.result.problems.append(f"the fault {spec} never fired: the case tested "
                                            "nothing")

    def finish(self):
        self.result.wall = time.monotonic() - self.started
        self.result.cpu = self.meter.cpu
        self.result.rss_max = self.meter.rss_max
        if self.daemon is not None:
            running = self.daemon.alive()
            if not running and not self.daemon.expected_exit and self.result.crash is None:
                code = self.daemon.process.returncode
                self.result.crash = f"dfud died (status {code})"
            status = self.daemon.stop()
            if running and status != 0 and self.result.crash is None:
                self.result.crash = f"dfud did not exit cleanly on SIGTERM: status {status}"
        if self.sim is not None:
            self.sim.stop()
        if self.bus is not None:
            self.bus.stop()
        if not self.result.ok and self.keep_dir:
            self.result.logs = self.keep_logs()
        shutil.rmtree(self.tmpdir, ignore_errors=True)

    def keep_logs(self):
        """dfud's log and the end of the simulator's event log, under keep_dir/CASE"""
        out = os.path.join(self.keep_dir, self.case.name.replace("/", "_"))
        shutil.rmtree(out, ignore_errors=True)
        os.makedirs(out)
        if os.path.exists(os.path.join(self.tmpdir, "dfud.log")):
            shutil.copy(os.path.join(self.tmpdir, "dfud.log"), out)
        if self.sim is not None:
            with open(self.sim.log_path, "rb") as f:
                f.seek(0, os.SEEK_END)
                size = f.tell()
                f.seek(max(0, size - 2_000_000))
                tail = f.read()
            with open(os.path.join(out, "sim-log-tail.json"), "wb") as f:
                f.write(tail)
            shutil.copy(self.sim.stderr_path, os.path.join(out, "sim-stderr.log"))
        return out


def on_sigterm(signum, frame):
    raise KeyboardInterrupt("SIGTERM")


def main():
    import argparse
    parser = argparse.ArgumentParser(description="one case of the fault matrix, as JSON")
    parser.add_argument("case")
    parser.add_argument("--keep", help="where to keep the logs of a failed case")
    args = parser.parse_args()
    case = cases.by_name(args.case)
    # a SIGTERM from `run` (its own hard limit) ends the processes through the finally
    signal.signal(signal.SIGTERM, on_sigterm)
    result = Runner(case, args.keep).run()
    print(json.dumps(result.to_dict()), flush=True)


if __name__ == "__main__":
    main()
