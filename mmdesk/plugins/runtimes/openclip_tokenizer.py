"""Torch-free tokenizers for open_clip text encoders.

open_clip's own ``tokenizer.py`` imports torch at module level, which the desktop runtime must
not need. :class:`OpenClipTokenizer` is a port of its ``SimpleTokenizer`` (byte-level BPE over
the gzipped ``bpe_simple_vocab_16e6.txt.gz`` shipped in each plugin) that returns the same ids,
including open_clip's truncation rule: texts past the context length are cut and their last
token is replaced by end-of-text. :class:`HfClipTokenizer` reproduces open_clip's
``HFTokenizer`` (SigLIP and friends) on top of a ``tokenizers`` JSON file.
"""

from __future__ import annotations

import gzip
import html
import string
from functools import lru_cache
from pathlib import Path

import ftfy
import numpy as np
import regex

SOT = "<start_of_text>"
EOT = "<end_of_text>"
_N_MERGES = 49152 - 256 - 2
_PUNCTUATION = str.maketrans("", "", string.punctuation)


@lru_cache(maxsize=1)
def bytes_to_unicode() -> dict[int, str]:
    """Map every byte to a printable character so BPE never sees whitespace or control bytes."""
    printable = [*range(ord("!"), ord("~") + 1), *range(ord("¡"), ord("¬") + 1)]
    printable += range(ord("®"), ord("ÿ") + 1)
    codes = list(printable)
    extra = 0
    for byte in range(256):
        if byte not in printable:
            printable.append(byte)
            codes.append(256 + extra)
            extra += 1
    return dict(zip(printable, (chr(c) for c in codes), strict=True))


def basic_clean(text: str) -> str:
    """Fix mojibake and (doubly) escaped HTML entities, as CLIP was trained on such text."""
    return html.unescape(html.unescape(ftfy.fix_text(text))).strip()


def clean_text(text: str, mode: str = "lower") -> str:
    """Apply one of open_clip's cleaning modes (``lower``, ``whitespace``, ``canonicalize``).

    Args:
        text: Raw query text.
        mode: The ``clean`` option of open_clip's tokenizers; SimpleTokenizer uses ``lower``,
            SigLIP's HF tokenizers use ``canonicalize`` (lower case, punctuation removed).

    Returns:
        The text as open_clip would hand it to the BPE or HF tokenizer.
    """
    text = basic_clean(text)
    if mode == "canonicalize":
        text = text.replace("_", " ").translate(_PUNCTUATION).lower()
    elif mode not in ("lower", "whitespace"):
        raise ValueError(f"unknown clean mode {mode!r}")
    text = " ".join(text.split())
    return text.lower() if mode == "lower" else text


def _pairs(word: tuple[str, ...]) -> set[tuple[str, str]]:
    return set(zip(word, word[1:], strict=False))


def _merge(word: tuple[str, ...], first: str, second: str) -> tuple[str, ...]:
    """Join every adjacent (first, second) pair of ``word`` into one symbol."""
    merged: list[str] = []
    i = 0
    while i < len(word):
        if i < len(word) - 1 and word[i] == first and word[i + 1] == second:
            merged.append(first + second)
            i += 2
        else:
            merged.append(word[i])
            i += 1
    return tuple(merged)


class OpenClipTokenizer:
    """open_clip's ``SimpleTokenizer`` without torch: ``(N, context_length)`` int64 ids.

    Args:
        vocab_path: The gzipped BPE merges file (``bpe_simple_vocab_16e6.txt.gz``).
        context_length: Tokens per text, start and end tokens included; 77 for CLIP.
        clean: open_clip's cleaning mode (``lower`` for every SimpleTokenizer model today).
    """

    def __init__(self, vocab_path: Path, context_length: int = 77, clean: str = "lower") -> None:
        merges = gzip.open(vocab_path).read().decode("utf-8").split("\n")[1 : _N_MERGES + 1]
        pairs = [tuple(m.split()) for m in merges]
        vocab = list(bytes_to_unicode().values())
        vocab += [v + "</w>" for v in vocab] + ["".join(p) for p in pairs] + [SOT, EOT]
        self.encoder = {token: i for i, token in enumerate(vocab)}
        self.bpe_ranks = {pair: i for i, pair in enumerate(pairs)}
        self.cache: dict[str, str] = {SOT: SOT, EOT: EOT}
        self.pattern = regex.compile(
            rf"{SOT}|{EOT}|'s|'t|'re|'ve|'m|'ll|'d|[\p{{L}}]+|[\p{{N}}]|[^\s\p{{L}}\p{{N}}]+",
            regex.IGNORECASE,
        )
        self.sot_id, self.eot_id = self.encoder[SOT], self.encoder[EOT]
        self.context_length = context_length
        self.clean = clean

    def bpe(self, token: str) -> str:
        """Split one pre-token into space-separated BPE symbols, lowest merge rank first."""
        if token in self.cache:
            return self.cache[token]
        word = (*token[:-1], token[-1] + "</w>")
        while len(word) > 1:
            bigram = min(_pairs(word), key=lambda p: self.bpe_ranks.get(p, float("inf")))
            if bigram not in self.bpe_ranks:
                break
            word = _merge(word, *bigram)
        self.cache[token] = " ".join(word)
        return self.cache[token]

    def encode(self, text: str) -> list[int]:
        """Ids of ``text`` without start/end tokens."""
        byte_encoder = bytes_to_unicode()
        ids: list[int] = []
        for token in self.pattern.findall(clean_text(text, self.clean)):
            symbols = "".join(byte_encoder[b] for b in token.encode("utf-8"))
            ids.extend(self.encoder[s] for s in self.bpe(symbols).split(" "))
        return ids

    def __call__(self, texts: list[str]) -> np.ndarray:
        """Tokenise a batch, zero-padded to ``context_length``; overlong texts end in EOT."""
        out = np.zeros((len(texts), self.context_length), dtype=np.int64)
        for row, text in enumerate(texts):
            ids = [self.sot_id, *self.encode(text), self.eot_id][: self.context_length]
            ids[-1] = self.eot_id
            out[row, : len(ids)] = ids
        return out


class HfClipTokenizer:
    """open_clip's ``HFTokenizer`` on a ``tokenizers`` JSON file (SigLIP and similar models).

    The JSON written by mmdesk's exporter already carries truncation and fixed-length padding;
    they are set again here so a hub ``tokenizer.json`` behaves the same.

    Args:
        path: ``tokenizer.json``.
        context_length: Ids per text, special tokens included.
        pad_id: Id used for padding.
        clean: open_clip's cleaning mode for this model (SigLIP: ``canonicalize``).
    """

    def __init__(self, path: Path, context_length: int, pad_id: int, clean: str) -> None:
        from tokenizers import Tokenizer

        self.tokenizer = Tokenizer.from_file(str(path))
        padding = self.tokenizer.padding or {}
        self.tokenizer.enable_truncation(max_length=context_length)
        self.tokenizer.enable_padding(
            length=context_length,
            pad_id=pad_id,
            pad_token=padding.get("pad_token", "<pad>"),
            direction=padding.get("direction", "right"),
        )
        self.clean = clean

    def __call__(self, texts: list[str]) -> np.ndarray:
        """Tokenise a batch into ``(N, context_length)`` int64 ids."""
        encodings = self.tokenizer.encode_batch([clean_text(t, self.clean) for t in texts])
        return np.array([e.ids for e in encodings], dtype=np.int64).reshape(len(texts), -1)
