"""Torch-free tokenizers for open_clip text encoders.

open_clip's own ``tokenizer.py`` imports torch at module level, which the desktop runtime must
not need. :class:`OpenClipTokenizer` is a port of its ``SimpleTokenizer`` (byte-level BPE over
the gzipped ``bpe_simple_vocab_16e6.txt.gz`` shipped in each plugin) that returns the same ids,
including open_clip's truncation rule: texts past the context length are cut and their last
token is replaced by end-of-text. :class:`HfClipTokenizer` reproduces open_clip's
``HFTokenizer`` (SigLIP and friends) on top of a ``tokenizers`` JSON file.

A one-shot ``mmdesk search`` must not spend a tenth of a second on the tokenizer, so:

* the merges and the vocabulary are two sorted tables (:class:`SortedTable`: one bytes blob and
  two integer arrays, looked up by bisection) instead of two dicts of 49k Python objects each;
  given a cache folder they are written once to ``<cache>/tokenizers/<key>.bpe`` and read back
  in a millisecond (reading the gzipped merges and building dicts took 110-230 ms);
* ``ftfy`` (75 ms to import) is imported only for text it could change: printable ASCII
  without ``&`` is returned by ``ftfy.fix_text`` as it is;
* ``regex`` (20 ms) only for text that is not ASCII, where its letter and number classes mean
  more than ``[a-zA-Z]`` and ``[0-9]``.
"""

from __future__ import annotations

import gzip
import hashlib
import html
import logging
import os
import re
import string
import struct
import sys
import threading
import zlib
from array import array
from collections.abc import Iterable
from functools import lru_cache
from itertools import accumulate
from pathlib import Path
from typing import Any

import numpy as np

log = logging.getLogger(__name__)
SOT = "<start_of_text>"
EOT = "<end_of_text>"
_N_MERGES = 49152 - 256 - 2
_PUNCTUATION = str.maketrans("", "", string.punctuation)
_TABLES_MAGIC = b"mmdesk-bpe-1\n"
_ASCII_PATTERN = re.compile(
    rf"{SOT}|{EOT}|'s|'t|'re|'ve|'m|'ll|'d|[a-zA-Z]+|[0-9]|[^\sa-zA-Z0-9]+", re.IGNORECASE
)


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
    if not _ftfy_unchanged(text):
        import ftfy

        text = ftfy.fix_text(text)
    return html.unescape(html.unescape(text)).strip()


def _ftfy_unchanged(text: str) -> bool:
    """Whether ``ftfy.fix_text`` returns ``text`` as it is, known without importing it: every
    fix it makes needs a non-ASCII character, a control character or an HTML entity."""
    return text.isascii() and text.isprintable() and "&" not in text


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


@lru_cache(maxsize=1)
def _unicode_pattern() -> Any:
    import regex

    return regex.compile(
        rf"{SOT}|{EOT}|'s|'t|'re|'ve|'m|'ll|'d|[\p{{L}}]+|[\p{{N}}]|[^\s\p{{L}}\p{{N}}]+",
        regex.IGNORECASE,
    )


def pre_tokens(text: str) -> list[str]:
    """open_clip's pre-tokenisation of cleaned text (words, single digits, punctuation runs)."""
    if text.isascii():
        return _ASCII_PATTERN.findall(text)
    return list(_unicode_pattern().findall(text))


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


class SortedTable:
    """Strings -> non-negative ints, kept as their sorted UTF-8 bytes in one blob with the
    offsets and values in two ``array('I')``: built or read without making an object per entry,
    looked up by bisection (a few microseconds). A key given twice keeps its last value, as a
    dict built in order would."""

    def __init__(self, blob: bytes, starts: array[int], values: array[int]) -> None:
        if len(starts) != len(values) + 1 or (values and starts[-1] != len(blob)):
            raise ValueError("inconsistent table")
        self.blob, self.starts, self.values = blob, starts, values

    @classmethod
    def build(cls, items: Iterable[tuple[str, int]]) -> SortedTable:
        last = {key.encode("utf-8"): value for key, value in items}
        keys = sorted(last)
        starts = array("I", [0])
        starts.extend(accumulate(map(len, keys)))
        return cls(b"".join(keys), starts, array("I", [last[k] for k in keys]))

    def __len__(self) -> int:
        return len(self.values)

    def get(self, key: str) -> int | None:
        """The value of ``key``, or None."""
        wanted = key.encode("utf-8")
        blob, starts = self.blob, self.starts
        lo, hi = 0, len(self.values)
        while lo < hi:
            mid = (lo + hi) // 2
            if blob[starts[mid] : starts[mid + 1]] < wanted:
                lo = mid + 1
            else:
                hi = mid
        if lo < len(self.values) and blob[starts[lo] : starts[lo + 1]] == wanted:
            return self.values[lo]
        return None

    def parts(self) -> list[bytes]:
        """The table as bytes, for :meth:`from_parts`."""
        return [self.starts.tobytes(), self.values.tobytes(), self.blob]

    @classmethod
    def from_parts(cls, starts: bytes, values: bytes, blob: bytes) -> SortedTable:
        first, second = array("I"), array("I")
        first.frombytes(starts)
        second.frombytes(values)
        return cls(blob, first, second)


