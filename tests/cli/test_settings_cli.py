"""``mmdesk settings``: list, read, set (checked) and reset the library's settings, and an
index run samples video frames as the settings say."""

from __future__ import annotations

import json

import pytest

from mmdesk.cli import main
from mmdesk.core.indexing.jobs import decoders_for
from mmdesk.core.library import Library


def test_settings_are_listed_set_checked_and_reset(
    settings, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["settings", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert listed["video.max_gap"] == "10" and listed["transcripts"] == "on"
    assert main(["settings", "video.max_gap", "4"]) == 0
    assert main(["settings", "transcripts", "no"]) == 0
    capsys.readouterr()
    assert main(["settings", "video.sensitivity", "7"]) == 1
    assert "choose a number from 0 to 1" in capsys.readouterr().err
    assert main(["settings", "transcripts", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {"transcripts": "off"}
    with Library(settings) as lib:
        video = decoders_for(lib)["video"]
        assert video.sampling.max_gap_s == 4.0  # type: ignore[attr-defined]
    assert main(["settings", "--reset", "video.max_gap"]) == 0
    with Library(settings) as lib:
        assert decoders_for(lib) == {}
