#!/usr/bin/python3
# Copyright 2026 The dfud authors
# SPDX-License-Identifier: LGPL-2.1-or-later
"""hawkBit cancels an action at each stage: while the artifact downloads (no device touched),
while dfud uploads (the dfud job is cancelled), and once the device has the image marked
(too late: rejected, and the action still ends with its real result)."""

import hbtest
from hbtest import read

OLD = "hashonly_1k_v1.2.3+4.bin"
NEW = "hashonly_60k_v2.0.0.bin"
BIG = "hashonly_300k_v1.0.0.bin"


class CancelTest(hbtest.HawkbitTestCase):
    config = "[Daemon]\nJobLinger=600\n"

    def test_cancel_stages(self):
        # uploads take seconds (air-time model), the reset 3 s
        sim = self.start_sim("--slot0", hbtest.data(OLD), *hbtest.dfudtest.SLOW_DEVICE,
                             "--reset-delay=3000", count=3)
        self.start_daemon()
        devices = [self.add_device(uri, name=f"dev-{k}") for k, uri in enumerate(sim.uris)]
        srv = self.server
        slow = srv.artifact(1, "slow.bin", read(NEW))
        slow.slow_bytes_per_s = 15000
        big = srv.artifact(2, "big.bin", read(BIG))
        srv.assign("dev-0", 1, [slow])
        srv.assign("dev-1", 2, [big])
        srv.assign("dev-2", 3, [big])
        srv.target("dev-0").cancel_at = "downloading"
        srv.target("dev-1").cancel_at = "uploading"
        srv.target("dev-2").cancel_at = "resetting"
        self.start_connector()
        results = self.wait_closed(["dev-0", "dev-1", "dev-2"], 120)

        # while downloading: confirmed, and dfud never saw it
        self.assertEqual(results["dev-0"][:2], ("canceled", "success"), results["dev-0"])
        self.assertIn("no device was touched", " ".join(results["dev-0"][2]))
        self.assertEqual(self.history(device=devices[0]), [])

        # while uploading: the dfud job is cancelled, then the cancellation confirmed
        self.assertEqual(results["dev-1"][:2], ("canceled", "success"), results["dev-1"])
        entries = self.history(device=devices[1])
        self.assertEqual([e["result"] for e in entries], ["cancelled"], entries)

        # once marked: too late, rejected; the action ends with what dfud did
        answer = srv.targets["dev-2"].action.cancel_answer
        self.assertIsNotNone(answer, "dev-2's cancellation was never answered")
        self.assertEqual(answer[0], "rejected", answer)
        self.assertIn("too late to cancel", " ".join(answer[2]))
        self.assertEqual(results["dev-2"][:2], ("closed", "success"), results["dev-2"])
        entries = self.history(device=devices[2])
        self.assertEqual([e["result"] for e in entries], ["verified"], entries)
        self.assert_no_violations()


if __name__ == "__main__":
    hbtest.dfudtest.main()
