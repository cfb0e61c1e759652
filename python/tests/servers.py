"""Real Redis and Memcached servers for the tests: Debian's binaries on ephemeral 127.0.0.1 ports,
started by the test and stopped by their PID (never by name). Every wait is bounded."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time

__all__ = ["Server", "free_port", "REDIS_SERVER", "MEMCACHED"]

REDIS_SERVER = "/usr/bin/redis-server"
MEMCACHED = "/usr/bin/memcached"


def free_port() -> int:
    """A port nothing listens on now (the kernel's pick)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """One server process. `pause()`/`resume()` freeze it (SIGSTOP/SIGCONT: connections are
    accepted by the kernel, nothing answers); `kill()` and `start()` again on the same port."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def _command(self) -> list[str]:
        if self.kind == "redis":
            return [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                    "--appendonly", "no", "--daemonize", "no", "--loglevel", "warning"]
        command = [MEMCACHED, "-l", "127.0.0.1", "-p", str(self.port), "-U", "0", "-m", "16"]
        if os.geteuid() == 0:
            command += ["-u", "root"]
        return command

    def start(self) -> "Server":
        self.proc = subprocess.Popen(self._command(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.kind} exited at start (code {self.proc.returncode}) on port {self.port}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as s:
                    s.sendall(b"PING\r\n" if self.kind == "redis" else b"version\r\n")
                    s.settimeout(1)
                    if s.recv(64):
                        return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"{self.kind} did not answer within 10 s on port {self.port}")

    def pause(self) -> None:
        """SIGSTOP, and returns once every thread of the server is stopped (a request already on a
        running thread could otherwise still be answered after the signal was sent)."""
        assert self.proc is not None
        os.kill(self.proc.pid, signal.SIGSTOP)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and not self._stopped():
            time.sleep(0.005)

    def _stopped(self) -> bool:
        assert self.proc is not None
        task_dir = f"/proc/{self.proc.pid}/task"
        try:
            for task in os.listdir(task_dir):
                with open(f"{task_dir}/{task}/stat") as f:
                    state = f.read().rsplit(")", 1)[1].split()[0]
                if state not in ("T", "t"):
                    return False
        except OSError:
            return True
        return True

    def resume(self) -> None:
        assert self.proc is not None
        os.kill(self.proc.pid, signal.SIGCONT)

    def kill(self) -> None:
        """SIGKILL by PID, and reaped."""
        if self.proc is None or self.proc.poll() is not None:
            return
        os.kill(self.proc.pid, signal.SIGCONT)
        self.proc.kill()
        self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        try:
            os.kill(self.proc.pid, signal.SIGCONT)
            self.proc.terminate()
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=5)
