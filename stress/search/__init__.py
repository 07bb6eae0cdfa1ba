"""The search over trials: the budget-driven loop with its re-runs, and shrinking.

May import: stress.trial, stress.forms, stress.core.
"""
