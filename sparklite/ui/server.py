"""The HTTP server of the web UI and of the history server.

Contract: ``UIServer(apps, host, port, max_retries)`` serves, on its own daemon threads, the pages and
the REST API of the applications ``apps`` gives: ``apps.get(app_id)`` -> an ``AppStatusStore`` or
None, ``apps.listing()`` -> the REST ``application`` documents. A live UI has one application and
serves its pages at the root (``/jobs/``, ``/stages/stage/?id=3``...); the history server serves
its list at ``/`` and each application's pages under ``/history/<app id>/``. The REST API is
``/api/v1/applications[/<app id>/<jobs|stages|executors|allexecutors|storage/rdd|environment|sql>...]``.
It binds ``port``, or the next free one up to ``max_retries`` further; ``url`` says where it
listens. Only GET and HEAD are answered; unknown routes get 404; nothing a request names is read
from the filesystem.
"""
from __future__ import annotations

import errno
import html
import json
import logging
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from sparklite.ui import rest

log = logging.getLogger("sparklite.ui")


def api(store, parts: list, query: dict):
    """The REST document at ``parts`` (the path after ``/api/v1/applications/<app id>``)."""
    def number(i):
        try:
            return int(parts[i])
        except (IndexError, ValueError):
            raise rest.NotFound("/".join(parts)) from None

    status = query.get("status", [None])[0]
    if not parts:
        return rest.application(store)
    head, n = parts[0], len(parts)
    if head == "jobs":
        return rest.jobs(store, status) if n == 1 else rest.job(store, number(1))
    if head == "stages":
        if n == 1:
            return rest.stages(store, status)
        if n == 2:
            return rest.stage_attempts(store, number(1))
        if n == 3:
            return rest.stage(store, number(1), number(2))
        if n == 4 and parts[3] == "taskList":
            offset = int(query.get("offset", ["0"])[0])
            length = int(query.get("length", ["20"])[0])
            return rest.task_list(store, number(1), number(2), offset, length)
        if n == 4 and parts[3] == "taskSummary":
            quantiles = [float(q) for q in query.get("quantiles", ["0.0,0.25,0.5,0.75,1.0"])[0].split(",")]
            return rest.task_summary(store, number(1), number(2), quantiles)
    if head in ("executors", "allexecutors") and n == 1:
        return rest.executors(store, include_dead=head == "allexecutors")
    if parts[:2] == ["storage", "rdd"]:
        return rest.storage(store) if n == 2 else rest.rdd(store, number(2))
    if head == "environment" and n == 1:
        return rest.environment(store)
    if head == "sql":
        return rest.sql_executions(store) if n == 1 else rest.sql_execution(store, parts[1])
    raise rest.NotFound("/".join(parts))


class UIServer:
    def __init__(self, apps, host: str = "127.0.0.1", port: int = 4040, max_retries: int = 16):
        self.apps = apps
        handler = type("Handler", (_Handler,), {"apps": apps})
        last_error = None
        for candidate in range(port, port + max_retries + 1) if port else [0]:
            try:
                self.httpd = ThreadingHTTPServer((host, candidate), handler)
                break
            except OSError as error:
                if error.errno != errno.EADDRINUSE:
                    raise
                last_error = error
        else:
            raise OSError(f"could not bind the web UI to {host} on ports {port} to {port + max_retries}: "
                          f"{last_error}")
        self.httpd.daemon_threads = True
        bound_host, bound_port = self.httpd.server_address[:2]
        self.port = bound_port
        self.url = f"http://{bound_host if host not in ('0.0.0.0', '') else '127.0.0.1'}:{bound_port}"
        self._thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="sparklite-ui", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self._thread.join(timeout=5)


