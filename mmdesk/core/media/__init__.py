"""Media decoding: one decoder per media type, streamed content hashes, image decoding."""

from mmdesk.core.media.decoders import DECODERS, Decoder, MediaStream, Segment, decoder_for
from mmdesk.core.media.hashing import content_hash, hash_file, read_regular
from mmdesk.core.media.image import MAX_PIXELS, DecodedImage, decode_image, read_image_file, to_rgb

__all__ = [
    "DECODERS",
    "MAX_PIXELS",
    "DecodedImage",
    "Decoder",
    "MediaStream",
    "Segment",
    "content_hash",
    "decode_image",
    "decoder_for",
    "hash_file",
    "read_image_file",
    "read_regular",
    "to_rgb",
]
