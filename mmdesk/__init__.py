"""mmdesk: search and tag your own photos, audio and video by meaning, on your own machine."""

__version__ = "0.1.0"
