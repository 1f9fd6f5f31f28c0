#!/usr/bin/env python3
# Copyright 2026 The dfud authors
# SPDX-License-Identifier: LGPL-2.1-or-later
"""End-to-end tests of dfud-sim over UDP (helpers in simudp.py).

usage: test-sim-udp.py DFUD_SIM TEST_DATA_DIR CASE
"""

import hashlib
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time

import cbor2

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import simudp  # noqa: E402
from simudp import (  # noqa: E402
    GROUP_IMAGE, GROUP_OS, IMAGE_UPLOAD, IMG1K, IMG1K_HASH, IMG1K_SHA, IMG60K,
    IMG60K_HASH, OP_READ, OP_WRITE, OP_WRITE_RSP, OS_ECHO, OS_PARAMS, OS_RESET, Sim, case,
    check, check_eq, check_slot, data, frame, free_port_base, have_ipv6, parse_header, slot)


@case
def echo():
    with Sim([]) as sim:
        c = sim.client()
        req = bytes.fromhex('08 00 00 06 00 00 00 00 A1 61 64 62 68 69')
        c.send_raw(req)
        check_eq(c.recv_raw(), bytes.fromhex('09 00 00 06 00 00 00 00 A1 61 72 62 68 69'),
                 'echo response bytes')
        # SMP v1: the same answer with version 0
        c.send_raw(bytes.fromhex('02 00 00 06 00 00 07 00 A1 61 64 62 68 69'))
        check_eq(c.recv_raw(), bytes.fromhex('03 00 00 06 00 00 07 00 A1 61 72 62 68 69'),
                 'v1 echo response bytes')
        # fewer than 8 bytes: dropped without an answer
        c.send_raw(b'\x08\x00\x00')
        check_eq(c.recv_raw(timeout=0.3), None, 'answer to a 3-byte datagram')
        sim.stop()


@case
def params():
    with Sim(['--buf-size', '1024', '--buf-count', '3']) as sim:
        rsp = sim.client().call(OP_READ, GROUP_OS, OS_PARAMS)
        check_eq(rsp.get('buf_size'), 1024, 'buf_size')
        check_eq(rsp.get('buf_count'), 3, 'buf_count')
        sim.stop()
    with Sim([]) as sim:
        rsp = sim.client().call(OP_READ, GROUP_OS, OS_PARAMS)
        check_eq((rsp.get('buf_size'), rsp.get('buf_count')), (2475, 4), 'default params')
        sim.stop()


@case
def state_read():
    with Sim([]) as sim:
        state = sim.client().state()
        check_eq(len(state['images']), 1, f'slots listed in {state}')
        entry = state['images'][0]
        check_eq(entry['slot'], 0, 'slot')
        check_eq(entry['version'], '2.0.0', 'version')
        check_eq(entry['hash'].hex(), IMG60K_HASH, 'hash')
        for name, want in (('bootable', True), ('pending', False), ('confirmed', True),
                           ('active', True), ('permanent', False)):
            check_eq(entry.get(name), want, name)
        check('image' not in entry, 'image key on a single-image device')
        check_eq(state.get('splitStatus'), 0, 'splitStatus')
        sim.stop()


def upload_1k(c):
    check_eq(hashlib.sha256(open(data(IMG1K), 'rb').read()).hexdigest(),
             IMG1K_SHA, 'fixture SHA-256')
    last = c.upload(data(IMG1K), chunk=400)
    check_eq(last.get('match'), True, f'match in the last upload response {last}')
    state = c.state()
    check_slot(state, 1, IMG1K_HASH, pending=False, confirmed=False, active=False)
    check_eq(slot(state, 0, 1)['version'], '1.2.3.4', 'uploaded version')


@case
def upload_test_confirm():
    with Sim([]) as sim:
        c = sim.client()
        upload_1k(c)
        state = c.test_image(IMG1K_HASH)
        check_slot(state, 1, IMG1K_HASH, pending=True, permanent=False)
        check_slot(state, 0, IMG60K_HASH, active=True, confirmed=True)
        c.reset()
        # the test image runs unconfirmed; the old one is the revert target
        state = c.state()
        check_slot(state, 0, IMG1K_HASH, active=True, confirmed=False)
        check_slot(state, 1, IMG60K_HASH, active=False, confirmed=True)
        state = c.confirm()
        check_slot(state, 0, IMG1K_HASH, active=True, confirmed=True)
        c.reset()
        state = c.state()
        check_slot(state, 0, IMG1K_HASH, active=True, confirmed=True, pending=False)
        check_slot(state, 1, IMG60K_HASH, active=False, confirmed=False, pending=False)
        sim.stop()


