"""Train an aekit autoencoder data-parallel on a local Ray instance.

    python python/examples/ray_train.py data/clf_train.csv --label label \
        --workers 2 --out clf.aekit
    aekit encode clf.aekit data/clf_test.csv --out codes.csv

The rows are read as a Ray Dataset and dealt round-robin to --workers
shards, each trained by a Ray actor with the library; the actors average
their parameters every --sync-every steps and at each epoch's end through
Ray's object store (docs/scale.md).
"""

import json
import os
import sys
import tempfile

import ray

import aekit.ray as aekit_ray

import train_arguments  # beside this file


def main(argv=None):
    args = train_arguments.parse(__doc__.split("\n\n")[0], argv)
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
