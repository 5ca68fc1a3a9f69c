"""``sparklite history [--dir D] [--host H] [--port P]``: the web UI of finished applications.

Contract: serves every event log in ``D`` (default: ``spark.history.fs.logDirectory`` from
``--conf``, else ``/tmp/spark-events``; local or any ``pyarrow.fs`` URI) at ``http://H:P`` (default
``127.0.0.1:18080``): the list of applications at ``/``, each one's pages under
``/history/<app id>/`` and the REST API under ``/api/v1/applications``. An application whose log is
still ``.inprogress`` (running, or crashed before it stopped) is listed as incomplete and shown up
to its last event. A log is replayed into an ``AppStatusStore`` when first asked for, and again
when it has grown; the last ``spark.history.retainedApplications`` (50) replays are kept.
"""
from __future__ import annotations

import argparse
import sys
import threading
import time
from collections import OrderedDict

from sparklite.ui import rest
from sparklite.ui.eventlog import DEFAULT_DIR, list_applications, replay
from sparklite.ui.store import AppStatusStore


class HistoryApplications:
    """The applications of a log folder, as the UI server asks for them (``single`` is None)."""
    single = None

    def __init__(self, directory: str, conf: dict | None = None, retained: int = 50):
        self.directory, self.conf, self.retained = directory, conf or {}, retained
        self._lock = threading.Lock()
        self._stores: OrderedDict[str, tuple] = OrderedDict()   # app id -> (log version, store)

    def _logs(self) -> dict:
        return {a.app_id: a for a in list_applications(self.directory, self.conf)}

    def _load(self, app) -> AppStatusStore:
        version = (app.path, app.size, app.modified)
        with self._lock:
            cached = self._stores.get(app.app_id)
            if cached is not None and cached[0] == version:
                self._stores.move_to_end(app.app_id)
                return cached[1]
        store = AppStatusStore()
        for event in replay(app, self.conf):
            getattr(store, "on" + type(event).__name__)(event)
        with store.lock:
            if store.app["id"] is None:
                store.app.update(id=app.app_id, name=app.app_id)
        with self._lock:
            self._stores[app.app_id] = (version, store)
            while len(self._stores) > self.retained:
                self._stores.popitem(last=False)
        return store

    def get(self, app_id: str):
        app = self._logs().get(app_id)
        return None if app is None else self._load(app)

    def listing(self) -> list:
        out = []
        for app in self._logs().values():
            document = rest.application(self._load(app))
            document["id"] = app.app_id
            if not app.completed:     # a crashed application never logged its end
                document["attempts"][0]["completed"] = False
            out.append(document)
        return out


def main(argv: list) -> int:
    parser = argparse.ArgumentParser(prog="sparklite history", description=__doc__.splitlines()[0])
    parser.add_argument("--dir", help="the event log folder (spark.eventLog.dir of the applications)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=18080)
    parser.add_argument("--conf", action="append", default=[], metavar="KEY=VALUE")
    args = parser.parse_args(argv)
    from sparklite.submit import SubmitError, parse_conf_pairs
    try:
        conf = parse_conf_pairs(args.conf)
    except SubmitError as error:
        print(f"sparklite history: {error}", file=sys.stderr)
        return 2
    directory = args.dir or conf.get("spark.history.fs.logDirectory") or DEFAULT_DIR
    from sparklite.ui.server import UIServer
    apps = HistoryApplications(directory, conf, int(conf.get("spark.history.retainedApplications", 50)))
    try:
        server = UIServer(apps, args.host, args.port, max_retries=0)
    except OSError as error:
        print(f"sparklite history: {error}", file=sys.stderr)
        return 1
    print(f"History server for {directory} at {server.url} (Ctrl-C to stop)", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0
