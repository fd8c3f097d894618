//! Operational metrics in the Prometheus text format (`GET /metrics`): append batches (size and
//! latency), events by kind and outcome, HTTP latency by route; the queue depth and the
//! database pool are read when scraped. One registry per ledger, passed down, no globals.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;

/// Cumulative buckets, their sum and count.
#[derive(Clone, Debug)]
struct Histogram {
    bounds: &'static [f64],
    counts: Vec<u64>,
    sum: f64,
    count: u64,
}

impl Histogram {
    fn new(bounds: &'static [f64]) -> Histogram {
        Histogram {
            bounds,
            counts: vec![0; bounds.len()],
            sum: 0.0,
            count: 0,
        }
    }

    fn observe(&mut self, value: f64) {
        for (bound, count) in self.bounds.iter().zip(&mut self.counts) {
            if value <= *bound {
                *count += 1;
            }
        }
        self.sum += value;
        self.count += 1;
    }

    fn render(&self, name: &str, labels: &str, out: &mut String) {
        let join = |extra: &str| match (labels.is_empty(), extra.is_empty()) {
            (true, _) => format!("{{{extra}}}"),
            (false, true) => format!("{{{labels}}}"),
            (false, false) => format!("{{{labels},{extra}}}"),
        };
        for (bound, count) in self.bounds.iter().zip(&self.counts) {
            let _ = writeln!(
                out,
                "{name}_bucket{} {count}",
                join(&format!("le=\"{bound}\""))
            );
        }
        let _ = writeln!(out, "{name}_bucket{} {}", join("le=\"+Inf\""), self.count);
        let plain = if labels.is_empty() {
            String::new()
        } else {
            format!("{{{labels}}}")
        };
        let _ = writeln!(out, "{name}_sum{plain} {}", self.sum);
        let _ = writeln!(out, "{name}_count{plain} {}", self.count);
    }
}

const BATCH_EVENTS: &[f64] = &[1.0, 2.0, 5.0, 10.0, 50.0, 100.0, 500.0, 1000.0, 4000.0];
const SECONDS: &[f64] = &[
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
];

