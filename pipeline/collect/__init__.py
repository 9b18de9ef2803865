"""Stage 1, collect: the polite HTTP session (pacing, robots.txt, retries, block pages)
and the redaction of secrets.

It fetches and hands back bytes; it never stores them (sources save through
``SourceContext.save``). May import only ``pipeline.reference`` and ``pipeline.util``.
"""
