#!/usr/bin/python3
# Copyright 2026 The dfud authors
# SPDX-License-Identifier: LGPL-2.1-or-later
"""What an action holds and when it may run: nRF Connect SDK DFU zips (one and two images) as
one dfud Update; several .bin artifacts (app + net core, an s0/s1 MCUboot pair) as one package
the connector builds, ambiguous sets refused before any device is touched; the
deployment's update=skip and maintenance window, and a server unreachable while a job ends."""

import os
import subprocess
import time
import zipfile

import hbtest
from ddiserver import DdiServer
from hbtest import data, read

OLD = "hashonly_1k_v1.2.3+4.bin"
NEW = "hashonly_60k_v2.0.0.bin"
BIG = "hashonly_300k_v1.0.0.bin"


def zip_member(name, member):
    with zipfile.ZipFile(data(name)) as z:
        return z.read(member)


class PackagesTest(hbtest.HawkbitTestCase):
    config = "[Daemon]\nJobLinger=600\n"

    def test_packages(self):
        net = self.start_sim("--images=2", "--slot0", data(OLD), "--slot0-net", data(OLD),
                             "--time-scale=0", count=2)
        nsib = self.start_sim("--slot0", data(OLD), "--mcuboot-s0", data("mcuboot-s0.bin"),
                              "--mcuboot-s1", data("mcuboot-s1.bin"), "--b0-active", "0",
                              "--time-scale=0")
        refused = ["unknown", "same-image", "zip-and-bin", "bad-value", "not-mcuboot",
                   "pair-and-app"]
        app = self.start_sim("--slot0", data(OLD), "--time-scale=0", count=1 + len(refused))
        self.start_daemon()
        d_multi = self.add_device(net.uris[0], name="multi")
        d_pair = self.add_device(net.uris[1], name="pair")
        d_nsib = self.add_device(nsib.uri, name="nsib")
        d_single = self.add_device(app.uris[0], name="single")
        d_refused = {cid: self.add_device(uri, name=cid)
                     for cid, uri in zip(refused, app.uris[1:])}
        srv = self.server
        multi = "dfu_application_multi_nrf5340.zip"
        srv.assign("multi", 1, [srv.artifact(1, "dfu_application.zip", read(multi))])
        srv.assign("single", 2, [srv.artifact(2, "dfu_application.zip",
                                              read("dfu_application_single_nrf52840.zip"))])
        # app + net core as two software modules: the app's image from its metadata, the
        # net core's from the SDK's name; one dfud Update of the package they make
        srv.metadata["5"] = {"dfud.image": "0", "other": "x"}
        srv.assign("pair", 3, [srv.artifact(5, "peripheral_lbs.bin",
                                            zip_member(multi, "peripheral_lbs.bin")),
                               srv.artifact(6, "ipc_radio.bin", zip_member(multi, "ipc_radio.bin"))])
        # an upgradable MCUboot's s0/s1 builds, by the names the SDK gives them
        pair = [srv.artifact(7, n, zip_member("dfu_mcuboot.zip", n))
                for n in ("signed_by_mcuboot_and_b0_s1_image.bin",
                          "signed_by_mcuboot_and_b0_mcuboot.bin")]
        srv.assign("nsib", 4, pair)
        # the refused: no image known for either; two for one image; a zip beside a .bin;
        # a metadata value that is no image; an image dfud's package reader refuses; an s0/s1
        # pair with an application
        srv.metadata["12"] = srv.metadata["13"] = {"dfud.image": "1"}
        srv.metadata["16"] = {"dfud.image": "core2"}
        srv.metadata["20"] = {"dfud.image": "0"}
        sets = {
            "unknown": [srv.artifact(10, "app.bin", read(NEW)), srv.artifact(11, "net.bin", read(OLD))],
            "same-image": [srv.artifact(12, "a.bin", read(NEW)), srv.artifact(13, "b.bin", read(OLD))],
            "zip-and-bin": [srv.artifact(14, "dfu_application.zip", read(multi)),
                            srv.artifact(15, "ipc_radio.bin", read(OLD))],
            "bad-value": [srv.artifact(16, "app.bin", read(NEW)),
                          srv.artifact(17, "ipc_radio.bin", read(OLD))],
            "not-mcuboot": [srv.artifact(18, "app.bin", read(NEW)),
                            srv.artifact(19, "ipc_radio.bin", read("broken_bad-magic.bin"))],
            "pair-and-app": pair + [srv.artifact(20, "app.bin", read(NEW))],
        }
        reasons = {
            "unknown": "InvalidArgument: the image of app.bin, net.bin is unknown: give each "
                       "software module the metadata dfud.image",
            "same-image": "InvalidArgument: a.bin and b.bin are both image 1",
            "zip-and-bin": "InvalidArgument: 2 firmware artifacts (dfu_application.zip, "
                           "ipc_radio.bin) with a DFU zip among them",
            "bad-value": 'InvalidArgument: app.bin: the module\'s metadata dfud.image="core2" '
                         "is neither an image number",
            "not-mcuboot": "org.dfud.Dfu1.Error.ImageBadMagic: ipc_radio.bin: bad image magic",
            "pair-and-app": "an s0/s1 MCUboot pair and application images are two updates",
        }
        for k, cid in enumerate(refused):
            srv.assign(cid, 30 + k, sets[cid])
        self.start_connector()
        results = self.wait_closed(["multi", "single", "pair", "nsib"] + refused, 120)
        for cid, device in (("multi", d_multi), ("single", d_single), ("pair", d_pair),
                            ("nsib", d_nsib)):
            self.assertEqual(results[cid][:2], ("closed", "success"), (cid, results[cid]))
            self.assertEqual([e["result"] for e in self.history(device=device)], ["verified"],
                             cid)
        for device in (d_multi, d_pair):
            images = self.call(device, hbtest.dfudtest.DEVICE, "GetImageState", None,
                               "(aa{sv})")[0]
            self.assertEqual(sorted(i["image"] for i in images if i.get("active")), [0, 1],
                             images)
        # the pair runs what the multi-image zip holds: the same images, in one job
        self.assertEqual(*[sorted((i["image"], bytes(i["hash"])) for i in self.call(
            d, hbtest.dfudtest.DEVICE, "GetImageState", None, "(aa{sv})")[0] if i.get("active"))
            for d in (d_multi, d_pair)])
        self.wait_feedback("pair", "downloading peripheral_lbs.bin (82583 bytes, image 0), "
                           "ipc_radio.bin (37528 bytes, image 1)", 1)
        self.wait_feedback("nsib", "signed_by_mcuboot_and_b0_mcuboot.bin (31384 bytes, image "
                           "s0), signed_by_mcuboot_and_b0_s1_image.bin (31382 bytes, image s1)", 1)
        for cid in refused:
            self.assertEqual(results[cid][:2], ("closed", "failure"), (cid, results[cid]))
            self.assertIn(reasons[cid], results[cid][2][0], cid)
            self.assertEqual(results[cid][2][1], "no device was touched", cid)
            self.assertEqual(self.history(device=d_refused[cid]), [], cid)
        self.assert_no_violations()


