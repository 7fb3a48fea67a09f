"""Writing XMP sidecars: what digiKam and Lightroom read, merged into what is there."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from mmdesk.core.library import Library
from mmdesk.core.sidecars.files import sidecar_for

DC = "http://purl.org/dc/elements/1.1/"
LR = "http://ns.adobe.com/lightroom/1.0/"
XMP = "http://ns.adobe.com/xap/1.0/"
MMDESK = "http://ns.mmdesk.local/xmp/1.0/"
DARKTABLE = "http://darktable.sf.net/"


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_tags_and_caption_are_read_back_by_exempi(lib: Library, photos, item_of, exempi) -> None:
    red = photos / "red" / "red-0.png"
    item = item_of(red)
    lib.tag([item], "Family/Grandpa")
    lib.tag([item], "keeper")
    lib.store.add_text(item, "caption", "a red thing", producer="user")
    lib.store.add_text(item, "caption", "probably a tomato", producer="labels")
    before = _digest(red)
    report = lib.write_sidecars([item])
    assert (report.written, report.problems) == (1, [])
    seen = exempi(sidecar_for(str(red)))
    assert sorted(seen.array(DC, "subject")) == ["Grandpa", "keeper"]
    assert sorted(seen.array(LR, "hierarchicalSubject")) == ["Family|Grandpa", "keeper"]
    assert seen.description() == "a red thing"  # the person's caption beats the newer one
    assert _digest(red) == before
    assert [p.name for p in red.parent.iterdir() if p.name.startswith(".")] == []


def test_latest_caption_without_an_edited_one(lib: Library, photos, item_of, exempi) -> None:
    green = photos / "green" / "green-1.png"
    item = item_of(green)
    lib.store.add_text(item, "caption", "an old guess", producer="labels")
    lib.store.add_text(item, "caption", "a green & <leafy> thing", producer="labels")
    lib.write_sidecars([item])
    assert exempi(sidecar_for(str(green))).description() == "a green & <leafy> thing"


def test_whole_library_skips_files_with_nothing_to_say(lib: Library, photos, item_of) -> None:
    lib.tag([item_of(photos / "blue" / "blue-2.png")], "sky")
    report = lib.write_sidecars()
    assert (report.files, report.written, report.skipped) == (9, 1, 8)
    assert sorted(p.name for p in photos.rglob("*.xmp")) == ["blue-2.png.xmp"]
    again = lib.write_sidecars()
    assert (again.written, again.unchanged) == (0, 1)


def test_predicted_tags_go_apart_unless_asked(lib: Library, photos, item_of, exempi) -> None:
    red = photos / "red" / "red-0.png"
    item = item_of(red)
    lib.tag([item], "keeper")
    lib.store.add_label([item], "tomato", source="classifier:toy", score=0.83)
    lib.write_sidecars([item])
    seen = exempi(sidecar_for(str(red)))
    assert seen.array(DC, "subject") == ["keeper"]
    assert seen.prop(MMDESK, "predicted[1]/mmdesk:name") == "tomato"
    assert float(seen.prop(MMDESK, "predicted[1]/mmdesk:score") or 0) == 0.83
    lib.write_sidecars([item], predicted=True)
    assert sorted(exempi(sidecar_for(str(red))).array(DC, "subject")) == ["keeper", "tomato"]


FOREIGN = """<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/" x:xmptk="XMP Core 4.4.0-Exiv2">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about="" xmlns:xmp="http://ns.adobe.com/xap/1.0/"
    xmlns:darktable="http://darktable.sf.net/" xmp:Rating="5" darktable:history_end="3">
   <darktable:history>
    <rdf:Seq><rdf:li darktable:operation="exposure"/></rdf:Seq>
   </darktable:history>
  </rdf:Description>
  <rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/">
   <dc:subject><rdf:Bag><rdf:li>Holiday</rdf:li></rdf:Bag></dc:subject>
   <dc:description>
    <rdf:Alt>
     <rdf:li xml:lang="x-default">a thing</rdf:li>
     <rdf:li xml:lang="de">ein Ding</rdf:li>
     <rdf:li xml:lang="fr">une chose</rdf:li>
    </rdf:Alt>
   </dc:description>
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>"""


def test_merge_keeps_other_tools_fields(lib: Library, photos, item_of, exempi) -> None:
    red = photos / "red" / "red-0.png"
    item = item_of(red)
    Path(sidecar_for(str(red))).write_text(FOREIGN, encoding="utf-8")
    lib.tag([item], "Family/Grandpa")
    lib.store.add_text(item, "caption", "a red thing", producer="user")
    assert lib.write_sidecars([item]).written == 1
    seen = exempi(sidecar_for(str(red)))
    assert seen.prop(XMP, "Rating") == "5"
    assert seen.prop(DARKTABLE, "history_end") == "3"
    assert seen.prop(DARKTABLE, "history[1]/darktable:operation") == "exposure"
    assert sorted(seen.array(DC, "subject")) == ["Grandpa", "Holiday"]
    assert seen.description() == "a red thing"
    assert seen.meta.get_localized_text(DC, "description", "de", "de") == "ein Ding"
    assert seen.meta.get_localized_text(DC, "description", "fr", "fr") == "une chose"


def test_a_language_that_was_the_default_follows_it(tmp_path: Path, exempi, exempi_writer):
    from mmdesk.core.sidecars.xmp import XmpDoc

    foreign = exempi_writer()
    foreign.set_localized_text(DC, "description", "de", "de", "ein rotes Ding")  # also x-default
    doc = XmpDoc.parse(foreign.serialize_to_str().encode())
    doc.set_alt_default(DC, "description", "a red thing")
    seen = exempi(doc.to_bytes())
    assert seen.description() == "a red thing"
    assert seen.meta.get_localized_text(DC, "description", "de", "de") == "a red thing"


def test_tags_taken_off_or_refused_leave_the_sidecar_but_others_stay(
    lib: Library, photos, item_of, exempi, exempi_writer
) -> None:
    red = photos / "red" / "red-0.png"
    item = item_of(red)
    foreign = exempi_writer()
    foreign.append_array_item(DC, "subject", "Holiday", {"prop_array_is_unordered": True})
    Path(sidecar_for(str(red))).write_text(foreign.serialize_to_str(), encoding="utf-8")
    lib.tag([item], "Family/Grandpa")
    lib.tag([item], "keeper")
    lib.write_sidecars([item])
    lib.untag([item], "keeper")
    lib.store.add_label([item], "Holiday", source="not")
    lib.write_sidecars([item])
    seen = exempi(sidecar_for(str(red)))
    assert seen.array(DC, "subject") == ["Grandpa"]
    assert seen.array(LR, "hierarchicalSubject") == ["Family|Grandpa"]


def test_a_broken_sidecar_is_reported_and_left_alone(lib: Library, photos, item_of) -> None:
    red = photos / "red" / "red-0.png"
    lib.tag([item_of(red)], "keeper")
    broken = Path(sidecar_for(str(red)))
    broken.write_bytes(b"<x:xmpmeta><rdf:RDF>not closed")
    report = lib.write_sidecars([item_of(red)])
    assert report.written == 0 and len(report.problems) == 1
    assert "not valid XMP" in report.problems[0]["error"]
    assert broken.read_bytes() == b"<x:xmpmeta><rdf:RDF>not closed"


def test_a_dtd_is_refused(lib: Library, photos, item_of) -> None:
    red = photos / "red" / "red-0.png"
    lib.tag([item_of(red)], "keeper")
    bomb = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><x:xmpmeta/>'
    Path(sidecar_for(str(red))).write_bytes(bomb)
    report = lib.write_sidecars([item_of(red)])
    assert "DTD" in report.problems[0]["error"]


def test_odd_file_names(settings, tmp_path: Path, exempi) -> None:
    from mmdesk_testing import make_photo

    root = tmp_path / "odd"
    names = [os.fsdecode(b"caf\xe9.png"), 'quote\'s "and" <angle> & amp.png', "naïve ☃.png"]
    for n, name in enumerate(names):
        make_photo(Path(os.path.join(str(root), name)), "red", seed=n)
    with Library(settings) as lib:
        lib.index([root])
        for name in names:
            item = lib.item_for_path(os.path.join(str(root), name))
            assert item is not None, ascii(name)
            lib.tag([item], "odd/name")
        report = lib.write_sidecars()
    assert (report.written, report.problems) == (3, [])
    for name in names:
        sidecar = os.path.join(str(root), name) + ".xmp"
        assert os.fsencode(sidecar).endswith(os.fsencode(name) + b".xmp")
        assert exempi(sidecar).array(LR, "hierarchicalSubject") == ["odd|name"]


def test_the_job_reports_progress_and_stops_when_cancelled(lib: Library, photos, item_of):
    from mmdesk.core.sidecars.jobs import WriteSidecarsJob
    from mmdesk.core.tasks import TaskState

    lib.tag([item_of(photos / "red" / "red-0.png")], "keeper")
    seen = []
    lib.run(WriteSidecarsJob(), TaskState(on_progress=seen.append))
    assert [(p.done, p.total) for p in seen][-1] == (9, 9)
    state = TaskState()
    state.cancel()
    job = WriteSidecarsJob()
    lib.run(job, state)
    assert job.report.cancelled and job.report.files == 0
