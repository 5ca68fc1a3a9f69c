"""GraphFrames' DataFrame Pregel (``graphframes.lib.Pregel``, ``graph.pregel``): vertex state kept in
columns of the vertices DataFrame, messages written as column expressions over the triplets.

``run()`` adds each ``withVertexColumn`` column with its initial expression, then for ``setMaxIter``
rounds: joins the triplets (``src``, ``edge``, ``dst`` structs, as ``Pregel.src("x")`` etc. read them),
evaluates every ``sendMsgToSrc``/``sendMsgToDst`` expression (a null message is not sent), aggregates
each vertex's messages with ``aggMsgs`` (``Pregel.msg()`` names a message), and sets every vertex column
to its update expression, where ``Pregel.msg()`` is the vertex's aggregated message (null when it
received none). A round reads the vertices three times (both ends of the triplets and the update), so
each round's vertices are materialized (locally checkpointed) and the next round's plan starts from them:
the plans do not grow with the rounds. Every ``setCheckpointInterval`` rounds (default 2) they are
checkpointed into the checkpoint directory instead when the context has one. Returns the vertices with
their columns.
"""
from __future__ import annotations

from sparklite.sql import functions as F

MSG, TARGET = "_pregel_msg_", "_pregel_target_"


class Pregel:
    """The builder ``GraphFrame.pregel`` returns (see the module docstring)."""

    def __init__(self, graph):
        self.graph = graph
        self.max_iter, self.checkpoint_interval = 10, 2
        self.columns: list = []
        self.messages: list = []
        self.aggregate = None

    def setMaxIter(self, value: int) -> "Pregel":
        """The number of rounds (default 10)."""
        self.max_iter = int(value)
        return self

    def setCheckpointInterval(self, value: int) -> "Pregel":
        """Checkpoint the vertices into the checkpoint directory (when set) every ``value`` rounds (0: never;
        default 2); other rounds' vertices are checkpointed locally."""
        if int(value) < 0:
            raise ValueError(f"checkpointInterval must be >= 0, got {value}")
        self.checkpoint_interval = int(value)
        return self

    def withVertexColumn(self, colName: str, initialExpr, updateAfterAggMsgsExpr) -> "Pregel":
        """A vertex column: its value before the first round and its update after each round's messages."""
        self.columns.append((colName, initialExpr, updateAfterAggMsgsExpr))
        return self

    def sendMsgToSrc(self, msgExpr) -> "Pregel":
        """Each triplet sends ``msgExpr`` (over ``Pregel.src/dst/edge`` columns) to its source vertex."""
        self.messages.append((self.graph.SRC, msgExpr))
        return self

    def sendMsgToDst(self, msgExpr) -> "Pregel":
        """Each triplet sends ``msgExpr`` to its destination vertex."""
        self.messages.append((self.graph.DST, msgExpr))
        return self

    def aggMsgs(self, aggExpr) -> "Pregel":
        """How a vertex's messages are aggregated, e.g. ``F.sum(Pregel.msg())``."""
        self.aggregate = aggExpr
        return self

    def run(self):
        """Run the rounds; the vertices DataFrame with the vertex columns after the last one."""
        if not self.messages:
            raise ValueError("Pregel needs at least one message: call sendMsgToSrc or sendMsgToDst")
        if self.aggregate is None:
            raise ValueError("Pregel needs a message aggregation: call aggMsgs")
        graph = self.graph
        names = [name for name, _, _ in self.columns]
        vertices = graph.vertices.select("*", *[initial.alias(name) for name, initial, _ in self.columns])
        edges = graph.edges.select(F.struct(*graph.edges.columns).alias("edge"))
        reliable = graph.vertices.sparkSession.sparkContext.getCheckpointDir() is not None
        for round_ in range(1, self.max_iter + 1):
            vertices = self._round(vertices, edges, names)
            if reliable and self.checkpoint_interval and round_ % self.checkpoint_interval == 0:
                vertices = vertices.checkpoint()
            else:
                vertices = vertices.localCheckpoint()
        return vertices

    def _round(self, vertices, edges, names):
        graph, id_ = self.graph, self.graph.ID
        as_struct = F.struct(*vertices.columns)
        triplets = (vertices.select(as_struct.alias("src"))
                    .join(edges, F.col("src." + id_) == F.col("edge." + graph.SRC))
                    .join(vertices.select(as_struct.alias("dst")), F.col("edge." + graph.DST) == F.col("dst." + id_)))
        sent = None
        for end, expression in self.messages:
            one = triplets.select(F.col(f"{end}.{id_}").alias(TARGET), expression.alias(MSG))
            sent = one if sent is None else sent.unionAll(one)
        received = (sent.filter(F.col(MSG).isNotNull()).groupBy(TARGET).agg(self.aggregate.alias(MSG))
                    .withColumnRenamed(TARGET, id_))
        updated = vertices.join(received, id_, "left_outer")
        return updated.select(*[c for c in vertices.columns if c not in names],
                              *[update.alias(name) for name, _, update in self.columns])

    @staticmethod
    def msg():
        """The message column: in ``aggMsgs`` one message, in an update expression the aggregate."""
        return F.col(MSG)

    @staticmethod
    def src(colName: str):
        """A column of the triplet's source vertex (in a message expression)."""
        return F.col("src." + colName)

    @staticmethod
    def dst(colName: str):
        """A column of the triplet's destination vertex."""
        return F.col("dst." + colName)

    @staticmethod
    def edge(colName: str):
        """A column of the triplet's edge."""
        return F.col("edge." + colName)
