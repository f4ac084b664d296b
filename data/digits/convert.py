#!/usr/bin/env python3
"""Regenerates digits.npy from scikit-learn's digits.csv.gz (standard library only).

usage: python3 convert.py PATH/TO/digits.csv.gz digits.npy

The csv holds 1,797 rows of 65 integers: 64 pixels (0..16, row-major 8x8) then the class (0..9).
The output is a NumPy .npy v1.0 array of dtype uint8 ('|u1'), shape (1797, 65), C order, rows in
the csv's order: the same numbers, one byte each, readable without zlib.
"""
import gzip
import sys


def main(src, dst):
    with gzip.open(src, "rt") as f:
        rows = [line.strip().split(",") for line in f if line.strip()]
    data = bytearray()
    for row in rows:
        if len(row) != 65:
            raise SystemExit(f"expected 65 values per row, got {len(row)}")
        for v in row:
            value = float(v)
            if value != int(value) or not 0 <= value <= 16:
                raise SystemExit(f"unexpected value {v}")
            data.append(int(value))
    header = "{'descr': '|u1', 'fortran_order': False, 'shape': (%d, 65), }" % len(rows)
    # magic (6) + version (2) + header length (2) + header, padded with spaces and '\n' to 64 bytes.
    total = 10 + len(header) + 1
    header += " " * ((64 - total % 64) % 64) + "\n"
    with open(dst, "wb") as f:
        f.write(b"\x93NUMPY\x01\x00" + len(header).to_bytes(2, "little") + header.encode("latin1"))
        f.write(bytes(data))


if __name__ == "__main__":
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    main(sys.argv[1], sys.argv[2])
