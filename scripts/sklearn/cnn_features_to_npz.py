#!/usr/bin/python3
"""Turn two feature files written by `offshelf extract` into the .npz that generate_head_fixtures.py takes.

    /usr/bin/python3 scripts/sklearn/cnn_features_to_npz.py TRAIN.safetensors TEST.safetensors OUT.npz \\
        [--train-per-class 12] [--test-per-class 8] [--seed 0]

Each input contains `features` (F32, N×D) and `labels` (I32, N), with the class names in the
metadata. The output keeps a seeded subset with the same number of images of every class, so the
JSON fixture stays a few hundred KB; features stay float32 and labels become class names.
"""

import argparse
import json
import struct

import numpy as np

DTYPES = {"F32": "<f4", "I32": "<i4"}


def read_safetensors(path):
    """Read the tensors and metadata of a safetensors file (8-byte little-endian header length, JSON header, raw data)."""
    with open(path, "rb") as f:
        raw = f.read()
    header_length = struct.unpack("<Q", raw[:8])[0]
    header = json.loads(raw[8 : 8 + header_length])
    data = raw[8 + header_length :]
    metadata = header.pop("__metadata__", {})
    tensors = {}
    for name, info in header.items():
        if info["dtype"] not in DTYPES:
            raise SystemExit(f"{path}: tensor '{name}' has unsupported dtype {info['dtype']}. Only F32 and I32 are read, so extract the features again with `offshelf extract`")
        start, end = info["data_offsets"]
        tensors[name] = np.frombuffer(data[start:end], dtype=DTYPES[info["dtype"]]).reshape(info["shape"])
    return tensors, metadata


def balanced_subset(path, per_class, rng):
    tensors, metadata = read_safetensors(path)
    class_names = np.array(json.loads(metadata["classNames"]))
    labels = tensors["labels"]
    keep = []
    for c in range(len(class_names)):
        members = np.flatnonzero(labels == c)
        if len(members) < per_class:
            raise SystemExit(f"{path}: class '{class_names[c]}' has {len(members)} images, fewer than the requested {per_class}. Lower --train-per-class or --test-per-class")
        keep.append(rng.choice(members, per_class, replace=False))
    keep = np.sort(np.concatenate(keep))
    return tensors["features"][keep].astype(np.float32), class_names[labels[keep]]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("train", help="safetensors from `offshelf extract` for the training images")
    parser.add_argument("test", help="safetensors from `offshelf extract` for the test images")
    parser.add_argument("output", help=".npz to write with X_train, y_train, X_test, y_test")
    parser.add_argument("--train-per-class", type=int, default=12, help="training images kept per class (default 12)")
    parser.add_argument("--test-per-class", type=int, default=8, help="test images kept per class (default 8)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the random subset (default 0)")
    args = parser.parse_args()

    rng = np.random.RandomState(args.seed)
    X_train, y_train = balanced_subset(args.train, args.train_per_class, rng)
    X_test, y_test = balanced_subset(args.test, args.test_per_class, rng)
    np.savez(args.output, X_train=X_train, y_train=y_train, X_test=X_test, y_test=y_test)
    print(f"wrote {args.output}: {len(y_train)} train and {len(y_test)} test images × {X_train.shape[1]} features")


if __name__ == "__main__":
    main()
