"""The training dialog runs a job to the end and shows its metrics, cancel stops it at any
point, the loss chart keeps its points, and the preview shows predictions apart from tags."""

from __future__ import annotations

import pytest
from helpers import FakeJob, index_folder, open_window, search, wait_for
from PySide6.QtCore import Qt
from PySide6.QtGui import QFont

from mmdesk.gui.loss_chart import LossChart, parse_losses
from mmdesk.gui.tasks import TaskRunner
from mmdesk.gui.training import TrainingDialog
from mmdesk.gui.training_run import CANCELLED, DONE

pytestmark = pytest.mark.gui
COUNTS = {
    "sky": {"positives": 5, "negatives": 4, "predicted": 0},
    "rare": {"positives": 1, "negatives": 0, "predicted": 0},
}


@pytest.fixture()
def runner(settings):
    runner = TaskRunner(settings)
    yield runner
    runner.shutdown()


def _dialog(qtbot, runner, make_job, counts=COUNTS) -> TrainingDialog:
    dialog = TrainingDialog(runner, counts, "cpu", make_job)
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def test_losses_are_read_from_tolerant_progress_messages():
    assert parse_losses("loss 0.1234 val 0.2345") == (0.1234, 0.2345)
    assert parse_losses("loss 0.5") == (0.5, None)
    assert parse_losses("train_loss=0.12, val_loss=0.2") == (0.12, 0.2)
    assert parse_losses("epoch 3: loss: 1e-3") == (0.001, None)
    assert parse_losses("warming up") == (None, None)


def test_the_loss_chart_keeps_its_points_and_redraws(qtbot):
    chart = LossChart()
    qtbot.addWidget(chart)
    chart.resize(400, 220)
    empty = chart.grab().toImage()
    for epoch in range(1, 6):
        chart.add_point(epoch, 1 / epoch, 1.1 / epoch)
    assert [x for x, _ in chart.train] == [1, 2, 3, 4, 5] and len(chart.val) == 5
    assert chart.grab().toImage() != empty
    chart.add_point(6, None, 0.2)  # a point with only a validation loss
    assert len(chart.train) == 5 and chart.val[-1] == (6, 0.2)
    chart.clear(10)
    assert chart.train == chart.val == [] and chart.total_epochs == 10


def test_the_loss_chart_spans_the_epochs_that_ran_once_training_ends(qtbot):
    chart = LossChart()
    qtbot.addWidget(chart)
    chart.clear(200)  # the budget; a small data set stops after 20
    for epoch in range(1, 21):
        chart.add_point(epoch, 1 / epoch)
    assert chart._ranges().x_max == 200
    chart.fit_to_points()
    assert chart._ranges().x_max == 20


def test_tags_with_too_few_labels_are_marked_and_not_offered(qtbot, runner):
    dialog = _dialog(qtbot, runner, FakeJob)
    assert dialog.chosen_tags() == ["sky"]
    rare = dialog.tags.item(0)
    assert "too few" in rare.text() and not rare.flags() & Qt.ItemFlag.ItemIsUserCheckable
    assert "5 yes · 4 no" in dialog.tags.item(1).text()


def test_a_training_runs_to_the_end_and_shows_its_metrics(qtbot, runner):
    jobs: list[FakeJob] = []
    dialog = _dialog(qtbot, runner, lambda tags, device: jobs.append(FakeJob(tags)) or jobs[-1])
    with qtbot.waitSignal(dialog.run.ended, timeout=10_000) as ended:
        qtbot.mouseClick(dialog.buttons["Start"], Qt.MouseButton.LeftButton)
    assert ended.args[0] == DONE and jobs[0].tags == ["sky"]
    assert len(dialog.chart.train) == len(dialog.chart.val) == 5
    assert dialog.chart.train[-1] == (5, 0.2)
    assert dialog.results.table.rowCount() == 1
    assert dialog.results.table.item(0, 3).text() == "0.889"
    assert "0.950" in dialog.results.summary.text() and "0.900" in dialog.results.summary.text()
    assert dialog.results.modalities.rowCount() == 2
    assert dialog.buttons["Review…"].isEnabled() and not dialog.buttons["Cancel"].isEnabled()
    with qtbot.waitSignal(dialog.review_requested) as review:
        qtbot.mouseClick(dialog.buttons["Review…"], Qt.MouseButton.LeftButton)
    assert review.args == ["sky"]