@case
def revert():
    with Sim([]) as sim:
        c = sim.client()
        upload_1k(c)
        c.test_image(IMG1K_HASH)
        c.reset()
        check_slot(c.state(), 0, IMG1K_HASH, active=True, confirmed=False)
        # not confirmed: MCUboot swaps the old image back
        c.reset()
        state = c.state()
        check_slot(state, 0, IMG60K_HASH, active=True, confirmed=True)
        check_slot(state, 1, IMG1K_HASH, active=False, pending=False)
        sim.stop()


@case
def count():
    base = free_port_base(3)
    with Sim(['--count', '3'], udp=f'127.0.0.1:{base}') as sim:
        check_eq(sim.ports, [base, base + 1, base + 2], 'ports')
        check_eq(sim.lines[:3], [f'dfud-sim: device {k} listening on udp 127.0.0.1:{base + k}'
                                 for k in range(3)], 'ready lines')
        clients = [sim.client(k) for k in range(3)]
        for k, c in enumerate(clients):
            check_eq(c.echo(f'dev{k}'), {'r': f'dev{k}'}, f'echo of device {k}')
        clients[1].upload(data(IMG1K), chunk=1000)
        check_slot(clients[1].state(), 1, IMG1K_HASH)
        for k in (0, 2):
            check_eq(len(clients[k].state()['images']), 1, f'slots of device {k}')
        for k in range(3):
            check(os.path.isdir(os.path.join(sim.state_dir, f'dev{k}')), f'dev{k} state dir')
        sim.stop()


@case
def restart():
    with tempfile.TemporaryDirectory(prefix='dfud-sim-test-') as tmp:
        with Sim([], state_dir=tmp) as sim:
            c = sim.client()
            upload_1k(c)
            c.test_image(IMG1K_HASH)
            c.reset()
            c.confirm()
            sim.stop(signal.SIGINT)
        # --slot0 only applies to a new state directory
        with Sim([], state_dir=tmp) as sim:
            state = sim.client().state()
            check_slot(state, 0, IMG1K_HASH, active=True, confirmed=True)
            check_slot(state, 1, IMG60K_HASH, active=False, confirmed=False)
            sim.stop()
        # a test scheduled before the restart still runs at the next reset
        with Sim([], state_dir=tmp) as sim:
            sim.client().test_image(IMG60K_HASH)
            sim.stop()
        with Sim([], state_dir=tmp) as sim:
            c = sim.client()
            check_slot(c.state(), 1, IMG60K_HASH, pending=True)
            c.reset()
            check_slot(c.state(), 0, IMG60K_HASH, active=True, confirmed=False)
            sim.stop()


@case
def truncation():
    with Sim([]) as sim:
        c = sim.client()
        # exactly 1500 bytes: a valid echo
        text = 'x' * (1500 - 8 - 1 - 2 - 3)
        req = frame(OP_WRITE, GROUP_OS, OS_ECHO, {'d': text}, seq=1)
        check_eq(len(req), 1500, 'request size')
        c.send_raw(req)
        rsp = c.recv_raw()
        check(rsp is not None, 'no answer to a 1500-byte echo')
        check_eq(cbor2.loads(rsp[8:]), {'r': text}, '1500-byte echo')
        # 2000 bytes: cut to 1500, the header length no longer matches: rc 9
        text = 'y' * (2000 - 8 - 1 - 2 - 3)
        req = frame(OP_WRITE, GROUP_OS, OS_ECHO, {'d': text}, seq=2)
        check_eq(len(req), 2000, 'request size')
        c.send_raw(req)
        rsp = c.recv_raw()
        check(rsp is not None, 'no answer to a 2000-byte datagram')
        hdr = parse_header(rsp)
        check_eq((hdr['op'], hdr['group'], hdr['seq'], hdr['id']), (OP_WRITE_RSP, 0, 2, 0),
                 'header of the answer')
        check_eq(cbor2.loads(rsp[8:]), {'rc': 9}, 'answer to a truncated datagram')
        sim.stop()
    # with the BLE air model a datagram is a reassembled SMP packet: the SMP buffer limits it
    with Sim(['--link', '--buf-size', '2475']) as sim:
        c = sim.client(timeout=5.0)
        text = 'z' * (2400 - 8 - 1 - 2 - 3)
        req = frame(OP_WRITE, GROUP_OS, OS_ECHO, {'d': text}, seq=3)
        check_eq(len(req), 2400, 'request size')
        c.send_raw(req)
        rsp = c.recv_raw()
        check(rsp is not None, 'no answer to a 2400-byte echo over the link model')
        check_eq(cbor2.loads(rsp[8:]), {'r': text}, '2400-byte echo over the link model')
        sim.stop()
    with Sim(['--link', '--buf-size', '1024']) as sim:
        c = sim.client(timeout=5.0)
        c.send_raw(frame(OP_WRITE, GROUP_OS, OS_ECHO, {'d': 'w' * 1500}, seq=4))
        rsp = c.recv_raw()
        check(rsp is not None, 'no answer to a datagram beyond the SMP buffer')
        check_eq(cbor2.loads(rsp[8:]), {'rc': 9}, 'answer to a datagram beyond the SMP buffer')
        sim.stop()


