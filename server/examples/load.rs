//! Load generator: concurrent event posts to an Evolvy server on 127.0.0.1, then a count in the
//! database to prove nothing was lost.
//!
//! ```text
//! cargo run -p evolvy-server --example load -- [COUNT] [CONCURRENCY]
//! ```
//! Starts its own server on a free port with a fresh data directory, then runs two rounds of
//! COUNT (default 5000) requests each with CONCURRENCY (default 32) in flight:
//! `POST /api/v1/widget/events` (token check, payload build, validation, one transaction) and
//! `POST /webhooks/receive` (full payload validation, dedupe, one transaction).
//! Prints events/s, p50/p99 latency, errors and lost events (sent OK − new rows in SQLite).

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use tokio::sync::Semaphore;

#[derive(Clone, Copy)]
enum Target {
    Widget,
    Receive,
}

async fn round(
    base: &str,
    token: &str,
    target: Target,
    count: usize,
    concurrency: usize,
) -> (Duration, Vec<Duration>, usize) {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(concurrency)
        .timeout(Duration::from_secs(30))
        .build()
        .expect("client");
    let sem = Arc::new(Semaphore::new(concurrency));
    let started = Instant::now();
    let mut tasks = Vec::with_capacity(count);
    for i in 0..count {
        let permit = sem.clone().acquire_owned().await.expect("semaphore");
        let client = client.clone();
        let base = base.to_owned();
        let token = token.to_owned();
        tasks.push(tokio::spawn(async move {
            let t0 = Instant::now();
            let req = match target {
                Target::Widget => client
                    .post(format!(
                        "{base}/api/v1/widget/events?website_token={}&locale=pt_BR",
                        evolvy_server::DEFAULT_WEBSITE_TOKEN
                    ))
                    .header("X-Auth-Token", token)
                    .header("Accept-Language", "pt-BR,pt;q=0.9")
                    .header("User-Agent", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36")
                    .json(&json!({"name": "webwidget.triggered", "event_info": {
                        "initiated_at": {"timestamp": "Wed Jan 05 2023 19:24:12 GMT-0300"},
                        "referer": format!("https://shop.example/p/{i}")}})),
                Target::Receive => client
                    .post(format!("{base}/webhooks/receive"))
                    .header("Content-Type", "text/plain;charset=UTF-8")
                    .header("webhook-id", format!("load-{i}"))
                    .body(payload(i).to_string()),
            };
            let ok = matches!(req.send().await, Ok(r) if r.status().is_success());
            drop(permit);
            (t0.elapsed(), ok)
        }));
    }
    let mut lat = Vec::with_capacity(count);
    let mut errors = 0;
    for t in tasks {
        match t.await {
            Ok((d, true)) => lat.push(d),
            _ => errors += 1,
        }
    }
    (started.elapsed(), lat, errors)
}

fn payload(i: usize) -> Value {
    json!({
        "id": i, "event": "webwidget_triggered", "source_id": format!("src-{i}"),
        "contact": {"id": i, "name": "Load", "account": {"id": 1, "name": "Acme"}},
        "inbox": {"id": 1, "name": "Site"}, "account": {"id": 1, "name": "Acme"},
        "current_conversation": null,
        "event_info": {"initiated_at": {"timestamp": "Wed Jan 05 2023 19:24:12 GMT-0300"},
            "referer": "https://shop.example/", "widget_language": "pt_BR", "browser_language": "pt",
            "browser": {"browser_name": "Chrome", "browser_version": "126.0.0.0", "device_name": "Unknown",
                        "platform_name": "Windows", "platform_version": "10.0"}}
    })
}

fn pct(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let idx = ((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[idx]
}

async fn db_count(data_dir: &std::path::Path) -> i64 {
    let path = data_dir.join("evolvy.sqlite3");
    tokio::task::spawn_blocking(move || {
        let c = rusqlite::Connection::open(path).expect("open db");
        c.query_row("SELECT COUNT(*) FROM events", [], |r| r.get(0))
            .expect("count")
    })
    .await
    .expect("count task")
}

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let count: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(5000);
    let concurrency: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(32);
    let dir = std::env::temp_dir().join(format!("evolvy-load-{}", std::process::id()));
    let mut config = evolvy_server::Config::new(&dir);
    config.port = 0;
    let server = evolvy_server::serve(config).await.expect("server starts");
    let base = server.url();
    let cfg: Value = reqwest::Client::new()
        .post(format!(
            "{base}/api/v1/widget/config?website_token={}",
            evolvy_server::DEFAULT_WEBSITE_TOKEN
        ))
        .send()
        .await
        .expect("config")
        .json()
        .await
        .expect("config json");
    let token = cfg["auth_token"].as_str().expect("auth_token").to_owned();
    println!("server {base}, {count} requests per round, {concurrency} in flight");
    for (name, target) in [
        ("widget events  ", Target::Widget),
        ("webhook receive", Target::Receive),
    ] {
        let before = db_count(&dir).await;
        let (elapsed, mut lat, errors) = round(&base, &token, target, count, concurrency).await;
        let stored = db_count(&dir).await - before;
        lat.sort();
        let ok = lat.len();
        println!(
            "{name}: {:>7.0} events/s  p50 {:>6.2} ms  p99 {:>6.2} ms  ok {ok}  errors {errors}  stored {stored}  lost {}",
            ok as f64 / elapsed.as_secs_f64(),
            pct(&lat, 0.50).as_secs_f64() * 1e3,
            pct(&lat, 0.99).as_secs_f64() * 1e3,
            ok as i64 - stored,
        );
    }
    server.shutdown().await;
    let _ = std::fs::remove_dir_all(&dir);
}
