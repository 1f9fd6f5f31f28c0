/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "DfudBle"

#include <string.h>

#include "dfud-ble-frames.h"
#include "dfud-ble-objects.h"
#include "dfud-ble-teardown.h"
#include "dfud-error.h"
#include "dfud-transport-ble-private.h"

/*
 * The open state machine: system bus, BlueZ's object manager, the adapter (powered on), the
 * agent, then discovery until the device advertises (or, when it is linked already, the wait
 * for a link this process is taking down to go), Device1.Connect (retried through
 * discovery until the deadline), ServicesResolved, the SMP characteristic, the link
 * (notifications, write path), and Device1.Pair when the device refuses the link for lack of
 * security. BlueZ's object signals drive it and report a lost link or an advertisement.
 */

#define BLUEZ "org.bluez"
#define IFACE_ADAPTER DFUD_BLE_IFACE_ADAPTER
#define IFACE_DEVICE DFUD_BLE_IFACE_DEVICE
#define SMP_SERVICE_UUID DFUD_BLE_SMP_SERVICE_UUID
#define SMP_CHR_UUID DFUD_BLE_SMP_CHR_UUID
#define CALL_TIMEOUT_MS 25000
/* the longest single Pair call (a person may type a passkey); the open's deadline bounds all */
#define LONG_CALL_MAX_MS 60000
/* BlueZ holds a characteristic's notifications a little after the socket that had them closed */
#define BUSY_RETRY_MS 200u
#define BUSY_RETRIES_MAX 10u
/*
 * A connection BlueZ still holds after the device left it (it reset): Connect answers
 * org.bluez.Error.Failed "Input/output error" until BlueZ notices. Device1.Disconnect clears
 * it (recorded as this process's teardown, dfud-ble-teardown.h); STALE_RETRY_MS later the
 * open goes on (a link still shown up is waited out, then Connect), at most STALE_CLEARS_MAX
 * times in one open, then the open fails (Io) instead of trying until its deadline. While the
 * adapter is powered off (reset) Connect answers the same: the open sets the adapter up again.
 */
#define STALE_CLEARS_MAX 3u
#define STALE_RETRY_MS 1000u
/* how long the SMP characteristic may trail ServicesResolved (a peripheral whose GATT database
 * is registered again after a bluetoothd restart has been seen to take more than 5 s) */
#define NO_SERVICE_GRACE_S 15
#define MITM_MESSAGE                                                                               \
	"the device requires an authenticated (MITM) link: give a passkey (pairing without one, "  \
	"Just Works, cannot satisfy it)"

#define OP_OPEN DFUD_BLE_OP_OPEN
#define OP_WAIT DFUD_BLE_OP_WAIT
#define PH_SETUP DFUD_BLE_PH_SETUP
#define PH_SCAN DFUD_BLE_PH_SCAN
#define PH_TEARDOWN DFUD_BLE_PH_TEARDOWN
#define PH_CONNECT DFUD_BLE_PH_CONNECT
#define PH_RESOLVE DFUD_BLE_PH_RESOLVE
#define PH_LINK DFUD_BLE_PH_LINK
#define PH_PAIR DFUD_BLE_PH_PAIR

static const gchar *const phase_names[] = {
    [PH_SETUP] = "setting up",
    [PH_SCAN] = "discovering the device",
    [PH_TEARDOWN] = "waiting for the previous link to go down",
    [PH_CONNECT] = "connecting",
    [PH_RESOLVE] = "resolving services",
    [PH_LINK] = "enabling notifications",
    [PH_PAIR] = "pairing",
};

static void start_link(DfudTransportBle *self);
static void op_finish(DfudTransportBle *self, GError *error);
static void device_seen(DfudTransportBle *self);
static void clear_stale_link(DfudTransportBle *self, const GError *error);

/* ---- helpers ---- */

const gchar *
dfud_ble_open_phase_name(DfudBlePhase phase)
{
	return (guint)phase < G_N_ELEMENTS(phase_names) ? phase_names[phase] : "?";
}

static void
op_finish(DfudTransportBle *self, GError *error)
{
	dfud_transport_ble_op_finish(self, error);
}

static GDBusProxy *
lookup(DfudTransportBle *self, const gchar *path, const gchar *iface)
{
	return dfud_ble_objects_lookup(self->om, path, iface);
}

