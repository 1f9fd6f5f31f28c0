# Copyright 2026 The dfud authors
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The cases of the fault matrix, generated: fault kinds x the stage they hit x seeds and offsets,
SIGKILL of dfud at each stage, bad input to Device.Update, and the memory finished jobs keep.

Each case names what it expects: a set of outcomes, any of which passes:
  verified        the job ended done/verified AND the device's state shows the new image
  up-to-date      the job ended done/up-to-date (nothing to send)
  failed:NAME     the job failed with org.dfud.Dfu1.Error.NAME
  refused:NAME    Device.Update itself failed with that error (NAME* matches a prefix)
  memory-ok       the memory case's own check (see memory_finished_jobs)
Cases marked `subset` run in `tests/run` (meson suite matrix); `run --all` runs them all.
Names are STAGE/WHAT[/DETAIL]; `note` says which report or issue item the case stands for.
"""

import os
import random
import sys

from gi.repository import GLib

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "bench"))

import benchlib  # noqa: E402  (hashonly_image: a hash-only MCUboot image of any size)

OLD = "hashonly_1k_v1.2.3+4.bin"  # what the device runs first
NEW = "hashonly_60k_v2.0.0.bin"
NEW_SIZE = 61992
SMALL_SIZE = 8192  # the body of the generated image for slow devices (7 chunks)
BASE_SIM = ("--time-scale=0",)
# the swap time is flash time: it needs the flash model on (60 KB: 1.4 s of erase, 0.6 s of
# writes)
REAL_FLASH = ("--time-scale=1",)
# a device that answers every request, as the hand-written one did: Zephyr without the
# MCUmgr parameters command (the client picks its own window) and a deep buffer pool
EAGER_DEVICE = ("--buf-count=64", "--fault", "error:cmd=os.params,rc=8")
# the air-time model with small buffers: a 60 KB upload takes seconds (tests/dbus SLOW_DEVICE)
SLOW_LINK = ("--link", "--buf-size=256")

ESSENTIAL_FAILURES = ("failed:Timeout", "failed:Device", "failed:Busy")


def data(name):
    return os.path.join(os.environ.get("DFUD_TEST_DATA", os.path.join(HERE, "..", "data")),
                        name)


class Kill:
    """SIGKILL dfud once the job's Status is @status (and, uploading, @fraction of the bytes
    are done; with @sim_event, once the simulator has logged that event), @after_s seconds
    after that was first seen"""

    def __init__(self, status, fraction=None, after_s=0.0, sim_event=None):
        self.status = status
        self.fraction = fraction
        self.after_s = after_s
        self.sim_event = sim_event
        self.seen = None

    def due(self, props, sim_events):
        import time
        if props["Status"] != self.status:
            return False
        if self.fraction is not None and \
                props["BytesDone"] < self.fraction * max(1, props["BytesTotal"]):
            return False
        if self.sim_event is not None and self.sim_event not in sim_events():
            return False
        now = time.monotonic()
        if self.seen is None:
            self.seen = now
        return now - self.seen >= self.after_s

    def describe(self):
        what = self.status
        if self.fraction is not None:
            what += f" at {self.fraction:.0%}"
        if self.sim_event is not None:
            what += f" after the device's {self.sim_event}"
        if self.after_s:
            what += f" +{self.after_s} s"
        return what


class Case:
    def __init__(self, name, expect, sim=(), note="", subset=False, firmware="new",
                 options=None, kill=None, bad_input=None, custom=None, extra_s=0.0, seed=0):
        self.name = name
        self.expect = tuple(expect)
        self.sim = tuple(sim)
        self.note = note
        self.subset = subset
        self.firmware = firmware
        self.options = options or {}
        self.kill = kill
        self.bad_input = bad_input
        self.custom = custom
        self.extra_s = extra_s
        self.seed = seed

    @property
    def stage(self):
        return self.name.split("/", 1)[0]

    def accepts(self, outcome):
        for want in self.expect:
            if want == outcome or (want.endswith("*") and outcome is not None and
                                   outcome.startswith(want[:-1])):
                return True
        return False

    def firmware_path(self, tmpdir):
        if self.firmware == "new":
            return data(NEW)
        if self.firmware == "small":
            return benchlib.hashonly_image(os.path.join(tmpdir, "small.bin"), SMALL_SIZE)
        return data(self.firmware)

    def firmware_size(self):
        if self.firmware == "small":
            return SMALL_SIZE + 0x200 + 40
        return os.path.getsize(self.firmware_path(None))

    def sim_args(self, tmpdir):
        base = [] if any(a.startswith("--time-scale") for a in self.sim) else list(BASE_SIM)
        return base + ["--slot0", data(OLD), f"--seed={self.seed}"] + list(self.sim)

    def bound(self):
        import harness
        restart = 2 * harness.START_TIMEOUT if self.kill is not None else 0
        return harness.update_bound(self.firmware_size(), self.extra_s + restart)


def faults(*specs):
    out = []
    for spec in specs:
        out += ["--fault", spec]
    return out


# --- device commands at each stage

# (stage, command, boot): boot 0 is before the update's reset, 1 after it
COMMAND_STAGES = (
    ("connect", "os.echo", 0),
    ("connect", "os.params", 0),
    ("connect", "os.bootloader-info", 0),
    ("connect", "image.slot-info", 0),
    ("connect", "image.state-read", 0),
    ("test", "image.state-write", 0),
    ("reset", "os.reset", 0),
    ("verify", "image.state-read", 1),
    ("confirm", "image.state-write", 1),
)
# commands an old or small build may not have: a client may do without their answers
OPTIONAL = ("os.echo", "os.params", "os.bootloader-info", "image.slot-info")
# the item 7: one busy answer to these fails the update
ITEM7 = {("connect", "os.echo"), ("connect", "image.state-read"),
         ("test", "image.state-write"), ("confirm", "image.state-write")}


def command_cases():
    out = []
    for stage, cmd, boot in COMMAND_STAGES:
        at = f"cmd={cmd},boot={boot}"
        base = f"{stage}/{cmd}"
        optional = cmd in OPTIONAL
        always = ("verified",) + ESSENTIAL_FAILURES if optional else ESSENTIAL_FAILURES
        # a reset answered late still reboots the device: what counts is that it comes back
        late = ("verified",) + ESSENTIAL_FAILURES if cmd == "os.reset" else always
        once = ("verified",)
        item7 = (stage, cmd) in ITEM7
        out += [
            Case(f"{base}/lost-request-once", once, faults(f"drop-request:{at},p=1,count=1"),
                 "issue 14 item 6 (fixed): a lost reset request is sent again"
                 if cmd == "os.reset" else "one request lost: sent again",
                 subset=cmd == "os.reset"),
            Case(f"{base}/lost-answer-once", once, faults(f"drop-response:{at},p=1,count=1"),
                 "one answer lost: sent again, the device answers again"),
            Case(f"{base}/busy-once", once, faults(f"busy:{at},p=1,count=1"),
                 "issue 14 item 7: one busy answer fails the update" if item7 else
                 "one busy answer: tried again later", subset=item7 and cmd != "os.echo"),
            Case(f"{base}/busy-thrice", once, faults(f"busy:{at},p=1,count=3"),
                 "three busy answers, then the device is ready"),
            Case(f"{base}/late-once", once, faults(f"delay-response:{at},ms=1500,count=1"),
                 "an answer 1.5 s late, within Command (2 s)"),
            Case(f"{base}/later-than-command-once", once,
                 faults(f"delay-response:{at},ms=3000,count=1"),
                 "an answer 3 s late, beyond Command (2 s): its copy is answered in time"),
            Case(f"{base}/slow-once", once, faults(f"slow:{at},ms=1500,count=1"),
                 "the device takes 1.5 s over the command, holding its queue"),
            Case(f"{base}/lost-request-always", always, faults(f"drop-request:{at},p=1"),
                 "the device never answers this command", extra_s=10),
            Case(f"{base}/busy-always", always, faults(f"busy:{at},p=1"),
                 "the device is busy for ever", extra_s=10),
            Case(f"{base}/late-always", late, faults(f"delay-response:{at},ms=3000"),
                 "every answer 3 s late, beyond Command (2 s)", extra_s=10,
                 subset=(stage, cmd) == ("connect", "image.state-read")),
        ]
        if cmd != "os.reset":
            # without the command: a client does without an optional one, or says so
            out.append(Case(f"{base}/error-enotsup",
                            ("verified", "failed:NotSupported") if optional else
                            ("failed:Device", "failed:NotSupported"),
                            faults(f"error:{at},rc=8"), "the device does not know the command"))
    # item 7 for the echo, in the subset: once at connect
    for case in out:
        if case.name == "connect/os.echo/busy-once":
            case.subset = True
            case.note = "issue 14 item 7: one busy answer to echo fails the update"
    return out


# --- the upload

def upload_cases():
    up = "cmd=image.upload"
    L = NEW_SIZE
    out = [
        Case("first-chunk/lost-request-once", ("verified",),
             faults(f"drop-request:{up},offset=0,count=1"), "the first chunk lost once"),
        Case("first-chunk/lost-request-always", ("failed:Timeout", "failed:Device"),
             faults(f"drop-request:{up},offset=0,p=1"),
             "issue 14 item 2: a first chunk never answered gives up after 6 tries x 6 "
             "reconnects of FirstChunk", subset=True),
        Case("first-chunk/lost-answer-once", ("verified",),
             faults(f"drop-response:{up},offset=1"), "the answer to the first chunk lost"),
        Case("first-chunk/late-4s", ("verified",),
             faults(f"delay-response:{up},offset=1,ms=4000"),
             "the first answer 4 s late, within FirstChunk (6 s)"),
        Case("first-chunk/slow-erase-4s", ("verified",),
             faults(f"slow:{up},offset=0,ms=4000,count=1"),
             "an erase of 4 s, within FirstChunk (6 s)", subset=True),
        Case("first-chunk/slow-erase-9s", ("verified", "failed:Timeout"),
             faults(f"slow:{up},offset=0,ms=9000,count=1"),
             "an erase of 9 s, beyond FirstChunk (6 s)", extra_s=9),
        Case("first-chunk/busy-once", ("verified",), faults(f"busy:{up},offset=0,count=1"),
             "one busy answer to the first chunk"),
        Case("first-chunk/busy-always", ESSENTIAL_FAILURES, faults(f"busy:{up},offset=0,p=1"),
             "the device is busy for ever"),
        Case("first-chunk/error-no-slot", ("failed:Device",),
             faults(f"error:{up},rc=9,group=1,offset=0"), "image error 9 (no free slot)"),
        Case("first-chunk/stuck", ("failed:Timeout", "failed:Device", "failed:Protocol"),
             faults("stuck-offset:offset=0"),
             "a device that never takes the first chunk (answers off 0 without writing)"),
        Case("first-chunk/drop-link", ("verified",), faults("drop-link:offset=0"),
             "the link drops at the first chunk"),
        Case("last-chunk/lost-answer", ("verified",), faults(f"drop-response:{up},offset={L}"),
             "the answer to the completing chunk lost", subset=True),
        Case("last-chunk/late-4s", ("verified",),
             faults(f"delay-response:{up},offset={L},ms=4000"),
             "the last answer 4 s late, within LastChunk (6 s)"),
        Case("last-chunk/late-9s", ("verified", "failed:Timeout"),
             faults(f"delay-response:{up},offset={L},ms=9000"),
             "the last answer 9 s late, beyond LastChunk (6 s)", extra_s=9),
        Case("last-chunk/busy", ("verified",), faults(f"busy:{up},offset={L - 1400},p=1,count=1"),
             "a busy answer near the end"),
    ]
    for n in (16384, 40960):
        at = f"{up},offset={n}"
        out += [
            Case(f"middle/{n}/lost-request-once", ("verified",),
                 faults(f"drop-request:{at}"), "one chunk lost"),
            Case(f"middle/{n}/lost-request-always", ("failed:Timeout", "failed:Device"),
                 faults(f"drop-request:{at},p=1"), "no chunk from here on is ever answered"),
            Case(f"middle/{n}/lost-answer-once", ("verified",), faults(f"drop-response:{at}"),
                 "one answer lost"),
            Case(f"middle/{n}/late-once", ("verified",),
                 faults(f"delay-response:{at},ms=1500"),
                 "one answer 1.5 s late, beyond Chunk (1 s)"),
            Case(f"middle/{n}/late-all-600ms", ("verified",),
                 EAGER_DEVICE + tuple(faults(f"delay-response:{at},ms=600,p=1")),
                 "every answer from here 0.6 s late, within Chunk (1 s), buffers enough for "
                 "the answers on their way"),
            Case(f"middle/{n}/late-all-600ms-4-buffers", ("verified", "failed:Device"),
                 faults(f"delay-response:{at},ms=600,p=1"),
                 "the same with 4 buffers: the late answers hold them, the device answers "
                 "rc 2 (no buffer) to what comes meanwhile"),
            Case(f"middle/{n}/enomem-once", ("verified", "failed:Device"),
                 faults(f"error:{at},rc=2"), "one rc 2 (no buffer) answer"),
            Case(f"middle/{n}/slow-4-chunks", ("verified",),
                 faults(f"slow:{at},ms=1500,p=1,count=4"),
                 "four chunks take the device 1.5 s each, beyond Chunk (1 s)"),
            Case(f"middle/{n}/busy-once", ("verified",), faults(f"busy:{at}"),
                 "one busy answer"),
            Case(f"middle/{n}/busy-always", ESSENTIAL_FAILURES, faults(f"busy:{at},p=1"),
                 "busy for ever from here"),
            Case(f"middle/{n}/error", ("failed:Device",), faults(f"error:{at},rc=15,group=1"),
                 "image error 15 (flash write failed)"),
            Case(f"middle/{n}/stuck", ("failed:Timeout", "failed:Device", "failed:Protocol"),
                 faults(f"stuck-offset:offset={n}"),
                 "issue 14 item 1: the device answers the same offset for ever",
                 subset=n == 16384),
            Case(f"middle/{n}/stuck-eager", ("failed:Timeout", "failed:Device", "failed:Protocol"),
                 EAGER_DEVICE + tuple(faults(f"stuck-offset:offset={n}")),
                 "issue 14 item 1: the same offset for ever from a device that answers every "
                 "request: the uploader resends at once, for ever", subset=n == 16384),
            Case(f"middle/{n}/stuck-thrice", ("verified",),
                 faults(f"stuck-offset:offset={n},count=3"),
                 "the device answers the same offset three times, then goes on"),
            Case(f"middle/{n}/drop-link", ("verified",), faults(f"drop-link:offset={n}"),
                 "the link drops: the upload resumes from the device's offset",
                 subset=n == 40960),
        ]
    out.append(Case("middle/slow-device", ("verified",),
                    faults(f"slow:{up},ms=1500"),
                    "issue 14 item 3: every chunk takes the device 1.5 s, beyond Chunk (1 s); "
                    "the late answers must count", firmware="small", subset=True,
                    extra_s=7 * 1.5 * 3))
    out.append(Case("middle/late-device", ("verified",),
                    EAGER_DEVICE + tuple(faults(f"delay-response:{up},ms=1500")),
                    "issue 14 item 3: every upload answer 1.5 s late, beyond Chunk (1 s), from "
                    "a device with buffers enough", firmware="small", extra_s=7 * 1.5 * 3))
    return out


def random_cases():
    """seeded random loss, duplication and delay over the whole update"""
    out = []
    for seed in range(1, 6):
        for p in ("0.05", "0.15"):
            out += [
                Case(f"random/lost-requests-{p}/seed{seed}", ("verified",),
                     faults(f"drop-request:p={p}"), "requests lost at random", seed=seed,
                     subset=(seed, p) == (1, "0.15"), extra_s=20),
                Case(f"random/lost-answers-{p}/seed{seed}", ("verified",),
                     faults(f"drop-response:p={p}"), "answers lost at random", seed=seed,
                     extra_s=20),
            ]
        out += [
            Case(f"random/duplicates/seed{seed}", ("verified",),
                 faults("duplicate-response:p=0.3"), "answers sent twice", seed=seed),
            Case(f"random/late-0.8s/seed{seed}", ("verified",),
                 EAGER_DEVICE + tuple(faults("delay-response:ms=800,p=0.2")),
                 "a fifth of the answers 0.8 s late (buffers enough for them)", seed=seed,
                 extra_s=20),
            Case(f"random/drop-link/seed{seed}", ("verified",), faults("drop-link:p=0.05"),
                 "the link drops at random", seed=seed, extra_s=20),
        ]
    return out


# --- the reset and the wait after it

def reboot_cases():
    return [
        Case("wait/swap-8s", ("verified",), REAL_FLASH + ("--swap-time=8000",),
             "the swap takes 8 s, within Reset (15 s)", subset=True, extra_s=8),
        Case("wait/swap-25s", ("failed:Timeout",), REAL_FLASH + ("--swap-time=25000",),
             "the swap takes 25 s, beyond Reset (15 s)", extra_s=25),
        Case("wait/reset-delay-2s", ("verified",), ("--reset-delay=2000",),
             "the device reboots 2 s after its answer, within ResetGrace (5 s)"),
        Case("wait/reset-delay-8s", ("verified", "failed:Reverted"), ("--reset-delay=8000",),
             "the device reboots 8 s after its answer, beyond ResetGrace (5 s)", extra_s=8),
        Case("wait/deaf-5-requests", ("verified",),
             faults("drop-request:boot=1,p=1,count=5"),
             "the first five requests after the reboot are lost"),
        Case("wait/deaf-for-ever", ("failed:Timeout",), faults("drop-request:boot=1,p=1"),
             "the device never answers after its reboot"),
        Case("wait/corrupt-image", ("failed:Reverted",), faults("corrupt-image"),
             "MCUboot refuses the new image: the old one runs", subset=True),
        Case("wait/no-bootloader", ("failed:Reverted",), ("--bootloader=none",),
             "nothing swaps: the image stays pending"),
    ]


# --- SIGKILL of dfud at each stage

def kill_cases():
    slow = "ms=1500,count=1"
    big = "hashonly_300k_v1.0.0.bin"  # an upload of seconds over the slow link
    stages = [
        # (name, Kill, dfud-sim arguments, firmware)
        ("connecting", Kill("connecting"),
         faults(f"slow:cmd=image.state-read,boot=0,{slow}"), "new"),
        ("uploading-10", Kill("uploading", 0.1), SLOW_LINK, big),
        ("uploading-50", Kill("uploading", 0.5), SLOW_LINK, big),
        ("uploading-90", Kill("uploading", 0.9), SLOW_LINK, big),
        ("testing", Kill("testing"), faults(f"slow:cmd=image.state-write,boot=0,{slow}"),
         "new"),
        ("resetting", Kill("resetting"), REAL_FLASH + ("--swap-time=3000",), "new"),
        # back from its reboot, the device answers the reboot wait's reads slowly; dfud's
        # "verifying" has no request of its own (it takes the wait's last read)
        ("rebooted", Kill("resetting", sim_event="running"),
         faults("slow:cmd=image.state-read,boot=1,ms=800"), "new"),
        ("confirming", Kill("confirming"),
         faults(f"slow:cmd=image.state-write,boot=1,{slow}"), "new"),
    ]
    out = []
    subset = ("uploading-50", "resetting/+0.4s", "confirming")
    for name, kill, sim, firmware in stages:
        for after in (0.0, 0.4):
            if kill.fraction is not None and after:
                continue
            full = name + (f"/+{after}s" if after else "")
            k = Kill(kill.status, kill.fraction, after, kill.sim_event)
            out.append(Case(f"kill/{full}", ("verified",), sim,
                            "SIGKILL of dfud, then a restart: the job resumes and verifies",
                            kill=k, subset=full in subset, firmware=firmware, extra_s=5))
    return out


# --- bad input to Device.Update

def _pipe(runner, device, write=b"", close_writer=False):
    r, w = os.pipe()
    try:
        if write:
            os.write(w, write)
        if close_writer:
            os.close(w)
            w = None
        return runner.update(device, None, fd=r)
    finally:
        os.close(r)
        if w is not None:
            os.close(w)


def _head(n):
    with open(data(NEW), "rb") as f:
        return f.read(n)


def _open_update(flags, path_fn):
    def bad(runner, device):
        path = path_fn(runner)
        fd = os.open(path, flags | os.O_CLOEXEC)
        try:
            return runner.update(device, None, fd=fd)
        finally:
            os.close(fd)
    return bad


def _file(name, content):
    def make(runner):
        path = os.path.join(runner.tmpdir, name)
        with open(path, "wb") as f:
            f.write(content)
        return path
    return make


def _socket_open(runner, device):
    import socket
    a, b = socket.socketpair()
    try:
        return runner.update(device, None, fd=a.fileno())
    finally:
        a.close()
        b.close()


def _raw_update(args, n_fds, signature="(ha{sv})"):
    """Update(@args) as given, with @n_fds descriptors of the new image (0: no fd list)"""
    def bad(runner, device):
        fds = [os.open(data(NEW), os.O_RDONLY | os.O_CLOEXEC) for _ in range(n_fds)]
        try:
            return runner.call_update(device, args, fds if n_fds else None, signature)
        finally:
            for fd in fds:
                os.close(fd)
    return bad


def _other_device(runner, device):
    return runner.update(device.rsplit("/", 1)[0] + "/no_such_device", data(NEW))


def _second_update(runner, device):
    """a second Update while the first runs: Busy; the first must still verify"""
    first = runner.update(device, data(NEW))
    try:
        return runner.update(device, data(NEW))
    finally:
        props = runner.wait_final(first)
        if props["Result"] != "verified":
            runner.result.problems.append(f"the first update ended {props['Status']}/"
                                          f"{props['Result']} {props['ErrorName']}")


def input_cases():
    V = GLib.Variant
    image_errors = ("refused:Image*", "refused:UnknownFormat", "refused:PackageInvalid")
    rng = random.Random(14)
    garbage = bytes(rng.randrange(256) for _ in range(4096))
    cases = [
        ("pipe-open", ("refused:Timeout", "refused:Io", "refused:InvalidArgument"),
         lambda r, d: _pipe(r, d, _head(1000)),
         "issue 14 item 4: a pipe whose writer never closes: Update never answers", True),
        ("pipe-open-empty", ("refused:Timeout", "refused:Io", "refused:InvalidArgument"),
         lambda r, d: _pipe(r, d), "a pipe with nothing written, never closed", False),
        ("socket-open", ("refused:Timeout", "refused:Io", "refused:InvalidArgument"),
         _socket_open, "a socket whose peer never closes", False),
        ("pipe-empty-closed", image_errors, lambda r, d: _pipe(r, d, close_writer=True),
         "a pipe closed without data", False),
        ("dev-zero", ("refused:InvalidArgument", "refused:Io") + image_errors,
         _open_update(os.O_RDONLY, lambda r: "/dev/zero"),
         "an endless descriptor: read up to MaxFirmwareSize, then refused", False),
        ("empty-file", image_errors, _open_update(os.O_RDONLY, _file("empty", b"")),
         "an empty file", True),
        ("garbage", image_errors, _open_update(os.O_RDONLY, _file("garbage", garbage)),
         "4 KiB of random bytes", False),
        ("truncated", image_errors,
         _open_update(os.O_RDONLY, lambda r: data("broken_truncated-body.bin")),
         "an image cut in its body", False),
        ("directory", ("refused:Io", "refused:InvalidArgument"),
         _open_update(os.O_RDONLY | os.O_DIRECTORY, lambda r: r.tmpdir), "a directory",
         False),
        ("write-only", ("refused:Io", "refused:InvalidArgument"),
         _open_update(os.O_WRONLY, _file("wo", _head(NEW_SIZE))), "a write-only descriptor",
         False),
        ("mode-int", ("refused:InvalidArgument",),
         _raw_update((0, {"mode": V("i", 42)}), 1), "mode of the wrong type", True),
        ("mode-unknown", ("refused:InvalidArgument",),
         _raw_update((0, {"mode": V("s", "sideways")}), 1), "an unknown mode", False),
        ("image-5", ("refused:InvalidArgument", "refused:NotFound"),
         _raw_update((0, {"image": V("i", 5)}), 1),
         "issue 14 item 7: image=5 of a one-image package makes a job", True),
        ("image-negative", ("refused:InvalidArgument",),
         _raw_update((0, {"image": V("i", -7)}), 1), "image=-7", False),
        ("window-string", ("refused:InvalidArgument",),
         _raw_update((0, {"window": V("s", "many")}), 1), "window of the wrong type", False),
        ("unknown-option", ("refused:InvalidArgument",),
         _raw_update((0, {"frobnicate": V("b", True)}), 1), "an unknown option", False),
        ("fd-index", ("refused:InvalidArgument", "refused:org.freedesktop.DBus.Error.*"),
         _raw_update((3, {}), 1), "a handle beyond the descriptors sent", False),
        ("no-fd", ("refused:InvalidArgument", "refused:org.freedesktop.DBus.Error.*"),
         _raw_update((0, {}), 0), "no descriptor at all", False),
        ("signature", ("refused:org.freedesktop.DBus.Error.InvalidArgs",),
         _raw_update(("x", 0), 0, "(su)"), "arguments of the wrong signature", False),
        ("no-such-device", ("refused:org.freedesktop.DBus.Error.*", "refused:NotFound"),
         _other_device, "a device object that does not exist", False),
        ("second-update", ("refused:Busy",), _second_update,
         "Update while the device's update runs", False),
    ]
    out = []
    for name, expect, fn, note, subset in cases:
        out.append(Case(f"dbus/{name}", expect, note=note, subset=subset, bad_input=fn))
    out.append(Case("dbus/pipe-whole", ("verified",), note="the image through a pipe, closed",
                    bad_input=None, custom=_pipe_whole))
    return out


def _pipe_whole(runner, device):
    with open(data(NEW), "rb") as f:
        firmware = f.read()
    job = _pipe(runner, device, firmware, close_writer=True)
    runner.finish_job(job, firmware)


# --- memory

MEMORY_JOBS = 6
MEMORY_IMAGE = 2 * 1024 * 1024


def memory_finished_jobs(runner, device):
    """issue 14 item 5: jobs that have finished keep their firmware in memory. Six updates with
    six distinct 2 MiB images, each failing at its first chunk (image error 9): dfud's RSS once
    they have all ended, against before, must have grown by less than half the firmware sent"""
    import harness
    paths = []
    for i in range(MEMORY_JOBS):
        path = os.path.join(runner.tmpdir, f"big{i}.bin")
        benchlib.hashonly_image(path, MEMORY_IMAGE + 4096 * i)
        paths.append(path)
    # one first job warms dfud up (the allocator, the caches); then the baseline
    runner.wait_final(runner.update(device, paths[0]))
    settle(runner)
    before = harness.rss_kb(runner.daemon.process.pid)
    for path in paths[1:]:
        runner.wait_final(runner.update(device, path))
    settle(runner)
    after = harness.rss_kb(runner.daemon.process.pid)
    sent_kb = sum(os.path.getsize(p) for p in paths[1:]) // 1024
    growth = after - before
    runner.result.detail = (f"RSS {before} -> {after} KiB (+{growth} KiB) over "
                            f"{MEMORY_JOBS - 1} finished jobs of {sent_kb} KiB of firmware")
    runner.result.outcome = "memory-ok" if growth < sent_kb // 2 else \
        f"memory-kept:+{growth}KiB"


def settle(runner):
    import time
    end = time.monotonic() + 1.0
    while time.monotonic() < end:
        runner.tick("dfud to settle")
        time.sleep(0.1)


def memory_cases():
    return [Case("memory/finished-jobs", ("memory-ok",),
                 ("--slot-size=0x400000",) +
                 tuple(faults("error:cmd=image.upload,rc=9,group=1")),
                 "issue 14 item 5: finished jobs keep their firmware in memory", subset=True,
                 custom=memory_finished_jobs, extra_s=60)]


# --- all of them

def all_cases():
    out = command_cases() + upload_cases() + random_cases() + reboot_cases() + \
        kill_cases() + input_cases() + memory_cases()
    names = [c.name for c in out]
    dup = {n for n in names if names.count(n) > 1}
    if dup:
        raise RuntimeError(f"case names given twice: {sorted(dup)}")
    return out


def by_name(name):
    for case in all_cases():
        if case.name == name:
            return case
    raise KeyError(f"no case named {name!r}")
