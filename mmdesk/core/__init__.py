"""The Qt-free domain: media decoding, scanning, indexing, search, tags."""
