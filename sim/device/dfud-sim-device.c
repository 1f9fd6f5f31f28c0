/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "DfudSim"

#include "config.h"

#include <string.h>

#include "dfud-error.h"
#include "dfud-sim-device-private.h"
#include "dfud-sim-timer.h"

/*
 * The device's runtime: sessions, the SMP buffer pool, the work queue (one request at a time,
 * in arrival order), the link model, the timing of flash work, faults, and resets. The per-packet
 * delays (a request's arrival, the flash work, a response's delivery, the buffers' release)
 * run on microsecond timers (dfud-sim-timer.h); resets and swaps on millisecond ones.
 *
 * The buffers, as Zephyr's UDP transport and smp.c take them: a request takes one when it
 * arrives (none free: it is lost, "Failed to allocate mcumgr buffer"), its processing one for
 * the response (none free: the answer is {"rc": 2}, written in the request's buffer); the
 * work queue frees both once the response is out, --buf-release-us later (the time the
 * transport's send takes on a real board), and only then takes the next request.
 */

typedef struct _DfudSimWork {
	DfudSimDevice *device;
	DfudSimSession *session; /* NULL once the session is gone */
	GBytes *packet;
	DfudSimResult result; /* the responses, once handled */
	guint bufs;	      /* SMP buffers it holds: its request's, and the response's */
	guint timer;	      /* dfud_sim_timer id, 0 when none */
} DfudSimWork;

/* a request in the air, or a response on its way to the client */
typedef struct {
	DfudSimSession *session;
	GBytes *bytes;
	gboolean holds_buffer; /* a response buffer, released when delivered */
	gboolean drop_link;    /* drop the link once this response is out */
	gboolean reset;	       /* the reset command's answer: reboot once it is out */
	guint timer; /* dfud_sim_timer id, 0 when none */
} DfudSimTimer;

enum { SIGNAL_RUNNING_CHANGED, SIGNAL_DROP_LINK, N_SIGNALS };
static guint signals[N_SIGNALS];

G_DEFINE_TYPE(DfudSimDevice, dfud_sim_device, G_TYPE_OBJECT)

static void kick(DfudSimDevice *self);
static void schedule_reset(DfudSimDevice *self);

static guint
scaled_ms(DfudSimDevice *self, gint64 us)
{
	gdouble ms = (gdouble)us / 1000.0 * self->config->time_scale;

	if (ms <= 0.0)
		return 0;
	return (guint)MIN(ms + 0.5, (gdouble)G_MAXINT);
}

void
dfud_sim_device_log(DfudSimDevice *self, const gchar *event, JsonObject *fields)
{
	if (!dfud_sim_log_enabled(self->log)) {
		if (fields != NULL)
			json_object_unref(fields);
		return;
	}
	dfud_sim_log_event(self->log, self->index, event, fields);
}

static void
log_drop(DfudSimDevice *self, DfudSimSession *session, const gchar *what, const gchar *why)
{
	JsonObject *o = json_object_new();

	json_object_set_string_member(o, "what", what);
	json_object_set_string_member(o, "reason", why);
	if (session != NULL)
		json_object_set_string_member(o, "peer", session->peer);
	dfud_sim_device_log(self, "drop", o);
}

void
dfud_sim_device_save(DfudSimDevice *self)
{
	g_autoptr(GError) error = NULL;
	JsonObject *o;

	if (!dfud_sim_boot_state_save(&self->boot, self->state_path, &error))
		g_warning("device %u: cannot save state: %s", self->index, error->message);
	o = json_object_new();
	for (guint i = 0; i < self->boot.images; i++) {
		g_autofree gchar *name = g_strdup_printf("image%u", i);
		JsonObject *img = json_object_new();
		json_object_set_int_member(img, "active", self->boot.image[i].active);
		json_object_set_boolean_member(img, "confirmed", self->boot.image[i].confirmed);
		json_object_set_int_member(img, "pending", self->boot.image[i].pending);
		json_object_set_boolean_member(img, "permanent", self->boot.image[i].permanent);
		json_object_set_object_member(o, name, img);
	}
	if (self->s_hash[0] != NULL)
		json_object_set_int_member(o, "b0_active", self->boot.b0_active);
	dfud_sim_device_log(self, "state", o);
}

