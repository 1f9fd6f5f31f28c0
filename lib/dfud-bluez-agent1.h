/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

/*
 * BlueZ's org.bluez.Agent1 interface (BlueZ doc/agent-api.txt) as introspection XML: what an
 * agent exports for bluetoothd to call. Data, not logic: dfud's agent (transport/bluez) and the
 * simulated device's (sim/ble) each answer it their own way.
 */
#define DFUD_BLUEZ_AGENT1_XML \
    "<node><interface name='org.bluez.Agent1'>" \
    "<method name='Release'/>" \
    "<method name='RequestPinCode'><arg type='o' direction='in'/>" \
    "<arg type='s' direction='out'/></method>" \
    "<method name='DisplayPinCode'><arg type='o' direction='in'/>" \
    "<arg type='s' direction='in'/></method>" \
    "<method name='RequestPasskey'><arg type='o' direction='in'/>" \
    "<arg type='u' direction='out'/></method>" \
    "<method name='DisplayPasskey'><arg type='o' direction='in'/><arg type='u' direction='in'/>" \
    "<arg type='q' direction='in'/></method>" \
    "<method name='RequestConfirmation'><arg type='o' direction='in'/>" \
    "<arg type='u' direction='in'/></method>" \
    "<method name='RequestAuthorization'><arg type='o' direction='in'/></method>" \
    "<method name='AuthorizeService'><arg type='o' direction='in'/>" \
    "<arg type='s' direction='in'/></method>" \
    "<method name='Cancel'/>" \
    "</interface></node>"
