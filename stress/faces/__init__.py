"""What users touch: the command line, the Python API, the pytest plugin, the report text.

May import: stress.search, stress.trial, stress.forms, stress.core.
"""
