# Copyright 2026 The dfud authors
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Harness of the daemon's D-Bus tests.

Every test gets its own dbus-daemon (a session-type bus with a config written to a temporary
directory, never the host's bus), its own dfud state directory and dfud-sim instances talking
UDP on 127.0.0.1. Every wait has a deadline and fails naming what it waited for and what it saw;
the logs of dfud and the simulator are printed only when a test fails.

Paths come from the environment meson sets: DFUD_DAEMON, DFUD_SIM, DBUS_DAEMON, DFUD_TEST_DATA,
DFUD_VERSION.
"""

import json
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest

import gi

gi.require_version("Gio", "2.0")
gi.require_version("GLib", "2.0")
from gi.repository import Gio, GLib  # noqa: E402

from dfudapi import (DEVICE, ERROR, FINAL, JOB, MANAGER, NAME, OBJMGR,  # noqa: E402,F401
                     PROPS, ROOT, STATUSES)

# generous, but every wait ends
START_TIMEOUT = 20
JOB_TIMEOUT = 90
CALL_TIMEOUT_MS = 30000


def env_path(name):
    value = os.environ.get(name)
    if not value:
        raise RuntimeError(f"{name} is not set: run the test through meson")
    return value


def data(name):
    return os.path.join(env_path("DFUD_TEST_DATA"), name)


# the image hash (hash TLV) of the fixtures used here, from tests/data/README.md
HASHES = {
    "hashonly_1k_v1.2.3+4.bin":
        "6b28b68ff2485a456f72f2fb46d2dc5584a25b5cf6be210a941e4744b188c1dc",
    "hashonly_60k_v2.0.0.bin":
        "f225962eb5a76a487e22c6ff5b43acd9561b5e6922ce652c3f5a79aca564e802",
    "hashonly_300k_v1.0.0.bin":
        "6a78850e56f0dd096b411dd972019bb1ee77d73502d953db3224edace067ad05",
}


# a device whose 300 KiB upload takes seconds: the BLE air-time model over UDP, small SMP
# buffers, no flash time (erase, swap and reboot are instant)
SLOW_DEVICE = ("--time-scale=0", "--link", "--buf-size=256")


def version_is(got, want):
    """dfud may show 1.2.3+4 or the device's 1.2.3.4; 2.0.0 may carry +0"""
    accepted = {want, want.replace("+", ".")}
    if "+" not in want:
        accepted |= {want + "+0", want + ".0"}
    return got in accepted


def _die_with_parent(argv):
    """@argv run so that it gets SIGTERM when the test dies: no child outlives a killed test
    (setpriv, not a preexec_fn: forking a process with GDBus threads must run no Python code)"""
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        return argv
    return [setpriv, "--pdeathsig", "TERM", "--"] + list(argv)


def end_process(process, terminate=True, timeout=10):
    """waits for @process to exit (after SIGTERM with @terminate), SIGKILL after @timeout s;
    returns its exit status, None when it had to be killed"""
    if process.poll() is not None:
        return process.returncode
    if terminate:
        process.terminate()
    try:
        return process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout)
        return None


def _readline(fd, deadline, what):
    """one line from a pipe, bounded by @deadline"""
    buf = b""
    while not buf.endswith(b"\n"):
        left = deadline - time.monotonic()
        if left <= 0:
            raise AssertionError(f"timed out waiting for {what}; got so far: {buf!r}")
        ready, _, _ = select.select([fd], [], [], left)
        if not ready:
            continue
        chunk = os.read(fd, 1)
        if not chunk:
            raise AssertionError(f"{what}: the process closed its output; got: {buf!r}")
        buf += chunk
    return buf.decode().rstrip("\n")


def remote_error_name(error):
    return Gio.DBusError.get_remote_error(error)


def stripped_message(error):
    """the message without GDBus's "GDBus.Error:NAME: " prefix"""
    message = error.message
    if message.startswith("GDBus.Error:"):
        _, _, rest = message.partition(": ")
        return rest
    return message


def unpack(value):
    """a GVariant (or a plain value from GLib.Variant.unpack) as plain Python"""
    if isinstance(value, GLib.Variant):
        return value.unpack()
    return value


def hexbytes(value):
    return bytes(value).hex()


