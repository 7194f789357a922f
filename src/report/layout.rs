//! Layout helpers shared by the terminal and PDF reports.

/// Split columns of the given widths into `k` consecutive groups so that the widest group
/// is as narrow as it can be (the linear partition problem: thirteen equal columns in two
/// groups are 6 + 7, never 12 + 1). Returns the groups (column indices) and the width of
/// the widest; `None` when `k` is 0 or more than the columns.
pub(crate) fn balanced_groups(widths: &[f64], k: usize) -> Option<(Vec<Vec<usize>>, f64)> {
    let n = widths.len();
    if k == 0 || k > n {
        return None;
    }
    let mut prefix = vec![0.0f64; n + 1];
    for (i, w) in widths.iter().enumerate() {
        prefix[i + 1] = prefix[i] + w;
    }
    // best[j][i]: the narrowest widest group splitting the first i columns into j groups;
    // cut[j][i]: where the last of those groups starts.
    let mut best = vec![vec![f64::INFINITY; n + 1]; k + 1];
    let mut cut = vec![vec![0usize; n + 1]; k + 1];
    best[0][0] = 0.0;
    for j in 1..=k {
        for i in j..=n {
            for start in (j - 1)..i {
                let cost = best[j - 1][start].max(prefix[i] - prefix[start]);
                if cost < best[j][i] {
                    best[j][i] = cost;
                    cut[j][i] = start;
                }
            }
        }
    }
    let widest = best[k][n];
    if !widest.is_finite() {
        return None;
    }
    let mut groups = Vec::with_capacity(k);
    let mut end = n;
    for j in (1..=k).rev() {
        let start = cut[j][end];
        groups.push((start..end).collect());
        end = start;
    }
    groups.reverse();
    Some((groups, widest))
}

#[cfg(test)]
mod tests {
    use super::balanced_groups;

    #[test]
    fn groups_are_balanced() {
        // 13 columns of width 1 in 2 groups: 6 + 7 (widest 7; the first balanced cut), not
        // 12 + 1.
        let (g, widest) = balanced_groups(&[1.0; 13], 2).unwrap_or_default();
        assert_eq!(g.iter().map(Vec::len).collect::<Vec<_>>(), [6, 7]);
        assert_eq!(widest, 7.0);
        // A wide column alone: [5] [1 1 1] beats [5 1] [1 1].
        let (g, widest) = balanced_groups(&[5.0, 1.0, 1.0, 1.0], 2).unwrap_or_default();
        assert_eq!(g, [vec![0], vec![1, 2, 3]]);
        assert_eq!(widest, 5.0);
        assert!(balanced_groups(&[1.0], 2).is_none());
        assert!(balanced_groups(&[1.0], 0).is_none());
    }
}
