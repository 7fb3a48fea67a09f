"""Old import path of the built-in encoder runtimes; they live in ``runtimes`` now."""

from mmdesk.plugins.protocols import Encoder, ImageEncoder, TextEncoder
from mmdesk.plugins.runtimes.onnx_encoder import OnnxImageEncoder, OnnxTextEncoder
from mmdesk.plugins.runtimes.tokenizers import make_tokenizer

__all__ = [
    "Encoder",
    "ImageEncoder",
    "OnnxImageEncoder",
    "OnnxTextEncoder",
    "TextEncoder",
    "make_tokenizer",
]
