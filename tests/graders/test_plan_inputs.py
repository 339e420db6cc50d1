"""A plan's sandbox input holds the same values whether encoded anew or joined from the suites'
(the text may differ: orjson encodes what it can, json a whole list holding a 65-bit int)."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from proctor.graders._expected import Expected
from proctor.graders._hardened import _Plan
from proctor.records import TestSuite
from proctor.sandbox.runtime import codec

scalars = st.one_of(
    st.integers(min_value=-(10**30), max_value=10**30),
    st.text(max_size=5),
    st.floats(allow_nan=False),
    st.booleans(),
    st.none(),
)
values = st.recursive(
    scalars, lambda inner: st.lists(inner, max_size=3) | st.tuples(inner, inner), max_leaves=6
)
argument_lists = st.lists(st.lists(values, max_size=3), max_size=4)


def _suite(inputs: list[list[Any]]) -> tuple[TestSuite, Expected]:
    suite = TestSuite(inputs=inputs, outputs=[0] * len(inputs))
    n = len(inputs)
    return suite, Expected(["0"] * n, [True] * n, [0.0] * n, [])


@given(argument_lists, argument_lists)
def test_joined_suite_inputs_equal_the_plan_encoded_anew(
    visible: list[list[Any]], heldout: list[list[Any]]
) -> None:
    (vs, ve), (hs, he) = _suite(visible), _suite(heldout)
    suites = [("visible", vs, ve), ("heldout", hs, he)]
    joined = _Plan(
        suites,
        "equal",
        encoded_inputs={
            "visible": codec.dumps([list(a) for a in vs.inputs]),
            "heldout": codec.dumps([list(a) for a in hs.inputs]),
        },
    )
    anew = _Plan(suites, "equal")
    everything = [list(a) for a in vs.inputs + hs.inputs]
    assert codec.loads(joined.encoded) == codec.loads(anew.encoded) == everything