gint64
dfud_sim_device_erase_us(DfudSimDevice *self, guint64 sectors)
{
	return (gint64)sectors * self->config->flash.erase_us_per_sector;
}

/* --- sessions and timers --- */

static void
timer_free(DfudSimTimer *t)
{
	if (t->timer != 0)
		dfud_sim_timer_remove(t->timer);
	g_bytes_unref(t->bytes);
	g_free(t);
}

static void
timer_cancel(DfudSimDevice *self, DfudSimTimer *t)
{
	if (t->holds_buffer && self->bufs_in_use > 0)
		self->bufs_in_use--;
	/* the device reboots whether or not the client heard the answer */
	if (t->reset)
		schedule_reset(self);
	t->session->timers = g_list_remove(t->session->timers, t);
	timer_free(t);
}

static void
session_cancel_all(DfudSimDevice *self, DfudSimSession *session)
{
	while (session->timers != NULL)
		timer_cancel(self, session->timers->data);
	dfud_sim_link_reset(session->link);
	/* its queued requests go, with their buffers */
	for (GList *l = self->queue.head; l != NULL;) {
		GList *next = l->next;
		DfudSimWork *w = l->data;
		if (w->session == session) {
			g_queue_delete_link(&self->queue, l);
			if (self->bufs_in_use > 0)
				self->bufs_in_use--;
			g_bytes_unref(w->packet);
			g_free(w);
		}
		l = next;
	}
	if (self->current != NULL && self->current->session == session)
		self->current->session = NULL;
}

static void
emit_drop_link(DfudSimDevice *self, DfudSimSession *session)
{
	JsonObject *o = json_object_new();

	json_object_set_string_member(o, "peer", session->peer);
	dfud_sim_device_log(self, "drop-link", o);
	session_cancel_all(self, session);
	g_signal_emit(self, signals[SIGNAL_DROP_LINK], 0, session);
}

DfudSimSession *
dfud_sim_device_connect(DfudSimDevice *self, const gchar *peer, DfudSimSendFunc send,
			gpointer user_data)
{
	DfudSimSession *s;
	JsonObject *o;

	g_return_val_if_fail(DFUD_IS_SIM_DEVICE(self), NULL);
	s = g_new0(DfudSimSession, 1);
	s->device = self;
	s->peer = g_strdup(peer != NULL ? peer : "?");
	s->send = send;
	s->user_data = user_data;
	s->link = dfud_sim_link_new(&self->config->link);
	self->sessions = g_list_append(self->sessions, s);
	o = json_object_new();
	json_object_set_string_member(o, "state", "open");
	json_object_set_string_member(o, "peer", s->peer);
	dfud_sim_device_log(self, "session", o);
	return s;
}

static void
session_free(DfudSimDevice *self, DfudSimSession *s)
{
	session_cancel_all(self, s);
	dfud_sim_link_free(s->link);
	g_free(s->peer);
	g_free(s);
}

void
dfud_sim_device_disconnect(DfudSimDevice *self, DfudSimSession *session)
{
	JsonObject *o;

	g_return_if_fail(DFUD_IS_SIM_DEVICE(self));
	if (session == NULL || g_list_find(self->sessions, session) == NULL)
		return;
	self->sessions = g_list_remove(self->sessions, session);
	o = json_object_new();
	json_object_set_string_member(o, "state", "close");
	json_object_set_string_member(o, "peer", session->peer);
	dfud_sim_device_log(self, "session", o);
	session_free(self, session);
	kick(self);
}

/* --- responses --- */

