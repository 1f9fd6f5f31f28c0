# Copyright 2026 The dfud authors
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Harness of the dfud-hawkbit tests: the D-Bus tests' bus, dfud and dfud-sim (tests/dbus
dfudtest), the DDI server of ddiserver.py, and dfud-hawkbit itself on that bus."""

import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "dbus"))

import dfudtest  # noqa: E402
from dfudtest import _die_with_parent, data, env_path  # noqa: E402,F401
from ddiserver import DdiServer  # noqa: E402

# hawkBit would give minutes; the tests' server gives a second
CONFIG = """[Server]
Url={url}
Tenant=DEFAULT
GatewayToken=gw-secret
RequestTimeout=10

[Targets]
ControllerId={{name}}

[Polling]
StartSpread=1
RetryInterval=1
MaxRetryInterval=2

[Update]
CacheDirectory={cache}
AllowDowngrade=true
ProgressInterval=1
"""


def read(name):
    with open(data(name), "rb") as f:
        return f.read()


class Connector(dfudtest.Daemon):
    """one run of dfud-hawkbit --session; alive(), kill() and stop() as dfud's"""

    def __init__(self, bus, config, state_dir, log_path, lsan_supp=None):  # noqa
        self.log = open(log_path, "a")
        self.log.write(f"===== dfud-hawkbit started at {time.strftime('%T')} =====\n")
        self.log.flush()
        env = dict(os.environ)
        env["DBUS_SESSION_BUS_ADDRESS"] = bus.address
        env["G_DEBUG"] = "fatal-criticals"
        env.pop("DBUS_SYSTEM_BUS_ADDRESS", None)
        if lsan_supp and "LSAN_OPTIONS" in env:
            env["LSAN_OPTIONS"] = "suppressions=" + lsan_supp
        argv = [env_path("DFUD_HAWKBIT"), "--session", "--config", config, "--state-dir",
                state_dir, "--verbose"]
        self.process = subprocess.Popen(_die_with_parent(argv), stdout=self.log,
                                        stderr=self.log, stdin=subprocess.DEVNULL, env=env)
        self.expected_exit = False


class HawkbitTestCase(dfudtest.DfudTestCase):
    def setUp(self):
        super().setUp()
        self.server = DdiServer()
        self.hb_state = os.path.join(self.tmpdir, "hawkbit-state")
        self.hb_config = os.path.join(self.tmpdir, "hawkbit.conf")
        self.hb_log = os.path.join(self.tmpdir, "dfud-hawkbit.log")
        with open(self.hb_config, "w") as f:
            f.write(CONFIG.format(url=self.server.url,
                                  cache=os.path.join(self.tmpdir, "cache")) + self.extra_config())
        self.connector = None

    # a suppression file of LeakSanitizer for the connector (sanitizer runs), or None
    lsan_supp = None

    def extra_config(self):
        return ""

    def tearDown(self):
        problems = []
        if self.connector is not None:
            if not self.connector.alive() and not self.connector.expected_exit:
                problems.append(f"dfud-hawkbit died: status {self.connector.process.returncode}")
            elif self.connector.alive() and self.connector.stop() != 0:
                problems.append("dfud-hawkbit did not exit cleanly on SIGTERM")
        self.server.stop()
        if problems:
            self.dump_hb_log()
        try:
            super().tearDown()
        finally:
            if problems:
                self.fail("; ".join(problems))

    def dump_hb_log(self):
        sys.stderr.write(f"\n----- {self.hb_log} -----\n")
        try:
            with open(self.hb_log, errors="replace") as f:
                lines = f.readlines()
            sys.stderr.write("".join(lines[-600:]))
        except OSError as e:
            sys.stderr.write(f"({e})\n")
        sys.stderr.write("\n----- DDI requests (last 200) -----\n")
        for t, method, path, status in self.server.requests[-200:]:
            sys.stderr.write(f"{t:.3f} {method} {path} {status}\n")
        sys.stderr.write(f"violations: {self.server.violations}\n")

    def dump_logs(self):
        super().dump_logs()
        self.dump_hb_log()

    def start_connector(self):
        self.connector = Connector(self.bus, self.hb_config, self.hb_state, self.hb_log,
                                   self.lsan_supp)
        return self.connector

    def kill_connector(self):
        self.connector.kill()

    def check_daemon_alive(self):
        super().check_daemon_alive()
        if self.connector is not None and not self.connector.expected_exit and \
                not self.connector.alive():
            self.fail(f"dfud-hawkbit died: status {self.connector.process.returncode}")

    # --- waits on the server's side

    def wait_closed(self, ids, timeout):
        def describe():
            return "open: " + ", ".join(
                f"{cid} ({[fb[2]['status'].get('details') for fb in self.server.feedback_of(cid)][-2:]})"
                for cid in ids if self.server.closed(cid) is None)
        self.wait_for(lambda: all(self.server.closed(cid) is not None for cid in ids), timeout,
                      f"the closing feedback of {len(ids)} targets", describe)
        return {cid: self.server.closed(cid) for cid in ids}

    def wait_feedback(self, cid, text, timeout, action=None):
        """a feedback of @cid (about @action, if given) has @text in its details"""
        def seen():
            return any(text in d for _, a, body in self.server.feedback_of(cid)
                       if action is None or a == str(action)
                       for d in body["status"].get("details", []))
        self.wait_for(seen, timeout, f"a feedback of {cid} saying {text!r}",
                      lambda: str([b["status"].get("details")
                                   for _, _, b in self.server.feedback_of(cid)]))

    def assert_no_violations(self):
        self.assertEqual(self.server.violations, [], "the DDI server saw requests real hawkBit "
                         "would refuse")

    def device_history(self, device):
        return self.history(device=device)
