"""Publish pending outbox messages: once, or in a loop until stopped."""

import signal
import time
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand

from common.runtime import StopRequest
from jobs.services import outbox_relay


class Command(BaseCommand):
    help = "Publish the outbox messages that wait for the broker. With --loop, keep doing so until stopped."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--loop", action="store_true", help="keep relaying until SIGTERM or Ctrl-C")
        parser.add_argument("--interval", type=float, default=5.0, help="seconds between runs with --loop")
        parser.add_argument("--batch-size", type=int, default=100)

    def handle(self, *args: Any, loop: bool, interval: float, batch_size: int, **options: Any) -> None:
        if not loop:
            self._relay(batch_size, quiet_when_idle=False)
            return
        stop = StopRequest()  # finish the batch in hand, then leave
        previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}
        try:
            while True:
                self._relay(batch_size, quiet_when_idle=True)
                resume = time.monotonic() + interval
                while not stop.requested and time.monotonic() < resume:
                    time.sleep(min(0.2, interval))
                if stop.requested:
                    return
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def _relay(self, batch_size: int, *, quiet_when_idle: bool) -> None:
        result = outbox_relay(batch_size=batch_size)
        if result.failed:
            self.stderr.write(f"Published {result.published}; the broker is unreachable, the rest waits.")
        elif result.published or not quiet_when_idle:
            self.stdout.write(f"Published {result.published}.")