static gboolean
device_bool(DfudTransportBle *self, const gchar *name)
{
	g_autoptr(GDBusProxy) dev = lookup(self, self->device_path, IFACE_DEVICE);

	return dfud_ble_proxy_get_bool(dev, name);
}

/*
 * A link is up when Connected or ServicesResolved says so. bluetoothd 5.66 can leave Connected
 * false on a link it set up itself: when the kernel's connection event reaches it after its own
 * ATT connection ("Device ... is already connected" in its log) it answers Connect and resolves
 * the services, but never sets Connected.
 */
static gboolean
proxy_linked(GDBusProxy *dev)
{
	return dfud_ble_proxy_get_bool(dev, "Connected") ||
	       dfud_ble_proxy_get_bool(dev, "ServicesResolved");
}

static gboolean
device_linked(DfudTransportBle *self)
{
	g_autoptr(GDBusProxy) dev = lookup(self, self->device_path, IFACE_DEVICE);

	return proxy_linked(dev);
}

gboolean
dfud_ble_open_device_connected(DfudTransportBle *self)
{
	return device_linked(self);
}

static guint
call_timeout(DfudTransportBle *self, guint max_ms)
{
	gint64 left = (self->deadline_us - g_get_monotonic_time()) / 1000;

	return (guint)CLAMP(left, 1000, (gint64)max_ms);
}

static void
set_last_error(DfudTransportBle *self, const gchar *what, const GError *error)
{
	g_free(self->last_error);
	self->last_error = g_strdup_printf("%s: %s", what, error->message);
	g_debug("%s", self->last_error);
}

void
dfud_ble_open_drop_link(DfudTransportBle *self)
{
	g_clear_pointer(&self->link, dfud_ble_link_free);
}

void
dfud_ble_open_disconnect(DfudTransportBle *self)
{
	g_autoptr(GDBusProxy) dev = lookup(self, self->device_path, IFACE_DEVICE);

	if (dev != NULL)
		dfud_ble_teardown_start(self->bus, self->device_path);
}

void
dfud_ble_open_start_scan(DfudTransportBle *self)
{
	self->phase = PH_SCAN;
	if (self->scan != NULL && !dfud_ble_scan_is_on(self->scan, self->adapter))
		g_clear_pointer(&self->scan, dfud_ble_scan_free);
	if (self->scan == NULL)
		self->scan = dfud_ble_scan_start(self->adapter);
}

/* ---- connect, resolve, link, pair ---- */

static void
link_failed(DfudTransportBle *self, GError *error)
{
	g_autoptr(GError) owned = error;

	set_last_error(self, phase_names[self->phase], error);
	dfud_ble_open_drop_link(self);
	if (!device_linked(self)) {
		/* the link went away meanwhile: discover and connect again, within the deadline */
		dfud_ble_open_start_scan(self);
		return;
	}
	op_finish(self, g_steal_pointer(&owned));
}

static void
pair_done(GObject *source, GAsyncResult *result, gpointer user_data)
{
	g_autoptr(DfudTransportBle) self = user_data;
	g_autoptr(GVariant) ret = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *remote = NULL;

	ret = g_dbus_proxy_call_finish(G_DBUS_PROXY(source), result, &error);
	if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
		return;
	remote = error != NULL ? g_dbus_error_get_remote_error(error) : NULL;
	if (ret == NULL && g_strcmp0(remote, "org.bluez.Error.AlreadyExists") != 0) {
		g_dbus_error_strip_remote_error(error);
		if (self->passkey == DFUD_BLE_AGENT_NO_PASSKEY)
			op_finish(self,
				  g_error_new(DFUD_ERROR, DFUD_ERROR_NOT_AUTHORIZED,
					      MITM_MESSAGE " (Device1.Pair: %s)", error->message));
		else
			op_finish(self, g_error_new(DFUD_ERROR, DFUD_ERROR_NOT_AUTHORIZED,
						    "pairing with the given passkey failed: %s",
						    error->message));
		return;
	}
	g_debug("paired with %s%s", self->address, ret == NULL ? " (already)" : "");
	start_link(self);
}

/* the agent's registration ended: FALSE when the open was cancelled meanwhile */
static gboolean
agent_register_settled(DfudTransportBle *self, GAsyncResult *result)
{
	g_autoptr(GError) error = NULL;

	if (dfud_ble_agent_register_finish(self->agent, result, &error))
		return TRUE;
	if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
		return FALSE;
	/* pairing still works without our agent, as NoInputNoOutput: go on, and say why */
	g_message("%s", error->message);
	return TRUE;
}

