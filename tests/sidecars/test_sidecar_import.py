"""Reading XMP keywords in: from sidecars and from the packet inside JPEG, PNG and TIFF files."""

from __future__ import annotations

from pathlib import Path

from PIL import Image, PngImagePlugin

from mmdesk.config import Settings
from mmdesk.core.library import Library
from mmdesk.core.sidecars.files import sidecar_for

PACKET = """<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/"
    xmlns:lr="http://ns.adobe.com/lightroom/1.0/">
   <dc:subject><rdf:Bag>{subjects}</rdf:Bag></dc:subject>
   <lr:hierarchicalSubject><rdf:Bag>{paths}</rdf:Bag></lr:hierarchicalSubject>
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>"""


def packet(subjects: list[str], paths: list[str] = []) -> bytes:  # noqa: B006 (never changed)
    def items(values: list[str]) -> str:
        return "".join(f"<rdf:li>{v}</rdf:li>" for v in values)

    return PACKET.format(subjects=items(subjects), paths=items(paths)).encode()


def user_tags(lib: Library, path: Path) -> list[str]:
    item = lib.item_for_path(path)
    assert item is not None
    return sorted(t["name"] for t in lib.labels_for(item) if t["source"] == "user")


def embedded_photos(root: Path, xmp: bytes) -> list[Path]:
    """A JPEG (APP1), a PNG (iTXt) and a TIFF (tag 700), each carrying ``xmp``."""
    image = Image.new("RGB", (40, 30), (200, 30, 30))
    jpeg, png, tiff = root / "a.jpg", root / "b.png", root / "c.tif"
    root.mkdir(parents=True)
    image.save(jpeg, xmp=xmp)
    info = PngImagePlugin.PngInfo()
    info.add_itxt("XML:com.adobe.xmp", xmp.decode(), zip=True)
    image.save(png, pnginfo=info)
    image.save(tiff, tiffinfo={700: xmp})
    return [jpeg, png, tiff]


def test_embedded_keywords_become_labels(settings: Settings, tmp_path: Path, exempi) -> None:
    xmp = packet(["Beach", "Family", "Grandpa"], ["Family|Grandpa"])
    files = embedded_photos(tmp_path / "emb", xmp)
    with Library(settings) as lib:
        lib.index([tmp_path / "emb"])
        report, changes = lib.read_keywords()
        assert (report.files, report.read, report.problems) == (3, 3, [])
        assert report.keywords == 6 and report.labelled == 6
        assert changes.tags and len(changes.labels) == 3
        for path in files:
            assert user_tags(lib, path) == ["Beach", "Family/Grandpa"]
        again, changes = lib.read_keywords()
        assert again.labelled == 0 and not changes


def test_the_jpeg_built_here_is_real_xmp(tmp_path: Path, libxmp) -> None:
    """Exempi's file handler finds the packet Pillow put in the JPEG (so the test is fair)."""
    jpeg = embedded_photos(tmp_path / "emb", packet(["Beach"]))[0]
    files = libxmp.XMPFiles(file_path=str(jpeg))
    meta = files.get_xmp()
    files.close_file()
    assert meta.get_array_item("http://purl.org/dc/elements/1.1/", "subject", 1) == "Beach"


def test_sidecars_of_both_namings_are_read(lib: Library, photos: Path) -> None:
    red, green = photos / "red" / "red-0.png", photos / "green" / "green-1.png"
    Path(sidecar_for(str(red))).write_bytes(packet(["keeper"]))
    (green.parent / "green-1.xmp").write_bytes(packet(["Trip"], ["Places|Rome"]))
    report, _ = lib.read_keywords([red, green.parent])
    assert (report.files, report.read, report.labelled) == (4, 2, 3)
    assert user_tags(lib, red) == ["keeper"]
    assert user_tags(lib, green) == ["Places/Rome", "Trip"]


def test_a_person_saying_not_wins(lib: Library, photos: Path) -> None:
    red = photos / "red" / "red-0.png"
    item = lib.item_for_path(red)
    assert item is not None
    lib.store.add_label([item], "keeper", source="not")
    Path(sidecar_for(str(red))).write_bytes(packet(["keeper"]))
    report, _ = lib.read_keywords([red])
    assert report.labelled == 0 and user_tags(lib, red) == []


def test_unknown_paths_and_broken_packets_are_problems(lib: Library, photos: Path) -> None:
    red = photos / "red" / "red-0.png"
    Path(sidecar_for(str(red))).write_bytes(b"<x:xmpmeta><rdf:RDF>")
    report, _ = lib.read_keywords([red, photos / "nowhere.png"])
    errors = sorted(p["error"].split(" (")[0] for p in report.problems)
    assert errors == ["not in the library", "not valid XMP"]


def test_export_then_import_gives_the_tags_back(lib: Library, photos: Path) -> None:
    red = photos / "red" / "red-0.png"
    item = lib.item_for_path(red)
    assert item is not None
    lib.tag([item], "Family/Grandpa")
    lib.tag([item], "keeper")
    lib.write_sidecars([item])
    lib.untag([item], "Family/Grandpa")
    lib.untag([item], "keeper")
    report, _ = lib.read_keywords([red])
    assert report.labelled == 2
    assert user_tags(lib, red) == ["Family/Grandpa", "keeper"]
