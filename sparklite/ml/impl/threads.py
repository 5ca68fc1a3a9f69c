"""Native BLAS thread pools sized to a task, as Spark sizes ``OMP_NUM_THREADS`` for its Python workers.

An ML task computes with numpy on an executor thread (or a worker process) beside the executor's other
task threads; numpy's OpenBLAS would start a thread per core for each of them, and on a machine whose
cores are already all busy with tasks those threads spin against each other (a k-means pass on two cores
ran seven times slower). ``limit_blas_threads(n)`` asks every BLAS library loaded in this process (the
OpenBLAS numpy bundles, under any of its symbol names, or MKL) to use ``n`` threads; it does so once per
process and is a no-op where no such library is found. Set ``SPARKLITE_BLAS_THREADS`` to choose ``n``.
"""
from __future__ import annotations

import ctypes
import os
import re
import threading

_SETTERS = ("scipy_openblas_set_num_threads64_", "scipy_openblas_set_num_threads", "openblas_set_num_threads64_",
            "openblas_set_num_threads", "MKL_Set_Num_Threads")
_LIBRARY = re.compile(r"(/\S*(?:openblas|mkl_rt)\S*\.so\S*)")
_done = set()
_lock = threading.Lock()


def limit_blas_threads(count: int = 1) -> None:
    """Make the loaded BLAS libraries use ``count`` threads (once per process)."""
    count = int(os.environ.get("SPARKLITE_BLAS_THREADS", count))
    with _lock:
        if (os.getpid(), count) in _done:
            return
        _done.add((os.getpid(), count))
        try:
            with open("/proc/self/maps") as maps:
                libraries = sorted(set(_LIBRARY.findall(maps.read())))
        except OSError:
            return
        for path in libraries:
            try:
                library = ctypes.CDLL(path)
            except OSError:
                continue
            for name in _SETTERS:
                setter = getattr(library, name, None)
                if setter is not None:
                    setter(ctypes.c_int(count))
                    break
