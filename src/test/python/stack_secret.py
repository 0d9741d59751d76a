# A small Python service for StackKernelTest: reads DIR/name every 20 ms in
# handle_request() until DIR/go exists, then opens DIR/secret in open_secret(); exits at
# DIR/stop. Run under CPython 3.12+ with -X perf, its functions are named in alerts.
import os
import sys
import time


def open_secret(d):
    with open(os.path.join(d, "secret")) as f:
        return f.read()


def handle_request(d):
    if os.path.exists(os.path.join(d, "go")):
        return open_secret(d)
    with open(os.path.join(d, "name")) as f:
        return f.read()


def serve(d):
    while not os.path.exists(os.path.join(d, "stop")):
        handle_request(d)
        time.sleep(0.02)


if __name__ == "__main__":
    serve(sys.argv[1])
