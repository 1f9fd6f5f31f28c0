#!/usr/bin/python3
# Copyright 2026 The dfud authors
# SPDX-License-Identifier: LGPL-2.1-or-later
"""A fake bluetoothd for tests/daemon/test-bluez-watch: org.bluez's ObjectManager at /.

usage: fake-bluez.py BUS_ADDRESS

Driven by lines on stdin; each command is answered by one line on stdout, "ok" or "error: ...".
Values are in GVariant text format, so a test can also send properties of the wrong type.

  add PATH IFACE PROPS       PROPS an a{sv}, e.g. {'Address': <'AA:BB:CC:DD:EE:FF'>}
  set PATH IFACE PROP VALUE  PropertiesChanged with PROP = VALUE
  invalidate PATH IFACE PROP PropertiesChanged with PROP invalidated
  remove PATH [IFACE...]     InterfacesRemoved (all interfaces of PATH without IFACE)
  own                        take the name org.bluez (objects added before are there at once)
  calls                      answered "ok CALL;CALL;..." : the Adapter1 discovery calls so far
                             ("hci0 StartDiscovery :1.5 ok"), then forgotten

An Adapter1 added answers SetDiscoveryFilter, StartDiscovery and StopDiscovery as bluetoothd
5.66 does: one session and one filter per client (a second StartDiscovery from the same client
is org.bluez.Error.InProgress), Discovering follows whether any session runs.
  quit                       exit, as bluetoothd stopping does (so does the end of stdin)

Signals are only sent once the name is owned; before that the objects are just stored, so a test
can build the world bluetoothd starts with.
"""

import os
import sys

import gi

gi.require_version("Gio", "2.0")
from gi.repository import Gio, GLib  # noqa: E402

OBJECT_MANAGER_XML = """
<node>
  <interface name="org.freedesktop.DBus.ObjectManager">
    <method name="GetManagedObjects">
      <arg name="objects" type="a{oa{sa{sv}}}" direction="out"/>
    </method>
    <signal name="InterfacesAdded">
      <arg name="object" type="o"/>
      <arg name="interfaces" type="a{sa{sv}}"/>
    </signal>
    <signal name="InterfacesRemoved">
      <arg name="object" type="o"/>
      <arg name="interfaces" type="as"/>
    </signal>
  </interface>
</node>
"""


ADAPTER_XML = """
<node>
  <interface name="org.bluez.Adapter1">
    <method name="SetDiscoveryFilter"><arg name="filter" type="a{sv}" direction="in"/></method>
    <method name="StartDiscovery"/>
    <method name="StopDiscovery"/>
  </interface>
</node>
"""


