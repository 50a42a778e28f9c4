"""Accessibility checks in a real browser: axe-core (bundled by axe-playwright-python, offline), the accessibility
tree as Chromium exposes it to screen readers (DevTools protocol), the graph's rendered text size, and contrast."""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass
from typing import Any

from axe_playwright_python.sync_playwright import Axe

__all__ = ["TAGS", "Exception_", "Finding", "axe_findings", "unexplained", "missing", "ax_nodes", "GRAPH_TEXT_JS",
           "GRAPH_IMAGES", "GRAPH_SCROLLER",
           "CHART_COLOURS_JS", "contrast", "parse_colour"]

#: WCAG 2.0, 2.1 and 2.2 at levels A and AA, and Deque's best practices.
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]

_AXE = Axe()


@dataclass(frozen=True)
class Finding:
    """One element that fails one axe rule."""

    rule: str
    impact: str
    target: str
    html: str
    summary: str

    def __str__(self) -> str:
        return f"{self.rule} ({self.impact}) at {self.target}: {self.html[:160]}\n    {self.summary[:300]}"


@dataclass(frozen=True)
class Exception_:
    """A violation that is Streamlit's own and cannot be fixed from the app: the rule, the element (a regular
    expression over the element's markup), and the upstream issue. A test that allows it also requires it, so the
    exception is removed when Streamlit fixes it."""

    rule: str
    element: str
    issue: str

    def explains(self, finding: Finding) -> bool:
        return finding.rule == self.rule and re.search(self.element, finding.html) is not None


#: The height of everything the page holds: Streamlit scrolls its content inside a container, not the document.
CONTENT_HEIGHT_JS = """() => Math.max(document.documentElement.scrollHeight,
  ...[...document.querySelectorAll("*")].filter(e => /(auto|scroll)/.test(getComputedStyle(e).overflowY))
     .map(e => e.scrollHeight + e.getBoundingClientRect().top))"""

#: True once no animation (an expander's height transition, say) is running.
NO_ANIMATION_JS = "() => document.getAnimations().every(a => a.playState !== 'running')"

#: Every scroll box back to its top, then two frames so the layout has settled.
TO_TOP_JS = """() => { window.scrollTo(0, 0);
  for (const e of document.querySelectorAll("*")) { if (e.scrollTop) e.scrollTop = 0; }
  return new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r))); }"""

#: Largest viewport (CSS px) the audit stretches to.
MAX_HEIGHT = 16_000


def axe_findings(page_or_frame: Any, context: str | None = None, stretch: bool = True) -> list[Finding]:
    """Every violation axe-core finds in the page (or one frame of it), one per element.

    axe can judge colour contrast only where it can see the text: content scrolled out of view comes back as
    "needs review", not as a violation. So the window (or the iframe) is first made as tall as its content, and
    restored afterwards; widths, and so the layout being audited, stay as they are. ``stretch=False`` audits the
    window as it is (an open popup list closes when the window is resized).
    """
    options = {"runOnly": {"type": "tag", "values": TAGS}, "resultTypes": ["violations", "incomplete"]}
    with _all_in_view(page_or_frame) if stretch else contextlib.nullcontext():
        response = _AXE.run(page_or_frame, context=context, options=options).response
    findings = [Finding(v["id"], v.get("impact") or "", " ".join(map(str, n["target"])), n["html"],
                        " ".join(n.get("failureSummary", "").split()))
                for v in response["violations"] for n in v["nodes"]]
    # Contrast axe could not decide counts as a failure too, except for the text of SVG charts, which axe cannot
    # read (the outlook chart's colours are checked by CHART_COLOURS_JS instead).
    findings += [Finding(v["id"] + " (undecided)", v.get("impact") or "", " ".join(map(str, n["target"])), n["html"],
                         " ".join(n.get("failureSummary", "").split()))
                 for v in response["incomplete"] if v["id"] == "color-contrast" for n in v["nodes"]
                 if not n["html"].startswith("<text")]
    return findings


class _all_in_view:
    def __init__(self, page_or_frame: Any) -> None:
        self.target = page_or_frame
        self.restore: Any = None

    def __enter__(self) -> None:
        target = self.target
        # An expander still opening grows the content after it is measured; the page then stays scrolled and
        # Streamlit's fixed header covers the top (axe: "overlapped by another element"). So: wait for every
        # animation to end, stretch, bring every scroll box back to its top, and measure again until it fits.
        target.wait_for_function(NO_ANIMATION_JS)
        if hasattr(target, "set_viewport_size"):  # a page
            size = target.viewport_size
            self.restore = lambda: target.set_viewport_size(size)
            resize = lambda h: target.set_viewport_size({"width": size["width"], "height": h})  # noqa: E731
            current = size["height"]
        else:  # a frame: its iframe element in the parent page
            element = target.frame_element()
            old = element.evaluate("e => e.style.height")
            self.restore = lambda: element.evaluate(f"e => {{ e.style.height = {old!r}; }}")
            resize = lambda h: element.evaluate(f"e => {{ e.style.height = '{h}px'; }}")  # noqa: E731
            current = 0
        for _ in range(4):
            height = min(int(target.evaluate(CONTENT_HEIGHT_JS)) + 50, MAX_HEIGHT)
            if height <= current:
                break
            resize(height)
            current = height
            target.evaluate(TO_TOP_JS)
            target.wait_for_function(NO_ANIMATION_JS)
        target.evaluate(TO_TOP_JS)

    def __exit__(self, *exc: object) -> None:
        if self.restore is not None:
            self.restore()


