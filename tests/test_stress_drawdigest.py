"""The search draws exactly what it drew: a digest of 1,000 trial configurations per
option set, both target forms, pinned.  A refactoring of the harness (or any change
not meant to change the search) must leave every digest as it is; a change that is
meant to change the draw updates the digest in the same commit and says why."""

from __future__ import annotations

import hashlib
import json

import pytest

from stress.core.config import SearchOptions
from stress.forms.fixed.form import make_fixed
from stress.forms.targets import TargetSpec, parse_target
from stress.search.engine import _config
from stress.trial.execution import FORKED_THREADS

pytestmark = pytest.mark.smoke

GENERALISED = "tests.zoo.correct_threads:pipeline"
FIXED = "tests.zoo.fixed_correct_threads:pipeline"
PATCHES = ["tests.zoo.fixed_correct_threads:decode", "tests.zoo.fixed_correct_threads:score"]

#: (form, patches, options) -> sha256 of the JSON of trials k = 0..999, seed 20261204.
PINNED = {
    (
        "generalised",
        0,
        "default",
    ): "afa667cefda282d7e710fab16090783aa3ee2dca0de67625e37bcf8a70d7d3bf",
    (
        "generalised",
        0,
        "pinned",
    ): "cdcd1122228ba684204476a64a1aac6d0a8362675bf67c6370e7fa895f54835b",
    ("generalised", 0, "bare"): "2b6c59af13a6f0f11a75907d1895c7df1525917f4a83702abae200de4573b7fe",
    ("fixed", 0, "default"): "0ab82aa9c758ce22ab3608560d1f8891c64f75bd7448671e8c23b1236e838f25",
    ("fixed", 2, "default"): "e390263bff68284d0d175bfc3e320ef697fde8b6cd4a358c44913a284f7a65ec",
    ("fixed", 2, "bare"): "3ee0eb494d22c03b2de105f4d1e025ca2d7fce9c890e9c876c3077a944c06c9e",
}
OPTIONS = {
    "default": SearchOptions(),
    "pinned": SearchOptions(stages=3, workers=(2, 5, 1), max_items=40),
    "bare": SearchOptions(max_items=1000, faults=False, awkward=False),
}


def _spec(form: str, patches: int, options: SearchOptions) -> TargetSpec:
    if form == "generalised":
        return parse_target(GENERALISED)
    return make_fixed(
        parse_target(FIXED),
        fixed=True,
        patch=PATCHES[:patches],
        expect="tests.zoo.fixed_correct_threads:expected",
        options=options,
    )


def _digest(form: str, patches: int, options_name: str) -> str:
    options = OPTIONS[options_name]
    spec = _spec(form, patches, options)
    configs = [
        _config(spec, None, 20261204, k, options=options, executor=FORKED_THREADS).to_json()
        for k in range(1000)
    ]
    return hashlib.sha256(json.dumps(configs, sort_keys=True).encode()).hexdigest()


@pytest.mark.parametrize("key", sorted(PINNED))
def test_the_search_draws_what_it_drew(key: tuple[str, int, str]) -> None:
    assert _digest(*key) == PINNED[key]
