#!/usr/bin/python3
# Copyright 2026 The dfud authors
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The D-Bus client of the daemon's BLE test (in-vm-daemon-ble), with python gi.

1. Scans on --adapter through BlueZ (system bus): SetDiscoveryFilter {Transport: le, UUIDs:
   [SMP service]} and StartDiscovery, kept running to the end, so that BlueZ makes a Device1
   for the peripheral once it advertises; --ready-file is created once the discovery runs (the
   harness starts the peripheral only then).
2. Waits until dfud (org.dfud.Dfu1 on the session bus) shows a Device with Transport "ble",
   Address --address and a BluezDevice.
3. Device.Update(descriptor of --image, {allow-downgrade: true}), follows the Job's
   PropertiesChanged until it ends: Status done, Result verified, ATT MTU 517 seen.
4. Device.GetImageState: the image runs (active) and is confirmed, with --version and the
   image's hash.
With --echo TEXT (repeatable) instead: Device.Echo of each TEXT, one right after the other's
answer (no scan, no update: the device object must exist); each must be answered with its TEXT.
Every wait has a deadline; exit status 0 when every check passed.
"""
import argparse
import os
import struct
import sys
import time

import gi

gi.require_version("Gio", "2.0")
gi.require_version("GLib", "2.0")
from gi.repository import Gio, GLib  # noqa: E402

# the API's names, shared with tests/dbus (the source tree is shared into the VM)
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "dbus"))
from dfudapi import (DEVICE, ERROR, FINAL, JOB, NAME, OBJMGR, PROPS, ROOT,  # noqa: E402,F401
                     STATUSES)

SMP_SERVICE = "8d53dc1d-1db7-4cd3-868b-8a527460aa84"
BLUEZ = "org.bluez"
CALL_TIMEOUT_MS = 30000
# a device command opens a BLE link (discovery, connect, services) within dfud's Connect timeout
COMMAND_TIMEOUT_MS = 120000
# what two bluetoothds negotiate (both offer 517)
WANT_MTU = 517


class Failure(Exception):
    pass


def image_hash_tlv(image):
    """The MCUboot image's SHA-256 TLV (type 0x10): what the device reports as the slot hash."""
    hdr_size, prot_size, img_size = struct.unpack_from("<HHI", image, 8)
    off = hdr_size + img_size + prot_size
    magic, total = struct.unpack_from("<HH", image, off)
    if magic != 0x6907:
        raise Failure(f"{len(image)}-byte image: no TLV info at {off:#x}")
    end, off = off + total, off + 4
    while off + 4 <= end:
        kind, length = struct.unpack_from("<HH", image, off)
        if kind == 0x10:
            return bytes(image[off + 4:off + 4 + length])
        off += 4 + length
    raise Failure("the image has no SHA-256 TLV")


def version_is(got, want):
    """dfud may show 1.2.3+4 or the device's 1.2.3.4"""
    return got in (want, want.replace("+", "."))


def remote_error(error):
    return Gio.DBusError.get_remote_error(error) or ""