static gboolean
on_timer(gpointer data)
{
	DfudSimTimer *t = data;
	DfudSimSession *session = t->session;
	DfudSimDevice *self = session->device;

	t->timer = 0;
	session->timers = g_list_remove(session->timers, t);
	if (t->holds_buffer && self->bufs_in_use > 0)
		self->bufs_in_use--;
	{
		gsize len;
		const guint8 *p = g_bytes_get_data(t->bytes, &len);
		dfud_sim_log_frame(self->log, self->index, "response", p, len);
		if (session->send != NULL)
			session->send(session, t->bytes, session->user_data);
	}
	if (t->reset)
		schedule_reset(self);
	if (t->drop_link && g_list_find(self->sessions, session) != NULL)
		emit_drop_link(self, session);
	timer_free(t);
	kick(self);
	return G_SOURCE_REMOVE;
}

static void
timer_start(DfudSimSession *session, DfudSimTimer *t, gint64 ready_us)
{
	t->session = session;
	session->timers = g_list_append(session->timers, t);
	t->timer = dfud_sim_timer_add(ready_us, on_timer, t);
}

/*
 * Hands a response to the link; with @holds_buffer the response buffer goes with it and is
 * released when it is delivered. NULL when a fault drops it (its buffer stays the caller's).
 */
static DfudSimTimer *
deliver(DfudSimDevice *self, DfudSimSession *session, GBytes *frame, gboolean holds_buffer)
{
	gint64 now = g_get_monotonic_time();
	gint64 at;
	DfudSimFault *f;
	DfudSimTimer *t;
	DfudSmpHeader rsp_hdr = {0};
	gint64 off = -1;
	const DfudSmpHeader *hdr = dfud_sim_packet_peek(frame, &rsp_hdr, &off);

	/* the filters cmd= and offset= look at the answer: its header, the `off` it reports */
	if (dfud_sim_device_fault_fire(self, DFUD_SIM_FAULT_DROP_RESPONSE, DFUD_SIM_PHASE_DONE,
				       session, hdr, off) != NULL) {
		log_drop(self, session, "response", "fault drop-response");
		return NULL;
	}
	at =
	    dfud_sim_link_transmit(session->link, DFUD_SIM_LINK_DOWN, g_bytes_get_size(frame), now);
	f = dfud_sim_device_fault_fire(self, DFUD_SIM_FAULT_DELAY_RESPONSE, DFUD_SIM_PHASE_DONE,
				       session, hdr, off);
	if (f != NULL)
		at += (gint64)f->ms * 1000;
	t = g_new0(DfudSimTimer, 1);
	t->bytes = g_bytes_ref(frame);
	t->holds_buffer = holds_buffer;
	timer_start(session, t, at);
	if (dfud_sim_device_fault_fire(self, DFUD_SIM_FAULT_DUPLICATE_RESPONSE, DFUD_SIM_PHASE_DONE,
				       session, NULL, -1) != NULL) {
		DfudSimTimer *dup = g_new0(DfudSimTimer, 1);
		dup->bytes = g_bytes_ref(frame);
		timer_start(session, dup, at);
	}
	return t;
}

/* the buffers a request and its answer held are free again: the work queue takes the next */
static gboolean
on_release(gpointer data)
{
	DfudSimDevice *self = data;

	self->release_timer = 0;
	self->bufs_in_use -= MIN(self->bufs_in_use, self->release_bufs);
	self->release_bufs = 0;
	self->busy = FALSE;
	kick(self);
	return G_SOURCE_REMOVE;
}

/* @bufs buffers of the request just handled: freed now, or --buf-release-us after its answers
 * were @sent */
static void
release_buffers(DfudSimDevice *self, guint bufs, gboolean sent)
{
	if (!sent || self->config->buf_release_us == 0 || self->config->link.enabled) {
		self->bufs_in_use -= MIN(self->bufs_in_use, bufs);
		self->busy = FALSE;
		return;
	}
	self->release_bufs = bufs;
	self->release_timer = dfud_sim_timer_add(
	    g_get_monotonic_time() + self->config->buf_release_us, on_release, self);
}

