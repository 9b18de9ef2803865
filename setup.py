"""Packaging beyond pyproject.toml: the wheel carries the shipped data and the SQL.

The pipeline reads ``sql/`` and ``data/{reference,geo,curated}`` at run time (and exports cite
``CITATION.cff``); they sit beside the package in a checkout, so a built wheel gets a copy of
them inside the package, under ``pipeline/_shipped/``, where ``pipeline/util/paths.py`` looks
outside a checkout. An editable install reads the checkout itself and gets no copy.
"""

from __future__ import annotations

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

SHIPPED = ("sql", "data/reference", "data/geo", "data/curated")
# copied too: exports cite the atlas from it
SHIPPED_FILES = ("CITATION.cff",)


class BuildWithShippedData(build_py):
    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return
        for folder in SHIPPED:
            target = Path(self.build_lib, "pipeline", "_shipped", folder)
            self.copy_tree(folder, str(target), preserve_mode=False)
        for name in SHIPPED_FILES:
            self.copy_file(name, str(Path(self.build_lib, "pipeline", "_shipped", name)))


setup(cmdclass={"build_py": BuildWithShippedData})
