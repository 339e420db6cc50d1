import pytest
from helpers import FABLE


@pytest.fixture
def fable() -> str:
    return FABLE