/* --- reset --- */

static gboolean
on_running(gpointer data)
{
	DfudSimDevice *self = data;

	self->running_source = 0;
	self->running = TRUE;
	dfud_sim_device_log(self, "running", NULL);
	g_signal_emit(self, signals[SIGNAL_RUNNING_CHANGED], 0, TRUE);
	return G_SOURCE_REMOVE;
}

static gboolean
on_reset(gpointer data)
{
	DfudSimDevice *self = data;
	g_autoptr(GList) copy = g_list_copy(self->sessions);
	gint64 us;
	guint64 swap_ms;
	JsonObject *o;

	self->reset_source = 0;
	self->boots++;
	/* a reset from serial recovery: the button is released, the application boots */
	if (self->recovery_leaving)
		self->recovery = self->recovery_leaving = FALSE;
	/* the retained boot mode asked for the bootloader: MCUboot enters serial recovery;
	 * boot_serial starts with no upload (its curr_off and img_size are 0) */
	if (self->recovery_entering) {
		self->recovery = TRUE;
		self->recovery_entering = FALSE;
		self->recovery_off = self->recovery_len = 0;
	}
	dfud_sim_device_log(self, "reset", NULL);
	for (GList *l = copy; l != NULL; l = l->next) {
		if (g_list_find(self->sessions, l->data) != NULL)
			emit_drop_link(self, l->data);
	}
	self->running = FALSE;
	g_signal_emit(self, signals[SIGNAL_RUNNING_CHANGED], 0, FALSE);
	for (GList *l = self->sessions; l != NULL; l = l->next)
		session_cancel_all(self, l->data);
	dfud_sim_upload_clear(self);
	/* serial recovery is entered before any swap (boot/zephyr/main.c: before boot_go()) */
	us = self->recovery ? 0 : dfud_sim_mcuboot_boot(self);
	dfud_sim_device_save(self);
	swap_ms =
	    self->config->swap_time_ms != 0 ? self->config->swap_time_ms : (guint64)(us / 1000);
	o = json_object_new();
	json_object_set_int_member(o, "unreachable_ms", (gint64)swap_ms);
	json_object_set_string_member(o, "action", "done");
	dfud_sim_device_log(self, "boot", o);
	self->running_source =
	    g_timeout_add(scaled_ms(self, (gint64)swap_ms * 1000), on_running, self);
	return G_SOURCE_REMOVE;
}

/*
 * Zephyr reboots CONFIG_MCUMGR_GRP_OS_RESET_MS after the reset command (spec §3.2, §9.6),
 * answering as the old firmware meanwhile; counted here from when the answer went out. A
 * software timer: --time-scale does not scale it. Another reset meanwhile leaves the reboot
 * where it is (os_mgmt.c schedules it with k_work_schedule(), which does not move a pending
 * work; the peer of tests/peer reboots once, 250 ms after the first).
 */
static void
schedule_reset(DfudSimDevice *self)
{
	if (self->running && self->reset_source == 0)
		self->reset_source = g_timeout_add(self->config->reset_delay_ms, on_reset, self);
}

/* --- the work queue --- */

static void
work_free(DfudSimWork *w)
{
	if (w->timer != 0)
		dfud_sim_timer_remove(w->timer);
	g_bytes_unref(w->packet);
	dfud_sim_result_clear(&w->result);
	g_free(w);
}

