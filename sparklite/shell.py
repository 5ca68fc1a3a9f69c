"""``sparklite shell``: an interactive Python prompt with a session already started, as the
``pyspark`` shell.

    sparklite shell [--master M] [--name N] [--conf k=v ...] [--properties-file F] [--py-files a.py,b.zip]

Contract: the settings reach the session as ``sparklite submit`` passes them (``sparklite/submit.py``,
whose parsing of ``--conf`` and of the properties file this shares): the properties file first, then
``--conf``, then ``--master`` (default ``local[*]``) and ``--name`` (default ``PySparkShell``);
``--py-files`` are shipped to every executor and importable at the prompt. A malformed ``--conf``
or a missing file fails before any context starts, naming it; an unknown ``spark.*`` key warns.

The prompt has ``spark`` (the ``SparkSession``), ``sc`` (its ``SparkContext``) and ``sql``
(``spark.sql``) bound, after a banner with the version, the master, the application id, the web UI
address when there is one, and how to leave. It is IPython when IPython is importable, else the
standard ``code`` console with ``readline`` tab completion; ``SPARKLITE_SHELL=python`` or
``SPARKLITE_SHELL=ipython`` forces one. Tab completion offers a DataFrame's columns
(``df.<TAB>``; in IPython also ``df["<TAB>`` where the DataFrame supports it). Ctrl-C while a
statement runs cancels every running job, says so and gives the prompt back: the session and its
cached data stay. Leaving (Ctrl-D, ``exit()``) stops the session; the status is 0 (in the plain
console, the code given to ``exit(code)``).
"""
from __future__ import annotations

import argparse
import os
import sys

from sparklite.submit import exit_status

SHELL_KINDS = ("python", "ipython")


class ShellError(ValueError):
    pass


def parse(argv: list) -> dict:
    """The session's settings from the command line (``spark.*`` key -> value)."""
    from sparklite.submit import parse_conf_pairs, session_settings
    parser = argparse.ArgumentParser(prog="sparklite shell",
                                     description="An interactive Python prompt with spark, sc and sql bound.",
                                     epilog="SPARKLITE_SHELL=python|ipython chooses the prompt "
                                            "(default: IPython when installed).")
    parser.add_argument("--master", help="where jobs run (default: local[*])")
    parser.add_argument("--name", help="the application name (default: PySparkShell)")
    parser.add_argument("--conf", action="append", default=[], metavar="KEY=VALUE", help="a spark.* setting")
    parser.add_argument("--properties-file", metavar="FILE", help="spark.* settings, one 'key value' a line")
    parser.add_argument("--py-files", metavar="FILES", help="comma-separated .py/.zip/.egg files for every executor")
    args = parser.parse_args(argv)
    return session_settings(parse_conf_pairs(args.conf), args.properties_file, args.py_files, args.master,
                            args.name, "local[*]", "PySparkShell")


def shell_kind() -> str:
    """``python`` or ``ipython``: what ``SPARKLITE_SHELL`` asks for, else IPython when importable."""
    wanted = os.environ.get("SPARKLITE_SHELL", "").strip().lower()
    if wanted and wanted not in SHELL_KINDS:
        raise ShellError(f"SPARKLITE_SHELL={wanted!r}: expected one of {', '.join(SHELL_KINDS)}")
    try:
        import IPython  # noqa: F401
    except ImportError:
        if wanted == "ipython":
            raise ShellError("SPARKLITE_SHELL=ipython, but IPython is not installed (pip install ipython)") from None
        return "python"
    return wanted or "ipython"


def banner(spark, kind: str) -> str:
    """Our greeting: versions, where jobs run, the web UI when there is one, and how to leave."""
    from sparklite import __version__
    sc, ui = spark.sparkContext, spark.sparkContext.uiWebUrl
    python = f"Python {sys.version.split()[0]}"
    if kind == "ipython":
        import IPython
        python += f", IPython {IPython.__version__}"
    lines = [f"sparklite {__version__} shell ({python})",
             f"  master {sc.master}, application {sc.appName!r}, id {sc.applicationId}"]
    if ui is not None:
        lines.append(f"  web UI at {ui}")
    lines += ["  bound: spark (SparkSession), sc (SparkContext), sql (spark.sql)",
              "  Ctrl-C cancels the running job; exit() or Ctrl-D leaves and stops the session."]
    return "\n".join(lines)


def interrupted(sc) -> None:
    """What a Ctrl-C during a statement does: its jobs stop, the prompt comes back."""
    sc.cancelAllJobs()
    print("\nInterrupted: running jobs were cancelled; the session and its cached data are kept.",
          file=sys.stderr, flush=True)


def run_python(namespace: dict, text: str) -> int:
    """The standard console, with tab completion when ``readline`` exists."""
    import code

    class Console(code.InteractiveConsole):
        def runcode(self, code_object):
            try:
                exec(code_object, self.locals)
            except SystemExit:
                raise
            except KeyboardInterrupt:
                interrupted(namespace["sc"])
            except BaseException:   # the user's error: its traceback, and the prompt again
                self.showtraceback()

    try:
        import readline
        import rlcompleter
    except ImportError:   # no line editing on this platform; the console still works
        pass
    else:
        readline.set_completer(rlcompleter.Completer(namespace).complete)
        # libedit (macOS) spells the binding differently from GNU readline
        readline.parse_and_bind("bind ^I rl_complete" if "libedit" in (readline.__doc__ or "") else "tab: complete")
    try:
        Console(namespace).interact(banner=text, exitmsg="")
    except SystemExit as exit_:    # exit() and quit() raise it
        return exit_status(exit_)
    return 0


def run_ipython(namespace: dict, text: str) -> int:
    """IPython's terminal shell on ``namespace``; a Ctrl-C during a cell goes to ``interrupted``."""
    from IPython.terminal.ipapp import TerminalIPythonApp
    from traitlets.config import Config
    config = Config()     # defaults that the user's IPython profile may override
    config.TerminalIPythonApp.display_banner = False
    config.TerminalInteractiveShell.confirm_exit = False
    app = TerminalIPythonApp.instance(config=config, user_ns=namespace)
    app.initialize(argv=[])       # the command line is sparklite's, not IPython's
    app.shell.set_custom_exc((KeyboardInterrupt,), lambda shell, *exc_info, **_: interrupted(namespace["sc"]))
    print(text)
    app.start()
    return 0


def main(argv: list) -> int:
    try:
        settings = parse(argv)
        kind = shell_kind()
    except SystemExit as exit_:     # argparse: -h, or a usage error it has printed
        return exit_status(exit_)
    except ValueError as error:     # ShellError, and submit's errors for --conf and the properties file
        print(f"sparklite shell: {error}", file=sys.stderr)
        return 1
    from sparklite import SparkContext
    from sparklite.sql import SparkSession
    for key, value in settings.items():
        SparkContext.setSystemProperty(key, value)
    try:
        spark = SparkSession.builder.getOrCreate()
    except ValueError as error:     # a setting the context cannot use, such as an unknown master
        print(f"sparklite shell: {error}", file=sys.stderr)
        return 1
    namespace = {"__name__": "__main__", "__doc__": None, "spark": spark, "sc": spark.sparkContext, "sql": spark.sql}
    try:
        return (run_ipython if kind == "ipython" else run_python)(namespace, banner(spark, kind))
    finally:
        spark.stop()
