"""Verdicts kept per machine: the first stored stands, a broken file is replaced, an unwritable folder is survived,
and two processes storing at once end with one verdict."""

import json
import subprocess
import sys

from stylegan_edu import machine_cache


def _valid(entry):
    return isinstance(entry, dict) and isinstance(entry.get("v"), int)


def test_the_first_valid_entry_stands(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert machine_cache.settle("t", "k", {"v": 1}, _valid) == {"v": 1}
    assert machine_cache.settle("t", "k", {"v": 2}, _valid) == {"v": 1}  # another process stored first
    assert machine_cache.settle("t", "other", {"v": 3}, _valid) == {"v": 3}
    assert machine_cache.read("t") == {"k": {"v": 1}, "other": {"v": 3}}
    assert machine_cache.cache_path("t") == tmp_path / "stylegan_edu" / "t.json"


def test_a_broken_file_or_entry_is_replaced(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    path = machine_cache.cache_path("t")
    path.parent.mkdir(parents=True)
    for broken in ("{not json", "[1, 2]", '{"k": {"v": "one"}}'):
        path.write_text(broken)
        assert machine_cache.settle("t", "k", {"v": 5}, _valid) == {"v": 5}
        assert json.loads(path.read_text())["k"] == {"v": 5}


def test_an_unwritable_folder_gives_back_the_own_entry(monkeypatch, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    assert machine_cache.settle("t", "k", {"v": 7}, _valid) == {"v": 7}
    assert machine_cache.read("t") == {} and blocker.read_text() == ""


def test_processes_storing_at_once_agree_on_one_entry(tmp_path):
    """Eight processes each store their own number under one key at the same moment; every one returns the same
    entry, and the file holds exactly it."""
    code = ("import sys; from stylegan_edu import machine_cache as m; "
            "print(m.settle('t', 'k', {'v': int(sys.argv[1])}, lambda e: isinstance(e, dict) and 'v' in e)['v'])")
    env = {"XDG_CACHE_HOME": str(tmp_path), "PATH": "/usr/bin:/bin"}
    procs = [subprocess.Popen([sys.executable, "-c", code, str(i)], stdout=subprocess.PIPE, text=True, env=env)
             for i in range(8)]
    got = {int(p.communicate(timeout=120)[0]) for p in procs}
    assert all(p.returncode == 0 for p in procs)
    stored = json.loads((tmp_path / "stylegan_edu" / "t.json").read_text())
    assert got == {stored["k"]["v"]} and list(stored) == ["k"]
