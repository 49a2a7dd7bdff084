#!/usr/bin/env python3
"""Writes the malformed-input corpus the data reader tests read (tests/data/*_test.cpp
assert the exact error message of each file) and that the fuzzers start from.

The files are committed; rerun this script only to change them:
    python3 tests/data/corpus/make_corpus.py
Gzip files use compression level 0 (stored blocks) so that the number of bytes that
survive a truncation is plain arithmetic: 10 bytes of gzip header, 5 of stored-block
header, then the data itself.
"""
import gzip
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))


def write(name, data):
    path = os.path.join(HERE, name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data.encode() if isinstance(data, str) else data)


def stored_gzip(data):
    return gzip.compress(data, compresslevel=0, mtime=0)


def idx(type_code, dims, payload):
    return bytes([0, 0, type_code, len(dims)]) + b"".join(struct.pack(">I", d) for d in dims) + payload


def npy(header_dict, payload, major=1):
    preamble = 10 if major == 1 else 12
    total = (preamble + len(header_dict) + 1 + 63) // 64 * 64
    header = header_dict + " " * (total - preamble - len(header_dict) - 1) + "\n"
    length = struct.pack("<H", len(header)) if major == 1 else struct.pack("<I", len(header))
    return b"\x93NUMPY" + bytes([major, 0]) + length + header.encode() + payload


# libsvm
write("libsvm/unsorted_indices.libsvm", "+1 1:0.5 3:1\n-1 4:1 2:0.25\n")
write("libsvm/duplicate_indices.libsvm", "1 1:1 2:2 2:3\n")
write("libsvm/zero_index.libsvm", "# a 1-based file\n1 0:1 1:2\n")
write("libsvm/value_not_a_number.libsvm", "1 1:1\n1 1:abc\n")
write("libsvm/value_out_of_range.libsvm", "1 1:1e400\n")
write("libsvm/index_2pow31.libsvm", "1 2147483648:1\n")
write("libsvm/index_2pow63.libsvm", "1 9223372036854775808:1\n")
write("libsvm/bad_qid.libsvm", "1 qid:-3 1:1\n")
write("libsvm/empty_lines.libsvm", "\n1 1:1\n\n \t \n-1 2:2\r\n\r\n\n")
lines = "".join(f"{i % 2} {i % 5 + 1}:{i}\n" for i in range(200))
# 200 lines of 6 to 10 bytes; cut after 10 + 5 + 1000 bytes of data.
write("libsvm/truncated.libsvm.gz", stored_gzip(lines.encode())[:10 + 5 + 1000])

# IDX
write("idx/bad_magic.idx", b"\x01\x02\x08\x01" + struct.pack(">I", 2) + b"\x00\x01")
write("idx/overflow_dims.idx", idx(0x08, [0xFFFFFFFF] * 3, b"\x00" * 8))
write("idx/truncated_payload.idx", idx(0x08, [2, 3, 3], bytes(range(10))))
write("idx/trailing_garbage.idx", idx(0x08, [2, 2], bytes([1, 2, 3, 4, 5])))
images = idx(0x08, [10, 10], bytes(range(100)))
# 112 bytes of IDX; keep the gzip header, the block header and 60 of them.
write("idx/truncated.idx.gz", stored_gzip(images)[:10 + 5 + 60])

# CSV
write("csv/ragged_rows.csv", "x1,x2,y\n1,2,0\n3,4\n")
write("csv/non_numeric.csv", "a,b,label\n1,2,0\n3,abc,1\n")
write("csv/empty.csv", "")

# .npy
write("npy/bad_header.npy", npy("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 2) 'x': 1}", b"\x00" * 32))
write("npy/big_endian.npy", npy("{'descr': '>f8', 'fortran_order': False, 'shape': (2,), }", b"\x00" * 16))
write("npy/fortran_order.npy", npy("{'descr': '<f8', 'fortran_order': True, 'shape': (2, 3), }", b"\x00" * 48))
write("npy/truncated_payload.npy", npy("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }", b"\x00" * 40))
