"""The child processes: each child's life (child_main), its control Pipe (Child), forking, and Target."""

from __future__ import annotations

import argparse
import contextlib
import math
import multiprocessing
import os
import signal
import sys
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from bench.ack.apps import ChildConfig, Handlers, fake_slack_child, target_child
from bench.ack.payloads import CALL_TIMEOUT_S, START_TIMEOUT_S, STOP_TIMEOUT_S, TARGETS, BenchError


def child_main(conn: Connection, parent_pid: int,
               build: Callable[[ChildConfig, list[Callable[[], None]]], tuple[Handlers, dict[str, Any]]],
               config: ChildConfig) -> None:
    """A child's whole life: build, say hello (or why not), answer commands until "stop", clean up."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole group: the bench process stops us
    cleanup: list[Callable[[], None]] = []
    stop_requested = False
    try:
        try:
            handlers, hello = build(config, cleanup)
        except Exception:
            conn.send(("error", traceback.format_exc(limit=8)))
            return
        conn.send(("ok", hello))
        while True:
            if not conn.poll(1.0):
                if os.getppid() != parent_pid:  # the bench process died: nobody to drain for, FakeSlack
                    os._exit(1)  # is gone too (queued work would retry against it), so no clean-up
                continue
            try:
                command, args = conn.recv()
            except EOFError:
                return
            if command == "stop":
                stop_requested = True
                return
            try:
                conn.send(("ok", handlers[command](*args)))
            except Exception as error:
                conn.send(("error", f"{type(error).__name__}: {error}"))
    finally:
        problems: list[str] = []
        for step in reversed(cleanup):
            try:
                step()
            except Exception as error:
                problems.append(f"cleanup failed: {type(error).__name__}: {error}")
        if stop_requested:
            alive = [t.name for t in threading.enumerate() if t is not threading.main_thread() and t.is_alive()]
            problems += [f"threads still alive at exit: {alive}"] if alive else []
            with contextlib.suppress(OSError):
                conn.send(("stopped", problems))  # tagged: a reply to an interrupted call may precede it
        conn.close()


# ---- in the bench process: the children ----------------------------------------------------------
class Child:
    """A child process and its control Pipe; ``call`` is one request/response, safe from any thread."""

    def __init__(self, name: str, process: BaseProcess, conn: Connection) -> None:
        self.name, self.process, self.conn = name, process, conn
        self.hello: dict[str, Any] = {}
        self._lock = threading.Lock()

    @property
    def pid(self) -> int | None:
        return self.process.pid

    def _receive(self, timeout: float, what: str, expect: str = "ok") -> Any:
        deadline = time.monotonic() + timeout
        while True:
            if not self.conn.poll(max(0.0, deadline - time.monotonic())):
                state = "alive" if self.process.is_alive() else f"exited with {self.process.exitcode}"
                raise BenchError(f"{self.name} child ({state}) did not answer {what} within {timeout:g} s")
            try:
                status, result = self.conn.recv()
            except EOFError as error:
                raise BenchError(f"{self.name} child exited ({self.process.exitcode}) during {what}") from error
            if status == expect:
                return result
            if status == "error" and expect == "ok":
                raise BenchError(f"{self.name} child: {what}: {result}")
            # waiting for "stopped": skip the answer to a call that Ctrl-C interrupted before it was read

    def wait_ready(self) -> dict[str, Any]:
        self.hello = self._receive(START_TIMEOUT_S, "start-up")
        return self.hello

    def call(self, command: str, *args: Any) -> Any:
        with self._lock:
            try:
                self.conn.send((command, args))
            except OSError as error:
                raise BenchError(f"{self.name} child is gone ({command}): {error}") from error
            return self._receive(CALL_TIMEOUT_S, command)

    def stop(self) -> list[str]:
        """Ask the child to stop and wait for it; terminate it if it does not. Returns its complaints."""
        problems: list[str] = []
        if self.process.is_alive():
            try:
                with self._lock:
                    self.conn.send(("stop", ()))
                    problems = list(self._receive(STOP_TIMEOUT_S, "stop", expect="stopped"))
            except (BenchError, OSError) as error:
                problems.append(str(error))
        self.process.join(timeout=5)
        if self.process.is_alive():
            problems.append("did not exit after stop: terminated")
            self.process.terminate()
            self.process.join(timeout=5)
            if self.process.is_alive():
                self.process.kill()
                self.process.join(timeout=5)
        self.conn.close()
        return [f"{self.name} child: {p}" for p in problems]


def fork_child(ctx: Any, name: str, build: Callable[..., tuple[Handlers, dict[str, Any]]],
               config: ChildConfig, children: list[Child]) -> Child:
    """Fork a child (the bench process must have no other thread yet) and register it for stopping."""
    if threading.active_count() != 1:
        raise BenchError(f"threads running before forking {name}: {[t.name for t in threading.enumerate()]}")
    sys.stdout.flush()
    sys.stderr.flush()
    here, there = ctx.Pipe()
    process = ctx.Process(target=child_main, args=(there, os.getpid(), build, config), name=f"bench-{name}",
                          daemon=True)
    process.start()
    there.close()
    child = Child(name, process, here)
    children.append(child)
    return child


# ---- targets (as the bench process sees them) ----------------------------------------------------
@dataclass
class Target:
    name: str
    child: Child
    url: str
    has_executor: bool = False  # the target has an executor for work after the ack (else nothing to ask)
    lazy_publishes: bool = False  # each block action ends with one views.publish (Flowcoach)
    sent_actions: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _poll_lock: threading.Lock = field(default_factory=threading.Lock)
    _backlog: tuple[float, int] = (-math.inf, 0)  # (monotonic time asked, answer)

    @property
    def address(self) -> tuple[str, int]:
        parts = urlsplit(self.url)
        assert parts.hostname is not None and parts.port is not None
        return parts.hostname, parts.port

    def lazy_queued(self, max_age: float = 0.0) -> int:
        """Tasks queued in the child's executor. With ``max_age``, an answer that young is reused, and while
        another sender is asking the last answer is returned, so senders never queue up on the Pipe."""
        if not self.has_executor:
            return 0
        asked, answer = self._backlog
        if max_age and time.monotonic() - asked < max_age:
            return answer
        if not self._poll_lock.acquire(blocking=not max_age):
            return answer
        try:
            now = time.monotonic()
            answer = int(self.child.call("lazy_queued"))
            self._backlog = (now, answer)
            return answer
        finally:
            self._poll_lock.release()

    def settled(self) -> bool:
        """Nothing queued and nothing running in the child's executor."""
        return not self.has_executor or bool(self.child.call("settled"))

    def take_cpu(self) -> list[float]:
        """The child's request-thread CPU samples since the last call (seconds)."""
        return list(self.child.call("cpu"))

    def count_action(self) -> None:
        with self._lock:
            self.sent_actions += 1



def start_children(args: argparse.Namespace, workdir: Path, children: list[Child]) -> tuple[Child, list[Target]]:
    """FakeSlack's child first (the targets need its URL), then one child per target; no thread exists yet."""
    ctx = multiprocessing.get_context("fork")
    config = ChildConfig(workdir=workdir, as_shipped_loop=args.as_shipped_loop)
    fake = fork_child(ctx, "fakeslack", fake_slack_child, config, children)
    hello = fake.wait_ready()
    config = ChildConfig(workdir=workdir, as_shipped_loop=args.as_shipped_loop, slack_url=hello["url"],
                         bot_token=hello["bot_token"])
    started = [fork_child(ctx, name, target_child(name), config, children) for name in TARGETS]
    targets = []
    for child in started:
        ready = child.wait_ready()
        targets.append(Target(child.name, child, ready["url"], has_executor=ready["executor"],
                              lazy_publishes=child.name == "flowcoach"))
    return fake, targets