static void
agent_registered(GObject *source, GAsyncResult *result, gpointer user_data)
{
	g_autoptr(DfudTransportBle) self = user_data;
	g_autoptr(GDBusProxy) dev = NULL;

	(void)source;
	if (!agent_register_settled(self, result))
		return;
	dev = lookup(self, self->device_path, IFACE_DEVICE);
	if (dev == NULL) {
		dfud_ble_open_start_scan(self);
		return;
	}
	g_debug("pairing with %s", self->address);
	g_dbus_proxy_call(dev, "Pair", NULL, G_DBUS_CALL_FLAGS_NONE,
			  call_timeout(self, LONG_CALL_MAX_MS), self->op_cancel, pair_done,
			  g_object_ref(self));
}

static void
pair(DfudTransportBle *self)
{
	self->phase = PH_PAIR;
	self->paired = TRUE;
	if (self->agent == NULL)
		self->agent = dfud_ble_agent_new(self->bus, self->passkey);
	dfud_ble_agent_register_async(self->agent, self->op_cancel, agent_registered,
				      g_object_ref(self));
}

static void
on_link_frame(GBytes *frame, gpointer user_data)
{
	dfud_transport_emit_packet(DFUD_TRANSPORT(user_data), frame);
}

static void
on_link_lost(const GError *reason, gpointer user_data)
{
	DfudTransportBle *self = user_data;
	g_autoptr(GError) error = NULL;

	if (self->op_kind == OP_OPEN)
		return; /* still starting: the start fails by itself */
	error = g_error_new(reason->domain, reason->code, "the link to %s went down: %s",
			    self->address, reason->message);
	dfud_transport_ble_link_down(self, error);
}

static gboolean
relink(gpointer user_data)
{
	DfudTransportBle *self = user_data;

	self->relink = 0;
	if (self->op_kind == OP_OPEN && self->phase == PH_LINK && device_linked(self))
		start_link(self);
	return G_SOURCE_REMOVE;
}

/* the device refuses the link although it is paired: pairing could not give what it needs */
static GError *
security_error(DfudTransportBle *self, const gchar *what)
{
	if (self->passkey == DFUD_BLE_AGENT_NO_PASSKEY)
		return g_error_new(DFUD_ERROR, DFUD_ERROR_NOT_AUTHORIZED,
				   MITM_MESSAGE "; after pairing: %s", what);
	return g_error_new(DFUD_ERROR, DFUD_ERROR_NOT_AUTHORIZED,
			   "the device refuses the link even after pairing with the passkey: %s",
			   what);
}

static void
link_started(GObject *source, GAsyncResult *result, gpointer user_data)
{
	g_autoptr(DfudTransportBle) self = user_data;
	GError *error = NULL;
	guint mtu;
	guint fragment;

	(void)source;
	if (self->link == NULL || !dfud_ble_link_start_finish(self->link, result, &error)) {
		if (error == NULL || g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
			g_clear_error(&error);
			return; /* the link was dropped meanwhile */
		}
		if (g_error_matches(error, DFUD_ERROR, DFUD_ERROR_NOT_AUTHORIZED)) {
			set_last_error(self, "enabling notifications", error);
			dfud_ble_open_drop_link(self);
			if (!self->paired) {
				g_error_free(error);
				pair(self);
				return;
			}
			if (self->passkey == DFUD_BLE_AGENT_NO_PASSKEY)
				g_prefix_error(&error, MITM_MESSAGE "; after pairing: ");
			else
				g_prefix_error(&error, "the device refuses the link even after "
						       "pairing with the passkey: ");
			op_finish(self, error);
			return;
		}
		/* the notifications of the link that went down are not released yet: again soon */
		if (strstr(error->message, "acquired") != NULL &&
		    self->busy_retries++ < BUSY_RETRIES_MAX && device_linked(self)) {
			set_last_error(self, phase_names[self->phase], error);
			g_error_free(error);
			dfud_ble_open_drop_link(self);
			g_clear_handle_id(&self->relink, g_source_remove);
			self->relink = g_timeout_add(BUSY_RETRY_MS, relink, self);
			return;
		}
		/*
		 * "Not connected" while BlueZ still shows the device connected: the link went down
		 * under the open (the device left, or both ends failed to raise its security with
		 * a stored key) and BlueZ has not noticed yet: clear it and connect again
		 */
		if (g_error_matches(error, DFUD_ERROR, DFUD_ERROR_LINK_LOST) &&
		    device_linked(self)) {
			set_last_error(self, phase_names[self->phase], error);
			dfud_ble_open_drop_link(self);
			clear_stale_link(self, error);
			g_error_free(error);
			return;
		}
		link_failed(self, error);
		return;
	}
	mtu = dfud_ble_link_get_mtu(self->link);
	fragment = dfud_ble_fragment_size_for_mtu(mtu);
	dfud_transport_set_fragment_size(DFUD_TRANSPORT(self), fragment);
	dfud_transport_set_mtu(DFUD_TRANSPORT(self), mtu);
	dfud_transport_set_max_packet(DFUD_TRANSPORT(self), DFUD_BLE_MAX_FRAME);
	dfud_transport_set_open(DFUD_TRANSPORT(self), TRUE);
	g_debug("SMP link to %s: ATT MTU %u, writes of %u bytes, %s", self->address, mtu, fragment,
		dfud_ble_link_is_acquired(self->link) ? "AcquireWrite/AcquireNotify sockets"
						      : "WriteValue/StartNotify");
	op_finish(self, NULL);
}

