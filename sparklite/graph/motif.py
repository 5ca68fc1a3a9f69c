"""Motif finding for ``GraphFrame.find``: the pattern language's parser and its join planner.

Contract: ``parse(pattern)`` turns GraphFrames' motif text into a ``Motif`` (or raises
``InvalidParseException``, a ``ValueError`` that names the position of bad syntax), and
``find(motif, vertices, edges)`` runs it as a chain of DataFrame joins. No state is kept.

The language (GraphFrames' user guide, docs/src/04-user-guide/04-motif-finding.md in
graphframes/graphframes), terms joined by ``;``:

- ``(a)`` a named vertex; ``(a)-[e]->(b)`` an edge from ``a`` to ``b``; ``(b)<-[e]-(a)`` the same
  edge written right to left; ``(a)<-[e]->(b)`` edges both ways (named ``e1`` and ``e2``);
  ``(a)-[e]-(b)`` an edge either way (columns ``_pattern`` and ``_direction`` say which).
- Names may be left out: ``()`` and ``[]`` match anything and give no column.
- ``!(a)-[]->(b)`` negation: no edge from ``a`` to ``b``.
- ``(a)-[e*3]->(b)`` a chain of three edges, rewritten as ``(a)-[_e1]->(_ab1); (_ab1)-[_e2]->(_ab2);
  (_ab2)-[_e3]->(b)`` (with ``__tmpvN`` middles, not shown, when both ends are anonymous).
- ``(a)-[e*1..3]->(b)`` (alone in its motif) the union of the chains of 1, 2 and 3 edges, with columns
  ``_hop``, ``_pattern`` and ``_direction``, ordered by hop; ``(a)-[e*1..3]-(b)`` adds the chains
  from ``b`` to ``a`` (direction ``in``), as does ``(a)-[e*2]-(b)``.

Restrictions, each a clear error: no term without a named element (``()-[]->()``), no lone ``()``,
no named edge inside a negation, no negated undirected, two-way or multi-hop edge, no unbounded
``*..3`` / ``*1..``, no hop count 0, no variable-length term joined with other terms, no name used
for two edges or for both a vertex and an edge.

Every named element becomes a struct column with the fields of ``vertices`` or ``edges``. The planner
joins each term on vertex names already bound when it can (cross joins otherwise), binds vertices
that appear only in negations from ``vertices`` first, and applies negations last as anti-joins.
Names do not imply distinct elements, and rows are not deduplicated, as in GraphFrames.
"""
from __future__ import annotations

import dataclasses
import re

from sparklite.sql import functions as F

NAME = re.compile(r"[A-Za-z0-9_]+")
HIDDEN_PREFIX = "__tmpv"
UNDIRECTED_COLUMNS = ("_pattern", "_direction")


class InvalidParseException(ValueError):
    """A motif that does not parse or that GraphFrames' restrictions forbid."""


@dataclasses.dataclass(frozen=True)
class VertexTerm:
    """``(name)``: binds a vertex by itself."""
    name: str


@dataclasses.dataclass(frozen=True)
class EdgeTerm:
    """One edge from ``src`` to ``dst`` (either way when ``undirected``); None names are anonymous."""
    src: str | None
    name: str | None
    dst: str | None
    undirected: bool = False
    negated: bool = False


@dataclasses.dataclass(frozen=True)
class VariableLength:
    """``(src)-[name*lo..hi]->(dst)``, or ``-(dst)`` when undirected: a union of fixed-length chains."""
    src: str | None
    name: str | None
    lo: int
    hi: int
    dst: str | None
    undirected: bool


@dataclasses.dataclass(frozen=True)
class Motif:
    """A parsed motif: a chain of terms joined together, or one variable-length term."""
    terms: tuple = ()
    variable: VariableLength | None = None


# ---------------------------------------------------------------- parsing


@dataclasses.dataclass(frozen=True)
class RawEdge:
    name: str | None
    left: str          # "-" or "<-"
    right: str         # "->" or "-"
    lo: int | None
    hi: int | None
    ranged: bool       # written with ".."
    quantified: bool   # written with "*"

    @property
    def undirected(self) -> bool:
        return self.left == "-" and self.right == "-"

    @property
    def two_way(self) -> bool:
        return self.left == "<-" and self.right == "->"


@dataclasses.dataclass(frozen=True)
class RawTerm:
    negated: bool
    src: str | None
    edge: RawEdge | None
    dst: str | None
    text: str


