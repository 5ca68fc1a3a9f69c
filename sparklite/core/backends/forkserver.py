"""The fork server: one clean interpreter per local context that forks the Python workers.

Contract:
* ``ForkServer()`` starts the server in a session of its own (a terminal's Ctrl-C reaches the
  driver, which cancels the job; never the workers directly). When the driver runs no other thread
  yet (a script creating its context), the server is a fork of the driver: ready at once. Otherwise
  (forking a process with threads can inherit a lock some thread held) it is a new interpreter,
  ``python -c`` with the driver's ``sys.path``, ready once it has imported the engine (about half a
  second here). Either way each worker then costs a ``fork``, not an interpreter start.
* ``fork(main)`` returns ``(pid, socket)``; the child runs the function ``main`` names
  (``"module:function"``, e.g. a Python worker's ``workers.worker_main`` or a ``local-cluster``
  executor's ``local_cluster.executor_main``) on the socket. The server imports that module before
  its first fork of it, so children share it; it imports nothing of its clients otherwise.
* ``exit_code(pid, timeout)`` is the child's exit status as ``subprocess`` gives it (negative: the
  signal that killed it), once the server has reaped it.
* Nothing outlives the driver: the server kills its children and exits when its control socket
  closes (``stop()``, or the driver died), and each child dies with the server (Linux
  ``PR_SET_PDEATHSIG``) and exits when its own socket closes.
"""
from __future__ import annotations

import itertools
import json
import os
import select
import signal
import socket
import stat
import subprocess
import sys
import threading
import time
from concurrent.futures import Future

_BOOTSTRAP = ("import sys, json; sys.path[:] = json.loads(sys.argv[2]); "
              "from sparklite.core.backends.forkserver import serve; serve(int(sys.argv[1]))")


class ForkServerError(RuntimeError):
    pass


class ForkServer:
    def __init__(self):
        self._control, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        try:
            if threading.active_count() == 1 and hasattr(os, "fork"):
                self._process = _ForkedServer(theirs)
            else:
                self._process = subprocess.Popen(
                    [sys.executable, "-c", _BOOTSTRAP, str(theirs.fileno()), json.dumps(sys.path)],
                    pass_fds=[theirs.fileno()], stdin=subprocess.DEVNULL, start_new_session=True)
        finally:
            theirs.close()
        self._ids = itertools.count()
        self._lock = threading.Lock()
        self._forks: dict[int, Future] = {}
        self._exits: dict[int, int] = {}
        self._exited = threading.Condition()
        self._dead: str | None = None
        threading.Thread(target=self._read, name="sparklite-fork-server", daemon=True).start()

    def fork(self, main: str, timeout: float = 60.0) -> tuple[int, socket.socket]:
        mine, theirs = socket.socketpair()
        future: Future = Future()
        with self._lock:
            if self._dead:
                raise ForkServerError(self._dead)
            request = next(self._ids)
            self._forks[request] = future
            socket.send_fds(self._control, [f"{main} {request}".encode()], [theirs.fileno()])
        theirs.close()
        return future.result(timeout), mine

    def exit_code(self, pid: int, timeout: float) -> int | None:
        with self._exited:
            self._exited.wait_for(lambda: pid in self._exits or self._dead, timeout)
            return self._exits.pop(pid, None)

    def _read(self) -> None:
        while True:
            try:
                message = self._control.recv(64)
            except OSError:
                message = b""
            if not message:
                break
            kind, first, second = message.decode().split()
            if kind == "forked":
                with self._lock:
                    future = self._forks.pop(int(first))
                future.set_result(int(second))
            else:
                with self._exited:
                    self._exits[int(first)] = int(second)
                    self._exited.notify_all()
        code = self._process.wait()
        with self._lock, self._exited:
            self._dead = self._dead or f"the Python worker fork server exited (status {code}); see the lines above"
            for future in self._forks.values():
                future.set_exception(ForkServerError(self._dead))
            self._forks.clear()
            self._exited.notify_all()

    def stop(self) -> None:
        """Close the control socket: the server kills every worker it forked and exits."""
        with self._lock:
            self._dead = "the Python worker fork server was stopped"
            try:
                self._control.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        try:
            self._process.wait(5)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        self._control.close()


