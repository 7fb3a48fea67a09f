"""``mmdesk people`` and ``mmdesk faces`` on an indexed library."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mmdesk.cli import main
from mmdesk.config import Settings


def people_json(capsys: pytest.CaptureFixture[str]) -> list[dict[str, object]]:
    capsys.readouterr()
    assert main(["people", "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_people_list_name_photos_merge_split(
    face_settings: Settings, face_photos: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    found = people_json(capsys)
    assert len(found) == 4 and all(p["name"] is None for p in found)  # Eileen, + 3 in the group
    eileen = next(p for p in found if p["photos"] == 2 and p["faces"] == 2)
    assert main(["people", "name", str(eileen["id"]), "Eileen"]) == 0
    assert capsys.readouterr().out.strip() == f"person {eileen['id']} is Eileen"
    assert main(["people", "photos", str(eileen["id"]), "--json"]) == 0
    photos = {Path(r["path"]).name for r in json.loads(capsys.readouterr().out)}
    assert photos == {"astronaut.png", "astronaut-again.jpg"}
    others = [p["id"] for p in people_json(capsys) if p["id"] != eileen["id"]]
    assert main(["people", "merge", str(others[0]), str(others[1])]) == 0
    assert len(people_json(capsys)) == 3
    assert main(["people", "split", str(others[0]), "999999"]) == 1
    assert "not faces of person" in capsys.readouterr().err


def test_faces_command_and_settings_off(
    face_settings: Settings, face_photos: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["faces", str(face_photos["group"]), "--json"]) == 0
    [row] = json.loads(capsys.readouterr().out)
    assert len(row["faces"]) == 3 and len(row["faces"][0]["box"]) == 4
    assert main(["settings", "faces", "off"]) == 0
    capsys.readouterr()
    assert people_json(capsys) == []
    assert main(["faces"]) == 1
    assert "turned off" in capsys.readouterr().err