class FakeBluez:
    def __init__(self, address):
        flags = (
            Gio.DBusConnectionFlags.AUTHENTICATION_CLIENT
            | Gio.DBusConnectionFlags.MESSAGE_BUS_CONNECTION
        )
        self.bus = Gio.DBusConnection.new_for_address_sync(address, flags, None, None)
        self.bus.set_exit_on_close(False)
        # path -> iface -> name -> GVariant, in insertion order
        self.objects = {}
        self.owned = False
        self.loop = GLib.MainLoop()
        self.buf = b""
        info = Gio.DBusNodeInfo.new_for_xml(OBJECT_MANAGER_XML).interfaces[0]
        # registered before the name is taken: a client that sees the name asks at once
        self.bus.register_object("/", info, self.on_method_call, None, None)
        self.adapter_info = Gio.DBusNodeInfo.new_for_xml(ADAPTER_XML).interfaces[0]
        self.calls = []
        self.discovering = {}  # adapter path -> set of client names with a session

    def managed_objects(self):
        return GLib.Variant(
            "a{oa{sa{sv}}}",
            {
                path: {iface: props for iface, props in ifaces.items()}
                for path, ifaces in self.objects.items()
            },
        )

    def on_method_call(self, bus, sender, path, iface, method, params, invocation):
        if method == "GetManagedObjects":
            invocation.return_value(GLib.Variant.new_tuple(self.managed_objects()))
        else:
            invocation.return_dbus_error("org.freedesktop.DBus.Error.UnknownMethod", method)

    def on_adapter_call(self, bus, sender, path, iface, method, params, invocation):
        name = path.rsplit("/", 1)[-1]
        sessions = self.discovering.setdefault(path, set())
        before = bool(sessions)
        if method == "SetDiscoveryFilter":
            uuids = params.unpack()[0].get("UUIDs", [])
            self.calls.append(f"{name} SetDiscoveryFilter {sender} {','.join(uuids)}")
            invocation.return_value(None)
            return
        if method == "StartDiscovery" and sender in sessions:
            self.calls.append(f"{name} StartDiscovery {sender} busy")
            invocation.return_dbus_error("org.bluez.Error.InProgress", "Operation already in progress")
            return
        if method == "StopDiscovery" and sender not in sessions:
            self.calls.append(f"{name} StopDiscovery {sender} not-ready")
            invocation.return_dbus_error("org.bluez.Error.Failed", "No discovery started")
            return
        if method == "StartDiscovery":
            sessions.add(sender)
        else:
            sessions.discard(sender)
        self.calls.append(f"{name} {method} {sender} ok")
        invocation.return_value(None)
        if bool(sessions) != before:
            self.cmd_set(path, "org.bluez.Adapter1", "Discovering",
                         "true" if sessions else "false")

    def emit(self, path, iface, member, params):
        if self.owned:
            self.bus.emit_signal(None, path, iface, member, params)

    def cmd_add(self, path, iface, props_text):
        props = GLib.Variant.parse(GLib.VariantType.new("a{sv}"), props_text, None, None)
        if iface == "org.bluez.Adapter1" and path not in self.discovering:
            self.discovering[path] = set()
            self.bus.register_object(path, self.adapter_info, self.on_adapter_call, None, None)
        stored = self.objects.setdefault(path, {}).setdefault(iface, {})
        for i in range(props.n_children()):
            entry = props.get_child_value(i)
            stored[entry.get_child_value(0).get_string()] = entry.get_child_value(1).get_variant()
        self.emit(
            "/",
            "org.freedesktop.DBus.ObjectManager",
            "InterfacesAdded",
            GLib.Variant("(oa{sa{sv}})", (path, {iface: stored})),
        )

    def cmd_set(self, path, iface, prop, value_text):
        value = GLib.Variant.parse(None, value_text, None, None)
        self.objects[path][iface][prop] = value
        self.emit(
            path,
            "org.freedesktop.DBus.Properties",
            "PropertiesChanged",
            GLib.Variant("(sa{sv}as)", (iface, {prop: value}, [])),
        )

    def cmd_invalidate(self, path, iface, prop):
        self.objects[path][iface].pop(prop, None)
        self.emit(
            path,
            "org.freedesktop.DBus.Properties",
            "PropertiesChanged",
            GLib.Variant("(sa{sv}as)", (iface, {}, [prop])),
        )

    def cmd_remove(self, path, *ifaces):
        present = self.objects[path]
        gone = list(ifaces) if ifaces else list(present.keys())
        for iface in gone:
            present.pop(iface)
        if not present:
            del self.objects[path]
        self.emit(
            "/",
            "org.freedesktop.DBus.ObjectManager",
            "InterfacesRemoved",
            GLib.Variant("(oas)", (path, gone)),
        )

    def cmd_own(self):
        # 0x4: DBUS_NAME_FLAG_DO_NOT_QUEUE
        reply = self.bus.call_sync(
            "org.freedesktop.DBus",
            "/org/freedesktop/DBus",
            "org.freedesktop.DBus",
            "RequestName",
            GLib.Variant("(su)", ("org.bluez", 4)),
            GLib.VariantType.new("(u)"),
            Gio.DBusCallFlags.NONE,
            -1,
            None,
        )
        if reply.unpack()[0] != 1:
            raise RuntimeError("org.bluez not granted: %d" % reply.unpack()[0])
        self.owned = True

    def run_line(self, line):
        words = line.split(" ", 3)
        op = words[0]
        if op == "add":
            self.cmd_add(words[1], words[2], words[3])
        elif op == "set":
            path, iface, rest = words[1], words[2], words[3]
            prop, value_text = rest.split(" ", 1)
            self.cmd_set(path, iface, prop, value_text)
        elif op == "invalidate":
            self.cmd_invalidate(words[1], words[2], words[3])
        elif op == "remove":
            self.cmd_remove(*line.split()[1:])
        elif op == "own":
            self.cmd_own()
        elif op == "calls":
            calls, self.calls = self.calls, []
            return "ok " + ";".join(calls)
        elif op == "quit":
            self.loop.quit()
        else:
            raise ValueError("unknown command %r" % op)

    def on_stdin(self, fd, condition):
        data = os.read(fd, 65536)
        if not data:
            self.loop.quit()
            return GLib.SOURCE_REMOVE
        self.buf += data
        while b"\n" in self.buf:
            raw, self.buf = self.buf.split(b"\n", 1)
            line = raw.decode("utf-8").strip()
            if not line:
                continue
            try:
                answer = self.run_line(line) or "ok"
            except Exception as e:  # the test reads the reason and fails
                answer = "error: %s" % e
            # the signals must be on the bus before the test waits for their effect
            self.bus.flush_sync(None)
            sys.stdout.write(answer + "\n")
            sys.stdout.flush()
            if not self.loop.is_running():
                break
        return GLib.SOURCE_CONTINUE

    def run(self):
        GLib.unix_fd_add_full(
            GLib.PRIORITY_DEFAULT, sys.stdin.fileno(), GLib.IOCondition.IN | GLib.IOCondition.HUP,
            self.on_stdin
        )
        self.loop.run()
        self.bus.flush_sync(None)
        self.bus.close_sync(None)


def main():
    if len(sys.argv) != 2:
        sys.stderr.write("usage: fake-bluez.py BUS_ADDRESS\n")
        return 2
    FakeBluez(sys.argv[1]).run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
