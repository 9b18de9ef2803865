"""Commands that never hold a pandas object run without importing pandas.

pyarrow imports pandas the first time it turns Python values into an array (``pa.array`` of a
list), only to ask whether they are pandas objects; the import is about a third of an empty
``make db``. ``db`` and ``fetch`` hold Python lists, Arrow tables and DuckDB results, never a
DataFrame, so for them pandas is reported as not installed, which pyarrow and DuckDB accept
(pandas is optional to both). A step that did need pandas would fail with an ImportError that
says so, rather than pass unnoticed.
"""

from __future__ import annotations

import importlib.abc
import sys
from collections.abc import Sequence
from importlib.machinery import ModuleSpec
from types import ModuleType


class _RefusePandas(importlib.abc.MetaPathFinder):
    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None,
        target: ModuleType | None = None,
    ) -> ModuleSpec | None:
        if fullname == "pandas" or fullname.startswith("pandas."):
            raise ImportError(f"{fullname} is not used by this command", name=fullname)
        return None


def refuse_pandas() -> None:
    """From now on, in this process, ``import pandas`` fails (unless it is imported already)."""
    if "pandas" not in sys.modules and not any(
        isinstance(finder, _RefusePandas) for finder in sys.meta_path
    ):
        sys.meta_path.insert(0, _RefusePandas())
