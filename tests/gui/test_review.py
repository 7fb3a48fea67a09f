"""The review view: Y confirms, N rejects, Space skips, each moving on; the two lists; Retrain in
one click and by itself after N new labels. Candidates are real predictions in the store."""

from __future__ import annotations

import pytest
from helpers import FakeJob, index_folder, open_window, wait_for
from PySide6.QtCore import Qt

from mmdesk.gui.training_run import DONE

pytestmark = pytest.mark.gui
SCORES = [0.95, 0.9, 0.62, 0.55, 0.3]


def _window_with_predictions(qtbot, settings, photos):
    """Toy photos: the red ones tagged "warm", five others predicted "warm" with SCORES."""
    window = open_window(qtbot, settings)
    index_folder(qtbot, window, photos)
    items = sorted((r.path, r.item_id) for r in window.library.browse())
    red = [i for p, i in items if "/red/" in p]
    others = [i for p, i in items if "/red/" not in p][: len(SCORES)]
    window.library.tag(red, "warm")
    for item_id, score in zip(others, SCORES, strict=True):
        window.library.store.add_label([item_id], "warm", source="classifier:fake", score=score)
    return window, others


def _open(qtbot, window, jobs: list[FakeJob] | None = None):
    if jobs is not None:
        window.make_train_job = lambda tags, device: jobs.append(FakeJob(tags)) or jobs[-1]
    view = window.show_review("warm")
    wait_for(qtbot, lambda: view.model.rowCount() == len(SCORES))
    return view


def _sources(window, item_id: int) -> list[str]:
    return [lb["source"] for lb in window.library.labels_for(item_id) if lb["name"] == "warm"]


def test_keys_turn_candidates_into_labels_and_move_on(qtbot, settings, photos):
    window, others = _window_with_predictions(qtbot, settings, photos)
    view = _open(qtbot, window)
    assert [r.score for r in view.model.results()] == pytest.approx(SCORES)
    assert view.current().item_id == others[0]
    with qtbot.waitSignal(view.labelled, timeout=10_000) as yes:
        qtbot.keyClick(view.grid, Qt.Key.Key_Y)
    assert yes.args == [others[0]] and _sources(window, others[0]) == ["user"]
    assert view.current().item_id == others[1] and view.model.rowCount() == 4
    with qtbot.waitSignal(view.labelled, timeout=10_000) as no:
        qtbot.keyClick(view.grid, Qt.Key.Key_N)
    assert no.args == [others[1]] and _sources(window, others[1]) == ["not"]
    qtbot.keyClick(view.grid, Qt.Key.Key_Space)  # skip: no label, the next one
    assert view.current().item_id == others[3] and _sources(window, others[2]) == ["predicted"]
    qtbot.keyClick(view.grid, Qt.Key.Key_Left)  # arrows move
    assert view.current().item_id == others[2]
    assert "5 new labels since training" in view.controls.counts.text()  # 3 tags, 2 answers


def test_the_uncertain_list_puts_scores_near_the_threshold_first(qtbot, settings, photos):
    window, others = _window_with_predictions(qtbot, settings, photos)
    view = _open(qtbot, window)
    with qtbot.waitSignal(window.runner.reader.finished_job, timeout=10_000):
        view.controls.kinds.setCurrentIndex(1)
    wait_for(qtbot, lambda: view.kind == "uncertain" and view.current() is not None)
    assert view.current().item_id == others[3]  # 0.55 is nearest the default 0.5


def test_retrain_is_one_click_and_reloads_the_candidates(qtbot, settings, photos):
    window, _ = _window_with_predictions(qtbot, settings, photos)
    jobs: list[FakeJob] = []
    view = _open(qtbot, window, jobs)
    with qtbot.waitSignal(view.retraining.ended, timeout=10_000) as ended:
        qtbot.mouseClick(view.controls.retrain, Qt.MouseButton.LeftButton)
    assert ended.args[0] == DONE and jobs[0].tags == ["warm"] and jobs[0].ran == 5
    assert view.controls.retrain.text() == "Retrain"


def test_retraining_starts_by_itself_after_n_new_labels(qtbot, settings, photos):
    window, _ = _window_with_predictions(qtbot, settings, photos)
    jobs: list[FakeJob] = []
    view = _open(qtbot, window, jobs)
    assert view.since_training == 3  # the red photos tagged, no classifier yet
    view.controls.after.setValue(5)
    view.controls.auto.setChecked(True)
    assert window.qsettings.value("review/retrain_after") in (5, "5")
    with qtbot.waitSignal(view.labelled, timeout=10_000):
        qtbot.keyClick(view.grid, Qt.Key.Key_Y)
    assert not jobs
    with qtbot.waitSignal(view.retraining.ended, timeout=10_000):
        qtbot.keyClick(view.grid, Qt.Key.Key_N)
    assert len(jobs) == 1 and jobs[0].tags == ["warm"]


def test_bulk_labels_from_the_selection(qtbot, settings, photos):
    window, others = _window_with_predictions(qtbot, settings, photos)
    wait_for(qtbot, lambda: window.model.rowCount() == 9)
    window.view.selectAll()
    with qtbot.waitSignal(window.library_changed, timeout=10_000):
        window.label_selected("indoor", "not")
    ids = [r.item_id for r in window.model.results()]
    assert all(
        [lb["source"] for lb in window.library.labels_for(i) if lb["name"] == "indoor"] == ["not"]
        for i in ids
    )
    assert "Marked as not 9 items “indoor”" in window.message.text()