@case
def fault_drop_response():
    with Sim(['--fault', 'drop-response:after=2']) as sim:
        c = sim.client(timeout=1.0)
        check_eq(c.echo('1'), {'r': '1'}, 'request 1')
        check_eq(c.echo('2'), {'r': '2'}, 'request 2')
        check_eq(c.echo('3', timeout=0.5), None, 'request 3 (its response dropped)')
        check_eq(c.echo('4'), {'r': '4'}, 'request 4 (the fault fired once)')
        sim.stop()


@case
def fault_error():
    with Sim(['--fault', 'error:cmd=image.upload,rc=9,group=1']) as sim:
        c = sim.client()
        image = open(data(IMG1K), 'rb').read()
        body = {'off': 0, 'len': len(image), 'data': image[:256]}
        check_eq(c.call(OP_WRITE, GROUP_IMAGE, IMAGE_UPLOAD, body),
                 {'err': {'group': 1, 'rc': 9}}, 'v2 upload answer')
        # v1: NO_FREE_SLOT translates to EBADSTATE (6)
        rsp = c.call(OP_WRITE, GROUP_IMAGE, IMAGE_UPLOAD, body, ver=0)
        check_eq(rsp.get('rc'), 6, f'v1 upload answer {rsp}')
        check('err' not in rsp, 'err map in a v1 answer')
        # other commands are not affected
        check_eq(c.echo(), {'r': 'hi'}, 'echo')
        sim.stop()


@case
def fault_file_sighup():
    with tempfile.NamedTemporaryFile('w', suffix='.faults', delete=False) as f:
        f.write('# nothing yet\n')
        path = f.name
    try:
        with Sim(['--fault-file', path]) as sim:
            c = sim.client(timeout=1.0)
            check_eq(c.echo(), {'r': 'hi'}, 'echo before SIGHUP')
            with open(path, 'w') as f:
                f.write('# every response lost\n\ndrop-response:p=1\n')
            sim.proc.send_signal(signal.SIGHUP)
            line = sim.wait_line('dfud-sim: faults reloaded', 5)
            check(line.endswith('(1)'), f'reload line {line!r}')
            check_eq(c.echo(timeout=0.5), None, 'echo after SIGHUP')
            # a bad file keeps the faults that run
            with open(path, 'w') as f:
                f.write('no-such-fault\n')
            sim.proc.send_signal(signal.SIGHUP)
            time.sleep(0.3)
            check_eq(c.echo(timeout=0.5), None, 'echo after a bad reload')
            check(sim.proc.poll() is None, 'dfud-sim died on a bad fault file')
            with open(path, 'w') as f:
                f.write('\n')
            sim.proc.send_signal(signal.SIGHUP)
            sim.wait_line('dfud-sim: faults reloaded', 5)
            check_eq(c.echo(), {'r': 'hi'}, 'echo after the faults were removed')
            sim.stop()
    finally:
        os.unlink(path)