static gboolean
no_service(gpointer user_data)
{
	DfudTransportBle *self = user_data;

	self->no_service = 0;
	op_finish(self, g_error_new(DFUD_ERROR, DFUD_ERROR_NOT_SUPPORTED,
				    "%s has no SMP service (" SMP_SERVICE_UUID
				    ") with its characteristic (" SMP_CHR_UUID ")",
				    self->address));
	return G_SOURCE_REMOVE;
}

static void
start_link(DfudTransportBle *self)
{
	g_autoptr(GDBusProxy) chr =
	    dfud_ble_objects_find_smp_characteristic(self->om, self->device_path);

	if (chr == NULL) {
		/* the GATT objects can trail ServicesResolved: wait a little for them */
		g_debug("%s: no SMP characteristic yet", self->address);
		self->phase = PH_RESOLVE;
		if (self->no_service == 0)
			self->no_service =
			    g_timeout_add_seconds(NO_SERVICE_GRACE_S, no_service, self);
		return;
	}
	g_clear_handle_id(&self->no_service, g_source_remove);
	/*
	 * the device dropped the link while notifications started: bluetoothd raised the security
	 * by itself and that pairing failed; pair through Device1.Pair first this time, so that
	 * a failure gets its answer
	 */
	if (self->link_drops > 0 && !self->paired) {
		pair(self);
		return;
	}
	self->phase = PH_LINK;
	dfud_ble_open_drop_link(self);
	self->link = dfud_ble_link_new(chr, on_link_frame, on_link_lost, self);
	/*
	 * no bond, or one made just now (Just Works cannot give an authenticated link): find out
	 * whether the link's security suffices before anything is acquired (dfud-ble-link.h)
	 */
	dfud_ble_link_set_probe(self->link, self->paired || !device_bool(self, "Paired"));
	dfud_ble_link_start_async(self->link, link_started, g_object_ref(self));
}

static gboolean
stale_retry(gpointer user_data)
{
	DfudTransportBle *self = user_data;

	self->stale_retry = 0;
	if (self->op_kind == OP_OPEN && self->phase == PH_CONNECT)
		device_seen(self);
	return G_SOURCE_REMOVE;
}

/*
 * BlueZ holds a connection that is no more: Device1.Disconnect clears it, and STALE_RETRY_MS
 * later the open connects again (a link still shown up meanwhile is waited out), at most
 * STALE_CLEARS_MAX times in one open
 */
static void
clear_stale_link(DfudTransportBle *self, const GError *error)
{
	if (self->stale_clears >= STALE_CLEARS_MAX) {
		op_finish(self, g_error_new(DFUD_ERROR, DFUD_ERROR_IO,
					    "BlueZ still fails to connect to %s after %u "
					    "Device1.Disconnect: %s",
					    self->address, self->stale_clears, error->message));
		return;
	}
	self->stale_clears++;
	g_debug("%s: BlueZ holds a stale connection (%s): Device1.Disconnect, then Connect again "
		"(%u of %u)",
		self->address, error->message, self->stale_clears, STALE_CLEARS_MAX);
	self->phase = PH_CONNECT;
	/* recorded: a link still shown up then is waited out (wait_for_teardown), not taken */
	dfud_ble_teardown_start(self->bus, self->device_path);
	g_clear_handle_id(&self->stale_retry, g_source_remove);
	self->stale_retry = g_timeout_add(STALE_RETRY_MS, stale_retry, self);
}

