"""``sparklite submit``: run an application with its context configured from the command line, as
``spark-submit`` does.

    sparklite submit [--master M] [--name N] [--conf k=v ...] [--py-files a.py,b.zip]
                     [--properties-file F] app.py [app args ...]

Contract: the options before the application file are sparklite's, everything after it is the
application's (``sys.argv[1:]``). The settings reach the application's ``SparkContext`` /
``SparkSession`` as Spark's system properties do (what the program sets itself wins): the properties
file (``key value`` or ``key=value`` lines, ``#`` comments) first, then ``--conf``, then ``--master``
and ``--name``; ``--py-files`` become ``spark.submit.pyFiles``, shipped to every executor. Without
``--master`` the application gets ``ray``: a local Ray instance started for it and stopped at its
end (a transient cluster); ``--master ray://host:port`` uses a long-running one. The exit status is
the application's: 0, its ``sys.exit`` code, or 1 when it raised (its traceback on stderr). Every
context the application left running is stopped before the command returns. A malformed ``--conf``
(``foo``, a key that is not ``spark.*``) or a missing application file fails before any cluster
starts, naming the problem; a ``spark.*`` key sparklite does not know is kept, with a warning.
"""
from __future__ import annotations

import os
import runpy
import sys
import traceback


class SubmitError(ValueError):
    pass


def parse_conf_pairs(pairs: list[str]) -> dict:
    """``["k=v", ...]`` as a dict; a pair without ``=`` or a key that is not ``spark.*`` is named."""
    from sparklite.core import api
    conf = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise SubmitError(f"--conf {pair!r}: expected KEY=VALUE")
        key = key.strip()
        try:
            api.check_conf_key(key)
        except ValueError as error:
            raise SubmitError(f"--conf {pair!r}: {error}") from None
        if not api.known_conf_key(key):
            print(f"Warning: sparklite does not know the configuration key {key!r}; it is passed on as given",
                  file=sys.stderr)
        conf[key] = value
    return conf


def read_properties(path: str) -> dict:
    """A ``spark-defaults.conf``-style file: ``key value`` or ``key=value`` per line."""
    conf = {}
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            if "=" in line and (" " not in line or line.index("=") < line.index(" ")):
                key, value = line.split("=", 1)
            else:
                key, _, value = line.partition(" ")
            if not key.startswith("spark."):
                raise SubmitError(f"{path}:{number}: {line!r} is not a spark.* setting")
            conf[key.strip()] = value.strip()
    return conf


def session_settings(conf: dict, properties: str | None, py_files: str | None, master: str | None,
                     name: str | None, default_master: str, default_name: str | None) -> dict:
    """What a tool hands the session (``submit``, ``shell``): the properties file's settings, then
    ``--conf``'s, then ``--py-files``, ``--master`` and ``--name`` (else the defaults). A missing file
    is named."""
    try:
        settings = read_properties(properties) if properties else {}
    except OSError as error:
        raise SubmitError(f"--properties-file {properties}: {error.strerror}") from None
    settings.update(conf)
    if py_files:
        paths = [p for p in py_files.split(",") if p]
        missing = [p for p in paths if not os.path.exists(p)]
        if missing:
            raise SubmitError(f"--py-files: not found: {', '.join(missing)}")
        settings["spark.submit.pyFiles"] = ",".join(os.path.abspath(p) for p in paths)
    settings["spark.master"] = master or settings.get("spark.master", default_master)
    settings["spark.app.name"] = name or settings.get("spark.app.name") or default_name
    return settings


def exit_status(exit_: SystemExit) -> int:
    """The process status a ``SystemExit`` stands for, as Python's own exit gives it."""
    return exit_.code if isinstance(exit_.code, int) else (0 if exit_.code is None else 1)


def parse(argv: list) -> tuple[dict, str, list]:
    """(settings, application file, application arguments) from ``submit``'s command line."""
    conf, properties, master, name, py_files, i = {}, None, None, None, None, 0
    options = {"--master", "--name", "--conf", "--py-files", "--properties-file"}
    while i < len(argv) and argv[i].startswith("--"):
        option, _, inline = argv[i].partition("=")
        if option not in options:
            raise SubmitError(f"unknown option {argv[i]!r} (options: {', '.join(sorted(options))})")
        if inline:
            value, i = inline, i + 1
        elif i + 1 < len(argv):
            value, i = argv[i + 1], i + 2
        else:
            raise SubmitError(f"{option} needs a value")
        if option == "--conf":
            conf.update(parse_conf_pairs([value]))
        elif option == "--master":
            master = value
        elif option == "--name":
            name = value
        elif option == "--py-files":
            py_files = value
        else:
            properties = value
    if i >= len(argv):
        raise SubmitError("no application file given: sparklite submit [options] app.py [args ...]")
    app, app_args = argv[i], argv[i + 1:]
    if not os.path.isfile(app):
        raise SubmitError(f"application file not found: {app}")
    settings = session_settings(conf, properties, py_files, master, name, "ray",
                                os.path.splitext(os.path.basename(app))[0])
    return settings, app, app_args


def main(argv: list) -> int:
    try:
        settings, app, app_args = parse(argv)
    except (SubmitError, OSError) as error:
        print(f"sparklite submit: {error}", file=sys.stderr)
        return 1
    from sparklite import SparkContext
    from sparklite.core import api
    for key, value in settings.items():
        SparkContext.setSystemProperty(key, value)
    saved_argv, saved_path = sys.argv, list(sys.path)
    sys.argv = [app] + list(app_args)
    sys.path.insert(0, os.path.dirname(os.path.abspath(app)))
    status = 0
    try:
        runpy.run_path(app, run_name="__main__")
    except SystemExit as exit_:
        status = exit_status(exit_)
        if exit_.code is not None and not isinstance(exit_.code, int):
            print(exit_.code, file=sys.stderr)
    except BaseException:   # the application failed: its traceback, and a failing status
        traceback.print_exc()
        status = 1
    finally:
        sys.argv, sys.path[:] = saved_argv, saved_path
        active = api.active_context()
        if active is not None:       # the transient cluster ends with its application
            active.stop()
    return status
