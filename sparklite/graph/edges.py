"""The small types of GraphX's API: ``Edge``, ``EdgeTriplet``, ``EdgeContext`` (what ``aggregateMessages``
hands ``sendMsg``), ``TripletFields`` (which vertex attributes a function reads, so only those are shipped
to the edges) and ``EdgeDirection``."""
from __future__ import annotations

from typing import Any, NamedTuple

from sparklite.graph.partitions import DST, SRC


class Edge(NamedTuple):
    """A directed edge ``srcId -> dstId`` with an attribute (GraphX's ``Edge``)."""
    srcId: int
    dstId: int
    attr: Any = None


class EdgeTriplet(NamedTuple):
    """An edge with the attributes of both its vertices."""
    srcId: int
    dstId: int
    attr: Any
    srcAttr: Any
    dstAttr: Any


class TripletFields:
    """Which vertex attributes a triplet function reads: ``All``, ``Src``, ``Dst`` or ``EdgeOnly``
    (GraphX's ``TripletFields``). Declaring less than ``All`` ships less: only those attributes travel
    to the edge partitions."""

    def __init__(self, useSrc: bool, useDst: bool, useEdge: bool = True):
        self.useSrc, self.useDst, self.useEdge = useSrc, useDst, useEdge

    @property
    def sides(self) -> int:
        return (SRC if self.useSrc else 0) | (DST if self.useDst else 0)

    def __repr__(self) -> str:
        return f"TripletFields(useSrc={self.useSrc}, useDst={self.useDst}, useEdge={self.useEdge})"


TripletFields.All = TripletFields(True, True)
TripletFields.Src = TripletFields(True, False)
TripletFields.Dst = TripletFields(False, True)
TripletFields.EdgeOnly = TripletFields(False, False)
TripletFields.None_ = TripletFields(False, False, False)


class EdgeDirection:
    """A direction along edges: ``In``, ``Out``, ``Either`` or ``Both`` (GraphX's ``EdgeDirection``)."""
    In = "In"
    Out = "Out"
    Either = "Either"
    Both = "Both"

    @staticmethod
    def check(direction: str) -> str:
        if direction not in ("In", "Out", "Either", "Both"):
            raise ValueError(f"unknown edge direction {direction!r}: use EdgeDirection.In, Out, Either or Both")
        return direction


class EdgeContext:
    """What ``sendMsg`` of ``aggregateMessages`` sees for one edge: ``srcId``, ``dstId``, ``attr``,
    ``srcAttr``, ``dstAttr`` (the last two only as ``tripletFields`` allows), and ``sendToSrc(msg)`` /
    ``sendToDst(msg)`` to send a message to either end."""
    __slots__ = ("srcId", "dstId", "attr", "srcAttr", "dstAttr", "src_i", "dst_i", "to", "messages")

    def __init__(self):
        self.to: list = []
        self.messages: list = []

    def sendToSrc(self, msg) -> None:
        """Send ``msg`` to this edge's source vertex."""
        self.to.append(self.src_i)
        self.messages.append(msg)

    def sendToDst(self, msg) -> None:
        """Send ``msg`` to this edge's destination vertex."""
        self.to.append(self.dst_i)
        self.messages.append(msg)

    def toEdgeTriplet(self) -> EdgeTriplet:
        """This edge as an ``EdgeTriplet``."""
        return EdgeTriplet(self.srcId, self.dstId, self.attr, self.srcAttr, self.dstAttr)
