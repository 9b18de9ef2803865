"""The out__ SQL on Apache Spark: DuckDB SQL transpiled by sqlglot, run by pyspark.

``transpile`` turns the project's DuckDB SQL into Spark SQL (macros inlined); ``plan`` reads
which inputs and SQL folders to run (plan.yaml); ``run`` exports the inputs from DuckDB and
builds the tables with a Spark session (local mode, or a cluster by its master URL).
"""
