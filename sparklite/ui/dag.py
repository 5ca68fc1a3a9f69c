"""Graphs drawn as SVG for the UI: a stage's RDDs, a job's stages with their RDDs, a SQL plan.

Contract: ``stage_svg(stage_rdds)`` and ``job_svg(stages)`` draw the DAG Spark's UI shows (RDDs as
boxes labelled ``Name [id]`` and the operation that made them, cached ones marked, edges from parent
to child; a job's stages as clusters side by side, shuffles crossing between them); ``plan_svg(nodes, rows)``
draws a physical plan (the SQL layer's nodes with their children) as boxes from the scans up to the
root, each with its output row count when known. Every string is escaped; the layout is a layered drawing (networkx orders the
nodes), with no script and no external resource.
"""
from __future__ import annotations

import html

import networkx as nx

_BOX_W, _BOX_H, _GAP_X, _GAP_Y, _PAD = 220, 44, 30, 26, 18


def _text(s: str, limit: int = 34) -> str:
    s = str(s)
    return html.escape(s if len(s) <= limit else s[:limit - 1] + "…")


def _layers(nodes: list, edges: list) -> list[list]:
    """Nodes in topological generations (parents before children), each generation in id order."""
    graph = nx.DiGraph()
    graph.add_nodes_from(nodes)
    graph.add_edges_from((a, b) for a, b in edges if a in graph and b in graph)
    return [sorted(g, key=str) for g in nx.topological_generations(graph)]


def _rdd_boxes(rdds: list, x0: float, y0: float) -> tuple[dict, list[str], float, float]:
    """Place one stage's RDDs top to bottom, a generation per row: (positions, svg parts, width, height)."""
    by_id = {r["id"]: r for r in rdds}
    layers = _layers(list(by_id), [(p, r["id"]) for r in rdds for p in r.get("parent_ids", [])])
    width = max((len(layer) for layer in layers), default=1) * (_BOX_W + _GAP_X) - _GAP_X
    positions, parts = {}, []
    for row, layer in enumerate(layers):
        for col, rdd_id in enumerate(layer):
            x, y = x0 + col * (_BOX_W + _GAP_X), y0 + row * (_BOX_H + _GAP_Y)
            positions[rdd_id] = (x, y)
            rdd = by_id[rdd_id]
            cached = bool(rdd.get("storage_level"))
            css = "rdd cached" if cached else "rdd"
            parts.append(f'<g class="{css}" data-rdd-id="{int(rdd_id)}"><rect x="{x}" y="{y}" width="{_BOX_W}" '
                         f'height="{_BOX_H}" rx="6"/><text x="{x + 8}" y="{y + 17}">{_text(rdd["name"])} '
                         f'[{int(rdd_id)}]</text><text class="site" x="{x + 8}" y="{y + 34}">'
                         f'{_text(rdd.get("callsite", ""), 36)}</text>'
                         + (f'<circle cx="{x + _BOX_W - 10}" cy="{y + 10}" r="5"/>' if cached else "") + "</g>")
    height = len(layers) * (_BOX_H + _GAP_Y) - _GAP_Y if layers else _BOX_H
    return positions, parts, width, height


def _edge(a: tuple, b: tuple, css: str = "edge") -> str:
    x1, y1 = a[0] + _BOX_W / 2, a[1] + _BOX_H
    x2, y2 = b[0] + _BOX_W / 2, b[1]
    return f'<line class="{css}" x1="{x1}" y1="{y1}" x2="{x2}" y2="{y2}" marker-end="url(#arrow)"/>'


_DEFS = ('<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" '
         'orient="auto"><path d="M0,0 L10,5 L0,10 z"/></marker></defs>')
_STYLE = ('<style>.rdd rect{fill:#e8f0fb;stroke:#3b6db3}.rdd.cached rect{fill:#e3f6e3;stroke:#2e8b57}'
          '.rdd circle{fill:#2e8b57}text{font:12px sans-serif;fill:#222}.site{fill:#666;font-size:11px}'
          '.cluster{fill:none;stroke:#999;stroke-dasharray:4 3}.cluster-label{font-weight:bold}'
          '.edge{stroke:#444;stroke-width:1.3}.shuffle{stroke:#b35c00;stroke-width:1.5;stroke-dasharray:5 3}'
          '.op rect{fill:#fdf5e6;stroke:#b8860b}.rows{fill:#555;font-size:11px}</style>')


