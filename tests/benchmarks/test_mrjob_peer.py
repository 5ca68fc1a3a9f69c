"""The mrjob peer (mrjob's local runner) gives the same answers as plain Python on tiny inputs, and
runs its tasks as the configured number of parallel processes (each mrjob run costs seconds of process
start-up: one run per job kind)."""
from __future__ import annotations

import re
from collections import Counter, defaultdict

import pytest

pytest.importorskip("mrjob")

from benchmarks.data import zipf_text_at  # noqa: E402
from benchmarks.workloads import mrjob_peer  # noqa: E402
from benchmarks.workloads.sql_shaped import uservisits_at  # noqa: E402


@pytest.fixture
def tiny_text(tmp_path):
    return zipf_text_at(str(tmp_path / "tiny.txt"), 200_000, vocabulary=1000, seed=11)


@pytest.fixture
def tiny_visits(tmp_path):
    return uservisits_at(str(tmp_path / "uservisits.csv"), 2000)


def test_wordcount_matches_a_counter_with_the_configured_number_of_processes(tiny_text, tmp_path, monkeypatch):
    import multiprocessing.pool

    sizes = []
    original = multiprocessing.pool.Pool.__init__

    def recording_init(self, processes=None, *args, **kwargs):
        sizes.append(processes)
        original(self, processes, *args, **kwargs)

    monkeypatch.setattr(multiprocessing.pool.Pool, "__init__", recording_init)
    with open(tiny_text) as f:
        expected = Counter(word for line in f for word in line.split())
    answer = mrjob_peer.wordcount_mrjob(tiny_text, str(tmp_path / "work"))
    assert answer == dict(expected)
    assert all(type(n) is int for n in answer.values())
    assert sizes and set(sizes) == {mrjob_peer.CORES}


@pytest.mark.parametrize("pattern", [r"\bqu"])
def test_grep_matches_the_filtered_lines(tiny_text, tmp_path, pattern):
    matcher = re.compile(pattern)
    with open(tiny_text) as f:
        expected = sorted(line.rstrip("\n") for line in f if matcher.search(line))
    assert expected, "the pattern matches some lines"
    assert mrjob_peer.grep_mrjob(tiny_text, pattern, str(tmp_path / "work")) == expected


def test_aggregation_matches_a_dict_sum(tiny_visits, tmp_path):
    expected = defaultdict(int)
    with open(tiny_visits) as f:
        for line in f:
            fields = line.split(",")
            expected[fields[0][:7]] += int(fields[3])
    answer = mrjob_peer.aggregation_mrjob(tiny_visits, str(tmp_path / "work"))
    assert answer == dict(expected)
    assert all(type(cents) is int for cents in answer.values())


def test_every_function_returns_none_without_mrjob(tiny_text, tmp_path, monkeypatch):
    monkeypatch.setattr(mrjob_peer.importlib.util, "find_spec", lambda name: None)
    assert mrjob_peer.wordcount_mrjob(tiny_text, str(tmp_path)) is None
    assert mrjob_peer.grep_mrjob(tiny_text, r"\bqu", str(tmp_path)) is None
    assert mrjob_peer.aggregation_mrjob(tiny_text, str(tmp_path)) is None
