//! A Redis server of the test's own, on a free port, that the test can stop and restart.

use std::{
    net::TcpListener,
    process::{Child, Command, Stdio},
    time::Duration,
};

pub struct LocalRedis {
    pub port: u16,
    child: Option<Child>,
}

impl LocalRedis {
    pub async fn start() -> Self {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .expect("a free port")
            .port();
        let mut redis = Self { port, child: None };
        redis.restart().await;
        redis
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
            .expect("redis-server is installed");
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
        let pid = self
            .child
            .as_ref()
            .expect("redis-server runs")
            .id()
            .to_string();
        let signal = |name: &str| {
            let status = Command::new("kill").args([name, pid.as_str()]).status();
            assert!(status.is_ok_and(|status| status.success()), "kill {name}");
        };
        signal("-STOP");
        std::thread::spawn(move || {
            std::thread::sleep(duration);
            let _ = Command::new("kill").args(["-CONT", pid.as_str()]).status();
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