/* TRUE when @error to Connect says BlueZ holds a stale connection, and it is being cleared */
static gboolean
clear_stale(DfudTransportBle *self, const GError *error, const gchar *remote)
{
	if (g_strcmp0(remote, "org.bluez.Error.Failed") != 0 ||
	    strstr(error->message, "Input/output error") == NULL)
		return FALSE;
	/* the same answer while the adapter is off (being reset): set up again, as every open */
	if (!dfud_ble_proxy_get_bool(self->adapter, "Powered")) {
		g_debug("%s is powered off: setting it up again",
			g_dbus_proxy_get_object_path(self->adapter));
		dfud_ble_open_setup(self);
		return TRUE;
	}
	clear_stale_link(self, error);
	return TRUE;
}

static void
connect_done(GObject *source, GAsyncResult *result, gpointer user_data)
{
	g_autoptr(DfudTransportBle) self = user_data;
	g_autoptr(GVariant) ret = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *remote = NULL;

	ret = g_dbus_proxy_call_finish(G_DBUS_PROXY(source), result, &error);
	if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
		return;
	/* the link came up before the reply (Connected / ServicesResolved moved the open on) */
	if (self->op_kind != OP_OPEN || self->phase != PH_CONNECT)
		return;
	remote = error != NULL ? g_dbus_error_get_remote_error(error) : NULL;
	if (ret == NULL && g_strcmp0(remote, "org.bluez.Error.AlreadyConnected") != 0) {
		/* a connection attempt BlueZ still holds would block the next one: drop it */
		if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
			g_dbus_proxy_call(G_DBUS_PROXY(source), "Disconnect", NULL,
					  G_DBUS_CALL_FLAGS_NONE, CALL_TIMEOUT_MS, NULL, NULL,
					  NULL);
		set_last_error(self, "Device1.Connect", error);
		if (clear_stale(self, error, remote))
			return;
		/* retried: discover it again (it may have stopped advertising), then connect */
		dfud_ble_open_start_scan(self);
		return;
	}
	self->phase = PH_RESOLVE;
	if (device_bool(self, "ServicesResolved"))
		start_link(self);
	/* else on_properties_changed goes on when ServicesResolved turns true */
}

static gboolean
teardown_over(gpointer user_data)
{
	DfudTransportBle *self = user_data;

	self->teardown = 0;
	g_message("%s is still connected, although this process disconnected it up to %u ms ago: "
		  "using that link",
		  self->address, DFUD_BLE_TEARDOWN_MAX_MS);
	self->teardown_waited = TRUE;
	device_seen(self);
	return G_SOURCE_REMOVE;
}

/*
 * TRUE when the link is one that this process is taking down (the previous command's close):
 * reused, it would drop under the command when bluetoothd's disconnect timer fires, and D-Bus
 * shows nothing of it until then (dfud-ble-teardown.h). Wait for Connected=false (device_gone)
 * and connect afresh; when the record ends first (DFUD_BLE_TEARDOWN_MAX_MS after the
 * Disconnect, bluetoothd still shows the link), the link is taken as it is.
 */
static gboolean
wait_for_teardown(DfudTransportBle *self)
{
	guint left = self->teardown_waited ? 0 : dfud_ble_teardown_remaining_ms(self->device_path);

	if (left == 0)
		return FALSE;
	self->phase = PH_TEARDOWN;
	if (self->teardown == 0) {
		g_debug("%s: the link is going down (this process disconnected it): waiting up to "
			"%u ms for it to go before connecting again",
			self->address, left);
		self->teardown = g_timeout_add(left, teardown_over, self);
	}
	return TRUE;
}

