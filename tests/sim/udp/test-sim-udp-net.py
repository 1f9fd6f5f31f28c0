#!/usr/bin/env python3
# Copyright 2026 The dfud authors
# SPDX-License-Identifier: LGPL-2.1-or-later
"""dfud-sim over UDP as real devices behave on a network (issue 13): the IP MTU of the device,
the reset delay, seeded loss of every command, SMP buffers released after the answer left, and
the options that set them (helpers in simudp.py).

usage: test-sim-udp-net.py DFUD_SIM TEST_DATA_DIR CASE
"""

import json
import os
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import simudp  # noqa: E402
from simudp import (  # noqa: E402
    GROUP_IMAGE, GROUP_OS, IMAGE_STATE, IMG1K, IMG1K_HASH, IMG60K_HASH, OP_READ, OP_WRITE,
    OS_ECHO, OS_RESET, Sim, case, check, check_eq, check_slot, data, frame, have_ipv6)


def events(path, name):
    with open(path) as f:
        return [e for e in (json.loads(line) for line in f if line.strip())
                if e['event'] == name]


def echo_of_size(size, seq):
    """an echo request of exactly @size bytes: header, map head, "d", the text's head and text"""
    n = size - 8 - 1 - 2
    n -= 1 if n <= 24 else 2 if n <= 257 else 3
    text = 'x' * n
    req = frame(OP_WRITE, GROUP_OS, OS_ECHO, {'d': text}, seq=seq)
    check_eq(len(req), size, 'request size')
    return req


@case
def ip_mtu():
    # 1500-byte IP MTU over IPv4: 1472 bytes of UDP payload fit one IP packet, 1473 do not
    with tempfile.NamedTemporaryFile(suffix='.jsonl') as log:
        with Sim(['--ip-mtu', '1500', '--log-json', log.name], slot0=IMG1K) as sim:
            c = sim.client(timeout=0.5)
            c.send_raw(echo_of_size(1472, 1))
            rsp = c.recv_raw()
            check(rsp is not None and len(rsp) == 1472, 'no answer to 1472 bytes')
            c.send_raw(echo_of_size(1473, 2))
            check_eq(c.recv_raw(), None, 'answer to 1473 bytes (fragmented: never arrives)')
            # without the option the same datagram is answered
            sim.stop()
        drops = events(log.name, 'drop')
        check_eq(len(drops), 1, f'drop events {drops}')
        check_eq((drops[0]['what'], drops[0]['len']), ('request', 1473), 'the drop')
        check('IP packet of 1501 bytes exceeds the IP MTU 1500' in drops[0]['reason'],
              f'reason {drops[0]["reason"]!r}')
    with Sim([], slot0=IMG1K) as sim:
        c = sim.client(timeout=0.5)
        c.send_raw(echo_of_size(1473, 3))
        check(c.recv_raw() is not None, 'no answer to 1473 bytes without --ip-mtu')
        sim.stop()
    # an answer that does not fit is not sent: a state read of two slots at IP MTU 200
    with tempfile.NamedTemporaryFile(suffix='.jsonl') as log:
        with Sim(['--ip-mtu', '200', '--log-json', log.name], slot0=IMG1K) as sim:
            c = sim.client(timeout=0.5)
            c.upload(data(IMG1K), chunk=80)
            check_eq(c.request(OP_READ, GROUP_IMAGE, IMAGE_STATE), None,
                     'state read answer beyond the IP MTU')
            check_eq(c.echo(), {'r': 'hi'}, 'echo')
            sim.stop()
        drops = events(log.name, 'drop')
        check_eq([d['what'] for d in drops], ['response'], f'drop events {drops}')
        check('exceeds the IP MTU 200' in drops[0]['reason'], f'reason {drops[0]}')


@case
def ip_mtu_ipv6():
    if not have_ipv6():
        return
    # IPv6 headers take 40 bytes: 1452 bytes of payload in 1500
    with Sim(['--ip-mtu', '1500'], udp='[::1]:0', slot0=IMG1K) as sim:
        c = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
        c.settimeout(0.5)
        for size, answered in ((1452, True), (1453, False)):
            c.sendto(echo_of_size(size, 1), ('::1', sim.ports[0]))
            try:
                c.recvfrom(4096)
                got = True
            except socket.timeout:
                got = False
            check_eq(got, answered, f'answer to {size} bytes over IPv6')
        c.close()
        sim.stop()