class TargetTokenTest(hbtest.HawkbitTestCase):
    """no gateway token: each target authenticates with its own TargetToken; one without a
    token is refused by the server (401) and backs off, never updated"""

    config = "[Daemon]\nJobLinger=600\n"

    def extra_config(self):
        return "\n[TargetTokens]\ndev-0=token-of-dev-0\ndev-1=a-wrong-token\n"

    def setUp(self):
        super().setUp()
        # the tests' config carries GatewayToken=gw-secret: the server takes none here
        self.server.gateway_token = None

    def test_target_tokens(self):
        sim = self.start_sim("--slot0", data(OLD), "--time-scale=0", count=3)
        self.start_daemon()
        devices = [self.add_device(uri, name=f"dev-{k}") for k, uri in enumerate(sim.uris)]
        srv = self.server
        art = srv.artifact(1, "app.bin", read(NEW))
        for k in range(3):
            srv.target(f"dev-{k}").token = f"token-of-dev-{k}"
            srv.assign(f"dev-{k}", 20 + k, [art])
        self.start_connector()
        result = self.wait_closed(["dev-0"], 60)["dev-0"]
        self.assertEqual(result[:2], ("closed", "success"), result)
        self.spin(4)
        # dev-1's token is wrong, dev-2 has none but the gateway token the server refuses
        for k in (1, 2):
            self.assertIsNone(srv.closed(f"dev-{k}"))
            self.assertEqual(self.history(device=devices[k]), [])
            refused = [r for r in srv.requests if f"/dev-{k}" in r[2] and r[3] == 401]
            accepted = [r for r in srv.requests if f"/dev-{k}" in r[2] and r[3] != 401]
            self.assertEqual(accepted, [], f"dev-{k}")
            # RetryInterval=1, MaxRetryInterval=2: a few polls, not one per 100 ms
            self.assertTrue(1 <= len(refused) <= 6, f"dev-{k}: {len(refused)} polls refused")
        self.assert_no_violations()


def make_certificates(tmpdir):
    """a CA and a certificate for 127.0.0.1 that it signed, with openssl; returns
    (ca.pem, server.pem, server.key)"""
    def path(name):
        return os.path.join(tmpdir, name)

    def openssl(*args):
        subprocess.run(["openssl"] + list(args), check=True, capture_output=True)

    openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
            "-keyout", path("ca.key"), "-out", path("ca.pem"), "-days", "2",
            "-subj", "/CN=dfud test CA")
    openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
            "-keyout", path("server.key"), "-out", path("server.csr"), "-subj", "/CN=127.0.0.1")
    with open(path("ext"), "w") as f:
        f.write("subjectAltName=IP:127.0.0.1\n")
    openssl("x509", "-req", "-in", path("server.csr"), "-CA", path("ca.pem"), "-CAkey",
            path("ca.key"), "-CAcreateserial", "-out", path("server.pem"), "-days", "2",
            "-extfile", path("ext"))
    return path("ca.pem"), path("server.pem"), path("server.key")


