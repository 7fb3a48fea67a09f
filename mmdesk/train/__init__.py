"""Learning a person's own tags: a fusion classifier over frozen embeddings.

torch lives here only, and is imported by the commands that train (``mmdesk train``, the GUI's
training dialog). The trained classifier leaves this package as an ONNX classifier plugin, so
predicting tags at index time needs no torch. Modules: ``data`` (what the library says),
``model`` (the network), ``training`` (cross-validation and the final fit), ``export_onnx``,
``plugin`` (the plugin folder) and ``job`` (the core Job the front ends run).
"""
