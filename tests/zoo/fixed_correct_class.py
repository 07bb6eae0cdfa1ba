"""Correct: a class whose methods are the stages, a pool per stage, futures chained.

Each item's second stage is submitted when its first finishes; the caller waits on
every future and re-raises the first error; both pools are shut down on every path.
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

EXPECTED: frozenset[str] = frozenset()
PATCH = (
    "tests.zoo.fixed_correct_class:Catalog.lookup",
    "tests.zoo.fixed_correct_class:Catalog.price",
)
EXPECT = "tests.zoo.fixed_correct_class:expected"


def expected(sku: Any) -> str:
    return f"{sku}:{len(str(sku)) * 3}"


class Catalog:
    def lookup(self, sku: Any) -> tuple[Any, int]:
        return sku, len(str(sku))

    def price(self, entry: tuple[Any, int]) -> str:
        sku, size = entry
        return f"{sku}:{size * 3}"

    def run(self, skus: list[Any]) -> list[str]:
        lookups = ThreadPoolExecutor(3, thread_name_prefix="lookup")
        prices = ThreadPoolExecutor(2, thread_name_prefix="price")
        try:
            firsts = [lookups.submit(self.lookup, sku) for sku in skus]
            seconds: list[Future[str]] = [prices.submit(self._then_price, f) for f in firsts]
            return [f.result() for f in seconds]
        finally:
            lookups.shutdown(wait=True, cancel_futures=True)
            prices.shutdown(wait=True, cancel_futures=True)

    def _then_price(self, first: Future[tuple[Any, int]]) -> str:
        return self.price(first.result())


def pipeline(skus: list[Any]) -> list[str]:
    return Catalog().run(skus)
