"""Score a Spark DataFrame with an aekit model, partition by partition.

    aekit detect data/wine.csv --label label --out wine.aekit
    python python/examples/spark_score.py wine.aekit data/wine.csv

The driver ships the model file to every executor with ``addFile``; each
executor needs Python with ``aekit`` (and pyarrow) installed, and reads the
model once per worker process. On a cluster, the same code runs with
``SparkSession.builder.master("spark://...")`` or ``spark-submit``: install
the aekit wheel on the executors (``--py-files`` does not carry the native
library; use a cluster-wide ``pip install`` or a conda/venv archive passed
with ``--archives``).
"""

import os
import sys

from pyspark import SparkFiles
from pyspark.sql import SparkSession

import aekit


def score(spark, model_path, frame, keep=()):
    """``frame`` with the model's scores (or codes), computed on the executors."""
    spark.sparkContext.addFile(os.path.abspath(model_path))
    name = os.path.basename(model_path)
    model = aekit.load(model_path)
    columns = aekit.output_columns(model, keep)
    types = {c: frame.schema[c].dataType.simpleString() for c in keep}
    if isinstance(model, aekit.AnomalyDetector):
        types.update(score="double", is_anomaly="boolean")
    else:
        types.update({c: "float" for c in columns if c not in types})
    schema = ", ".join(f"`{c}` {types[c]}" for c in columns)
    scorer = aekit.arrow_scorer(lambda: SparkFiles.get(name), keep=keep)
    return frame.mapInArrow(scorer, schema)


def main(model_path, csv_path):
    spark = SparkSession.builder.master("local[2]").appName("aekit-score").getOrCreate()
    frame = spark.read.csv(csv_path, header=True, inferSchema=True)
    keep = [c for c in frame.columns if c not in aekit.load(model_path).model_.feature_names()]
    scored = score(spark, model_path, frame, keep)
    scored.show(10)
    if "is_anomaly" in scored.columns:
        print("anomalies:", scored.filter("is_anomaly").count(), "of", scored.count())
    spark.stop()


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: spark_score.py MODEL DATA.csv")
    main(sys.argv[1], sys.argv[2])
