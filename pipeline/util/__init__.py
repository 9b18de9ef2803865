"""Small helpers every stage may use: paths, atomic writes, archives, progress, memory.

Imports nothing else of the pipeline.
"""
