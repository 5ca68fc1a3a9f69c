"""What the benchmarks that state floors share: whether a figure meets its floor, and the JSON record of
a run (its figures, its floors and whether each was met) under ``benchmarks/results``; the exit code
says whether every floor was met."""
from __future__ import annotations

import datetime
import json
import os
import platform

from benchmarks.__main__ import RESULTS_DIR


def met(value, limit, sense: str) -> bool:
    """Whether ``value`` is ``sense`` (">=" or "<=") ``limit``."""
    return value >= limit if sense == ">=" else value <= limit


def save_record(name: str, fields: dict, checks: list) -> int:
    """Write ``<name>.json`` with the run's ``fields`` and its ``checks`` (figure, value, floor, sense); 0 when
    every floor was met, else 1."""
    record = {"when": datetime.datetime.now().isoformat(timespec="minutes"), "python": platform.python_version(),
              **fields,
              "floors": [{"figure": f, "value": v, "floor": limit, "sense": sense, "met": met(v, limit, sense)}
                         for f, v, limit, sense in checks]}
    os.makedirs(RESULTS_DIR, exist_ok=True)
    with open(os.path.join(RESULTS_DIR, f"{name}.json"), "w") as f:
        json.dump(record, f, indent=1)
    return 0 if all(met(v, limit, sense) for _, v, limit, sense in checks) else 1
