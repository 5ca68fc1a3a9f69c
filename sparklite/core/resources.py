"""Custom resources (GPUs and the like): what the driver and each executor have, what a task gets.

Contract (Spark's resource scheduling):
* ``spark.{driver,executor}.resource.<name>.amount`` asks for ``amount`` addresses of a resource; a
  ``discoveryScript`` (an executable printing ``{"name": ..., "addresses": [...]}``) says which. On
  Ray an executor's ``gpu`` are the GPUs Ray gives its actor and other resources become Ray custom
  resources, so no script is needed there. ``sc.resources`` is the driver's.
* ``spark.task.resource.<name>.amount`` is what one task needs (a fraction shares an address
  between ``1/amount`` tasks). An executor runs at most as many tasks at once as its resources
  allow (``task_slots``), and ``ResourcePool`` hands each task its addresses, which it sees in
  ``TaskContext.resources()``.
"""
from __future__ import annotations

import json
import math
import subprocess
import threading

_PREFIX = "spark.{scope}.resource."


class ResourceInformation:
    """A resource's name and the addresses of it (PySpark's ``pyspark.resource.ResourceInformation``)."""

    def __init__(self, name: str, addresses: list):
        self._name = name
        self._addresses = list(addresses)

    @property
    def name(self) -> str:
        return self._name

    @property
    def addresses(self) -> list:
        return self._addresses

    def __repr__(self) -> str:
        return f"ResourceInformation({self._name!r}, {self._addresses!r})"

    def __eq__(self, other) -> bool:
        return isinstance(other, ResourceInformation) and (self.name, self.addresses) == (other.name, other.addresses)


def requested(conf, scope: str) -> dict[str, float]:
    """name -> amount of ``spark.<scope>.resource.<name>.amount`` (scope: driver, executor, task)."""
    prefix = _PREFIX.format(scope=scope)
    out = {}
    for key, value in conf.getAll():
        if key.startswith(prefix) and key.endswith(".amount"):
            name = key[len(prefix):-len(".amount")]
            try:
                out[name] = float(value)
            except ValueError:
                raise ValueError(f"{key} must be a number, got {value!r}") from None
    return out


def check(conf) -> None:
    """Spark's start-up check: every task resource has an executor resource to come from."""
    missing = sorted(set(requested(conf, "task")) - set(requested(conf, "executor")))
    if missing:
        raise ValueError(f"No executor resource configs were specified for the following task configs: "
                         f"{','.join(missing)}")


def discover(conf, scope: str, found: dict | None = None) -> dict[str, ResourceInformation]:
    """The resources of ``scope`` (driver or executor): addresses from ``found`` (what Ray gave), else
    from each resource's discovery script."""
    out = {}
    for name, amount in requested(conf, scope).items():
        addresses = (found or {}).get(name)
        if addresses is None:
            script = conf.get(f"{_PREFIX.format(scope=scope)}{name}.discoveryScript")
            if not script:
                raise ValueError(f"User is expecting to use resource: {name}, but didn't specify a discovery script!")
            addresses = _run_discovery(script, name)
        if len(addresses) < amount:
            raise ValueError(f"requirement failed: Resource: {name}, with addresses: {','.join(addresses)} is less "
                             f"than what the user requested: {int(amount)})")
        out[name] = ResourceInformation(name, [str(a) for a in addresses[:int(amount)]])
    return out


def _run_discovery(script: str, name: str) -> list:
    done = subprocess.run([script], capture_output=True, text=True, timeout=60)
    if done.returncode != 0:
        raise RuntimeError(f"Resource discovery script {script} for {name} failed (exit code {done.returncode}): "
                           f"{done.stderr.strip()}")
    try:
        found = json.loads(done.stdout)
    except ValueError:
        raise RuntimeError(f"Resource discovery script {script} printed {done.stdout!r}, not JSON like "
                           f'{{"name": "{name}", "addresses": ["0"]}}') from None
    if found.get("name") != name:
        raise RuntimeError(f"Resource discovery script {script} returned resource {found.get('name')!r}, "
                           f"expected {name!r}")
    return [str(a) for a in found.get("addresses", [])]


def task_slots(cores: int, task_cpus: int, executor: dict, task: dict) -> int:
    """How many tasks an executor with these cores and resources runs at once."""
    slots = cores // task_cpus
    for name, amount in task.items():
        have = len(executor[name].addresses) if name in executor else 0
        slots = min(slots, int(have // amount) if amount >= 1 else have * int(1 // amount))
    return slots


class ResourcePool:
    """An executor's resource addresses, handed out to its running tasks."""

    def __init__(self, executor: dict, task: dict):
        self._task = task
        # address -> how many more tasks may share it (1 for whole amounts, 1/amount for fractions)
        self._free = {name: {a: (1 if task.get(name, 1) >= 1 else int(1 // task[name])) for a in info.addresses}
                      for name, info in executor.items() if name in task}
        self._lock = threading.Lock()

    def acquire(self) -> dict:
        """{name: addresses} for one task (empty when tasks need no resources)."""
        taken = {}
        with self._lock:
            for name, amount in self._task.items():
                free = self._free.get(name, {})
                want = max(1, math.ceil(amount)) if amount >= 1 else 1
                chosen = [a for a, left in free.items() if left > 0][:want]
                for a in chosen:
                    free[a] -= 1
                taken[name] = chosen
        return taken

    def release(self, taken: dict) -> None:
        with self._lock:
            for name, addresses in taken.items():
                for a in addresses:
                    self._free[name][a] += 1
