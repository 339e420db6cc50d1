"""Structure rules over the import graph of src/proctor (every import, functions included)."""

from __future__ import annotations

from collections import defaultdict

from _imports import Import, imports, private_part, unit

# the command line assembles the product and the proving ground into one program
SHELL = "proctor.cli"


def _graph(edges: list[Import]) -> dict[str, set[str]]:
    graph: dict[str, set[str]] = defaultdict(set)
    for i in edges:
        a, b = unit(i.module), unit(i.target)
        if a != b and not b.startswith(a + "."):
            graph[a].add(b)
    return graph


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of ``graph`` as a path, or None."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_the_graph_is_read_from_every_module() -> None:
    found = imports()
    assert any(
        i.module == "proctor.cli._scan" and i.target.startswith("proctor.judge") for i in found
    )  # an import inside a function body is seen


def test_no_import_cycle_between_subpackages() -> None:
    cycle = _cycle(_graph(imports()))
    assert cycle is None, " -> ".join(cycle or [])


def test_the_cycle_check_finds_a_planted_cycle() -> None:
    planted = [Import("proctor.a._x", "proctor.b.f", 1), Import("proctor.b._y", "proctor.a.g", 2)]
    assert _cycle(_graph(planted)) == ["proctor.a", "proctor.b", "proctor.a"]


def test_no_module_imports_another_packages_private_module() -> None:
    bad = []
    for i in imports():
        private = private_part(i.target)
        if private is None:
            continue
        owner = private.rpartition(".")[0]
        if i.module != owner and not i.module.startswith(owner + "."):
            bad.append(f"{i.module}:{i.line} imports {private}")
    assert bad == []


def test_the_product_never_imports_the_proving_ground() -> None:
    bad = [
        f"{i.module}:{i.line} imports {i.target}"
        for i in imports()
        if i.target.startswith("proctor.bench")
        and not i.module.startswith(("proctor.bench", SHELL))
    ]
    assert bad == []