/// Escapes a label value.
fn label(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// The registry.
pub struct Metrics {
    append_events: Mutex<Histogram>,
    append_seconds: Mutex<Histogram>,
    /// `(kind, outcome)` → events; the outcome is `recorded`, `replayed` or the refusal's code.
    events: Mutex<BTreeMap<(String, String), u64>>,
    /// `(route pattern, method, status)` → latency.
    http: Mutex<BTreeMap<(String, String, u16), Histogram>>,
}

impl Default for Metrics {
    fn default() -> Metrics {
        Metrics {
            append_events: Mutex::new(Histogram::new(BATCH_EVENTS)),
            append_seconds: Mutex::new(Histogram::new(SECONDS)),
            events: Mutex::new(BTreeMap::new()),
            http: Mutex::new(BTreeMap::new()),
        }
    }
}

/// Values read when scraped.
pub struct Gauges {
    pub queue_depth: usize,
    pub queue_capacity: usize,
    pub pool_connections: u32,
    pub pool_idle: u32,
    pub log_size: i64,
    /// Hand-overs waiting for their receiver, and how long the oldest has waited.
    pub in_transit: usize,
    pub oldest_transit_seconds: f64,
}

impl Metrics {
    /// One committed (or failed) append transaction.
    pub fn append(&self, events: usize, seconds: f64) {
        if let Ok(mut h) = self.append_events.lock() {
            h.observe(events as f64);
        }
        if let Ok(mut h) = self.append_seconds.lock() {
            h.observe(seconds);
        }
    }

    /// One event's outcome.
    pub fn event(&self, kind: &str, outcome: &str) {
        if let Ok(mut events) = self.events.lock() {
            *events
                .entry((kind.to_string(), outcome.to_string()))
                .or_default() += 1;
        }
    }

    /// One HTTP request, by its route pattern (bounded: never the raw path).
    pub fn request(&self, route: &str, method: &str, status: u16, seconds: f64) {
        if let Ok(mut http) = self.http.lock() {
            http.entry((route.to_string(), method.to_string(), status))
                .or_insert_with(|| Histogram::new(SECONDS))
                .observe(seconds);
        }
    }

    /// The Prometheus text exposition (format 0.0.4).
    pub fn render(&self, gauges: &Gauges) -> String {
        let mut out = String::new();
        let section = |name: &str, kind: &str, help: &str, out: &mut String| {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
        };
        section(
            "ewaste_append_batch_events",
            "histogram",
            "Events per append transaction.",
            &mut out,
        );
        if let Ok(h) = self.append_events.lock() {
            h.render("ewaste_append_batch_events", "", &mut out);
        }
        section(
            "ewaste_append_batch_seconds",
            "histogram",
            "Duration of append transactions (decide, write, sign, commit).",
            &mut out,
        );
        if let Ok(h) = self.append_seconds.lock() {
            h.render("ewaste_append_batch_seconds", "", &mut out);
        }
        section("ewaste_events_total", "counter", "Events the writer decided, by kind and outcome (recorded, replayed, or the refusal's problem code); malformed or badly signed submissions are refused before it and show in the HTTP series.", &mut out);
        if let Ok(events) = self.events.lock() {
            for ((kind, outcome), count) in events.iter() {
                let _ = writeln!(
                    out,
                    "ewaste_events_total{{kind=\"{}\",outcome=\"{}\"}} {count}",
                    label(kind),
                    label(outcome)
                );
            }
        }
        section(
            "ewaste_http_request_duration_seconds",
            "histogram",
            "HTTP request latency by route pattern, method and status.",
            &mut out,
        );
        if let Ok(http) = self.http.lock() {
            for ((route, method, status), h) in http.iter() {
                let labels = format!(
                    "route=\"{}\",method=\"{}\",status=\"{status}\"",
                    label(route),
                    label(method)
                );
                h.render("ewaste_http_request_duration_seconds", &labels, &mut out);
            }
        }
        for (name, kind, help, value) in [
            (
                "ewaste_writer_queue_depth",
                "gauge",
                "Jobs waiting for the writer.",
                gauges.queue_depth as f64,
            ),
            (
                "ewaste_writer_queue_capacity",
                "gauge",
                "Jobs the writer's queue holds before answering 503.",
                gauges.queue_capacity as f64,
            ),
            (
                "ewaste_db_pool_connections",
                "gauge",
                "Reader connections open.",
                f64::from(gauges.pool_connections),
            ),
            (
                "ewaste_db_pool_idle_connections",
                "gauge",
                "Reader connections idle.",
                f64::from(gauges.pool_idle),
            ),
            (
                "ewaste_log_size",
                "gauge",
                "Entries in the log.",
                gauges.log_size as f64,
            ),
            (
                "ewaste_in_transit",
                "gauge",
                "Hand-overs waiting for their receiver (products, lots and containers).",
                gauges.in_transit as f64,
            ),
            (
                "ewaste_oldest_transit_seconds",
                "gauge",
                "How long the oldest hand-over in transit has waited (0 when none).",
                gauges.oldest_transit_seconds,
            ),
        ] {
            section(name, kind, help, &mut out);
            let _ = writeln!(out, "{name} {value}");
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histograms_are_cumulative_and_labels_escaped() {
        let metrics = Metrics::default();
        metrics.append(3, 0.002);
        metrics.append(700, 0.2);
        metrics.event("collected", "recorded");
        metrics.event("collected", "recorded");
        metrics.request("/v1/products/{id}", "GET", 200, 0.001);
        metrics.event("a\"b", "x");
        let text = metrics.render(&Gauges {
            queue_depth: 2,
            queue_capacity: 64,
            pool_connections: 4,
            pool_idle: 3,
            log_size: 9,
            in_transit: 0,
            oldest_transit_seconds: 0.0,
        });
        for line in [
            "ewaste_append_batch_events_bucket{le=\"5\"} 1",
            "ewaste_append_batch_events_bucket{le=\"1000\"} 2",
            "ewaste_append_batch_events_bucket{le=\"+Inf\"} 2",
            "ewaste_append_batch_events_sum 703",
            "ewaste_events_total{kind=\"collected\",outcome=\"recorded\"} 2",
            "ewaste_events_total{kind=\"a\\\"b\",outcome=\"x\"} 1",
            "ewaste_http_request_duration_seconds_bucket{route=\"/v1/products/{id}\",method=\"GET\",status=\"200\",le=\"0.001\"} 1",
            "ewaste_http_request_duration_seconds_count{route=\"/v1/products/{id}\",method=\"GET\",status=\"200\"} 1",
            "ewaste_writer_queue_depth 2",
        ] {
            assert!(text.contains(line), "{line} in\n{text}");
        }
    }
}