class Scanner:
    """Reads one term of a motif, reporting errors at positions in the whole motif text."""

    def __init__(self, motif: str, start: int, end: int):
        self.motif, self.pos, self.end = motif, start, end

    def fail(self, what: str, pos: int | None = None):
        pos = self.pos if pos is None else pos
        raise InvalidParseException(f"Cannot parse the motif at position {pos}: {what}\n"
                                    f"  {self.motif}\n  {' ' * pos}^")

    def skip_space(self) -> None:
        while self.pos < self.end and self.motif[self.pos].isspace():
            self.pos += 1

    def accept(self, token: str) -> bool:
        self.skip_space()
        if self.motif.startswith(token, self.pos) and self.pos + len(token) <= self.end:
            self.pos += len(token)
            return True
        return False

    def expect(self, token: str, what: str) -> None:
        if not self.accept(token):
            self.fail(f"expected {what}")

    def name(self) -> str | None:
        self.skip_space()
        match = NAME.match(self.motif, self.pos, self.end)
        if not match:
            return None
        self.pos = match.end()
        return match.group()

    def number(self) -> int | None:
        self.skip_space()
        start = self.pos
        while self.pos < self.end and self.motif[self.pos].isdigit():
            self.pos += 1
        return int(self.motif[start:self.pos]) if self.pos > start else None

    def at_end(self) -> bool:
        self.skip_space()
        return self.pos >= self.end

    def vertex(self) -> str | None:
        self.expect("(", "'(' opening a vertex")
        name = self.name()
        self.expect(")", "')' closing the vertex" if name else "a vertex name or ')'")
        return name

    def edge(self) -> RawEdge:
        left = "<-" if self.accept("<-") else "-" if self.accept("-") else self.fail("expected '-' or '<-'")
        self.expect("[", "'[' opening an edge")
        name, lo, hi, ranged, quantified = self.name(), None, None, False, False
        if self.accept("*"):
            quantified, lo = True, self.number()
            if self.accept(".."):
                ranged, hi = True, self.number()
            else:
                hi = lo
                if lo is None:
                    self.fail("expected a hop count after '*'")
        self.expect("]", "']' closing the edge")
        right = "->" if self.accept("->") else "-" if self.accept("-") else self.fail("expected '->' or '-'")
        return RawEdge(name, left, right, lo, hi, ranged, quantified)

    def term(self) -> RawTerm:
        text = self.motif[self.pos:self.end].strip()
        if self.at_end():
            self.fail("expected a term, found nothing")
        negated = self.accept("!")
        src = self.vertex()
        edge = dst = None
        if not self.at_end():
            edge = self.edge()
            dst = self.vertex()
        if not self.at_end():
            self.fail("expected ';' or the end of the motif")
        return RawTerm(negated, src, edge, dst, text)


def split_terms(pattern: str) -> list:
    """(start, end) of each ``;``-separated term."""
    bounds, start = [], 0
    for i, ch in enumerate(pattern + ";"):
        if ch == ";":
            bounds.append((start, i))
            start = i + 1
    return bounds


def parse(pattern: str) -> Motif:
    """Parse GraphFrames' motif text (see the module docstring) into a ``Motif``."""
    if not isinstance(pattern, str):
        raise TypeError(f"find() takes the motif as a string, got {type(pattern).__name__}")
    raws = [Scanner(pattern, start, end).term() for start, end in split_terms(pattern)]
    variable = [raw for raw in raws if raw.edge and (raw.edge.ranged or (raw.edge.quantified and raw.edge.undirected))]
    if variable:
        if len(raws) > 1:
            raise InvalidParseException(f"A variable-length term must be the whole motif; cannot join "
                                        f"'{variable[0].text}' with other terms in '{pattern}'")
        return Motif(variable=variable_length(raws[0]))
    terms = tuple(term for raw in raws for term in expand(raw))
    check_names(terms)
    return Motif(terms=terms)


def variable_length(raw: RawTerm) -> VariableLength:
    edge = raw.edge
    if raw.negated:
        raise InvalidParseException(f"Negation of a variable-length term is not supported: '{raw.text}'")
    if edge.lo is None or edge.hi is None:
        raise InvalidParseException(f"Unbounded length pattern '{raw.text}' is not supported; give both "
                                    "bounds, as in *1..3")
    if not 1 <= edge.lo <= edge.hi:
        raise InvalidParseException(f"Hop bounds must satisfy 1 <= min <= max: '{raw.text}'")
    if edge.two_way:
        raise InvalidParseException(f"A two-way edge cannot have a length: '{raw.text}'")
    src, dst = (raw.dst, raw.src) if edge.left == "<-" else (raw.src, raw.dst)
    if not (src or edge.name or dst):
        raise no_named_element(raw)
    return VariableLength(src, edge.name, edge.lo, edge.hi, dst, undirected=edge.undirected)


