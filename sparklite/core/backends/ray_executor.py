"""The actor side of the ``ray`` backend: what runs inside each executor's Ray actor.

Contract: an ``ExecutorActor`` owns one ``Executor`` (the same class ``local[N]`` runs) and answers
the driver's calls: ``run_task`` (a pickled ``TaskDescription``, its binary inline or as a boxed
object ref; the reply is the pickled ``TaskOutcome``), block and broadcast calls, ``describe``,
``migrate_blocks`` for decommissioning, ``shutdown``. It reads other executors' shuffle segments
and cached blocks directly from their actors (``_ActorPeers``), never through the driver. Its
process leaves its exit status in a file (``EXIT_STATUS_FILE``) so the driver can say why it died.
``BarrierCoordinatorActor`` holds the barrier coordinator where every executor can reach it.
The driver side is ``ray_backend.py``.
"""
from __future__ import annotations

import os
import pickle
import shutil
import tempfile
import threading
from collections import OrderedDict
from dataclasses import replace

import pyarrow as pa
import ray
from ray.exceptions import RayActorError

from sparklite.core import resources
from sparklite.core.backends import wire
from sparklite.core.barrier import BarrierCoordinator
from sparklite.core.conf import SparkConf
from sparklite.core.executor import Executor, keep_freed_memory
from sparklite.core.storage import codec

EXIT_STATUS_FILE = "exit-status"
_REGISTRATION_WAIT = 10.0         # seconds a task waits for its broadcast's registration to arrive
_DESTROYED_KEPT = 4096            # destroyed broadcast ids remembered, so their use fails at once


class _ActorPeers:
    """How an executor actor reaches the other executors' block stores."""

    def __init__(self, actor: "ExecutorActor"):
        self.actor = actor

    def core_ids(self, exclude: str) -> list[str]:
        return sorted(e for e, role in self.actor.roles.items()
                      if role == "core" and e != exclude and e in self.actor.peers)

    def get(self, executor_id: str, block_id: tuple):
        """A cached block held by another executor, or None if it is gone."""
        peer = self.actor.peers.get(executor_id)
        if peer is None:
            return None
        try:
            data = ray.get(peer.get_block_bytes.remote(block_id))
        except RayActorError:
            return None
        return None if data is None else codec.from_ipc(pa.py_buffer(data))

    def put(self, executor_id: str, block_id: tuple, value, level) -> list:
        payload = codec.to_ipc(value).to_pybytes() if isinstance(value, pa.Table) else [b.to_pybytes() for b in value]
        return ray.get(self.actor.peers[executor_id].put_block.remote(block_id, payload, level))


