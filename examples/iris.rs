//! The Iris example: a 4-6-4-2-4-6-4 linear autoencoder trained with
//! RMSprop (lr 0.001) on MSE, then every flower encoded to two numbers.
//!
//! Run: `cargo run --release --example iris`

use std::collections::BTreeMap;
use std::path::PathBuf;

use aekit::data::{ReadOptions, Table};
use aekit::model::Activation;
use aekit::train::OptimizerKind;
use aekit::{Autoencoder, TrainingSetters};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../data/iris.csv");
    let iris = Table::read(&path, &ReadOptions::default())?;
    let model = Autoencoder::params()
        .label("species")
        .drop_columns(["label", "split"])
        .hidden([6, 4])
        .bottleneck(2)
        .activation(Activation::Linear)
        .optimizer(OptimizerKind::RmsProp)
        .learning_rate(0.001)
        .epochs(200)
        .batch_size(16)
        .seed(1)
        .fit(&iris)?;
    let last = model.history().last().expect("at least one epoch");
    println!(
        "final training loss (MSE, min-max scaled): {:.5}",
        last.loss
    );

    let codes = model.encode(&model.scaled_features(&iris)?)?;
    let species = iris.column_index("species").expect("iris has species");
    let mut centres: BTreeMap<String, (f64, f64, usize)> = BTreeMap::new();
    for row in 0..iris.n_rows() {
        let z = codes.row(row);
        let e = centres
            .entry(iris.cell(row, species).into_owned())
            .or_default();
        e.0 += f64::from(z[0]);
        e.1 += f64::from(z[1]);
        e.2 += 1;
    }
    println!("mean 2-D code per species:");
    for (name, (a, b, n)) in centres {
        println!(
            "  {name:<12} ({:+.3}, {:+.3})  n={n}",
            a / n as f64,
            b / n as f64
        );
    }
    Ok(())
}
