"""Recommended models for mmdesk (open_clip for pictures, CLAP for sounds), with figures a
person can check.

Retrieval figures are copied from open_clip's benchmark table and nowhere else; a model without
a published figure there has ``None`` rather than a number from memory. Parameter counts come
from the same table or, for MobileCLIP (absent from it), from counting the architecture's
parameters in open_clip 3.3.0.
"""

from __future__ import annotations

from dataclasses import dataclass

RETRIEVAL_SOURCE = (
    "open_clip docs/openclip_retrieval_results.csv, github.com/mlfoundations/open_clip "
    "(commit f862f86), columns 'Flickr image retr. R@1' and 'MSCOCO image retr. R@1'"
)
COUNTED = "counted from the open_clip 3.3.0 architecture (no published retrieval figure found)"


@dataclass(frozen=True)
class CatalogueEntry:
    """One recommended export.

    Attributes:
        arch: open_clip architecture name (``--arch``).
        pretrained: open_clip pretrained tag (``--pretrained``).
        params_m: Parameters of both towers, millions.
        embed_dim: Length of the vectors the plugin produces.
        image_size: Side of the square image input.
        flickr_t2i_r1: Flickr30k text-to-image recall@1 in percent, or None if unpublished.
        coco_t2i_r1: MSCOCO text-to-image recall@1 in percent, or None if unpublished.
        source: Where the figures come from.
        note: One line for the model picker.
    """

    arch: str
    pretrained: str
    params_m: float
    embed_dim: int
    image_size: int
    flickr_t2i_r1: float | None
    coco_t2i_r1: float | None
    source: str
    note: str

    @property
    def fp32_mb(self) -> float:
        """Approximate size of the fp32 plugin (4 bytes per parameter)."""
        return round(self.params_m * 4, 0)


_ENTRIES = [
    CatalogueEntry(
        "MobileCLIP-S1",
        "datacompdr",
        84.97,
        512,
        256,
        None,
        None,
        COUNTED,
        "smallest and fastest; good for laptops without a GPU",
    ),
    CatalogueEntry(
        "MobileCLIP-S2",
        "datacompdr",
        99.24,
        512,
        256,
        None,
        None,
        COUNTED,
        "small and fast, a little more accurate than S1",
    ),
    CatalogueEntry(
        "ViT-B-32",
        "laion2b_s34b_b79k",
        151.28,
        512,
        224,
        66.8,
        39.3,
        RETRIEVAL_SOURCE,
        "the classic fast CLIP; a safe default",
    ),
    CatalogueEntry(
        "ViT-B-16",
        "laion2b_s34b_b88k",
        149.62,
        512,
        224,
        69.8,
        42.3,
        RETRIEVAL_SOURCE,
        "same size as B-32, about 3x the compute, more accurate",
    ),
    CatalogueEntry(
        "ViT-B-16-SigLIP",
        "webli",
        203.16,
        768,
        224,
        74.7,
        47.8,
        RETRIEVAL_SOURCE,
        "best accuracy for its size; English only",
    ),
    CatalogueEntry(
        "ViT-L-14",
        "laion2b_s32b_b82k",
        427.62,
        768,
        224,
        75.5,
        46.5,
        RETRIEVAL_SOURCE,
        "large and slow on CPU; for a GPU",
    ),
]


def catalogue() -> list[CatalogueEntry]:
    """The recommended models, smallest first."""
    return sorted(_ENTRIES, key=lambda e: e.params_m)


def find(arch: str, pretrained: str | None) -> CatalogueEntry | None:
    """The catalogue entry for an export, if it is one of the recommended models."""
    return next((e for e in _ENTRIES if (e.arch, e.pretrained) == (arch, pretrained)), None)


@dataclass(frozen=True)
class ClapEntry:
    """One recommended CLAP export (``mmdesk models export clap --hf MODEL``).

    Attributes:
        model: Hugging Face model id.
        note: One line for the model picker; no figures, as none are copied from a table here.
    """

    model: str
    note: str


_CLAP = [
    ClapEntry(
        "laion/clap-htsat-unfused",
        "sounds by words: LAION's general-audio CLAP (HTSAT-tiny audio, RoBERTa text), "
        "10 s windows; the one to try first",
    ),
    ClapEntry(
        "laion/larger_clap_general",
        "larger unfused CLAP (HTSAT-base audio), later LAION training on general sound; "
        "slower, for a GPU or patient CPU indexing",
    ),
]


def clap_catalogue() -> list[ClapEntry]:
    """The recommended CLAP models for sound search, first choice first."""
    return list(_CLAP)
