"""Stage 4, build: ``data/atlas.duckdb`` from the raw store, the curated data and ``sql/``.

``staging`` parses each raw file once into Parquet; ``run`` is the build (reference tables,
staging views, ``int__``, estimates, ``core__``, ``out__``, the SQL tests, quarantine); ``sqlfiles``
runs the SQL layers; ``estimate`` fits flows to published marginals; ``swap`` replaces the
database only when the new one is complete; ``overlaps`` reads which rows the overlap rules of
``sql/int`` replaced. May import every stage below it (sources, parse, raw, collect,
reference, util), never render or commands.
"""
