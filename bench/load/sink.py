"""The load test's SMTP server on loopback: takes every message and writes it to MAIL_DIR/<recipient>/<n>.eml, where
the locust companies read their sign-in links (bench/load/locustfile.py), as a company reads its mailbox.

    python -m bench.load.sink PORT MAIL_DIR
"""

import asyncio
import itertools
import signal
import sys
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller


class MailboxHandler:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.numbers = itertools.count(1)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        content = envelope.original_content or envelope.content
        for recipient in envelope.rcpt_tos:
            mailbox = self.folder / recipient.lower()
            mailbox.mkdir(parents=True, exist_ok=True)
            partial = mailbox / f".{next(self.numbers)}.part"
            partial.write_bytes(content)
            partial.rename(partial.with_name(partial.name.removeprefix(".").removesuffix(".part") + ".eml"))
        return "250 Message accepted"


def main() -> int:
    port, folder = int(sys.argv[1]), Path(sys.argv[2])
    folder.mkdir(parents=True, exist_ok=True)
    controller = Controller(MailboxHandler(folder), hostname="127.0.0.1", port=port)
    controller.start()
    stopped = asyncio.Event()
    loop = asyncio.new_event_loop()
    for signal_number in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signal_number, stopped.set)
    try:
        loop.run_until_complete(stopped.wait())
    finally:
        controller.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
