"""ONNX decoder sessions in optimum's layout, stepped one token at a time with their past.

optimum writes a decoder without past (``decoder_model.onnx``: the first step, which also
returns the cross-attention keys/values), one with past (``decoder_with_past_model.onnx``: one
new token per step) or both merged (``decoder_model_merged.onnx``, chosen by
``use_cache_branch``). Inputs are fed by name, so files from optimum and from mmdesk's own
exporter run alike. With neither past-taking file the whole sequence is re-run each step.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from mmdesk.errors import ModelError

PAST, PRESENT = "past_key_values.", "present."


@dataclass
class DecoderSessions:
    """The decoder files of one captioner, opened (any may be None)."""

    first: Any = None
    with_past: Any = None
    merged: Any = None

    def check(self, where: str) -> None:
        """Refuse a folder that has no decoder at all."""
        if self.first is None and self.merged is None:
            raise ModelError(f"{where}: no decoder_model or decoder_model_merged file")


def _inputs(session: Any) -> dict[str, Any]:
    return {i.name: i for i in session.get_inputs()}


def _empty_past(meta: Any, rows: int) -> np.ndarray:
    """A zero-length past for the merged decoder's first step (its no-cache branch)."""
    dims = [d if isinstance(d, int) else 0 for d in meta.shape]
    dims[0] = rows
    dtype = np.float16 if "float16" in meta.type else np.float32
    return np.zeros(dims, dtype)


class OnnxDecoding:
    """One decoding over a fixed batch of rows; see :class:`generation.Decoder`."""

    def __init__(self, sessions: DecoderSessions, states: np.ndarray, where: str) -> None:
        self.sessions, self.states, self.where = sessions, states, where
        self.past: dict[str, np.ndarray] = {}
        self.seq: np.ndarray | None = None
        self.steps = 0

    def step(self, tokens: np.ndarray, reorder: np.ndarray | None) -> np.ndarray:
        """Feed new tokens after reordering the past (beam search); the last logits."""
        if reorder is not None:
            self.states = self.states[reorder]
            self.past = {k: v[reorder] for k, v in self.past.items()}
            if self.seq is not None:
                self.seq = self.seq[reorder]
        session, use_past = self._session()
        if not use_past:
            self.seq = tokens if self.seq is None else np.concatenate([self.seq, tokens], 1)
            tokens = self.seq
        out = self._run(session, tokens, use_past)
        self.steps += 1
        return out

    def _session(self) -> tuple[Any, bool]:
        s = self.sessions
        if self.steps == 0:
            return (s.first, False) if s.first is not None else (s.merged, False)
        if s.with_past is not None:
            return s.with_past, True
        if s.merged is not None:
            return s.merged, True
        return s.first, False

    def _run(self, session: Any, tokens: np.ndarray, use_past: bool) -> np.ndarray:
        feeds = self._feeds(_inputs(session), tokens, use_past)
        names = [o.name for o in session.get_outputs()]
        try:
            outputs = session.run(names, feeds)
        except Exception as exc:  # onnxruntime's own error types
            raise ModelError(f"{self.where}: decoder failed: {exc}") from exc
        found = dict(zip(names, outputs, strict=True))
        if self.steps == 0 or use_past:
            self.past.update({k: v for k, v in found.items() if k.startswith(PRESENT)})
        return np.asarray(found["logits"])[:, -1, :].astype(np.float32)

    def _feeds(self, wanted: dict[str, Any], tokens: np.ndarray, use_past: bool) -> dict[str, Any]:
        rows = len(tokens)
        past_len = self._past_len() if use_past else 0
        feeds: dict[str, Any] = {}
        for name, meta in wanted.items():
            if name == "input_ids":
                feeds[name] = tokens.astype(np.int64)
            elif name == "encoder_hidden_states":
                feeds[name] = self.states
            elif name == "encoder_attention_mask":
                feeds[name] = np.ones(self.states.shape[:2], np.int64)
            elif name == "attention_mask":
                feeds[name] = np.ones((rows, past_len + tokens.shape[1]), np.int64)
            elif name == "use_cache_branch":
                feeds[name] = np.array([use_past])
            elif name.startswith(PAST):
                feeds[name] = self._past_for(name, meta, rows, use_past)
            else:
                raise ModelError(f"{self.where}: decoder input {name!r} is not known to mmdesk")
        return feeds

    def _past_for(self, name: str, meta: Any, rows: int, use_past: bool) -> np.ndarray:
        key = PRESENT + name[len(PAST) :]
        if use_past and key in self.past:
            return self.past[key]
        if use_past:
            raise ModelError(f"{self.where}: no {key!r} output to feed {name!r} from")
        return _empty_past(meta, rows)

    def _past_len(self) -> int:
        for key, value in self.past.items():
            if ".decoder." in key or ".encoder." not in key:
                return int(value.shape[2])
        return 0
