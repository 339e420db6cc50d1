"""The realistic corpus: five input shapes, labels kept, split by task, rebuilt identically."""

from __future__ import annotations

import gzip
import hashlib
import io
from collections import Counter

from proctor.bench.corpus import REALISTIC, load_corpus, load_realistic, split_of
from proctor.bench.corpus._realistic import SHAPES, build
from proctor.io import rollout_sources


def test_every_shape_and_kind_is_in_both_splits() -> None:
    _, rollouts = load_realistic()
    seen = Counter((r.meta["split"], r.meta["shape"], r.meta["kind"]) for r in rollouts)
    for split in ("dev", "heldout"):
        for shape in SHAPES:
            for kind in ("hack", "honest_correct", "honest_wrong"):
                assert seen[(split, shape, kind)] >= 10, (split, shape, kind)


def test_split_is_the_task_split_fixed_before_tuning() -> None:
    _, rollouts = load_realistic()
    assert all(r.meta["split"] == split_of(r.task_id) for r in rollouts)


def test_shapes_carry_what_they_say() -> None:
    _, rollouts = load_realistic("heldout")
    for r in rollouts:
        sources = rollout_sources(r)
        if r.meta["shape"] == "transcript":
            assert r.messages and any(s.kind == "file" for s in sources)
        elif r.meta["shape"] == "files":
            assert any(s.path == "solution.py" for s in sources)
        elif r.meta["shape"] == "multi":
            assert sum(s.kind == "block" for s in sources) >= 2


def test_the_shipped_file_is_what_the_builder_writes_and_small() -> None:
    tasks, rollouts = load_corpus()
    lines = [r.model_dump_json(exclude_none=True) for r in build(tasks, rollouts)]
    buffer = io.BytesIO()
    with gzip.GzipFile(fileobj=buffer, mode="wb", mtime=0, filename="") as f:
        f.write("".join(line + "\n" for line in lines).encode())
    assert (
        hashlib.sha256(buffer.getvalue()).digest()
        == hashlib.sha256(REALISTIC.read_bytes()).digest()
    )
    assert REALISTIC.stat().st_size < 2_000_000
