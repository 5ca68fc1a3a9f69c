"""``sparklite shell`` as a person uses it: typed into a real pseudo-terminal, the plain console and
(when installed) IPython. A job's result and the prompt come back; a cached RDD survives a Ctrl-C
that cancels a long job, and is answered from the cache afterwards; a column name tab-completes;
``exit()`` and Ctrl-D leave with status 0. Every wait reads the terminal until a deadline."""
from __future__ import annotations

import fcntl
import os
import pathlib
import re
import select
import struct
import subprocess
import sys
import termios
import time

import pytest

from tests.tools.test_cli_tools import sparklite, write

ROOT = pathlib.Path(__file__).resolve().parents[2]
ESCAPES = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07]*\x07|\x1b[()][0-9A-Za-z]|\x1b[=>]")
LONG_JOB = 'sc.parallelize(range(2), 2).map(lambda x: __import__("time").sleep(60)).collect()'
CACHE = ("calls = sc.accumulator(0); "
         "r = sc.parallelize(range(100), 4).map(lambda x: calls.add(1) or x).cache(); r.count()")
# the cached RDD's count, how often its rows were computed in all, and its partitions in the cache
FROM_CACHE = 'r.count(), calls.value, sc.getRDDStorageInfo()[0]["numCachedPartitions"]'

try:
    import IPython  # noqa: F401
    HAVE_IPYTHON = True
except ImportError:
    HAVE_IPYTHON = False


def take_controlling_terminal():
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)    # so the terminal's Ctrl-C (\x03) becomes a SIGINT


class Terminal:
    """One ``sparklite shell`` on a pseudo-terminal: ``send`` types, ``expect`` reads (escape
    sequences removed) until a text shows up or the deadline passes."""

    def __init__(self, kind: str, *args, cwd):
        leader, follower = os.openpty()
        fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 160, 0, 0))
        env = dict(os.environ, PYTHONPATH=str(ROOT), SPARKLITE_SHELL=kind, TERM="xterm", COLUMNS="160",
                   IPYTHONDIR=str(cwd / "ipython"))
        env.pop("RAY_ADDRESS", None)
        env.pop("PYTHONSTARTUP", None)
        self.process = subprocess.Popen([sys.executable, "-m", "sparklite", "shell", *args], cwd=cwd, env=env,
                                        stdin=follower, stdout=follower, stderr=follower, start_new_session=True,
                                        preexec_fn=take_controlling_terminal)
        os.close(follower)
        self.leader, self.raw, self.seen = leader, b"", 0

    def send(self, keys: str) -> None:
        os.write(self.leader, keys.encode())

    def expect(self, text: str, timeout: float = 60) -> str:
        """The output since the last ``expect`` up to and including ``text``."""
        deadline = time.monotonic() + timeout
        while True:
            screen = ESCAPES.sub("", self.raw.decode(errors="replace"))
            at = screen.find(text, self.seen)
            if at >= 0:
                before, self.seen = screen[self.seen:at + len(text)], at + len(text)
                return before
            left = deadline - time.monotonic()
            ready = select.select([self.leader], [], [], max(left, 0))[0]
            chunk = b""
            if ready:
                try:
                    chunk = os.read(self.leader, 65536)
                except OSError:     # the shell has exited and closed the terminal
                    pass
            if b"\x1b[6n" in chunk:   # answer prompt_toolkit's cursor position request, as a terminal does
                self.send("\x1b[1;1R")
            if not chunk:
                raise AssertionError(f"{text!r} did not show up; the terminal shows:\n{screen[self.seen:]}")
            self.raw += chunk

    def wait(self, timeout: float = 60) -> int:
        try:
            while True:                 # drain, so the shell never blocks writing its last words
                if not select.select([self.leader], [], [], timeout)[0] or not os.read(self.leader, 65536):
                    break
        except OSError:
            pass
        return self.process.wait(timeout)

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        os.close(self.leader)


@pytest.fixture
def terminals():
    opened = []

    def open_terminal(*args, **kwargs) -> Terminal:
        opened.append(Terminal(*args, **kwargs))
        return opened[-1]

    yield open_terminal
    for terminal in opened:
        terminal.close()


class Prompt:
    """The next prompt of a shell: ``>>> `` in the plain console, ``In [n]: `` counting in IPython."""

    def __init__(self, kind: str):
        self.kind, self.count = kind, 1

    def next(self) -> str:
        if self.kind == "python":
            return ">>> "
        text = f"In [{self.count}]: "
        self.count += 1
        return text


def check_banner(terminal: Terminal, prompt: Prompt, name: str) -> str:
    """The banner's content; what came before it (warnings) is returned."""
    from sparklite import __version__
    before, title, banner = terminal.expect(prompt.next()).partition(f"sparklite {__version__} shell")
    assert title, banner
    assert f"master local[2], application {name!r}, id local-" in banner
    assert "spark (SparkSession), sc (SparkContext), sql (spark.sql)" in banner
    assert "exit() or Ctrl-D" in banner and "____" not in banner
    assert ("IPython " in banner) == (prompt.kind == "ipython")
    [ui] = answer(terminal, prompt, "print(sc.uiWebUrl)")
    assert ("web UI" not in banner) if ui == "None" else (f"web UI at {ui}" in banner)
    return before