class Bus:
    """a private dbus-daemon with a session-type config of its own"""

    CONFIG = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:dir={dir}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"""

    def __init__(self, tmpdir):
        self.dir = os.path.join(tmpdir, "bus")
        os.mkdir(self.dir)
        config = os.path.join(self.dir, "bus.conf")
        with open(config, "w") as f:
            f.write(self.CONFIG.format(dir=self.dir))
        self.log_path = os.path.join(self.dir, "dbus-daemon.log")
        self.log = open(self.log_path, "w")
        self.process = subprocess.Popen(
            _die_with_parent([env_path("DBUS_DAEMON"), "--config-file", config, "--nofork",
                              "--print-address"]),
            stdout=subprocess.PIPE, stderr=self.log, stdin=subprocess.DEVNULL)
        self.address = _readline(self.process.stdout.fileno(),
                                 time.monotonic() + START_TIMEOUT, "dbus-daemon's address")
        self.connection = Gio.DBusConnection.new_for_address_sync(
            self.address,
            Gio.DBusConnectionFlags.AUTHENTICATION_CLIENT |
            Gio.DBusConnectionFlags.MESSAGE_BUS_CONNECTION, None, None)

    def has_owner(self, name):
        reply = self.connection.call_sync(
            "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
            "NameHasOwner", GLib.Variant("(s)", (name,)), GLib.VariantType("(b)"),
            Gio.DBusCallFlags.NONE, CALL_TIMEOUT_MS, None)
        return reply.unpack()[0]

    def stop(self):
        self.connection.close_sync(None)
        end_process(self.process)
        self.process.stdout.close()
        self.log.close()


class Sim:
    """dfud-sim serving @count devices over UDP, with a JSON-lines log"""

    def __init__(self, tmpdir, args, count=1, tag="sim"):
        self.dir = tempfile.mkdtemp(prefix=tag + "-", dir=tmpdir)
        self.log_path = os.path.join(self.dir, "log.json")
        self.stderr_path = os.path.join(self.dir, "stderr.log")
        self.stderr = open(self.stderr_path, "w")
        argv = [env_path("DFUD_SIM"), "--udp=127.0.0.1:0", "--state-dir", self.dir,
                "--log-json", self.log_path, f"--count={count}"] + list(args)
        # --serial: a PTY per device too, reached through the link the simulator keeps to it
        self.serial_link = os.path.join(self.dir, "tty") if "--serial" in args else None
        if self.serial_link:
            argv += ["--serial-link", self.serial_link]
        self.argv = argv
        self.process = subprocess.Popen(_die_with_parent(argv), stdout=subprocess.PIPE,
                                        stderr=self.stderr, stdin=subprocess.DEVNULL)
        self.uris = []
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            line = _readline(self.process.stdout.fileno(), deadline, "dfud-sim's READY")
            if line == "READY":
                break
            at = line.find("listening on udp ")
            if at >= 0:
                self.uris.append("udp:" + line[at + len("listening on udp "):].strip())
        if len(self.uris) != count:
            raise AssertionError(f"dfud-sim announced {self.uris}, wanted {count} devices")

    @property
    def uri(self):
        return self.uris[0]

    @property
    def serial_uri(self):
        """device 0's port, "serial:DIR/tty" (with --serial)"""
        return "serial:" + self.serial_link

    def events(self):
        """the JSON-lines log as written so far (the simulator flushes every line)"""
        out = []
        try:
            with open(self.log_path) as f:
                for line in f:
                    line = line.strip()
                    if not line:
                        continue
                    try:
                        out.append(json.loads(line))
                    except ValueError:
                        pass  # a line being written right now
        except FileNotFoundError:
            pass
        return out

    def stop(self):
        end_process(self.process)
        self.process.stdout.close()
        self.stderr.close()


class Daemon:
    """one run of build/daemon/dfud --session on the test bus"""

    def __init__(self, bus, state_dir, config_path, log_path, bluez_bus="none"):
        self.log_path = log_path
        self.log = open(log_path, "a")
        self.log.write(f"===== dfud started at {time.strftime('%T')} =====\n")
        self.log.flush()
        env = dict(os.environ)
        env["DBUS_SESSION_BUS_ADDRESS"] = bus.address
        env["G_MESSAGES_DEBUG"] = "all"
        env["G_DEBUG"] = "fatal-criticals"
        env.pop("DBUS_SYSTEM_BUS_ADDRESS", None)
        argv = [env_path("DFUD_DAEMON"), "--session", "--state-dir", state_dir,
                "--config", config_path, f"--bluez-bus={bluez_bus}", "--verbose"]
        self.process = subprocess.Popen(_die_with_parent(argv), stdout=self.log,
                                        stderr=self.log, stdin=subprocess.DEVNULL, env=env)
        self.expected_exit = False

    def alive(self):
        return self.process.poll() is None

    def kill(self):
        self.expected_exit = True
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)
        self.log.close()

    def stop(self):
        """SIGTERM; returns the exit status (None: had to be killed)"""
        self.expected_exit = True
        status = end_process(self.process)
        self.log.close()
        return status


