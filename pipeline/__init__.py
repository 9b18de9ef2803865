"""Microwork Atlas: who buys online microwork, who does it, and how it flows."""

# The one version number: the package metadata (pyproject.toml reads it), `atlas --version`,
# CITATION.cff and CHANGELOG.md carry it.
__version__ = "0.2.0"
