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


def test_an_installed_package_outside_a_checkout_says_where_the_benchmarks_are(tmp_path):
    import shutil
    import subprocess
    import sys
    from pathlib import Path
    installed = tmp_path / "site-packages"
    shutil.copytree(Path(__file__).resolve().parents[2] / "sparklite", installed / "sparklite",
                    ignore=shutil.ignore_patterns("__pycache__"))
    code = ("import sys, pkgutil, importlib, sparklite\n"
            "for m in pkgutil.walk_packages(sparklite.__path__, 'sparklite.'):\n"
            "    importlib.import_module(m.name)\n"
            "assert not [n for n in sys.modules if n.split('.')[0] == 'benchmarks'], 'benchmarks imported'\n"
            "from sparklite.cli import main\n"
            "sys.exit(main(['bench', '--size', 'tiny']))\n")
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True,
                          env={"PYTHONPATH": str(installed), "PATH": "/usr/bin:/bin"})
    assert done.returncode == 2, done.stderr
    assert "benchmarks/" in done.stderr and "source" in done.stderr


def test_collecting_the_test_modules_does_not_import_ray():
    """A local run that skips Ray-marked tests (-m 'not ray') does not pay for importing Ray."""
    import subprocess
    import sys
    from pathlib import Path
    root = Path(__file__).resolve().parents[2]
    modules = [f"tests.core.{p.stem}" for p in sorted((root / "tests" / "core").glob("test_*.py"))]
    code = ("import importlib, sys\n"
            f"for name in {modules!r}:\n"
            "    importlib.import_module(name)\n"
            "    assert 'ray' not in sys.modules, name + ' imports ray when collected'\n")
    done = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