class Client:
    def __init__(self, args):
        self.args = args
        self.t0 = time.monotonic()
        self.system = Gio.bus_get_sync(Gio.BusType.SYSTEM, None)
        self.session = Gio.bus_get_sync(Gio.BusType.SESSION, None)
        self.adapter_path = "/org/bluez/" + args.adapter
        self.address = args.address.upper()
        self.deadline = self.t0 + args.timeout
        self.changes = []  # (t, job path, changed properties) of every dfud job
        self.sub = self.session.signal_subscribe(
            NAME, PROPS, "PropertiesChanged", None, JOB, Gio.DBusSignalFlags.NONE,
            self.on_job_changed)

    def log(self, msg):
        print(f"dfud-client: [{time.monotonic() - self.t0:7.3f}s] {msg}", flush=True)

    def on_job_changed(self, conn, sender, path, iface, member, params):
        _, changed, _ = params.unpack()
        self.changes.append((time.monotonic(), path, changed))

    def spin(self, seconds):
        """runs the default main context for @seconds, so signals arrive"""
        ctx = GLib.MainContext.default()
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            while ctx.pending():
                ctx.iteration(False)
            time.sleep(0.02)
        while ctx.pending():
            ctx.iteration(False)

    def wait(self, what, predicate, timeout, interval=0.2, describe=None):
        end = min(time.monotonic() + timeout, self.deadline)
        while True:
            result = predicate()
            if result:
                return result
            if time.monotonic() > end:
                extra = f"; {describe()}" if describe else ""
                raise Failure(f"timed out after {timeout:.0f} s waiting for {what}{extra}")
            self.spin(interval)

    # ---- BlueZ: the scan that makes the Device1

    def bluez(self, path, iface, method, args=None, reply=None):
        return self.system.call_sync(BLUEZ, path, iface, method, args,
                                     GLib.VariantType(reply) if reply else None,
                                     Gio.DBusCallFlags.NONE, CALL_TIMEOUT_MS, None)

    def discovering(self):
        return self.bluez(self.adapter_path, PROPS, "Get",
                          GLib.Variant("(ss)", ("org.bluez.Adapter1", "Discovering")),
                          "(v)").unpack()[0]

    def start_scan(self):
        self.bluez(self.adapter_path, PROPS, "Set",
                   GLib.Variant("(ssv)", ("org.bluez.Adapter1", "Powered",
                                          GLib.Variant("b", True))))
        flt = {"Transport": GLib.Variant("s", "le"),
               "UUIDs": GLib.Variant("as", [SMP_SERVICE])}
        self.bluez(self.adapter_path, "org.bluez.Adapter1", "SetDiscoveryFilter",
                   GLib.Variant("(a{sv})", (flt,)))
        self.bluez(self.adapter_path, "org.bluez.Adapter1", "StartDiscovery")
        self.wait(f"the discovery on {self.args.adapter} to run", self.discovering, 30)
        self.log(f"scanning on {self.args.adapter} for the SMP service")

    def stop_scan(self):
        try:
            self.bluez(self.adapter_path, "org.bluez.Adapter1", "StopDiscovery")
        except GLib.Error as e:
            self.log(f"StopDiscovery: {e.message}")

    # ---- dfud

    def call(self, path, iface, method, args=None, reply=None, fds=None,
             timeout_ms=CALL_TIMEOUT_MS):
        reply_type = GLib.VariantType(reply) if reply else None
        if fds is not None:
            # the list owns what it is given: our descriptors stay ours
            fd_list = Gio.UnixFDList.new_from_array([os.dup(fd) for fd in fds])
            ret, _ = self.session.call_with_unix_fd_list_sync(
                NAME, path, iface, method, args, reply_type, Gio.DBusCallFlags.NONE,
                timeout_ms, fd_list, None)
            return ret.unpack()
        ret = self.session.call_sync(NAME, path, iface, method, args, reply_type,
                                     Gio.DBusCallFlags.NONE, timeout_ms, None)
        return ret.unpack() if ret is not None else None

    def props(self, path, iface):
        return self.call(path, PROPS, "GetAll", GLib.Variant("(s)", (iface,)), "(a{sv})")[0]

    def find_device(self):
        objects = self.call(ROOT, OBJMGR, "GetManagedObjects", None, "(a{oa{sa{sv}}})")[0]
        self.seen_devices = {p: i[DEVICE] for p, i in objects.items() if DEVICE in i}
        for path, dev in self.seen_devices.items():
            if (dev.get("Transport") == "ble" and
                    str(dev.get("Address", "")).upper() == self.address and
                    dev.get("BluezDevice", "/") != "/"):
                return path, dev
        return None

    def check_device(self, path, dev):
        """the object's name, URI and BlueZ object as dbus/org.dfud.Dfu1.Device.xml says"""
        bluez_path = f"{self.adapter_path}/dev_{self.address.replace(':', '_')}"
        want = {
            "path": f"{ROOT}/Device/{self.args.adapter}_dev_{self.address.replace(':', '_')}",
            "Uri": f"ble:{self.address}?adapter={self.args.adapter}",
            "BluezDevice": bluez_path,
            "Added": False,
        }
        got = dict(dev, path=path)
        for key, value in want.items():
            if got.get(key) != value:
                raise Failure(f"device {key} is {got.get(key)!r}, expected {value!r}: {dev}")

    def job_changes(self, job):
        return [(t, c) for t, p, c in self.changes if p == job]

    def statuses(self, job):
        out = []
        for _, changed in self.job_changes(job):
            status = changed.get("Status")
            if status is not None and (not out or out[-1] != status):
                out.append(status)
        return out

    def follow(self, job):
        """logs the job's progress until it ends; returns its final properties"""
        state = {"props": {}, "polled": 0.0, "logged": 0, "bytes": -1}

        def ended():
            # a PropertiesChanged may be missed only if dfud does not send it: poll too
            if time.monotonic() - state["polled"] > 2:
                state["props"] = self.props(job, JOB)
                state["polled"] = time.monotonic()
            for t, changed in self.job_changes(job)[state["logged"]:]:
                state["logged"] += 1
                shown = {k: v for k, v in changed.items()
                         if k in ("Status", "BytesDone", "Mtu", "BufSize", "Window", "Result",
                                  "ErrorName", "ErrorMessage")}
                if shown:
                    self.log(f"job {shown}")
            status = state["props"].get("Status")
            signalled = self.statuses(job)
            return status in FINAL or (signalled and signalled[-1] in FINAL)

        self.wait(f"the end of {job}", ended, self.args.timeout, interval=0.2,
                  describe=lambda: f"last properties {summary(state['props'])}, "
                                   f"statuses signalled {self.statuses(job)}")
        return self.props(job, JOB)

    def image_state(self, device):
        """GetImageState, retried while the device is busy or rebooting"""
        end = time.monotonic() + 120
        while True:
            try:
                return self.call(device, DEVICE, "GetImageState", None, "(aa{sv})",
                                 timeout_ms=COMMAND_TIMEOUT_MS)[0]
            except GLib.Error as e:
                name = remote_error(e)
                if name not in (ERROR + "Busy", ERROR + "Timeout") or time.monotonic() > end:
                    raise Failure(f"GetImageState: {name}: {e.message}")
                self.log(f"GetImageState: {name}, trying again")
            self.spin(1)

    def run(self):
        image = open(self.args.image, "rb").read()
        want_hash = image_hash_tlv(image)

        self.start_scan()
        if self.args.ready_file:
            open(self.args.ready_file, "w").close()

        # 2. the device object, from BlueZ
        t = time.monotonic()
        device, dev = self.wait(
            f"dfud's device object for {self.address}", self.find_device, 90, interval=0.5,
            describe=lambda: f"dfud's devices: {getattr(self, 'seen_devices', {})}")
        self.log(f"device {device} after {time.monotonic() - t:.1f} s: "
                 f"Uri={dev['Uri']} BluezDevice={dev['BluezDevice']} Name={dev['Name']!r}")
        self.check_device(device, dev)
        if dev.get("State") != "idle" or dev.get("CurrentJob") != "/":
            raise Failure(f"the new device is not idle: {dev}")
        adapters = self.call(ROOT, PROPS, "Get", GLib.Variant("(ss)", ("org.dfud.Dfu1.Manager",
                                                                       "Adapters")), "(v)")[0]
        if list(adapters) != [self.adapter_path]:
            raise Failure(f"Manager.Adapters is {adapters}, expected [{self.adapter_path}] "
                          "(dfud.conf allows only that one)")

        # 3. the update, the firmware passed as a descriptor
        fd = os.open(self.args.image, os.O_RDONLY | os.O_CLOEXEC)
        try:
            job = self.call(device, DEVICE, "Update",
                            GLib.Variant("(ha{sv})", (0, {"allow-downgrade":
                                                          GLib.Variant("b", True)})),
                            "(o)", fds=[fd])[0]
        finally:
            os.close(fd)
        self.log(f"job {job}")
        t = time.monotonic()
        props = self.follow(job)
        self.log(f"job ended after {time.monotonic() - t:.1f} s: {summary(props)}")
        if (props["Status"], props["Result"], props["ErrorName"]) != ("done", "verified", ""):
            raise Failure(f"{job} did not end verified: {summary(props)}")
        if props["BytesDone"] != len(image) or props["BytesTotal"] != len(image):
            raise Failure(f"{job}: BytesDone {props['BytesDone']} / BytesTotal "
                          f"{props['BytesTotal']}, expected {len(image)}")
        names = self.statuses(job)
        for s in names:
            if s not in STATUSES:
                raise Failure(f"unknown Status {s!r} in {names}")
        order = [STATUSES.index(s) for s in names]
        if order != sorted(order) or "uploading" not in names or names[-1] != "done":
            raise Failure(f"statuses signalled: {names}")
        for s in ("testing", "resetting", "verifying", "confirming"):
            if s not in names:
                raise Failure(f"test-and-confirm without {s}: {names}")
        mtus = {c["Mtu"] for _, c in self.job_changes(job) if "Mtu" in c} | {props["Mtu"]}
        if WANT_MTU not in mtus:
            raise Failure(f"the job never showed ATT MTU {WANT_MTU}: Mtu values {sorted(mtus)}")
        self.log(f"statuses {names}, Mtu values {sorted(mtus)}")

        # 4. the device runs the new image, confirmed
        self.wait(f"{device} to be idle", lambda: self.device_idle(device), 30,
                  describe=lambda: f"device: {self.props(device, DEVICE)}")
        images = self.image_state(device)
        active = [i for i in images if i.get("active") and i.get("image", 0) == 0]
        if len(active) != 1:
            raise Failure(f"not one active image 0: {images}")
        running = active[0]
        if not version_is(running.get("version"), self.args.version) or \
                bytes(running.get("hash", b"")) != want_hash or not running.get("confirmed"):
            raise Failure(f"the device runs {running}, expected version {self.args.version}, "
                          f"hash {want_hash.hex()}, confirmed")
        self.log(f"the device runs {running['version']} (hash {want_hash.hex()[:16]}...), "
                 "confirmed")
        last = self.props(device, DEVICE)["LastUpdate"]
        if last.get("result") != "verified":
            raise Failure(f"Device.LastUpdate is {last}")
        self.stop_scan()
        return 0

    def echoes(self):
        """Device.Echo of each --echo text, each call as soon as the previous one is answered"""
        device, _ = self.wait(f"dfud's device object for {self.address}", self.find_device, 30)
        answered = None
        for text in self.args.echo:
            t = time.monotonic()
            gap = f", {(t - answered) * 1000:.0f} ms after the previous answer" if answered else ""
            try:
                reply = self.call(device, DEVICE, "Echo", GLib.Variant("(s)", (text,)), "(s)",
                                  timeout_ms=COMMAND_TIMEOUT_MS)[0]
            except GLib.Error as e:
                raise Failure(f"Echo({text!r}){gap}: {remote_error(e)}: {e.message}")
            answered = time.monotonic()
            self.log(f"Echo({text!r}){gap}: {reply!r} after {answered - t:.1f} s")
            if reply != text:
                raise Failure(f"Echo({text!r}) answered {reply!r}")
        return 0

    def device_idle(self, device):
        p = self.props(device, DEVICE)
        return p["State"] == "idle" and p["CurrentJob"] == "/"


def summary(props):
    keys = ("Status", "Result", "BytesDone", "BytesTotal", "Mtu", "BufSize", "Window",
            "ErrorName", "ErrorMessage", "Restarts")
    return ", ".join(f"{k}={props.get(k)!r}" for k in keys if k in props)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--adapter", default="hci0")
    ap.add_argument("--address", required=True, help="the peripheral's address")
    ap.add_argument("--image", help="the update's firmware (without --echo)")
    ap.add_argument("--version", help="the image's version, e.g. 1.2.3+4 (without --echo)")
    ap.add_argument("--echo", action="append", metavar="TEXT",
                    help="only Device.Echo(TEXT), back to back when repeated")
    ap.add_argument("--ready-file", help="created once the discovery runs")
    ap.add_argument("--timeout", type=float, default=300, help="for everything, seconds")
    args = ap.parse_args()
    if not args.echo and (args.image is None or args.version is None):
        ap.error("--image and --version are required for the update")
    client = Client(args)
    try:
        rc = client.echoes() if args.echo else client.run()
        client.log("PASS")
        return rc
    except (Failure, GLib.Error) as e:
        client.log(f"FAIL: {e}")
        return 1


if __name__ == "__main__":
    sys.exit(main())
