"""Old import path of the manifest-driven image preprocessing; it lives in ``runtimes`` now."""

from mmdesk.plugins.runtimes.preprocess import preprocess_image

__all__ = ["preprocess_image"]
