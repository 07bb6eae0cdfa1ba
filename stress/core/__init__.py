"""Shared types and the oracle: configurations, errors, records, verdicts, the strategy draw.

May import: nothing of stress outside stress.core.
"""
