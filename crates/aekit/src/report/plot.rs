//! PNG plots drawn with plotters and an embedded DejaVu Sans font, so they
//! need no system font: learning curves, 2-D latent scatters coloured by
//! label, and grids of images above their reconstructions. Each file is
//! drawn into a temporary file beside the target and renamed into place.

use std::path::Path;
use std::sync::Once;

use plotters::coord::ranged1d::ValueFormatter;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use plotters::style::{FontStyle, register_font};

use crate::data::{ImageShape, Matrix};
use crate::error::{AekitError, Result};
use crate::train::History;

static FONT: &[u8] = include_bytes!("../../assets/DejaVuSans.ttf");
static REGISTER: Once = Once::new();

/// Colours for classes, from the Tableau 10 palette.
const PALETTE: [RGBColor; 10] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
    RGBColor(188, 189, 34),
    RGBColor(23, 190, 207),
];

fn ensure_font() {
    REGISTER.call_once(|| {
        // The font is compiled in; a failure here is a build defect, not user input.
        let _ = register_font("sans-serif", FontStyle::Normal, FONT);
    });
}

fn plot_error(path: &Path, e: impl std::fmt::Display) -> AekitError {
    AekitError::io(path, std::io::Error::other(format!("drawing failed: {e}")))
}

/// Checks, before any long work, that `path` can take a plot: a `.png`
/// name whose directory accepts a new file (not `-`: a PNG is not a table).
pub fn check_output(path: &Path) -> Result<()> {
    crate::data::output::check_file_writable(path, "a PNG plot")?;
    if !path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("png"))
    {
        return Err(AekitError::io(
            path,
            std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                "plots are written as PNG: name the output file .png",
            ),
        ));
    }
    Ok(())
}

/// Draws with `draw` into a temporary PNG beside `path`, then renames it.
fn render<F>(path: &Path, size: (u32, u32), draw: F) -> Result<()>
where
    F: FnOnce(
        DrawingArea<BitMapBackend<'_>, plotters::coord::Shift>,
    ) -> std::result::Result<(), String>,
{
    ensure_font();
    check_output(path)?;
    let output = crate::data::output::PendingOutput::create_with_suffix(path, ".png")?;
    {
        let root = BitMapBackend::new(output.path(), size).into_drawing_area();
        root.fill(&WHITE).map_err(|e| plot_error(path, e))?;
        draw(root.clone()).map_err(|e| plot_error(path, e))?;
        root.present().map_err(|e| plot_error(path, e))?;
    }
    output.commit()
}

/// Learning curves: loss and (when present) val_loss per epoch, and for
/// kinds whose loss adds a term (a VAE's KL) its two parts, reconstruction
/// and the weighted term. The y axis is logarithmic when the curves span
/// more than a factor of 50.
pub fn history(history: &History, title: &str, path: &Path) -> Result<()> {
    if history.epochs.is_empty() {
        return Err(AekitError::param(
            "history",
            "the model has no training history to plot",
        ));
    }
    let loss: Vec<(f64, f64)> = history
        .epochs
        .iter()
        .map(|r| (r.epoch as f64, r.loss))
        .collect();
    let val: Vec<(f64, f64)> = history
        .epochs
        .iter()
        .filter_map(|r| r.val_loss.map(|v| (r.epoch as f64, v)))
        .collect();
    let penalty: Vec<(f64, f64)> = history
        .epochs
        .iter()
        .filter_map(|r| r.penalty.map(|p| (r.epoch as f64, p)))
        .collect();
    let reconstruction: Vec<(f64, f64)> = if penalty.is_empty() {
        Vec::new()
    } else {
        history
            .epochs
            .iter()
            .map(|r| (r.epoch as f64, r.reconstruction()))
            .collect()
    };
    let all = || {
        loss.iter()
            .chain(&val)
            .chain(&penalty)
            .chain(&reconstruction)
            .map(|p| p.1)
            .filter(|v| v.is_finite() && *v > 0.0)
    };
    let lo = all().fold(f64::INFINITY, f64::min);
    let hi = all().fold(f64::NEG_INFINITY, f64::max);
    let (lo, hi) = if lo.is_finite() {
        (lo, hi)
    } else {
        (1e-3, 1.0)
    };
    let last_epoch = history.epochs.len().max(2) as f64;
    let mut curves = vec![("loss", loss.as_slice(), PALETTE[0])];
    if !val.is_empty() {
        curves.push(("val_loss", val.as_slice(), PALETTE[1]));
    }
    if !penalty.is_empty() {
        curves.push(("reconstruction", reconstruction.as_slice(), PALETTE[2]));
        curves.push(("KL (x beta)", penalty.as_slice(), PALETTE[3]));
    }
    render(path, (900, 560), |root| {
        let mut builder = ChartBuilder::on(&root);
        builder
            .caption(title, ("sans-serif", 24))
            .margin(16)
            .x_label_area_size(44)
            .y_label_area_size(80);
        if hi / lo > 50.0 {
            let chart = builder
                .build_cartesian_2d(1f64..last_epoch, (lo * 0.8..hi * 1.25).log_scale())
                .map_err(|e| e.to_string())?;
            draw_curves(chart, &curves, "loss (log scale)")
        } else {
            let chart = builder
                .build_cartesian_2d(1f64..last_epoch, 0f64..hi * 1.05)
                .map_err(|e| e.to_string())?;
            draw_curves(chart, &curves, "loss")
        }
    })
}

