"""Old import path of the torch-free open_clip tokenizers; they live in ``runtimes`` now."""

from mmdesk.plugins.runtimes.openclip_tokenizer import (
    EOT,
    SOT,
    HfClipTokenizer,
    OpenClipTokenizer,
    basic_clean,
    bytes_to_unicode,
    clean_text,
)

__all__ = [
    "EOT",
    "SOT",
    "HfClipTokenizer",
    "OpenClipTokenizer",
    "basic_clean",
    "bytes_to_unicode",
    "clean_text",
]