def unexplained(findings: list[Finding], allowed: tuple[Exception_, ...] = ()) -> list[Finding]:
    return [f for f in findings if not any(e.explains(f) for e in allowed)]


def missing(findings: list[Finding], required: tuple[Exception_, ...]) -> list[Exception_]:
    """Exceptions no finding needs any more: Streamlit fixed them, so they must go."""
    return [e for e in required if not any(e.explains(f) for f in findings)]


def ax_nodes(page: Any) -> list[dict[str, Any]]:
    """The full accessibility tree of the page and its same-process frames, as Chromium gives it to assistive
    technology: each node's role, name, and whether it is ignored."""
    session = page.context.new_cdp_session(page)
    try:
        nodes = session.send("Accessibility.getFullAXTree")["nodes"]
    finally:
        session.detach()
    out = []
    for node in nodes:
        props = {p["name"]: p.get("value", {}).get("value") for p in node.get("properties", [])}
        out.append({"role": (node.get("role") or {}).get("value", ""),
                    "name": (node.get("name") or {}).get("value", ""),
                    "ignored": node.get("ignored", False), "level": props.get("level"),
                    "expanded": props.get("expanded"), "checked": props.get("checked"),
                    "focusable": props.get("focusable")})
    return out


#: For the graph image: each of its text labels with the font size it is drawn at, in CSS px. The SVG is decoded as
#: the browser decodes the image, laid out at exactly the image's rendered box (same viewBox scaling), and each
#: text's font size multiplied by its on-screen scale (getScreenCTM). Also the box the graph scrolls in.
#: The graph images the page may show (the path alone on a narrow screen, the whole tree) and the whole tree's
#: scroll box; the graph measured is the one shown.
GRAPH_IMAGES = ".st-key-graph_path img, [data-testid='stImage'] img"
GRAPH_SCROLLER = ".st-key-graph_box [data-testid='stFullScreenFrame'] > div"
GRAPH_TEXT_JS = """() => {
  const img = [...document.querySelectorAll(GRAPH_IMAGES)].find(i => i.getClientRects().length > 0);
  if (!img || !img.complete || img.naturalWidth === 0) return null;
  const rect = img.getBoundingClientRect();
  const bytes = Uint8Array.from(atob(img.src.split(",")[1]), c => c.charCodeAt(0));
  const svg = new DOMParser().parseFromString(new TextDecoder().decode(bytes), "image/svg+xml").documentElement;
  svg.setAttribute("width", rect.width); svg.setAttribute("height", rect.height);
  const host = document.createElement("div");
  host.style.cssText = "position:absolute;left:0;top:0;visibility:hidden";
  host.appendChild(document.importNode(svg, true));
  document.body.appendChild(host);
  const texts = [...host.querySelectorAll("text")].map(t => ({
      text: t.textContent.trim(), px: parseFloat(t.getAttribute("font-size")) * t.getScreenCTM().a,
      height: t.getBoundingClientRect().height}));
  host.remove();
  const box = img.closest(GRAPH_SCROLLER) || img.closest(".st-key-graph_path");
  return {width: rect.width, height: rect.height, texts,
          box: box ? {client: box.clientWidth, scroll: box.scrollWidth} : null,
          page: {client: document.documentElement.clientWidth, scroll: document.documentElement.scrollWidth}};
}""".replace("GRAPH_IMAGES", repr(GRAPH_IMAGES)).replace("GRAPH_SCROLLER", repr(GRAPH_SCROLLER))


#: The outlook chart's text colours and its bars' fill colours, as the browser draws them.
CHART_COLOURS_JS = """() => {
  const chart = document.querySelector("[data-testid='stVegaLiteChart']");
  if (!chart) return null;
  const text = [...chart.querySelectorAll("text")].filter(t => t.textContent.trim())
                 .map(t => [t.textContent.trim(), getComputedStyle(t).fill]);
  const marks = [...chart.querySelectorAll("g.mark-rect path, g.mark-symbol path")]
                 .map(p => getComputedStyle(p).fill).filter(f => f !== "none" && !f.includes("0, 0, 0, 0"));
  return {text, marks};
}"""


def parse_colour(value: str) -> tuple[float, float, float]:
    """#rgb / #rrggbb / rgb(...) / rgba(...) (alpha ignored) or a Graphviz colour name used by the app."""
    names = {"black": "#000000", "white": "#ffffff", "none": "#ffffff"}
    value = names.get(value.strip().lower(), value.strip())
    if value.startswith("#"):
        digits = value[1:]
        if len(digits) == 3:
            digits = "".join(c * 2 for c in digits)
        return tuple(int(digits[i:i + 2], 16) for i in (0, 2, 4))  # type: ignore[return-value]
    parts = re.findall(r"[\d.]+", value)
    return tuple(float(p) for p in parts[:3])  # type: ignore[return-value]


def _luminance(rgb: tuple[float, float, float]) -> float:
    def channel(c: float) -> float:
        c /= 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(foreground: str, background: str) -> float:
    """WCAG 2 contrast ratio of two colours."""
    a, b = sorted((_luminance(parse_colour(foreground)), _luminance(parse_colour(background))), reverse=True)
    return (a + 0.05) / (b + 0.05)