@case
def reset_delay():
    # --time-scale 0 (Sim's default) does not scale the 250 ms of CONFIG_MCUMGR_GRP_OS_RESET_MS
    with tempfile.NamedTemporaryFile(suffix='.jsonl') as log:
        with Sim(['--reset-delay', '250', '--log-json', log.name], slot0=IMG1K) as sim:
            c = sim.client()
            c.upload(data('hashonly_60k_v2.0.0.bin'), chunk=1200)
            c.test_image(IMG60K_HASH)
            check_eq(c.call(OP_WRITE, GROUP_OS, OS_RESET), {}, 'reset answer')
            answered = time.monotonic()
            # the old firmware answers meanwhile: its test still pending
            state = c.state()
            check_slot(state, 0, IMG1K_HASH, active=True, confirmed=True)
            check_slot(state, 1, IMG60K_HASH, pending=True)
            check(time.monotonic() - answered < 0.2, 'the state read came too late')
            time.sleep(0.4)
            c.wait_running()
            state = c.state()
            check_slot(state, 0, IMG60K_HASH, active=True, confirmed=False)
            sim.stop()
        rsp = [e for e in events(log.name, 'response') if e.get('command') == 'os reset']
        reset = events(log.name, 'reset')
        check_eq(len(reset), 1, 'resets')
        delay = reset[0]['t_ms'] - rsp[0]['t_ms']
        check(249 <= delay < 350, f'reset {delay} ms after the answer')


@case
def loss():
    # seeded loss of requests and answers over every command, the same at the same seed
    def run(seed):
        faults = ['--seed', str(seed), '--fault', 'drop-request:p=0.3',
                  '--fault', 'drop-response:p=0.3']
        pattern = []
        with Sim(faults, slot0=IMG1K) as sim:
            c = sim.client(timeout=0.15)
            image = open(data(IMG1K), 'rb').read()
            requests = [
                (OP_WRITE, GROUP_OS, OS_ECHO, {'d': 'x'}),
                (OP_READ, GROUP_OS, 6, {}),
                (OP_READ, GROUP_IMAGE, IMAGE_STATE, {}),
                (OP_WRITE, GROUP_IMAGE, 1, {'off': 0, 'len': len(image), 'data': image[:64]}),
                (OP_WRITE, GROUP_IMAGE, IMAGE_STATE, {'confirm': True}),
                (OP_WRITE, GROUP_IMAGE, 5, {}),
                (OP_WRITE, GROUP_OS, OS_RESET, {}),
            ]
            for _ in range(6):
                for op, group, cmd, body in requests:
                    pattern.append(c.request(op, group, cmd, body) is not None)
                    if cmd == OS_RESET and group == GROUP_OS:
                        time.sleep(0.05)
            sim.stop()
        return pattern

    first, again, other = run(7), run(7), run(8)
    check_eq(again, first, 'loss pattern at the same seed')
    check(other != first, 'the same loss pattern at another seed')
    lost = first.count(False) / len(first)
    # 1 - 0.7 * 0.7 = 0.51 of the requests go unanswered
    check(0.3 < lost < 0.75, f'{lost:.2f} of the requests lost')
    # every kind of command was lost at least once
    kinds = 7
    for k in range(kinds):
        check(not all(first[k::kinds]), f'command {k} never lost in {first[k::kinds]}')


