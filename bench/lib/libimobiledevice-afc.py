#!/usr/bin/python3
"""libimobiledevice's own AFC client, driven from Python: a peer for tests and bench/afc-read.ts.

Run with /usr/bin/python3 (Debian python3-imobiledevice); set USBMUXD_SOCKET_ADDRESS to reach the
simulator, and RK_UDID to pick one phone (default: the first; then the binding's handshake is
skipped, as its iDevice(udid) has the same bug, and afc_client_start_service does the handshake). The python3-imobiledevice binding (libimobiledevice 1.3.0) opens the device and lockdown
fine, but its LockdownClient.start_service() cannot start a service on Python 3: it casts the str
service name to bytes unchecked and aborts (PyBytes_AS_STRING assertion), or raises TypeError.
So the device and lockdown are checked through the binding, and AFC itself is libimobiledevice's
C client (afc_client_start_service, afc_read_directory, afc_file_read ...) called through ctypes:
the same library the binding wraps.

  list DIR                  -> JSON list of names (without . and ..)
  sha256 PATH...            -> JSON {path: {"size": n, "sha256": hex}}
  read CHUNK [PATH...]      -> reads every file (paths from stdin when none given), discards the
                               bytes, prints JSON {"files": n, "bytes": n, "seconds": s, "cpuSeconds": s}
"""
import ctypes
import hashlib
import json
import os
import sys
import time

import imobiledevice

lib = ctypes.CDLL("libimobiledevice-1.0.so.6")
c_char_pp = ctypes.POINTER(ctypes.c_char_p)

lib.idevice_new.argtypes = [ctypes.POINTER(ctypes.c_void_p), ctypes.c_char_p]
lib.idevice_free.argtypes = [ctypes.c_void_p]
lib.afc_client_start_service.argtypes = [ctypes.c_void_p, ctypes.POINTER(ctypes.c_void_p), ctypes.c_char_p]
lib.afc_client_free.argtypes = [ctypes.c_void_p]
lib.afc_read_directory.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.POINTER(c_char_pp)]
lib.afc_dictionary_free.argtypes = [c_char_pp]
lib.afc_file_open.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int, ctypes.POINTER(ctypes.c_uint64)]
lib.afc_file_read.argtypes = [ctypes.c_void_p, ctypes.c_uint64, ctypes.c_char_p, ctypes.c_uint32, ctypes.POINTER(ctypes.c_uint32)]
lib.afc_file_close.argtypes = [ctypes.c_void_p, ctypes.c_uint64]

AFC_FOPEN_RDONLY = 1


def check(code, what):
    if code != 0:
        raise SystemExit(f"{what} failed with libimobiledevice error {code}")


class Afc:
    def __init__(self):
        # The binding: device and lockdown handshake (pairing record, TLS session).
        udid = os.environ.get("RK_UDID", "").encode() or None
        if udid is None:
            # iDevice(udid) has the same str-to-bytes bug, so the binding is used only for the first phone.
            device = imobiledevice.iDevice()
            imobiledevice.LockdownClient(device, b"rollkeeper-peer")
        # libimobiledevice's C AFC client on its own device handle.
        self.device = ctypes.c_void_p()
        check(lib.idevice_new(ctypes.byref(self.device), udid), "idevice_new")
        self.client = ctypes.c_void_p()
        check(lib.afc_client_start_service(self.device, ctypes.byref(self.client), b"rollkeeper-peer"), "afc_client_start_service")

    def list(self, path):
        names = c_char_pp()
        check(lib.afc_read_directory(self.client, path.encode(), ctypes.byref(names)), f"afc_read_directory {path}")
        out = []
        i = 0
        while names[i]:
            out.append(names[i].decode())
            i += 1
        lib.afc_dictionary_free(names)
        return [n for n in out if n not in (".", "..")]

    def chunks(self, path, chunk):
        handle = ctypes.c_uint64()
        check(lib.afc_file_open(self.client, path.encode(), AFC_FOPEN_RDONLY, ctypes.byref(handle)), f"afc_file_open {path}")
        buffer = ctypes.create_string_buffer(chunk)
        got = ctypes.c_uint32()
        try:
            while True:
                check(lib.afc_file_read(self.client, handle.value, buffer, chunk, ctypes.byref(got)), f"afc_file_read {path}")
                if got.value == 0:
                    return
                yield buffer, got.value
        finally:
            lib.afc_file_close(self.client, handle.value)


def main():
    command, args = sys.argv[1], sys.argv[2:]
    afc = Afc()
    if command == "list":
        print(json.dumps(afc.list(args[0])))
    elif command == "sha256":
        out = {}
        for path in args:
            digest = hashlib.sha256()
            size = 0
            for buffer, length in afc.chunks(path, 1 << 20):
                digest.update(ctypes.string_at(buffer, length))
                size += length
            out[path] = {"size": size, "sha256": digest.hexdigest()}
        print(json.dumps(out))
    elif command == "read":
        chunk = int(args[0])
        paths = args[1:] or [line.strip() for line in sys.stdin if line.strip()]
        start = time.perf_counter()
        cpu = time.process_time()
        total = 0
        for path in paths:
            for _buffer, length in afc.chunks(path, chunk):
                total += length  # bytes are left in the buffer, as a copy-free reader would
        seconds = time.perf_counter() - start
        print(json.dumps({"files": len(paths), "bytes": total, "seconds": seconds, "cpuSeconds": time.process_time() - cpu}))
    else:
        raise SystemExit(f"unknown command {command}")


if __name__ == "__main__":
    main()
