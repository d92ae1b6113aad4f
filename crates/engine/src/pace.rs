//! How many requests of one kind go at once, found while they run.
//!
//! The right count depends on where the server is. Near by, its CPU is the limit, and more requests
//! at once only make each slower and the server busier: a Garage node on two cores deleted 10,000
//! keys in 4.6 s with two DeleteObjects at once and in 6.4 s with eight. Far away, each request's
//! round trip is the limit, and more at once is proportionally faster.
//!
//! The design decision that matters: **the count climbs on measured throughput, not on latency.**
//! It starts at two and goes up by one after each round (as many requests as the count) whose
//! throughput, the count divided by the round's mean latency, beats the best so far by a tenth. The
//! first step that does not pay settles the count where it was. A deletion of 10,000 keys spends
//! one round above the best count; one of 100,000 far away reaches eight after 27 requests.

use std::time::Duration;

/// Where the count starts: the best count measured near by, and twice as fast as one far away.
const START: usize = 2;
/// The most at once (what was sent at all times before the count adapted).
const MAX: usize = 8;
/// A step up must raise the throughput by this factor to be kept.
const GAIN: f64 = 1.1;

/// The count of requests in flight, adjusted as each one finishes.
#[derive(Debug)]
pub(crate) struct Pace {
    level: usize,
    settled: bool,
    /// Latencies of the requests sent at `level` that have come back.
    round: Vec<Duration>,
    /// The best throughput measured, in requests per second.
    best: f64,
}

impl Pace {
    pub(crate) fn new() -> Self {
        Self { level: START, settled: false, round: Vec::with_capacity(MAX), best: 0.0 }
    }

    /// How many requests should be in flight now.
    pub(crate) fn in_flight(&self) -> usize {
        self.level
    }

    /// Notes that a request sent while [`Pace::in_flight`] was `sent_at` took `took`. Requests sent
    /// at another count say nothing about this one, and are left out.
    pub(crate) fn finished(&mut self, sent_at: usize, took: Duration) {
        if self.settled || sent_at != self.level {
            return;
        }
        self.round.push(took);
        if self.round.len() < self.level {
            return;
        }
        let mean = self.round.iter().sum::<Duration>().as_secs_f64() / self.round.len() as f64;
        self.round.clear();
        let throughput = self.level as f64 / mean.max(f64::MIN_POSITIVE);
        if throughput <= self.best * GAIN {
            // This step did not pay: the one before was at least as good.
            self.level -= 1;
            self.settled = true;
        } else if self.level == MAX {
            self.settled = true;
        } else {
            self.best = throughput;
            self.level += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The counts used for `requests` requests against a server answering in `latency(count)`, one
    /// request finishing at a time.
    fn counts(requests: usize, latency: impl Fn(usize) -> f64) -> Vec<usize> {
        let mut pace = Pace::new();
        (0..requests)
            .map(|_| {
                let level = pace.in_flight();
                pace.finished(level, Duration::from_secs_f64(latency(level)));
                level
            })
            .collect()
    }

    #[test]
    fn a_busy_server_near_by_keeps_two() {
        // Garage on two cores, per DeleteObjects of 1,000 keys with 2, 3 and 4 at once.
        let garage = |n| match n {
            1 => 1.0,
            2 => 0.92,
            3 => 1.49,
            _ => 2.07 * n as f64 / 4.0,
        };
        assert_eq!(counts(10, garage), vec![2, 2, 3, 3, 3, 2, 2, 2, 2, 2]);
        // A server that does one request at a time however many are sent.
        assert_eq!(counts(8, |n| n as f64 * 0.5)[5..], [2, 2, 2]);
    }

    #[test]
    fn a_server_far_away_gets_eight() {
        let far = counts(40, |_| 0.2);
        assert_eq!(far.iter().position(|&n| n == MAX), Some(27), "{far:?}");
        assert!(far[27..].iter().all(|&n| n == MAX));
    }

    #[test]
    fn it_climbs_while_it_pays_and_settles_at_the_best() {
        // Faster up to four at once, then the server is saturated.
        let levels = counts(40, |n| if n <= 4 { 0.2 } else { 0.2 * n as f64 / 4.0 });
        assert_eq!(levels.last(), Some(&4), "{levels:?}");
        assert!(levels.iter().all(|&n| n <= 5));
    }

    #[test]
    fn requests_sent_at_another_count_are_left_out() {
        let mut pace = Pace::new();
        pace.finished(2, Duration::from_millis(100));
        pace.finished(2, Duration::from_millis(100));
        assert_eq!(pace.in_flight(), 3);
        // Slow stragglers sent at two do not count against three.
        pace.finished(2, Duration::from_secs(9));
        for _ in 0..3 {
            pace.finished(3, Duration::from_millis(100));
        }
        assert_eq!(pace.in_flight(), 4);
    }
}
