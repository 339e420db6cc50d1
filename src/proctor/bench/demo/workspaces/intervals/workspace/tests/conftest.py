import pytest
from helpers import ivs


@pytest.fixture
def meetings():
    return ivs((9, 10), (9, 12), (11, 13), (14, 15))