static gboolean
on_work_done(gpointer data)
{
	DfudSimWork *w = data;
	DfudSimDevice *self = w->device;
	DfudSimSession *session = w->session;
	GPtrArray *frames = w->result.frames;
	gboolean sent = session != NULL && self->running && frames->len > 0;
	gboolean hold = sent && self->config->buf_release_us > 0 && !self->config->link.enabled;
	DfudSimTimer *t = NULL;

	w->timer = 0;
	self->current = NULL;
	for (guint i = 0; sent && i < frames->len; i++) {
		/* the messages of a packet take the response buffer one after the other; without
		 * a release delay the last answer keeps it until it is delivered */
		gboolean last = i + 1 == frames->len;
		DfudSimTimer *ti = deliver(self, session, frames->pdata[i], last && !hold);

		if (ti != NULL)
			t = ti;
		if (ti != NULL && last && !hold)
			w->bufs--;
	}
	release_buffers(self, w->bufs, sent);
	if (session != NULL && w->result.drop_link) {
		emit_drop_link(self, session);
	} else if (session != NULL &&
		   dfud_sim_device_fault_fire(self, DFUD_SIM_FAULT_DROP_LINK, DFUD_SIM_PHASE_DONE,
					      session, NULL, -1) != NULL) {
		/* after the N-th request: once its answer is out */
		if (t != NULL)
			t->drop_link = TRUE;
		else
			emit_drop_link(self, session);
	}
	if (w->result.reset) {
		if (t != NULL)
			t->reset = TRUE;
		else
			schedule_reset(self);
	}
	work_free(w);
	kick(self);
	return G_SOURCE_REMOVE;
}

static void
kick(DfudSimDevice *self)
{
	DfudSimWork *w;
	gboolean rsp_buffer;
	gint64 start;
	gsize len;
	const guint8 *p;

	if (self->busy || !self->running || g_queue_is_empty(&self->queue))
		return;
	w = g_queue_pop_head(&self->queue);
	p = g_bytes_get_data(w->packet, &len);
	dfud_sim_log_frame(self->log, self->index, "request", p, len);
	/* no buffer for the response: smp.c answers {"rc": 2} in the request's buffer */
	rsp_buffer = self->bufs_in_use < self->config->buf_count;
	if (rsp_buffer) {
		self->bufs_in_use++;
		w->bufs++;
	} else {
		log_drop(self, w->session, "response buffer", "no free SMP buffer: answered rc 2");
	}
	self->busy = TRUE;
	self->current = w;
	/* the flash time counts from here: the real file I/O of the dispatch runs within it */
	start = g_get_monotonic_time();
	dfud_sim_dispatch(self, w->session, p, len, rsp_buffer, &w->result);
	if (w->result.frames->len == 0 && len < 8)
		log_drop(self, w->session, "request", "shorter than the SMP header");
	w->timer = dfud_sim_timer_add(
	    dfud_sim_timer_deadline(start, w->result.flash_us, self->config->time_scale) +
		w->result.slow_us,
	    on_work_done, w);
}

static void
on_arrival(DfudSimDevice *self, DfudSimSession *session, GBytes *packet)
{
	DfudSimWork *w;
	DfudSmpHeader hdr_buf = {0};
	const DfudSmpHeader *hdr;
	gint64 off = -1;

	if (!self->running) {
		log_drop(self, session, "request", "device not running");
		return;
	}
	session->n_requests++;
	if (dfud_sim_device_fault_fire(self, DFUD_SIM_FAULT_DROP_LINK, DFUD_SIM_PHASE_ARRIVAL,
				       session, NULL, -1) != NULL) {
		emit_drop_link(self, session);
		return;
	}
	hdr = dfud_sim_packet_peek(packet, &hdr_buf, &off);
	if (dfud_sim_device_fault_fire(self, DFUD_SIM_FAULT_DROP_REQUEST, DFUD_SIM_PHASE_ARRIVAL,
				       session, hdr, off) != NULL) {
		log_drop(self, session, "request", "fault drop-request");
		return;
	}
	/* smp_udp.c: "Failed to allocate mcumgr buffer", the datagram is dropped */
	if (self->bufs_in_use >= self->config->buf_count) {
		log_drop(self, session, "request", "no free SMP buffer");
		return;
	}
	self->bufs_in_use++;
	w = g_new0(DfudSimWork, 1);
	w->bufs = 1;
	w->device = self;
	w->session = session;
	w->packet = g_bytes_ref(packet);
	g_queue_push_tail(&self->queue, w);
	kick(self);
}

