# Copyright 2026 The dfud authors
# SPDX-License-Identifier: LGPL-2.1-or-later
"""A hawkBit DDI server for the tests, written from hawkBit's published DDI API (its
documentation and OpenAPI description), not from dfud-hawkbit's code.

What it checks, as hawkBit does: the Authorization header (GatewayToken for every target of
the tenant, or the target's own TargetToken), the resource paths
/{tenant}/controller/v1/{controllerId}[/deploymentBase/{actionId}[/feedback]
|/cancelAction/{id}[/feedback]|/installedBase/{actionId}|/configData
|/softwaremodules/{m}/artifacts/{file}], the
feedback schema (status.execution, status.result.finished, status.result.progress.cnt/of,
status.details: at most 50 strings) and that feedback names an action of the target that is
still open. Anything else is answered 4xx and recorded in `violations`, which the tests
require to stay empty.

As hawkBit does, the base resource links installedBase/{id} of the target's last action closed
with success (or one a test sets), answered with that action's deployment; a module's metadata
visible to targets is given in its chunk's `metadata`.

It can misbehave per target or per artifact: 5xx on polls, slow or truncated downloads, an
announced sha256 that is not the file's, a cancellation at a given stage.
"""

import hashlib
import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

EXECUTIONS = {"closed", "proceeding", "canceled", "scheduled", "rejected", "resumed",
              "downloaded", "download"}
FINISHED = {"success", "failure", "none"}


class Artifact:
    def __init__(self, module, filename, data, announce_sha256=None):
        self.module = module
        self.filename = filename
        self.data = data
        self.sha256 = announce_sha256 or hashlib.sha256(data).hexdigest()
        # faults
        self.truncate_first = 0   # the first N GETs end half-way
        self.slow_bytes_per_s = 0
        self.fail_first = 0       # the first N GETs answer 503
        self.gets = []            # (controller id, Range header, status)


class Action:
    def __init__(self, action_id, artifacts, download="forced", update="forced",
                 window=None, version="1.0.0"):
        self.id = str(action_id)
        self.artifacts = artifacts
        self.download = download
        self.update = update
        self.window = window
        self.version = version
        self.open = True
        self.result = None        # (execution, finished, details) of the closing feedback
        self.cancel_id = None     # a cancelAction is offered
        self.cancel_answer = None  # (execution, finished, details)


class Target:
    def __init__(self, controller_id):
        self.id = controller_id
        self.action = None
        self.history = []         # closed actions
        self.feedback = []        # (time, action id, body)
        self.cancel_feedback = []
        self.config_data = None
        self.polls = 0
        self.poll_fail_first = 0  # the first N polls answer 503
        self.cancel_at = None     # a detail substring: cancel once a feedback has it
        self.token = None         # its TargetToken, if any
        self.installed = None     # the Action whose distribution set the target has installed
        self.installed_gets = 0
        self.installed_linked = set()  # every action id a base resource linked as installed


