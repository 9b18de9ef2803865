"""The country reference: reading ``data/reference/`` (``countries``: codes, names, aliases,
North/South schemes) and ``data/geo/`` (``geo``: boundaries), and the generator of those tables.

The generator is run by a developer (``python -m pipeline.reference.build``); it needs pycountry
and hdx-python-country, which the pipeline itself never imports. May import only
``pipeline.util``.
"""
