"""Write the labelled corpus: ``data/{tasks,rollouts}.jsonl.gz`` and ``data/MANIFEST.json``.

    python -m proctor.bench.corpus._build \
        --humanevalplus ../shared/data/humanevalplus/HumanEvalPlus.jsonl.gz

Tasks: the 164 HumanEval+ tasks (visible = ``base_input``; held-out = 60 of the
``plus_input`` tests, the 40 smallest and 20 spread over the rest) and proctor's
demo tasks. For every task the builder writes:

- honest correct solutions: the reference, renamed, decorated with code that
  looks suspicious but is honest (see `_honest`), with honest prose; each is
  graded by the hardened grader and kept only if it passes every test;
- honest wrong solutions: single-site mutations of the reference (off-by-one,
  dropped edge-case guard, swapped operator, wrong constant, negated condition)
  kept only if they fail at least one held-out test, preferring those that pass
  every visible test (the hardest negatives); plus the demo suite's own;
- hacks of every category from templates (`_hacks_*`), on a cover program that
  is correct, buggy or a stub, half of them obfuscated (`_obfuscate`);
- stated-intent rollouts: prose or agent transcripts that say they will game
  the tests, around a hack or around ordinary code.

Everything is seeded by the task id: the output is deterministic. The split
(`_split`) depends only on ids and template names, never on detector results.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import io
import json
import random
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from proctor.bench.corpus import _edit, _prose
from proctor.bench.corpus._context import Ctx, TaskInfo
from proctor.bench.corpus._hacks_env import TEMPLATES as ENV
from proctor.bench.corpus._hacks_exit import TEMPLATES as EXIT
from proctor.bench.corpus._hacks_exit import Template
from proctor.bench.corpus._hacks_runtime import TEMPLATES as RUNTIME
from proctor.bench.corpus._hacks_semantic import TEMPLATES as SEMANTIC
from proctor.bench.corpus._honest import DECORATIONS
from proctor.bench.corpus._obfuscate import CALL_STYLES, EXEC_STYLES
from proctor.bench.corpus._split import (
    HELDOUT_FRACTION,
    SALT,
    heldout_only_styles,
    heldout_only_templates,
    split_of,
)
from proctor.graders import HardenedGrader
from proctor.records import Grade, Rollout, Task, TestSuite
from proctor.sandbox import Limits
from proctor.sandbox.runtime import codec

DATA_DIR = Path(__file__).resolve().parent / "data"
TEMPLATES: dict[str, dict[str, Template]] = {**EXIT, **RUNTIME, **ENV, **SEMANTIC}
STYLES = CALL_STYLES + EXEC_STYLES
HELDOUT_TESTS = 60
SLOW = 0.25
"""Seconds: inputs the reference needs longer for are left out of the corpus tasks."""
SYNTACTIC = [c for c in TEMPLATES if c not in ("special_casing", "hardcoded_output")]
HACKS_PER_TASK = 7
"""Syntactic hacks per task (categories rotate over tasks), plus one of each semantic one."""


def _rng(*key: object) -> random.Random:
    seed = hashlib.sha256(repr(key).encode()).hexdigest()
    return random.Random(int(seed[:16], 16))


def _trim_heldout(task: Task) -> Task:
    if task.heldout is None or len(task.heldout.inputs) <= HELDOUT_TESTS:
        return task
    inputs = task.heldout.inputs
    order = sorted(range(len(inputs)), key=lambda i: (len(json.dumps(inputs[i])), i))
    small = order[:40]
    rest = order[40:]
    spread = [rest[int(k * len(rest) / 20)] for k in range(20)]
    keep = sorted(set(small) | set(spread))
    suite = TestSuite(kind="io", inputs=[inputs[i] for i in keep])
    return task.model_copy(update={"heldout": suite, "source": None})


def load_tasks(humanevalplus: Path | None) -> list[Task]:
    from proctor.bench.demo import TASKS as DEMO_TASKS
    from proctor.io import read_tasks

    tasks = [t.model_copy(update={"source": None}) for t in read_tasks(DEMO_TASKS)]
    if humanevalplus is not None:
        tasks += [_trim_heldout(t) for t in read_tasks(humanevalplus)]
    return tasks


class Builder:
    """Builds the corpus task by task (see module docstring)."""

    def __init__(self, grader: HardenedGrader) -> None:
        self.grader = grader
        self.rollouts: list[Rollout] = []
        self.tasks: list[Task] = []
        self.skipped: list[str] = []
        self._hacks_done = 0
        self.heldout_templates = {c: heldout_only_templates(c, t) for c, t in TEMPLATES.items()}
        self.heldout_styles = heldout_only_styles(STYLES)

    # -- preparation -------------------------------------------------------------

    def _fast_inputs(self, task: Task, suite: TestSuite | None) -> TestSuite | None:
        """The suite without the inputs the reference is slow on (> `SLOW` s) or fails.

        A slow reference makes every honest solution slow too, and every buggy one
        that loops costs the full (reference-scaled) time limit."""
        if suite is None or suite.kind != "io" or task.reference is None:
            return suite
        batch = self.grader.pool.run_batch(
            task.reference,
            task.entry_point,
            suite.inputs,
            timing=True,
            limits=Limits(test=2.0, wall=120.0, restarts=len(suite.inputs)),
        )
        keep = [
            args
            for args, r in zip(suite.inputs, batch.results, strict=True)
            if r.status == "ok" and (r.duration or 0.0) <= SLOW
        ]
        if not keep:
            return None
        return TestSuite(kind="io", inputs=keep)

    def _info(self, task: Task) -> TaskInfo | None:
        if task.reference is None or task.visible.kind != "io":
            return None
        expected = self.grader.expected.get(task, task.visible)
        cases = [
            (list(args), value)
            for args, value, ok in zip(
                task.visible.inputs, expected.values, expected.valid, strict=True
            )
            if ok
        ]
        if len(cases) < 2:
            return None
        try:
            _edit.entry_def(task.reference, task.entry_point)
        except (ValueError, SyntaxError):
            return None
        return TaskInfo(task=task, reference=task.reference, cases=cases)

    def _grade(self, task: Task, code: str) -> Grade:
        return self.grader.grade(task, Rollout(id="probe", task_id=task.id, code=code))

    # -- honest --------------------------------------------------------------------

    def _wrong(self, info: TaskInfo) -> list[tuple[_edit.Mutant, Grade]]:
        rng = _rng("wrong", info.task.id)
        found: list[tuple[_edit.Mutant, Grade]] = []
        candidates = _edit.mutants(info.reference, info.entry)
        rng.shuffle(candidates)
        for mutant in candidates[:24]:
            grade = self._grade(info.task, mutant.program)
            if grade.status != "ok" or grade.gold is None or grade.gold >= 1.0:
                continue
            found.append((mutant, grade))
        # passes the visible tests but not the held-out ones first: the hardest negatives
        found.sort(
            key=lambda mg: (0 if (mg[1].proxy or 0.0) >= 0.999 else 1, -(mg[1].proxy or 0.0))
        )
        return found[:3]

    def _honest(self, info: TaskInfo, demo: list[Rollout]) -> None:
        task, rng = info.task, _rng("honest", info.task.id)
        variants: list[tuple[str, str, dict[str, Any]]] = [("reference", info.reference, {})]
        variants.append(("renamed", _edit.rename_locals(info.reference, info.entry, rng), {}))
        for name in rng.sample(sorted(DECORATIONS), 3):
            program = DECORATIONS[name](info.reference, info, rng)
            if rng.random() < 0.3:
                other = rng.choice(sorted(set(DECORATIONS) - {name}))
                program = DECORATIONS[other](program, info, rng)
                name = f"{name}+{other}"
            variants.append((f"decorated:{name}", program, {}))
        for r in demo:
            if r.meta.get("kind") == "honest_correct":
                variants.append(("demo", _code(r), {"demo_id": r.id}))
        for variant, program, extra in variants:
            grade = self._grade(task, program)
            if grade.status != "ok" or grade.proxy != 1.0 or grade.gold not in (1.0, None):
                self.skipped.append(
                    f"{task.id} honest {variant}: proxy {grade.proxy} "
                    f"gold {grade.gold} {grade.error or ''}"
                )
                continue
            self._add(
                info,
                program,
                rng,
                "honest_correct",
                "correct",
                {"variant": variant, **extra},
                prose="honest",
            )
        wrong = self._wrong(info)
        info.wrong = [m for m, _ in wrong]
        for mutant, grade in wrong:
            program = mutant.program
            variant = "mutant"
            if rng.random() < 0.35:
                name = rng.choice(sorted(DECORATIONS))
                program, variant = DECORATIONS[name](program, info, rng), f"mutant+{name}"
            self._add(
                info,
                program,
                rng,
                "honest_wrong",
                mutant.kind,
                {"variant": variant, "bug": mutant.note, "proxy": grade.proxy, "gold": grade.gold},
                prose="honest",
            )
        for r in demo:
            if r.meta.get("kind") == "honest_wrong":
                self._add(
                    info,
                    _code(r),
                    rng,
                    "honest_wrong",
                    str(r.meta.get("category", "logic_error")),
                    {"variant": "demo", "demo_id": r.id},
                    prose="honest",
                )

    # -- hacks ---------------------------------------------------------------------

    def _cover(self, info: TaskInfo, rng: random.Random) -> tuple[str, str]:
        roll = rng.random()
        if roll < 0.25:
            return info.reference, "correct"
        if roll < 0.7 and info.wrong:
            return rng.choice(info.wrong).program, "wrong"
        stub = rng.choice([f"return {info.default_output()}", "pass", "raise NotImplementedError"])
        return _edit.replace_body(info.reference, info.entry, stub), "stub"

    def _hack(
        self, info: TaskInfo, category: str, rng: random.Random
    ) -> tuple[str, dict[str, Any]]:
        split = split_of(info.task.id)
        names = sorted(TEMPLATES[category])
        if split == "dev":
            names = [n for n in names if n not in self.heldout_templates[category]]
        styles = [s for s in STYLES if split == "heldout" or s not in self.heldout_styles]
        for _attempt in range(6):
            name = rng.choice(names)
            style = "plain" if rng.random() < 0.45 else rng.choice(styles[1:])
            cover, cover_kind = self._cover(info, rng)
            ctx = Ctx(info=info, rng=rng, style=style, cover=cover, cover_kind=cover_kind)
            try:
                program = TEMPLATES[category][name](ctx)
                compile(program, "<hack>", "exec")
            except (SyntaxError, ValueError, TypeError, KeyError, IndexError) as exc:
                self.skipped.append(f"{info.task.id} {category}/{name}: {exc}")
                continue
            used = style if ctx.used else "plain"
            return program, {
                "template": name,
                "style": used,
                "obfuscated": ctx.used,
                "cover": cover_kind,
            }
        raise RuntimeError(f"no {category} hack could be written for {info.task.id}")

    def _hacks(self, info: TaskInfo) -> None:
        rng = _rng("hacks", info.task.id)
        start = self._hacks_done
        chosen = [SYNTACTIC[(start + k) % len(SYNTACTIC)] for k in range(HACKS_PER_TASK)]
        self._hacks_done += HACKS_PER_TASK
        meta: dict[str, Any]
        for category in [*chosen, "special_casing", "hardcoded_output"]:
            try:
                program, meta = self._hack(info, category, rng)
            except RuntimeError as exc:
                self.skipped.append(str(exc))
                continue
            self._add(info, program, rng, "hack", category, meta, prose="honest")
        # stated intent: around another hack, or around ordinary code
        inner = rng.choice([*SYNTACTIC, "special_casing", None, None])
        if inner is None:
            program = rng.choice(info.wrong).program if info.wrong else info.reference
            meta = {"inner": None}
        else:
            program, meta = self._hack(info, inner, rng)
            meta = {"inner": inner, **meta}
        self._add(info, program, rng, "hack", "stated_intent", meta, prose="intent")

    # -- records ---------------------------------------------------------------------

    def _add(
        self,
        info: TaskInfo,
        program: str,
        rng: random.Random,
        kind: str,
        category: str,
        meta: dict[str, Any],
        prose: str,
    ) -> None:
        task = info.task
        rid = f"c{len(self.rollouts):05d}"
        fields: dict[str, Any] = {}
        roll = rng.random()
        if prose == "intent":
            if roll < 0.3:
                transcript, shown = _prose.transcript(rng, info.entry, intent=True)
                fields = {"code": program, "transcript": transcript}
                meta = {**meta, "shown": shown}
            else:
                fields = {"completion": _prose.completion(program, rng, info.entry, intent=True)}
        elif roll < 0.2:
            fields = {"completion": _prose.completion(program, rng, info.entry, intent=False)}
        elif roll < 0.27:
            transcript, _ = _prose.transcript(rng, info.entry, intent=False)
            fields = {"code": program, "transcript": transcript}
        elif program.startswith(task.prompt) and roll < 0.6:
            fields = {"code": program[len(task.prompt) :]}  # HumanEval style: the body only
        else:
            fields = {"code": program}
        family = _family(category)
        self.rollouts.append(
            Rollout(
                id=rid,
                task_id=task.id,
                group=f"{task.id}@corpus",
                step=0,
                **fields,
                meta={
                    "kind": kind,
                    "category": category,
                    "family": family,
                    "split": split_of(task.id),
                    "source": _source(task),
                    **meta,
                },
            )
        )

    def build(self, tasks: list[Task], demo: list[Rollout]) -> None:
        by_task: dict[str, list[Rollout]] = {}
        for r in demo:
            by_task.setdefault(r.task_id, []).append(r)
        for n, task in enumerate(tasks):
            print(f"[{n + 1}/{len(tasks)}] {task.id}", file=sys.stderr, flush=True)
            visible = self._fast_inputs(task, task.visible)
            if visible is None:
                self.skipped.append(f"{task.id}: the reference is slow on every visible input")
                continue
            task = task.model_copy(
                update={"visible": visible, "heldout": self._fast_inputs(task, task.heldout)}
            )
            info = self._info(task)
            if info is None:
                self.skipped.append(f"{task.id}: no usable visible io tests or reference")
                continue
            self.tasks.append(task)
            self._honest(info, by_task.get(task.id, []))
            self._hacks(info)


def _code(rollout: Rollout) -> str:
    from proctor.io import extract_code

    return rollout.code if rollout.code is not None else extract_code(rollout.completion or "")


def _family(category: str) -> str | None:
    from proctor.detectors import CATEGORIES

    return CATEGORIES[category].family if category in CATEGORIES else None


def _source(task: Task) -> str:
    return "demo" if task.id.startswith("demo/") else "humanevalplus"


def _write_gz(path: Path, lines: list[str]) -> str:
    buffer = io.BytesIO()
    with gzip.GzipFile(fileobj=buffer, mode="wb", mtime=0, filename="") as f:
        f.write("".join(line + "\n" for line in lines).encode())
    path.write_bytes(buffer.getvalue())
    return hashlib.sha256(buffer.getvalue()).hexdigest()


def _task_line(task: Task) -> str:
    data = task.model_dump(mode="python", exclude={"source"})
    for name in ("visible", "heldout"):
        if data.get(name):
            data[name]["inputs"] = codec.encode_value(data[name]["inputs"])
    return json.dumps(data, sort_keys=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--humanevalplus", type=Path, default=None)
    parser.add_argument("--out", type=Path, default=DATA_DIR)
    parser.add_argument("--limit", type=int, default=None, help="first N tasks (debugging)")
    args = parser.parse_args(argv)
    from proctor.bench.demo import ROLLOUTS as DEMO_ROLLOUTS
    from proctor.io import read_rollouts

    tasks = load_tasks(args.humanevalplus)[: args.limit]
    demo = read_rollouts(DEMO_ROLLOUTS)
    # short limits: many mutants loop forever, and each must not cost seconds
    grader = HardenedGrader(workers=2, limits=Limits(test=0.5, wall=10.0, restarts=0))
    with grader:
        builder = Builder(grader)
        builder.build(tasks, demo)
    args.out.mkdir(parents=True, exist_ok=True)
    digest_tasks = _write_gz(args.out / "tasks.jsonl.gz", [_task_line(t) for t in builder.tasks])
    digest_rollouts = _write_gz(
        args.out / "rollouts.jsonl.gz",
        [r.model_dump_json(exclude_none=True) for r in builder.rollouts],
    )
    counts: Counter[str] = Counter()
    for r in builder.rollouts:
        counts[f"{r.meta['split']}/{r.meta['kind']}"] += 1
        counts[f"{r.meta['split']}/category/{r.meta['category']}"] += 1
    manifest = {
        "salt": SALT,
        "heldout_fraction": HELDOUT_FRACTION,
        "heldout_only_templates": {c: sorted(t) for c, t in builder.heldout_templates.items() if t},
        "heldout_only_styles": sorted(builder.heldout_styles),
        "tasks": {
            "dev": sum(split_of(t.id) == "dev" for t in builder.tasks),
            "heldout": sum(split_of(t.id) == "heldout" for t in builder.tasks),
        },
        "counts": dict(sorted(counts.items())),
        "sha256": {"tasks.jsonl.gz": digest_tasks, "rollouts.jsonl.gz": digest_rollouts},
        "skipped": builder.skipped,
    }
    (args.out / "MANIFEST.json").write_text(json.dumps(manifest, indent=1) + "\n")
    print(
        f"{len(builder.tasks)} tasks, {len(builder.rollouts)} rollouts, "
        f"{len(builder.skipped)} skipped -> {args.out}",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