class DdiServer:
    def __init__(self, tenant="DEFAULT", gateway_token="gw-secret", sleep="00:00:01", tls=None):
        """@tls: (certificate file, key file): serve HTTPS"""
        self.tenant = tenant
        self.gateway_token = gateway_token
        self.sleep = sleep
        self.lock = threading.RLock()
        self.targets = {}
        self.artifacts = {}       # (module, filename) -> Artifact
        self.metadata = {}        # module -> {key: value}: its metadata visible to targets
        self.violations = []
        self.requests = []        # (time, method, path, status)
        self.next_cancel = 1000
        self.down = False         # every connection is dropped unanswered (a network outage)
        self.dropped = 0
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_GET(self):
                server._handle(self, "GET")

            def do_POST(self):
                server._handle(self, "POST")

            def do_PUT(self):
                server._handle(self, "PUT")

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        scheme = "http"
        if tls is not None:
            import ssl
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(*tls)
            self.httpd.socket = context.wrap_socket(self.httpd.socket, server_side=True)
            scheme = "https"
        self.url = f"{scheme}://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()

    # --- the test's side

    def target(self, controller_id):
        with self.lock:
            if controller_id not in self.targets:
                self.targets[controller_id] = Target(controller_id)
            return self.targets[controller_id]

    def artifact(self, module, filename, data, announce_sha256=None):
        with self.lock:
            a = Artifact(module, filename, data, announce_sha256)
            self.artifacts[(str(module), filename)] = a
            return a

    def assign(self, controller_id, action_id, artifacts, **kwargs):
        with self.lock:
            t = self.target(controller_id)
            t.action = Action(action_id, artifacts, **kwargs)
            return t.action

    def cancel(self, controller_id):
        """hawkBit's cancellation of the target's open action: a cancelAction link"""
        with self.lock:
            t = self.targets[controller_id]
            if t.action is not None and t.action.open and t.action.cancel_id is None:
                t.action.cancel_id = str(self.next_cancel)
                self.next_cancel += 1

    def closed(self, controller_id, action_id=None):
        """the closing feedback (execution, finished, details) of the action, None if open"""
        with self.lock:
            t = self.targets.get(controller_id)
            if t is None:
                return None
            for a in ([t.action] if t.action else []) + t.history:
                if (action_id is None or a.id == str(action_id)) and not a.open:
                    return a.result
            return None

    def feedback_of(self, controller_id):
        with self.lock:
            return list(self.targets[controller_id].feedback)

    # --- HTTP

    def _violation(self, handler, status, text):
        self.violations.append(f"{handler.command} {handler.path}: {text}")
        self._reply(handler, status, {"errorCode": "test.violation", "message": text})

    def _reply(self, handler, status, body=None, raw=None, ctype="application/hal+json"):
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None
                                            else b"")
        with self.lock:
            self.requests.append((time.monotonic(), handler.command, handler.path, status))
        handler.send_response(status)
        handler.send_header("Content-Type", ctype)
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)

    def _authorized(self, handler, controller_id):
        auth = handler.headers.get("Authorization", "")
        t = self.targets.get(controller_id)
        if self.gateway_token and auth == f"GatewayToken {self.gateway_token}":
            return True
        if t is not None and t.token and auth == f"TargetToken {t.token}":
            return True
        return False

    def _body(self, handler):
        length = int(handler.headers.get("Content-Length", "0"))
        raw = handler.rfile.read(length) if length > 0 else b""
        try:
            return json.loads(raw)
        except ValueError:
            return None

    def _handle(self, handler, method):
        if self.down:
            with self.lock:
                self.dropped += 1
            handler.close_connection = True
            return
        path = urlsplit(handler.path).path
        m = re.fullmatch(r"/([^/]+)/controller/v1/([^/]+)(/.*)?", path)
        if m is None or m.group(1) != self.tenant:
            return self._violation(handler, 404, f"not a DDI path of tenant {self.tenant}")
        cid, rest = m.group(2), m.group(3) or ""
        with self.lock:
            if not self._authorized(handler, cid):
                self.requests.append((time.monotonic(), method, handler.path, 401))
                handler.send_response(401)
                handler.send_header("Content-Length", "0")
                handler.end_headers()
                return
            t = self.target(cid)
        a = re.fullmatch(r"/softwaremodules/([^/]+)/artifacts/([^/]+)", rest)
        if method == "GET" and a:
            return self._download(handler, t, a.group(1), a.group(2))
        with self.lock:
            if method == "GET" and rest == "":
                return self._base(handler, t)
            d = re.fullmatch(r"/deploymentBase/([^/]+)", rest)
            if method == "GET" and d:
                return self._deployment(handler, t, d.group(1))
            f = re.fullmatch(r"/deploymentBase/([^/]+)/feedback", rest)
            if method == "POST" and f:
                return self._feedback(handler, t, f.group(1), self._body(handler))
            i = re.fullmatch(r"/installedBase/([^/]+)", rest)
            if method == "GET" and i:
                return self._installed(handler, t, i.group(1))
            c = re.fullmatch(r"/cancelAction/([^/]+)", rest)
            if method == "GET" and c:
                return self._cancel(handler, t, c.group(1))
            c = re.fullmatch(r"/cancelAction/([^/]+)/feedback", rest)
            if method == "POST" and c:
                return self._cancel_feedback(handler, t, c.group(1), self._body(handler))
            if method == "PUT" and rest == "/configData":
                return self._config_data(handler, t, self._body(handler))
        return self._violation(handler, 404, "no such resource")

    def _link(self, t, rest):
        return {"href": f"{self.url}/{self.tenant}/controller/v1/{t.id}{rest}"}

    def _base(self, handler, t):
        t.polls += 1
        if t.polls <= t.poll_fail_first:
            return self._reply(handler, 503, {"message": "try later"})
        links = {}
        act = t.action
        if act is not None and act.open:
            if act.cancel_id is not None and act.cancel_answer is None:
                links["cancelAction"] = self._link(t, f"/cancelAction/{act.cancel_id}")
            elif act.cancel_id is None or act.cancel_answer[0] == "rejected":
                links["deploymentBase"] = self._link(t, f"/deploymentBase/{act.id}?c=-7")
        if t.installed is not None:
            # hawkBit links the action of the installed distribution set
            links["installedBase"] = self._link(t, f"/installedBase/{t.installed.id}")
            t.installed_linked.add(t.installed.id)
        if t.config_data is None:
            links["configData"] = self._link(t, "/configData")
        self._reply(handler, 200, {"config": {"polling": {"sleep": self.sleep}},
                                   "_links": links})

    def _deployment(self, handler, t, action_id):
        act = t.action
        if act is None or act.id != action_id or not act.open:
            return self._violation(handler, 404, f"action {action_id} is not open for {t.id}")
        self._reply(handler, 200, self._deployment_body(t, act))

    def _installed(self, handler, t, action_id):
        """installedBase/{id}: the installed action's deployment, as deploymentBase gives it;
        only the action the base resource links"""
        if t.installed is None or t.installed.id != action_id:
            if action_id in t.installed_linked:
                # linked by a poll, superseded since (another action closed in between): a
                # race a real server shows too, not the client's mistake
                return self._reply(handler, 404, {"message": f"action {action_id} is no longer "
                                                  f"installed on {t.id}"})
            return self._violation(handler, 404, f"action {action_id} is not installed on {t.id}")
        t.installed_gets += 1
        self._reply(handler, 200, self._deployment_body(t, t.installed))

    def _deployment_body(self, t, act):
        chunks = {}
        for art in act.artifacts:
            link = self._link(t, f"/softwaremodules/{art.module}/artifacts/{art.filename}")
            chunks.setdefault(art.module, []).append({
                "filename": art.filename,
                "hashes": {"sha1": hashlib.sha1(art.data).hexdigest(),
                           "md5": hashlib.md5(art.data).hexdigest(),
                           "sha256": art.sha256},
                "size": len(art.data),
                "_links": {"download": link, "download-http": link}})
        deployment = {"download": act.download, "update": act.update,
                      "chunks": [dict({"part": "bApp", "version": act.version,
                                       "name": f"module-{m}", "artifacts": arts},
                                      **({"metadata": [{"key": k, "value": v} for k, v in
                                                       self.metadata[str(m)].items()]}
                                         if str(m) in self.metadata else {}))
                                 for m, arts in chunks.items()]}
        if act.window is not None:
            deployment["maintenanceWindow"] = act.window
        return {"id": act.id, "deployment": deployment}

    def _check_feedback(self, body):
        """the DDI feedback schema; returns what is wrong, or None"""
        if not isinstance(body, dict) or not isinstance(body.get("status"), dict):
            return "no status object"
        status = body["status"]
        if status.get("execution") not in EXECUTIONS:
            return f"status.execution {status.get('execution')!r}"
        result = status.get("result")
        if not isinstance(result, dict) or result.get("finished") not in FINISHED:
            return f"status.result.finished in {result!r}"
        progress = result.get("progress")
        if progress is not None:
            if not isinstance(progress, dict) or not all(
                    isinstance(progress.get(k), int) and progress[k] >= 0 for k in ("cnt", "of")):
                return f"status.result.progress {progress!r}"
        details = status.get("details", [])
        if not isinstance(details, list) or len(details) > 50 or not all(
                isinstance(d, str) for d in details):
            return f"status.details {details!r}"
        return None

    def _feedback(self, handler, t, action_id, body):
        wrong = self._check_feedback(body)
        if wrong:
            return self._violation(handler, 400, f"feedback schema: {wrong}")
        act = t.action
        if act is None or act.id != action_id:
            return self._violation(handler, 404, f"feedback for unknown action {action_id}")
        if not act.open:
            return self._violation(handler, 410, f"feedback for closed action {action_id}")
        status = body["status"]
        t.feedback.append((time.monotonic(), action_id, body))
        if t.cancel_at and any(t.cancel_at in d for d in status.get("details", [])):
            t.cancel_at = None
            self.cancel(t.id)
        if status["execution"] == "closed":
            act.open = False
            act.result = (status["execution"], status["result"]["finished"],
                          status.get("details", []))
            if act.result[1] == "success":
                t.installed = act
        self._reply(handler, 200)

    def _cancel(self, handler, t, cancel_id):
        act = t.action
        if act is None or act.cancel_id != cancel_id:
            return self._violation(handler, 404, f"no cancelAction {cancel_id}")
        self._reply(handler, 200, {"id": cancel_id, "cancelAction": {"stopId": act.id}})

    def _cancel_feedback(self, handler, t, cancel_id, body):
        wrong = self._check_feedback(body)
        if wrong:
            return self._violation(handler, 400, f"cancel feedback schema: {wrong}")
        act = t.action
        if act is None or act.cancel_id != cancel_id or not act.open:
            return self._violation(handler, 404, f"cancel feedback for {cancel_id}")
        status = body["status"]
        t.cancel_feedback.append((time.monotonic(), cancel_id, body))
        answer = (status["execution"], status["result"]["finished"], status.get("details", []))
        act.cancel_answer = answer
        if answer[0] in ("closed", "canceled") and answer[1] != "failure":
            # the cancellation is confirmed: the action ends as canceled
            act.open = False
            act.result = ("canceled", answer[1], answer[2])
        self._reply(handler, 200)

    def _config_data(self, handler, t, body):
        if not isinstance(body, dict) or not isinstance(body.get("data"), dict) or not all(
                isinstance(k, str) and isinstance(v, str) for k, v in body["data"].items()):
            return self._violation(handler, 400, "configData without a data object of strings")
        if body.get("mode", "merge") not in ("merge", "replace", "remove"):
            return self._violation(handler, 400, f"configData mode {body.get('mode')!r}")
        t.config_data = dict(body["data"])
        self._reply(handler, 200)

    def _download(self, handler, t, module, filename):
        with self.lock:
            art = self.artifacts.get((module, filename))
            act = t.action
            inst = t.installed
            if art is None or ((act is None or art not in act.artifacts) and
                               (inst is None or art not in inst.artifacts)):
                return self._violation(handler, 404, f"artifact {module}/{filename}")
            rng = handler.headers.get("Range")
            n = len(art.gets)
            fail = n < art.fail_first
            truncate = n < art.truncate_first + art.fail_first and not fail
            art.gets.append((t.id, rng, 503 if fail else (206 if rng else 200)))
        if fail:
            return self._reply(handler, 503, {"message": "try later"})
        data, start = art.data, 0
        if rng:
            m = re.fullmatch(r"bytes=(\d+)-", rng)
            if m is None or int(m.group(1)) >= len(data):
                return self._reply(handler, 416, {"message": "bad range"})
            start = int(m.group(1))
        body = data[start:]
        handler.send_response(206 if rng else 200)
        handler.send_header("Content-Type", "application/octet-stream")
        handler.send_header("Content-Length", str(len(body)))
        if rng:
            handler.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
        if truncate:
            handler.send_header("Connection", "close")
        handler.end_headers()
        if truncate:
            handler.wfile.write(body[:len(body) // 2])
            handler.wfile.flush()
            handler.close_connection = True
            return
        step = 4096
        for i in range(0, len(body), step):
            handler.wfile.write(body[i:i + step])
            if art.slow_bytes_per_s:
                time.sleep(step / art.slow_bytes_per_s)
