"""CSV cells that a spreadsheet opens as text, never as a formula.

Excel, LibreOffice and Google Sheets run a cell that starts with ``=``, ``+``, ``-`` or ``@``
as a formula (``=HYPERLINK(…)``, ``@SUM(1+1)*cmd|…``), and some strip a leading tab or carriage
return first. As OWASP's "CSV Injection" page recommends, such a cell is written with a single
quote in front, which the spreadsheet shows as text. A real number (``-4``, ``-0.25``,
``1e-05``) is left as it is: a negative number stays a number. The maps' CSV downloads apply the
same rule in JavaScript (``Atlas.csv`` in ``pipeline/render/js/atlas.js``).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# what the page's JavaScript also takes for a number: optional minus, digits, an optional
# fraction and exponent; nothing else (no "+", no spaces, no thousands separators)
_NUMBER = re.compile(r"-?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?")


def safe_cell(value: object) -> object:
    """``value`` as a CSV cell: text that a spreadsheet would run gets a leading ``'``."""
    if value is None:
        return value
    text = str(value)
    if text.startswith(FORMULA_START) and not _NUMBER.fullmatch(text):
        return "'" + text
    return value


def write_csv(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """The header and rows as CSV text, every cell made safe. Lines end in CRLF (RFC 4180, as
    the maps' downloads): the csv module then quotes a cell holding a carriage return or a line
    feed, which would otherwise split its row."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([safe_cell(name) for name in header])
    writer.writerows([safe_cell(cell) for cell in row] for row in rows)
    return out.getvalue()
