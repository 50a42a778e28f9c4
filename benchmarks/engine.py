"""Engine benchmark: load+validate, evaluate, DOT, SVG, the PDF handout, and validation of generated pathways of
growing size.

Method: each operation is repeated and timed with ``time.perf_counter``; medians (and p95 where it matters)
are reported. Baselines measured in the same run: PyYAML's own ``CSafeLoader`` on the same text (what our
line-aware, stricter parsing costs on top), and, for size growth, the time per node at each size.
"""

from __future__ import annotations

import statistics
import time
from typing import Callable

import yaml

from pathways import load_pathway, load_pathway_text, resolve_pathway
from pathways.load import _gc_paused, _load_text
from pathways.evaluate import evaluate
from pathways.outputs.handout import handout_pdf
from pathways.model import PathwayContent
from pathways.outputs.render import render, to_dot
from pathways.validate import check_rules
from pathways.yamlsafe import parse_yaml
from tests.support.generate import generated_pathway_data

__all__ = ["run_engine"]

SIZES = (100, 1_000, 10_000)
ANSWERS = {"age_group": "child", "cns_involvement": "yes", "cell_type": "b_cell", "time_since_treatment": "under_3_years"}


def timed(fn: Callable[[], object], repeat: int) -> list[float]:
    """Seconds per call, ``repeat`` times (after one warm-up call)."""
    fn()
    out = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        out.append(time.perf_counter() - start)
    return out


def _pages(pdf: bytes) -> int:
    """Pages of a PDF, as a PDF reader counts them (pypdf, a test dependency)."""
    import io

    from pypdf import PdfReader

    return len(PdfReader(io.BytesIO(pdf)).pages)


def p95(values: list[float]) -> float:
    return sorted(values)[max(0, int(len(values) * 0.95) - 1)]


def run_engine(quick: bool = False) -> list[dict]:
    """Rows of (what, median, p95, target, verdict) for docs/performance.md."""
    path = resolve_pathway(None)
    pathway = load_pathway(path)
    result = evaluate(pathway, ANSWERS)
    dot = to_dot(pathway, result)
    rows = []

    def row(what: str, seconds: list[float], unit: str, target: float | None = None, note: str = "") -> None:
        scale = {"ms": 1e3, "µs": 1e6, "s": 1}[unit]
        median = statistics.median(seconds) * scale
        verdict = "" if target is None else ("meets" if median <= target else "MISSES")
        rows.append({"what": what, "median": f"{median:.3g} {unit}", "p95": f"{p95(seconds) * scale:.3g} {unit}",
                     "target": f"< {target:g} {unit}" if target is not None else "", "verdict": verdict,
                     "note": note})

    row("shipped pathway: load + validate (file → Pathway)", timed(lambda: load_pathway(path), 20 if quick else 100),
        "ms", 100)
    row("one evaluation (4 answers)", timed(lambda: evaluate(pathway, ANSWERS), 2_000 if quick else 20_000), "µs", 100)
    row("DOT generation for a result", timed(lambda: to_dot(pathway, result), 200 if quick else 1_000), "ms")
    row("SVG render through the `dot` binary", timed(lambda: render(dot, "svg"), 5 if quick else 20), "ms")
    handout_pdf(result)  # WeasyPrint's import (~0.4 s) and font discovery, once per process: not per handout
    pdf_sizes: list[int] = []
    row("PDF handout of one situation (WeasyPrint, tagged PDF/UA-1; made once per answer set and cached)",
        timed(lambda: pdf_sizes.append(len(handout_pdf(result))), 3 if quick else 10), "ms",
        note=f"{pdf_sizes[-1] / 1024:.0f} KiB, {_pages(handout_pdf(result))} pages; the graph's SVG is cached")

    text = path.read_text(encoding="utf-8")
    ours = statistics.median(timed(lambda: parse_yaml(text), 50))
    plain = statistics.median(timed(lambda: yaml.load(text, Loader=yaml.CSafeLoader), 50))
    rows.append({"what": "shipped file: our strict YAML parse vs PyYAML CSafeLoader (same run)",
                 "median": f"{ours * 1e3:.3g} ms vs {plain * 1e3:.3g} ms", "p95": "", "target": "",
                 "verdict": f"ratio {ours / plain:.2f}x", "note": ""})

    per_node = {}
    for size in SIZES[:2] if quick else SIZES:
        data = generated_pathway_data(size)
        nodes = len(data["tree"]["nodes"])
        text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
        repeat = 3 if size >= 10_000 else 10
        raw = parse_yaml(text)
        content = PathwayContent.model_validate(raw)
        with _gc_paused():  # as load_pathway_text does
            parse = timed(lambda: parse_yaml(text), repeat)
            typed = timed(lambda: PathwayContent.model_validate(raw), repeat)
            rules = timed(lambda: check_rules(content, raw, "generated.yaml"), repeat)
        whole = timed(lambda: load_pathway_text(text, "generated.yaml"), repeat)
        validate = [a + b for a, b in zip(typed, rules)]
        per_node[nodes] = statistics.median(validate) / nodes
        target = 2 if size == 10_000 else None
        row(f"generated {nodes:,} nodes ({len(text) / 1e6:.1f} MB): validate (typed model + rules)", validate, "s",
            target, note=f"{per_node[nodes] * 1e6:.1f} µs/node")
        row(f"generated {nodes:,} nodes: YAML parse alone", parse, "s", note=f"{statistics.median(parse) / nodes * 1e6:.0f} µs/node")
        row(f"generated {nodes:,} nodes: whole load (parse + validate)", whole, "s",
            note=f"{statistics.median(whole) / nodes * 1e6:.0f} µs/node")
        if size >= 1_000:
            gc_on = timed(lambda: _load_text(text, "generated.yaml"), 1)
            row(f"generated {nodes:,} nodes: whole load with the garbage collector left on (baseline)", gc_on, "s",
                note=f"{statistics.median(gc_on) / statistics.median(whole):.1f}x the shipped loader")
    sizes = sorted(per_node)[-2:]  # the smallest size is dominated by fixed costs
    growth = per_node[sizes[-1]] / per_node[sizes[0]]
    rows.append({"what": f"growth: validation time per node, {sizes[-1]:,} vs {sizes[0]:,} nodes", "median": "",
                 "p95": "", "target": "≤ 1.5x (linear)",
                 "verdict": f"{'meets' if growth <= 1.5 else '**misses**'} ({growth:.2f}x)", "note": ""})
    return rows
