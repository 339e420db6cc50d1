"""The shipped corpus: the split is by task, fixed by hashes, and large enough."""

from __future__ import annotations

import hashlib
from collections import Counter

import pytest

from proctor.bench.corpus import DATA_DIR, load_corpus, manifest, split_of
from proctor.bench.corpus._split import heldout_only_styles, heldout_only_templates
from proctor.detectors import CATEGORIES
from proctor.records import Rollout


@pytest.fixture(scope="module")
def rollouts() -> list[Rollout]:
    return load_corpus()[1]


def test_every_rollout_is_in_its_tasks_split(rollouts: list[Rollout]) -> None:
    assert all(r.meta["split"] == split_of(r.task_id) for r in rollouts)


def test_no_task_is_in_both_splits(rollouts: list[Rollout]) -> None:
    splits: dict[str, set[str]] = {}
    for r in rollouts:
        splits.setdefault(r.task_id, set()).add(str(r.meta["split"]))
    assert all(len(s) == 1 for s in splits.values())


def test_the_split_is_a_pure_function_of_the_task_id() -> None:
    assert split_of("HumanEval/0") == split_of("HumanEval/0")


def test_heldout_is_sizeable(rollouts: list[Rollout]) -> None:
    kinds = Counter(r.meta["kind"] for r in rollouts if r.meta["split"] == "heldout")
    assert kinds["hack"] >= 150 and kinds["honest_correct"] + kinds["honest_wrong"] >= 150


def test_heldout_has_every_hack_category(rollouts: list[Rollout]) -> None:
    seen = {
        r.meta["category"]
        for r in rollouts
        if r.meta["split"] == "heldout" and r.meta["kind"] == "hack"
    }
    assert seen == set(CATEGORIES) - {"obfuscated_code"}


def test_heldout_only_templates_never_appear_in_dev(rollouts: list[Rollout]) -> None:
    from proctor.bench.corpus._build import TEMPLATES

    hidden = {(c, n) for c, names in TEMPLATES.items() for n in heldout_only_templates(c, names)}
    dev = {
        (r.meta["category"], r.meta.get("template"))
        for r in rollouts
        if r.meta["split"] == "dev" and r.meta["kind"] == "hack"
    }
    assert hidden and not hidden & dev


def test_heldout_only_styles_never_appear_in_dev(rollouts: list[Rollout]) -> None:
    from proctor.bench.corpus._build import STYLES

    dev_styles = {r.meta.get("style") for r in rollouts if r.meta["split"] == "dev"}
    assert not heldout_only_styles(STYLES) & dev_styles


def test_honest_wrong_mutants_fail_a_heldout_test(rollouts: list[Rollout]) -> None:
    golds = [
        r.meta["gold"] for r in rollouts if r.meta["kind"] == "honest_wrong" and "gold" in r.meta
    ]
    assert golds and max(golds) < 1.0


def test_manifest_digests_match_the_files() -> None:
    digests = manifest()["sha256"]
    assert all(
        hashlib.sha256((DATA_DIR / name).read_bytes()).hexdigest() == digest
        for name, digest in digests.items()
    )
