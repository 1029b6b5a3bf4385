//! Native benchmark of `context::derive_browser` (run: `cargo run --release --example ua_native`).
//!
//! - cold: a fresh process per user agent of `bench/uas.json` (this binary re-runs itself with
//!   `--cold <i>`), timing the very first derive;
//! - warm: after a first pass over the list, every user agent again (result cache on, and with
//!   the result cache cleared so the rules run);
//! - plain uaparser (`UserAgentParser::from_bytes`) construct and per-parse, for reference.

use std::process::Command;
use std::time::Instant;

use evolvy_widget::context::{derive_browser, ua};
use uaparser::{Parser, UserAgentParser};

fn uas() -> Vec<String> {
    serde_json::from_str(include_str!("uas.json")).expect("bench/uas.json is a list of strings")
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs[xs.len() / 2]
}

fn p95(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs[(xs.len() * 95 / 100).min(xs.len() - 1)]
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let uas = uas();
    if args.get(1).map(String::as_str) == Some("--cold") {
        let i: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(0);
        let t = Instant::now();
        let b = derive_browser(&uas[i % uas.len()], None);
        let ms = t.elapsed().as_secs_f64() * 1e3;
        println!("{ms} {}", ua::cache_stats().parsers_built);
        eprintln!("{b:?}");
        return;
    }
    let exe = std::env::current_exe().expect("own path");
    let mut cold = Vec::new();
    println!("| # | user agent | cold ms | rule parsers built | candidates (ua, os, device) |");
    println!("|---|---|---|---|---|");
    for (i, u) in uas.iter().enumerate() {
        let out = Command::new(&exe)
            .args(["--cold", &i.to_string()])
            .output()
            .expect("re-run");
        let text = String::from_utf8_lossy(&out.stdout);
        let mut parts = text.split_whitespace();
        let ms: f64 = parts
            .next()
            .and_then(|s| s.parse().ok())
            .unwrap_or(f64::NAN);
        let built = parts.next().unwrap_or("?").to_string();
        cold.push(ms);
        let short: String = u.chars().take(60).collect();
        println!(
            "| {i} | {short}… | {ms:.2} | {built} | {:?} |",
            ua::candidate_counts(u)
        );
    }
    for u in &uas {
        derive_browser(u, None);
    }
    let rounds = 200;
    let mut warm = Vec::new();
    let mut rules = Vec::new();
    for _ in 0..rounds {
        let t = Instant::now();
        for u in &uas {
            std::hint::black_box(derive_browser(u, None));
        }
        warm.push(t.elapsed().as_secs_f64() * 1e6 / uas.len() as f64);
    }
    for _ in 0..rounds {
        let t = Instant::now();
        for u in &uas {
            ua::clear_result_cache();
            std::hint::black_box(derive_browser(u, None));
        }
        rules.push(t.elapsed().as_secs_f64() * 1e6 / uas.len() as f64);
    }
    let t = Instant::now();
    let plain = UserAgentParser::from_bytes(ua::REGEXES_YAML).expect("rules load");
    let construct = t.elapsed().as_secs_f64() * 1e3;
    let t = Instant::now();
    for u in &uas {
        std::hint::black_box(plain.parse(u));
    }
    let plain_parse = t.elapsed().as_secs_f64() * 1e6 / uas.len() as f64;
    println!();
    println!("| measure | value | target |");
    println!("|---|---|---|");
    println!(
        "| cold (fresh process, first derive), median (p95) | {:.2} ms ({:.2}) | ≤ 3 ms |",
        median(cold.clone()),
        p95(cold)
    );
    println!(
        "| warm per parse (result cache), median | {:.2} µs | ≤ 50 µs |",
        median(warm)
    );
    println!(
        "| warm per parse, rules re-run, median | {:.2} µs | — |",
        median(rules)
    );
    println!(
        "| plain uaparser: construct / per parse | {construct:.0} ms / {plain_parse:.0} µs | — |"
    );
}