def no_named_element(raw: RawTerm) -> InvalidParseException:
    return InvalidParseException(f"A motif term needs a named element; '{raw.text}' has none (use the "
                                 "vertices or edges DataFrame to test for any vertex or edge)")


def expand(raw: RawTerm) -> list:
    """One parsed term as the terms the planner joins."""
    edge = raw.edge
    if edge is None:
        if raw.negated:
            raise InvalidParseException(f"Only an edge can be negated, not the vertex '{raw.text}'")
        if raw.src is None:
            raise InvalidParseException("A lone anonymous vertex '()' is not allowed in a motif")
        return [VertexTerm(raw.src)]
    if raw.negated:
        check_negation(raw)
    if not (raw.src or edge.name or raw.dst):
        raise no_named_element(raw)
    if edge.two_way:
        if edge.quantified:
            raise InvalidParseException(f"A two-way edge cannot have a length: '{raw.text}'")
        first, second = (edge.name + "1", edge.name + "2") if edge.name else (None, None)
        return [EdgeTerm(raw.src, first, raw.dst), EdgeTerm(raw.dst, second, raw.src)]
    src, dst = (raw.dst, raw.src) if edge.left == "<-" else (raw.src, raw.dst)
    if edge.quantified:
        if edge.lo < 1:
            raise InvalidParseException(f"Hop count must be greater than 0: '{raw.text}'")
        return chain(src, edge.name, edge.lo, dst)
    return [EdgeTerm(src, edge.name, dst, undirected=edge.undirected, negated=raw.negated)]


def check_negation(raw: RawTerm) -> None:
    edge = raw.edge
    if edge.name:
        raise InvalidParseException(f"A negated edge cannot be named (it never appears in a result): '{raw.text}'")
    if edge.quantified:
        raise InvalidParseException(f"Negation of a multi-hop term is not supported: '{raw.text}'")
    if edge.undirected or edge.two_way:
        raise InvalidParseException(f"Negation of an undirected or two-way edge is not supported: '{raw.text}'")


def chain(src: str | None, name: str | None, hops: int, dst: str | None) -> list:
    """``(src)-[name*hops]->(dst)`` as single edges through named middle vertices."""
    if src or dst:
        middles = [f"_{src or ''}{dst or ''}{i}" for i in range(1, hops)]
    else:
        middles = [f"{HIDDEN_PREFIX}{i}" for i in range(1, hops)]
    ends = [src, *middles, dst]
    return [EdgeTerm(ends[i], f"_{name}{i + 1}" if name else None, ends[i + 1]) for i in range(hops)]


def check_names(terms) -> None:
    vertex_names, edge_names = set(), set()
    for term in terms:
        if isinstance(term, VertexTerm):
            vertex_names.add(term.name)
            continue
        vertex_names.update(n for n in (term.src, term.dst) if n)
        if term.name:
            if term.name in edge_names:
                raise InvalidParseException(f"The motif names two edges '{term.name}'; edge names must be unique")
            edge_names.add(term.name)
    both = sorted(vertex_names & edge_names)
    if both:
        raise InvalidParseException(f"The motif uses the name '{both[0]}' for both a vertex and an edge")


def output_names(terms) -> list:
    """The result's columns: named elements in order of first appearance, hidden middles left out."""
    names = []
    for term in terms:
        if isinstance(term, VertexTerm):
            found = [term.name]
        else:
            found = [term.src, term.name, term.dst, *(UNDIRECTED_COLUMNS if term.undirected else ())]
        for name in found:
            if name and name not in names and not name.startswith(HIDDEN_PREFIX):
                names.append(name)
    return names


# ---------------------------------------------------------------- planning


def key(vertex_name: str) -> str:
    """The flat column holding a bound vertex's id, the join key for later terms."""
    return f"__id_{vertex_name}"


def vertex_names(term) -> list:
    if isinstance(term, VertexTerm):
        return [term.name]
    return list(dict.fromkeys(n for n in (term.src, term.dst) if n))


