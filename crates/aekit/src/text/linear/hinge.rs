//! The linear head's squared-hinge loss: scikit-learn's `LinearSVC`
//! (liblinear's L2-regularised L2-loss SVC, one class against the rest,
//! intercept as a constant feature 1 whose weight is penalised), solved
//! in the dual by coordinate descent as liblinear's solver 1 does
//! (Hsieh et al. 2008, with its shrinking and stopping rule). Each
//! class's problem runs on one thread in a seeded order, so a fit gives
//! the same bits on any number of threads.

use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rayon::prelude::*;

use super::Design;

/// The projected-gradient gap below which a class's fit has converged
/// (liblinear's `eps`, scikit-learn's `tol` default).
const TOL: f64 = 1e-4;
/// Most passes over the rows per class (scikit-learn's `max_iter`).
const MAX_PASSES: usize = 1000;

/// One class-against-the-rest problem: `positive(row)` says which rows
/// are +1; minimises `|w|^2 / 2 + c * sum max(0, 1 - y w.x)^2` over the
/// weights and the intercept (the last entry of the result).
fn solve(design: &Design, positive: impl Fn(usize) -> bool, c: f64, seed: u64) -> Vec<f64> {
    let n = design.n_rows();
    let vocab = design.vocab();
    let diag = 0.5 / c;
    let y: Vec<f64> = (0..n)
        .map(|i| if positive(i) { 1.0 } else { -1.0 })
        .collect();
    // x.x of each row with its constant feature, plus the dual's diagonal.
    let qd: Vec<f64> = (0..n)
        .map(|i| {
            let xx: f64 = design
                .terms(i)
                .iter()
                .map(|&(_, v)| f64::from(v) * f64::from(v))
                .sum();
            xx + 1.0 + diag
        })
        .collect();
    let mut w = vec![0.0f64; vocab + 1];
    let mut alpha = vec![0.0f64; n];
    let mut index: Vec<usize> = (0..n).collect();
    let mut active = n;
    // liblinear's PGmax_old (PGmin_old only shrinks rows at an upper
    // bound, which the squared hinge has not).
    let mut pg_max_old = f64::INFINITY;
    let mut rng = StdRng::seed_from_u64(seed);
    let mut passes = 0;
    while passes < MAX_PASSES {
        let (mut pg_max, mut pg_min) = (f64::NEG_INFINITY, f64::INFINITY);
        index[..active].shuffle(&mut rng);
        let mut s = 0;
        while s < active {
            let i = index[s];
            let terms = design.terms(i);
            let wx: f64 = w[vocab]
                + terms
                    .iter()
                    .map(|&(id, v)| w[id as usize] * f64::from(v))
                    .sum::<f64>();
            let g = y[i] * wx - 1.0 + alpha[i] * diag;
            let mut pg = g;
            if alpha[i] == 0.0 {
                if g > pg_max_old {
                    // Shrunk: bound at 0 and likely to stay there.
                    active -= 1;
                    index.swap(s, active);
                    continue;
                }
                pg = g.min(0.0);
            }
            pg_max = pg_max.max(pg);
            pg_min = pg_min.min(pg);
            if pg.abs() > 1e-12 {
                let old = alpha[i];
                alpha[i] = (old - g / qd[i]).max(0.0);
                let d = (alpha[i] - old) * y[i];
                for &(id, v) in terms {
                    w[id as usize] += d * f64::from(v);
                }
                w[vocab] += d;
            }
            s += 1;
        }
        passes += 1;
        if pg_max - pg_min <= TOL {
            if active == n {
                break;
            }
            // Converged on the active rows: check them all once more.
            active = n;
            pg_max_old = f64::INFINITY;
            continue;
        }
        pg_max_old = if pg_max <= 0.0 { f64::INFINITY } else { pg_max };
    }
    w
}

/// Fits `params` (`[vocab, k]` weights, then `k` intercepts) at inverse
/// strength `c`: one problem per class, or with two classes one problem
/// for class 1 (class 0's column left at zero, so the two-class
/// difference is liblinear's single decision function). `seed` orders
/// the coordinate passes.
pub(crate) fn fit(design: &Design, params: &mut [f32], k: usize, c: f64, seed: u64) {
    let vocab = design.vocab();
    let problems: Vec<usize> = if k == 2 { vec![1] } else { (0..k).collect() };
    let solved: Vec<(usize, Vec<f64>)> = problems
        .into_par_iter()
        .map(|j| {
            let w = solve(
                design,
                |i| design.classes[i] == j,
                c,
                seed.wrapping_add(j as u64),
            );
            (j, w)
        })
        .collect();
    params.fill(0.0);
    for (j, w) in solved {
        for (id, v) in w[..vocab].iter().enumerate() {
            params[id * k + j] = *v as f32;
        }
        params[vocab * k + j] = w[vocab] as f32;
    }
}

