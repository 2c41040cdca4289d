"""The command line both data-parallel examples (spark_train.py and
ray_train.py) take, so the two stay the same program on two engines."""

import argparse


def parse(description, argv=None):
    """The parsed arguments of a data-parallel training example."""
    p = argparse.ArgumentParser(description=description)
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
    return p.parse_args(argv)
