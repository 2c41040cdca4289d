//! Fit entry points: params -> columns, split, scaling, training and
//! checks -> a fitted [`Autoencoder`].

use linfa::ParamGuard;

use crate::backend;
use crate::data::{Dataset, Matrix, Scaler};
use crate::error::{AekitError, Result};
use crate::model::Activation;
use crate::model_file::{FORMAT_VERSION, ModelMeta, Preprocessing, TaskData};
use crate::train::pipeline;
use crate::train::validation_split::{SplitStream, validation_rows};
use crate::train::{LossKind, Pairs, Silent, TrainingData, TrainingObserver, TrainingStart};

use super::{Autoencoder, AutoencoderParams, AutoencoderValidParams, FitOptions};

/// Input and target rows of one side of training (train or validation).
struct Sides {
    inputs: Matrix,
    targets: Option<Matrix>,
}

impl Sides {
    fn split(self, rows: &[usize]) -> Sides {
        Sides {
            inputs: self.inputs.gather(rows),
            targets: self.targets.as_ref().map(|t| t.gather(rows)),
        }
    }

    fn pairs(&self) -> Pairs<'_> {
        Pairs {
            inputs: &self.inputs,
            targets: self.targets.as_ref().unwrap_or(&self.inputs),
        }
    }
}

impl AutoencoderParams {
    /// Fits an autoencoder on `train`, validating on the last
    /// `validation_split` of it when that is set, reporting to no one.
    /// With [`noise`](Self::noise), it learns to rebuild clean rows from
    /// corrupted ones (a denoising autoencoder).
    pub fn fit<'d>(&self, train: impl Into<Dataset<'d>>) -> Result<Autoencoder> {
        self.fit_with(train, FitOptions::new())
    }

    /// [`fit`](Self::fit) with validation rows and an observer.
    pub fn fit_with<'d>(
        &self,
        train: impl Into<Dataset<'d>>,
        options: FitOptions<'_>,
    ) -> Result<Autoencoder> {
        self.fit_from(&train.into(), None, options)
    }

    /// Fits a paired model: row i of `inputs` maps to row i of `targets`.
    /// The decoder ends at the target width; each side's columns are
    /// resolved and scaled on their own, and both layouts are stored.
    /// Validation, when given, needs both sides
    /// ([`FitOptions::validation`] and [`FitOptions::validation_target`]).
    pub fn fit_paired<'d, 't>(
        &self,
        inputs: impl Into<Dataset<'d>>,
        targets: impl Into<Dataset<'t>>,
        options: FitOptions<'_>,
    ) -> Result<Autoencoder> {
        self.fit_from(&inputs.into(), Some(&targets.into()), options)
    }

    /// Checks the params and the validation sides against `target` (a
    /// paired model validates on both sides, any other on inputs only),
    /// then fits.
    fn fit_from(
        &self,
        train: &Dataset<'_>,
        target: Option<&Dataset<'_>>,
        options: FitOptions<'_>,
    ) -> Result<Autoencoder> {
        let (validation, validation_target, observer) = options.into_parts();
        let params = self.check_ref()?;
        let validation = match (&validation, &validation_target, target.is_some()) {
            (None, None, _) => None,
            (Some(v), None, false) => Some((v, None)),
            (Some(v), Some(t), true) => Some((v, Some(t))),
            (_, Some(_), false) => {
                return Err(AekitError::param(
                    "validation_target",
                    "is only for paired models, which are given targets",
                ));
            }
            _ => {
                return Err(AekitError::param(
                    "validation_target",
                    "a paired model validates on input and target rows: give both",
                ));
            }
        };
        let mut silent = Silent;
        params.fit_rows(train, target, validation, observer.unwrap_or(&mut silent))
    }
}

impl AutoencoderValidParams {
    pub(crate) fn fit_rows(
        &self,
        train: &Dataset<'_>,
        target: Option<&Dataset<'_>>,
        validation: Option<(&Dataset<'_>, Option<&Dataset<'_>>)>,
        observer: &mut dyn TrainingObserver,
    ) -> Result<Autoencoder> {
        backend::install_on(self.threads(), self.training().device, || {
            self.fit_on_this_thread(train, target, validation, observer)
        })?
    }

