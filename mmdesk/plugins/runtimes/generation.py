"""Greedy and beam search over a decoder that keeps its own past key/values (numpy only).

The loops follow ``transformers``' ``GenerationMixin`` step for step (greedy: ``_sample`` with
``do_sample=False``; beam: the vectorised ``_beam_search`` with its early-stop heuristic), so a
captioner exported from a Hugging Face model gives the very token ids ``generate`` gives. The
decoder is anything with :meth:`Decoder.step`; ONNX sessions live in :mod:`.seq2seq`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np

NEG = np.float32(-1.0e9)


@dataclass(frozen=True)
class GenerationConfig:
    """How to search: the settings of ``generate`` that mmdesk honours (others are refused).

    Attributes:
        max_length: Tokens per sequence, the prompt included (as ``generate``'s max_length).
        num_beams: 1 for greedy search.
        length_penalty: Finished beams score ``sum log p / generated_len ** length_penalty``.
        early_stopping: True, False or "never", as in ``transformers``.
        no_repeat_ngram_size: Forbid repeating any n-gram of this size (0: off).
        eos_token_ids: Tokens that end a sequence.
        pad_token_id: Fills finished sequences.
    """

    max_length: int = 32
    num_beams: int = 1
    length_penalty: float = 1.0
    early_stopping: bool | str = False
    no_repeat_ngram_size: int = 0
    eos_token_ids: tuple[int, ...] = ()
    pad_token_id: int = 0


class Decoder(Protocol):
    """One decoding session over a fixed batch of rows (images x beams)."""

    def step(self, tokens: np.ndarray, reorder: np.ndarray | None) -> np.ndarray:
        """Feed ``tokens`` (rows, n) after reordering the past by ``reorder``; last logits."""
        ...


def log_softmax(logits: np.ndarray) -> np.ndarray:
    """float32 log-softmax over the last axis."""
    x = logits.astype(np.float32, copy=False)
    shifted = x - x.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def ban_repeated_ngrams(sequences: np.ndarray, scores: np.ndarray, size: int) -> np.ndarray:
    """Set to -inf every next token that would repeat an n-gram already in the row."""
    length = sequences.shape[1]
    if size <= 0 or length < size:
        return scores
    scores = scores.copy()
    for row, seq in enumerate(sequences.tolist()):
        prefix = tuple(seq[length + 1 - size :]) if size > 1 else ()
        for start in range(length - size + 1):
            if tuple(seq[start : start + size - 1]) == prefix:
                scores[row, seq[start + size - 1]] = -np.inf
    return scores


def _topk(values: np.ndarray, k: int) -> np.ndarray:
    """Indices of the k largest values per row, largest first (ties: lower index first)."""
    return np.argsort(-values, axis=-1, kind="stable")[:, :k]


def generate(decoder: Decoder, prompt: np.ndarray, cfg: GenerationConfig) -> list[list[int]]:
    """Token ids per image (the prompt included), by greedy or beam search.

    Args:
        decoder: A session over ``len(prompt) * cfg.num_beams`` rows (beams of one image
            adjacent), encoder states already repeated per beam.
        prompt: (images, prompt_len) int64 start tokens.
        cfg: The search settings.
    """
    if cfg.num_beams <= 1:
        return greedy(decoder, prompt, cfg)
    return BeamSearch(decoder, prompt, cfg).run()


def greedy(decoder: Decoder, prompt: np.ndarray, cfg: GenerationConfig) -> list[list[int]]:
    """``generate(do_sample=False, num_beams=1)``: the most likely token at each step."""
    seqs = prompt.astype(np.int64)
    unfinished = np.ones(len(seqs), bool)
    tokens = seqs
    eos = np.asarray(cfg.eos_token_ids, np.int64)
    while unfinished.any() and seqs.shape[1] < cfg.max_length:
        scores = ban_repeated_ngrams(seqs, decoder.step(tokens, None), cfg.no_repeat_ngram_size)
        chosen = np.where(unfinished, scores.argmax(-1), cfg.pad_token_id).astype(np.int64)
        seqs = np.concatenate([seqs, chosen[:, None]], axis=1)
        unfinished &= ~np.isin(chosen, eos)
        tokens = chosen[:, None]
    return [row.tolist() for row in seqs]


class BeamSearch:
    """``transformers``' vectorised beam search, in numpy, one step per decoder call."""

    def __init__(self, decoder: Decoder, prompt: np.ndarray, cfg: GenerationConfig) -> None:
        self.decoder, self.cfg = decoder, cfg
        self.batch, self.prompt_len = prompt.shape
        k = cfg.num_beams
        self.keep = max(2, 1 + len(cfg.eos_token_ids)) * k
        fill = cfg.pad_token_id or (cfg.eos_token_ids[0] if cfg.eos_token_ids else -1)
        self.running = np.full((self.batch, k, cfg.max_length), fill, np.int64)
        self.running[:, :, : self.prompt_len] = prompt[:, None, :]
        self.finished = self.running.copy()
        self.running_scores = np.zeros((self.batch, k), np.float32)
        self.running_scores[:, 1:] = NEG
        self.scores = np.full((self.batch, k), NEG, np.float32)
        self.is_finished = np.zeros((self.batch, k), bool)
        self.generated = np.zeros((self.batch, k), np.int64)
        self.running_generated = np.zeros((self.batch, k), np.int64)
        self.improvable = np.ones((self.batch, 1), bool)

    def run(self) -> list[list[int]]:
        """Search until no beam can improve; the best finished sequence of each image."""
        cur, k = self.prompt_len, self.cfg.num_beams
        tokens = self.running[:, :, :cur].reshape(self.batch * k, cur)
        reorder: np.ndarray | None = None
        while True:
            hits = self._step(self.decoder.step(tokens, reorder), cur)
            cur += 1
            reorder = self._reorder
            tokens = self.running[:, :, cur - 1].reshape(-1, 1)
            self._update_heuristic(cur)
            done_all = self.is_finished.all() and self.cfg.early_stopping is True
            if not self.improvable.any() or done_all or hits.all():
                break
        best = self.finished[:, 0, :]
        length = self.prompt_len + int(self.generated[:, 0].max())
        return [row[:length].tolist() for row in best]

    def _step(self, logits: np.ndarray, cur: int) -> np.ndarray:
        cfg, k = self.cfg, self.cfg.num_beams
        flat = self.running[:, :, :cur].reshape(self.batch * k, cur)
        logp = ban_repeated_ngrams(flat, log_softmax(logits), cfg.no_repeat_ngram_size)
        logp = logp.reshape(self.batch, k, -1) + self.running_scores[:, :, None]
        vocab = logp.shape[-1]
        logp = logp.reshape(self.batch, -1)
        top = _topk(logp, self.keep)
        top_scores = np.take_along_axis(logp, top, axis=1)
        beam, ids = top // vocab, top % vocab
        seqs = np.take_along_axis(self.running, beam[:, :, None], axis=1)
        seqs[:, :, cur] = ids
        gen = np.take_along_axis(self.running_generated, beam, axis=1) + 1
        hits = np.isin(ids, np.asarray(cfg.eos_token_ids, np.int64)) | (cur + 1 >= cfg.max_length)
        self._next_running(top_scores, seqs, gen, hits, beam)
        self._merge_finished(top_scores, seqs, gen, hits, cur)
        return hits

    def _next_running(
        self,
        scores: np.ndarray,
        seqs: np.ndarray,
        gen: np.ndarray,
        hits: np.ndarray,
        beam: np.ndarray,
    ) -> None:
        running = scores + hits.astype(np.float32) * NEG
        pick = _topk(running, self.cfg.num_beams)
        self.running = np.take_along_axis(seqs, pick[:, :, None], axis=1)
        self.running_scores = np.take_along_axis(running, pick, axis=1)
        self.running_generated = np.take_along_axis(gen, pick, axis=1)
        offset = np.arange(self.batch)[:, None] * self.cfg.num_beams
        self._reorder = (np.take_along_axis(beam, pick, axis=1) + offset).reshape(-1)

    def _merge_finished(
        self, scores: np.ndarray, seqs: np.ndarray, gen: np.ndarray, hits: np.ndarray, cur: int
    ) -> None:
        cfg, k = self.cfg, self.cfg.num_beams
        just = hits & (np.arange(self.keep) < k)[None, :]
        final = scores / float((cur + 1 - self.prompt_len) ** cfg.length_penalty)
        full = self.is_finished.all(axis=-1, keepdims=True) & (cfg.early_stopping is True)
        final = final + full.astype(np.float32) * NEG
        final = final + (~self.improvable).astype(np.float32) * NEG
        final = final + (~just).astype(np.float32) * NEG
        merged = np.concatenate([self.scores, final], axis=1)
        pick = _topk(merged, k)
        self.finished = np.take_along_axis(
            np.concatenate([self.finished, seqs], axis=1), pick[:, :, None], axis=1
        )
        self.scores = np.take_along_axis(merged, pick, axis=1)
        self.generated = np.take_along_axis(
            np.concatenate([self.generated, gen], axis=1), pick, axis=1
        )
        both = np.concatenate([self.is_finished, just], axis=1)
        self.is_finished = np.take_along_axis(both, pick, axis=1)

    def _update_heuristic(self, cur: int) -> None:
        cfg = self.cfg
        if cfg.early_stopping == "never" and cfg.length_penalty > 0.0:
            best_len = cfg.max_length - self.prompt_len
        else:
            best_len = cur - self.prompt_len
        best = self.running_scores[:, :1] / float(best_len**cfg.length_penalty)
        worst = np.where(self.is_finished, self.scores.min(axis=1, keepdims=True), NEG)
        self.improvable = self.improvable & (best > worst).any(axis=-1, keepdims=True)
