//! Medians, quantiles and units.

use std::time::Duration;

/// The median (the upper one of an even count); zero for none.
pub fn median(values: &[Duration]) -> Duration {
    let mut sorted = values.to_vec();
    sorted.sort();
    sorted.get(sorted.len() / 2).copied().unwrap_or_default()
}

/// The median of `values` (the upper one of an even count); NaN for none.
pub fn median_f64(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values.get(values.len() / 2).copied().unwrap_or(f64::NAN)
}

/// The `p`-th quantile (0 < p ≤ 1) of `values` by nearest rank; NaN for none.
pub fn quantile_f64(mut values: Vec<f64>, p: f64) -> f64 {
    values.sort_by(f64::total_cmp);
    let rank = (p * values.len() as f64).ceil() as usize;
    values.get(rank.max(1) - 1).copied().unwrap_or(f64::NAN)
}

pub fn millis(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1_000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_median_is_the_middle_value_whatever_the_order() {
        let ms = |v: u64| Duration::from_millis(v);
        assert_eq!(median(&[ms(9), ms(1), ms(5)]), ms(5));
        assert_eq!(median(&[ms(4), ms(1), ms(3), ms(2)]), ms(3));
        assert_eq!(median(&[]), Duration::ZERO);
        assert_eq!(median_f64(vec![-1.5, 3.0, 0.5]), 0.5);
        assert!(median_f64(Vec::new()).is_nan());
        let twenty: Vec<f64> = (1..=20).rev().map(f64::from).collect();
        assert_eq!(quantile_f64(twenty.clone(), 0.9), 18.0);
        assert_eq!(quantile_f64(twenty, 1.0), 20.0);
        assert_eq!(quantile_f64(vec![7.0], 0.9), 7.0);
        assert!(quantile_f64(Vec::new(), 0.9).is_nan());
    }
}