class _Handler(BaseHTTPRequestHandler):
    apps = None
    server_version = "sparklite-ui"

    def log_message(self, format, *args):   # requests are not the application's log
        log.debug("%s " + format, self.address_string(), *args)

    def do_HEAD(self):
        self._answer(send_body=False)

    def do_GET(self):
        self._answer(send_body=True)

    def _answer(self, send_body: bool) -> None:
        url = urllib.parse.urlsplit(self.path)
        query = urllib.parse.parse_qs(url.query)
        parts = [urllib.parse.unquote(p) for p in url.path.split("/") if p]
        try:
            status, kind, body = self._route(parts, query, url.path.endswith("/"))
        except rest.NotFound as missing:
            status, kind, body = 404, "text/plain; charset=utf-8", f"Not found: {missing}\n"
        except Exception as error:   # a page must not take the server down
            log.exception("the UI failed on %s", self.path)
            status, kind, body = 500, "text/plain; charset=utf-8", f"Internal error: {type(error).__name__}\n"
        data = body.encode("utf-8")
        self.send_response(status)
        if status in (301, 302):
            self.send_header("Location", body)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.end_headers()
        if send_body:
            self.wfile.write(data)

    def _route(self, parts: list, query: dict, slash: bool):
        apps = self.apps
        if parts[:2] == ["api", "v1"]:
            rest_parts = parts[2:]
            if rest_parts == ["version"]:
                listing = apps.listing()
                return _json({"spark": listing[0]["attempts"][0]["appSparkVersion"] if listing else None})
            if rest_parts[:1] != ["applications"]:
                raise rest.NotFound(self.path)
            if len(rest_parts) == 1:
                return _json(apps.listing())
            store = apps.get(rest_parts[1])
            if store is None:
                raise rest.NotFound(f"unknown application: {rest_parts[1]}")
            return _json(api(store, rest_parts[2:], query))
        if apps.single is not None:
            store, prefix, page_parts = apps.get(apps.single), "", parts
        elif not parts:
            return 200, "text/html; charset=utf-8", _listing(apps.listing())
        elif parts[0] == "history" and len(parts) >= 2:
            store, prefix, page_parts = apps.get(parts[1]), f"/history/{urllib.parse.quote(parts[1])}", parts[2:]
            if store is None:
                raise rest.NotFound(f"unknown application: {parts[1]}")
        else:
            raise rest.NotFound(self.path)
        from sparklite.ui import pages      # on the first page asked for: it draws with networkx
        if not page_parts:
            return 302, "text/plain; charset=utf-8", f"{prefix}/jobs/"
        page = "/".join(page_parts) + "/"
        if page not in pages.PAGES:
            raise rest.NotFound(self.path)
        if not slash:
            target = f"{prefix}/{page}" + (f"?{urllib.parse.urlencode(query, doseq=True)}" if query else "")
            return 302, "text/plain; charset=utf-8", target
        return 200, "text/html; charset=utf-8", pages.render(store, page, query, prefix)


def _json(document):
    return 200, "application/json", json.dumps(document, indent=2, default=str)


def _listing(apps: list) -> str:
    rows = "".join(
        f"<tr><td><a href='/history/{urllib.parse.quote(a['id'])}/jobs/'>{html.escape(a['id'])}</a></td>"
        f"<td>{html.escape(str(a['name']))}</td><td>{html.escape(str(a['attempts'][0]['startTime']))}</td>"
        f"<td>{html.escape(str(a['attempts'][0]['endTime'] or ''))}</td>"
        f"<td>{'completed' if a['attempts'][0]['completed'] else 'incomplete'}</td>"
        f"<td>{html.escape(str(a['attempts'][0]['sparkUser']))}</td></tr>" for a in apps)
    return ("<!DOCTYPE html><html><head><meta charset='utf-8'><title>History Server</title></head><body>"
            "<h2>sparklite History Server</h2><table border='1' cellpadding='4' class='applications'><thead><tr>"
            "<th>App ID</th><th>App Name</th><th>Started</th><th>Completed</th><th>Status</th><th>User</th>"
            f"</tr></thead><tbody>{rows}</tbody></table>"
            + ("" if apps else "<p>No application has written an event log here yet.</p>") + "</body></html>")
