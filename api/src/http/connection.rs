//! A deadline on every request head of a connection, not only its first.
//!
//! actix-http times the head of a connection's first request (`client_request_timeout`) and
//! nothing after it: on a kept-alive connection a client could start a second head and never
//! finish it, holding the connection for ever. [`HeadDeadline`] wraps the socket and watches the
//! bytes go by. A head starts with the first byte read after a response (or on a new
//! connection) and ends at its blank line; if that takes longer than the limit, it answers `408`
//! with code `REQUEST_TIMEOUT` and fails the read, so actix-http closes the connection. Bodies
//! and WebSockets (after `101 Switching Protocols`) are not its business.

use std::{
    io,
    pin::Pin,
    task::{Context, Poll},
    time::Duration,
};

use tokio::{
    io::{AsyncRead, AsyncWrite, ReadBuf},
    time::{Sleep, sleep},
};

const TIMED_OUT_BODY: &str = r#"{"errors":[{"message":"the request head did not arrive in time","extensions":{"code":"REQUEST_TIMEOUT"}}]}"#;

/// Where the connection is in its exchange.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    /// A response was sent (or none yet): the next byte starts a head.
    BetweenRequests,
    /// Reading a head, which must end by the deadline.
    InHead,
    /// The head arrived: its body and the handler take their own time limits.
    Answering,
    /// Switched to another protocol (WebSocket): no longer HTTP/1.
    Upgraded,
}

/// A socket whose request heads must each arrive within a time limit.
pub struct HeadDeadline<Io> {
    io: Io,
    limit: Duration,
    phase: Phase,
    deadline: Option<Pin<Box<Sleep>>>,
    /// The head's last significant byte (ignoring `\r`) was a line feed.
    after_line_feed: bool,
}

impl<Io> HeadDeadline<Io> {
    pub fn new(io: Io, limit: Duration) -> Self {
        Self {
            io,
            limit,
            phase: Phase::BetweenRequests,
            deadline: None,
            after_line_feed: false,
        }
    }

    fn saw_read(&mut self, bytes: &[u8]) {
        if bytes.is_empty() {
            return;
        }
        if self.phase == Phase::BetweenRequests {
            self.phase = Phase::InHead;
            self.deadline = Some(Box::pin(sleep(self.limit)));
            self.after_line_feed = false;
        }
        if self.phase != Phase::InHead {
            return;
        }
        for &byte in bytes {
            match byte {
                // A blank line ends the head (httparse also takes a bare `\n\n`).
                b'\n' if self.after_line_feed => {
                    self.phase = Phase::Answering;
                    self.deadline = None;
                    return;
                }
                b'\n' => self.after_line_feed = true,
                b'\r' => {}
                _ => self.after_line_feed = false,
            }
        }
    }

    fn saw_write(&mut self, bytes: &[u8]) {
        if !matches!(self.phase, Phase::InHead | Phase::Answering) {
            return;
        }
        // Only the first write of a response counts, and it starts with the status line.
        let status = bytes
            .strip_prefix(b"HTTP/1.")
            .and_then(|rest| rest.get(1..5));
        match status {
            // `100 Continue`: the body follows.
            Some(b" 100") => {}
            Some(b" 101") => self.phase = Phase::Upgraded,
            _ => {
                self.phase = Phase::BetweenRequests;
                self.deadline = None;
            }
        }
    }
}

impl<Io: AsyncRead + AsyncWrite + Unpin> AsyncRead for HeadDeadline<Io> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = &mut *self;
        let before = buf.filled().len();
        match Pin::new(&mut this.io).poll_read(cx, buf) {
            Poll::Ready(Ok(())) => {
                this.saw_read(&buf.filled()[before..]);
                Poll::Ready(Ok(()))
            }
            Poll::Pending => {
                let expired = this
                    .deadline
                    .as_mut()
                    .is_some_and(|deadline| deadline.as_mut().poll(cx).is_ready());
                if !expired {
                    return Poll::Pending;
                }
                this.deadline = None;
                // Best effort: the socket is idle, so a short answer fits its buffer at once.
                let answer = format!(
                    "HTTP/1.1 408 Request Timeout\r\ncontent-type: application/json\r\n\
                     content-length: {}\r\nconnection: close\r\n\r\n{TIMED_OUT_BODY}",
                    TIMED_OUT_BODY.len()
                );
                let _ = Pin::new(&mut this.io).poll_write(cx, answer.as_bytes());
                Poll::Ready(Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    "the request head did not arrive in time",
                )))
            }
            failed => failed,
        }
    }
}

impl<Io: AsyncRead + AsyncWrite + Unpin> AsyncWrite for HeadDeadline<Io> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = &mut *self;
        let written = Pin::new(&mut this.io).poll_write(cx, data);
        if let Poll::Ready(Ok(count)) = written {
            this.saw_write(&data[..count]);
        }
        written
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn connection() -> HeadDeadline<()> {
        HeadDeadline::new((), Duration::from_secs(1))
    }

    #[tokio::test]
    async fn a_head_is_timed_from_its_first_byte_to_its_blank_line() {
        let mut connection = connection();
        connection.saw_read(b"GET /healthz HTTP/1.1\r\nhost: x\r\n");
        assert_eq!(connection.phase, Phase::InHead);
        assert!(connection.deadline.is_some());
        connection.saw_read(b"\r\n");
        assert_eq!(connection.phase, Phase::Answering);
        assert!(connection.deadline.is_none());
    }

    #[tokio::test]
    async fn the_body_is_not_read_as_a_head_and_a_response_starts_the_next_wait() {
        let mut connection = connection();
        connection.saw_read(b"POST / HTTP/1.1\r\ncontent-length: 9\r\n\r\n{\"a\":\n\n1}");
        assert_eq!(connection.phase, Phase::Answering);
        connection.saw_write(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n");
        assert_eq!(connection.phase, Phase::BetweenRequests);
        connection.saw_write(b"{}");
        assert_eq!(connection.phase, Phase::BetweenRequests);
        connection.saw_read(b"GET / HT");
        assert_eq!(connection.phase, Phase::InHead);
    }

    #[tokio::test]
    async fn continue_keeps_the_body_untimed_and_switching_protocols_ends_the_watch() {
        let mut connection = connection();
        connection.saw_read(b"POST / HTTP/1.1\nexpect: 100-continue\n\n");
        connection.saw_write(b"HTTP/1.1 100 Continue\r\n\r\n");
        assert_eq!(connection.phase, Phase::Answering);
        connection.saw_write(b"HTTP/1.1 101 Switching Protocols\r\n\r\n");
        assert_eq!(connection.phase, Phase::Upgraded);
        connection.saw_read(b"any websocket frame");
        assert_eq!(connection.phase, Phase::Upgraded);
    }
}
