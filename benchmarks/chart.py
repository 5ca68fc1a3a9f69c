"""A PNG chart of one benchmark record: ``write_chart(record, path) -> bool``.

The record is the one the runner writes as JSON (``size``, ``master``, ``time``, ``results``:
workload -> {engine: seconds}). Each workload row with a positive sparklite time and at least one
other engine with a positive time becomes a group of horizontal bars, one per other engine, giving
that engine's time divided by sparklite's on a log axis: bars grow from the line at 1 (sparklite),
rightwards when the engine is slower and leftwards when it is faster, and end with the ratio
printed (``9.8x``). Other rows are left out. Rows keep the record's order from top to bottom;
engines not known here still get a colour, and the figure grows with the number of bars.

matplotlib is optional. It is imported only inside ``write_chart``, which draws with the Agg canvas
(no display needed) and returns True, or returns False and writes nothing when it cannot be
imported. Importing this module never imports matplotlib.
"""
from __future__ import annotations

import math

KNOWN_COLOURS = {"mapreduce": "#D55E00", "pyspark": "#0072B2", "pyspark-df": "#56B4E9",
                 "duckdb": "#E69F00", "polars": "#009E73", "mrjob": "#CC79A7"}
SPARE_COLOURS = ["#7F3C8D", "#8C564B", "#17BECF", "#BCBD22", "#7F7F7F", "#1B3A6B"]
BAR_INCHES = 0.26
GAP_BARS = 0.9
DPI = 110


def ratio_rows(record: dict) -> list[tuple[str, dict[str, float]]]:
    """(workload, {engine: engine time / sparklite time}) for the rows that have something to compare."""
    rows = ((workload, _ratios(times)) for workload, times in record.get("results", {}).items())
    return [(workload, ratios) for workload, ratios in rows if ratios]


def _ratios(times: dict) -> dict[str, float]:
    base = _seconds(times.get("sparklite"))
    if base is None:
        return {}
    seconds = {e: _seconds(v) for e, v in times.items() if e != "sparklite"}
    return {e: t / base for e, t in seconds.items() if t is not None}


def _seconds(value) -> float | None:
    return float(value) if isinstance(value, (int, float)) and value > 0 and math.isfinite(value) else None


def _engines(rows: list) -> list[str]:
    seen = [e for _, ratios in rows for e in ratios]
    known = [e for e in KNOWN_COLOURS if e in seen]
    return known + [e for e in dict.fromkeys(seen) if e not in KNOWN_COLOURS]


def _colours(engines: list[str]) -> dict[str, str]:
    spare = iter(SPARE_COLOURS * (1 + len(engines) // len(SPARE_COLOURS)))
    return {e: KNOWN_COLOURS.get(e) or next(spare) for e in engines}


def _label(ratio: float) -> str:
    if ratio < 1:
        return f"{ratio:.2g}x"
    return f"{ratio:.1f}x" if ratio < 100 else f"{ratio:.0f}x"


def _layout(rows: list, engines: list[str]) -> tuple[list, list[float], float]:
    """Bars as (y, engine, ratio), the centre of each row's group, and the total height in bars."""
    bars, centres, y = [], [], 0.0
    for _, ratios in rows:
        present = [e for e in engines if e in ratios]
        bars += [(y + i, e, ratios[e]) for i, e in enumerate(present)]
        centres.append(y + (len(present) - 1) / 2)
        y += len(present) + GAP_BARS
    return bars, centres, max(y - GAP_BARS, 1.0)


def _limits(ratios: list[float]) -> tuple[float, float]:
    lo, hi = math.log10(min(ratios + [1.0])), math.log10(max(ratios + [1.0]))
    pad = 0.12 * max(hi - lo, 0.5) + 0.3
    return 10 ** (lo - pad), 10 ** (hi + pad)


def _ticks(lo: float, hi: float) -> list[float]:
    decades = range(math.floor(math.log10(lo)), math.ceil(math.log10(hi)) + 1)
    fine = [s * 10.0 ** d for d in decades for s in (1, 2, 5) if lo <= s * 10.0 ** d <= hi]
    return fine if len(fine) <= 12 else [10.0 ** d for d in decades if lo <= 10.0 ** d <= hi]


def _tick_label(value: float) -> str:
    return f"{value:g}x"


def _title(record: dict) -> str:
    date = str(record.get("time", ""))[:10]
    return f"size {record.get('size', '?')}, master {record.get('master', '?')}, {date}"


def _draw(ax, record: dict, rows: list, engines: list[str]) -> None:
    bars, centres, _ = _layout(rows, engines)
    colours = _colours(engines)
    for engine in engines:
        mine = [(y, r) for y, e, r in bars if e == engine]
        ax.barh([y for y, _ in mine], [r - 1 for _, r in mine], left=1, height=0.8,
                color=colours[engine], label=engine)
    for y, _, ratio in bars:
        ax.annotate(_label(ratio), (ratio, y), xytext=(3 if ratio >= 1 else -3, 0),
                    textcoords="offset points", ha="left" if ratio >= 1 else "right",
                    va="center", fontsize=8)
    ax.axvline(1, color="black", linewidth=1, label="sparklite = 1")
    _axes(ax, record, rows, centres, [r for _, _, r in bars])


def _axes(ax, record: dict, rows: list, centres: list[float], ratios: list[float]) -> None:
    from matplotlib.ticker import FixedLocator, FuncFormatter, NullLocator
    ax.set_xscale("log")
    lo, hi = _limits(ratios)
    ax.set_xlim(lo, hi)
    ax.xaxis.set_major_locator(FixedLocator(_ticks(lo, hi)))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: _tick_label(v)))
    ax.xaxis.set_minor_locator(NullLocator())
    ax.grid(axis="x", color="#DDDDDD", linewidth=0.6)
    ax.set_axisbelow(True)
    ax.set_yticks(centres)
    ax.set_yticklabels([w for w, _ in rows])
    ax.tick_params(axis="y", length=0)
    ax.invert_yaxis()
    ax.set_xlabel("time relative to sparklite (engine / sparklite, log scale; < 1x is faster)")
    ax.set_title(f"Benchmark: {_title(record)}", loc="left", fontsize=11)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), frameon=False, fontsize=9)
    if not rows:
        ax.text(0.5, 0.5, "no workload has sparklite and another engine to compare", transform=ax.transAxes,
                ha="center", va="center", color="#777777", backgroundcolor="white")


def write_chart(record: dict, path: str) -> bool:
    """Draw ``record`` into the PNG at ``path`` and return True; False (nothing written) without matplotlib."""
    try:
        import matplotlib  # noqa: F401
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError:
        return False
    rows = ratio_rows(record)
    engines = _engines(rows)
    _, _, height = _layout(rows, engines)
    fig = Figure(figsize=(9, 1.4 + BAR_INCHES * height))
    FigureCanvasAgg(fig)
    _draw(fig.add_subplot(), record, rows, engines)
    fig.savefig(path, format="png", dpi=DPI, bbox_inches="tight")
    return True
