"""A test that pins torch to one thread does not leave later tests on one thread (tests/conftest.py)."""

import torch

_seen = []


def test_a_test_may_pin_one_thread():
    _seen.append(torch.get_num_threads())
    torch.set_num_threads(1)


def test_the_next_test_has_the_thread_count_back():
    assert _seen and torch.get_num_threads() == _seen[0]
