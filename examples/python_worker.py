#!/usr/bin/env python3
"""A worker of your own, in Python through ctypes: join a running throttle, take N permits.

    throttlectl run --name demo --max-n 10 --per 1 --workers 0 &
    python3 python_worker.py demo 20 [path/to/libthrottlelab.so]
"""
import ctypes
import sys

TL_GRANTED, TL_TIMED_OUT = 1, 0


def main() -> int:
    if len(sys.argv) not in (3, 4):
        print("usage: python_worker.py NAME PERMITS [LIBRARY]", file=sys.stderr)
        return 2
    lib = ctypes.CDLL(sys.argv[3] if len(sys.argv) == 4 else "libthrottlelab.so.0")
    lib.tl_attach.restype = ctypes.c_void_p
    lib.tl_attach.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_ulong]
    lib.tl_await_fuel.argtypes = [ctypes.c_void_p, ctypes.c_double]
    lib.tl_emit.argtypes = [ctypes.c_void_p]
    lib.tl_detach.argtypes = [ctypes.c_void_p]

    error = ctypes.create_string_buffer(256)
    handle = lib.tl_attach(sys.argv[1].encode(), error, len(error))
    if not handle:
        print(f"python_worker: {error.value.decode()}", file=sys.stderr)
        return 2
    wanted, taken = int(sys.argv[2]), 0
    while taken < wanted:
        result = lib.tl_await_fuel(handle, 5.0)
        if result == TL_GRANTED:
            taken += 1  # the unit of work goes here
            lib.tl_emit(handle)
        elif result != TL_TIMED_OUT:
            break  # killed, or the throttle is gone
    print(taken)
    lib.tl_detach(handle)
    return 0 if taken == wanted else 1


if __name__ == "__main__":
    sys.exit(main())
