"""Plugins: manifests, discovery, the ONNX session factory and the encoder runtimes."""
