"""The quickstart job runs end to end through the console entry point."""
from sparklite.cli import main


def test_quickstart_prints_top_words(capsys, no_sc):
    assert main(["quickstart"]) == 0
    out = capsys.readouterr().out
    assert "240000 words over 20000 lines" in out
    assert len(out.strip().splitlines()) == 6


def test_sparklite_bench_runs_the_suite_from_the_checkout(capsys, no_sc, tmp_path, monkeypatch):
    import benchmarks.__main__ as runner
    monkeypatch.setattr(runner, "DATA_DIR", str(tmp_path))
    monkeypatch.setattr(runner, "RESULTS_DIR", str(tmp_path / "results"))
    assert main(["bench", "--size", "tiny", "--workloads", "wordcount,grep", "--engines", "sparklite,mapreduce"]) == 0
    out = capsys.readouterr().out
    assert "| wordcount |" in out and "| grep |" in out
