"""The DynamoDB emulator for the tests: moto's server, one request at a time.

Usage: python dynamodb_emulator.py HOST PORT

DynamoDB executes every request atomically: a TransactWriteItems is
all-or-nothing and isolated from other requests. moto's own threaded server
runs requests concurrently on shared state, so two transactions can interleave
and a cancelled one can leave writes behind. A lock around the application
restores per-request atomicity, while connections (and keep-alive) stay
concurrent, so the race tests test our code, not the emulator's.
"""

import os
import sys
import threading

from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from werkzeug.serving import run_simple


def main() -> None:
    host, port = sys.argv[1], int(sys.argv[2])
    os.environ.setdefault("MOTO_PORT", str(port))
    backend = DomainDispatcherApplication(create_backend_app)
    lock = threading.Lock()

    def atomic(environ, start_response):
        with lock:
            # Consume the whole answer inside the lock.
            return list(backend(environ, start_response))

    run_simple(host, port, atomic, threaded=True, request_handler=MotoRequestHandler)


if __name__ == "__main__":
    main()
