import pytest
import torch


@pytest.fixture(autouse=True)
def _seed():
    torch.manual_seed(0)
    yield


@pytest.fixture(autouse=True)
def _restore_threads():
    """Some tests pin torch to one thread (repeatable sums, no contention); give later tests the count back."""
    threads = torch.get_num_threads()
    yield
    torch.set_num_threads(threads)