class Signals:
    """every PropertiesChanged and ObjectManager signal from dfud, in arrival order"""

    def __init__(self, connection):
        self.connection = connection
        self.events = []  # (monotonic time, path, member, args)
        self.ids = [
            connection.signal_subscribe(None, PROPS, "PropertiesChanged", None, None,
                                        Gio.DBusSignalFlags.NONE, self._on_signal),
            connection.signal_subscribe(None, OBJMGR, None, ROOT, None,
                                        Gio.DBusSignalFlags.NONE, self._on_signal),
        ]

    def _on_signal(self, connection, sender, path, iface, member, params):
        if not path.startswith(ROOT):
            return
        self.events.append((time.monotonic(), path, member, params.unpack()))

    def changes(self, path, iface):
        """[(t, changed dict)] of PropertiesChanged of @iface on @path"""
        out = []
        for t, p, member, args in self.events:
            if p == path and member == "PropertiesChanged" and args[0] == iface:
                out.append((t, args[1]))
        return out

    def statuses(self, job):
        """[(t, Status)] as signalled, repeats dropped"""
        out = []
        for t, changed in self.changes(job, JOB):
            status = changed.get("Status")
            if status is not None and (not out or out[-1][1] != status):
                out.append((t, status))
        return out

    def close(self):
        for i in self.ids:
            self.connection.signal_unsubscribe(i)


