# Copyright 2026 The dfud authors
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The names of dfud's D-Bus API (dbus/*.xml), for the tests that talk to it."""

NAME = "org.dfud.Dfu1"
ROOT = "/org/dfud/Dfu1"
MANAGER = "org.dfud.Dfu1.Manager"
DEVICE = "org.dfud.Dfu1.Device"
JOB = "org.dfud.Dfu1.Job"
ERROR = "org.dfud.Dfu1.Error."
PROPS = "org.freedesktop.DBus.Properties"
OBJMGR = "org.freedesktop.DBus.ObjectManager"

FINAL = ("done", "failed", "cancelled")
STATUSES = ("queued", "connecting", "uploading", "testing", "resetting", "verifying",
            "confirming") + FINAL
