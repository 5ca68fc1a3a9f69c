"""The web UI and the event log of a running application (``spark.ui.*``, ``spark.eventLog.*``).

Contract: ``start(sc)`` is registered with ``api.on_context_start`` by ``sparklite``'s package, so
it runs as every context starts. With ``spark.ui.enabled`` (default true) it adds an
``AppStatusStore`` listener and serves it at ``http://<spark.ui.host, default 127.0.0.1>:<spark.ui.port,
default 4040>`` (the next free port when taken, up to ``spark.port.maxRetries``); with
``spark.eventLog.enabled`` it adds an ``EventLogWriter``. The object it returns is stopped by the
context after its last event: the server shuts down and the log is closed under its final name.
"""
from __future__ import annotations

import logging

log = logging.getLogger("sparklite.ui")


def _true(conf: dict, key: str, default: str) -> bool:
    return str(conf.get(key, default)).strip().lower() == "true"


class LiveApplication:
    """The one application a live UI shows (the server's ``apps``)."""

    def __init__(self, app_id: str, store):
        self.single, self.store = app_id, store

    def get(self, app_id: str):
        return self.store if app_id == self.single else None

    def listing(self) -> list:
        from sparklite.ui import rest
        return [rest.application(self.store)]


class RunningUI:
    """What ``start`` started for one context: ``web_url`` (or None), stopped with the context."""

    def __init__(self, server, event_log):
        self.server, self.event_log = server, event_log
        self.web_url = server.url if server is not None else None

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()
        if self.event_log is not None:
            self.event_log.close()


def start(sc):
    conf = dict(sc.getConf().getAll())
    ui_enabled = _true(conf, "spark.ui.enabled", "true")
    log_enabled = _true(conf, "spark.eventLog.enabled", "false")
    if not (ui_enabled or log_enabled):
        return None
    server = event_log = None
    if log_enabled:
        from sparklite.ui.eventlog import EventLogWriter
        event_log = EventLogWriter(sc.applicationId, conf)
        sc.addSparkListener(event_log)
    if ui_enabled:
        from sparklite.ui.server import UIServer
        from sparklite.ui.store import AppStatusStore
        store = AppStatusStore(conf)
        sc.addSparkListener(store)
        try:
            server = UIServer(LiveApplication(sc.applicationId, store), conf.get("spark.ui.host", "127.0.0.1"),
                              int(conf.get("spark.ui.port", 4040)), int(conf.get("spark.port.maxRetries", 16)))
        except OSError as error:
            sc.removeSparkListener(store)
            log.warning("The web UI did not start: %s", error)
        else:
            log.info("Web UI at %s", server.url)
    return RunningUI(server, event_log)
