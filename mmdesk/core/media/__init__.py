"""Media decoding: one decoder per media type, streamed content hashes, image decoding."""

from mmdesk.core.media.audio import (
    SOUND_RATE,
    AudioDecoder,
    AudioInfo,
    iter_audio,
    load_audio,
    probe_audio,
    resample,
    sound_excerpt,
    waveform_image,
)
from mmdesk.core.media.decoders import DECODERS, Decoder, MediaStream, Segment, decoder_for
from mmdesk.core.media.hashing import content_hash, hash_file, read_regular
from mmdesk.core.media.image import MAX_PIXELS, DecodedImage, decode_image, read_image_file, to_rgb
from mmdesk.core.media.pictures import item_picture
from mmdesk.core.media.video import Sampling, VideoDecoder, frame_at

__all__ = [
    "DECODERS",
    "MAX_PIXELS",
    "SOUND_RATE",
    "AudioDecoder",
    "AudioInfo",
    "DecodedImage",
    "Decoder",
    "MediaStream",
    "Sampling",
    "Segment",
    "VideoDecoder",
    "content_hash",
    "decode_image",
    "decoder_for",
    "frame_at",
    "hash_file",
    "iter_audio",
    "item_picture",
    "load_audio",
    "probe_audio",
    "read_image_file",
    "read_regular",
    "resample",
    "sound_excerpt",
    "to_rgb",
    "waveform_image",
]