class TlsTest(hbtest.HawkbitTestCase):
    """HTTPS: the server's certificate is verified against [Server] CaFile; without it (the
    system's CAs do not know the test CA) nothing is fetched or installed"""

    config = "[Daemon]\nJobLinger=600\n"

    def setUp(self):
        super().setUp()
        self.server.stop()
        self.ca, cert, key = make_certificates(self.tmpdir)
        self.server = DdiServer(tls=(cert, key))
        self.assertTrue(self.server.url.startswith("https://"))

    def write_config(self, with_ca):
        text = hbtest.CONFIG.format(url=self.server.url, cache=os.path.join(self.tmpdir, "cache"))
        if with_ca:
            text = text.replace("[Server]\n", f"[Server]\nCaFile={self.ca}\n", 1)
        with open(self.hb_config, "w") as f:
            f.write(text)

    def test_verified(self):
        sim = self.start_sim("--slot0", data(OLD), "--time-scale=0", count=2)
        self.start_daemon()
        for k, uri in enumerate(sim.uris):
            self.add_device(uri, name=f"dev-{k}")
        srv = self.server
        art = srv.artifact(1, "app.bin", read(NEW))
        srv.assign("dev-0", 30, [art])
        # without CaFile: the test CA is unknown, the connection refused by the connector
        self.write_config(with_ca=False)
        self.start_connector()
        self.spin(4)
        self.assertEqual(srv.requests, [], "a request went through an unverified connection")
        self.assertEqual(self.history(), [])
        with open(self.hb_log) as f:
            self.assertRegex(f.read(), r"poll 1 failed: .*(certificate|TLS)")
        self.connector.stop()
        # with it: verified, updated
        self.write_config(with_ca=True)
        self.start_connector()
        result = self.wait_closed(["dev-0"], 60)["dev-0"]
        self.assertEqual(result[:2], ("closed", "success"), result)
        self.assert_no_violations()


class WindowTest(hbtest.HawkbitTestCase):
    config = "[Daemon]\nJobLinger=600\n"

    def test_update_waits(self):
        sim = self.start_sim("--slot0", data(OLD), "--time-scale=0")
        self.start_daemon()
        device = self.add_device(sim.uri, name="dev-0")
        srv = self.server
        act = srv.assign("dev-0", 7, [srv.artifact(1, "app.bin", read(NEW))], update="skip")
        self.start_connector()
        # downloaded, not installed
        self.wait_feedback("dev-0", "the update waits for the server (update: skip)", 30)
        with srv.lock:
            act.update = "forced"
            act.window = "unavailable"
        self.wait_feedback("dev-0", "the update waits for the maintenance window", 30)
        self.spin(3)
        self.assertEqual(self.history(device=device), [], "updated outside its window")
        self.assertIsNone(srv.closed("dev-0"))
        with srv.lock:
            act.window = "available"
        result = self.wait_closed(["dev-0"], 60)["dev-0"]
        self.assertEqual(result[:2], ("closed", "success"), result)
        self.assertEqual([e["result"] for e in self.history(device=device)], ["verified"])
        # each wait said once, not at every poll
        waits = [d for _, _, b in srv.feedback_of("dev-0") for d in b["status"]["details"]
                 if "waits" in d]
        self.assertEqual(len(waits), 2, waits)
        self.assert_no_violations()


class NetworkTest(hbtest.HawkbitTestCase):
    config = "[Daemon]\nJobLinger=600\n"
    lsan_supp = os.path.join(os.path.dirname(os.path.abspath(__file__)), "lsan-network.supp")

    def test_server_unreachable(self):
        sim = self.start_sim("--slot0", data(OLD), *hbtest.dfudtest.SLOW_DEVICE)
        self.start_daemon()
        device = self.add_device(sim.uri, name="dev-0")
        srv = self.server
        srv.assign("dev-0", 9, [srv.artifact(1, "big.bin", read(BIG))])
        self.start_connector()
        self.wait_feedback("dev-0", "uploading", 60)
        # the network goes while dfud uploads; the job ends meanwhile
        srv.down = True
        self.wait_for(lambda: len(self.history(device=device)) == 1, 120, "the job's end")
        outage = time.monotonic()
        self.spin(6)
        dropped = srv.dropped
        # polls back off (1 s, then 2 s: [Polling] MaxRetryInterval=2), never a storm
        self.assertLessEqual(dropped, 3 * (time.monotonic() - outage + 2), dropped)
        self.assertIsNone(srv.closed("dev-0"))
        srv.down = False
        result = self.wait_closed(["dev-0"], 30)["dev-0"]
        self.assertEqual(result[:2], ("closed", "success"), result)
        closes = [b for _, _, b in srv.feedback_of("dev-0") if b["status"]["execution"] == "closed"]
        self.assertEqual(len(closes), 1, closes)
        self.assert_no_violations()


if __name__ == "__main__":
    hbtest.dfudtest.main()
