//! # evolvy-server
//!
//! The local Evolvy backend: serves the demo page and the wasm package, speaks the platform's
//! widget API, receives webhook payloads from the browser module, stores everything in SQLite and
//! relays every event to webhook subscribers, signed and retried. A live inspector shows it all.
//!
//! Start it in-process with [`serve`]; the binary (`src/main.rs`) reads [`Config::from_env`].

use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::time::Duration;

use evolvy_widget::model::{Account, Inbox};
use tokio::sync::{broadcast, watch};

pub mod agent_console;
pub mod answers;
pub mod error;
pub mod inspector;
pub mod live;
pub mod outbox;
pub mod payload;
pub mod relay;
pub mod routes;
pub mod store;
pub mod stream;
pub mod token;

pub use relay::RelayConfig;

/// Everything the server needs to start.
#[derive(Debug, Clone)]
pub struct Config {
    /// Port on 127.0.0.1 (0 picks a free one).
    pub port: u16,
    /// Where the database, the token secret and `webhooks.json` live.
    pub data_dir: PathBuf,
    /// The static demo pages.
    pub www_dir: PathBuf,
    /// The wasm package (served at `/pkg/`).
    pub pkg_dir: PathBuf,
    /// Webhook subscriptions to load at start (default `data_dir/webhooks.json` when it exists).
    pub webhooks_file: Option<PathBuf>,
    /// The web-widget inbox's website token.
    pub website_token: String,
    /// Lifetime of contact tokens.
    pub token_ttl: Duration,
    /// Largest accepted request body, in bytes.
    pub body_limit: usize,
    /// Relay retry policy.
    pub relay: RelayConfig,
    /// The agent API's `api_access_token` (also handed to the agent console page).
    pub agent_token: String,
    /// How long a widget stream ticket stays valid (60 s).
    pub ticket_ttl: Duration,
}

/// The website token of the demo inbox.
pub const DEFAULT_WEBSITE_TOKEN: &str = "demo-website-token";

/// The agent API token of the demo (`AGENT_TOKEN` overrides it).
pub const DEFAULT_AGENT_TOKEN: &str = "demo-agent-token";

impl Config {
    /// Defaults around a data directory: port 8787, the workspace's `www/` and `pkg/`.
    pub fn new(data_dir: impl Into<PathBuf>) -> Self {
        let workspace = Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from("."));
        Self {
            port: 8787,
            data_dir: data_dir.into(),
            www_dir: workspace.join("www"),
            pkg_dir: workspace.join("pkg"),
            webhooks_file: None,
            website_token: DEFAULT_WEBSITE_TOKEN.to_owned(),
            token_ttl: Duration::from_secs(180 * 24 * 3600),
            body_limit: 1024 * 1024,
            relay: RelayConfig::default(),
            agent_token: DEFAULT_AGENT_TOKEN.to_owned(),
            ticket_ttl: Duration::from_secs(60),
        }
    }

    /// Reads `PORT`, `DATA_DIR`, `WWW_DIR`, `PKG_DIR`, `WEBHOOKS_FILE`, `WEBSITE_TOKEN`,
    /// `AGENT_TOKEN`, `RELAY_MAX_ATTEMPTS` and `RELAY_BASE_DELAY_MS`.
    pub fn from_env() -> Result<Self, String> {
        let var = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
        let workspace = Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from("."));
        let mut c = Config::new(
            var("DATA_DIR")
                .map(PathBuf::from)
                .unwrap_or_else(|| workspace.join("data")),
        );
        if let Some(p) = var("PORT") {
            c.port = p
                .parse()
                .map_err(|_| format!("PORT must be a port number, got `{p}`"))?;
        }
        if let Some(p) = var("WWW_DIR") {
            c.www_dir = p.into();
        }
        if let Some(p) = var("PKG_DIR") {
            c.pkg_dir = p.into();
        }
        if let Some(p) = var("WEBHOOKS_FILE") {
            c.webhooks_file = Some(p.into());
        }
        if let Some(t) = var("WEBSITE_TOKEN") {
            c.website_token = t;
        }
        if let Some(t) = var("AGENT_TOKEN") {
            if t.len() < 8 || !t.chars().all(|ch| ch.is_ascii_graphic()) {
                return Err("AGENT_TOKEN must be at least 8 visible ASCII characters".into());
            }
            c.agent_token = t;
        }
        if let Some(n) = var("RELAY_MAX_ATTEMPTS") {
            c.relay.max_attempts = n
                .parse()
                .map_err(|_| format!("RELAY_MAX_ATTEMPTS must be a number, got `{n}`"))?;
        }
        if let Some(n) = var("RELAY_BASE_DELAY_MS") {
            c.relay.base_delay = Duration::from_millis(
                n.parse()
                    .map_err(|_| format!("RELAY_BASE_DELAY_MS must be a number, got `{n}`"))?,
            );
        }
        Ok(c)
    }
}