@case
def drop_link():
    with tempfile.NamedTemporaryFile(suffix='.jsonl') as log:
        with Sim(['--fault', 'drop-link:after=1', '--log-json', log.name]) as sim:
            c = sim.client(timeout=1.0)
            c.echo('first')
            # the peer's next datagram opens a new session, which answers
            check_eq(c.echo('second'), {'r': 'second'}, 'echo on the new session')
            sim.stop()
        events = [json.loads(line) for line in open(log.name) if line.strip()]
        sessions = [e for e in events if e['event'] == 'session']
        check(len(sessions) >= 3, f'session events (open, close, open): {sessions}')


@case
def down_while_resetting():
    with tempfile.NamedTemporaryFile(suffix='.jsonl') as log:
        # real time for this one: the swap keeps the device away 1.5 s
        with Sim(['--swap-time', '1500', '--time-scale', '1', '--log-json', log.name]) as sim:
            c = sim.client(timeout=1.0)
            check_eq(c.call(OP_WRITE, GROUP_OS, OS_RESET), {}, 'reset response')
            start = time.monotonic()
            time.sleep(0.5)
            check_eq(c.echo('down?', timeout=0.3), None, 'answer while resetting')
            c.wait_running(10)
            check(time.monotonic() - start > 1.2, 'device came back before the swap time')
            sim.stop()
        events = [json.loads(line) for line in open(log.name) if line.strip()]
        drops = [e for e in events if e['event'] == 'drop' and e.get('reason') == 'not running']
        check(len(drops) >= 1, 'no "drop" event for the datagram sent while down')


@case
def log_json():
    with tempfile.NamedTemporaryFile(suffix='.jsonl') as log:
        with Sim(['--log-json', log.name]) as sim:
            check_eq(sim.client().echo('logged'), {'r': 'logged'}, 'echo')
            sim.stop()
        lines = [line for line in open(log.name) if line.strip()]
        check(len(lines) >= 2, f'log lines: {lines}')
        events = []
        for line in lines:
            e = json.loads(line)
            check(isinstance(e, dict), f'log line is not an object: {line}')
            for key in ('t_ms', 'device', 'event'):
                check(key in e, f'{key} missing in {line}')
            events.append(e)
        req = [e for e in events if e['event'] == 'request']
        rsp = [e for e in events if e['event'] == 'response']
        check(req and rsp, f'request and response events in {events}')
        check('logged' in json.dumps(req[0]), f'echo text in the request event {req[0]}')
        check('logged' in json.dumps(rsp[0]), f'echo text in the response event {rsp[0]}')
        check(all(e['device'] == 0 for e in events), 'device index')


def timed_upload(args, chunk):
    with Sim(args) as sim:
        c = sim.client(timeout=5.0)
        start = time.monotonic()
        c.upload(data(IMG60K), chunk=chunk)
        elapsed = time.monotonic() - start
        sim.stop()
    return elapsed


@case
def link():
    # 61992 bytes at 1M (about 99 kB/s of SMP data in one direction, dfud-sim(1)) take at
    # least 0.6 s on the model's air, one request at a time; without the model, far less
    size = os.path.getsize(data(IMG60K))
    check_eq(size, 61992, 'fixture size')
    fast = timed_upload([], 1400)
    slow = timed_upload(['--link-phy', '1M'], 1400)
    check(slow >= size / 99000.0, f'upload over the 1M link model took {slow:.3f} s')
    # the model adds its air time to the same work (only lower bounds hold on a loaded
    # machine: a ratio of two wall times does not)
    check(fast < slow, f'without the link model {fast:.3f} s, with it {slow:.3f} s')
    # a smaller MTU and PDU: slower still (about 29 kB/s at 1M, three times the bound above)
    small = timed_upload(['--link-phy', '1M', '--link-mtu', '23', '--link-data-length', '27'],
                         1400)
    check(small >= size / 29040.0, f'upload at MTU 23 took {small:.3f} s')