def test_cancel_stops_a_training_and_the_dialog_says_so(qtbot, runner):
    job = FakeJob(["sky"], epochs=2_000, pause_s=0.005)
    dialog = _dialog(qtbot, runner, lambda tags, device: job)
    dialog.run.progressed.connect(lambda p: p.done == 3 and dialog.cancel())
    with qtbot.waitSignal(dialog.run.ended, timeout=10_000) as ended:
        dialog.start()
    assert ended.args[0] == CANCELLED and 3 <= job.ran < 2_000
    assert "cancelled" in dialog.status.text() and dialog.buttons["Start"].isEnabled()
    assert dialog.results.table.rowCount() == 0 and not runner.busy


def test_cancel_before_the_job_starts_stops_it_too(qtbot, runner):
    job = FakeJob(["sky"])
    dialog = _dialog(qtbot, runner, lambda tags, device: job)
    with qtbot.waitSignal(dialog.run.ended, timeout=10_000) as ended:
        dialog.start()
        dialog.cancel()
    assert ended.args[0] == CANCELLED and job.ran == 0


def _labelled_window(qtbot, settings, photos):
    """A window over the toy photos with red ones tagged and the others marked not red."""
    window = open_window(qtbot, settings)
    index_folder(qtbot, window, photos)
    search(qtbot, window, "red")
    ids = {r.item_id: r.path for r in window.library.browse()}
    red = [i for i, p in ids.items() if "/red/" in p]
    window.library.tag(red, "red")
    window.library.tag_not([i for i in ids if i not in red], "red")
    return window


def test_the_real_training_runs_from_the_window_and_shows_metrics(qtbot, settings, photos):
    pytest.importorskip("torch")
    train = pytest.importorskip("mmdesk.train.job", reason="mmdesk.train is not there yet")
    from mmdesk.train.training import TrainConfig

    window = _labelled_window(qtbot, settings, photos)
    window.make_train_job = lambda tags, device: train.TrainJob(
        tags, config=TrainConfig(device="cpu", epochs=8, folds=2, patience=4)
    )
    dialog = window.show_training()
    assert dialog.chosen_tags() == ["red"] and "3 yes · 6 no" in dialog.tags.item(0).text()
    with qtbot.waitSignal(dialog.run.ended, timeout=120_000) as ended:
        dialog.start()
    assert ended.args[0] == DONE, dialog.status.text()
    assert dialog.chart.train and dialog.results.table.rowCount() == 1
    assert dialog.results.table.item(0, 0).text() == "red"


def test_predicted_tags_show_apart_from_confirmed_ones(qtbot, settings, photos):
    window = _labelled_window(qtbot, settings, photos)
    first = window.model.result(0)
    window.library.store.add_label([first.item_id], "sky", source="classifier:fake", score=0.81)
    window.library.tag_not([first.item_id], "grass")
    window.view.setCurrentIndex(window.model.index(0))
    rows = {window.preview.tags.item(i).text(): i for i in range(window.preview.tags.count())}
    assert set(rows) == {"red", "sky  · predicted 0.81", "not grass"}
    font = window.preview.tags.item(rows["sky  · predicted 0.81"]).font()
    assert font.italic() and not window.preview.tags.item(rows["red"]).font().italic()
    assert window.preview.tags.item(rows["not grass"]).font().strikeOut()
    assert isinstance(font, QFont)
    window.preview.tags.setCurrentRow(rows["sky  · predicted 0.81"])
    with qtbot.waitSignal(window.library_changed, timeout=10_000):
        qtbot.mouseClick(window.preview.tag_area.yes, Qt.MouseButton.LeftButton)
    sky = [lb for lb in window.library.labels_for(first.item_id) if lb["name"] == "sky"]
    assert [lb["source"] for lb in sky] == ["user"]
    wait_for(qtbot, lambda: window.preview.tags.findItems("sky", Qt.MatchFlag.MatchExactly))
