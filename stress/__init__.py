"""A stress harness for thread-pool pipelines (CONTRACT.md sections 1, 3 and 4)."""
