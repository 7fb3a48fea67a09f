"""The built-in audio encoders: one ONNX model over windows of a sound, with its front end.

A manifest's ``[encoders.preprocess] kind`` picks the front end, which must match the one the
model was trained with: ``aisfx-mel`` (the sound-effect model of the offline default, see
``aisfx_audio``) or ``clap-mel`` (Hugging Face CLAP exports, see ``clap_audio``).
"""

from __future__ import annotations

import importlib
from typing import Any

from mmdesk.errors import PluginError
from mmdesk.plugins.protocols import AudioEncoder
from mmdesk.plugins.specs import EncoderSpec

# preprocess kind -> "module:Class" of its runtime (imported on first use).
FRONT_ENDS: dict[str, str] = {
    "aisfx-mel": "mmdesk.plugins.runtimes.aisfx_audio:AisfxAudioEncoder",
    "clap-mel": "mmdesk.plugins.runtimes.clap_audio:ClapAudioEncoder",
}


def build_audio_encoder(spec: EncoderSpec, options: Any = None) -> AudioEncoder:
    """The runtime of an audio encoder spec, by its front end; PluginError when unknown."""
    kind = str(spec.preprocess.get("kind", ""))
    target = FRONT_ENDS.get(kind)
    if target is None:
        raise PluginError(
            f"audio encoder {spec.id!r}: unknown preprocess kind {kind!r} "
            f"(known: {', '.join(sorted(FRONT_ENDS))})"
        )
    module, name = target.split(":")
    runtime: AudioEncoder = getattr(importlib.import_module(module), name)(spec, options)
    return runtime