class DfudTestCase(unittest.TestCase):
    """starts a bus per test; tests start simulators and the daemon through the helpers"""

    config = "[Daemon]\nJobLinger=600\n"

    def setUp(self):
        self.tmpdir = tempfile.mkdtemp(prefix="dfud-dbus-")
        self.state_dir = os.path.join(self.tmpdir, "state")
        self.config_path = os.path.join(self.tmpdir, "dfud.conf")
        with open(self.config_path, "w") as f:
            f.write(self.config)
        self.daemon_log = os.path.join(self.tmpdir, "dfud.log")
        self.sims = []
        self.daemon = None
        self.bus = Bus(self.tmpdir)
        self.conn = self.bus.connection
        self.signals = Signals(self.conn)

    def tearDown(self):
        failed = True
        outcome = getattr(self, "_outcome", None)
        if outcome is not None and hasattr(outcome, "success"):
            failed = not outcome.success
        problems = []
        if self.daemon is not None:
            running = self.daemon.alive()
            if not running and not self.daemon.expected_exit:
                problems.append("dfud died during the test: status "
                                f"{self.daemon.process.returncode}")
            status = self.daemon.stop()
            if running and status != 0:
                problems.append(f"dfud did not exit cleanly on SIGTERM: status {status}")
        for sim in self.sims:
            sim.stop()
        self.signals.close()
        self.bus.stop()
        if failed or problems:
            self.dump_logs()
        shutil.rmtree(self.tmpdir, ignore_errors=True)
        if problems:
            self.fail("; ".join(problems))

    def dump_logs(self):
        paths = [self.daemon_log]
        for sim in self.sims:
            paths += [sim.stderr_path, sim.log_path]
        paths.append(self.bus.log_path)
        for path in paths:
            sys.stderr.write(f"\n----- {path} -----\n")
            try:
                with open(path, errors="replace") as f:
                    lines = f.readlines()
            except OSError as e:
                sys.stderr.write(f"({e})\n")
                continue
            # the simulator's log can be long: its end is what matters
            if path.endswith(".json") and len(lines) > 400:
                sys.stderr.write(f"({len(lines) - 400} lines left out)\n")
                lines = lines[-400:]
            sys.stderr.write("".join(lines))
        sys.stderr.write("\n----- signals seen -----\n")
        for t, path, member, args in self.signals.events[-300:]:
            sys.stderr.write(f"{t:.3f} {path} {member} {args}\n")
        sys.stderr.flush()

    # --- processes

    def start_sim(self, *args, count=1):
        sim = Sim(self.tmpdir, args, count=count, tag=f"sim{len(self.sims)}")
        self.sims.append(sim)
        return sim

    def start_daemon(self, bluez_bus="none"):
        self.assertFalse(self.bus.has_owner(NAME), "org.dfud.Dfu1 is owned before dfud starts")
        self.daemon = Daemon(self.bus, self.state_dir, self.config_path, self.daemon_log,
                             bluez_bus)
        deadline = time.monotonic() + START_TIMEOUT
        while not self.bus.has_owner(NAME):
            if not self.daemon.alive():
                self.fail(f"dfud exited with status {self.daemon.process.returncode} "
                          "before owning org.dfud.Dfu1")
            if time.monotonic() > deadline:
                self.fail(f"dfud did not own org.dfud.Dfu1 within {START_TIMEOUT} s")
            self.spin(0.05)
        return self.daemon

    def kill_daemon(self):
        """SIGKILL, and wait until the bus has dropped the name"""
        self.daemon.kill()
        self.wait_for(lambda: not self.bus.has_owner(NAME), 10,
                      "org.dfud.Dfu1 to be released after SIGKILL")

    def stop_daemon(self):
        status = self.daemon.stop()
        self.assertEqual(status, 0, "dfud did not exit cleanly on SIGTERM")
        self.daemon = None
        self.wait_for(lambda: not self.bus.has_owner(NAME), 10,
                      "org.dfud.Dfu1 to be released after SIGTERM")

    # --- main loop and waits

    def spin(self, seconds):
        """dispatches signals for @seconds"""
        ctx = GLib.MainContext.default()
        end = time.monotonic() + seconds
        while True:
            while ctx.pending():
                ctx.iteration(False)
            if time.monotonic() >= end:
                return
            time.sleep(min(0.005, max(0.0, end - time.monotonic())))

    def check_daemon_alive(self):
        if self.daemon is not None and not self.daemon.expected_exit and not self.daemon.alive():
            self.fail(f"dfud died: status {self.daemon.process.returncode}")

    def wait_for(self, predicate, timeout, what, describe=None):
        """runs the main loop until @predicate() is true; fails after @timeout s"""
        deadline = time.monotonic() + timeout
        while True:
            self.spin(0.02)
            if predicate():
                return
            self.check_daemon_alive()
            if time.monotonic() > deadline:
                seen = describe() if describe is not None else ""
                self.fail(f"timed out after {timeout} s waiting for {what}; {seen}")

    # --- calls

    def call(self, path, iface, method, args=None, reply=None, fds=None,
             timeout_ms=CALL_TIMEOUT_MS):
        """a method call of dfud; returns the unpacked reply tuple"""
        params = None if args is None else args
        reply_type = None if reply is None else GLib.VariantType(reply)
        if fds is None:
            result = self.conn.call_sync(NAME, path, iface, method, params, reply_type,
                                         Gio.DBusCallFlags.NO_AUTO_START, timeout_ms, None)
        else:
            fd_list = Gio.UnixFDList()
            for fd in fds:
                fd_list.append(fd)  # dups: the caller keeps and closes its own
            result, _ = self.conn.call_with_unix_fd_list_sync(
                NAME, path, iface, method, params, reply_type,
                Gio.DBusCallFlags.NO_AUTO_START, timeout_ms, fd_list, None)
        return result.unpack()

    def assert_call_error(self, name, path, iface, method, args=None, reply=None, fds=None):
        """the call fails with D-Bus error @name; returns the message (remote name stripped)"""
        try:
            result = self.call(path, iface, method, args, reply, fds)
        except GLib.Error as e:
            got = remote_error_name(e)
            self.assertEqual(got, name, f"{iface}.{method}{args}: wrong error: {e.message}")
            return stripped_message(e)
        self.fail(f"{iface}.{method}{args} succeeded ({result}); wanted {name}")

    def assert_call_error_prefix(self, prefix, path, iface, method, args=None, reply=None,
                                 fds=None):
        try:
            result = self.call(path, iface, method, args, reply, fds)
        except GLib.Error as e:
            got = remote_error_name(e) or ""
            self.assertTrue(got.startswith(prefix),
                            f"{iface}.{method}: error {got!r} not {prefix}*: {e.message}")
            return got, stripped_message(e)
        self.fail(f"{iface}.{method}{args} succeeded ({result}); wanted {prefix}*")

    def props(self, path, iface):
        return self.call(path, PROPS, "GetAll", GLib.Variant("(s)", (iface,)),
                         "(a{sv})")[0]

    def prop(self, path, iface, name):
        return self.call(path, PROPS, "Get", GLib.Variant("(ss)", (iface, name)), "(v)")[0]

    def managed_objects(self):
        return self.call(ROOT, OBJMGR, "GetManagedObjects", None, "(a{oa{sa{sv}}})")[0]

    def add_device(self, uri, name=None):
        options = {} if name is None else {"name": GLib.Variant("s", name)}
        return self.call(ROOT, MANAGER, "AddDevice", GLib.Variant("(sa{sv})", (uri, options)),
                         "(o)")[0]

    def list_jobs(self):
        return self.call(ROOT, MANAGER, "ListJobs", None, "(ao)")[0]

    def history(self, **filters):
        variants = {}
        for key, value in filters.items():
            variants[key] = GLib.Variant("u" if key == "limit" else "s", value)
        return self.call(ROOT, MANAGER, "GetHistory", GLib.Variant("(a{sv})", (variants,)),
                         "(aa{sv})")[0]

    @staticmethod
    def update_args(options):
        return GLib.Variant("(ha{sv})", (0, options))

    def update(self, device, path, options=None):
        """Device.Update with @path opened here and passed as a descriptor"""
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
        try:
            return self.call(device, DEVICE, "Update", self.update_args(options or {}), "(o)",
                             fds=[fd])[0]
        finally:
            os.close(fd)

    def update_error(self, name, device, path, options=None):
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
        try:
            return self.assert_call_error(name, device, DEVICE, "Update",
                                          self.update_args(options or {}), "(o)", fds=[fd])
        finally:
            os.close(fd)

    def update_error_prefix(self, prefix, device, path, options=None):
        """Update fails with an error named @prefix*; returns (name, message)"""
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
        try:
            return self.assert_call_error_prefix(prefix, device, DEVICE, "Update",
                                                 self.update_args(options or {}), "(o)",
                                                 fds=[fd])
        finally:
            os.close(fd)

    # --- jobs

    def wait_job(self, job, predicate, timeout, what):
        state = {}

        def check():
            state["props"] = self.props(job, JOB)
            return predicate(state["props"])

        self.wait_for(check, timeout, f"{what} of {job}",
                      lambda: f"last properties: {describe_job(state.get('props'))}; "
                              f"statuses signalled: {[s for _, s in self.signals.statuses(job)]}")
        return state["props"]

    def wait_job_final(self, job, timeout=JOB_TIMEOUT):
        props = self.wait_job(job, lambda p: p["Status"] in FINAL, timeout, "the end")
        # dfud sends the final PropertiesChanged before it can answer Get with the final
        # Status, but GDBus dispatches signals through the main loop and returns call replies
        # directly: let the signal through before callers look at what was signalled
        self.wait_for(lambda: [s for _, s in self.signals.statuses(job)][-1:] == [props["Status"]],
                      5, f"the PropertiesChanged of {job}'s final Status",
                      lambda: str([s for _, s in self.signals.statuses(job)]))
        return props

    def assert_job_verified(self, job, props):
        self.assertEqual((props["Status"], props["Result"]), ("done", "verified"),
                         f"{job} did not end verified: {describe_job(props)}")
        self.assertEqual(props["ErrorName"], "", describe_job(props))

    def wait_device_idle(self, device, timeout=20):
        self.wait_for(lambda: self._device_idle(device), timeout, f"{device} to be idle",
                      lambda: f"device: {self.props(device, DEVICE)}")

    def _device_idle(self, device):
        p = self.props(device, DEVICE)
        return p["State"] == "idle" and p["CurrentJob"] == "/"

    def call_retrying(self, path, iface, method, args, reply, timeout, retry=("Busy", "Timeout")):
        """a device command while the device reboots: Busy/Timeout are retried until @timeout"""
        deadline = time.monotonic() + timeout
        while True:
            try:
                return self.call(path, iface, method, args, reply)
            except GLib.Error as e:
                name = remote_error_name(e) or ""
                if name.replace(ERROR, "") not in retry or time.monotonic() > deadline:
                    raise
            self.spin(0.2)


def describe_job(props):
    if props is None:
        return "(none read)"
    keys = ("Status", "Result", "BytesDone", "BytesTotal", "Progress", "ErrorName",
            "ErrorMessage", "Restarts")
    return ", ".join(f"{k}={props.get(k)!r}" for k in keys)


def upload_first_chunks(events, device=0):
    """[(request off 0 event index, the device's answer off)] of every first upload chunk"""
    out = []
    waiting = {}
    for i, e in enumerate(events):
        if e.get("device", 0) != device or e.get("command") != "image upload":
            continue
        body = e.get("body") or {}
        if e.get("event") == "request" and body.get("off") == 0:
            waiting[e.get("seq")] = i
        elif e.get("event") == "response" and e.get("seq") in waiting:
            out.append((waiting.pop(e.get("seq")), body.get("off")))
    return out


def main():
    unittest.main(verbosity=2)
