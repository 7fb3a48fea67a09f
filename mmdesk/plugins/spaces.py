"""Embedding spaces and the rule for which one a modality uses.

The active model never changes without the person's choice: a chosen space that is missing is an
error, never a silent fallback, and with no choice only the default (or a single, code-free
space) is taken on its own.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from mmdesk.errors import PluginError
from mmdesk.kinds import SPACE_MODALITIES, Modality
from mmdesk.plugins.specs import EncoderSpec

DEFAULT_SPACE = "conse-minilm-l6"
DEFAULT_SOUND_SPACE = "aisfx-sound"  # the offline default's sound-similarity model
DEFAULTS: dict[Modality, str] = {
    "image": DEFAULT_SPACE,
    "text": DEFAULT_SPACE,
    "audio": DEFAULT_SOUND_SPACE,
}
# The encoders a space needs to serve each modality's search. Pictures are found by words, so
# an image space needs a text encoder; a sound space finds sounds like a sound, and words too
# when it has a text encoder (a CLAP model).
NEEDS: dict[Modality, tuple[Modality, ...]] = {
    "image": ("image", "text"),
    "text": ("text",),
    "audio": ("audio",),
}
_USE = "choose one with `mmdesk models use <id>`"


@dataclass
class Space:
    """Encoders whose vectors can be compared: one per modality at most, from one plugin.

    ``runs_code`` says whether the plugin behind the space names plugin code anywhere.
    """

    id: str
    plugin_id: str
    encoders: dict[str, EncoderSpec] = field(default_factory=dict)
    runs_code: bool = False

    @property
    def searchable(self) -> bool:
        """Whether words can find something in it: a text encoder and one more."""
        return "text" in self.encoders and len(self.encoders) > 1

    def serves(self, modality: Modality) -> bool:
        """Whether it has the encoders that ``modality``'s search needs."""
        return all(m in self.encoders for m in NEEDS[modality])

    def encoder_ids(self, modality: str | None = None) -> list[str]:
        """Ids of the encoders that embed items (all but text), or of one modality's."""
        return [e.id for m, e in self.encoders.items() if modality in (None, m) and m != "text"]


def select_space(spaces: dict[str, Space], modality: Modality, wanted: str | None) -> Space:
    """The space ``modality`` uses: ``wanted``, else the default, else the only code-free one."""
    if modality not in SPACE_MODALITIES:
        raise PluginError(f"no model is chosen for {modality!r}: use one of {SPACE_MODALITIES}")
    usable = {k: v for k, v in sorted(spaces.items()) if v.serves(modality)}
    names = ", ".join(usable) or "none"
    if wanted:
        if wanted not in usable:
            raise PluginError(
                f"model {wanted!r} chosen for {modality} search is not installed or broken; "
                f"installed: {names}; {_USE} (or see `mmdesk plugins` for broken ones)"
            )
        return usable[wanted]
    if DEFAULTS[modality] in usable:
        return usable[DEFAULTS[modality]]
    if not usable:
        raise PluginError(
            f"no usable model for {modality} search is installed: run "
            "`mmdesk models build-default` (or see `mmdesk plugins` for broken ones)"
        )
    if len(usable) == 1 and not (only := next(iter(usable.values()))).runs_code:
        return only
    reason = "it runs plugin code" if len(usable) == 1 else "more than one is installed"
    raise PluginError(f"no model is chosen for {modality} search and {reason} ({names}); {_USE}")
