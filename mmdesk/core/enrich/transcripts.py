"""Transcribing speech as a job, and as the enricher that runs it after indexing.

Each sound (the whole ``audio_segment`` item of an audio file or a video's sound track) is
heard once per transcriber: every stretch of speech becomes its own segment item with a
``transcript`` text, so search finds the moment something was said. A sound without speech
is marked as heard all the same and costs nothing next time. Long files are decoded and
transcribed a window of a few minutes at a time (cut at a quiet moment, not mid-word), so
memory stays bounded however long the recording. Library settings: ``transcripts`` (``on`` by
default, ``off``), ``transcripts.transcriber`` (which one), ``transcripts.language``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

import numpy as np

from mmdesk.core.enrich import chosen, register
from mmdesk.core.jobs import Changes, Job
from mmdesk.core.tasks import TaskState
from mmdesk.errors import MediaError, MmdeskError
from mmdesk.plugins.contributions import TRANSCRIBER
from mmdesk.plugins.protocols import Transcriber

if TYPE_CHECKING:
    from mmdesk.core.library import Library
    from mmdesk.store.transcripts import TranscriptSegment

log = logging.getLogger(__name__)
SETTING, TRANSCRIBER_SETTING = "transcripts", "transcripts.transcriber"
LANGUAGE_SETTING = "transcripts.language"
RATE = 16000
CHUNK_S = 30.0  # decoded at a time
WINDOW_S = 240.0  # transcribed at a time: 15 MB of samples
QUIET_S = 10.0  # a full window ends at the quietest 0.1 s of its last seconds
GAP_S = 0.25  # decoding resumed this much later (damaged data): the window ends there
EVERYTHING = 1 << 40


def transcriber_id(library: Library) -> str | None:
    """The transcriber in use: the one the library names, else the first installed one."""
    return chosen(library, TRANSCRIBER, TRANSCRIBER_SETTING)


def transcribers(library: Library) -> list[dict[str, Any]]:
    """Installed transcribers: ``{"id", "plugin", "languages", "active"}``, by id."""
    try:
        active = transcriber_id(library)
    except MmdeskError:
        active = None
    specs = library.registry.contributions(TRANSCRIBER)
    return [
        {"id": i, "plugin": s.plugin_id, "languages": list(s.languages), "active": i == active}
        for i, s in sorted(specs.items())
    ]


def transcript(library: Library, item_id: int) -> list[dict[str, Any]]:
    """The transcript of the file holding ``item_id``: ``{"start", "end", "text", "item_id",
    "producer"}`` per segment, in time order ([] when nothing was said or heard yet)."""
    info = library.store.items_info([item_id]).get(item_id)
    return [] if info is None else library.store.transcript_of(int(info["file_id"]))


class TranscribeJob:
    """Transcribe the sounds the transcriber has not heard (or those of ``item_ids``).

    Args:
        item_ids: Items of the files to transcribe (any item of a file stands for its sound);
            None for every sound not yet heard.
        redo: Transcribe again sounds already heard (segments a person marked are kept).
        transcriber: A transcriber id; None for the one in use.
    """

    name = "transcribing"

    def __init__(
        self,
        item_ids: Iterable[int] | None = None,
        *,
        redo: bool = False,
        transcriber: str | None = None,
        window_s: float = WINDOW_S,
    ) -> None:
        self.item_ids = None if item_ids is None else list(item_ids)
        self.redo = redo
        self.transcriber = transcriber
        self.window_s = window_s
        self.heard: list[int] = []  # whole items transcribed by this run
        self.segments = 0
        self.failed: list[tuple[str, str]] = []

    def run(self, library: Library, state: TaskState) -> Changes:
        producer = self.transcriber or transcriber_id(library)
        if producer is None:
            raise MmdeskError("no transcriber is installed (the bundled one is 'whisper')")
        runtime = library.registry.build(TRANSCRIBER, producer)
        todo = self._todo(library, producer)
        language = library.store.get_setting(LANGUAGE_SETTING) or None
        language = None if language == "auto" else language  # the transcriber's own choice
        info = library.store.items_info(todo)
        state.report(0, len(todo), message=self.name)
        for item in todo:
            state.checkpoint()
            path = str(info[item]["path"])
            found = self._listen(runtime, path, language, state)
            if found is not None:
                library.store.replace_transcript(item, producer, found)
                self.heard.append(item)
                self.segments += len(found)
                if found or self.redo:  # segment items came (or went)
                    state.publish(Changes(texts=True, items=True))
            done = len(self.heard) + len(self.failed)
            state.report(done, len(todo), len(self.failed), message=self.name)
        return Changes(texts=True, items=True) if self.heard else Changes()

    def _todo(self, library: Library, producer: str) -> list[int]:
        """The whole sound items to hear, oldest first."""
        store = library.store
        if self.item_ids is None and not self.redo:
            return store.sounds_unheard(producer, EVERYTHING)
        wanted = store.sound_items(self.item_ids)
        if self.redo:
            return wanted
        unheard = set(store.sounds_unheard(producer, EVERYTHING))
        return [i for i in wanted if i in unheard]

    def _listen(
        self, runtime: Transcriber, path: str, language: str | None, state: TaskState
    ) -> list[TranscriptSegment] | None:
        """The file's segments in seconds from its start; None when it cannot be decoded."""
        from mmdesk.core.media.audio import iter_audio

        rate = int(runtime.spec.sample_rate or RATE)
        found: list[TranscriptSegment] = []
        try:
            chunks = iter_audio(path, rate, CHUNK_S)
            for offset, samples in windows(chunks, self.window_s, rate):
                state.checkpoint()
                heard = _hear(runtime, samples, rate, language)
                found += [_shifted(s, offset) for s in heard]
        except (OSError, MediaError) as exc:
            log.info("%s: not transcribed: %s", path, exc)
            self.failed.append((path, str(exc)))
            return None
        return found


