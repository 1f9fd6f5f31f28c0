/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "hb-connector.h"

G_BEGIN_DECLS

/*
 * One dfud device as one hawkBit target: polls its base resource at the server's
 * config.polling.sleep (jittered, backed off after errors), pushes its attributes as
 * configData, runs the deployments and cancellations the server gives it and feeds back
 * how they went (hb-action.c). Reference counted: a callback in flight keeps it alive
 * after its device went.
 */
typedef struct _HbTarget HbTarget;

HbTarget *hb_target_new(HbConnector *connector, DfudDbusDevice *device, const gchar *controller_id,
			GError **error);
HbTarget *hb_target_ref(HbTarget *target);
void hb_target_unref(HbTarget *target);
/* the device went: nothing more is started, what runs ends quietly */
void hb_target_remove(HbTarget *target);
const gchar *hb_target_controller_id(HbTarget *target);
/* the controller id of a device from the [Targets] ControllerId template; NULL: none */
gchar *hb_target_make_controller_id(const HbConfig *config, DfudDbusDevice *device,
				    const gchar *object_path);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(HbTarget, hb_target_unref)

G_END_DECLS