@case
def loss_of_reset():
    # a lost reset request: no reboot; a lost reset answer: the device reboots all the same
    for fault, reboots in (('drop-request:cmd=os.reset,p=1,count=1', 0),
                           ('drop-response:cmd=os.reset,p=1,count=1', 1)):
        with tempfile.NamedTemporaryFile(suffix='.jsonl') as log:
            with Sim(['--fault', fault, '--log-json', log.name], slot0=IMG1K) as sim:
                c = sim.client(timeout=0.3)
                check_eq(c.request(OP_WRITE, GROUP_OS, OS_RESET, {}), None, f'{fault}: answer')
                time.sleep(0.3)
                check_eq(c.echo(), {'r': 'hi'}, f'{fault}: echo afterwards')
                check_eq(len(events(log.name, 'reset')), reboots, f'{fault}: reboots')
                # the fault fired once: the next reset is answered and reboots
                check_eq(c.call(OP_WRITE, GROUP_OS, OS_RESET, {}), {}, f'{fault}: next reset')
                time.sleep(0.3)
                check_eq(len(events(log.name, 'reset')), reboots + 1, f'{fault}: reboots')
                sim.stop()


@case
def buf_release():
    # the MCUboot board: 2 buffers; the next request sent as soon as the answer came is lost
    args = ['--buf-count', '2', '--buf-size', '2048']
    with Sim(args + ['--buf-release-us', '100000'], slot0=IMG1K) as sim:
        c = sim.client(timeout=0.3)
        check_eq(c.echo('1'), {'r': '1'}, 'first echo')
        check_eq(c.echo('2'), None, 'echo sent right after an answer')
        time.sleep(0.1)
        check_eq(c.echo('3'), {'r': '3'}, 'echo after the buffers were released')
        sim.stop()
    with Sim(args, slot0=IMG1K) as sim:
        c = sim.client(timeout=0.3)
        for n in range(20):
            check_eq(c.echo(str(n)), {'r': str(n)}, f'echo {n} without a release delay')
        sim.stop()


@case
def options():
    def bad(args, want):
        with tempfile.TemporaryDirectory(prefix='dfud-sim-test-') as tmp:
            p = subprocess.run([simudp.SIM, '--state-dir', tmp] + args, capture_output=True,
                               timeout=10)
            check(p.returncode == 2, f'{args}: exit status {p.returncode}')
            check(want in p.stderr.decode(), f'{args}: {want!r} not in {p.stderr!r}')

    bad(['--ip-mtu', '67'], '--ip-mtu 67')
    bad(['--ip-mtu', '65536'], '--ip-mtu')
    bad(['--ip-mtu', '1500', '--link'], '--ip-mtu')
    bad(['--reset-delay', 'soon'], '--reset-delay')
    bad(['--reset-delay', '3600001'], '--reset-delay')
    bad(['--buf-release-us', '-1'], '--buf-release-us')
    bad(['--bootloader', 'none', '--mcuboot-s0', data('mcuboot-s0.bin'),
         '--mcuboot-s1', data('mcuboot-s1.bin')], 'none')
    bad(['--fault', 'drop-request:cmd=os.nothing,p=1'], 'os.nothing')
    # slots of different sizes: overwrite-only and the firmware loader only
    bad(['--slot1-size', '0x40000'], '--slot1-size differs')
    bad(['--bootloader', 'overwrite-only', '--slot1-size', '0x1001'], '--slot1-size 0x1001')
    bad(['--bootloader', 'ram-load', '--images', '2'], 'ram-load is modelled with one image')
    bad(['--bootloader', 'swap-move-ish'], 'unknown bootloader mode')
    bad(['--fault', 'stuck-offset:count=2'], 'stuck-offset needs offset=N')
    p = subprocess.run([simudp.SIM, '--help'], capture_output=True, timeout=10)
    out = p.stdout.decode()
    for want in ('--reset-delay=MS', 'not scaled by --time-scale (default: 250)',
                 '--buf-release-us=US', '--ip-mtu=N', 'direct-xip-revert, or none',
                 'single-slot-ram-load, ram-load, firmware-loader', '--slot1-size=BYTES',
                 '--slot0-addr=ADDR', '--slot-info',
                 'drop-request:p=P|after=N|offset=N[,cmd=C]', 'stuck-offset:offset=N',
                 'delay-response:ms=M[,p=P][,after=N][,cmd=C][,offset=N]',
                 'count=N and boot=N'):
        check(want in ' '.join(out.split()), f'{want!r} not in --help')


if __name__ == '__main__':
    sys.exit(simudp.main())
