"""Inside the portal's iframe: the small script that tells the host page the content's height, so the portal keeps
one scroll area (deploy/embed/ holds both halves; README "Embedding in an intranet page")."""

from __future__ import annotations

import functools
import json
import os
import re
from pathlib import Path

__all__ = ["EMBED_ENV", "FRAME_SCRIPT", "host_origins", "size_script_html"]

#: The setting naming the portal origins (space-separated, e.g. ``https://intranet.example``) that may receive the
#: explorer's content height; unset: no script, the iframe keeps the height the portal gives it.
EMBED_ENV = "EMBED_HOST_ORIGINS"
#: The script the page runs inside the iframe (its text is fixed, so a Content-Security-Policy can allow its hash).
FRAME_SCRIPT = Path(__file__).resolve().parent / "deploy" / "embed" / "frame-size.js"
_ORIGIN = re.compile(r"^https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?$")


def host_origins() -> tuple[str, ...]:
    """The origins the setting names; raises ValueError naming a value that is not an origin."""
    origins = tuple((os.environ.get(EMBED_ENV) or "").split())
    bad = [o for o in origins if not _ORIGIN.match(o)]
    if bad:
        raise ValueError(f"setting {EMBED_ENV}={bad[0]!r} is not an origin (scheme://host[:port], e.g. "
                         "https://intranet.example; several separated by spaces)")
    return origins


@functools.lru_cache(maxsize=1)
def _frame_script() -> str:
    return FRAME_SCRIPT.read_text(encoding="utf-8")


def size_script_html() -> str | None:
    """The script element for ``st.html(..., unsafe_allow_javascript=True)``, or None when the setting is unset."""
    origins = host_origins()
    if not origins:
        return None
    return f"<script data-origins='{json.dumps(list(origins))}'>{_frame_script()}</script>"
