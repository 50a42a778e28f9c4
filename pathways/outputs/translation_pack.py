"""A translation's review pack: its sign-off state, every text with its English and its translation side by side
(``pathways.translate.side_by_side``, each marked ok, stale or missing), then the printed sign-off block of the
review pack, for the qualified medical translator who signs the language off (its own approval, apart from the
English's)."""

from __future__ import annotations

from ..catalogue import LANGUAGES
from ..load import Pathway
from ..translate import Translation, side_by_side, translation_fingerprint
from .review import SignOff, sign_off_md

__all__ = ["translation_pack"]


def translation_pack(pathway: Pathway, translation: Translation) -> str:
    """The pack in Markdown. Its sign-off names the content version and the translation's fingerprint
    (``translation_fingerprint``: recording the approval in the file does not change it, any changed entry does)."""
    meta = pathway.content.metadata
    block = SignOff(f"{meta.version}, {LANGUAGES[translation.language]} ({translation.language})",
                    translation_fingerprint(translation), translation.approved_by,
                    "translation fingerprint (SHA-256)")
    lines = ["", "## Sign-off", "",
             "Sign when every entry is ok and reads, no more and no less, as its English says. The maintainers then "
             "record `approved_on` (and `approved_by`: a role) in the translation file.", "",
             *sign_off_md(block), f"> **{meta.disclaimer}**"]
    return side_by_side(pathway, translation) + "\n".join(lines) + "\n"
