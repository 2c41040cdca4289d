//! The members' weights under [`Weighting::AgreeingKinds`](super::Weighting):
//! each kind (autoencoders, histograms, neighbours) weighs the same, less
//! when its training scores do not rank as the other kinds' do. Labels are
//! never used: a kind that ranks against the others on the training rows
//! (as reconstruction error or per-feature histograms can on binary
//! features) is the one likely to rank worse than chance (issue 32).

/// Spearman's rank correlation of `a` and `b` (ties share their mean rank);
/// 0 when either is constant.
pub fn spearman(a: &[f64], b: &[f64]) -> f64 {
    pearson(&ranks(a), &ranks(b))
}

fn ranks(v: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..v.len()).collect();
    order.sort_by(|&i, &j| v[i].total_cmp(&v[j]));
    let mut out = vec![0.0; v.len()];
    let mut i = 0;
    while i < order.len() {
        let mut j = i;
        while j + 1 < order.len() && v[order[j + 1]] == v[order[i]] {
            j += 1;
        }
        let mean_rank = (i + j) as f64 / 2.0;
        order[i..=j].iter().for_each(|&k| out[k] = mean_rank);
        i = j + 1;
    }
    out
}

fn pearson(a: &[f64], b: &[f64]) -> f64 {
    let n = a.len().max(1) as f64;
    let (ma, mb) = (a.iter().sum::<f64>() / n, b.iter().sum::<f64>() / n);
    let (mut sab, mut saa, mut sbb) = (0.0, 0.0, 0.0);
    for (x, y) in a.iter().zip(b) {
        sab += (x - ma) * (y - mb);
        saa += (x - ma).powi(2);
        sbb += (y - mb).powi(2);
    }
    if saa <= 0.0 || sbb <= 0.0 {
        return 0.0;
    }
    sab / (saa * sbb).sqrt()
}

/// Per-member weights, summing to 1, from each member's kind (`kinds[i]`,
/// any labels) and its standardised training scores `z[i]`: every member
/// weighs its kind's agreement, max(0, Spearman correlation of the kind's
/// mean z with the consensus, the mean z over all members). The consensus
/// counts every member, so a kind is weighed down only when it ranks
/// against the rest taken together. None agreeing: equal weights.
pub fn agreeing_kinds(kinds: &[usize], z: &[Vec<f64>]) -> Vec<f64> {
    let n = z.first().map_or(0, Vec::len);
    let mean_of = |pick: &dyn Fn(usize) -> bool| -> Vec<f64> {
        let members: Vec<&Vec<f64>> = (0..kinds.len())
            .filter(|&i| pick(kinds[i]))
            .map(|i| &z[i])
            .collect();
        let m = members.len().max(1) as f64;
        (0..n)
            .map(|r| members.iter().map(|s| s[r]).sum::<f64>() / m)
            .collect()
    };
    let consensus = mean_of(&|_| true);
    let mut distinct: Vec<usize> = kinds.to_vec();
    distinct.sort_unstable();
    distinct.dedup();
    let agreement: Vec<f64> = distinct
        .iter()
        .map(|&k| spearman(&mean_of(&|o| o == k), &consensus).max(0.0))
        .collect();
    let mut w: Vec<f64> = kinds
        .iter()
        .map(|k| agreement[distinct.binary_search(k).unwrap_or(0)])
        .collect();
    if distinct.len() < 2 || w.iter().sum::<f64>() <= 0.0 {
        w = vec![1.0; kinds.len()];
    }
    let total: f64 = w.iter().sum();
    w.iter().map(|v| v / total).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spearman_ranks_with_ties() {
        assert!((spearman(&[1.0, 2.0, 3.0], &[10.0, 20.0, 30.0]) - 1.0).abs() < 1e-12);
        assert!((spearman(&[1.0, 2.0, 3.0], &[3.0, 1.0, 0.0]) + 1.0).abs() < 1e-12);
        assert_eq!(spearman(&[1.0, 1.0, 1.0], &[1.0, 2.0, 3.0]), 0.0);
        // Ties share a rank: ranks (0.5, 0.5, 2) against (0, 1, 2).
        let r = spearman(&[5.0, 5.0, 9.0], &[1.0, 2.0, 3.0]);
        assert!((r - 0.866_025_403_784_438_6).abs() < 1e-12, "{r}");
    }

    #[test]
    fn a_kind_ranking_against_the_others_is_weighed_down() {
        let up: Vec<f64> = (0..50).map(f64::from).collect();
        let down: Vec<f64> = up.iter().map(|v| -v).collect();
        // Kind 0: three members agreeing with kind 2; kind 1 ranks backwards.
        let z = vec![up.clone(), up.clone(), up.clone(), down, up];
        let w = agreeing_kinds(&[0, 0, 0, 1, 2], &z);
        assert!((w.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        assert_eq!(w, vec![0.25, 0.25, 0.25, 0.0, 0.25]);
        // One kind: equal members.
        assert_eq!(agreeing_kinds(&[0, 0], &z[..2]), vec![0.5, 0.5]);
    }
}