def join_order(terms) -> list:
    """Each next term is the first remaining one sharing a bound vertex, if there is one."""
    remaining, ordered, bound = list(terms), [], set()
    while remaining:
        term = next((t for t in remaining if bound & set(vertex_names(t))), remaining[0])
        remaining.remove(term)
        ordered.append(term)
        bound.update(vertex_names(term))
    return ordered


def as_struct(df, name: str):
    return F.struct(*[df[c] for c in df.columns]).alias(name)


class Planner:
    """Joins a motif's terms over one graph's vertices and edges."""

    def __init__(self, vertices, edges):
        self.vertices, self.edges = vertices, edges

    def vertex_relation(self, name: str):
        v = self.vertices
        return v.select(as_struct(v, name), v["id"].alias(key(name)))

    def edge_relation(self, term: EdgeTerm, reverse: bool = False):
        e = self.edges
        if term.src and term.src == term.dst:
            e = e.filter(e["src"] == e["dst"])
        src, dst = (e["dst"], e["src"]) if reverse else (e["src"], e["dst"])
        columns = [as_struct(e, term.name)] if term.name else []
        if term.src:
            columns.append(src.alias(key(term.src)))
        if term.dst and term.dst != term.src:
            columns.append(dst.alias(key(term.dst)))
        return e.select(*columns)

    def term_relation(self, term):
        if isinstance(term, VertexTerm):
            return self.vertex_relation(term.name)
        if not term.undirected:
            return self.edge_relation(term)
        shown = f"({term.src or ''})-[{term.name or ''}]->({term.dst or ''})"
        reversed_shown = f"({term.src or ''})<-[{term.name or ''}]-({term.dst or ''})"
        out = self.edge_relation(term).withColumns({"_pattern": F.lit(shown), "_direction": F.lit("out")})
        inward = self.edge_relation(term, reverse=True).withColumns(
            {"_pattern": F.lit(reversed_shown), "_direction": F.lit("in")})
        return inward.union(out)

    def join(self, df, bound: set, term):
        if isinstance(term, VertexTerm) and term.name in bound:
            return df
        relation = self.term_relation(term)
        shared = [key(n) for n in vertex_names(term) if n in bound]
        if df is None:
            df = relation
        else:
            if isinstance(term, EdgeTerm) and term.undirected:
                df = df.drop(*[c for c in UNDIRECTED_COLUMNS if c in df.columns])
            df = df.join(relation, on=shared) if shared else df.crossJoin(relation)
        for name in vertex_names(term):
            if name not in bound and isinstance(term, EdgeTerm):
                df = df.join(self.vertex_relation(name), on=key(name))
        bound.update(vertex_names(term))
        return df

    def negate(self, df, term: EdgeTerm):
        relation = self.edge_relation(term).distinct()
        return df.join(relation, on=[key(n) for n in vertex_names(term)], how="left_anti")

    def chain(self, terms):
        positive = [t for t in terms if not (isinstance(t, EdgeTerm) and t.negated)]
        negative = [t for t in terms if isinstance(t, EdgeTerm) and t.negated]
        seen = {n for t in positive for n in vertex_names(t)}
        only_negated = sorted({n for t in negative for n in vertex_names(t)} - seen)
        df, bound = None, set()
        for term in join_order([VertexTerm(n) for n in only_negated] + positive):
            df = self.join(df, bound, term)
        for term in negative:
            df = self.negate(df, term)
        return df.select(*output_names(terms))

    def variable_length(self, var: VariableLength):
        parts = []
        for hops in range(var.hi, var.lo - 1, -1):
            directions = [("out", var.src, var.dst, "-", "->")]
            if var.undirected:
                directions.append(("in", var.dst, var.src, "<-", "-"))
            for direction, src, dst, left, right in directions:
                shown = f"({var.src or ''}){left}[{var.name or ''}*{hops}]{right}({var.dst or ''})"
                part = self.chain(chain(src, var.name, hops, dst))
                parts.append(part.withColumns({"_hop": F.lit(hops), "_pattern": F.lit(shown),
                                               "_direction": F.lit(direction)}))
        result = parts[0]
        for part in parts[1:]:
            result = result.unionByName(part, allowMissingColumns=True)
        return result.orderBy("_hop", "_direction")


def find(motif: Motif, vertices, edges):
    """All instances of ``motif`` in the graph ``(vertices, edges)``, one struct column per named element."""
    planner = Planner(vertices, edges)
    if motif.variable is not None:
        return planner.variable_length(motif.variable)
    return planner.chain(motif.terms)
