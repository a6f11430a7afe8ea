//! The real `dermaga` binary, run on a test's database, with its output in a file.

use std::{
    fs::File,
    process::{Child, Command, ExitStatus, Stdio},
    time::{Duration, Instant},
};

use crate::helpers::{TestApp, test_vars};

pub struct Dermaga {
    child: Child,
    log: tempfile::NamedTempFile,
    /// `http://127.0.0.1:<port>`, where it serves when it serves.
    pub address: String,
}

impl Dermaga {
    /// `dermaga <args>` on `app`'s database, with the test settings, `RUST_LOG=info` and
    /// `extra` (which may override both).
    pub fn start(app: &TestApp, args: &[&str], extra: &[(&str, &str)]) -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port()
            .to_string();
        let mut settings = vec![("PORT", port.as_str()), ("RUST_LOG", "info")];
        settings.extend_from_slice(extra);
        let log = tempfile::NamedTempFile::new().unwrap();
        let output = || Stdio::from(File::options().append(true).open(log.path()).unwrap());
        let child = Command::new(env!("CARGO_BIN_EXE_dermaga"))
            .args(args)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .envs(test_vars(&app.database_url(), &settings))
            .stdout(output())
            .stderr(output())
            .spawn()
            .expect("the binary starts");
        Self {
            child,
            log,
            address: format!("http://127.0.0.1:{port}"),
        }
    }

    /// Waits until it answers `/healthz` (at most 30 s).
    pub async fn serving(&self) {
        let client = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(30);
        while client
            .get(format!("{}/healthz", self.address))
            .send()
            .await
            .is_err()
        {
            assert!(Instant::now() < deadline, "not serving: {}", self.output());
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Everything it wrote so far, stdout and stderr.
    pub fn output(&self) -> String {
        std::fs::read_to_string(self.log.path()).unwrap_or_default()
    }

    /// Sends a signal (`libc::SIGTERM`, `libc::SIGINT`).
    pub fn signal(&self, signal: libc::c_int) {
        crate::helpers::send_signal(self.child.id(), signal);
    }

    /// Waits for the process to exit (at most 30 s); its status, its output and how long
    /// that took.
    pub async fn stopped(&mut self) -> (ExitStatus, String, Duration) {
        let started = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return (status, self.output(), started.elapsed());
            }
            if started.elapsed() > Duration::from_secs(30) {
                let _ = self.child.kill();
                panic!("still running after 30 s: {}", self.output());
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Kills it (SIGKILL) and waits until it is gone.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Dermaga {
    fn drop(&mut self) {
        self.kill();
    }
}
