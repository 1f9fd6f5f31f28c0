#!/usr/bin/python3
"""A minimal SMP-over-BLE central for the VM tests, on BlueZ's D-Bus API.

It finds the simulator by its advertised name and the SMP service UUID with one running
discovery (see "discovery and connection" for why), connects, enables notifications on the SMP
characteristic, then runs the checks named by --checks:
  echo    an OS echo request; the reply must carry the same text
  reset   an OS reset: the link must drop, the device advertise again, a reconnect work
  upload  uploads --image in --chunk-byte pieces (first chunk with len and sha), expects
          match=true, then reads the image state: slot 1 must hold the image's hash
Requests are written as ATT write commands of at most min(ATT_MTU - 3, 510) bytes (BlueZ 5.66
drops longer writes to a BlueZ peripheral); responses are reassembled from notifications.
Frames are built here with struct and cbor2, independently of the project's C code.
Exit status 0 when every check passed.
"""
import argparse
import hashlib
import struct
import sys
import time

import cbor2
import dbus
import dbus.mainloop.glib
from gi.repository import GLib

SMP_SERVICE = "8d53dc1d-1db7-4cd3-868b-8a527460aa84"
SMP_CHARACTERISTIC = "da2e7828-fbce-4e01-ae9e-261174997c48"
BLUEZ = "org.bluez"
PROPS = "org.freedesktop.DBus.Properties"
CHR_IFACE = "org.bluez.GattCharacteristic1"
SMP_V2 = 1
OP_READ, OP_WRITE = 0, 2


class Failure(Exception):
    pass


def image_hash_tlv(image):
    """The MCUboot image's SHA-256 TLV (type 0x10): what the device reports as the slot hash."""
    hdr_size, prot_size, img_size = struct.unpack_from("<HHI", image, 8)
    off = hdr_size + img_size + prot_size
    magic, total = struct.unpack_from("<HH", image, off)
    if magic != 0x6907:
        raise Failure(f"no TLV info at {off:#x}")
    end, off = off + total, off + 4
    while off + 4 <= end:
        kind, length = struct.unpack_from("<HH", image, off)
        if kind == 0x10:
            return bytes(image[off + 4:off + 4 + length])
        off += 4 + length
    raise Failure("no SHA-256 TLV")


