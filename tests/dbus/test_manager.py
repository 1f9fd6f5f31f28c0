#!/usr/bin/python3
# Copyright 2026 The dfud authors
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Manager: properties, AddDevice/RemoveDevice, ListJobs, the ObjectManager, and what survives a
restart of dfud (added devices, history, job ids)."""

import os

from gi.repository import GLib

import dfudtest
from dfudtest import DEVICE, ERROR, JOB, MANAGER, ROOT, data

OLD = "hashonly_1k_v1.2.3+4.bin"
NEW = "hashonly_60k_v2.0.0.bin"
FEATURES = {"udp", "ble", "pipelining", "resume", "history", "polkit", "require-signed",
            "serial"}
BAD_URIS = ("", "bogus", "udp:", "udp:127.0.0.1:", "udp:127.0.0.1:70000",
            "udp:127.0.0.1:abc", "udp::1337", "tcp:127.0.0.1:1337", "ble:not-an-address",
            "AA:BB:CC:DD:EE", "AA:BB:CC:DD:EE:FF:00", "udp:127.0.0.1:1337\n",
            "serial:ttyACM0", "serial:/dev/../dev/ttyACM0", "serial:/dev/ttyACM0?baud=1234",
            "udp:[::1:1337",
            # addresses that cannot exist, RFC 1123 names, options (dfud-transport-uri.h)
            "udp:999.1.1.1:5", "udp:1.2.3:5", "udp:0.0.0.0:5", "udp:my_board:5",
            "udp:[fe80::1]:5", "udp:[::1]:5?mtu=1000", "udp:127.0.0.1:5?mtu=100",
            "udp:127.0.0.1:5?att-mtu=600", "udp:127.0.0.1:5?foo=1", "ble:00:00:00:00:00:00",
            "ble:AA:BB:CC:DD:EE:FF?adapter=hci0&adapter=hci1")
# a name that no resolver knows (RFC 6761: .invalid never resolves)
UNKNOWN_HOST = "no-such-device.invalid"


def device_paths(objects):
    return sorted(p for p, ifaces in objects.items() if DEVICE in ifaces)


def job_paths(objects):
    return sorted(p for p, ifaces in objects.items() if JOB in ifaces)


class ManagerTest(dfudtest.DfudTestCase):
    def test_manager(self):
        sim = self.start_sim("--slot0", data(OLD), "--time-scale=0", count=2)
        self.start_daemon()

        props = self.props(ROOT, MANAGER)
        self.assertEqual(props["Version"], os.environ["DFUD_VERSION"])
        features = set(props["Features"])
        self.assertLessEqual(features, FEATURES, "undocumented features")
        self.assertLessEqual({"udp", "pipelining", "resume", "history"}, features)
        self.assertEqual(props["Adapters"], [])  # --bluez-bus=none
        self.assertEqual(props["ActiveJobs"], [])
        self.assertEqual(self.list_jobs(), [])
        self.assertEqual(self.history(), [])
        self.assertEqual(device_paths(self.managed_objects()), [])

        for uri in BAD_URIS:
            self.assert_call_error(ERROR + "InvalidArgument", ROOT, MANAGER, "AddDevice",
                                   GLib.Variant("(sa{sv})", (uri, {})), "(o)")
        self.assert_call_error(ERROR + "InvalidArgument", ROOT, MANAGER, "AddDevice",
                               GLib.Variant("(sa{sv})", (sim.uris[0],
                                                         {"name": GLib.Variant("u", 1)})),
                               "(o)")
        self.assertEqual(device_paths(self.managed_objects()), [])

        kept = self.add_device(sim.uris[0], name="bench")
        port = sim.uris[0].rsplit(":", 1)[1]
        self.assertEqual(kept, f"{ROOT}/Device/udp_127_0_0_1_{port}")
        p = self.props(kept, DEVICE)
        self.assertEqual(p["Uri"], sim.uris[0])
        self.assertEqual(p["Address"], f"127.0.0.1:{port}")
        self.assertEqual(p["Name"], "bench")
        self.assertEqual(p["Transport"], "udp")
        self.assertEqual(p["BluezDevice"], "/")
        self.assertTrue(p["Added"])
        self.assertFalse(p["Connected"])
        self.assertEqual(p["Images"], [])
        self.assertEqual(p["State"], "idle")
        self.assertEqual(p["CurrentJob"], "/")
        self.assertEqual(p["LastUpdate"], {})
        # a known device is returned as it is
        self.assertEqual(self.add_device(sim.uris[0]), kept)
        self.assertEqual(self.prop(kept, DEVICE, "Name"), "bench")

        ble = self.add_device("AA:BB:CC:DD:EE:FF", name="ble one")
        self.assertEqual(ble, f"{ROOT}/Device/dev_AA_BB_CC_DD_EE_FF")
        p = self.props(ble, DEVICE)
        self.assertEqual(p["Transport"], "ble")
        self.assertEqual(p["Address"], "AA:BB:CC:DD:EE:FF")
        self.assertTrue(p["Added"])
        self.assertEqual(self.add_device("ble:AA:BB:CC:DD:EE:FF"), ble)

        removed = self.add_device(sim.uris[1])
        self.assertEqual(device_paths(self.managed_objects()), sorted([kept, ble, removed]))
        self.spin(0.2)
        added = [args[0] for _, path, member, args in self.signals.events
                 if member == "InterfacesAdded"]
        self.assertLessEqual({kept, ble, removed}, set(added))

        self.call(ROOT, MANAGER, "RemoveDevice", GLib.Variant("(o)", (removed,)))
        self.assertEqual(device_paths(self.managed_objects()), sorted([kept, ble]))
        self.spin(0.2)
        gone = [args[0] for _, path, member, args in self.signals.events
                if member == "InterfacesRemoved"]
        self.assertIn(removed, gone)
        for path in (removed, f"{ROOT}/Device/nope"):
            self.assert_call_error(ERROR + "NotFound", ROOT, MANAGER, "RemoveDevice",
                                   GLib.Variant("(o)", (path,)))

        # a job: listed by ListJobs and the ObjectManager
        job = self.update(kept, data(NEW))
        self.assertEqual(self.list_jobs(), [job])
        props = self.wait_job_final(job)
        self.assert_job_verified(job, props)
        first_id = props["Id"]
        self.assertEqual(self.list_jobs(), [job])  # JobLinger keeps it
        objects = self.managed_objects()
        self.assertEqual(job_paths(objects), [job])
        self.assertEqual(objects[job][JOB]["Status"], "done")
        self.assertEqual(objects[kept][DEVICE]["Uri"], sim.uris[0])
        self.wait_device_idle(kept)

        # a restart keeps the added devices, the removed one stays away; history persists
        self.stop_daemon()
        self.start_daemon()
        objects = self.managed_objects()
        self.assertEqual(device_paths(objects), sorted([kept, ble]))
        self.assertEqual(objects[kept][DEVICE]["Name"], "bench")
        self.assertTrue(objects[kept][DEVICE]["Added"])
        self.assertEqual(objects[ble][DEVICE]["Name"], "ble one")
        entries = self.history()
        self.assertEqual([e["job"] for e in entries], [first_id])

        # job ids are never reused; the same image again is up to date
        job = self.update(kept, data(NEW))
        props = self.wait_job_final(job)
        self.assertGreater(props["Id"], first_id)
        self.assertEqual((props["Status"], props["Result"]), ("done", "up-to-date"),
                         dfudtest.describe_job(props))
        entries = self.history()
        self.assertEqual([(e["job"], e["result"]) for e in entries],
                         [(props["Id"], "up-to-date"), (first_id, "verified")])
        self.assertEqual(len(self.history(limit=1)), 1)
        self.assertEqual(self.history(device=ble), [])

    def test_add_device_uris(self):
        """AddDevice: what is wrong with a URI, host names resolved or refused, options kept in
        the canonical form, one device per address"""
        sim = self.start_sim("--slot0", data(OLD), "--time-scale=0")
        self.start_daemon()
        port = sim.uri.rsplit(":", 1)[1]

        message = self.assert_call_error(ERROR + "InvalidArgument", ROOT, MANAGER, "AddDevice",
                                         GLib.Variant("(sa{sv})", ("udp:999.1.1.1:5", {})),
                                         "(o)")
        self.assertIn("\"999.1.1.1\" is not an IPv4 address", message)
        message = self.assert_call_error(ERROR + "InvalidArgument", ROOT, MANAGER, "AddDevice",
                                         GLib.Variant("(sa{sv})", ("tcp:10.0.0.1:5", {})), "(o)")
        self.assertIn("unknown scheme \"tcp:\"", message)

        # a name that does not resolve: NotFound, bounded by the resolver's 15 s
        message = self.assert_call_error(
            ERROR + "NotFound", ROOT, MANAGER, "AddDevice",
            GLib.Variant("(sa{sv})", (f"udp:{UNKNOWN_HOST}:{port}", {})), "(o)")
        self.assertIn(f"\"{UNKNOWN_HOST}\"", message)
        self.assertEqual(device_paths(self.managed_objects()), [])

        # a name that does, kept in lower case; the device answers under it (GLib gives
        # localhost as ::1 first, and the transport takes the first address)
        sim6 = self.start_sim("--udp=[::1]:0", "--slot0", data(OLD), "--time-scale=0")
        port6 = sim6.uri.rsplit(":", 1)[1]
        named = self.add_device(f"udp:LocalHost:{port6}")
        self.assertEqual(named, f"{ROOT}/Device/udp_localhost_{port6}")
        self.assertEqual(self.prop(named, DEVICE, "Uri"), f"udp:localhost:{port6}")
        job = self.update(named, data(NEW))
        self.assert_job_verified(job, self.wait_job_final(job))

        # options in their canonical order; the same address with others is refused
        path = self.add_device(f"udp:127.0.0.1:{port}?att-mtu=247&mtu=1280")
        self.assertEqual(self.prop(path, DEVICE, "Uri"),
                         f"udp:127.0.0.1:{port}?mtu=1280&att-mtu=247")
        self.assertEqual(self.add_device(f"udp:127.0.0.1:{port}?mtu=1280&att-mtu=247"), path)
        message = self.assert_call_error(
            ERROR + "InvalidArgument", ROOT, MANAGER, "AddDevice",
            GLib.Variant("(sa{sv})", (f"udp:127.0.0.1:{port}", {})), "(o)")
        self.assertIn("remove it first", message)
        self.assertEqual(device_paths(self.managed_objects()), sorted([named, path]))


if __name__ == "__main__":
    dfudtest.main()