def _svg(parts: list, width: float, height: float, title: str) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" class="dag" role="img" aria-label="{html.escape(title)}" '
            f'width="{width + 2 * _PAD:.0f}" height="{height + 2 * _PAD:.0f}">{_STYLE}{_DEFS}'
            + "".join(parts) + "</svg>")


def stage_svg(rdds: list, stage_id: int) -> str:
    positions, parts, width, height = _rdd_boxes(rdds, _PAD, _PAD + 18)
    parts.insert(0, f'<text class="cluster-label" x="{_PAD}" y="{_PAD + 8}">Stage {int(stage_id)}</text>')
    for rdd in rdds:
        for parent in rdd.get("parent_ids", []):
            if parent in positions:
                parts.append(_edge(positions[parent], positions[rdd["id"]]))
    return _svg(parts, width, height + 18, f"DAG of stage {stage_id}")


def job_svg(stages: list) -> str:
    """``stages``: (stage id, its RDDs, parent stage ids), one cluster each, left to right in
    dependency order; a shuffle edge joins a parent stage's last RDD to the child stage's first."""
    order = [s for layer in _layers([s[0] for s in stages], [(p, s[0]) for s in stages for p in s[2]])
             for s in layer]
    by_id = {s[0]: s for s in stages}
    parts, x, height, positions = [], float(_PAD), 0.0, {}
    for stage_id in order:
        _, rdds, _ = by_id[stage_id]
        places, boxes, width, h = _rdd_boxes(rdds, x + 10, _PAD + 28)
        parts.append(f'<rect class="cluster" x="{x}" y="{_PAD}" width="{width + 20}" height="{h + 40}" rx="8"/>'
                     f'<text class="cluster-label" x="{x + 8}" y="{_PAD + 16}">Stage {int(stage_id)}</text>')
        parts += boxes
        for rdd in rdds:
            for parent in rdd.get("parent_ids", []):
                if parent in places:
                    parts.append(_edge(places[parent], places[rdd["id"]]))
        if rdds:
            ids = [r["id"] for r in rdds]
            positions[stage_id] = (places[min(ids)], places[max(ids)])
        x += width + 20 + 2 * _GAP_X
        height = max(height, h + 40)
    for stage_id, _, parents in stages:
        for parent in parents:
            if parent in positions and stage_id in positions:
                (px, py), (cx, cy) = positions[parent][1], positions[stage_id][0]
                parts.append(f'<line class="shuffle" x1="{px + _BOX_W}" y1="{py + _BOX_H / 2}" x2="{cx}" '
                             f'y2="{cy + _BOX_H / 2}" marker-end="url(#arrow)"/>')
    return _svg(parts, x - 2 * _GAP_X - _PAD, height, "DAG of the job's stages")


# -- SQL plans ------------------------------------------------------------------------------------

def plan_svg(nodes: list, rows: dict | None = None) -> str:
    """The plan as boxes, scans at the bottom, each with ``rows[id]`` output rows when given."""
    rows = rows or {}
    edges = [(c, n["id"]) for n in nodes for c in n["children"]]
    layers = _layers([n["id"] for n in nodes], edges)
    positions, parts = {}, []
    width = max((len(layer) for layer in layers), default=1) * (_BOX_W + _GAP_X) - _GAP_X
    for row, layer in enumerate(reversed(layers)):     # the root on top
        for col, node_id in enumerate(layer):
            x, y = _PAD + col * (_BOX_W + _GAP_X), _PAD + row * (_BOX_H + _GAP_Y)
            positions[node_id] = (x, y)
            node = nodes[node_id]
            count = rows.get(node_id)
            label = f"number of output rows: {count:,}" if count is not None else _text(node["detail"], 36)
            parts.append(f'<g class="op" data-node-id="{node_id}"><title>{html.escape(node["name"] + " " + node["detail"])}'
                         f'</title><rect x="{x}" y="{y}" width="{_BOX_W}" height="{_BOX_H}" rx="6"/>'
                         f'<text x="{x + 8}" y="{y + 17}">{_text(node["name"])}</text>'
                         f'<text class="rows" x="{x + 8}" y="{y + 34}">{html.escape(label)}</text></g>')
    for child, parent in edges:
        (cx, cy), (px, py) = positions[child], positions[parent]
        parts.append(f'<line class="edge" x1="{cx + _BOX_W / 2}" y1="{cy}" x2="{px + _BOX_W / 2}" '
                     f'y2="{py + _BOX_H}" marker-end="url(#arrow)"/>')
    height = len(layers) * (_BOX_H + _GAP_Y) - _GAP_Y if layers else _BOX_H
    return _svg(parts, width, height, "physical plan")
