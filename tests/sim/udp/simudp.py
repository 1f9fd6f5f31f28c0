#!/usr/bin/env python3
# Copyright 2026 The dfud authors
# SPDX-License-Identifier: LGPL-2.1-or-later
"""What the tests of dfud-sim over UDP share: the simulator process, an SMP client, checks.

An independent SMP client: frames are built with struct and cbor2 from the protocol reference
(shared/spec/smp-protocol.md), never with dfud's own codec. main() runs one case by name:
TEST.py DFUD_SIM TEST_DATA_DIR CASE.
"""

import hashlib
import os
import random
import selectors
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time

import cbor2

SIM = None
DATA = None

OP_READ, OP_READ_RSP, OP_WRITE, OP_WRITE_RSP = 0, 1, 2, 3
GROUP_OS, GROUP_IMAGE = 0, 1
OS_ECHO, OS_RESET, OS_PARAMS = 0, 5, 6
IMAGE_STATE, IMAGE_UPLOAD = 0, 1

# tests/data/README.md: hash TLV and whole-file SHA-256
IMG60K = 'hashonly_60k_v2.0.0.bin'
IMG60K_HASH = 'f225962eb5a76a487e22c6ff5b43acd9561b5e6922ce652c3f5a79aca564e802'
IMG1K = 'hashonly_1k_v1.2.3+4.bin'
IMG1K_HASH = '6b28b68ff2485a456f72f2fb46d2dc5584a25b5cf6be210a941e4744b188c1dc'
IMG1K_SHA = '66f31f96f43851aef8620dd9374dbcc53d6f79f56023b9e8550d4b7cde161ac8'


def data(name):
    """the path of a file of tests/data"""
    return os.path.join(DATA, name)


class Fail(Exception):
    pass


def check(cond, msg):
    if not cond:
        raise Fail(msg)


def check_eq(got, want, what):
    if got != want:
        raise Fail(f'{what}: got {got!r}, want {want!r}')


def have_ipv6():
    """whether an IPv6 loopback socket can be bound (says so when not)"""
    try:
        s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
        s.bind(('::1', 0))
        s.close()
        return True
    except OSError:
        print('# skipped: no IPv6 loopback')
        return False


def free_port_base(count):
    """A base port with `count` free consecutive UDP ports (best effort: may race)."""
    for _ in range(50):
        base = random.randint(20000, 60000)
        socks = []
        try:
            for k in range(count):
                s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                socks.append(s)
                s.bind(('127.0.0.1', base + k))
            return base
        except OSError:
            continue
        finally:
            for s in socks:
                s.close()
    raise Fail('no free port range')


