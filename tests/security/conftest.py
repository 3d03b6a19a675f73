import pytest


@pytest.fixture(params=["warm", "cold"])
def warm(request):
    """Every hostile test runs on both sandbox paths: the warm fork server and a fresh bwrap sandbox."""
    return request.param == "warm"
