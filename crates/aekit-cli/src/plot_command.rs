//! `aekit plot ...`: learning curves, the latent space, reconstructions.

use std::path::Path;

use aekit::Autoencoder;
use aekit::data::Table;
use aekit::report::plot;
use aekit::tasks::latent;
use anyhow::Result;

use crate::cli::PlotCommand;
use crate::commands::{file_name, history_title};
use crate::settings::{self, Output, check_output};

/// `aekit plot ...`.
pub fn plot(command: &PlotCommand) -> Result<()> {
    match command {
        PlotCommand::History { model, out } => {
            check_output(out, Output::Png, &[model])?;
            let m = Autoencoder::load(model)?;
            plot::history(m.history(), &history_title(model), out)?;
        }
        PlotCommand::Latent {
            model,
            data,
            out,
            color,
            csv,
        } => {
            let m = load_for_plot(model, data, out)?;
            let table = Table::read(data, &settings::read_options(csv)?)?;
            let codes = m.encode(&m.scaled_features(&table)?)?;
            let map = latent::latent_map(&codes)?;
            let colour_column = match color {
                Some(c) => Some(table.require_column(c, "named by --color")?),
                None => m
                    .schema()
                    .label
                    .as_deref()
                    .and_then(|l| table.column_index(l)),
            };
            let labels: Option<Vec<String>> = colour_column.map(|c| {
                (0..table.n_rows())
                    .map(|r| table.cell(r, c).to_string())
                    .collect()
            });
            let title = if map.projected {
                format!(
                    "{}-D codes of {}, first two principal components",
                    m.bottleneck(),
                    file_name(data)
                )
            } else {
                format!("{}-D codes of {}", m.bottleneck(), file_name(data))
            };
            plot::scatter(
                &map.points,
                labels.as_deref(),
                &title,
                (&map.axes.0, &map.axes.1),
                out,
            )?;
        }
        PlotCommand::Reconstructions {
            model,
            data,
            out,
            image_shape,
            rows,
            csv,
        } => {
            let m = load_for_plot(model, data, out)?;
            let shape = settings::drawing_shape(image_shape.as_deref(), m.image_shape())?;
            let table = Table::read(data, &settings::read_options(csv)?)?;
            let mut originals = m.scaled_features(&table)?;
            let mut rebuilt = m.reconstruct(&originals)?;
            m.unscale(&mut originals);
            m.unscale(&mut rebuilt);
            let title = format!(
                "{} and its reconstructions by {}",
                file_name(data),
                file_name(model)
            );
            plot::image_grid(&originals, &rebuilt, shape, *rows, &title, out)?;
        }
    }
    Ok(())
}

/// The model a plot of `data` through `model` draws, once the PNG `out` is
/// checked to replace neither.
fn load_for_plot(model: &Path, data: &Path, out: &Path) -> Result<Autoencoder> {
    check_output(out, Output::Png, &[model, data])?;
    Ok(Autoencoder::load(model)?)
}
