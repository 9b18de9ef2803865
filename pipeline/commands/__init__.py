"""The verbs the Makefile and ``atlas`` run that join several stages: ``fetch`` (collect a
source, then stage its files) and ``query`` (saved or ad hoc SQL on the database).

May import every stage; only ``pipeline.cli`` imports it.
"""