static gboolean
on_uplink(gpointer data)
{
	DfudSimTimer *t = data;
	DfudSimSession *session = t->session;
	DfudSimDevice *self = session->device;
	g_autoptr(GBytes) packet = g_bytes_ref(t->bytes);

	t->timer = 0;
	session->timers = g_list_remove(session->timers, t);
	timer_free(t);
	on_arrival(self, session, packet);
	return G_SOURCE_REMOVE;
}

void
dfud_sim_device_receive(DfudSimDevice *self, DfudSimSession *session, const guint8 *packet,
			gsize len)
{
	gint64 now = g_get_monotonic_time();
	gint64 at;
	g_autoptr(GBytes) bytes = NULL;

	g_return_if_fail(DFUD_IS_SIM_DEVICE(self));
	g_return_if_fail(session != NULL);
	/* a packet beyond the SMP buffer is cut to it, as a UDP read into the buffer does */
	bytes = g_bytes_new(packet, MIN(len, self->config->buf_size));
	at = dfud_sim_link_transmit(session->link, DFUD_SIM_LINK_UP, len, now);
	if (at <= now) {
		on_arrival(self, session, bytes);
	} else {
		DfudSimTimer *t = g_new0(DfudSimTimer, 1);
		t->bytes = g_steal_pointer(&bytes);
		t->session = session;
		session->timers = g_list_append(session->timers, t);
		t->timer = dfud_sim_timer_add(at, on_uplink, t);
	}
}

/* --- object --- */

guint
dfud_sim_device_get_index(DfudSimDevice *self)
{
	g_return_val_if_fail(DFUD_IS_SIM_DEVICE(self), 0);
	return self->index;
}

gboolean
dfud_sim_device_is_running(DfudSimDevice *self)
{
	g_return_val_if_fail(DFUD_IS_SIM_DEVICE(self), FALSE);
	return self->running;
}

guint
dfud_sim_device_get_buf_size(DfudSimDevice *self)
{
	g_return_val_if_fail(DFUD_IS_SIM_DEVICE(self), 0);
	return self->config->buf_size;
}

guint
dfud_sim_device_get_ip_mtu(DfudSimDevice *self)
{
	g_return_val_if_fail(DFUD_IS_SIM_DEVICE(self), 0);
	return self->config->ip_mtu;
}

gboolean
dfud_sim_device_has_link_model(DfudSimDevice *self)
{
	g_return_val_if_fail(DFUD_IS_SIM_DEVICE(self), FALSE);
	return self->config->link.enabled;
}

static void
dfud_sim_device_finalize(GObject *object)
{
	DfudSimDevice *self = DFUD_SIM_DEVICE(object);

	while (self->sessions != NULL) {
		DfudSimSession *s = self->sessions->data;
		self->sessions = g_list_remove(self->sessions, s);
		session_free(self, s);
	}
	if (self->current != NULL)
		work_free(self->current);
	while (!g_queue_is_empty(&self->queue))
		work_free(g_queue_pop_head(&self->queue));
	if (self->release_timer != 0)
		dfud_sim_timer_remove(self->release_timer);
	if (self->reset_source != 0)
		g_source_remove(self->reset_source);
	if (self->running_source != 0)
		g_source_remove(self->running_source);
	for (guint i = 0; i < DFUD_SIM_MAX_IMAGES; i++) {
		for (guint s = 0; s < 2; s++) {
			g_clear_object(&self->slots[i][s].image);
			g_clear_pointer(&self->slots[i][s].hash, g_bytes_unref);
		}
	}
	g_clear_pointer(&self->s_hash[0], g_bytes_unref);
	g_clear_pointer(&self->s_hash[1], g_bytes_unref);
	g_clear_object(&self->key);
	g_clear_pointer(&self->rand, g_rand_free);
	g_clear_pointer(&self->faults, g_ptr_array_unref);
	g_clear_pointer(&self->flash, dfud_sim_flash_free);
	g_free(self->dir);
	g_free(self->state_path);
	G_OBJECT_CLASS(dfud_sim_device_parent_class)->finalize(object);
}