def answer(terminal: Terminal, prompt: Prompt, statement: str, timeout: float = 60) -> list[str]:
    """Type a statement; the lines it printed (IPython's ``Out[n]:`` and the progress bar taken off)
    once the prompt is back."""
    terminal.send(statement + "\r")
    shown = terminal.expect(prompt.next(), timeout).rsplit(statement, 1)[1]
    lines = [re.sub(r"^Out\[\d+\]: ", "", line.strip()) for line in re.split(r"[\r\n]", shown)]
    return [line for line in lines[:-1] if line and not line.startswith("[Stage ")]


def complete_a_column(terminal: Terminal, prompt: Prompt) -> None:
    answer(terminal, prompt, "df = spark.createDataFrame([(1, 2.5)], ['temperature', 'humidity'])")
    terminal.send("df.temp\t")
    terminal.expect("erature")
    terminal.send("\r")
    assert "Column<'temperature'>" in terminal.expect(prompt.next())


def run_and_cancel(terminal: Terminal, prompt: Prompt) -> None:
    """A job, a cached RDD, a Ctrl-C during a long job, and the cached RDD again."""
    assert answer(terminal, prompt, "sc.parallelize(range(10)).sum()") == ["45"]
    assert answer(terminal, prompt, 'sql("SELECT 41 + 1 AS answer").collect()') == ["[Row(answer=42)]"]
    assert answer(terminal, prompt, CACHE) == ["100"]
    terminal.send(LONG_JOB + "\r")
    terminal.expect("[Stage ")              # the console progress bar: its stage is running
    interrupted = time.monotonic()
    terminal.send("\x03")
    terminal.expect("Interrupted: running jobs were cancelled; the session and its cached data are kept.")
    terminal.expect(prompt.next())
    assert time.monotonic() - interrupted < 10
    assert answer(terminal, prompt, FROM_CACHE) == ["(100, 100, 4)"]
    assert answer(terminal, prompt, "sc.statusTracker().getActiveJobsIds()") == ["[]"]


def test_the_plain_console(tmp_path, terminals):
    props = write(tmp_path / "props.conf", """
        spark.executor.memory   512m
        spark.sql.shuffle.partitions=7
    """)
    terminal = terminals("python", "--master", "local[2]", "--name", "nightly", "--properties-file", props,
                         "--conf", "spark.sql.shuffle.partitions=3", "--conf", "spark.made.up=1", cwd=tmp_path)
    prompt = Prompt("python")
    warnings = check_banner(terminal, prompt, name="nightly")
    assert "spark.made.up" in warnings      # an unknown key: a warning, and the shell starts
    settings = 'sc.getConf().get("spark.executor.memory"), spark.conf.get("spark.sql.shuffle.partitions")'
    assert answer(terminal, prompt, settings) == ["('512m', '3')"]
    complete_a_column(terminal, prompt)
    run_and_cancel(terminal, prompt)
    terminal.send("exit()\r")
    assert terminal.wait() == 0


@pytest.mark.skipif(not HAVE_IPYTHON, reason="IPython is not installed")
def test_ipython(tmp_path, terminals):
    from sparklite.sql import DataFrame
    terminal, prompt = terminals("ipython", "--master", "local[2]", cwd=tmp_path), Prompt("ipython")
    check_banner(terminal, prompt, name="PySparkShell")
    complete_a_column(terminal, prompt)
    if hasattr(DataFrame, "_ipython_key_completions_"):
        terminal.send('df["hum\t')
        terminal.expect("idity")
        terminal.send("\x03")      # Ctrl-C at the prompt empties the line; the prompt stays
    run_and_cancel(terminal, prompt)
    terminal.send("\x04")          # Ctrl-D
    assert terminal.wait() == 0


def test_bad_input_fails_before_a_session_starts(tmp_path, capsys, monkeypatch):
    from sparklite.shell import main
    assert main(["--conf", "foo"]) == 1
    assert "--conf 'foo': expected KEY=VALUE" in capsys.readouterr().err
    assert main(["--properties-file", str(tmp_path / "missing.conf")]) == 1
    assert "missing.conf: No such file or directory" in capsys.readouterr().err
    assert main(["--py-files", str(tmp_path / "gone.py")]) == 1
    assert "gone.py" in capsys.readouterr().err
    done = sparklite("shell", "--master", "nowhere[2]", cwd=tmp_path, timeout=60)
    assert done.returncode == 1 and "'nowhere[2]'" in done.stderr and "Traceback" not in done.stderr
    monkeypatch.setenv("SPARKLITE_SHELL", "bpython")
    assert main([]) == 1
    assert "SPARKLITE_SHELL='bpython'" in capsys.readouterr().err


def test_help_lists_the_shell_and_its_options(tmp_path, capsys):
    from sparklite.shell import main
    assert "    shell " in sparklite(cwd=tmp_path, timeout=60).stdout
    assert main(["-h"]) == 0
    out = capsys.readouterr().out
    assert "usage: sparklite shell" in out and "--properties-file" in out and "SPARKLITE_SHELL" in out
