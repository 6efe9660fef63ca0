#!/usr/bin/env python3
"""A real SMTP server on loopback for the notification tests (aiosmtpd).

    python3 tests/smtp_sink.py PORT DIR [DEFER]

Listens on 127.0.0.1:PORT (0: any free port) and prints the port it got as the first line
of stdout. The first DEFER messages (default 0) are refused with a transient `451`, as a
busy server does; they are not stored. Any recipient at the domain `reject.test` is refused
for good at RCPT with `550 5.1.1`, as a server refuses a mailbox that does not exist. Every message it accepts becomes one file DIR/<time>-<pid>-<n>.eml: two header
lines that carry the SMTP envelope (X-Sink-Mail-From, X-Sink-Rcpt-To) followed by the
message exactly as it arrived. Each file is written under a temporary name and renamed, so
a reader never sees half a message. The sink stops when its stdin closes (the test that
started it has gone) or when it is killed.

Needs `pip install aiosmtpd`.
"""

import os
import sys
import threading
import time

from aiosmtpd.controller import Controller


# Recipients at this domain are refused with a permanent 5xx.
REJECT_DOMAIN = "reject.test"


class Sink:
    """Writes each message it is given into a directory."""

    def __init__(self, directory, defer):
        self.directory = directory
        self.defer = defer
        self.count = 0
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.rsplit("@", 1)[-1].lower() == REJECT_DOMAIN:
            return f"550 5.1.1 <{address}>: no such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            if self.defer > 0:
                self.defer -= 1
                return "451 4.3.0 Deferred by the test sink; try again later"
            self.count += 1
            name = f"{time.time_ns():020d}-{os.getpid()}-{self.count:06d}"
        head = (
            f"X-Sink-Mail-From: {envelope.mail_from}\r\n"
            f"X-Sink-Rcpt-To: {', '.join(envelope.rcpt_tos)}\r\n"
        ).encode("utf-8")
        content = envelope.original_content or envelope.content
        if isinstance(content, str):
            content = content.encode("utf-8")
        partial = os.path.join(self.directory, name + ".part")
        with open(partial, "wb") as out:
            out.write(head + content)
            out.flush()
            os.fsync(out.fileno())
        os.replace(partial, os.path.join(self.directory, name + ".eml"))
        return "250 Message accepted for delivery"


class LoopbackController(Controller):
    """A Controller that may be asked for port 0 and learns the port it was given."""

    def _trigger_server(self):
        if self.port == 0 and self.server is not None:
            self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


def main():
    if len(sys.argv) not in (3, 4):
        print("usage: smtp_sink.py PORT DIR [DEFER]", file=sys.stderr)
        return 2
    port, directory = int(sys.argv[1]), sys.argv[2]
    defer = int(sys.argv[3]) if len(sys.argv) == 4 else 0
    os.makedirs(directory, exist_ok=True)
    controller = LoopbackController(
        Sink(directory, defer),
        hostname="127.0.0.1",
        port=port,
        ready_timeout=30,
        enable_SMTPUTF8=True,
    )
    try:
        controller.start()
    except Exception as error:  # the port is taken, most likely
        print(f"smtp_sink: cannot listen on 127.0.0.1:{port}: {error}", file=sys.stderr)
        return 1
    print(controller.port, flush=True)
    try:
        # Blocks until the parent closes our stdin (or dies).
        sys.stdin.read()
    except KeyboardInterrupt:
        pass
    controller.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
