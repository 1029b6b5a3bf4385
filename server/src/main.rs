//! The local Evolvy backend: `cargo run -p evolvy-server`.
//!
//! Environment: `PORT` (8787), `DATA_DIR` (`<workspace>/data`), `WWW_DIR`, `PKG_DIR`,
//! `WEBHOOKS_FILE`, `WEBSITE_TOKEN`, `AGENT_TOKEN`, `RELAY_MAX_ATTEMPTS`, `RELAY_BASE_DELAY_MS`,
//! `RUST_LOG`.

use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| EnvFilter::new("info,evolvy_server=info")),
        )
        .init();
    let config = match evolvy_server::Config::from_env() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("evolvy-server: {e}");
            return std::process::ExitCode::from(2);
        }
    };
    let data_dir = config.data_dir.clone();
    let server = match evolvy_server::serve(config).await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("evolvy-server: cannot start: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let url = server.url();
    println!("Evolvy demo:      {url}/");
    println!("Event inspector:  {url}/inspector");
    println!("Agent console:    {url}/agent");
    println!("Data directory:   {}", data_dir.display());
    shutdown_signal().await;
    tracing::info!("shutting down");
    server.shutdown().await;
    std::process::ExitCode::SUCCESS
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {}
        _ = term => {}
    }
}
