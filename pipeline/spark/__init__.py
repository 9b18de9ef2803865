"""The atlas built by Apache Spark from the raw files: DuckDB SQL transpiled by sqlglot.

``parse`` has the executors parse the raw files with the sources' own parsers and writes the
staged tables; ``transpile`` turns the project's DuckDB SQL into Spark SQL (macros inlined);
``plan`` reads which tables, macros and SQL folders to run (plan.yaml); ``run`` makes the small
tables on the driver and builds the core__ and out__ tables with a Spark session (local mode,
or a cluster by its master URL).
"""
