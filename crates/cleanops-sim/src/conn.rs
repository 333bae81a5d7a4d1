//! The connections of the simulated app, as uvicorn keeps them (docs/app-contract.md §13): after an unhandled
//! exception — every 500 of the app — it sends the 500, logs the traceback, and then closes the
//! connection, **without** a `Connection: close` header. A client that put the connection back
//! in its pool and reuses it for its next request meets "connection closed before message
//! completed" (or a reset) instead of an answer.
//!
//! Here a connection whose response was a 500 stops reading once that response is flushed,
//! and closes [`CLOSE_DELAY`] later: a request sent on it in between is never answered, as
//! with uvicorn while it writes the traceback. The delay is longer than uvicorn's few
//! milliseconds so that a client's next request reliably lands in it on a busy test machine.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::extract::connect_info::Connected;
use axum::serve::IncomingStream;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};

/// From the flush of a 500 to the close of its connection.
pub(crate) const CLOSE_DELAY: Duration = Duration::from_millis(100);

/// The listener of the simulated app: TCP connections that can be closed after a response.
pub(crate) struct SimListener(pub TcpListener);

impl axum::serve::Listener for SimListener {
    type Io = Conn;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Conn, SocketAddr) {
        loop {
            match self.0.accept().await {
                Ok((stream, addr)) => {
                    // Small answers go out at once, as uvicorn's do.
                    let _ = stream.set_nodelay(true);
                    return (
                        Conn {
                            inner: stream,
                            close: Arc::new(AtomicBool::new(false)),
                            state: State::Open,
                        },
                        addr,
                    );
                }
                // Out of descriptors and the like: wait a moment, as axum's own listener does.
                Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
            }
        }
    }

    fn local_addr(&self) -> io::Result<SocketAddr> {
        self.0.local_addr()
    }
}

/// What a request knows about its connection (axum's `ConnectInfo`).
#[derive(Clone, Debug)]
pub(crate) struct Peer {
    pub addr: SocketAddr,
    close: Arc<AtomicBool>,
}

impl Peer {
    /// The connection ends after the response now being answered, as after an unhandled error.
    pub(crate) fn close_after_response(&self) {
        self.close.store(true, Ordering::SeqCst);
    }
}

impl Connected<IncomingStream<'_, SimListener>> for Peer {
    fn connect_info(stream: IncomingStream<'_, SimListener>) -> Peer {
        Peer {
            addr: *stream.remote_addr(),
            close: stream.io().close.clone(),
        }
    }
}

enum State {
    Open,
    /// The 500 is out; nothing more is read, and the connection ends when this sleep does.
    Closing(Pin<Box<tokio::time::Sleep>>),
    Closed,
}

/// A TCP connection that stops after a response once asked to.
pub(crate) struct Conn {
    inner: TcpStream,
    close: Arc<AtomicBool>,
    state: State,
}

impl AsyncRead for Conn {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = &mut *self;
        match &mut this.state {
            State::Open => Pin::new(&mut this.inner).poll_read(cx, buf),
            State::Closing(sleep) => match sleep.as_mut().poll(cx) {
                Poll::Pending => Poll::Pending,
                Poll::Ready(()) => {
                    // End of stream: the server drops the connection, unread bytes and all.
                    this.state = State::Closed;
                    Poll::Ready(Ok(()))
                }
            },
            State::Closed => Poll::Ready(Ok(())),
        }
    }
}

impl AsyncWrite for Conn {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.state {
            // The rest of the response may still be on its way while no more is read.
            State::Open | State::Closing(_) => Pin::new(&mut self.inner).poll_write(cx, buf),
            State::Closed => Poll::Ready(Err(io::ErrorKind::BrokenPipe.into())),
        }
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = &mut *self;
        let flushed = Pin::new(&mut this.inner).poll_flush(cx);
        if matches!(flushed, Poll::Ready(Ok(())))
            && matches!(this.state, State::Open)
            && this.close.swap(false, Ordering::SeqCst)
        {
            // Flagged while its response was being produced: that response is out now.
            this.state = State::Closing(Box::pin(tokio::time::sleep(CLOSE_DELAY)));
            // Make sure the connection's task polls the read side (and so the sleep) again.
            cx.waker().wake_by_ref();
        }
        flushed
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}
