"""Checkpoints: cutting an RDD's lineage after the first job that computes it.

Contract: ``rdd.checkpoint()`` and ``rdd.localCheckpoint()`` only mark the RDD. After each job,
``do_checkpoints`` walks the job's lineage from the final RDD; a marked RDD is materialized and its
dependencies are replaced by a checkpoint RDD:
* reliable: every partition is written as an Arrow IPC file ``part-NNNNN.arrow`` under
  ``<checkpointDir>/rdd-<id>`` through ``pyarrow.fs`` (any filesystem pyarrow reaches, S3 configured by
  the SparkConf as in ``files.resolve``), by one more job; the filesystem object travels with the
  writing closure and the checkpoint RDD, so executors need no configuration of their own;
* local: the partitions stay in the executors' block stores (MEMORY_AND_DISK); partitions the job
  did not compute are computed first. Losing an executor loses them, as in Spark.
"""
from __future__ import annotations

import posixpath

import pyarrow as pa

from sparklite.core import files, lineage
from sparklite.core.dependencies import OneToOneDependency
from sparklite.core.rdd import RDD
from sparklite.core.storage import codec
from sparklite.core.taskcontext import TaskContext


class ReliableCheckpointRDD(RDD):
    def __init__(self, ctx, directory: str, fs, root: str, num_partitions: int, partitioner):
        super().__init__(ctx, [])
        self._fs, self._root, self._n, self.partitioner = fs, root, num_partitions, partitioner
        self._label = directory

    def getNumPartitions(self) -> int:
        return self._n

    def compute(self, split, context):
        name = "part-%05d.arrow" % split
        with files.explained_errors(posixpath.join(self._label, name)), \
                self._fs.open_input_file(posixpath.join(self._root, name)) as f:
            return iter(codec.decode(pa.ipc.open_file(f).read_all()))


class LocalCheckpointRDD(RDD):
    def __init__(self, ctx, rdd_id: int, num_partitions: int, partitioner):
        super().__init__(ctx, [])
        self._source_id, self._n, self.partitioner = rdd_id, num_partitions, partitioner

    def getNumPartitions(self) -> int:
        return self._n

    def compute(self, split, context):
        records = context._executor.read_cached(("rdd", self._source_id, split))
        if records is None:
            raise RuntimeError(
                f"Checkpoint block rdd_{self._source_id}_{split} not found! Either the executor that "
                f"originally checkpointed this partition is no longer alive, or the original RDD is "
                f"unpersisted. If this problem persists, you may consider using rdd.checkpoint() instead, "
                f"which is slower than local checkpointing but more fault-tolerant.")
        return iter(records)


def _marked(rdd) -> list:
    """Marked RDDs in the lineage, found the way Spark's doCheckpoint recurses (not past a marked one)."""
    def marked(r) -> bool:
        return bool(r._checkpoint_mark) and r._checkpointed is None
    return [r for r in lineage.ancestors(rdd, stop=marked, across_shuffles=True) if marked(r)]


def do_checkpoints(sc, final_rdd) -> None:
    for rdd in _marked(final_rdd):
        kind, rdd._checkpoint_mark = rdd._checkpoint_mark, None
        n = rdd.getNumPartitions()
        if kind == "reliable":
            directory = posixpath.join(sc.getCheckpointDir(), f"rdd-{rdd._id}")
            fs, root = files.resolve(directory, sc.getConf())
            with files.explained_errors(directory):
                fs.create_dir(root, recursive=True)

            def write(iterator, fs=fs, root=root, directory=directory):
                table = codec.encode(list(iterator))
                name = "part-%05d.arrow" % TaskContext.get().partitionId()
                with files.explained_errors(posixpath.join(directory, name)), \
                        fs.open_output_stream(posixpath.join(root, name)) as out, \
                        pa.ipc.new_file(out, table.schema) as w:
                    w.write_table(table)

            sc.run_job(rdd, write)
            rdd._checkpointed = ReliableCheckpointRDD(sc, directory, fs, root, n, rdd.partitioner)
        else:
            missing = sorted(set(range(n)) - sc._block_registry.cached_partitions(rdd._id))
            if missing:
                sc.run_job(rdd, lambda it: None, missing)
            rdd._checkpointed = LocalCheckpointRDD(sc, rdd._id, n, rdd.partitioner)
        rdd._checkpoint_kind = kind
        # The lineage is cut for good, as in Spark: what only it held (parent RDDs, their cached
        # blocks, shuffle outputs) becomes garbage the context cleaner removes.
        rdd._deps = [OneToOneDependency(rdd._checkpointed)]
