#!/usr/bin/python3
# Copyright 2026 The dfud authors
# SPDX-License-Identifier: LGPL-2.1-or-later
"""A hawkBit rollout to 20 dfud-sim devices behind one dfud, through dfud-hawkbit, with faults
on the server, on the artifacts and on the devices: every target ends with the feedback its
case deserves, and only what dfud verified is reported a success."""

import hashlib
import re

import hbtest
from hbtest import read

OLD = "hashonly_1k_v1.2.3+4.bin"
NEW = "hashonly_60k_v2.0.0.bin"
BIG = "hashonly_300k_v1.0.0.bin"
COUNT = 20


class RolloutTest(hbtest.HawkbitTestCase):
    config = "[Daemon]\nJobLinger=600\n"

    def test_rollout(self):
        # device 6 boots its old image again after the reset: Reverted
        sim = self.start_sim("--slot0", hbtest.data(OLD), "--time-scale=0",
                             "--fault=corrupt-image:device=6", count=COUNT)
        self.start_daemon()
        devices = [self.add_device(uri, name=f"dev-{k}") for k, uri in enumerate(sim.uris)]
        srv = self.server
        good = srv.artifact(1, "app-2.0.0.bin", read(NEW))
        # broken twice (a 503, then a transfer cut half-way): resumed with a Range request
        flaky = srv.artifact(2, "app-1.0.0.bin", read(BIG))
        flaky.fail_first = 1
        flaky.truncate_first = 1
        # the server announces a sha256 that is not the file's
        lying = srv.artifact(3, "lying.bin", read(NEW) + b"x",
                             announce_sha256=hashlib.sha256(b"something else").hexdigest())
        # dfud refuses it before any device is touched
        broken = srv.artifact(4, "broken.bin", read("broken_bad-magic.bin"))
        notes = srv.artifact(5, "notes.txt", b"release notes\n")
        # the server fails the first polls of device 5
        srv.target("dev-5").poll_fail_first = 3
        plan = {k: good for k in range(COUNT)}
        plan.update({2: flaky, 3: lying, 4: broken})
        for k in range(COUNT):
            arts = [notes] if k == 7 else [plan[k]]
            if k == 8:
                arts = [good, notes]  # the firmware among other files
            srv.assign(f"dev-{k}", 100 + k, arts)

        self.start_connector()
        ids = [f"dev-{k}" for k in range(COUNT)]
        results = self.wait_closed(ids, 180)

        for k in range(COUNT):
            execution, finished, details = results[f"dev-{k}"]
            text = " | ".join(details)
            if k in (3, 4, 6, 7):
                self.assertEqual((execution, finished), ("closed", "failure"), f"dev-{k}: {text}")
            else:
                self.assertEqual((execution, finished), ("closed", "success"), f"dev-{k}: {text}")
                self.assertRegex(text, r"dfud job \d+: verified", f"dev-{k}")
        self.assertIn("org.dfud.Dfu1.Error.ImageHashMismatch", results["dev-3"][2][0])
        self.assertIn("sha256", results["dev-3"][2][0])
        self.assertIn("org.dfud.Dfu1.Error.ImageBadMagic", results["dev-4"][2][0])
        self.assertIn("before the device was touched", " ".join(results["dev-4"][2]))
        self.assertIn("org.dfud.Dfu1.Error.Reverted", results["dev-6"][2][0])
        self.assertIn("org.dfud.Dfu1.Error.UnknownFormat", results["dev-7"][2][0])

        # what dfud did: one job per updated device, none for those refused before
        for k, device in enumerate(devices):
            entries = self.history(device=device)
            if k in (3, 4, 7):
                self.assertEqual(entries, [], f"dev-{k} was touched: {entries}")
            else:
                self.assertEqual(len(entries), 1, f"dev-{k}: {entries}")
                want = "failed" if k == 6 else "verified"
                self.assertEqual(entries[0]["result"], want, f"dev-{k}: {entries}")
        for e in sim.events():
            if e.get("command") == "image upload":
                self.assertNotIn(e.get("device", 0), (3, 4, 7), f"an upload to a refused one: {e}")

        # proceeding feedback with the job's stage and progress before the one end (a fast
        # job may pass its first stages before the connector's proxy of it is ready: the
        # stages of slow uploads are in the cancel and restart tests)
        for k in (0, 2):
            fb = [b["status"] for _, _, b in srv.feedback_of(f"dev-{k}")]
            self.assertTrue(any(s["execution"] == "proceeding" and
                                " ".join(s.get("details", [])).startswith("dfud job ") and
                                s["result"].get("progress", {}).get("of") == 100 for s in fb),
                            f"dev-{k}: no stage with progress: {fb}")
            self.assertEqual(sum(s["execution"] == "closed" for s in fb), 1, fb)
            self.assertEqual(fb[-1]["execution"], "closed", fb)
            # the first stage seen says so when the ones before it passed unseen
            first = next(" ".join(s["details"]) for s in fb if s["execution"] == "proceeding"
                         and " ".join(s.get("details", [])).startswith("dfud job "))
            self.assertTrue(re.fullmatch(r"dfud job \d+: (queued|connecting)", first) or
                            first.endswith("(first seen at this stage: the ones before it "
                                           "passed unseen)"), first)

        # one download of the shared artifact for its 14 targets; the flaky one resumed
        self.assertEqual(len(good.gets), 1, good.gets)
        self.assertEqual([g[2] for g in flaky.gets], [503, 200, 206], flaky.gets)
        self.assertRegex(flaky.gets[2][1], r"^bytes=\d+-$")

        # configData: what dfud says of each device
        for k in (0, 9):
            cfg = srv.targets[f"dev-{k}"].config_data
            self.assertIsNotNone(cfg, f"dev-{k} sent no configData")
            self.assertEqual(cfg.get("dfud.uri"), sim.uris[k], cfg)
            self.assertEqual(cfg.get("dfud.transport"), "udp", cfg)
            self.assertIn("image0.version", cfg)
        self.assert_no_violations()


if __name__ == "__main__":
    hbtest.dfudtest.main()