/* the device advertised (or is connected already): connect */
static void
device_seen(DfudTransportBle *self)
{
	g_autoptr(GDBusProxy) dev = lookup(self, self->device_path, IFACE_DEVICE);

	if (dev == NULL) {
		dfud_ble_open_start_scan(self);
		return;
	}
	if (proxy_linked(dev)) {
		if (wait_for_teardown(self))
			return;
		self->phase = PH_RESOLVE;
		if (dfud_ble_proxy_get_bool(dev, "ServicesResolved"))
			start_link(self);
		return;
	}
	dfud_ble_teardown_ended(self->device_path);
	/*
	 * The device object is known: Connect makes the kernel connect on its next connectable
	 * advertisement (an accept-list scan), also one that comes later; when it fails (the
	 * device did not advertise in time), connect_done discovers it again.
	 */
	g_clear_pointer(&self->scan, dfud_ble_scan_free);
	self->phase = PH_CONNECT;
	g_debug("connecting to %s", self->device_path);
	/* one attempt at most CALL_TIMEOUT_MS: a reply that never comes must not eat the open */
	g_dbus_proxy_call(dev, "Connect", NULL, G_DBUS_CALL_FLAGS_NONE,
			  call_timeout(self, CALL_TIMEOUT_MS), self->op_cancel, connect_done,
			  g_object_ref(self));
}

/* ---- BlueZ's objects ---- */

static void
device_gone(DfudTransportBle *self, const gchar *why)
{
	self->lost_at = g_get_monotonic_time();
	dfud_ble_teardown_ended(self->device_path);
	if (self->op_kind != OP_OPEN && self->link != NULL) {
		/* a link handed out (also while a wait_for_device runs): its user learns now */
		g_autoptr(GError) error =
		    g_error_new(DFUD_ERROR, DFUD_ERROR_LINK_LOST, "the link to %s went down: %s",
				self->address, why);

		dfud_transport_ble_link_down(self, error);
	} else if (self->op_kind == OP_OPEN && self->phase == PH_TEARDOWN) {
		g_debug("%s: the previous link is down: connecting afresh", self->address);
		g_clear_handle_id(&self->teardown, g_source_remove);
		device_seen(self);
	} else if (self->op_kind == OP_OPEN && self->phase == PH_LINK && self->paired &&
		   self->link_drops > 0) {
		/* paired, and the device drops the link again as notifications start */
		dfud_ble_open_drop_link(self);
		op_finish(self, security_error(self, why));
	} else if (self->op_kind == OP_OPEN &&
		   (self->phase == PH_RESOLVE || self->phase == PH_LINK)) {
		if (self->phase == PH_LINK)
			self->link_drops++;
		g_free(self->last_error);
		self->last_error = g_strdup(why);
		dfud_ble_open_drop_link(self);
		/* a known device: Connect at once (the kernel takes its next advertisement) */
		device_seen(self);
	}
}

/* an advertisement: the object appears, or its advertised properties change */
static void
advertised(DfudTransportBle *self)
{
	if (dfud_transport_ble_advertised(self))
		return; /* a wait ended */
	if (self->op_kind == OP_OPEN && self->phase == PH_SCAN)
		device_seen(self);
}

static void
on_object_added(GDBusObjectManager *om, GDBusObject *object, gpointer user_data)
{
	DfudTransportBle *self = user_data;
	const gchar *path = g_dbus_object_get_object_path(object);

	(void)om;
	if (self->op != NULL && self->phase == PH_SETUP && self->adapter == NULL) {
		g_autoptr(GDBusInterface) adapter =
		    g_dbus_object_get_interface(object, IFACE_ADAPTER);

		if (adapter != NULL)
			dfud_ble_setup_find_adapter(self);
		return;
	}
	if (self->device_path == NULL)
		return;
	if (g_strcmp0(path, self->device_path) == 0)
		advertised(self);
	else if (self->op_kind == OP_OPEN && self->phase == PH_RESOLVE && self->no_service != 0 &&
		 g_str_has_prefix(path, self->device_path))
		start_link(self);
}

static void
on_object_removed(GDBusObjectManager *om, GDBusObject *object, gpointer user_data)
{
	DfudTransportBle *self = user_data;

	(void)om;
	if (g_strcmp0(g_dbus_object_get_object_path(object), self->device_path) == 0)
		device_gone(self, "BlueZ removed the device object");
}

