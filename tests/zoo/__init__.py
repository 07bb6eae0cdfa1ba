"""Pipelines written the way users write them, to test the harness (not the project).

Each module has ``pipeline(items, stages, workers)``, ``EXPECTED``: the categories the
harness may rightly report (empty for a correct pipeline), and ``OPTIONS``: ``check``
keywords that keep the search on the defect the module is about.  Module docstrings say
the defect in one line.
"""