static void
dfud_sim_device_class_init(DfudSimDeviceClass *klass)
{
	GObjectClass *object_class = G_OBJECT_CLASS(klass);

	object_class->finalize = dfud_sim_device_finalize;
	signals[SIGNAL_RUNNING_CHANGED] =
	    g_signal_new("running-changed", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0, NULL,
			 NULL, NULL, G_TYPE_NONE, 1, G_TYPE_BOOLEAN);
	signals[SIGNAL_DROP_LINK] =
	    g_signal_new("drop-link", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
			 NULL, G_TYPE_NONE, 1, G_TYPE_POINTER);
}

static void
dfud_sim_device_init(DfudSimDevice *self)
{
	g_queue_init(&self->queue);
	self->faults = g_ptr_array_new_with_free_func((GDestroyNotify)dfud_sim_fault_free);
}

DfudSimDevice *
dfud_sim_device_new(const DfudSimConfig *config, guint index, DfudSimLog *log, GError **error)
{
	g_autoptr(DfudSimDevice) self = NULL;
	gboolean is_new = FALSE;
	guint32 seed[3];

	g_return_val_if_fail(config != NULL, NULL);
	if (!dfud_sim_config_validate(config, error))
		return NULL;
	self = g_object_new(DFUD_TYPE_SIM_DEVICE, NULL);
	self->config = config;
	self->index = index;
	self->log = log;
	seed[0] = (guint32)(config->seed & 0xffffffffu);
	seed[1] = (guint32)(config->seed >> 32);
	seed[2] = index;
	self->rand = g_rand_new_with_seed_array(seed, G_N_ELEMENTS(seed));
	dfud_sim_device_set_faults(self, config->faults);
	self->dir = dfud_sim_config_device_dir(config, index);
	self->flash = dfud_sim_flash_open(self->dir, config->images, config->slot_size,
					  config->net_slot_size, error);
	if (self->flash == NULL)
		return NULL;
	if (config->slot1_size != 0)
		dfud_sim_flash_set_size(self->flash, 0, 1, config->slot1_size);
	self->state_path = g_build_filename(self->dir, "state.json", NULL);
	if (!dfud_sim_boot_state_load(&self->boot, self->state_path, config->images,
				      config->b0_active, &is_new, error))
		return NULL;
	if (config->key_path != NULL) {
		g_autofree gchar *pem = NULL;
		gsize pem_len = 0;
		g_autoptr(GBytes) pem_bytes = NULL;
		if (!g_file_get_contents(config->key_path, &pem, &pem_len, error))
			return NULL;
		pem_bytes = g_bytes_new(pem, pem_len);
		self->key = dfud_public_key_new_from_pem(pem_bytes, error);
		if (self->key == NULL) {
			g_prefix_error(error, "%s: ", config->key_path);
			return NULL;
		}
	}
	if (config->mcuboot_s0_path != NULL && !dfud_sim_mcuboot_load_nsib(self, error))
		return NULL;
	if (is_new) {
		if (config->slot0_path != NULL &&
		    !dfud_sim_mcuboot_install(self, 0, config->slot0_path, error))
			return NULL;
		if (config->slot0_net_path != NULL &&
		    !dfud_sim_mcuboot_install(self, 1, config->slot0_net_path, error))
			return NULL;
		dfud_sim_device_save(self);
	}
	self->recovery = config->serial_recovery;
	self->running = TRUE;
	return g_steal_pointer(&self);
}