@case
def link_time_scale():
    # a quarter of the air time, never less: at least a quarter of the 1M bound above
    size = os.path.getsize(data(IMG60K))
    quick = timed_upload(['--link-phy', '1M', '--link-time-scale', '0.25'], 1400)
    check(quick >= 0.25 * size / 99000.0, f'upload at link time scale 0.25 took {quick:.3f} s')
    # the model line says what runs
    with Sim(['--link-phy', '1M', '--link-time-scale', '0.25', '--flash', 'nrf5340']) as sim:
        model = [line for line in sim.lines if line.startswith('dfud-sim: model: ')]
        check_eq(len(model), 1, f'model lines in {sim.lines}')
        for want in ('flash nrf5340', '10750 ns/byte', '87500 us', 'link 1M 7.5 ms',
                     'MTU 498', '(time scale 0.25)'):
            check(want in model[0], f'{want!r} not in {model[0]!r}')
        check_eq(sim.lines[-1], 'READY', 'last line')
        sim.stop()


def capacity_of(args):
    p = subprocess.run([simudp.SIM, '--capacity'] + args, capture_output=True, timeout=30)
    check_eq(p.returncode, 0, f'--capacity {args}: exit status ({p.stderr.decode()})')
    lines = p.stdout.decode().splitlines()
    check_eq(len(lines), 1, f'--capacity {args}: one line')
    out = json.loads(lines[0])
    check(isinstance(out, dict), f'--capacity {args}: not an object: {lines[0]}')
    for key in ('image_bytes', 'packet', 'data_per_packet', 'link_Bps', 'flash', 'erase_us',
                'write_us', 'flash_Bps', 'progressive_erase', 'bound_us', 'capacity_Bps',
                'limit'):
        check(key in out, f'--capacity {args}: {key} missing in {out}')
    return out


@case
def capacity():
    size = 307752  # tests/data/hashonly_300k_v1.0.0.bin
    # 2M, LL 251, MTU 498, 2475-byte buffers: the link carries 150..190 kB/s of image data
    c = capacity_of([str(size), '--link', '--progressive-erase'])
    check_eq(c['image_bytes'], size, 'image_bytes')
    check(150000 <= c['link_Bps'] <= 190000, f'2M link: {c}')
    check(c['packet'] <= 2475 and 0 < c['data_per_packet'] < c['packet'], f'packet: {c}')
    check_eq(c['flash'], 'nrf52840', 'default flash')
    check_eq(c['progressive_erase'], True, 'progressive_erase')
    # nRF52840 progressive: 1e9 / (10250 + 85e6 / 4096) B/s within 1%
    want = 1e9 / (10250 + 85e6 / 4096)
    check(abs(c['flash_Bps'] - want) <= 0.01 * want, f'nRF52840 flash_Bps {c["flash_Bps"]}')
    check_eq(c['bound_us'], max(round(size * 1e6 / c['link_Bps'] + 0.5),
                                c['erase_us'] + c['write_us']), 'progressive bound')
    check(abs(c['capacity_Bps'] - size * 1e6 / c['bound_us']) < 1e-6, 'capacity_Bps')
    check_eq(c['limit'], 'flash', 'limit of a 2M link and nRF52840 flash')
    # the nRF5340 is slower
    c53 = capacity_of([str(size), '--link', '--progressive-erase', '--flash', 'nrf5340'])
    check_eq(c53['flash'], 'nrf5340', 'flash name')
    want = 1e9 / (10750 + 87.5e6 / 4096)
    check(abs(c53['flash_Bps'] - want) <= 0.01 * want, f'nRF5340 flash_Bps {c53["flash_Bps"]}')
    check(c53['flash_Bps'] < c['flash_Bps'], 'nRF5340 slower than nRF52840')
    # no link model: the flash alone
    nl = capacity_of([str(size), '--progressive-erase'])
    check_eq(nl['link_Bps'], None, 'link_Bps without the link model')
    check_eq(nl['limit'], 'flash', 'limit without the link model')
    nl = capacity_of([str(size), '--no-link', '--link-phy', '1M'])
    check_eq(nl['link_Bps'], None, 'link_Bps with --no-link')
    # erase on the first chunk, a slow link: erase + link
    slow = capacity_of([str(size), '--link-phy', '1M', '--link-mtu', '23',
                        '--link-data-length', '27', '--buf-size', '4096'])
    check_eq(slow['limit'], 'link', 'limit of MTU 23 at 1M')
    check(slow['bound_us'] > slow['erase_us'] + size * 1e6 / slow['link_Bps'] - 1,
          f'erase + link: {slow}')
    # the time scales change wall time, not the model's bound
    scaled = capacity_of([str(size), '--link', '--progressive-erase', '--time-scale', '0.1',
                          '--link-time-scale', '0.1'])
    check_eq(scaled, c, 'bound with time scales')
    # a k suffix: KiB
    check_eq(capacity_of(['300k', '--link'])['image_bytes'], 300 * 1024, '300k')