/* properties BlueZ sets from an advertising report */
static gboolean
has_advertised_key(GVariant *dict)
{
	static const gchar *const keys[] = {"RSSI",
					    "TxPower",
					    "Name",
					    "Alias",
					    "UUIDs",
					    "ServiceData",
					    "ManufacturerData",
					    "AdvertisingFlags",
					    "AdvertisingData"};

	for (guint i = 0; i < G_N_ELEMENTS(keys); i++) {
		g_autoptr(GVariant) v = g_variant_lookup_value(dict, keys[i], NULL);

		if (v != NULL)
			return TRUE;
	}
	return FALSE;
}

static void
on_properties_changed(GDBusObjectManagerClient *om, GDBusObjectProxy *object, GDBusProxy *proxy,
		      GVariant *changed, const gchar *const *invalidated, gpointer user_data)
{
	DfudTransportBle *self = user_data;
	gboolean value;

	(void)om;
	(void)invalidated;
	if (g_strcmp0(g_dbus_object_get_object_path(G_DBUS_OBJECT(object)), self->device_path) !=
		0 ||
	    g_strcmp0(g_dbus_proxy_get_interface_name(proxy), IFACE_DEVICE) != 0)
		return;
	if (g_variant_lookup(changed, "Connected", "b", &value)) {
		g_debug("%s %s", self->address, value ? "connected" : "disconnected");
		if (!value) {
			device_gone(self, "BlueZ reports it disconnected (Connected=false)");
			return;
		}
		if (self->op_kind == OP_OPEN && self->phase == PH_SCAN) {
			device_seen(self);
			return;
		}
		/* connected while the Connect reply is still on its way: go on without it */
		if (self->op_kind == OP_OPEN && self->phase == PH_CONNECT) {
			self->phase = PH_RESOLVE;
			if (dfud_ble_proxy_get_bool(proxy, "ServicesResolved"))
				start_link(self);
			return;
		}
	}
	/* before the advertisement check: the UUIDs resolved come in the same change */
	if (g_variant_lookup(changed, "ServicesResolved", "b", &value)) {
		g_debug("%s: services %s", self->address, value ? "resolved" : "unresolved");
		if (value && self->op_kind == OP_OPEN && self->phase == PH_SCAN) {
			device_seen(self);
		} else if (value && self->op_kind == OP_OPEN &&
			   (self->phase == PH_RESOLVE || self->phase == PH_CONNECT)) {
			self->phase = PH_RESOLVE;
			start_link(self);
		}
		return;
	}
	if (has_advertised_key(changed) && !proxy_linked(proxy))
		advertised(self);
}

/* ---- the open proper, once bus, BlueZ and the adapter are there (dfud-ble-setup.c) ---- */

static void
agent_ready(GObject *source, GAsyncResult *result, gpointer user_data)
{
	g_autoptr(DfudTransportBle) self = user_data;
	g_autoptr(GDBusProxy) dev = NULL;

	(void)source;
	if (!agent_register_settled(self, result))
		return;
	dev = lookup(self, self->device_path, IFACE_DEVICE);
	/* a known device is connected to at once (see device_seen); an unknown one discovered */
	if (dev != NULL)
		device_seen(self);
	else
		dfud_ble_open_start_scan(self);
}

void
dfud_ble_open_begin(DfudTransportBle *self)
{
	if (self->op_kind == OP_WAIT) {
		dfud_transport_ble_wait_ready(self);
		return;
	}
	self->paired = FALSE;
	self->teardown_waited = FALSE;
	self->link_drops = 0;
	self->busy_retries = 0;
	self->stale_clears = 0;
	g_clear_pointer(&self->last_error, g_free);
	/*
	 * The agent is there before the first notification request: when the device refuses
	 * it for lack of security, bluetoothd raises the link's security by itself and the
	 * pairing this starts needs an agent (without one it fails and the link drops).
	 */
	if (self->agent == NULL)
		self->agent = dfud_ble_agent_new(self->bus, self->passkey);
	dfud_ble_agent_register_async(self->agent, self->op_cancel, agent_ready,
				      g_object_ref(self));
}

void
dfud_ble_open_watch_objects(DfudTransportBle *self)
{
	self->om_ids[0] =
	    g_signal_connect(self->om, "object-added", G_CALLBACK(on_object_added), self);
	self->om_ids[1] =
	    g_signal_connect(self->om, "object-removed", G_CALLBACK(on_object_removed), self);
	self->om_ids[2] = g_signal_connect(self->om, "interface-proxy-properties-changed",
					   G_CALLBACK(on_properties_changed), self);
}
