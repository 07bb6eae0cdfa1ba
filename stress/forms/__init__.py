"""Target forms: the protocol (protocol.py), the generalised and the fixed form, the workload.

May import: stress.core.
"""
