"""The quickstart job runs end to end through the console entry point."""
from sparklite.cli import main


def test_quickstart_prints_top_words(capsys, no_sc):
    assert main(["quickstart"]) == 0
    out = capsys.readouterr().out
    assert "240000 words over 20000 lines" in out
    assert len(out.strip().splitlines()) == 6