class BpeTables:
    """What open_clip's BPE needs from its merges file: the rank of a merge (``"a b"``, as the
    file spells it) and the id of a symbol."""

    def __init__(self, ranks: SortedTable, ids: SortedTable) -> None:
        self.ranks, self.ids = ranks, ids

    @classmethod
    def from_merges(cls, vocab_path: Path) -> BpeTables:
        """Read the gzipped merges file (the slow way)."""
        merges = gzip.open(vocab_path).read().decode("utf-8").split("\n")[1 : _N_MERGES + 1]
        pairs = [m.split() for m in merges]
        vocab = list(bytes_to_unicode().values())
        vocab += [v + "</w>" for v in vocab] + ["".join(p) for p in pairs] + [SOT, EOT]
        ranks = SortedTable.build((" ".join(p), i) for i, p in enumerate(pairs))
        return cls(ranks, SortedTable.build((token, i) for i, token in enumerate(vocab)))

    @classmethod
    def load(cls, vocab_path: Path, cache_dir: Path | None = None) -> BpeTables:
        """The tables of ``vocab_path``: from ``cache_dir`` when they were kept there, else
        read from the merges file (and kept there when a cache folder is given)."""
        cached = tables_path(vocab_path, cache_dir)
        if cached is not None:
            try:
                return cls.from_bytes(cached.read_bytes())
            except FileNotFoundError:
                pass
            except (OSError, ValueError) as exc:
                log.info("tokenizer tables %s unusable (%s); reading the merges again", cached, exc)
        tables = cls.from_merges(vocab_path)
        if cached is not None:
            tables.save(cached)
        return tables

    def to_bytes(self) -> bytes:
        parts = [*self.ranks.parts(), *self.ids.parts()]
        payload = b"".join(parts)
        sizes = struct.pack("<6Q", *(len(p) for p in parts))
        return _TABLES_MAGIC + struct.pack("<I", zlib.crc32(payload)) + sizes + payload

    @classmethod
    def from_bytes(cls, data: bytes) -> BpeTables:
        """Tables written by :meth:`to_bytes`; ValueError for anything else (cut short,
        damaged, another format)."""
        head = len(_TABLES_MAGIC)
        if data[:head] != _TABLES_MAGIC or len(data) < head + 52:
            raise ValueError("not a tokenizer tables file")
        (crc,) = struct.unpack_from("<I", data, head)
        sizes = struct.unpack_from("<6Q", data, head + 4)
        payload = data[head + 52 :]
        if len(payload) != sum(sizes) or zlib.crc32(payload) != crc:
            raise ValueError("damaged tokenizer tables")
        parts, at = [], 0
        for size in sizes:
            parts.append(payload[at : at + size])
            at += size
        return cls(SortedTable.from_parts(*parts[:3]), SortedTable.from_parts(*parts[3:]))

    def save(self, path: Path) -> None:
        """Write the tables to ``path`` whole, then rename them into place (a cache: any
        trouble is logged and costs only speed next time)."""
        tmp = path.with_name(f"{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp.write_bytes(self.to_bytes())
            os.replace(tmp, path)
        except OSError as exc:
            log.info("tokenizer tables not kept at %s: %s", path, exc)
            tmp.unlink(missing_ok=True)


def tables_path(vocab_path: Path, cache_dir: Path | None) -> Path | None:
    """Where the tables of ``vocab_path`` are kept: keyed by the file (path, size, mtime), the
    table format and this machine's byte order; None without a cache folder."""
    if cache_dir is None or array("I").itemsize != 4:
        return None
    try:
        resolved = vocab_path.resolve(strict=True)
        info = resolved.stat()
    except OSError:
        return None
    key = f"{resolved}|{info.st_size}|{info.st_mtime_ns}|{_TABLES_MAGIC!r}|{sys.byteorder}"
    return cache_dir / "tokenizers" / f"{hashlib.sha256(key.encode()).hexdigest()[:32]}.bpe"


class OpenClipTokenizer:
    """open_clip's ``SimpleTokenizer`` without torch: ``(N, context_length)`` int64 ids.

    Args:
        vocab_path: The gzipped BPE merges file (``bpe_simple_vocab_16e6.txt.gz``).
        context_length: Tokens per text, start and end tokens included; 77 for CLIP.
        clean: open_clip's cleaning mode (``lower`` for every SimpleTokenizer model today).
        cache_dir: Where the merges' tables are kept between processes (None: not kept).
    """

    def __init__(
        self,
        vocab_path: Path,
        context_length: int = 77,
        clean: str = "lower",
        cache_dir: Path | None = None,
    ) -> None:
        self.tables = BpeTables.load(vocab_path, cache_dir)
        self.cache: dict[str, str] = {SOT: SOT, EOT: EOT}
        self.ranks_seen: dict[tuple[str, str], int] = {}
        self.ids_seen: dict[str, list[int]] = {}  # a pre-token's ids
        self.sot_id, self.eot_id = self.symbol_id(SOT), self.symbol_id(EOT)
        self.context_length = context_length
        self.clean = clean

    def symbol_id(self, symbol: str) -> int:
        found = self.tables.ids.get(symbol)
        if found is None:
            raise KeyError(symbol)
        return found

    def rank(self, pair: tuple[str, str]) -> int:
        """The merge rank of ``pair`` (-1: never merged), remembered once looked up."""
        found = self.ranks_seen.get(pair)
        if found is None:
            rank = self.tables.ranks.get(" ".join(pair))
            found = self.ranks_seen[pair] = -1 if rank is None else rank
        return found

    def bpe(self, token: str) -> str:
        """Split one pre-token into space-separated BPE symbols, lowest merge rank first."""
        if token in self.cache:
            return self.cache[token]
        word = (*token[:-1], token[-1] + "</w>")
        while len(word) > 1:
            known = [(rank, pair) for pair in _pairs(word) if (rank := self.rank(pair)) >= 0]
            if not known:
                break
            word = _merge(word, *min(known)[1])
        self.cache[token] = " ".join(word)
        return self.cache[token]

    def encode(self, text: str) -> list[int]:
        """Ids of ``text`` without start/end tokens."""
        byte_encoder = bytes_to_unicode()
        ids: list[int] = []
        for token in pre_tokens(clean_text(text, self.clean)):
            symbols = "".join(byte_encoder[b] for b in token.encode("utf-8"))
            known = self.ids_seen.get(symbols)
            if known is None:
                known = self.ids_seen[symbols] = [
                    self.symbol_id(s) for s in self.bpe(symbols).split(" ")
                ]
            ids.extend(known)
        return ids

    def __call__(self, texts: list[str]) -> np.ndarray:
        """Tokenise a batch, zero-padded to ``context_length``; overlong texts end in EOT."""
        out = np.zeros((len(texts), self.context_length), dtype=np.int64)
        for row, text in enumerate(texts):
            ids = [self.sot_id, *self.encode(text), self.eot_id][: self.context_length]
            ids[-1] = self.eot_id
            out[row, : len(ids)] = ids
        return out


def trim_padding(ids: np.ndarray, pad_id: int = 0) -> np.ndarray:
    """``ids`` cut to the longest real text of the batch, its end token included.

    For text models exported with a dynamic sequence length (manifest ``pad = "longest"``):
    every text ends in a non-pad end token, so a row's real length runs to its last non-pad
    id. At least one column is kept, and never more than ``ids`` has.
    """
    if ids.ndim != 2 or ids.shape[1] == 0:
        return ids
    real = ids != pad_id
    lengths = np.where(real.any(axis=1), ids.shape[1] - np.argmax(real[:, ::-1], axis=1), 1)
    longest = int(lengths.max(initial=1))
    return np.ascontiguousarray(ids[:, :longest])


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
