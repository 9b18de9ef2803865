"""Stage 2, raw: the immutable store of fetched and imported bytes under ``data/raw/``.

One job per module: ``names`` (safe file names), ``manifest`` (the records beside the files),
``versions`` (which stored file is loaded), ``store`` (the writer), ``intake`` (checks on a
user's file), ``report`` (``make raw``, retire and restore). It is given each source's rules
(``RawRules``) by its caller and never asks the source registry. May import ``pipeline.collect``
(redaction), ``pipeline.reference`` and ``pipeline.util``.
"""
