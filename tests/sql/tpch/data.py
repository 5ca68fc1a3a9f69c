"""TPC-H tables as Parquet files, made by ``tpchgen-cli`` (pinned 4.0.0, in the ``test`` extra) and cached.

Contract: ``tpch_tables(scale)`` returns ``{table: path}`` for the 8 tables of scale factor ``scale``
(a string, ``"0.1"`` or ``"1"``), one ``<table>.parquet`` file each in ``<root>/sf<scale>``, where
``<root>`` is ``$SPARKLITE_TPCH_DIR`` or ``~/.cache/sparklite-tpch``. The files are generated only when
that folder is missing: into a temporary sibling that is renamed into place when complete, so an
interrupted run leaves nothing that looks finished. The files are tpchgen's own, unchanged: strings
are Arrow ``string_view``, money ``decimal128(15, 2)``, dates ``date32``, keys ``int64``; readers must
take them as they are.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sysconfig
import tempfile
from pathlib import Path

from tests.sql.tpch import TABLES

GENERATOR = "tpchgen-cli"
GENERATOR_VERSION = "4.0.0"


def cache_root() -> Path:
    return Path(os.environ.get("SPARKLITE_TPCH_DIR") or Path.home() / ".cache" / "sparklite-tpch")


def _generator() -> str:
    """The ``tpchgen-cli`` binary: beside this interpreter's scripts first (a virtualenv), then on PATH."""
    beside = Path(sysconfig.get_path("scripts")) / GENERATOR
    found = str(beside) if beside.exists() else shutil.which(GENERATOR)
    if found is None:
        raise RuntimeError(f"{GENERATOR} is not installed; pip install '{GENERATOR}=={GENERATOR_VERSION}' "
                           "(or the project's test extra: pip install -e '.[test]')")
    version = subprocess.run([found, "--version"], capture_output=True, text=True, check=True).stdout.split()
    if version[-1:] != [GENERATOR_VERSION]:
        raise RuntimeError(f"{found} is version {' '.join(version[1:])}, the golden answers were made from "
                           f"{GENERATOR_VERSION}'s data: pip install '{GENERATOR}=={GENERATOR_VERSION}'")
    return found


def tpch_tables(scale: str = "0.1") -> dict[str, str]:
    """``{table: Parquet path}`` at scale factor ``scale``, generating the files if they are missing."""
    folder = cache_root() / f"sf{scale}"
    if not folder.exists():
        folder.parent.mkdir(parents=True, exist_ok=True)
        work = tempfile.mkdtemp(prefix=f".sf{scale}-", dir=folder.parent)
        os.chmod(work, 0o755)     # mkdtemp's 0o700 would hide the cache from other users of the machine
        try:
            subprocess.run([_generator(), "parquet", "--scale-factor", scale, "--output-dir", work, "--quiet"],
                           check=True)
            os.rename(work, folder)
        except OSError:
            if not folder.exists():
                raise
        finally:
            shutil.rmtree(work, ignore_errors=True)      # left only when another process won the rename
    paths = {name: str(folder / f"{name}.parquet") for name in TABLES}
    missing = [path for path in paths.values() if not os.path.exists(path)]
    if missing:
        raise RuntimeError(f"{folder} lacks {missing}: remove the folder to have it generated again")
    return paths