/// Shared state of every handler.
#[derive(Clone)]
pub struct AppState {
    /// The configuration.
    pub config: std::sync::Arc<Config>,
    /// The database.
    pub store: store::Store,
    /// Contact token signer.
    pub signer: token::TokenSigner,
    /// Account and inbox.
    pub scene: payload::Scene,
    /// Live feed.
    pub stream: broadcast::Sender<stream::StreamMsg>,
    /// Frames of the widgets' live streams, after they are stored.
    pub live: broadcast::Sender<std::sync::Arc<store::LiveRow>>,
    /// Single-use tickets that open a widget live stream.
    pub tickets: live::Tickets,
    /// Wakes the relay.
    pub relay: relay::RelayWaker,
    /// True once shutting down.
    pub shutdown: watch::Receiver<bool>,
}

impl AppState {
    /// Announces a stored event and wakes the relay when deliveries were queued.
    pub fn published(&self, event: store::EventRow, queued: usize) {
        tracing::info!(event = %event.name, uid = %event.uid, source = %event.source, queued, "event stored");
        let _ = self.stream.send(stream::StreamMsg::Event(event));
        if queued > 0 {
            self.relay.wake();
        }
    }

    /// Announces everything a committed transaction stored: events to the inspector and the
    /// relay, live frames to the widgets' streams.
    pub fn publish(&self, out: outbox::Outbox) {
        for (ev, queued) in out.events {
            self.published(ev, queued);
        }
        for row in out.live {
            let _ = self.live.send(std::sync::Arc::new(row));
        }
    }
}

/// Why the server did not start.
#[derive(Debug)]
pub enum StartError {
    /// Data directory, secret or socket.
    Io(std::io::Error),
    /// The database.
    Store(store::StoreError),
    /// The webhooks file.
    Webhooks(String),
}

impl std::fmt::Display for StartError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StartError::Io(e) => write!(f, "{e}"),
            StartError::Store(e) => write!(f, "{e}"),
            StartError::Webhooks(e) => write!(f, "webhooks file: {e}"),
        }
    }
}

impl std::error::Error for StartError {}

impl From<std::io::Error> for StartError {
    fn from(e: std::io::Error) -> Self {
        StartError::Io(e)
    }
}

impl From<store::StoreError> for StartError {
    fn from(e: store::StoreError) -> Self {
        StartError::Store(e)
    }
}

/// A running server.
pub struct Server {
    addr: SocketAddr,
    shutdown: watch::Sender<bool>,
    http: tokio::task::JoinHandle<std::io::Result<()>>,
    relay: tokio::task::JoinHandle<()>,
}

impl Server {
    /// The bound address (127.0.0.1).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stops accepting, lets requests in progress finish, stops the relay and waits for both.
    pub async fn shutdown(self) {
        let _ = self.shutdown.send(true);
        match self.http.await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => tracing::error!(error = %e, "http server error"),
            Err(e) => tracing::error!(error = %e, "http task failed"),
        }
        let _ = self.relay.await;
    }
}

/// Opens the data directory, loads the webhooks file, binds 127.0.0.1:`port` and starts serving
/// and relaying.
pub async fn serve(config: Config) -> Result<Server, StartError> {
    std::fs::create_dir_all(&config.data_dir)?;
    let store = store::Store::open(&config.data_dir)?;
    let signer = token::TokenSigner::load_or_create(&config.data_dir)?;
    let webhooks_file = config.webhooks_file.clone().or_else(|| {
        let p = config.data_dir.join("webhooks.json");
        p.exists().then_some(p)
    });
    if let Some(path) = webhooks_file {
        routes::webhooks::load_file(&store, &path)
            .await
            .map_err(StartError::Webhooks)?;
    }
    let listener = tokio::net::TcpListener::bind((Ipv4Addr::LOCALHOST, config.port)).await?;
    let addr = listener.local_addr()?;
    let (shutdown_tx, shutdown_rx) = watch::channel(false);
    let (stream_tx, _) = broadcast::channel(1024);
    let (live_tx, _) = broadcast::channel(1024);
    let waker = relay::RelayWaker::default();
    let relay = relay::spawn(
        store.clone(),
        config.relay.clone(),
        waker.clone(),
        stream_tx.clone(),
        shutdown_rx.clone(),
    );
    let state = AppState {
        config: std::sync::Arc::new(config),
        store,
        signer,
        scene: payload::Scene {
            account: Account {
                id: 1,
                name: "Evolvy Demo".into(),
            },
            inbox: Inbox {
                id: 1,
                name: "Website".into(),
            },
        },
        stream: stream_tx,
        live: live_tx,
        tickets: live::Tickets::default(),
        relay: waker,
        shutdown: shutdown_rx.clone(),
    };
    let app = routes::router(state);
    let mut stop = shutdown_rx;
    let http = tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(async move {
                let _ = stop.wait_for(|s| *s).await;
            })
            .await
    });
    tracing::info!(%addr, "evolvy-server listening");
    Ok(Server {
        addr,
        shutdown: shutdown_tx,
        http,
        relay,
    })
}