class Sim:
    """A dfud-sim process; `ports` are its devices' UDP ports once READY was printed."""

    def __init__(self, args, state_dir=None, udp='127.0.0.1:0', slot0=IMG60K, extra_lines=None):
        self.tmp = None
        if state_dir is None:
            self.tmp = tempfile.TemporaryDirectory(prefix='dfud-sim-test-')
            state_dir = self.tmp.name
        self.state_dir = state_dir
        cmd = [SIM, '--state-dir', state_dir, '--time-scale', '0']
        # the reset at once, unless the test looks at the reset delay
        if not any(a.startswith('--reset-delay') for a in args):
            cmd += ['--reset-delay', '0']
        if udp is not None:
            cmd += ['--udp', udp]
        if slot0 is not None:
            cmd += ['--slot0', data(slot0)]
        cmd += args
        self.cmd = cmd
        self.stderr = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=self.stderr)
        self.ports = []
        self.lines = []
        self.pending = b''
        self.wait_line('READY', 10)

    def read_line(self, timeout):
        # unbuffered: a buffered reader would hide lines already read from select()
        deadline = time.monotonic() + timeout
        while b'\n' not in self.pending:
            sel = selectors.DefaultSelector()
            sel.register(self.proc.stdout, selectors.EVENT_READ)
            ready = sel.select(max(deadline - time.monotonic(), 0))
            sel.close()
            if not ready:
                raise Fail(f'dfud-sim printed no line for {timeout:.1f} s ({self.describe()})')
            chunk = os.read(self.proc.stdout.fileno(), 4096)
            if chunk == b'':
                self.proc.wait(5)
                raise Fail(f'dfud-sim exited with {self.proc.returncode} ({self.describe()})')
            self.pending += chunk
        raw, self.pending = self.pending.split(b'\n', 1)
        line = raw.decode()
        self.lines.append(line)
        if ' listening on udp ' in line:
            self.ports.append(int(line.rsplit(':', 1)[1]))
        return line

    def wait_line(self, want, timeout=10):
        deadline = time.monotonic() + timeout
        while True:
            line = self.read_line(max(deadline - time.monotonic(), 0.01))
            if line == want or line.startswith(want):
                return line

    def describe(self):
        self.stderr.seek(0)
        return 'command: {}; stdout: {}; stderr: {}'.format(
            ' '.join(self.cmd), self.lines, self.stderr.read().decode(errors='replace'))

    def client(self, device=0, timeout=2.0):
        return Client(self.ports[device], timeout)

    def stop(self, sig=signal.SIGTERM):
        """Stops the process and checks it exits 0 (also: no leak under LeakSanitizer)."""
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            rc = self.proc.wait(15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise Fail(f'dfud-sim did not stop on signal {sig}')
        check_eq(rc, 0, f'exit status after signal {sig} ({self.describe()})')

    def close(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.proc.stdout.close()
        self.stderr.close()
        if self.tmp is not None:
            self.tmp.cleanup()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def frame(op, group, cmd, body=b'', ver=1, seq=0):
    if not isinstance(body, bytes):
        body = cbor2.dumps(body)
    return struct.pack('>BBHHBB', (ver << 3) | op, 0, len(body), group, seq, cmd) + body


class Client:
    """An SMP client over UDP: one socket, the response matched by seq."""

    def __init__(self, port, timeout=2.0):
        self.port = port
        self.timeout = timeout
        self.seq = 0
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(('127.0.0.1', 0))

    def close(self):
        self.sock.close()

    def send_raw(self, data):
        self.sock.sendto(data, ('127.0.0.1', self.port))

    def recv_raw(self, timeout=None):
        self.sock.settimeout(self.timeout if timeout is None else timeout)
        try:
            data, _ = self.sock.recvfrom(65536)
        except socket.timeout:
            return None
        return data

    def request(self, op, group, cmd, body=None, ver=1, timeout=None):
        """Returns (header dict, body dict) or None on timeout."""
        self.seq = (self.seq + 1) % 256
        seq = self.seq
        self.send_raw(frame(op, group, cmd, {} if body is None else body, ver, seq))
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        while True:
            data = self.recv_raw(max(deadline - time.monotonic(), 0.001))
            if data is None:
                return None
            hdr = parse_header(data)
            if hdr['seq'] != seq:
                continue  # a late answer to an earlier request
            check_eq(hdr['op'], op + 1, 'response op')
            check_eq(hdr['ver'], ver, 'response version')
            check_eq((hdr['group'], hdr['id']), (group, cmd), 'response group/id')
            check_eq(hdr['len'], len(data) - 8, 'response length field')
            return hdr, cbor2.loads(data[8:])

    def call(self, op, group, cmd, body=None, ver=1, timeout=None):
        rsp = self.request(op, group, cmd, body, ver, timeout)
        check(rsp is not None, f'no response to group {group} id {cmd} op {op}')
        return rsp[1]

    def echo(self, text='hi', timeout=None):
        rsp = self.request(OP_WRITE, GROUP_OS, OS_ECHO, {'d': text}, timeout=timeout)
        return None if rsp is None else rsp[1]

    def state(self):
        return self.call(OP_READ, GROUP_IMAGE, IMAGE_STATE)

    def wait_running(self, timeout=10):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.echo('up?', timeout=0.2) == {'r': 'up?'}:
                return
        raise Fail(f'device did not answer again within {timeout} s')

    def upload(self, path, chunk=512, image=None):
        data = open(path, 'rb').read()
        sha = hashlib.sha256(data).digest()
        off = 0
        last = None
        while off < len(data):
            body = {'off': off, 'data': data[off:off + chunk]}
            if off == 0:
                body.update({'len': len(data), 'sha': sha})
                if image is not None:
                    body['image'] = image
            last = self.call(OP_WRITE, GROUP_IMAGE, IMAGE_UPLOAD, body, timeout=10)
            check('off' in last, f'upload at {off}: {last}')
            check(last['off'] > off, f'upload at {off}: no progress: {last}')
            off = last['off']
        check_eq(off, len(data), 'final offset')
        return last

    def test_image(self, hash_hex, confirm=False):
        return self.call(OP_WRITE, GROUP_IMAGE, IMAGE_STATE,
                         {'hash': bytes.fromhex(hash_hex), 'confirm': confirm})

    def confirm(self):
        return self.call(OP_WRITE, GROUP_IMAGE, IMAGE_STATE, {'confirm': True})

    def reset(self):
        check_eq(self.call(OP_WRITE, GROUP_OS, OS_RESET), {}, 'reset response')
        # the device goes down --reset-delay (0 unless the test sets it) after the response
        time.sleep(0.1)
        self.wait_running()


def parse_header(data):
    check(len(data) >= 8, f'response shorter than a header: {data.hex()}')
    b0, flags, length, group, seq, cmd = struct.unpack('>BBHHBB', data[:8])
    return {'op': b0 & 7, 'ver': (b0 >> 3) & 3, 'flags': flags, 'len': length,
            'group': group, 'seq': seq, 'id': cmd}


def slot(state, image, slot_no):
    for entry in state['images']:
        if entry.get('image', 0) == image and entry['slot'] == slot_no:
            return entry
    return None


def check_slot(state, slot_no, hash_hex, **flags):
    entry = slot(state, 0, slot_no)
    check(entry is not None, f'slot {slot_no} missing in {state}')
    check_eq(entry['hash'].hex(), hash_hex, f'slot {slot_no} hash')
    for name, want in flags.items():
        check_eq(entry.get(name, False), want, f'slot {slot_no} {name} in {state}')


CASES = {}


def case(fn):
    CASES[fn.__name__.replace('_', '-')] = fn
    return fn


def main():
    global SIM, DATA
    if len(sys.argv) != 4 or sys.argv[3] not in CASES:
        print(f'usage: {sys.argv[0]} DFUD_SIM TEST_DATA_DIR CASE ({", ".join(CASES)})',
              file=sys.stderr)
        return 2
    SIM, DATA = sys.argv[1], sys.argv[2]
    try:
        CASES[sys.argv[3]]()
    except Fail as e:
        print(f'FAIL {sys.argv[3]}: {e}', file=sys.stderr)
        return 1
    print(f'ok {sys.argv[3]}')
    return 0
