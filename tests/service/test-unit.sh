#!/bin/sh
# Copyright 2026 The dfud authors
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Checks of the shipped service files, one part per invocation:
#   test-unit.sh security UNIT            systemd-analyze security: exposure at most 2.0
#   test-unit.sh verify UNIT DAEMON       systemd-analyze verify (ExecStart pointed at DAEMON)
#   test-unit.sh contents UNIT            what the unit must (not) say
#   test-unit.sh sysusers FILE            the sysusers.d entry creates user dfud, group dfu
#   test-unit.sh activation FILE UNIT     the D-Bus activation file names the unit and user
#   test-unit.sh polkit POLICY AUTH_H     the polkit actions are valid and are dd-auth.h's
#   test-unit.sh udev RULES               the udev rule keeps ModemManager off dfud's ports
set -eu

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

need() {
	command -v "$1" >/dev/null 2>&1 || fail "$1 is needed for this test (package: $2)"
}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/dfud-test-unit-XXXXXX")
trap 'rm -rf "$tmp"' EXIT

part=${1:?part}
shift

case "$part" in
security)
	unit=$1
	need systemd-analyze systemd
	# --threshold=20: exit status non-zero above an exposure of 2.0
	if ! systemd-analyze security --offline=true --threshold=20 "$unit" >"$tmp/out" 2>&1; then
		cat "$tmp/out"
		fail "systemd-analyze security: exposure of $unit above 2.0"
	fi
	grep 'Overall exposure level' "$tmp/out" || fail "no exposure level in the output"
	;;

verify)
	unit=$1
	daemon=$2
	need systemd-analyze systemd
	# the unit names the installed path, which a build does not have: use the built daemon
	sed "s|^ExecStart=[^ ]*|ExecStart=$daemon|" "$unit" >"$tmp/dfud.service"
	# man pages are not installed in a build tree: --man=no
	if systemd-analyze verify --man=no "$tmp/dfud.service" >"$tmp/out" 2>&1; then
		cat "$tmp/out"
		echo "systemd-analyze verify: ok"
		exit 0
	fi
	cat "$tmp/out"
	# only if a trivial unit fails too is it this machine, not our unit
	printf '[Service]\nExecStart=/bin/true\n' >"$tmp/trivial.service"
	if ! systemd-analyze verify --man=no "$tmp/trivial.service" >"$tmp/trivial" 2>&1; then
		cat "$tmp/trivial"
		echo "SKIP: systemd-analyze verify cannot run offline here (a trivial unit fails too)"
		# meson shows 77 as SKIP: visible, never counted as a pass
		exit 77
	fi
	fail "systemd-analyze verify refuses $unit"
	;;

contents)
	unit=$1
	for line in 'Type=notify' 'BusName=org.dfud.Dfu1' 'User=dfud' 'StateDirectory=dfud' \
		'StateDirectoryMode=0700' 'ConfigurationDirectory=dfud' 'Restart=on-failure' \
		'Documentation=man:dfud(8)' 'CapabilityBoundingSet=' 'NoNewPrivileges=yes' \
		'ProtectSystem=strict' 'RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6' \
		'SystemCallFilter=@system-service' 'Alias=dbus-org.dfud.Dfu1.service'; do
		grep -qxF "$line" "$unit" || fail "$unit lacks the line: $line"
	done
	grep -q '^WatchdogSec=' "$unit" || fail "$unit has no WatchdogSec="
	# GLib 2.74 thread pools log a critical when sched_setattr() is refused
	grep -qx 'SystemCallFilter=sched_setattr' "$unit" ||
		fail "$unit refuses sched_setattr, which GLib's thread pools call"
	grep -q '^ExecStart=/.*/dfud$' "$unit" || fail "$unit: ExecStart= is not an absolute path"
	# udp: devices are on the network: no network isolation, and it says why
	for key in PrivateNetwork IPAddressDeny; do
		if grep -q "^$key=" "$unit"; then
			fail "$unit sets $key=, which would cut dfud off from udp: devices"
		fi
	done
	grep -q 'udp: devices' "$unit" || fail "$unit does not explain the network choice"
	# serial: devices: the tty classes through the dialout group, no other device
	for line in 'DevicePolicy=closed' 'SupplementaryGroups=dialout' 'DeviceAllow=char-ttyACM rw' \
		'DeviceAllow=char-ttyUSB rw' 'DeviceAllow=char-ttyS rw'; do
		grep -qxF "$line" "$unit" || fail "$unit lacks the line: $line"
	done
	if grep '^DeviceAllow=' "$unit" | grep -qv '^DeviceAllow=char-tty\(ACM\|USB\|S\) rw$'; then
		fail "$unit allows a device beyond the serial ports"
	fi
	echo "unit contents: ok"
	;;

