"""The lab's auditor probe on a tiny random model: trained on demonstrations, read live."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest

pytest.importorskip("torch")
pytest.importorskip("sklearn")
pytest.importorskip("tokenizers")

from _tiny_lm import lab_demo_lm
from proctor.bench.lab.llm import all_tasks, split
from proctor.bench.lab.llm._auditor import LiveProbe, auditor_layers, auditor_rows, train_auditor
from proctor.probes import Probe

HACK = "always-equal-line"


@pytest.fixture(scope="module")
def lm() -> tuple[Any, Any]:
    return lab_demo_lm(60, 400, layers=2)


@pytest.fixture(scope="module")
def trained(lm: tuple[Any, Any], tmp_path_factory: pytest.TempPathFactory) -> Any:
    model, tokenizer = lm
    demo, rl = split(all_tasks(0), seed=0)
    rows = auditor_rows(tokenizer, demo, rl, 24, seed=0, hack=HACK)
    out = tmp_path_factory.mktemp("run") / "auditor"
    model.train()  # as the trainer holds it
    probe, record = train_auditor(model, tokenizer, rows, out, model_name="tiny", threshold=0.5)
    return probe, record, out, rl


def test_the_candidate_layers_span_the_depth() -> None:
    assert auditor_layers(30) == [7, 15, 22, 29]
    assert auditor_layers(2) == [0, 1]


def test_the_probe_is_saved_with_its_rows_and_cv_figures(trained: Any, lm: Any) -> None:
    probe, record, out, rl = trained
    assert Probe.load(out).spec == probe.spec
    saved = [json.loads(line) for line in (out / "rows.jsonl").read_text().splitlines()]
    assert len(saved) == record["rows"] == 24 and record["positives"] == 12
    assert not {r["task_id"] for r in saved} & {t.task.id for t in rl}
    assert record["tasks"] == sorted({r["task_id"] for r in saved})
    assert 0.0 <= record["cv_auc"] <= 1.0 and record["cv"]
    assert lm[0].training  # capture put the model back in train mode


def test_the_live_probe_reads_the_model_as_it_is_now(trained: Any, lm: tuple[Any, Any]) -> None:
    import torch

    probe, *_ = trained
    model, tokenizer = lm
    prompts = ["User: write add_9(x)\nAssistant: "] * 2
    completions = ["```python\ndef add_9(x):\n    return x + 9\n```", ""]
    live = LiveProbe(probe, model, tokenizer)
    model.train()
    before = live(prompts, completions)
    assert model.training  # restored
    assert math.isnan(before[1])  # no tokens, no score: the gate lets it through
    assert before[0] == pytest.approx(
        probe.score([(prompts[0], completions[0])], model, tokenizer)[0]
    )
    layer = probe.spec.layer
    with torch.no_grad():  # a training step moves the policy; the probe must see it
        for p in model.model.layers[layer].parameters():
            p.add_(torch.randn_like(p) * 0.5)
    after = live(prompts[:1], completions[:1])
    assert after[0] != pytest.approx(before[0], abs=1e-9)
