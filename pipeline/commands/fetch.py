"""`python -m pipeline fetch SOURCE [--from PATH]`: get raw files, then check them.

Either copies files the user downloaded by hand (``--from``) or fetches live through the polite
session; both only write to the raw store. The saved files are then parsed from disk into
staging (never from the network), so the user sees at once what the next ``make db`` will load
and what it will reject, and the build does not parse them again.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path

from pipeline.build import staging
from pipeline.build.overlaps import USER_SOURCE, user_overlaps
from pipeline.build.summary import counted_reject_lines
from pipeline.raw import report
from pipeline.raw.intake import IntakeError, check_path
from pipeline.raw.manifest import ManifestError
from pipeline.raw.store import RawStore
from pipeline.raw.versions import NO_RULES
from pipeline.reference.countries import country_index
from pipeline.sources import Spec, loaded_sources, spec_for
from pipeline.sources.contract import ParseContext, SourceContext, SourceError
from pipeline.util import paths
from pipeline.util.progress import progress


def _report(
    spec: Spec, saved: list[Path], before: set[Path], out: Callable[[str], None]
) -> dict[Path, str]:
    """Parse and stage the saved files, telling what each gives; the files that give nothing
    to load, with why."""
    index = country_index()
    root = staging.staging_dir()
    wanted = set(saved)
    records = ok = rejected = 0
    staged_files = []
    quarantined: dict[Path, str] = {}
    # the saved files as the build will load them (for some sources, one dataset per file);
    # each is reported on, also one that a version stored before supersedes (no identity rule)
    loaded, refused = loaded_sources(spec, paths.raw_dir(), NO_RULES)
    for reject in refused:
        if any(path.name == reject.location for path in wanted):
            out(f"  {reject.location}: {reject.reason}")
    work = [(part, raw) for part, files in loaded for raw in files if raw.path in wanted]
    for part, raw in progress(work, desc=f"parse {spec.source_id}", unit="file"):
        ctx = ParseContext(part.meta, index)
        parser_key = staging.fingerprint(part, paths.reference_dir())
        staged = staging.stage(part, raw, ctx, parser_key, root)
        if staged.healed:
            out(f"  {staged.healed}")
        state = "new" if raw.path not in before else "already present"
        out(
            f"  {raw.path} ({state}): {staged.records_in} records, {staged.records_ok} usable, "
            f"{staged.records_rejected} rejected"
        )
        records += staged.records_in
        ok += staged.records_ok
        rejected += staged.records_rejected
        staged_files.append(staged)
        why = staging.nothing_usable(staged, root)
        if why is not None:
            quarantined[raw.path] = why
            out(f"  quarantined, nothing to load: {raw.name}: {why}")
        for note in staged.notes:
            out(f"  {note}")
    out(f"parsed {records} records: {ok} usable, {rejected} rejected")
    for line in counted_reject_lines(staging.counted_rejects(staged_files, root)):
        out(line)
    return quarantined


def run_fetch(
    source_id: str,
    from_path: Path | None,
    max_pages: int | None,
    out: Callable[[str], None] = print,
) -> int:
    """Import or fetch one source into the raw store, then report on the saved files."""
    try:
        spec = spec_for(source_id)
    except KeyError as err:
        print(f"error: {err.args[0]}", file=sys.stderr)
        return 2
    store = RawStore(spec.source_id, root=paths.raw_dir(), rules=spec.rules)
    before = set(store.loaded_files())
    ctx = SourceContext(
        store=store,
        meta=spec.meta,
        countries=country_index(),
        max_pages=max_pages,
        state_dir=paths.state_dir(),
        session_options=spec.module.SESSION_OPTIONS,
    )
    try:
        if from_path is not None:
            check_path(from_path)
            saved = spec.module.import_files(Path(from_path), ctx)
        else:
            saved = spec.module.fetch(ctx)
    except (SourceError, IntakeError, ManifestError) as err:
        print(f"error: {ctx.redact(str(err))}", file=sys.stderr)
        return 1
    except Exception as err:
        from pipeline.collect.errors import HttpError

        if not isinstance(err, HttpError):
            raise
        print(
            f"error: {ctx.redact(str(err))}\nthe files saved before the failure are kept; run "
            "the same command again later to continue",
            file=sys.stderr,
        )
        return 1
    finally:
        ctx.close()
    files = list(dict.fromkeys(saved))
    new = {p for p in files if p not in before}
    out(
        f"{spec.source_id}: {len(new)} new file(s) saved, "
        f"{len(files) - len(new)} already present, in {store.root / store.source_id}"
    )
    try:
        quarantined = _report(spec, files, before, out) if files else {}
    except staging.StagingError as err:
        print(
            f"error: {err}\nthe files are stored in the raw store: `make db` parses them once "
            "the staging folder can be written",
            file=sys.stderr,
        )
        return 1
    for line in report.summary_lines(
        store.root, [store.source_id], {spec.source_id: spec.rules}, quarantined
    ):
        out(line)
    if spec.source_id == USER_SOURCE:
        overlaps, ids = user_overlaps(store.root)
        for line in report.overlaps_listing(overlaps, ids):
            out(line)
    out("next: `make maps` builds the database with these files and draws the maps")
    return 0


def from_environment() -> Path | None:
    """``FROM`` as the Makefile passes it (an environment variable, never a shell word)."""
    value = os.environ.get("FROM")
    return paths.user_path(value) if value else None
