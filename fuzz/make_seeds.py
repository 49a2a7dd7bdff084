#!/usr/bin/env python3
"""Writes small valid inputs to fuzz/seeds/<reader>/, the starting corpus of each fuzzer
(the malformed files of tests/data/corpus/<reader>/ are the other half). The files are
committed; rerun this only to change them:  python3 fuzz/make_seeds.py
"""
import gzip
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))


def write(name, data):
    path = os.path.join(HERE, "seeds", name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data.encode() if isinstance(data, str) else data)


def idx(type_code, dims, payload):
    return bytes([0, 0, type_code, len(dims)]) + b"".join(struct.pack(">I", d) for d in dims) + payload


def npy(header_dict, payload, major=1):
    preamble = 10 if major == 1 else 12
    total = (preamble + len(header_dict) + 1 + 63) // 64 * 64
    header = header_dict + " " * (total - preamble - len(header_dict) - 1) + "\n"
    length = struct.pack("<H", len(header)) if major == 1 else struct.pack("<I", len(header))
    return b"\x93NUMPY" + bytes([major, 0]) + length + header.encode() + payload


libsvm = "# comment\n+1 qid:2 1:0.5 3:-1e-3 # tail\n-1 2:4\r\n\n0.25\n3 1:1 2:2 3:3 7:1e5\n"
write("libsvm/basic.libsvm", libsvm)
write("libsvm/basic.libsvm.gz", gzip.compress(libsvm.encode(), mtime=0))
write("libsvm/zero_based.libsvm", "1 0:1 5:2\n0 1:3\n")

csv = "x1,\"x 2\",y\n1,2.5,0\n-3,+4e2,1\r\n\n0.1,\"5\",1\n"
write("csv/header.csv", csv)
write("csv/header.csv.gz", gzip.compress(csv.encode(), mtime=0))
write("csv/plain.csv", "1,2,3\n4,5,6\n")

write("idx/uint8.idx", idx(0x08, [2, 2, 2], bytes(range(8))))
write("idx/labels.idx", idx(0x08, [2], b"\x01\x09"))
write("idx/int16.idx", idx(0x0B, [3], struct.pack(">3h", -2, 0, 300)))
write("idx/int32.idx", idx(0x0C, [2, 1], struct.pack(">2i", -70000, 5)))
write("idx/float32.idx", idx(0x0D, [2], struct.pack(">2f", 1.5, -0.25)))
write("idx/float64.idx.gz", gzip.compress(idx(0x0E, [2], struct.pack(">2d", 1e300, -2.0)), mtime=0))

write("npy/f8_2d.npy", npy("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 2), }", struct.pack("<4d", 1, 2, 3, 4)))
write("npy/u1_1d_v2.npy", npy("{'descr': '|u1', 'fortran_order': False, 'shape': (3,), }", b"\x01\x02\x03", 2))
write("npy/i8_v3.npy", npy("{\"descr\": \"<i8\", \"fortran_order\": False, \"shape\": (2, 1)}", struct.pack("<2q", -1, 7), 3))
write("npy/f4.npy.gz", gzip.compress(npy("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", struct.pack("<f", 0.5)), mtime=0))

# Format detection sees every kind.
for reader in ("libsvm", "csv", "idx", "npy"):
    for name in os.listdir(os.path.join(HERE, "seeds", reader)):
        with open(os.path.join(HERE, "seeds", reader, name), "rb") as f:
            write("read_dataset/" + name, f.read())
