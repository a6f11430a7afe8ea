//! A Redis server of the test's own, on a free port, that the test can stop, pause and restart.
//!
//! It needs `redis-server` on the `PATH`. Without it the test is skipped, with one line naming
//! what to install, so that `cargo test --workspace` passes on a machine that has only the Rust
//! toolchain; under `DERMAGA_REQUIRE_SERVICES=1` (set by `.ci/run`) a missing server fails the test.

use std::{
    io::Write,
    net::TcpListener,
    process::{Child, Command, Stdio},
    time::Duration,
};

pub struct LocalRedis {
    pub port: u16,
    child: Option<Child>,
}

/// How to get `redis-server`, for the skip line.
const INSTALL_HINT: &str = "install Redis (Debian/Ubuntu: `apt install redis-server`, \
                            macOS: `brew install redis`)";

impl LocalRedis {
    /// Starts a private server, or returns `None` (after reporting the skip) when
    /// `redis-server` is not installed.
    pub async fn start_or_skip() -> Option<Self> {
        if !redis_server_installed() {
            skip(&format!(
                "needs `redis-server` on the PATH to start a Redis of its own; {INSTALL_HINT}"
            ));
            return None;
        }
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .expect("a free port")
            .port();
        let mut redis = Self { port, child: None };
        redis.restart().await;
        Some(redis)
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/0", self.port)
    }

    /// Starts the server (again) on the same port, empty, and waits until it accepts connections.
    pub async fn restart(&mut self) {
        let child = Command::new("redis-server")
            .args(["--port", &self.port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no", "--daemonize", "no"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server starts");
        self.child = Some(child);
        for _ in 0..100 {
            if tokio::net::TcpStream::connect(("127.0.0.1", self.port))
                .await
                .is_ok()
            {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("redis-server did not start on port {}", self.port);
    }

    /// Freezes the server for `duration` (SIGSTOP, then SIGCONT) while it keeps its data, like
    /// a network fault between the API and Redis.
    pub fn pause(&self, duration: Duration) {
        let pid = self.child.as_ref().expect("redis-server runs").id();
        crate::helpers::send_signal(pid, libc::SIGSTOP);
        std::thread::spawn(move || {
            std::thread::sleep(duration);
            crate::helpers::send_signal(pid, libc::SIGCONT);
        });
    }

    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for LocalRedis {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The Redis a multi-replica test shares: `REDIS_URL`'s when set (the handle is `None`), else a
/// private server; `None` overall when neither is available and the test is skipped.
pub async fn shared_redis() -> Option<(Option<LocalRedis>, String)> {
    match std::env::var("REDIS_URL") {
        Ok(url) => Some((None, url)),
        Err(_) => {
            let local = LocalRedis::start_or_skip().await?;
            let url = local.url();
            Some((Some(local), url))
        }
    }
}

fn redis_server_installed() -> bool {
    Command::new("redis-server")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success())
}

/// Reports that the running test is skipped, or fails it when services are required.
///
/// The line goes to the process's stderr directly: `eprintln!` would be captured by the test
/// harness and shown only for failing tests, so a skip would read as a silent pass.
pub fn skip(reason: &str) {
    let test = std::thread::current().name().unwrap_or("a test").to_owned();
    if std::env::var("DERMAGA_REQUIRE_SERVICES").is_ok_and(|value| value == "1") {
        panic!("{test} {reason} (DERMAGA_REQUIRE_SERVICES=1: it may not be skipped)");
    }
    let _ = writeln!(std::io::stderr(), "SKIPPED {test}: {reason}");
}
