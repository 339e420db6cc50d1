import pytest


@pytest.fixture
def listing() -> str:
    return "\n".join([
        "# warehouse A",
        "WID-1, 3, 2.50",
        "",
        "GAD-7, 1, 19.99",
        "WID-1, 2, 2.50",
    ])
