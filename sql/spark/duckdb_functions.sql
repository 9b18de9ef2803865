-- DuckDB functions Spark SQL does not have, as macros that Spark runs inlined (plan.yaml lists
-- this file under macros). DuckDB never reads this file.
-- isfinite: not NaN and not infinite; null stays null, as in DuckDB.
create macro isfinite(x) as not isnan(x) and abs(x) <> cast('Infinity' as double);
