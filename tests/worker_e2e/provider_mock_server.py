"""Runs one strict provider mock (provider_mocks.py) until stdin closes, for test suites in
other languages: prints `port N` once listening; `errors` on stdin prints the 400s so far."""

import json
import sys

from provider_mocks import StrictProvider


def main():
    mock = StrictProvider(sys.argv[1])
    print("port %d" % mock.port, flush=True)
    for line in sys.stdin:
        if line.strip() == "errors":
            print(json.dumps(mock.errors), flush=True)
    mock.stop()


if __name__ == "__main__":
    main()
