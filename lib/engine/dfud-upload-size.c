/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "DfudEngine"

#include "config.h"

#include "dfud-upload-size.h"
#include "smp/dfud-smp.h"

#define SIZE_PROBE_AFTER_RTO 4u
#define SIZE_PROBE_MIN_MS 1000u
#define SIZE_PROBES_MAX 4u

struct _DfudUploadSize {
	GObject parent_instance;
	DfudSmpClient *client;
	gsize size;
	gsize proven; /* the largest request the device answered */
	guint probe_timeout_ms;
	guint probe;  /* the timer of the next echo, 0 for none */
	guint probes; /* echoes for this size */
	GCancellable *cancellable;
	gboolean stopped;
	DfudUploadSizeStepFunc func;
	gpointer user_data;
};

G_DEFINE_TYPE(DfudUploadSize, dfud_upload_size, G_TYPE_OBJECT)

static void arm_probe(DfudUploadSize *self);

static void
dfud_upload_size_finalize(GObject *object)
{
	DfudUploadSize *self = DFUD_UPLOAD_SIZE(object);

	g_clear_handle_id(&self->probe, g_source_remove);
	g_clear_object(&self->cancellable);
	g_clear_object(&self->client);
	G_OBJECT_CLASS(dfud_upload_size_parent_class)->finalize(object);
}

static void
dfud_upload_size_class_init(DfudUploadSizeClass *klass)
{
	G_OBJECT_CLASS(klass)->finalize = dfud_upload_size_finalize;
}

static void
dfud_upload_size_init(DfudUploadSize *self)
{
}

DfudUploadSize *
dfud_upload_size_new(DfudSmpClient *client, gsize packet_size, guint probe_timeout_ms,
		     DfudUploadSizeStepFunc func, gpointer user_data)
{
	DfudUploadSize *self = g_object_new(DFUD_TYPE_UPLOAD_SIZE, NULL);

	self->client = g_object_ref(client);
	self->size = packet_size;
	self->probe_timeout_ms = probe_timeout_ms;
	self->func = func;
	self->user_data = user_data;
	return self;
}

gsize
dfud_upload_size_get(DfudUploadSize *self)
{
	return self->size;
}

void
dfud_upload_size_stop(DfudUploadSize *self)
{
	self->stopped = TRUE;
	g_clear_handle_id(&self->probe, g_source_remove);
}

/* a quarter smaller, or at the floor the end: the step function says which */
static void
step_down(DfudUploadSize *self, GError *why)
{
	gsize smaller = MAX((gsize)DFUD_UPLOAD_SIZE_FLOOR, (self->size * 3 / 4) & ~(gsize)3);
	gboolean stepped = smaller < self->size;

	g_clear_handle_id(&self->probe, g_source_remove);
	self->probes = 0;
	if (stepped) {
		g_info("%s: requests of %" G_GSIZE_FORMAT " bytes from now on", why->message,
		       smaller);
		self->size = smaller;
	}
	self->func(stepped, why, self->user_data);
}

typedef struct {
	DfudUploadSize *self;
	gsize size; /* the packet size probed for */
} Probe;

static void
probe_done(GObject *source, GAsyncResult *res, gpointer user_data)
{
	Probe *probe = user_data;
	g_autoptr(DfudUploadSize) self = probe->self;
	gsize size = probe->size;
	g_autoptr(GError) error = NULL;
	g_autoptr(DfudSmpResponse) resp =
	    dfud_smp_client_call_finish(DFUD_SMP_CLIENT(source), res, &error);

	g_free(probe);
	/* any answer to the small request while the big one still has none */
	if (!self->stopped && resp != NULL && self->size == size && self->proven < size)
		step_down(self, g_error_new(DFUD_ERROR, DFUD_ERROR_TIMEOUT,
					    "no answer to a request of %" G_GSIZE_FORMAT
					    " bytes while the device answers a small one",
					    size));
}

static gboolean
probe_fire(gpointer user_data)
{
	DfudUploadSize *self = user_data;
	g_autoptr(GBytes) request = NULL;
	Probe *probe;

	self->probe = 0;
	if (self->stopped || self->proven >= self->size)
		return G_SOURCE_REMOVE;
	request = dfud_smp_request_echo(dfud_smp_client_get_version(self->client), 0, "dfud",
					NULL);
	probe = g_new0(Probe, 1);
	probe->self = g_object_ref(self);
	probe->size = self->size;
	self->probes++;
	g_debug("no answer yet to %" G_GSIZE_FORMAT "-byte requests: an echo", self->size);
	dfud_smp_client_call_async(self->client, request, self->probe_timeout_ms,
				   self->cancellable, probe_done, probe);
	arm_probe(self);
	return G_SOURCE_REMOVE;
}

/* an echo soon, while no request of the current size was answered yet */
static void
arm_probe(DfudUploadSize *self)
{
	guint ms;

	if (self->stopped || self->probe != 0 || self->probes >= SIZE_PROBES_MAX ||
	    self->size <= DFUD_UPLOAD_SIZE_FLOOR)
		return;
	ms = MAX(SIZE_PROBE_MIN_MS, SIZE_PROBE_AFTER_RTO * dfud_smp_client_get_rto_ms(self->client))
	     << self->probes;
	self->probe = g_timeout_add(ms, probe_fire, self);
}

void
dfud_upload_size_sent(DfudUploadSize *self, gsize size, GCancellable *cancellable)
{
	if (size <= self->proven)
		return;
	if (self->cancellable != cancellable) {
		g_clear_object(&self->cancellable);
		self->cancellable = cancellable != NULL ? g_object_ref(cancellable) : NULL;
	}
	arm_probe(self);
}

gboolean
dfud_upload_size_answered(DfudUploadSize *self, gsize size, const DfudSmpResponse *resp,
			  const GError *error)
{
	gint64 rc = resp->status.rc;

	if (resp->status.failed && !resp->status.group_error && size > self->proven &&
	    (rc == DFUD_SMP_RC_ENOMEM || rc == DFUD_SMP_RC_EINVAL || rc == DFUD_SMP_RC_ECORRUPT)) {
		step_down(self, error != NULL ? g_error_copy(error)
					      : g_error_new(DFUD_ERROR, DFUD_ERROR_DEVICE,
							    "rc %" G_GINT64_FORMAT, rc));
		return TRUE;
	}
	if (!resp->status.failed && size > self->proven) {
		self->proven = size;
		if (self->proven >= self->size)
			g_clear_handle_id(&self->probe, g_source_remove);
	}
	return FALSE;
}