def run_bad(args, want_in_stderr, state_dir=True):
    with tempfile.TemporaryDirectory(prefix='dfud-sim-test-') as tmp:
        cmd = [simudp.SIM] + (['--state-dir', tmp] if state_dir else []) + args
        p = subprocess.run(cmd, capture_output=True, timeout=10)
        check(p.returncode != 0, f'{args}: exit status 0')
        err = p.stderr.decode()
        check(want_in_stderr in err, f'{args}: {want_in_stderr!r} not in stderr {err!r}')
        check(len(err.splitlines()) <= 3, f'{args}: a long message: {err!r}')
        check_eq(p.stdout, b'', f'{args}: stdout')


@case
def bad_options():
    run_bad(['--buf-count', 'many'], '--buf-count')
    run_bad(['--buf-count', '0'], '--buf-count')
    run_bad(['--no-such-option'], 'no-such-option')
    run_bad(['--udp', '127.0.0.1'], '--udp')
    run_bad(['--udp', '127.0.0.1:70000'], '--udp')
    run_bad(['--bootloader', 'swap-magic'], '--bootloader')
    run_bad(['--fault', 'explode:now=1'], '--fault')
    run_bad(['--link-interval', '8'], '--link-interval')
    run_bad(['--link-phy', '4M'], '--link-phy')
    run_bad(['--time-scale', '-1'], '--time-scale')
    run_bad(['--link-time-scale', '0'], '--link-time-scale')
    run_bad(['--link-time-scale', '-0.5'], '--link-time-scale')
    run_bad(['--link-time-scale', 'fast'], '--link-time-scale')
    run_bad(['--flash', 'nrf9160'], '--flash')
    run_bad(['--capacity', '0'], '--capacity')
    run_bad(['--capacity', 'big'], '--capacity')
    run_bad(['--capacity', '600000'], 'slot', state_dir=False)
    run_bad(['--capacity', '1000', '--buf-count', '0'], '--buf-count', state_dir=False)
    run_bad(['surplus'], 'surplus')
    run_bad([], '--state-dir', state_dir=False)
    run_bad(['--slot0', '/nonexistent/image.bin', '--udp', '127.0.0.1:0'], 'image.bin')
    run_bad(['--fault-file', '/nonexistent/faults'], '/nonexistent/faults')
    run_bad(['--udp', '127.0.0.1:65535', '--count', '2'], '65535')
    # a port in use: a run-time failure
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(('127.0.0.1', 0))
    try:
        run_bad(['--udp', f'127.0.0.1:{s.getsockname()[1]}'], 'udp')
    finally:
        s.close()
    p = subprocess.run([simudp.SIM, '--help'], capture_output=True, timeout=10)
    check_eq(p.returncode, 0, '--help exit status')
    out = p.stdout.decode()
    for want in ('--udp', 'default: 127.0.0.1:1337', 'default: 2475', 'default: swap-move',
                 '--link-pdus', '--fault-file', 'drop-link', '--flash=nrf52840|nrf5340',
                 'default: nrf52840', '--link-time-scale', '--capacity'):
        check(want in out, f'{want!r} not in --help')
    p = subprocess.run([simudp.SIM, '--version'], capture_output=True, timeout=10)
    check_eq(p.returncode, 0, '--version exit status')
    check(p.stdout.decode().startswith('dfud-sim '), '--version output')


@case
def ipv6():
    if not have_ipv6():
        return
    with Sim([], udp='[::1]:0') as sim:
        check(sim.lines[0].startswith('dfud-sim: device 0 listening on udp [::1]:'), sim.lines)
        c = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
        c.settimeout(2)
        c.sendto(bytes.fromhex('08 00 00 06 00 00 00 00 A1 61 64 62 68 69'),
                 ('::1', sim.ports[0]))
        data, _ = c.recvfrom(2048)
        check_eq(data, bytes.fromhex('09 00 00 06 00 00 00 00 A1 61 72 62 68 69'), 'ipv6 echo')
        c.close()
        sim.stop()


if __name__ == '__main__':
    sys.exit(simudp.main())