/// The mean over rows of the summed squared hinges of their classes'
/// problems, for decision values `z` (`[rows, k]`).
pub(crate) fn mean_loss(design: &Design, z: &[f32], k: usize) -> f64 {
    let total: f64 = z
        .chunks(k)
        .zip(&design.classes)
        .map(|(z, &y)| {
            let columns = if k == 2 { 1..2 } else { 0..k };
            columns
                .map(|j| {
                    let sign = if j == y { 1.0 } else { -1.0 };
                    (1.0 - sign * f64::from(z[j])).max(0.0).powi(2)
                })
                .sum::<f64>()
        })
        .sum();
    total / design.n_rows().max(1) as f64
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::Matrix;

    /// 90 rows over 40 tokens in 3 classes: each row 6 tokens, half from
    /// its class's block of 10, half from anywhere (so the classes
    /// overlap and some hinges stay active), weights in (0, 1].
    fn design() -> Design {
        let terms = 6;
        let mut v = vec![0.0f32; 90 * 2 * terms];
        let mut classes = Vec::new();
        let mut state = 7u64;
        let mut next = |m: u64| {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (state >> 33) % m
        };
        for r in 0..90 {
            let class = r % 3;
            classes.push(class);
            for t in 0..terms {
                let id = if t % 2 == 0 {
                    class * 10 + next(10) as usize
                } else {
                    next(40) as usize
                };
                v[r * 2 * terms + t] = id as f32;
                v[r * 2 * terms + terms + t] = (1 + next(10)) as f32 / 10.0;
            }
        }
        let rows: Vec<usize> = (0..90).collect();
        Design::new(&Matrix::new(v, 2 * terms), &rows, &classes, 40)
    }

    #[test]
    fn each_class_fit_is_the_primal_optimum() {
        // At the optimum of |w|^2 / 2 + c sum max(0, 1 - y w.x)^2 (x with
        // its constant 1) the gradient w - 2c sum y max(..) x vanishes;
        // stopped at a dual gradient within TOL, each of its entries is
        // within 2c TOL sum |x_j| (the dual's gradient is the slack's
        // error over 2c).
        let d = design();
        for c in [0.1, 1.0, 10.0] {
            for class in 0..3 {
                let w = solve(&d, |i| d.classes[i] == class, c, 5);
                let mut grad = w.clone();
                let mut bound = vec![0.0f64; 41];
                let mut active = 0;
                for i in 0..d.n_rows() {
                    let y = if d.classes[i] == class { 1.0 } else { -1.0 };
                    let wx = w[40]
                        + d.terms(i)
                            .iter()
                            .map(|&(id, v)| w[id as usize] * f64::from(v))
                            .sum::<f64>();
                    let slack = (1.0 - y * wx).max(0.0);
                    active += usize::from(slack > 0.0);
                    for &(id, v) in d.terms(i) {
                        grad[id as usize] -= 2.0 * c * y * slack * f64::from(v);
                        bound[id as usize] += 2.0 * c * TOL * f64::from(v);
                    }
                    grad[40] -= 2.0 * c * y * slack;
                    bound[40] += 2.0 * c * TOL;
                }
                let scale = w.iter().fold(0.0f64, |m, v| m.max(v.abs()));
                assert!(active > 0 && scale > 0.01, "c {c}: {active} {scale}");
                for (j, (g, b)) in grad.iter().zip(&bound).enumerate() {
                    assert!(
                        g.abs() <= b + 1e-9,
                        "c {c} class {class} weight {j}: {g} > {b}"
                    );
                }
            }
        }
    }

    #[test]
    fn a_fit_is_the_same_bits_on_any_thread_count_and_separates_the_blocks() {
        let d = design();
        let run = |threads| {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            let mut params = vec![0.0f32; 40 * 3 + 3];
            pool.install(|| fit(&d, &mut params, 3, 1.0, 11));
            params
        };
        let one = run(1);
        assert_eq!(one, run(3));
        // Class 1's tokens (10-19) weigh for it and against class 0.
        let mean = |class: usize, block: usize| -> f32 {
            (block * 10..block * 10 + 10)
                .map(|id| one[id * 3 + class])
                .sum::<f32>()
        };
        assert!(mean(1, 1) > 1.0 && mean(0, 1) < -0.5, "{one:?}");
        let (acc, loss) = (d.accuracy(&one, 3).0, {
            let mut z = vec![0.0f32; d.n_rows() * 3];
            d.logits(&one, 3, &mut z);
            mean_loss(&d, &z, 3)
        });
        assert!(acc > 0.9 && loss.is_finite(), "{acc} {loss}");
    }
}