sysusers)
	file=$1
	need systemd-sysusers systemd
	mkdir -p "$tmp/root/etc"
	systemd-sysusers --root="$tmp/root" "$file"
	grep -q '^dfud:x:[0-9]*:[0-9]*:[^:]*:/var/lib/dfud:' "$tmp/root/etc/passwd" ||
		fail "no user dfud with home /var/lib/dfud"
	grep -q '^dfu:x:' "$tmp/root/etc/group" || fail "no group dfu"
	grep -q '^dfud:x:' "$tmp/root/etc/group" || fail "no group dfud"
	# system accounts, below the first regular uid
	uid=$(sed -n 's/^dfud:x:\([0-9]*\):.*/\1/p' "$tmp/root/etc/passwd")
	[ "$uid" -lt 1000 ] || fail "dfud got the regular uid $uid"
	echo "sysusers: ok"
	;;

activation)
	file=$1
	unit=$2
	grep -qx '\[D-BUS Service\]' "$file" || fail "$file: no [D-BUS Service] group"
	grep -qx 'Name=org.dfud.Dfu1' "$file" || fail "$file: not for org.dfud.Dfu1"
	grep -qx 'User=dfud' "$file" || fail "$file: not run as dfud"
	grep -qx 'SystemdService=dfud.service' "$file" || fail "$file: no SystemdService=dfud.service"
	exec_path=$(sed -n 's/^Exec=//p' "$file")
	unit_exec=$(sed -n 's/^ExecStart=//p' "$unit")
	[ "$exec_path" = "$unit_exec" ] || fail "Exec=$exec_path differs from ExecStart=$unit_exec"
	echo "activation file: ok"
	;;

udev)
	# the rule keeps ModemManager off the ports of the devices dfud updates
	rules=$1
	grep -q 'ENV{ID_MM_DEVICE_IGNORE}="1"' "$rules" || fail "$rules sets no ID_MM_DEVICE_IGNORE"
	grep -q '^SUBSYSTEM!="tty", GOTO=' "$rules" || fail "$rules is not limited to ttys"
	echo "udev rule: ok"
	;;
polkit)
	policy=$1
	auth_h=$2
	need xmllint libxml2-utils
	dtd=/usr/share/polkit-1/policyconfig-1.dtd
	if [ -f "$dtd" ]; then
		xmllint --noout --dtdvalid "$dtd" "$policy" || fail "$policy is not valid"
	else
		echo "no $dtd (polkit not installed): well-formedness only"
		xmllint --noout "$policy" || fail "$policy is not well-formed"
	fi
	ids=$(sed -n 's/^#define DD_AUTH_ACTION_[A-Z]* "\([^"]*\)".*/\1/p' "$auth_h" | sort)
	[ -n "$ids" ] || fail "no DD_AUTH_ACTION_* in $auth_h"
	actions=$(sed -n 's/.*<action id="\([^"]*\)".*/\1/p' "$policy" | sort)
	[ "$ids" = "$actions" ] || fail "actions in $policy ($actions) are not dd-auth.h's ($ids)"
	echo "polkit actions: ok ($(printf %s "$actions" | tr "\n" " "))"
	;;

*)
	fail "unknown part $part"
	;;
esac
