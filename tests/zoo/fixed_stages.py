"""Stage functions shared by several fixed pipelines, imported by name elsewhere.

``fetch`` stands for a download (faked: it builds the page), ``parse`` for parsing
it.  ``expected`` is what a correct pipeline returns for one item.
"""

from __future__ import annotations


def fetch(url: object) -> str:
    return f"<html><title>{url}</title></html>"


def parse(page: str) -> int:
    start = page.index("<title>") + len("<title>")
    return len(page[start : page.index("</title>")]) * 1000 + len(page)


def expected(url: object) -> int:
    return parse(fetch(url))