/// A named line in a colour.
type Curve<'a> = (&'a str, &'a [(f64, f64)], RGBColor);

/// Mesh, one line per curve, and a legend, on either kind of y axis.
fn draw_curves<'a, Y>(
    mut chart: ChartContext<'a, BitMapBackend<'a>, Cartesian2d<RangedCoordf64, Y>>,
    curves: &[Curve<'_>],
    y_desc: &str,
) -> std::result::Result<(), String>
where
    Y: Ranged<ValueType = f64> + ValueFormatter<f64>,
{
    chart
        .configure_mesh()
        .x_desc("epoch")
        .x_label_formatter(&|x| format!("{}", x.round() as i64))
        .y_desc(y_desc)
        .label_style(("sans-serif", 15))
        .draw()
        .map_err(|e| e.to_string())?;
    for &(name, points, color) in curves {
        chart
            .draw_series(LineSeries::new(
                points.iter().copied(),
                color.stroke_width(2),
            ))
            .map_err(|e| e.to_string())?
            .label(name)
            .legend(move |(x, y)| PathElement::new([(x, y), (x + 20, y)], color.stroke_width(2)));
    }
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .label_font(("sans-serif", 16))
        .draw()
        .map_err(|e| e.to_string())
}

/// A scatter of 2-D points coloured by `labels` (one colour per distinct
/// label, in sorted order, with a legend).
pub fn scatter(
    points: &[(f64, f64)],
    labels: Option<&[String]>,
    title: &str,
    axes: (&str, &str),
    path: &Path,
) -> Result<()> {
    if points.is_empty() {
        return Err(AekitError::param("data", "there are no rows to plot"));
    }
    let span = |f: fn(&(f64, f64)) -> f64| {
        let lo = points.iter().map(f).fold(f64::INFINITY, f64::min);
        let hi = points.iter().map(f).fold(f64::NEG_INFINITY, f64::max);
        let pad = ((hi - lo) * 0.06).max(1e-6);
        (lo - pad)..(hi + pad)
    };
    let (xr, yr) = (span(|p| p.0), span(|p| p.1));
    let mut classes: Vec<String> = labels.map(|l| l.to_vec()).unwrap_or_default();
    classes.sort();
    classes.dedup();
    render(path, (820, 700), |root| {
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 22))
            .margin(16)
            .x_label_area_size(44)
            .y_label_area_size(64)
            .build_cartesian_2d(xr, yr)
            .map_err(|e| e.to_string())?;
        chart
            .configure_mesh()
            .x_desc(axes.0)
            .y_desc(axes.1)
            .label_style(("sans-serif", 15))
            .draw()
            .map_err(|e| e.to_string())?;
        match labels {
            Some(labels) => {
                for (ci, class) in classes.iter().enumerate() {
                    let color = PALETTE[ci % PALETTE.len()];
                    let pts = points
                        .iter()
                        .zip(labels)
                        .filter(|(_, l)| *l == class)
                        .map(|(p, _)| Circle::new(*p, 4, color.mix(0.75).filled()));
                    chart
                        .draw_series(pts)
                        .map_err(|e| e.to_string())?
                        .label(class.as_str())
                        .legend(move |(x, y)| Circle::new((x + 8, y), 5, color.filled()));
                }
                chart
                    .configure_series_labels()
                    .background_style(WHITE.mix(0.85))
                    .border_style(BLACK)
                    .label_font(("sans-serif", 16))
                    .draw()
                    .map_err(|e| e.to_string())?;
            }
            None => {
                chart
                    .draw_series(
                        points
                            .iter()
                            .map(|p| Circle::new(*p, 4, PALETTE[0].mix(0.75).filled())),
                    )
                    .map_err(|e| e.to_string())?;
            }
        }
        Ok(())
    })
}

