"""Train an aekit autoencoder data-parallel on a local Ray instance.

    python python/examples/ray_train.py data/clf_train.csv --label label \
        --workers 2 --out clf.aekit
    aekit encode clf.aekit data/clf_test.csv --out codes.csv

The rows are read as a Ray Dataset and split into --workers contiguous
shards, each trained by a Ray actor with the library; the actors average
their parameters every --sync-every steps and at each epoch's end through
Ray's object store (docs/scale.md).
"""

import argparse
import json
import os
import sys
import tempfile

import ray

import aekit.ray as aekit_ray


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("data", help="a CSV file with a header")
    p.add_argument("--label", help="a column to leave out of the features")
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--out", required=True, help="the model file to write")
    p.add_argument("--epochs", type=int, default=50)
    p.add_argument("--sync-every", type=int, default=1, help="steps between averagings")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument(
        "--params",
        default='{"hidden": [200, 100], "bottleneck": 50, "batch_norm": true, '
        '"activation": "leaky_relu", "batch_size": 16}',
        help="aekit parameters as JSON (default: the seed tutorial's model)",
    )
    args = p.parse_args(argv)
    params = dict(json.loads(args.params), seed=args.seed)
    ray.init(num_cpus=args.workers, include_dashboard=False, log_to_driver=False)
    try:
        dataset = ray.data.read_csv(args.data)
        names = [c for c in dataset.columns() if c != args.label]
        model = aekit_ray.train(dataset, names, args.workers, params, args.epochs, args.sync_every)
    finally:
        ray.shutdown()
    # Written atomically: a temporary file in the same folder, renamed.
    folder = os.path.dirname(os.path.abspath(args.out))
    with tempfile.NamedTemporaryFile(dir=folder, delete=False) as f:
        f.write(model)
    os.replace(f.name, args.out)
    print(f"wrote {os.path.abspath(args.out)}")


if __name__ == "__main__":
    sys.exit(main())
