"""The settings a library keeps in its database, with what each means and which values it
takes: one table for ``mmdesk settings`` and the desktop app's settings dialog, so both
validate the same way and a typo is an error, never a silently ignored key."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from mmdesk.errors import MmdeskError
from mmdesk.store import Store


@dataclass(frozen=True)
class LibrarySetting:
    key: str
    default: str
    help: str
    check: Callable[[str], str]


def _switch(value: str) -> str:
    lowered = value.strip().lower()
    if lowered in ("on", "yes", "true", "1"):
        return "on"
    if lowered in ("off", "no", "false", "0"):
        return "off"
    raise ValueError("say on or off")


def _number(low: float, high: float) -> Callable[[str], str]:
    def check(value: str) -> str:
        number = float(value)
        if not low <= number <= high:
            raise ValueError(f"choose a number from {low:g} to {high:g}")
        return f"{number:g}"

    return check


def _word(value: str) -> str:
    if not value.strip() or " " in value.strip():
        raise ValueError("one word, e.g. en")
    return value.strip()


def _one_of(*choices: str) -> Callable[[str], str]:
    def check(value: str) -> str:
        if value.strip().lower() not in choices:
            raise ValueError(f"choose {' or '.join(choices)}")
        return value.strip().lower()

    return check


def _milvus_uri(value: str) -> str:
    """A Milvus server address or a milvus-lite file (``.db``); empty: a file beside the
    library."""
    uri = value.strip()
    if uri and not (re.match(r"^(https?|tcp|unix)://\S+$", uri) or uri.endswith(".db")):
        raise ValueError("a server (http://host:19530) or a milvus-lite file ending in .db")
    return uri


SETTINGS: dict[str, LibrarySetting] = {
    s.key: s
    for s in (
        LibrarySetting("ocr", "on", "read the text in new pictures while indexing", _switch),
        LibrarySetting("captions.new", "on", "caption new pictures while indexing", _switch),
        LibrarySetting(
            "faces", "on", "find and group faces in pictures (off deletes every face)", _switch
        ),
        LibrarySetting("transcripts", "on", "transcribe speech in new sounds and videos", _switch),
        LibrarySetting(
            "transcripts.language", "", "language spoken (empty: the model's own)", _word
        ),
        LibrarySetting(
            "video.max_gap",
            "10",
            "seconds: a frame at least this often in a shot that does not change",
            _number(1.0, 600.0),
        ),
        LibrarySetting(
            "video.sensitivity",
            "0.5",
            "0..1: how small a change of picture starts a new moment (higher: more frames)",
            _number(0.0, 1.0),
        ),
        LibrarySetting(
            "vector.backend",
            "local",
            "where vectors are searched: local (this machine) or milvus (a shared server)",
            _one_of("local", "milvus"),
        ),
        LibrarySetting(
            "vector.milvus_uri",
            "",
            "the Milvus server (http://host:19530) or milvus-lite file (empty: beside the library)",
            _milvus_uri,
        ),
    )
}


def get_setting(store: Store, key: str) -> str:
    """A library setting's value (its default when unset)."""
    setting = _known(key)
    value = store.get_setting(key)
    return setting.default if value in (None, "") else str(value)


def set_setting(store: Store, key: str, value: str | None) -> str:
    """Set (``None``: reset) a library setting after checking the value; returns it."""
    setting = _known(key)
    if value is None:
        store.set_setting(key, None)
        return setting.default
    try:
        checked = setting.check(value)
    except ValueError as exc:
        raise MmdeskError(f"{key}={value!r}: {exc}") from None
    store.set_setting(key, checked)
    if key == "faces" and checked == "off":
        store.delete_all_faces()  # off means gone: no face data is kept
    return checked


def _known(key: str) -> LibrarySetting:
    if key not in SETTINGS:
        raise MmdeskError(f"unknown setting {key!r}: choose from {', '.join(SETTINGS)}")
    return SETTINGS[key]
