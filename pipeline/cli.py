"""Command line: ``python -m pipeline <command>``; the Makefile targets call these."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

from pipeline.reference.countries import DEFAULT_SCHEME
from pipeline.util import paths

_WRITE_FAILURES = ("Could not write", "No space left", "File too large", "Disk quota")


def _cmd_db(args: argparse.Namespace) -> int:
    import duckdb

    from pipeline.build.run import BuildError, build_database
    from pipeline.build.swap import SwapError
    from pipeline.raw import report as raw_report
    from pipeline.sources import raw_rules

    target = Path(args.db) if args.db else paths.db_path()
    try:
        report = build_database(target)
    except (BuildError, SwapError) as err:
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
    for line in raw_report.summary_lines(rules=raw_rules()):
        print(line)
    print(f"wrote {report.db_path}")
    return 0


def _connect_read_only(db: str | None):  # type: ignore[no-untyped-def]
    import duckdb

    path = Path(db) if db else paths.db_path()
    if not path.exists():
        raise SystemExit(f"error: no database at {path}; build it first with `make db`")
    return duckdb.connect(str(path), read_only=True)


def _cmd_maps(args: argparse.Namespace) -> int:
    from pipeline.render import render_all

    con = _connect_read_only(args.db)
    out_dir = Path(args.out) if args.out else paths.maps_dir()
    out_dir.mkdir(parents=True, exist_ok=True)
    render_all(
        con, out_dir, scheme=args.scheme, top_n=args.top_n, routes=args.routes, lon_0=args.centre
    )
    for path in sorted(out_dir.glob("*.*")):
        if path.suffix in (".html", ".svg", ".png"):
            print(f"wrote {path} ({path.stat().st_size / 1024:,.0f} KB)")
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
        print(run_query(con, text, max_rows=args.max_rows, values=values, output=output.lower()))
    except duckdb.Error as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    return 0


def _cmd_fetch(args: argparse.Namespace) -> int:
    from pipeline.commands.fetch import run_fetch

    source = _from_env(args.source, "SOURCE")
    from_path = _from_env(args.from_path, "FROM")
    pages = _from_env(args.max_pages, "MAX_PAGES")
    if source is None:
        print(
            "usage: make fetch SOURCE=<oli|remotework|freelancer|csv> [FROM=<path>]",
            file=sys.stderr,
        )
        return 2
    max_pages = None
    if pages is not None:
        if not (pages.isascii() and pages.strip().isdigit() and int(pages) > 0):
            print(f"error: MAX_PAGES must be a whole number above 0: {pages!r}", file=sys.stderr)
            return 2
        max_pages = int(pages)
    return run_fetch(source, Path(from_path) if from_path is not None else None, max_pages)


def _cmd_raw(args: argparse.Namespace) -> int:
    from pipeline.raw import report
    from pipeline.sources import raw_rules

    retire = _from_env(args.retire, "RETIRE")
    restore = _from_env(args.restore, "RESTORE")
    try:
        if retire is not None:
            item = report.retire(retire, rules=raw_rules())
            print(f"retired {item.path}: kept in data/raw, no longer loaded (`make db` to rebuild)")
        if restore is not None:
            item = report.restore(restore, rules=raw_rules())
            print(f"restored {item.path}: loaded again if it is the newest version")
    except ValueError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    for line in report.listing(rules=raw_rules()):
        print(line)
    from pipeline.build.overlaps import user_overlaps

    overlaps, ids = user_overlaps()
    for line in report.overlaps_listing(overlaps, ids):
        print(line)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m pipeline", description=__doc__)
    parser.add_argument("-v", "--verbose", action="store_true", help="log each step")
    sub = parser.add_subparsers(dest="command", required=True)

    db = sub.add_parser("db", help="rebuild the database from reference, curated and raw data")
    db.add_argument("--db", help="database file (default data/atlas.duckdb or $ATLAS_DB)")
    db.set_defaults(func=_cmd_db)

    maps = sub.add_parser("maps", help="write the HTML maps from the database")
    maps.add_argument("--db", help="database file (default data/atlas.duckdb or $ATLAS_DB)")
    maps.add_argument("--out", help="output folder (default maps/ or $ATLAS_MAPS)")
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
    maps.set_defaults(func=_cmd_maps)

    query = sub.add_parser("query", help="run sql/queries/<name>.sql or a SQL statement")
    query.add_argument(
        "query", nargs="?", help="a query name (see sql/queries/) or SQL text (default: $Q)"
    )
    query.add_argument("--db", help="database file (default data/atlas.duckdb or $ATLAS_DB)")
    query.add_argument("--max-rows", type=int, default=100, help="rows printed as a table")
    query.add_argument("--country", help="country code or name for $country (default $COUNTRY)")
    query.add_argument("--format", help="table or csv (default $FORMAT, else table)")
    query.set_defaults(func=_cmd_query)

    fetch = sub.add_parser("fetch", help="fetch one source live, or import files given with --from")
    fetch.add_argument(
        "source", nargs="?", help="source id: oli, remotework, freelancer, csv (default: $SOURCE)"
    )
    fetch.add_argument(
        "--from", dest="from_path", help="a file or folder downloaded by hand (default: $FROM)"
    )
    fetch.add_argument("--max-pages", default=None, help="page cap for scrapers ($MAX_PAGES)")
    fetch.set_defaults(func=_cmd_fetch)

    raw = sub.add_parser("raw", help="list the raw files, their versions and status")
    raw.add_argument("--retire", help="a raw file's path or id to set aside (default: $RETIRE)")
    raw.add_argument("--restore", help="a retired file's path or id to load again ($RESTORE)")
    raw.set_defaults(func=_cmd_raw)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