/// The first `n` rows of `originals` drawn as images of `shape` (grey or
/// RGB), each above its reconstruction. Both share one scale, set by the
/// originals' range.
pub fn image_grid(
    originals: &Matrix,
    reconstructions: &Matrix,
    shape: ImageShape,
    n: usize,
    title: &str,
    path: &Path,
) -> Result<()> {
    image_strips(
        &[("original", originals), ("reconstructed", reconstructions)],
        shape,
        n,
        title,
        path,
    )
}

/// Images a grid of samples may hold: the picture is held in memory whole
/// (1 000 8x8 images in lines of 10: 1 838 x 16 858 pixels, 93 MB), so a
/// larger sample goes to a table, which is written a part at a time.
pub const MAX_DRAWN_SAMPLES: usize = 1000;

/// The first `n` rows of each named matrix drawn as a strip of images of
/// `shape`, one strip under the other (noisy / denoised / clean, say):
/// grey images as dark ink on light paper, as digits are usually shown,
/// RGB images (3 channels, channel-major rows) in their colours. All
/// share one scale, set by the first matrix's range.
pub fn image_strips(
    strips: &[(&str, &Matrix)],
    shape: ImageShape,
    n: usize,
    title: &str,
    path: &Path,
) -> Result<()> {
    let (h, w) = (shape.height, shape.width);
    let Some(&(_, first)) = strips.first() else {
        return Ok(());
    };
    if shape.channels != 1 && shape.channels != 3 {
        return Err(AekitError::param(
            "image_shape",
            format!(
                "images are drawn grey (1 channel) or RGB (3 channels); {shape} has {}",
                shape.channels
            ),
        ));
    }
    for (_, m) in strips {
        if shape.values() != m.n_cols {
            return Err(AekitError::param(
                "image_shape",
                format!(
                    "{shape} images have {} values, but the model has {} features",
                    shape.values(),
                    m.n_cols
                ),
            ));
        }
    }
    let n = strips
        .iter()
        .map(|(_, m)| m.n_rows())
        .min()
        .unwrap_or(0)
        .min(n)
        .max(1);
    let lo = first.values.iter().copied().fold(f32::INFINITY, f32::min);
    let hi = first
        .values
        .iter()
        .copied()
        .fold(f32::NEG_INFINITY, f32::max);
    let range = if hi > lo { hi - lo } else { 1.0 };
    let cell = (160 / h.max(w)).max(4) as u32;
    let gap = 8u32;
    let label_w = 150u32;
    let top = 50u32;
    let width = label_w + n as u32 * (w as u32 * cell + gap) + gap;
    let height = top + strips.len() as u32 * (h as u32 * cell + gap) + gap;
    render(path, (width, height), |root| {
        root.draw(&Text::new(
            title.to_string(),
            (10, 12),
            ("sans-serif", 22).into_font(),
        ))
        .map_err(|e| e.to_string())?;
        for (row, &(name, m)) in strips.iter().enumerate() {
            let y0 = top + row as u32 * (h as u32 * cell + gap);
            root.draw(&Text::new(
                name.to_string(),
                (10, (y0 + h as u32 * cell / 2) as i32),
                ("sans-serif", 17).into_font(),
            ))
            .map_err(|e| e.to_string())?;
            for i in 0..n.min(m.n_rows()) {
                let x0 = label_w + i as u32 * (w as u32 * cell + gap);
                let row = m.row(i);
                let shade = |v: f32| (((v - lo) / range).clamp(0.0, 1.0) * 255.0) as u8;
                for p in 0..shape.pixels() {
                    let color = if shape.channels == 1 {
                        let ink = 255 - shade(row[p]);
                        RGBColor(ink, ink, ink)
                    } else {
                        let channel = |c: usize| shade(row[c * shape.pixels() + p]);
                        RGBColor(channel(0), channel(1), channel(2))
                    };
                    let (py, px) = ((p / w) as u32, (p % w) as u32);
                    let (x, y) = ((x0 + px * cell) as i32, (y0 + py * cell) as i32);
                    root.draw(&Rectangle::new(
                        [(x, y), (x + cell as i32, y + cell as i32)],
                        color.filled(),
                    ))
                    .map_err(|e| e.to_string())?;
                }
            }
        }
        Ok(())
    })
}
