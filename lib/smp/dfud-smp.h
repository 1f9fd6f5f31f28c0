/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

/* The SMP (mcumgr) codec: pure functions over bytes, no transport, no main loop. */
#include "dfud-smp-cbor-check.h"
#include "dfud-smp-cbor-map.h"
#include "dfud-smp-cbor-writer.h"
#include "dfud-smp-command.h"
#include "dfud-smp-header.h"
#include "dfud-smp-image-results.h"
#include "dfud-smp-image-state.h"
#include "dfud-smp-message.h"
#include "dfud-smp-os-results.h"
#include "dfud-smp-pending.h"
#include "dfud-smp-rc.h"
#include "dfud-smp-request.h"
#include "dfud-smp-response.h"
#include "dfud-smp-upload-size.h"
