"""How one trial executes: the executor seam, the forked child, watchdog, deadlock proof.

May import: stress.forms, stress.core.
"""
