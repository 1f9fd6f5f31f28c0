#!/usr/bin/python3
# Copyright 2026 The dfud authors
# SPDX-License-Identifier: LGPL-2.1-or-later
"""dfud-hawkbit and dfud killed (SIGKILL) in the middle of a rollout: no action is applied
twice, each ends with one closing feedback carrying dfud's real result, also for jobs that
ended while the connector was away (found in dfud's history)."""

import hbtest
from ddiserver import Action
from dfudtest import HASHES
from hbtest import data, read

OLD = "hashonly_1k_v1.2.3+4.bin"
NEW = "hashonly_60k_v2.0.0.bin"
BIG = "hashonly_300k_v1.0.0.bin"
COUNT = 4


class RestartTest(hbtest.HawkbitTestCase):
    # finished jobs leave the bus at once: a job that ended while the connector was away is
    # only in GetHistory
    config = "[Daemon]\nJobLinger=1\n"

    def rollout(self, action, artifact):
        for k in range(COUNT):
            self.server.assign(f"dev-{k}", action, [artifact])

    def wait_uploading(self, action):
        for k in range(COUNT):
            self.wait_feedback(f"dev-{k}", "uploading", 60, action)

    def check_closed(self, results, action, devices, jobs):
        for k in range(COUNT):
            execution, finished, details = results[f"dev-{k}"]
            self.assertEqual((execution, finished), ("closed", "success"), f"dev-{k}: {details}")
            self.assertRegex(" ".join(details), r"dfud job \d+: verified")
            fb = [b["status"]["execution"] for _, a, b in self.server.feedback_of(f"dev-{k}")
                  if a == str(action)]
            self.assertEqual(fb.count("closed"), 1, f"dev-{k}: {fb}")
            entries = self.history(device=devices[k])
            self.assertEqual(len(entries), jobs, f"dev-{k}: an action applied twice? {entries}")
            self.assertEqual(entries[0]["result"], "verified", entries)

    def test_restarts(self):
        sim = self.start_sim("--slot0", hbtest.data(OLD), *hbtest.dfudtest.SLOW_DEVICE,
                             count=COUNT)
        self.start_daemon()
        devices = [self.add_device(uri, name=f"dev-{k}") for k, uri in enumerate(sim.uris)]
        ids = [f"dev-{k}" for k in range(COUNT)]
        big = self.server.artifact(1, "big.bin", read(BIG))
        new = self.server.artifact(2, "new.bin", read(NEW))

        # 1. the connector dies during the uploads and comes back
        self.rollout(1, big)
        self.start_connector()
        self.wait_uploading(1)
        self.kill_connector()
        self.start_connector()
        self.check_closed(self.wait_closed(ids, 120), 1, devices, 1)

        # 2. dfud dies during the uploads: its jobs resume, the connector follows them again
        self.rollout(2, new)
        self.wait_uploading(2)
        self.kill_daemon()
        self.spin(1)
        self.start_daemon()
        self.check_closed(self.wait_closed(ids, 120), 2, devices, 2)

        # 3. the connector is away while the jobs end: reported from dfud's history
        self.rollout(3, big)
        self.wait_uploading(3)
        self.kill_connector()
        # a job may skip its upload (the swap left this image in the secondary slot) and end
        # before the kill: those are closed already
        away = [k for k in range(COUNT) if self.server.closed(f"dev-{k}", 3) is None]
        self.assertTrue(away, "every job of the third rollout ended before the connector died")
        self.wait_for(lambda: all(len(self.history(device=d)) == 3 for d in devices), 120,
                      "the third jobs to end in dfud")
        # JobLinger: gone from the bus, only in the history
        self.wait_for(lambda: not any("/Job/" in path for path in self.managed_objects()), 30,
                      "the ended jobs to leave the bus")
        self.start_connector()
        self.check_closed(self.wait_closed(ids, 60), 3, devices, 3)
        with open(self.hb_log) as f:
            log = f.read()
        self.assertEqual(log.count("ended while away: verified"), len(away),
                         f"the third jobs of dev-{away} were not all found in dfud's history")

        # 4. a server that offers a closed action again (its state lost) gets it not applied
        with self.server.lock:
            act = self.server.targets["dev-0"].action
            act.open = True
            act.result = None
        self.spin(4)
        self.assertEqual(len(self.history(device=devices[0])), 3, "an action applied twice")
        with open(self.hb_log) as f:
            self.assertIn("dev-0: action 3 was closed already: not applied again", f.read())
        self.assert_no_violations()


class InstalledTest(hbtest.HawkbitTestCase):
    """the server's installedBase against what the device runs, in configData (DDI takes no
    feedback on a closed action): a device that runs it, one that went back since; after an
    update and after a restart of the connector, checked again and nothing applied again"""

    config = "[Daemon]\nJobLinger=600\n"

    def wait_config(self, cid, key, value, timeout):
        def attrs():
            return self.server.target(cid).config_data or {}
        self.wait_for(lambda: attrs().get(key) == value, timeout,
                      f"{cid}'s configData {key}={value!r}", lambda: str(attrs()))

    def test_installed_base(self):
        sim = self.start_sim("--slot0", data(OLD), "--time-scale=0", count=2)
        self.start_daemon()
        kept = self.add_device(sim.uris[0], name="kept")
        reverted = self.add_device(sim.uris[1], name="reverted")
        srv = self.server
        old = srv.artifact(1, "app.bin", read(OLD))
        new = srv.artifact(2, "app.bin", read(NEW))
        # the server's record from before: action 50 installed OLD (which the device runs),
        # action 51 installed NEW (the device has gone back to OLD since)
        for cid, act in (("kept", Action(50, [old])), ("reverted", Action(51, [new]))):
            act.open = False
            act.result = ("closed", "success", ["from before"])
            srv.target(cid).installed = act
        self.start_connector()
        self.wait_config("kept", "dfud.installed", "running", 30)
        self.wait_config("reverted", "dfud.installed",
                         f"not running: image 0 is {HASHES[OLD][:8]}, the action installed "
                         f"{HASHES[NEW][:8]}", 30)
        self.assertEqual(srv.target("kept").config_data["dfud.installed-action"], "50")
        self.assertEqual(srv.target("reverted").config_data["dfud.installed-action"], "51")
        self.assertEqual(self.history(device=kept), [])
        self.assertEqual(self.history(device=reverted), [])
        # an update: the installedBase becomes its action, checked once it closed
        srv.assign("kept", 52, [new])
        result = self.wait_closed(["kept"], 60)["kept"]
        self.assertEqual(result[:2], ("closed", "success"), result)
        self.wait_config("kept", "dfud.installed-action", "52", 30)
        self.assertEqual(srv.target("kept").config_data["dfud.installed"], "running")
        # a restart: the journal closed action 52: read again, reported, never applied again
        self.kill_connector()
        gets = srv.target("kept").installed_gets
        srv.target("kept").config_data = None
        self.start_connector()
        self.wait_config("kept", "dfud.installed", "running", 30)
        self.assertEqual(srv.target("kept").config_data["dfud.installed-action"], "52")
        self.assertGreater(srv.target("kept").installed_gets, gets)
        self.spin(2)
        self.assertEqual([e["result"] for e in self.history(device=kept)], ["verified"])
        self.assertEqual(self.history(device=reverted), [])
        self.assert_no_violations()


if __name__ == "__main__":
    hbtest.dfudtest.main()
