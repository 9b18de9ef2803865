"""Microwork Atlas: who buys online microwork, who does it, and how it flows."""

__version__ = "0.1.0"
