"""Command line: ``python -m pipeline <command>``; the Makefile targets call these."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

from pipeline import paths


def _cmd_db(args: argparse.Namespace) -> int:
    from pipeline.load import BuildError, build_database

    try:
        report = build_database(Path(args.db) if args.db else None)
    except BuildError as err:
        print(f"error: {err}", file=sys.stderr)
        print("the previous database, if any, was left as it was", file=sys.stderr)
        return 1
    for line in report.lines():
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
    for path in render_all(con, out_dir, scheme=args.scheme, top_n=args.top_n):
        size_kb = path.stat().st_size / 1024
        print(f"wrote {path} ({size_kb:,.0f} KB)")
    return 0


def _cmd_query(args: argparse.Namespace) -> int:
    import duckdb

    from pipeline.query import run_query, saved_queries

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
    from pipeline.fetch import run_fetch

    return run_fetch(args.source, Path(args.from_path) if args.from_path else None, args.max_pages)


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
    maps.add_argument("--scheme", default="un_m49_developed", help="North/South scheme")
    maps.add_argument("--top-n", type=int, default=200, help="flows drawn per layer")
    maps.set_defaults(func=_cmd_maps)

    query = sub.add_parser("query", help="run sql/queries/<name>.sql or a SQL statement")
    query.add_argument(
        "query", nargs="?", help="a query name (see sql/queries/) or SQL text (default $Q)"
    )
    query.add_argument("--db", help="database file (default data/atlas.duckdb or $ATLAS_DB)")
    query.add_argument("--max-rows", type=int, default=100, help="rows printed as a table")
    query.add_argument("--country", help="country code or name for $country (default $COUNTRY)")
    query.add_argument("--format", help="table or csv (default $FORMAT, else table)")
    query.set_defaults(func=_cmd_query)

    fetch = sub.add_parser("fetch", help="fetch one source live, or import files given with --from")
    fetch.add_argument("source", help="source id: oli, remotework, freelancer, csv")
    fetch.add_argument("--from", dest="from_path", help="a file or folder downloaded by hand")
    fetch.add_argument("--max-pages", type=int, default=None, help="page cap for scrapers")
    fetch.set_defaults(func=_cmd_fetch)
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
