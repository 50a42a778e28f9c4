"""The category cards an AppTest page shows, by id, whichever way the page draws them: in the clinician reading one
Markdown element whose boxes carry ``st-key-card_<id>`` (app.py ``cards_md``), in the family reading a container
keyed ``card_<id>`` each (their source markers are widgets)."""

from __future__ import annotations

import re
from typing import Any

__all__ = ["CARD_BOX", "CARD_TAGS", "card_ids"]

#: A card's box in the categories' Markdown: fixed HTML around the card's text, its category id in the class.
CARD_BOX = re.compile(r'<div class="pw-card st-key-card_([a-z0-9][a-z0-9_\-]*)">')
#: Every tag the categories' Markdown may hold: the cards' fixed boxes and their ends (nothing else is raw HTML).
CARD_TAGS = re.compile(r'<div class="pw-cards st-key-cards_\d+">|<div class="pw-card st-key-card_[a-z0-9][a-z0-9_\-]*">'
                       r'|<div class="pw-card pw-note">|</div>')


def card_ids(at: Any) -> set[str]:
    """Category ids of the cards on the page."""
    keys = {c.key for c in at.get("flex_container") if c.key}
    ids = {k.removeprefix("card_") for k in keys if k.startswith("card_")}
    return ids | {cid for m in at.markdown for cid in CARD_BOX.findall(m.value)}
