"""Command line: ``python -m pipeline <command>``, or ``atlas <command>`` once installed; the
Makefile targets call these. ``--home DIR`` (or ``ATLAS_HOME``) puts what the atlas makes in DIR:
the database and raw files under DIR/data, the maps in DIR/maps, exports in DIR/exports."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

from pipeline import __version__
from pipeline.reference.countries import DEFAULT_SCHEME
from pipeline.util import paths
from pipeline.util.without_pandas import refuse_pandas

_WRITE_FAILURES = ("Could not write", "No space left", "File too large", "Disk quota")


def _cmd_db(args: argparse.Namespace) -> int:
    refuse_pandas()
    return _build(args.db)


def _build(db: str | None) -> int:
    import duckdb

    from pipeline.build.run import BuildError, build_database
    from pipeline.build.staging import StagingError
    from pipeline.build.swap import SwapError
    from pipeline.raw import report as raw_report
    from pipeline.sources import raw_rules

    target = Path(db) if db else paths.db_path()
    try:
        report = build_database(target)
    except (BuildError, SwapError, StagingError) as err:
        print(f"error: {err}", file=sys.stderr)
        print("the previous database, if any, was left as it was", file=sys.stderr)
        return 1
    except (OSError, duckdb.Error) as err:
        # A full disk or a file size limit is a fault of the machine, not of the data; DuckDB
        # reports it with whichever exception the failed write happened in.
        if isinstance(err, duckdb.Error) and not any(m in str(err) for m in _WRITE_FAILURES):
            raise
        print(f"error: could not write the new database beside {target}: {err}", file=sys.stderr)
        print("the previous database, if any, was left as it was", file=sys.stderr)
        return 1
    for line in report.lines():
        print(line)
    for line in raw_report.summary_lines(rules=raw_rules(), quarantined=report.quarantined_files()):
        print(line)
    print(f"wrote {report.db_path}")
    return 0


def _cmd_spark(args: argparse.Namespace) -> int:
    from pipeline.spark.__main__ import main as spark_main

    given = {"--raw": args.raw, "--staging": args.staging, "--out": args.out}
    given["--master"] = args.master
    return spark_main([part for flag, value in given.items() if value for part in (flag, value)])


def _damaged(path: Path, err: Exception) -> SystemExit:
    """Why the database cannot be read, and what to do: close the program holding it, or build
    it again."""
    if "lock" in str(err).lower():
        return SystemExit(
            f"error: {path} is open for writing in another program ({str(err)[:200]}): close "
            "it (a notebook?) and run this again"
        )
    return SystemExit(
        f"error: {path} cannot be read as a DuckDB database ({str(err)[:200]}): it is damaged "
        "or is not one; build it again with `make db` (from data/raw and the shipped data)"
    )


def _connect_read_only(db: str | None):  # type: ignore[no-untyped-def]
    from pipeline.commands.database import DatabaseUnavailable, open_read_only

    try:
        return open_read_only(db)
    except DatabaseUnavailable as err:
        raise SystemExit(f"error: {err}") from None


def _cmd_maps(args: argparse.Namespace) -> int:
    import duckdb

    from pipeline.render import render_all
    from pipeline.util import atomic

    if not args.no_build:
        print("==> building the database")
        built = _build(args.db)
        if built != 0:
            return built
        print("==> writing maps")
    con = _connect_read_only(args.db)
    out_dir = Path(args.out) if args.out else paths.maps_dir()
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        render_all(
            con,
            out_dir,
            scheme=args.scheme,
            top_n=args.top_n,
            routes=args.routes,
            lon_0=args.centre,
            print_versions=args.print_versions,
        )
    except OSError as err:
        if not atomic.is_write_failure(err):
            raise
        print(
            f"error: {atomic.write_failure(err, out_dir, 'the maps', 'ATLAS_MAPS')}",
            file=sys.stderr,
        )
        print(
            "each map is replaced only once written whole: those written before kept their new "
            "version, the others their old one",
            file=sys.stderr,
        )
        return 1
    except (duckdb.IOException, duckdb.SerializationException) as err:
        # a database that opens but whose blocks cannot be read
        raise _damaged(Path(args.db) if args.db else paths.db_path(), err) from None
    printed = (".svg", ".png")
    drawn = (".html", *printed) if args.print_versions else (".html",)
    for path in sorted(out_dir.glob("*.*")):
        if path.suffix in drawn:
            print(f"wrote {path} ({path.stat().st_size / 1024:,.0f} KB)")
    kept = [] if args.print_versions else sorted(out_dir.glob("*.*"))
    earlier = [p.name for p in kept if p.suffix in printed]
    if earlier:
        # a figure of older data must not pass for one of these maps
        print(
            f"note: {', '.join(earlier)} in {out_dir} are print versions of an earlier run, "
            "not of these maps; `make print` (or `maps --print`) redraws them"
        )
    print(f"==> open {out_dir / 'index.html'} in a browser")
    return 0


def _from_env(value: str | None, name: str) -> str | None:
    """An argument not given on the command line is read from the environment variable that
    `make` passes (make exports its command-line variables; no value goes through a shell)."""
    if value is not None:
        return value
    return os.environ.get(name) or None


def _cmd_query(args: argparse.Namespace) -> int:
    import duckdb

    from pipeline.commands.query import run_query, saved_queries

    # make passes Q, COUNTRY and FORMAT through the environment, never through a shell string
    text = args.query or os.environ.get("Q")
    if not text:
        print("usage: make query Q=<name in sql/queries or SQL text> [COUNTRY=…] [FORMAT=csv]")
        print("saved queries: " + ", ".join(saved_queries()))
        return 2
    con = _connect_read_only(args.db)
    values = {"country": args.country or os.environ.get("COUNTRY")}
    output = args.format or os.environ.get("FORMAT") or "table"
    try:
        shown = run_query(con, text, max_rows=args.max_rows, values=values, output=output.lower())
        # CSV ends its own lines (CRLF); a table does not
        print(shown, end="" if output.lower() == "csv" else "\n")
    except duckdb.Error as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    return 0


def _cmd_fetch(args: argparse.Namespace) -> int:
    refuse_pandas()
    from pipeline.commands.fetch import run_fetch

    source = _from_env(args.source, "SOURCE")
    from_path = _from_env(args.from_path, "FROM")
    pages = _from_env(args.max_pages, "MAX_PAGES")
    if source is None:
        print(
            "usage: make fetch SOURCE=<oli|remotework|freelancer|csv|shares> [FROM=<path>]",
            file=sys.stderr,
        )
        return 2
    max_pages = None
    if pages is not None:
        if not (pages.isascii() and pages.strip().isdigit() and int(pages) > 0):
            print(f"error: MAX_PAGES must be a whole number above 0: {pages!r}", file=sys.stderr)
            return 2
        max_pages = int(pages)
    return run_fetch(
        source, paths.user_path(from_path) if from_path is not None else None, max_pages
    )


def _cmd_export(args: argparse.Namespace) -> int:
    from pipeline.commands.export import ChoiceError, export, summary

    fmt = _from_env(args.format, "FORMAT")
    source = _from_env(args.source, "SOURCE")
    year_text = _from_env(args.year, "YEAR")
    out = _from_env(args.out, "OUT")
    if fmt is None:
        print(
            "usage: make export FORMAT=<geojson|geoparquet|csv> [SOURCE=<id>] [YEAR=<year>]",
            file=sys.stderr,
        )
        return 2
    year = None
    if year_text is not None:
        if not (year_text.isascii() and year_text.strip().isdigit()):
            print(f"error: YEAR must be a year such as 2016, not {year_text!r}", file=sys.stderr)
            return 2
        year = int(year_text)
    con = _connect_read_only(args.db)
    try:
        written = export(con, fmt, paths.user_path(out) if out else None, source, year, args.scheme)
    except ChoiceError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    for line in summary(written):
        print(line)
    return 0


def _cmd_raw(args: argparse.Namespace) -> int:
    from pipeline.raw import report
    from pipeline.sources import raw_rules

    retire = _from_env(args.retire, "RETIRE")
    restore = _from_env(args.restore, "RESTORE")
    try:
        if retire is not None:
            item = report.retire(retire, rules=raw_rules())
            print(f"retired {item.path}: kept in data/raw, no longer loaded (`make maps` rebuilds)")
        if restore is not None:
            item = report.restore(restore, rules=raw_rules())
            print(f"restored {item.path}: loaded again if it is the newest version")
    except ValueError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    for line in report.listing(rules=raw_rules(), quarantined=_quarantined_by_parse()):
        print(line)
    from pipeline.build.overlaps import user_overlaps

    overlaps, ids = user_overlaps()
    for line in report.overlaps_listing(overlaps, ids):
        print(line)
    return 0


def _quarantined_by_parse() -> dict[Path, str]:
    """The current raw files whose last parse left nothing to load (read from the staging)."""
    from pipeline.build import staging
    from pipeline.raw.versions import raw_files
    from pipeline.sources import fetchable

    files = [
        (spec, raw)
        for spec in fetchable().values()
        for raw in raw_files(spec.source_id, paths.raw_dir(), spec.rules)
    ]
    return staging.quarantined_by_parse(files, paths.reference_dir(), staging.staging_dir())


def build_parser(prog: str = "python -m pipeline") -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=prog, description=__doc__)
    parser.add_argument("--version", action="version", version=f"Microwork Atlas {__version__}")
    home_help = (
        "folder for what the atlas makes: DIR/data (database, raw files), DIR/maps, "
        "DIR/exports (default: $ATLAS_HOME, else the checkout, else the current folder)"
    )
    parser.add_argument("--home", metavar="DIR", help=home_help)
    parser.add_argument("-v", "--verbose", action="store_true", help="log each step")
    # ... and after the command too: a value given there wins, none leaves the one before
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--home", metavar="DIR", default=argparse.SUPPRESS, help=home_help)
    common.add_argument(
        "-v", "--verbose", action="store_true", default=argparse.SUPPRESS, help="log each step"
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="command")
    db_help = "database file (default data/atlas.duckdb under the home, or $ATLAS_DB)"

    maps = sub.add_parser(
        "maps",
        parents=[common],
        help="build the database, then write the maps (maps/index.html and the others)",
    )
    maps.add_argument("--db", help=db_help)
    maps.add_argument("--out", help="output folder (default maps/ or $ATLAS_MAPS)")
    maps.add_argument(
        "--no-build", action="store_true", help="draw from the database as it is, do not build"
    )
    maps.add_argument("--scheme", default=DEFAULT_SCHEME, help="North/South scheme")
    maps.add_argument("--top-n", type=int, default=100, help="largest flows drawn per view")
    maps.add_argument(
        "--routes",
        choices=["curved", "great-circle"],
        default="curved",
        help="flow geometry: symmetric curves (default) or great circles",
    )
    maps.add_argument(
        "--centre", type=float, default=11.0, help="central longitude (150 for Asia-Pacific)"
    )
    maps.add_argument(
        "--print",
        dest="print_versions",
        action="store_true",
        help="also write the print versions for papers (maps/*.svg and 300-dpi maps/*.png)",
    )
    maps.set_defaults(func=_cmd_maps)

    db = sub.add_parser(
        "db", parents=[common], help="rebuild the database from reference, curated and raw data"
    )
    db.add_argument("--db", help=db_help)
    db.set_defaults(func=_cmd_db)

    fetch = sub.add_parser(
        "fetch",
        parents=[common],
        help="fetch one source live, or import files given with --from",
    )
    fetch.add_argument(
        "source", nargs="?", help="source id: oli, remotework, freelancer, csv (default: $SOURCE)"
    )
    fetch.add_argument(
        "--from", dest="from_path", help="a file or folder downloaded by hand (default: $FROM)"
    )
    fetch.add_argument("--max-pages", default=None, help="page cap for scrapers ($MAX_PAGES)")
    fetch.set_defaults(func=_cmd_fetch)

    query = sub.add_parser(
        "query", parents=[common], help="run sql/queries/<name>.sql or a SQL statement"
    )
    query.add_argument(
        "query", nargs="?", help="a query name (see sql/queries/) or SQL text (default: $Q)"
    )
    query.add_argument("--db", help=db_help)
    query.add_argument("--max-rows", type=int, default=100, help="rows printed as a table")
    query.add_argument("--country", help="country code or name for $country (default $COUNTRY)")
    query.add_argument("--format", help="table or csv (default $FORMAT, else table)")
    query.set_defaults(func=_cmd_query)

    export = sub.add_parser(
        "export",
        parents=[common],
        help="flow lines, country points and polygons as GeoJSON, GeoParquet or CSV",
    )
    export.add_argument("format", nargs="?", help="geojson, geoparquet or csv (default: $FORMAT)")
    export.add_argument("--source", help="only this source id (default: $SOURCE, else all)")
    export.add_argument("--year", help="only this year (default: $YEAR, else all)")
    export.add_argument("--scheme", default=DEFAULT_SCHEME, help="North/South scheme")
    export.add_argument("--out", help="output folder (default: $OUT, else exports/)")
    export.add_argument("--db", help=db_help)
    export.set_defaults(func=_cmd_export)

    raw = sub.add_parser(
        "raw", parents=[common], help="list the raw files, their versions and status"
    )
    raw.add_argument(
        "--retire", help="a raw file's path, name or id to set aside (default: $RETIRE)"
    )
    raw.add_argument("--restore", help="a retired file's path, name or id ($RESTORE)")
    raw.set_defaults(func=_cmd_raw)

    spark = sub.add_parser(
        "spark",
        parents=[common],
        help="the core__ and out__ tables built by Apache Spark from the raw files "
        "(pip install 'microwork-atlas[spark]'; Java)",
    )
    spark.add_argument("--raw", help="the raw store to parse (default data/raw or $ATLAS_RAW)")
    spark.add_argument("--staging", help="where Spark writes the staged tables")
    spark.add_argument("--out", help="where the built tables go")
    spark.add_argument("--master", help="Spark master URL (default $SPARK_MASTER or local[*])")
    spark.set_defaults(func=_cmd_spark)
    return parser


def main(argv: list[str] | None = None) -> int:
    invoked = Path(sys.argv[0]).name
    args = build_parser("atlas" if invoked == "atlas" else "python -m pipeline").parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    if args.home:
        # read by pipeline.util.paths whenever a path is asked for, from here on
        os.environ["ATLAS_HOME"] = str(Path(args.home).expanduser().absolute())
    # OpenBLAS starts a spinning thread per core when numpy is first imported (by the command,
    # after this line): a tenth of the CPU of an empty `make db`, for the estimator's matrices
    # of a few hundred countries a side, far too small to gain from threads. A value the user
    # set is kept.
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
