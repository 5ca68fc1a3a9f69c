"""The Ray instance sparklite starts for itself: it listens on loopback only, keeps Ray's token
authentication on, and keeps Ray's own chatter (start-up notices, dead-worker lines) off the user's
stdout and stderr; sparklite says in one line of its own what was lost and what is recomputed."""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

pytestmark = pytest.mark.ray

SCRIPT = textwrap.dedent("""
    import os, socket
    from sparklite import SparkConf, SparkContext, TaskContext

    def listening_addresses(pids):
        inodes = {}
        for name in ("tcp", "tcp6"):
            with open(f"/proc/net/{name}") as f:
                for line in list(f)[1:]:
                    fields = line.split()
                    if fields[3] == "0A":                      # LISTEN
                        inodes[fields[9]] = fields[1].rsplit(":", 1)[0]
        found = set()
        for pid in pids:
            try:
                links = [os.readlink(f"/proc/{pid}/fd/{fd}") for fd in os.listdir(f"/proc/{pid}/fd")]
            except OSError:
                continue
            for link in links:
                if link.startswith("socket:["):
                    address = inodes.get(link[8:-1])
                    if address is not None:
                        found.add(address)
        return found

    def descendants(root):
        children = {}
        for pid in os.listdir("/proc"):
            if pid.isdigit():
                try:
                    with open(f"/proc/{pid}/stat") as f:
                        children.setdefault(int(f.read().rsplit(")", 1)[1].split()[1]), []).append(int(pid))
                except OSError:
                    pass
        out, stack = set(), [root]
        while stack:
            pid = stack.pop()
            out.add(pid)
            stack.extend(children.get(pid, ()))
        return out

    def crash_first_attempt(it):
        if TaskContext.get().attemptNumber() == 0 and TaskContext.get().partitionId() == 0:
            os._exit(3)
        return it

    sc = SparkContext("ray", "quiet", conf=SparkConf().set("spark.task.maxFailures", "2"))
    addresses = listening_addresses(descendants(os.getpid()))
    # 0100007F is 127.0.0.1 in /proc/net/tcp; 0000000000000000FFFF00000100007F is ::ffff:127.0.0.1
    print("LISTENING", sorted(addresses), flush=True)
    print("NON_LOOPBACK", sorted(a for a in addresses if not a.endswith("0100007F")), flush=True)
    print("AUTH", os.environ.get("RAY_AUTH_MODE"), bool(os.environ.get("RAY_AUTH_TOKEN")), flush=True)
    print("SUM", sc.parallelize(range(10), 2).mapPartitions(crash_first_attempt).sum(), flush=True)
    sc.stop()
""")


def test_a_local_ray_instance_is_private_and_quiet():
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    for name in ("RAY_ADDRESS", "RAY_AUTH_MODE", "RAY_AUTH_TOKEN", "RAY_AUTH_TOKEN_PATH"):
        env.pop(name, None)
    done = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=240, env=env)
    lines = done.stdout.splitlines()
    assert done.returncode == 0, done.stdout + done.stderr[-3000:]
    assert [line.split()[0] for line in lines] == ["LISTENING", "NON_LOOPBACK", "AUTH", "SUM"], done.stdout
    assert lines[0] != "LISTENING []"            # it did look at Ray's sockets
    assert lines[1] == "NON_LOOPBACK []"
    assert lines[2] == "AUTH token True"
    assert lines[3] == "SUM 45"
    # stderr: sparklite's one line about the lost executor, nothing from Ray
    errors = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(errors) == 1, done.stderr
    assert errors[0].startswith("Lost executor exec-") and "recomputed" in errors[0], errors[0]
    assert "its process ended: exit code 3" in errors[0]


RESOURCES_SCRIPT = textwrap.dedent("""
    from sparklite import SparkConf, SparkContext, TaskContext
    conf = (SparkConf().set("spark.executor.resource.fpga.amount", "1")
            .set("spark.task.resource.fpga.amount", "1"))
    sc = SparkContext("ray", "resources", conf=conf)
    seen = sc.parallelize(range(2), 2).map(lambda _: TaskContext.get().resources()["fpga"].addresses).collect()
    print("FPGA", seen, flush=True)
    sc.stop()
""")


def test_executor_resources_become_ray_resources():
    # A custom resource is declared on the Ray instance sparklite starts and asked for by each executor
    # actor; each of the two executors has one, so each task gets its executor's.
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    env.pop("RAY_ADDRESS", None)
    done = subprocess.run([sys.executable, "-c", RESOURCES_SCRIPT], capture_output=True, text=True, timeout=240,
                          env=env)
    assert "FPGA [['0'], ['0']]" in done.stdout, done.stdout + done.stderr[-3000:]
