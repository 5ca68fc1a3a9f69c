"""The map-output tracker: which executor holds each map task's shuffle output.

Contract: for each registered shuffle, one slot per map partition holding ``(executor_id, sizes,
rows)`` (bytes and records per reduce partition) or ``None`` when missing. A reducer's task is given the executor id per map (``locations``); a lost
executor or a fetch failure unregisters outputs, which makes exactly those map partitions missing.
Touched only by the DAG scheduler's thread.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class MapOutputStatistics:
    """What a finished map stage wrote, per reduce partition: a planner's input for choosing a
    broadcast join or coalescing small reduce partitions (Spark's adaptive execution hook)."""
    shuffle_id: int
    bytes_by_partition: list
    rows_by_partition: list


class MapOutputTracker:
    def __init__(self):
        self._outputs: dict[int, list] = {}

    def register_shuffle(self, shuffle_id: int, num_maps: int) -> None:
        self._outputs.setdefault(shuffle_id, [None] * num_maps)

    def register_output(self, shuffle_id: int, map_id: int, executor_id: str, sizes: list, rows: list) -> None:
        self._outputs[shuffle_id][map_id] = (executor_id, sizes, rows)

    def unregister_output(self, shuffle_id: int, map_id: int, executor_id=None) -> None:
        slots = self._outputs.get(shuffle_id)
        if slots and slots[map_id] is not None and (executor_id is None or slots[map_id][0] == executor_id):
            slots[map_id] = None

    def unregister_all(self, shuffle_id: int) -> None:
        """Every map partition becomes missing (a barrier map stage runs again whole)."""
        slots = self._outputs.get(shuffle_id)
        if slots:
            slots[:] = [None] * len(slots)

    def remove_outputs_on_executor(self, executor_id: str) -> int:
        removed = 0
        for slots in self._outputs.values():
            for i, slot in enumerate(slots):
                if slot is not None and slot[0] == executor_id:
                    slots[i] = None
                    removed += 1
        return removed

    def move_output(self, shuffle_id: int, map_id: int, executor_id: str) -> None:
        slots = self._outputs.get(shuffle_id)
        slot = slots[map_id] if slots else None
        if slot is not None:
            self._outputs[shuffle_id][map_id] = (executor_id,) + slot[1:]

    def missing(self, shuffle_id: int) -> list[int]:
        return [i for i, slot in enumerate(self._outputs.get(shuffle_id, ())) if slot is None]

    def locations(self, shuffle_id: int) -> list:
        return [slot[0] if slot else None for slot in self._outputs[shuffle_id]]

    def statistics(self, shuffle_id: int) -> "MapOutputStatistics":
        """Bytes and records per reduce partition, summed over the shuffle's present map outputs."""
        slots = [slot for slot in self._outputs.get(shuffle_id, ()) if slot is not None]
        num_reducers = len(slots[0][1]) if slots else 0
        return MapOutputStatistics(shuffle_id, [sum(s[1][r] for s in slots) for r in range(num_reducers)],
                                   [sum(s[2][r] for s in slots) for r in range(num_reducers)])

    def shuffle_ids(self) -> list[int]:
        return list(self._outputs)

    def unregister_shuffle(self, shuffle_id: int) -> None:
        self._outputs.pop(shuffle_id, None)

