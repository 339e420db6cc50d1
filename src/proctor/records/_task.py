"""The `Task` record: what a policy was asked to solve and how it is judged."""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator


class TestSuite(BaseModel):
    """One set of tests for a task: the visible proxy or the held-out gold.

    Two kinds exist because real datasets ship both. *io* suites list argument
    tuples (and, when known, the expected return values); *assert* suites carry
    test code in the HumanEval style, ``def check(candidate): assert ...``, which
    proctor runs in the trusted judge against a proxy ``candidate``.
    """

    __test__: ClassVar[bool] = False  # not a pytest class, despite the name
    model_config = ConfigDict(
        use_attribute_docstrings=True, extra="forbid", coerce_numbers_to_str=True
    )

    kind: Literal["io", "assert"] = "io"
    """``io``: call the entry point on each input; ``assert``: run ``code`` in the judge."""
    inputs: list[list[Any]] = Field(default_factory=list)
    """For ``io`` suites: one list of positional arguments per test."""
    outputs: list[Any] | None = None
    """Expected return values aligned with ``inputs``; ``None`` means: compute them by
    running the task's reference solution in the sandbox (cached per task)."""
    code: str | None = None
    """For ``assert`` suites: Python source that defines ``check(candidate)``."""

    @model_validator(mode="after")
    def _consistent(self) -> TestSuite:
        if self.kind == "assert":
            if not self.code or "def check" not in self.code:
                raise ValueError("an assert suite needs `code` that defines check(candidate)")
            if self.inputs:
                raise ValueError("an assert suite takes `code`, not `inputs`")
        else:
            if self.code is not None:
                raise ValueError("an io suite takes `inputs`, not `code`")
            if self.outputs is not None and len(self.outputs) != len(self.inputs):
                raise ValueError(
                    f"`outputs` has {len(self.outputs)} value(s) for {len(self.inputs)} input(s)"
                )
        return self

    def __len__(self) -> int:
        """Number of tests (an assert suite counts as one test: it passes or not)."""
        return 1 if self.kind == "assert" else len(self.inputs)


class Task(BaseModel):
    """A function-level coding task with a visible proxy suite and a held-out gold suite."""

    model_config = ConfigDict(
        use_attribute_docstrings=True, extra="forbid", coerce_numbers_to_str=True
    )

    id: str = Field(min_length=1)
    """Unique task id, e.g. ``HumanEval/0``."""
    prompt: str = ""
    """What the policy saw: signature and docstring. Prepended to a completion that
    does not define the entry point itself (the HumanEval convention)."""
    entry_point: str = Field(min_length=1, pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")
    """Name of the function under test."""
    reference: str | None = None
    """A correct solution (full program). Needed when a suite has no stored outputs."""
    visible: TestSuite
    """The proxy: the tests a training run rewards."""
    heldout: TestSuite | None = None
    """The gold: tests never used for reward. ``None`` when the task has none."""
    atol: float = Field(default=0.0, ge=0.0)
    """Absolute tolerance for float outputs (0 means exact, with a 1e-6 floor for
    float outputs, as EvalPlus does)."""
    oracle: Literal["equal", "poly_root"] = "equal"
    """How an output is judged: ``equal`` compares with the expected value;
    ``poly_root`` (HumanEval/32) accepts any x with ``|poly(xs, x)| <= atol``."""
    compare: Literal["strict", "evalplus"] | None = None
    """How outputs are compared (``proctor.graders._compare``): ``strict`` (types must
    agree: ``True`` is not ``1``, ``1.0`` is not ``1``, a set is not a frozenset) or
    ``evalplus`` (its ``==``). ``None``: the grader's choice (``strict`` by default)."""
    source: str | None = None
    """Where the task was read from (``file:line``), for error messages."""

    @model_validator(mode="after")
    def _reference_when_needed(self) -> Task:
        for name, suite in (("visible", self.visible), ("heldout", self.heldout)):
            missing_outputs = suite is not None and suite.kind == "io" and suite.outputs is None
            if missing_outputs and not self.reference:
                raise ValueError(
                    f"the {name} suite has no `outputs`, so the task needs a "
                    "`reference` solution to compute them"
                )
        return self
