"""Stage 3, parse: the generic readers every source's ``parse`` uses: delimited files with
physical line numbers (``tabular``), per-row checks in DuckDB (``sql/parse/``), country look-ups
(``lookups``), and what a file says of itself, read leniently to check it against its name
(``content``).

Pure: bytes in, Arrow rows and rejects out; no network, no database file. May import
``pipeline.raw``, ``pipeline.collect``, ``pipeline.reference`` and ``pipeline.util``.
"""