class Central:
    def __init__(self, args):
        self.args = args
        self.bus = dbus.SystemBus()
        self.loop = GLib.MainLoop()
        self.adapter_path = "/org/bluez/" + args.adapter
        self.om = dbus.Interface(self.bus.get_object(BLUEZ, "/"),
                                 "org.freedesktop.DBus.ObjectManager")
        self.t0 = time.monotonic()
        self.seq = 0
        self.rx = bytearray()
        self.responses = []

    def log(self, msg):
        print(f"central: [{time.monotonic() - self.t0:7.3f}s] {msg}", flush=True)

    def objects(self, iface, prefix):
        return {p: v[iface] for p, v in self.om.GetManagedObjects().items()
                if iface in v and p.startswith(prefix)}

    def wait(self, what, predicate, timeout, poll=None, interval=2):
        """Runs the main loop until predicate() is true; poll() every interval s meanwhile."""
        end = time.monotonic() + timeout
        last_poll = time.monotonic()
        while not predicate():
            if time.monotonic() > end:
                raise Failure(f"timed out after {timeout}s waiting for {what}")
            if poll and time.monotonic() - last_poll > interval:
                poll()
                last_poll = time.monotonic()
            GLib.timeout_add(20, self.loop.quit)
            self.loop.run()

    # ---- discovery and connection ----
    #
    # btvirt sends an advertising report only when a scan or an advertising set is enabled, and
    # the kernel (6.1) drops reports that arrive while a discovery is still starting (state
    # DISCOVERY_STARTING: the scan-enable's reports race with it). So the reliable report is the
    # one sent when the device enables advertising while our discovery is already running: the
    # central keeps one discovery running (no stop/start cycles, which open such windows), starts
    # it before the device advertises (--ready-file tells the harness when), and watches
    # PropertiesChanged as well as new objects, since a device BlueZ already knows gets no
    # InterfacesAdded. Restarting the discovery is only a slow fallback.

    def device_matches(self, dev):
        """Our name, or the SMP service under some name (connect() then fails on the name)."""
        uuids = [str(u).lower() for u in dev.get("UUIDs", [])]
        return str(dev.get("Name", "")) == self.args.name or (SMP_SERVICE in uuids and
                                                              "Name" in dev)

    def find_device(self):
        for path, dev in self.objects("org.bluez.Device1", self.adapter_path + "/").items():
            if self.device_matches(dev):
                return path, dev
        return None

    def start_discovery(self, pattern=None):
        """Starts one discovery and waits until the kernel runs it (Discovering is true)."""
        adapter = self.bus.get_object(BLUEZ, self.adapter_path)
        adapter.Set("org.bluez.Adapter1", "Powered", True, dbus_interface=PROPS)
        self.adapter = dbus.Interface(adapter, "org.bluez.Adapter1")
        flt = {"Transport": "le", "DuplicateData": True}
        if pattern:
            flt["Pattern"] = pattern
        self.adapter.SetDiscoveryFilter(flt)
        self.adapter.StartDiscovery()
        self.wait("the discovery to run", lambda: bool(
            adapter.Get("org.bluez.Adapter1", "Discovering", dbus_interface=PROPS)), 30)
        self.log("scanning" + (f" for {pattern}" if pattern else ""))

    def stop_discovery(self):
        try:
            self.adapter.StopDiscovery()
        except dbus.DBusException as e:
            self.log(f"StopDiscovery: {e.get_dbus_name()}")

    def watch_advertisements(self, on_seen):
        """Calls on_seen(path) for each Device1 under our adapter that BlueZ adds or updates
        from an advertising report (not for the connection's own property changes)."""
        prefix = self.adapter_path + "/dev_"
        adv_props = {"RSSI", "TxPower", "Name", "Alias", "UUIDs", "ServiceData",
                     "ManufacturerData", "AdvertisingFlags", "AdvertisingData"}

        def added(path, ifaces):
            if path.startswith(prefix) and "org.bluez.Device1" in ifaces:
                on_seen(str(path))

        def changed(iface, props, invalidated, path=None):
            if iface == "org.bluez.Device1" and path and path.startswith(prefix) and \
                    adv_props & set(str(k) for k in props):
                on_seen(str(path))

        return [
            self.bus.add_signal_receiver(added, "InterfacesAdded",
                                         "org.freedesktop.DBus.ObjectManager"),
            self.bus.add_signal_receiver(changed, "PropertiesChanged", PROPS, BLUEZ,
                                         path_keyword="path"),
        ]

    def advertiser_watch(self, accept):
        """Starts collecting the devices for which accept(path) is true, as watch_advertisements
        reports them; returns (seen list, stop function)."""
        seen = []
        matches = self.watch_advertisements(lambda p: accept(p) and seen.append(p))
        return seen, lambda: [m.remove() for m in matches]

    def wait_advertiser(self, what, seen):
        """Runs until seen (from advertiser_watch) is not empty; restarts the discovery every
        5 s without a report (each restart is a fresh chance on btvirt; see above)."""
        def rescan():
            self.stop_discovery()
            self.adapter.StartDiscovery()
            self.log("nothing yet: discovery restarted")

        t = time.monotonic()
        self.wait(what, lambda: bool(seen), self.args.scan_timeout, rescan, interval=5)
        self.log(f"advertising report after {time.monotonic() - t:.2f}s")
        return seen[0]

    def discover(self):
        """Finds the advertiser by name or SMP service, as a fresh Device1 object."""
        self.adapter = dbus.Interface(self.bus.get_object(BLUEZ, self.adapter_path),
                                      "org.bluez.Adapter1")
        # forget what an earlier run left: its name and services may be stale
        for path in self.objects("org.bluez.Device1", self.adapter_path + "/"):
            self.adapter.RemoveDevice(dbus.ObjectPath(path))
        self.start_discovery()

        def accept(path):
            try:
                dev = self.bus.get_object(BLUEZ, path).GetAll(
                    "org.bluez.Device1", dbus_interface=PROPS)
            except dbus.DBusException:
                return False
            return self.device_matches(dev)

        seen, unwatch = self.advertiser_watch(accept)
        if self.args.ready_file:
            open(self.args.ready_file, "w").close()
        try:
            found = self.find_device()
            path = found[0] if found else self.wait_advertiser(
                f"an advertiser named {self.args.name}", seen)
        finally:
            unwatch()
        self.stop_discovery()
        return path

    def connect(self, path):
        dev = self.bus.get_object(BLUEZ, path).GetAll("org.bluez.Device1",
                                                      dbus_interface=PROPS)
        self.log(f"found {dev['Address']} name={dev.get('Name', '?')}")
        if str(dev.get("Name", "")) != self.args.name:
            raise Failure(f"advertised name {dev.get('Name')!r}, expected {self.args.name!r}")
        self.dev_path = path
        self.address = str(dev["Address"])
        self.dev = dbus.Interface(self.bus.get_object(BLUEZ, path), "org.bluez.Device1")
        self.dev.Connect(timeout=30)
        props = dbus.Interface(self.bus.get_object(BLUEZ, path), PROPS)
        self.wait("service discovery",
                  lambda: bool(props.Get("org.bluez.Device1", "ServicesResolved")), 30)
        chrs = [p for p, c in self.objects(CHR_IFACE, path + "/").items()
                if str(c["UUID"]).lower() == SMP_CHARACTERISTIC]
        if not chrs:
            raise Failure("no SMP characteristic")
        flags = [str(f) for f in self.objects(CHR_IFACE, chrs[0])[chrs[0]]["Flags"]]
        self.log(f"SMP characteristic {chrs[0]} flags={flags}")
        if "write-without-response" not in flags or "notify" not in flags:
            raise Failure(f"characteristic flags {flags}")
        self.chr_obj = self.bus.get_object(BLUEZ, chrs[0])
        self.chr = dbus.Interface(self.chr_obj, CHR_IFACE)
        if getattr(self, "notify_match", None):
            self.notify_match.remove()
        self.notify_match = self.bus.add_signal_receiver(self.on_props, "PropertiesChanged",
                                                         PROPS, path=chrs[0])
        self.chr.StartNotify()
        self.wait("notifications", lambda: bool(
            self.chr_obj.Get(CHR_IFACE, "Notifying", dbus_interface=PROPS)), 10)
        mtu = int(self.chr_obj.Get(CHR_IFACE, "MTU", dbus_interface=PROPS))
        self.write_size = min(mtu - 3, 510)
        self.log(f"connected, ATT MTU {mtu}, writes of {self.write_size} bytes")

    # ---- SMP ----

    def on_props(self, iface, changed, invalidated):
        if "Value" not in changed:
            return
        self.rx += bytes(changed["Value"])
        while len(self.rx) >= 8:
            total = 8 + struct.unpack_from(">H", self.rx, 2)[0]
            if len(self.rx) < total:
                break
            self.responses.append(bytes(self.rx[:total]))
            del self.rx[:total]

    def request(self, op, group, cmd, body, timeout=20):
        payload = cbor2.dumps(body)
        seq = self.seq
        self.seq = (self.seq + 1) & 0xff
        frame = struct.pack(">BBHHBB", (SMP_V2 << 3) | op, 0, len(payload), group, seq, cmd)
        frame += payload
        for off in range(0, len(frame), self.write_size):
            self.chr.WriteValue(dbus.ByteArray(frame[off:off + self.write_size]),
                                {"type": "command"})
        self.wait(f"the response to seq {seq} (group {group} id {cmd})",
                  lambda: any(r[6] == seq for r in self.responses), timeout)
        rsp = next(r for r in self.responses if r[6] == seq)
        self.responses.remove(rsp)
        hdr = struct.unpack_from(">BBHHBB", rsp)
        if hdr[0] != ((SMP_V2 << 3) | (op + 1)) or hdr[3] != group or hdr[5] != cmd:
            raise Failure(f"response header {hdr} does not answer op {op} group {group} id {cmd}")
        return cbor2.loads(rsp[8:])

    def check_echo(self):
        text = "hello from the VM " + "x" * 600  # longer than one notification
        rsp = self.request(OP_WRITE, 0, 0, {"d": text})
        if rsp != {"r": text}:
            raise Failure(f"echo answered {rsp!r}")
        self.log(f"echo OK ({len(text)} characters)")

    def check_upload(self):
        image = open(self.args.image, "rb").read()
        sha = hashlib.sha256(image).digest()
        expected_hash = image_hash_tlv(image)
        off = 0
        t = time.monotonic()
        while off < len(image):
            chunk = image[off:off + self.args.chunk]
            body = {"off": off, "data": chunk}
            if off == 0:
                body.update({"image": 0, "len": len(image), "sha": sha})
            rsp = self.request(OP_WRITE, 1, 1, body, timeout=60)
            if "off" not in rsp or rsp.get("rc", 0) != 0 or "err" in rsp:
                raise Failure(f"upload at {off} answered {rsp!r}")
            off = rsp["off"]
        if rsp.get("match") is not True:
            raise Failure(f"the last upload response {rsp!r} has no match=true")
        self.log(f"uploaded {len(image)} bytes in {time.monotonic() - t:.2f}s, match=true")
        state = self.request(OP_READ, 1, 0, {})
        slots = {(s.get("image", 0), s["slot"]): s for s in state.get("images", [])}
        if (0, 1) not in slots or slots[(0, 1)].get("hash") != expected_hash:
            raise Failure(f"image state {state!r} has no slot 1 with hash {expected_hash.hex()}")
        self.log(f"image state: slot 1 holds {expected_hash.hex()} "
                 f"version {slots[(0, 1)].get('version')}")

    def check_reset(self):
        """OS reset: the device answers, drops the link, advertises again after its swap time.

        As an updater must: keep the Device1 object (a new one would need a new report) and
        scan for its address before the reset, so the new advertisement finds a running
        discovery; it then shows as a PropertiesChanged (RSSI, ...) on the known object."""
        self.start_discovery(pattern=self.address)
        props = dbus.Interface(self.bus.get_object(BLUEZ, self.dev_path), PROPS)
        seen, unwatch = self.advertiser_watch(lambda p: p == self.dev_path and not bool(
            props.Get("org.bluez.Device1", "Connected")))
        try:
            self.request(OP_WRITE, 0, 5, {})
            self.wait("the device to disconnect after reset",
                      lambda: not bool(props.Get("org.bluez.Device1", "Connected")), 30)
            self.log("disconnected by the reset, waiting for its advertisement")
            self.rx.clear()
            self.responses.clear()
            self.wait_advertiser(f"{self.address} to advertise again", seen)
        finally:
            unwatch()
        self.stop_discovery()
        self.connect(self.dev_path)

    def run(self):
        try:
            self.connect(self.discover())
            for check in self.args.checks.split(","):
                getattr(self, "check_" + check)()
            self.dev.Disconnect()
            self.log("PASS")
            return 0
        except (Failure, dbus.DBusException) as e:
            self.log(f"FAIL: {e}")
            return 1


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--adapter", default="hci0")
    ap.add_argument("--name", default="dfud-sim")
    ap.add_argument("--checks", default="echo,upload")
    ap.add_argument("--image", help="the image file for the upload check")
    ap.add_argument("--chunk", type=int, default=512, help="image bytes per upload request")
    ap.add_argument("--scan-timeout", type=float, default=60)
    ap.add_argument("--ready-file", help="created once the first discovery runs")
    args = ap.parse_args()
    dbus.mainloop.glib.DBusGMainLoop(set_as_default=True)
    return Central(args).run()


if __name__ == "__main__":
    sys.exit(main())
