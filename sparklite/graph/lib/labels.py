"""Label propagation (GraphX's ``LabelPropagation``): community detection where each vertex repeatedly
takes the label most common among its neighbours (both directions), synchronously for ``maxSteps``
supersteps. Ties go to the smallest label (GraphX leaves them arbitrary; GraphFrames picks the smallest)."""
from __future__ import annotations


def _counts(a: dict, b: dict) -> dict:
    out = dict(a)
    for k, v in b.items():
        out[k] = out.get(k, 0) + v
    return out


def _most_common(vid, attr, counts: dict):
    if not counts:
        return attr
    return min(counts.items(), key=lambda kv: (-kv[1], kv[0]))[0]


class LabelPropagation:
    """Synchronous label propagation; may oscillate on bipartite graphs, as GraphX's does."""

    @staticmethod
    def run(graph, maxSteps: int):
        """Vertex attribute: the vertex's community label (a vertex id)."""
        if maxSteps <= 0:
            raise ValueError(f"Maximum of steps must be greater than 0, but got {maxSteps}")
        labels = graph.mapVertices(lambda vid, _: vid)
        return labels.pregel({}, _most_common,
                             lambda t: [(t.srcId, {t.dstAttr: 1}), (t.dstId, {t.srcAttr: 1})],
                             _counts, maxIterations=maxSteps)