def windows(
    chunks: Iterable[tuple[float, np.ndarray]], window_s: float = WINDOW_S, rate: int = RATE
) -> Iterator[tuple[float, np.ndarray]]:
    """Regroup decoded ``(start s, samples)`` chunks into windows of at most ``window_s``,
    each full one cut at its quietest moment; a jump in time ends a window."""
    size = max(rate, int(window_s * rate))
    parts: list[np.ndarray] = []
    begin, held = 0.0, 0
    for when, samples in chunks:
        if held and abs(when - (begin + held / rate)) > GAP_S:
            yield begin, np.concatenate(parts)
            parts, held = [], 0
        if not held:
            begin = when
        parts.append(samples)
        held += samples.size
        while held >= size:
            joined = np.concatenate(parts)
            cut = quiet_cut(joined[:size], rate)
            yield begin, joined[:cut]
            parts, begin = [joined[cut:]], begin + cut / rate
            held = parts[0].size
    if held:
        yield begin, np.concatenate(parts)


def quiet_cut(samples: np.ndarray, rate: int = RATE) -> int:
    """Where to end a window: the middle of the quietest 0.1 s in its last ``QUIET_S``."""
    frame = rate // 10
    tail = min(samples.size, int(QUIET_S * rate)) // frame * frame
    if tail < frame:
        return int(samples.size)
    energy = np.square(samples[samples.size - tail :]).reshape(-1, frame).mean(axis=1)
    return int(samples.size - tail + int(np.argmin(energy)) * frame + frame // 2)


def _hear(runtime: Transcriber, samples: np.ndarray, rate: int, language: str | None) -> list[Any]:
    """The runtime's segments, with Whisper's confidences when it gives them."""
    timed = getattr(runtime, "transcribe_timed", None)
    if callable(timed):
        return list(timed(samples, rate, language=language))
    return list(runtime.transcribe(samples, rate))


def _shifted(seg: Any, offset: float) -> TranscriptSegment:
    """(start, end, text, meta) in seconds of the file."""
    start, end = round(offset + float(seg.start), 3), round(offset + float(seg.end), 3)
    meta = {
        "start": start,
        "end": end,
        "avg_logprob": getattr(seg, "avg_logprob", None),
        "no_speech_prob": getattr(seg, "no_speech_prob", None),
        "language": getattr(seg, "language", None),
    }
    return (start, end, str(seg.text).strip(), meta)


def transcripts_enricher(library: Library) -> Job | None:
    """The job when transcribing is on, a transcriber is installed and some sound is unheard."""
    if library.store.get_setting(SETTING, "on") == "off":
        return None
    try:
        producer = transcriber_id(library)
    except MmdeskError:
        return None
    if producer is None or not library.store.sounds_unheard(producer, 1):
        return None
    return TranscribeJob(transcriber=producer)


register("transcripts", transcripts_enricher)
