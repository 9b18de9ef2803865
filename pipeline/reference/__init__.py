"""Generator of the country reference tables in ``data/reference/``.

Run once by a developer (``python -m pipeline.reference.build``); it needs pycountry and
hdx-python-country, which the pipeline itself never imports.
"""