    fn fit_on_this_thread(
        &self,
        train: &Dataset<'_>,
        target: Option<&Dataset<'_>>,
        validation: Option<(&Dataset<'_>, Option<&Dataset<'_>>)>,
        observer: &mut dyn TrainingObserver,
    ) -> Result<Autoencoder> {
        let resolved = self.columns().resolve(train)?;
        let mut schema = resolved.schema;
        schema.fit_missing(train)?;
        let target_schema = match target {
            Some(t) => {
                let mut s = self.columns().present_in(t).resolve(t)?.schema;
                s.fit_missing(t)?;
                Some(s)
            }
            None => None,
        };
        let read = |inputs: &Dataset<'_>, targets: Option<&Dataset<'_>>| -> Result<Sides> {
            let sides = Sides {
                inputs: schema.input_matrix(inputs)?,
                targets: match (&target_schema, targets) {
                    (Some(s), Some(t)) => Some(s.input_matrix(t)?),
                    _ => None,
                },
            };
            if let (Some(t), Some(table)) = (&sides.targets, targets)
                && t.n_rows() != sides.inputs.n_rows()
            {
                return Err(table.error(format!(
                    "has {} rows, but the inputs {} have {}: row i of the target pairs with row i of the input",
                    t.n_rows(),
                    inputs.describe(),
                    sides.inputs.n_rows()
                )));
            }
            Ok(sides)
        };
        let mut rows = read(train, target)?;
        let mut held_out = match validation {
            Some((v, vt)) => Some(read(v, vt)?),
            None => None,
        };
        if held_out.is_none()
            && let Some((fit_rows, val_rows)) =
                validation_rows(self.training(), rows.inputs.n_rows(), SplitStream::Tabular)?
        {
            let all = rows;
            held_out = Some(Sides {
                inputs: all.inputs.gather(&val_rows),
                targets: all.targets.as_ref().map(|t| t.gather(&val_rows)),
            });
            rows = all.split(&fit_rows);
        }
        let scale = match self.image_shape().or(train.image_shape()) {
            Some(_) => {
                let unit = |m: &Matrix| m.values.iter().all(|v| (0.0..=1.0).contains(v));
                let unit_range = unit(&rows.inputs) && rows.targets.as_ref().is_none_or(unit);
                self.image_defaults().scale(self.scale(), unit_range)
            }
            None => self.scale(),
        };
        let scaler = Scaler::fit(scale, &rows.inputs.values, rows.inputs.n_cols);
        let target_scaler = rows
            .targets
            .as_ref()
            .map(|t| Scaler::fit(scale, &t.values, t.n_cols));
        for sides in std::iter::once(&mut rows).chain(held_out.as_mut()) {
            scaler.transform(&mut sides.inputs.values);
            if let (Some(s), Some(t)) = (&target_scaler, sides.targets.as_mut()) {
                s.transform(&mut t.values);
            }
        }
        if self.training().loss == LossKind::Bce
            && rows
                .pairs()
                .targets
                .values
                .iter()
                .any(|v| !(0.0..=1.0).contains(v))
        {
            return Err(AekitError::param(
                "loss",
                "bce needs targets in [0, 1]: scale min-max",
            ));
        }

        let n_inputs = rows.inputs.n_cols;
        let n_outputs = rows.pairs().targets.n_cols;
        // An image folder implies its shape; one given as well must agree.
        let image_shape = match (self.image_shape(), train.image_shape()) {
            (Some(given), Some(folder)) if given != folder => {
                return Err(AekitError::param(
                    "image_shape",
                    format!(
                        "{given} given, but the images of {} are {folder}",
                        train.describe()
                    ),
                ));
            }
            (given, folder) => given.or(folder),
        };
        let input_shape = match image_shape {
            Some(image) if image.values() != n_inputs => {
                return Err(AekitError::param(
                    "image_shape",
                    format!(
                        "{image} images have {} values, but {} has {n_inputs} feature columns",
                        image.values(),
                        train.describe()
                    ),
                ));
            }
            Some(image) => image.to_vec(),
            None => vec![n_inputs],
        };
        // A paired model's target is an image of the same size when its width fits one.
        let output_shape = match (target.and_then(|t| t.image_shape()), image_shape) {
            (Some(image), _) if image.values() == n_outputs => image.to_vec(),
            (_, Some(image)) if n_outputs.is_multiple_of(image.pixels()) => {
                vec![n_outputs / image.pixels(), image.height, image.width]
            }
            _ => vec![n_outputs],
        };
        // Images decide what was left unset from their size and range, a
        // plain table from its input and row counts.
        let (model, training) = match image_shape {
            Some(image) => {
                let targets = &rows.pairs().targets.values;
                let unit_range = targets.iter().all(|v| (0.0..=1.0).contains(v));
                let left = self.image_defaults();
                (
                    left.apply(self.model(), image, unit_range),
                    left.training(self.training()),
                )
            }
            None => {
                let mut decided = self.clone();
                decided.decide_for_table(n_inputs, Some(rows.inputs.n_rows()));
                (decided.model().clone(), decided.training().clone())
            }
        };
        model.check_shapes(&input_shape, n_outputs)?;
        let start = TrainingStart {
            n_rows: rows.inputs.n_rows(),
            n_validation_rows: held_out.as_ref().map_or(0, |v| v.inputs.n_rows()),
            n_features: rows.inputs.n_cols,
            skipped_text: resolved.skipped_text,
            skipped_empty: resolved.skipped_empty,
        };
        let clip = (model.output_activation() == Activation::Sigmoid).then_some((0.0, 1.0));
        let data = TrainingData::new(&rows.inputs, rows.targets.as_ref()).with_noise(
            training.noise,
            clip,
            training.seed,
        );
        let (network, history) = pipeline::train_observed(
            observer,
            &start,
            |observer| {
                model.fit(
                    &input_shape,
                    n_outputs,
                    &data,
                    held_out.as_ref().map(Sides::pairs),
                    &training,
                    observer,
                )
            },
            |network| {
                network
                    .predictor()
                    .map(|p| p.predict(&rows.inputs))
                    .transpose()
            },
        )?;
        let meta = ModelMeta {
            format_version: FORMAT_VERSION,
            aekit_version: crate::VERSION.to_string(),
            model,
            input: Preprocessing {
                shape: input_shape,
                schema,
                scaler,
            },
            target: match (target_schema, target_scaler) {
                (Some(schema), Some(scaler)) => Some(Preprocessing {
                    shape: output_shape,
                    schema,
                    scaler,
                }),
                _ => None,
            },
            training,
            history,
            tasks: TaskData::default(),
        };
        Ok(Autoencoder {
            meta,
            network,
            threads: self.threads(),
            device: self.training().device,
            strict_categories: false,
            unseen_categories: Default::default(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::TrainingSetters;
    use crate::data::{ImageShape, ReadOptions, Table};
    use crate::train::Noise;

    fn table(name: &str, text: &str) -> (tempfile::TempDir, Table) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        let t = Table::read(&path, &ReadOptions::default()).unwrap();
        (dir, t)
    }

    fn rows(n: usize, f: impl Fn(usize) -> String) -> String {
        (0..n).map(|i| f(i) + "\n").collect()
    }

    fn params(epochs: usize) -> AutoencoderParams {
        Autoencoder::params()
            .hidden([6])
            .bottleneck(2)
            .epochs(epochs)
            .seed(3)
    }

    #[test]
    fn wrong_widths_are_errors_not_panics() {
        let (_d, t) = table(
            "a.csv",
            &format!("a,b,c\n{}", rows(40, |i| format!("{i},{},1", i * 2))),
        );
        let model = params(2).fit(&t).unwrap();
        let narrow = Matrix::new(vec![0.0; 4], 2);
        for result in [
            model.encode(&narrow).err(),
            model.reconstruct(&narrow).err(),
        ] {
            assert!(matches!(
                result,
                Some(AekitError::Width {
                    expected: 3,
                    got: 2,
                    ..
                })
            ));
        }
        assert!(matches!(
            model.decode(&Matrix::new(vec![0.0; 3], 3)),
            Err(AekitError::Width {
                expected: 2,
                got: 3,
                ..
            })
        ));
        assert!(model.reconstruction_errors(&narrow).is_err());
    }

    #[test]
    fn paired_fit_stores_both_sides_and_checks_rows() {
        let (_d, x) = table(
            "x.csv",
            &format!(
                "a,b,c\n{}",
                rows(60, |i| format!("{i},{},{}", i % 7, i % 3))
            ),
        );
        let (_e, y) = table(
            "y.csv",
            &format!("p,q\n{}", rows(60, |i| format!("{},{}", i % 3, i))),
        );
        let model = params(3).fit_paired(&x, &y, FitOptions::new()).unwrap();
        assert!(model.is_paired());
        assert_eq!(model.output_schema().features, vec!["p", "q"]);
        let out = model
            .predict_scaled(&model.scaled_features(&x).unwrap())
            .unwrap();
        assert_eq!((out.n_rows(), out.n_cols), (60, 2));
        assert!(
            model
                .reconstruct(&model.scaled_features(&x).unwrap())
                .is_err()
        );
        let (_f, short) = table(
            "short.csv",
            &format!("p,q\n{}", rows(5, |i| format!("{i},{i}"))),
        );
        let err = params(1)
            .fit_paired(&x, &short, FitOptions::new())
            .unwrap_err();
        assert!(err.to_string().contains("short.csv"), "{err}");
    }

    #[test]
    fn an_observer_stops_a_fit_and_the_history_says_so() {
        use crate::train::{Control, EpochRecord, StopReason};
        let (_d, t) = table(
            "a.csv",
            &format!("a,b\n{}", rows(30, |i| format!("{i},{}", i % 4))),
        );
        let mut seen = 0;
        let mut two_epochs = |r: &EpochRecord| {
            seen += 1;
            Control::stop_if(r.epoch == 2)
        };
        let model = params(50)
            .fit_with(&t, FitOptions::new().observer(&mut two_epochs))
            .unwrap();
        assert_eq!(seen, 2);
        let history = model.history();
        assert_eq!((history.epochs.len(), history.kept_epoch), (2, 2));
        assert_eq!(history.stop_reason, StopReason::StopRequested);

        struct NotToday;
        impl TrainingObserver for NotToday {
            fn on_train_start(&mut self, _start: &TrainingStart) -> Control {
                Control::Stop
            }
        }
        let model = params(50)
            .fit_with(&t, FitOptions::new().observer(&mut NotToday))
            .unwrap();
        assert!(model.history().epochs.is_empty());
        assert_eq!(model.history().stop_reason, StopReason::StopRequested);
        assert_eq!(
            model.transform(&t).unwrap().nrows(),
            30,
            "an untrained model still works"
        );
    }

    #[test]
    fn noise_is_validated_and_kept_in_the_model() {
        let (_d, t) = table(
            "a.csv",
            &format!("a,b\n{}", rows(30, |i| format!("{i},{}", i % 4))),
        );
        let p = params(2).noise(Noise::Mask { probability: 1.5 });
        assert!(matches!(
            p.fit(&t),
            Err(AekitError::InvalidParam { name: "noise", .. })
        ));
        let gaussian = Noise::Gaussian { sigma: 0.2 };
        let model = params(2).noise(gaussian).fit(&t).unwrap();
        assert_eq!(model.meta().training.noise, Some(gaussian));
    }

    /// Every new kind saves and loads to the same model: same codes, same
    /// outputs, same summary, and the image shape kept.
    #[test]
    fn conv_and_vae_models_round_trip_through_the_model_file() {
        use crate::model::{ConvAutoencoderConfig, VaeConfig};
        let header: Vec<String> = (0..30).map(|i| format!("p{i}")).collect();
        let text = format!(
            "{}\n{}",
            header.join(","),
            rows(40, |r| (0..30)
                .map(|c| format!("{}", ((r * 7 + c * 3) % 11) as f32 / 10.0))
                .collect::<Vec<_>>()
                .join(","))
        );
        let (dir, t) = table("img.csv", &text);
        let image = ImageShape {
            channels: 2,
            height: 3,
            width: 5,
        };
        let kinds: Vec<crate::model::ModelConfig> = vec![
            ConvAutoencoderConfig {
                channels: vec![3, 4],
                bottleneck: 3,
                batch_norm: true,
                ..Default::default()
            }
            .into(),
            VaeConfig {
                hidden: vec![8],
                bottleneck: 2,
                ..Default::default()
            }
            .into(),
            VaeConfig {
                channels: Some(vec![3]),
                bottleneck: 2,
                ..Default::default()
            }
            .into(),
        ];
        for model in kinds {
            let p = AutoencoderParams::new()
                .model(model)
                .image_shape(image)
                .epochs(2)
                .batch_size(8)
                .seed(3);
            let fitted = p.fit(&t).unwrap();
            let path = dir.path().join("m.aekit");
            fitted.save(&path).unwrap();
            let loaded = Autoencoder::load(&path).unwrap();
            assert_eq!(loaded.kind(), fitted.kind());
            assert_eq!(loaded.image_shape(), Some(image));
            assert_eq!(loaded.meta().input.shape, vec![2, 3, 5]);
            let x = fitted.scaled_features(&t).unwrap();
            assert_eq!(loaded.encode(&x).unwrap(), fitted.encode(&x).unwrap());
            assert_eq!(
                loaded.reconstruct(&x).unwrap(),
                fitted.reconstruct(&x).unwrap()
            );
            assert_eq!(loaded.summary(), fitted.summary());
            let is_vae = fitted.kind() == "vae";
            assert_eq!(fitted.sample(3, 1).is_ok(), is_vae);
            if is_vae {
                assert_eq!(loaded.sample(3, 1).unwrap(), fitted.sample(3, 1).unwrap());
                assert!(fitted.history().epochs.iter().all(|e| e.penalty.is_some()));
            }
        }
    }
}
