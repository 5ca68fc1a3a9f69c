"""The console progress bar as a user sees it: on a terminal (or with spark.ui.showConsoleProgress=true)
the running stage's bar is redrawn on stderr and erased when the stage ends; in a pipe (logs, CI) by
default, nothing."""
from __future__ import annotations

import os
import pathlib
import pty
import subprocess
import sys
import textwrap

from sparklite.core.progress import render
from sparklite.core.status import SparkStageInfo

ROOT = pathlib.Path(__file__).resolve().parents[2]
JOB = textwrap.dedent("""
    import sys, time
    from sparklite import SparkContext, SparkConf
    conf = SparkConf()
    if len(sys.argv) > 1:
        conf.set("spark.ui.showConsoleProgress", sys.argv[1])
    sc = SparkContext("local[2]", "progress", conf=conf)
    sc.parallelize(range(8), 8).map(lambda x: time.sleep(0.4) or x).collect()
    sc.stop()
    print("done")
""")


def run_job(tmp_path, *args, stderr_tty=False) -> str:
    script = tmp_path / "job.py"
    script.write_text(JOB)
    env = dict(os.environ, PYTHONPATH=str(ROOT), COLUMNS="80")
    if not stderr_tty:
        done = subprocess.run([sys.executable, str(script), *args], capture_output=True, env=env, timeout=120)
        assert done.stdout.decode().strip() == "done", done.stderr.decode()
        return done.stderr.decode()       # bytes: text mode would turn the bar's carriage returns into newlines
    leader, follower = pty.openpty()
    try:
        done = subprocess.run([sys.executable, str(script), *args], stdout=subprocess.PIPE, stderr=follower,
                              text=True, env=env, timeout=120)
        os.close(follower)
        follower = None
        chunks = []
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:         # the terminal's other end is closed: all was read
                break
            if not chunk:
                break
            chunks.append(chunk)
        assert done.stdout.strip() == "done"
        return b"".join(chunks).decode()
    finally:
        if follower is not None:
            os.close(follower)
        os.close(leader)


def test_the_bar_is_drawn_and_erased_when_asked_for(tmp_path):
    err = run_job(tmp_path, "true")
    frames = [f for f in err.split("\r") if f.startswith("[Stage 0:")]
    assert frames, err
    assert all(f.endswith("/ 8]") and len(f) == 80 for f in frames)
    completed = [int(f.rsplit("(", 1)[1].split(" + ")[0]) for f in frames]
    assert completed == sorted(completed) and completed[-1] < 8
    assert err.endswith("\r" + " " * 80 + "\r")      # erased once the stage is over


def test_nothing_is_written_to_a_pipe_by_default_or_when_turned_off(tmp_path):
    assert "[Stage" not in run_job(tmp_path)
    assert "[Stage" not in run_job(tmp_path, "false", stderr_tty=True)


def test_a_terminal_gets_the_bar_by_default(tmp_path):
    assert "[Stage 0:" in run_job(tmp_path, stderr_tty=True)


def test_a_bar_reads_as_sparks():
    stage = SparkStageInfo(3, 0, "map", 200, 2, 12, 0)
    line = render([stage], 80)
    assert line == "[Stage 3:===>" + " " * 52 + "(12 + 2) / 200]" and len(line) == 80
    two = render([stage, SparkStageInfo(4, 0, "reduce", 10, 1, 0, 0)], 80)
    assert two.startswith("[Stage 3:") and "][Stage 4:>" in two and two.endswith("(0 + 1) / 10]") and len(two) == 80


def test_the_bar_is_gone_before_the_action_returns(tmp_path):
    # What a shell prints after a job (its result, the next prompt) must not be drawn over or erased.
    script = tmp_path / "job.py"
    script.write_text(textwrap.dedent("""
        import sys, time
        from sparklite import SparkContext, SparkConf
        sc = SparkContext("local[2]", "progress", conf=SparkConf().set("spark.ui.showConsoleProgress", "true"))
        for _ in range(2):
            sc.parallelize(range(4), 4).map(lambda x: time.sleep(0.5) or x).collect()
            sys.stderr.write("RESULT\\n")
            sys.stderr.flush()
        time.sleep(0.5)
        sc.stop()
    """))
    env = dict(os.environ, PYTHONPATH=str(ROOT), COLUMNS="80")
    done = subprocess.run([sys.executable, str(script)], capture_output=True, env=env, timeout=120)
    err = done.stderr.decode()
    assert err.count("RESULT") == 2 and "[Stage 0:" in err and "[Stage 1:" in err, err
    first, second, after = err.split("RESULT\n")
    for part in (first, second):
        assert part.endswith("\r" + " " * 80 + "\r"), part[-200:]     # erased before the result was written
    assert "[Stage" not in after