@ray.remote
class ExecutorActor:
    def __init__(self, executor_id: str, cores: int, conf_pairs: list, role: str = "core"):
        keep_freed_memory()
        conf = SparkConf(loadDefaults=False).setAll(conf_pairs)
        self.executor = Executor(executor_id, cores, conf, fetch_remote=self._fetch_remote,
                                 fetch_broadcast=self._fetch_broadcast, role=role, barrier_sync=self._barrier_sync,
                                 resources=resources.discover(conf, "executor", _ray_assigned(conf)))
        self.barrier_coordinator = None
        self.executor.peers = _ActorPeers(self)
        self.roles: dict = {}
        self.peers: dict = {}
        from sparklite.core.sparkfiles import SparkFiles
        self.files_dir = SparkFiles._root_directory = tempfile.mkdtemp(
            prefix=f"sparklite-{conf.get('spark.app.id')}-{executor_id}-files-")
        self.broadcasts: dict = {}
        self.broadcast_values: dict = {}
        self._lock = threading.Lock()
        self._registered = threading.Condition(self._lock)
        self._destroyed: OrderedDict = OrderedDict()       # the last destroyed broadcasts' ids, bounded
        self._exit_record = _record_exit_status(os.path.join(self.executor.block_store.spill_dir, EXIT_STATUS_FILE))

    def ping(self) -> str:
        return self.executor.executor_id

    def describe(self) -> tuple:
        """(the directories this executor writes: its block store's and its SparkFiles root, its host,
        how many tasks it runs at once)."""
        return ([self.executor.block_store.spill_dir, self.files_dir], ray.util.get_node_ip_address(),
                self.executor.slots)

    def set_barrier_coordinator(self, boxed: list) -> None:
        self.barrier_coordinator = boxed[0]

    def _barrier_sync(self, *args) -> list:
        return ray.get(self.barrier_coordinator.sync.remote(*args))

    def shutdown(self) -> None:
        """Remove this executor's blocks and files before the backend kills the actor."""
        self.executor.stop()
        shutil.rmtree(self.files_dir, ignore_errors=True)

    def pid(self) -> int:
        return os.getpid()

    def set_peers(self, peers: dict, roles: dict) -> None:
        self.peers = {e: a for e, a in peers.items() if e != self.executor.executor_id}
        self.roles = dict(roles)

    def get_block_bytes(self, block_id: tuple):
        table = self.executor.block_store.get(block_id)
        return None if table is None else codec.to_ipc(table).to_pybytes()

    def put_block(self, block_id: tuple, payload, level) -> list:
        """Store a block another executor sends (a replica, a task executor's output, a migration)."""
        value = codec.from_ipc(payload) if isinstance(payload, bytes) else [pa.py_buffer(b) for b in payload]
        self.executor.block_store.put(block_id, value, level)
        return self.executor.block_store.drain_updates()

    def register_broadcast(self, bid: int, boxed_ref: list) -> None:
        with self._registered:
            if bid not in self._destroyed:            # a destroy may overtake its registration
                self.broadcasts[bid] = boxed_ref[0]
            self._registered.notify_all()

    def drop_broadcast(self, bid: int, forget: bool) -> None:
        with self._registered:
            if forget:
                self.broadcasts.pop(bid, None)
                self._destroyed[bid] = None
                while len(self._destroyed) > _DESTROYED_KEPT:
                    self._destroyed.popitem(last=False)
                self._registered.notify_all()
            self.broadcast_values.pop(bid, None)
        from sparklite.core import broadcast
        broadcast.drop_local(bid)

    def run_task(self, payload: bytes, boxed_binary: list) -> bytes:
        """Run one task: its description comes pickled (cheaper for Ray to pass than the object), its
        binary inline or, when large, as an object reference fetched unless this executor has it."""
        task = pickle.loads(payload)
        if boxed_binary:
            data = self.executor.cached_binary(task.binary_id)
            task = replace(task, binary=data if data is not None else ray.get(boxed_binary[0]))
        outcome = self.executor.run_task(task)
        if outcome.error is not None:
            try:   # the driver must be able to rebuild it
                pickle.loads(wire.dumps(outcome.error))
            except Exception:   # an error that cannot travel travels as its text
                outcome.error = RuntimeError(outcome.error_text)
        return wire.dumps(outcome)

    def receive_files(self, boxed_ref: list) -> None:
        """Write files added with ``sc.addFile`` under this executor's SparkFiles root."""
        for relative, data in ray.get(boxed_ref[0]):
            path = os.path.join(self.files_dir, relative)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "wb") as f:
                f.write(data)

    def add_python_path(self, name: str) -> None:
        import importlib
        import sys
        path = os.path.join(self.files_dir, name) if name else self.files_dir
        if path not in sys.path:
            sys.path.insert(1, path)
        importlib.invalidate_caches()

    def kill_task(self, task_id: int) -> None:
        self.executor.kill(task_id)

    def migrate_blocks(self, targets: list) -> list:
        """Copy every block to the target executors (round robin); return (block_id, target, updates)."""
        moved = []
        for i, info in enumerate(self.executor.block_store.blocks()):
            value = self.executor.block_store.get(info.block_id)
            if value is None:
                continue
            target = targets[i % len(targets)]
            moved.append((info.block_id, target, self.executor.peers.put(target, info.block_id, value, info.level)))
        return moved

    def fetch_segment(self, block_id: tuple, reduce_id: int):
        buffer = self.executor.block_store.get_segment(block_id, reduce_id)
        return None if buffer is None else buffer.to_pybytes()

    def remove_blocks(self, kind: str, owner_id: int) -> None:
        self.executor.remove_blocks(kind, owner_id)

    def blocks(self) -> list:
        return self.executor.block_store.blocks()

    def _fetch_remote(self, executor_id: str, block_id: tuple, reduce_id: int):
        peer = self.peers.get(executor_id)
        if peer is None:
            return None
        try:
            data = ray.get(peer.fetch_segment.remote(block_id, reduce_id))
        except RayActorError:
            return None
        return None if data is None else pa.py_buffer(data)

    def _fetch_broadcast(self, bid: int):
        with self._registered:
            if bid not in self.broadcast_values:
                # the actor runs calls on several threads, so a task may start before the call that
                # registers its broadcast (sent first) has run: wait for it, a bounded time
                self._registered.wait_for(lambda: bid in self.broadcasts or bid in self._destroyed,
                                          timeout=_REGISTRATION_WAIT)
                ref = self.broadcasts.get(bid)
                if ref is None:
                    raise RuntimeError(f"Broadcast {bid} was destroyed or never registered on "
                                       f"executor {self.executor.executor_id}")
                self.broadcast_values[bid] = pickle.loads(ray.get(ref))
            return self.broadcast_values[bid]


@ray.remote(num_cpus=0)
class BarrierCoordinatorActor:
    """The barrier coordinator where every executor can reach it (see ``core.barrier``)."""

    def __init__(self, timeout: float):
        self.coordinator = BarrierCoordinator(timeout)

    def sync(self, *args) -> list:
        return self.coordinator.sync(*args)

    def begin(self, key: tuple) -> None:
        self.coordinator.begin(key)

    def end(self, key: tuple) -> None:
        self.coordinator.end(key)

    def pending(self) -> int:
        return self.coordinator.pending()


def _record_exit_status(path: str):
    """Make this executor process leave its exit status in ``path`` where Ray would lose it: the code
    given to ``os._exit`` (the way a task ends its process at once) and fatal signals such as SIGSEGV
    (Python's fault handler). Returns the open file the fault handler writes to."""
    import faulthandler
    record = open(path, "w")
    faulthandler.enable(record)
    original_exit = os._exit

    def recording_exit(code):
        record.write(f"exit code {code}\n")
        record.flush()
        original_exit(code)

    os._exit = recording_exit
    return record


def _ray_assigned(conf) -> dict:
    """The addresses Ray gave this executor's actor: its GPUs' ids; a custom resource, which Ray
    counts but does not number, gets addresses 0..amount-1."""
    out = {}
    for name, amount in resources.requested(conf, "executor").items():
        out[name] = [str(int(g)) for g in ray.get_gpu_ids()] if name == "gpu" else [str(i) for i in range(int(amount))]
    return out
