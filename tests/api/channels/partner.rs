//! A scriptable partner: a real HTTP server on port 0 that answers each delivery as told
//! (200 with an id, 400, 429 with Retry-After, 500, hang, drop the connection, a huge body)
//! and records what it received.

use std::{
    collections::{HashMap, VecDeque},
    sync::{Arc, Mutex},
    time::Duration,
};

use serde_json::Value;
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::{TcpListener, TcpStream},
};

/// How to answer one delivery.
#[derive(Clone, Debug)]
pub enum Answer {
    /// 200 with `{"externalId": "EXT-<listing>"}`.
    Accept,
    Status(u16),
    TooManyRequests {
        retry_after: u64,
    },
    /// Never answer (until the client gives up).
    Hang,
    /// Close the connection without a word.
    Drop,
    /// 200 with a body of this many bytes of garbage.
    Huge(usize),
    /// 200 with this JSON body (a page of orders to poll).
    Json(String),
    /// Wait, then accept.
    SlowAccept(Duration),
}

/// One request as the partner saw it.
#[derive(Clone, Debug)]
pub struct Received {
    /// The request's method and target, e.g. `GET /orders?since=…`.
    pub request_line: String,
    pub headers: HashMap<String, String>,
    pub raw_body: Vec<u8>,
    pub body: Value,
    /// The status it was answered with (none when hung up or dropped).
    pub answered: Option<u16>,
}

impl Received {
    pub fn header(&self, name: &str) -> &str {
        self.headers.get(name).map(String::as_str).unwrap_or("")
    }

    pub fn version(&self) -> i64 {
        self.body["productVersion"].as_i64().unwrap_or(-1)
    }

    pub fn accepted(&self) -> bool {
        self.answered == Some(200)
    }
}

#[derive(Default)]
struct State {
    script: VecDeque<Answer>,
    otherwise: Option<Answer>,
    received: Vec<Received>,
    /// Requests read whole, answered or not yet.
    arrivals: usize,
}

#[derive(Clone)]
pub struct Partner {
    pub url: String,
    state: Arc<Mutex<State>>,
}

impl Partner {
    /// Starts a partner that accepts everything unless scripted otherwise.
    pub async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let url = format!("http://{}/hooks/dermaga", listener.local_addr().unwrap());
        let state = Arc::new(Mutex::new(State::default()));
        let shared = state.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(serve(stream, shared.clone()));
            }
        });
        Self { url, state }
    }

    /// The next answers, in order; then `otherwise` (accept by default).
    pub fn script(&self, answers: &[Answer]) {
        self.state
            .lock()
            .unwrap()
            .script
            .extend(answers.iter().cloned());
    }

    pub fn otherwise(&self, answer: Answer) {
        self.state.lock().unwrap().otherwise = Some(answer);
    }

    /// How many requests have arrived whole, including those still waiting for their answer.
    pub fn arrivals(&self) -> usize {
        self.state.lock().unwrap().arrivals
    }

    pub fn received(&self) -> Vec<Received> {
        self.state.lock().unwrap().received.clone()
    }

    fn next_answer(&self) -> Answer {
        let mut state = self.state.lock().unwrap();
        state
            .script
            .pop_front()
            .or_else(|| state.otherwise.clone())
            .unwrap_or(Answer::Accept)
    }
}

async fn serve(mut stream: TcpStream, state: Arc<Mutex<State>>) {
    let partner = Partner {
        url: String::new(),
        state: state.clone(),
    };
    let mut buffer = Vec::new();
    let mut chunk = [0u8; 8192];
    let head_end = loop {
        if let Some(end) = find(&buffer, b"\r\n\r\n") {
            break end;
        }
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => return,
            Ok(n) => buffer.extend_from_slice(&chunk[..n]),
        }
    };
    let head = String::from_utf8_lossy(&buffer[..head_end]).to_string();
    let headers: HashMap<String, String> = head
        .lines()
        .skip(1)
        .filter_map(|line| line.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let length: usize = headers
        .get("content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let mut body = buffer[head_end + 4..].to_vec();
    while body.len() < length {
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => return,
            Ok(n) => body.extend_from_slice(&chunk[..n]),
        }
    }
    state.lock().unwrap().arrivals += 1;
    let answer = partner.next_answer();
    let parsed: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let listing = parsed["listingId"]
        .as_str()
        .and_then(|id| id.rsplit('/').next())
        .unwrap_or("0")
        .to_owned();
    let request_line = head.lines().next().unwrap_or("").to_owned();
    let record = |answered: Option<u16>| Received {
        request_line: request_line.clone(),
        headers: headers.clone(),
        raw_body: body.clone(),
        body: parsed.clone(),
        answered,
    };
    let respond = |status: u16, extra: &str, body: &str| {
        format!(
            "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n{extra}\r\n{body}",
            body.len()
        )
    };
    match answer {
        Answer::Accept | Answer::SlowAccept(_) => {
            if let Answer::SlowAccept(delay) = answer {
                tokio::time::sleep(delay).await;
            }
            state.lock().unwrap().received.push(record(Some(200)));
            let reply = respond(200, "", &format!(r#"{{"externalId":"EXT-{listing}"}}"#));
            let _ = stream.write_all(reply.as_bytes()).await;
        }
        Answer::Json(json) => {
            state.lock().unwrap().received.push(record(Some(200)));
            let _ = stream.write_all(respond(200, "", &json).as_bytes()).await;
        }
        Answer::Status(status) => {
            state.lock().unwrap().received.push(record(Some(status)));
            let reply = respond(status, "", r#"{"error":"scripted failure"}"#);
            let _ = stream.write_all(reply.as_bytes()).await;
        }
        Answer::TooManyRequests { retry_after } => {
            state.lock().unwrap().received.push(record(Some(429)));
            let reply = respond(429, &format!("retry-after: {retry_after}\r\n"), "{}");
            let _ = stream.write_all(reply.as_bytes()).await;
        }
        Answer::Hang => {
            state.lock().unwrap().received.push(record(None));
            tokio::time::sleep(Duration::from_secs(3600)).await;
        }
        Answer::Drop => {
            state.lock().unwrap().received.push(record(None));
            drop(stream);
            return;
        }
        Answer::Huge(size) => {
            state.lock().unwrap().received.push(record(Some(200)));
            let head = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {size}\r\nconnection: close\r\n\r\n"
            );
            if stream.write_all(head.as_bytes()).await.is_err() {
                return;
            }
            let block = vec![b'x'; 64 * 1024];
            let mut sent = 0;
            while sent < size {
                let n = block.len().min(size - sent);
                if stream.write_all(&block[..n]).await.is_err() {
                    return;
                }
                sent += n;
            }
        }
    }
    let _ = stream.shutdown().await;
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}