class _ForkedServer:
    """The server as a fork of a single-threaded driver; ``wait``/``kill`` as ``Popen`` has them."""

    def __init__(self, control):
        self.pid = os.fork()
        if self.pid == 0:
            try:
                os.setsid()
                keep = control.fileno()
                _close_inherited({keep} | _self_pipes())
                serve(keep)
            finally:
                os._exit(1)
        self._status = None
        self._lock = threading.Lock()

    def wait(self, timeout: float | None = None) -> int:
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            with self._lock:   # the reader thread and stop() may both wait
                if self._status is not None:
                    return self._status
                try:
                    pid, status = os.waitpid(self.pid, os.WNOHANG)
                except ChildProcessError:
                    pid, status = self.pid, 0
                if pid:
                    self._status = os.waitstatus_to_exitcode(status)
                    return self._status
            if deadline is not None and time.monotonic() > deadline:
                raise subprocess.TimeoutExpired("fork server", timeout)
            time.sleep(0.01)

    def kill(self) -> None:
        try:
            os.kill(self.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def _self_pipes() -> set:
    """The descriptors of pipes whose both ends this process holds: self-pipes, such as the one
    pyarrow makes for Ctrl-C after a CSV read. Its fork handler closes them in every child, and
    aborts the child if they were closed already."""
    by_pipe: dict = {}
    try:
        fds = [int(name) for name in os.listdir("/proc/self/fd")]
    except OSError:
        return set()
    for fd in fds:
        try:
            info = os.fstat(fd)
        except OSError:
            continue
        if stat.S_ISFIFO(info.st_mode):
            by_pipe.setdefault((info.st_dev, info.st_ino), []).append(fd)
    return {fd for ends in by_pipe.values() if len(ends) > 1 for fd in ends}


def _close_inherited(keep: set) -> None:
    """Close every descriptor above stderr except ``keep``."""
    low = 3
    for fd in sorted(keep):
        if fd >= low:
            os.closerange(low, fd)
            low = fd + 1
    os.closerange(low, _max_fd())


def _max_fd() -> int:
    try:
        return os.sysconf("SC_OPEN_MAX")
    except (ValueError, OSError):
        return 1024


# -- the server process --------------------------------------------------------------------------

def serve(control_fd: int) -> None:
    """The server's loop: fork a worker per request, report every child's exit status."""
    import importlib
    importlib.import_module("sparklite.core.executor")    # the engine, imported once for every fork
    mains: dict = {}

    def main_of(target: str):
        if target not in mains:
            module, _, function = target.partition(":")
            mains[target] = getattr(importlib.import_module(module), function)
        return mains[target]

    control = socket.socket(fileno=control_fd)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    wake_read, wake_write = os.pipe()
    os.set_blocking(wake_write, False)
    os.set_blocking(wake_read, False)
    signal.set_wakeup_fd(wake_write)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    children: set[int] = set()
    try:
        while True:
            ready, _, _ = select.select([control, wake_read], [], [])
            if wake_read in ready:
                while os.read(wake_read, 512) == 512:
                    pass
                _reap(children, control)
            if control in ready:
                message, fds, _, _ = socket.recv_fds(control, 64, 1)
                if not message:
                    break
                target, request = message.decode().split()
                main = main_of(target)
                pid = os.fork()
                if pid == 0:
                    control.close()
                    os.close(wake_read)
                    os.close(wake_write)
                    _run_child(fds[0], main)
                os.close(fds[0])
                children.add(pid)
                control.send(f"forked {request} {pid}".encode())
                _reap(children, control)
    finally:
        for pid in children:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        os._exit(0)


def _reap(children: set, control) -> None:
    while children:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        children.discard(pid)
        try:
            control.send(f"exited {pid} {os.waitstatus_to_exitcode(status)}".encode())
        except OSError:
            pass


def _run_child(fd: int, main) -> None:
    signal.set_wakeup_fd(-1)
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    _die_with_parent()
    code = 0
    try:
        main(socket.socket(fileno=fd))
    except BaseException:   # noqa: BLE001 - a worker's own crash; its status says so
        import traceback
        traceback.print_exc()
        code = 1
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def _die_with_parent() -> None:
    if not sys.platform.startswith("linux"):
        return
    import ctypes
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)   # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass
