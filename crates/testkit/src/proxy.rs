//! A loopback TCP proxy that puts network faults between an S3 client and a server.

use std::fmt;
use std::io::{Read, Write};
use std::net::{Ipv4Addr, Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::Ordering::SeqCst;
use std::sync::atomic::{AtomicBool, AtomicU64};
use std::sync::{Arc, Mutex, PoisonError, Weak};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

/// How much one read takes from a socket; each chunk is delayed, counted and forwarded as one.
const CHUNK: usize = 64 * 1024;
/// A request head longer than this is not HTTP we understand; the connection is then forwarded raw.
const MAX_HEAD: usize = 64 * 1024;
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// How long a denied connection waits for the client to close after the `403` (see [`Connection::deny`]).
const DRAIN_TIMEOUT: Duration = Duration::from_secs(2);
/// Pause after a failed `accept` (say, out of file descriptors), so the loop does not spin.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(10);
/// The `cut_after` setting that means "never".
const NO_CUT: u64 = u64::MAX;

/// What S3 answers a request the key has no permission for.
const ACCESS_DENIED_BODY: &str =
    r#"<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>"#;

/// A loopback TCP proxy for fault tests: the S3 client talks to [`Proxy::endpoint`] instead of the server, and
/// the test cuts, slows, refuses or filters the traffic while the client works, and counts what was sent.
///
/// Design decision: the proxy forwards bytes, not HTTP messages. A fault therefore lands wherever the client
/// is, in the middle of a body as a real network failure would, and [`Proxy::bytes_up`] is what reached the
/// server. HTTP/1.1 is parsed only far enough to find where each request starts (a head up to the blank
/// line, then `Content-Length` bytes of body), on every connection and at all times, so that
/// [`Proxy::deny_list_multipart_uploads`] also catches requests on connections that the client opened, and
/// keeps in its pool, from before the rule was switched on.
///
/// Every setting applies at once, to open connections too, and may be changed from any thread while a
/// client runs. Each connection is served by two threads. Dropping the proxy closes its port and every open
/// connection.
///
/// ```no_run
/// use coffer_testkit::{Garage, Proxy};
///
/// let garage = Garage::start("vault");
/// let upstream = garage.endpoint().trim_start_matches("http://").parse().unwrap();
/// let proxy = Proxy::start(upstream);
/// proxy.cut_after(Some(1 << 20)); // every connection dies after sending 1 MiB
/// // Point the S3 client at proxy.endpoint() instead of garage.endpoint().
/// ```
pub struct Proxy {
    shared: Arc<Shared>,
    addr: SocketAddr,
    acceptor: Option<JoinHandle<()>>,
}

impl Proxy {
    /// Starts forwarding from a free port on 127.0.0.1 to `upstream`. Panics if no port or thread can be had.
    pub fn start(upstream: SocketAddr) -> Proxy {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("cannot bind the proxy's loopback port");
        let addr = listener.local_addr().expect("bound listener has no address");
        let shared = Arc::new(Shared {
            upstream,
            stopping: AtomicBool::new(false),
            bytes_up: AtomicU64::new(0),
            denied: AtomicU64::new(0),
            cut_after: AtomicU64::new(NO_CUT),
            delay_nanos: AtomicU64::new(0),
            refuse: AtomicBool::new(false),
            deny_list_uploads: AtomicBool::new(false),
            connections: Mutex::new(Vec::new()),
        });
        let acceptor = thread::Builder::new()
            .name("coffer-proxy-accept".to_owned())
            .spawn({
                let shared = Arc::clone(&shared);
                move || accept(&listener, &shared)
            })
            .expect("cannot start the proxy's thread");
        Proxy { shared, addr, acceptor: Some(acceptor) }
    }

    /// The proxy's address as an S3 endpoint, `http://127.0.0.1:<port>`.
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The proxy's port on 127.0.0.1.
    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// Bytes forwarded from clients to the server since the start or [`Proxy::reset_counters`]: request
    /// heads and bodies that reached the server, not those cut off or denied.
    pub fn bytes_up(&self) -> u64 {
        self.shared.bytes_up.load(SeqCst)
    }

    /// Requests answered with `403 AccessDenied` by [`Proxy::deny_list_multipart_uploads`] since the start or
    /// [`Proxy::reset_counters`].
    pub fn denied(&self) -> u64 {
        self.shared.denied.load(SeqCst)
    }

    /// Sets [`Proxy::bytes_up`] and [`Proxy::denied`] back to zero.
    pub fn reset_counters(&self) {
        self.shared.bytes_up.store(0, SeqCst);
        self.shared.denied.store(0, SeqCst);
    }

    /// With `Some(n)`, every connection, open or new, is reset in both directions once it has carried `n`
    /// bytes from the client to the server (counted from the connection's start), as if the network dropped
    /// it. `None` turns this off.
    pub fn cut_after(&self, bytes: Option<u64>) {
        self.shared.cut_after.store(bytes.map_or(NO_CUT, |n| n.min(NO_CUT - 1)), SeqCst);
    }

    /// Waits `delay` before forwarding each chunk read, in both directions. `Duration::ZERO` turns this off.
    pub fn delay(&self, delay: Duration) {
        self.shared.delay_nanos.store(u64::try_from(delay.as_nanos()).unwrap_or(u64::MAX), SeqCst);
    }

    /// While `true`, new connections are accepted and at once reset, as by a server that is gone; open
    /// connections are left alone (see [`Proxy::drop_all`]).
    pub fn refuse(&self, refuse: bool) {
        self.shared.refuse.store(refuse, SeqCst);
    }

    /// While `true`, the proxy acts like an access key without the `s3:ListBucketMultipartUploads` permission:
    /// a ListMultipartUploads request is answered `403 Forbidden` with an S3 `AccessDenied` error and
    /// `Connection: close`, without reaching the server, and its connection is closed.
    ///
    /// That request is a `GET` with a query parameter `uploads` and none named `uploadId` on a bucket path
    /// (`/bucket`, `/bucket/`, or `/` with virtual-hosted addressing). CreateMultipartUpload
    /// (`POST /bucket/key?uploads`), ListParts and UploadPart (`…?uploadId=…`) pass. A connection whose
    /// requests use `Transfer-Encoding` is forwarded without looking past that request's head.
    pub fn deny_list_multipart_uploads(&self, deny: bool) {
        self.shared.deny_list_uploads.store(deny, SeqCst);
    }

    /// Resets every open connection now, in both directions.
    pub fn drop_all(&self) {
        let open = std::mem::take(&mut *self.shared.connections.lock().unwrap_or_else(PoisonError::into_inner));
        for connection in open.iter().filter_map(Weak::upgrade) {
            connection.reset();
        }
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.shared.stopping.store(true, SeqCst);
        // `accept` blocks; a connection of our own wakes it to see the flag. Should that fail the thread is
        // left blocked rather than joined, which leaks it but cannot hang the test.
        if TcpStream::connect_timeout(&self.addr, CONNECT_TIMEOUT).is_ok()
            && let Some(acceptor) = self.acceptor.take()
        {
            let _ = acceptor.join();
        }
        self.drop_all();
    }
}

impl fmt::Debug for Proxy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Proxy")
            .field("addr", &self.addr)
            .field("upstream", &self.shared.upstream)
            .finish_non_exhaustive()
    }
}

/// What the test thread, the accepting thread and the connections' threads share.
struct Shared {
    upstream: SocketAddr,
    stopping: AtomicBool,
    bytes_up: AtomicU64,
    denied: AtomicU64,
    /// [`NO_CUT`] or the limit.
    cut_after: AtomicU64,
    delay_nanos: AtomicU64,
    refuse: AtomicBool,
    deny_list_uploads: AtomicBool,
    /// The connections to reset in [`Proxy::drop_all`]; each is freed when both its threads end.
    connections: Mutex<Vec<Weak<Connection>>>,
}

impl Shared {
    fn cut_reached(&self, carried: u64) -> bool {
        carried >= self.cut_after.load(SeqCst)
    }

    /// How many more bytes a connection that has carried `carried` may forward to the server.
    fn room(&self, carried: u64) -> usize {
        let room = self.cut_after.load(SeqCst).saturating_sub(carried);
        usize::try_from(room).unwrap_or(usize::MAX)
    }

    fn pause(&self) {
        let nanos = self.delay_nanos.load(SeqCst);
        if nanos > 0 {
            thread::sleep(Duration::from_nanos(nanos));
        }
    }
}

fn accept(listener: &TcpListener, shared: &Arc<Shared>) {
    for client in listener.incoming() {
        if shared.stopping.load(SeqCst) {
            return;
        }
        let Ok(client) = client else {
            thread::sleep(ACCEPT_BACKOFF);
            continue;
        };
        if shared.refuse.load(SeqCst) {
            reset_on_close(&client);
            continue;
        }
        let Ok(upstream) = TcpStream::connect_timeout(&shared.upstream, CONNECT_TIMEOUT) else {
            // The server is gone: so is the connection.
            reset_on_close(&client);
            continue;
        };
        // Small writes (a request head, a `100 Continue`) must not wait for Nagle's algorithm.
        let _ = client.set_nodelay(true);
        let _ = upstream.set_nodelay(true);
        let connection = Arc::new(Connection { client, upstream, closed: AtomicBool::new(false) });
        {
            let mut open = shared.connections.lock().unwrap_or_else(PoisonError::into_inner);
            open.retain(|c| c.strong_count() > 0);
            open.push(Arc::downgrade(&connection));
        }
        let spawn = |name: &str, forward: fn(&Connection, &Shared)| {
            let (connection, shared) = (Arc::clone(&connection), Arc::clone(shared));
            thread::Builder::new().name(name.to_owned()).spawn(move || forward(&connection, &shared))
        };
        if spawn("coffer-proxy-up", forward_up).is_err() || spawn("coffer-proxy-down", forward_down).is_err() {
            connection.reset();
        }
    }
}

/// Client to server: frames requests, applies the cut and the deny rule, counts.
fn forward_up(connection: &Connection, shared: &Shared) {
    let mut framer = Framer::default();
    let mut carried = 0_u64;
    let mut buf = vec![0; CHUNK];
    loop {
        if shared.cut_reached(carried) {
            return connection.reset();
        }
        let (mut forward, deny, eof) = match (&connection.client).read(&mut buf) {
            // The client has sent its last request; what is held back is not a request head after all.
            Ok(0) => (framer.flush(), false, true),
            Ok(n) => {
                shared.pause();
                let (forward, deny) = framer.feed(&buf[..n], shared.deny_list_uploads.load(SeqCst));
                (forward, deny, false)
            }
            Err(_) => return connection.reset(),
        };
        forward.truncate(shared.room(carried));
        if connection.is_closed() {
            return;
        }
        // Counted before it is written: the server may answer, and the client read the answer, before
        // this thread runs again.
        let sent = forward.len() as u64;
        shared.bytes_up.fetch_add(sent, SeqCst);
        if (&connection.upstream).write_all(&forward).is_err() {
            shared.bytes_up.fetch_sub(sent, SeqCst);
            return connection.reset();
        }
        carried += sent;
        if shared.cut_reached(carried) {
            return connection.reset();
        }
        if deny {
            shared.denied.fetch_add(1, SeqCst);
            return connection.deny();
        }
        if eof {
            return connection.end(&connection.upstream);
        }
    }
}

/// Server to client: forwards as it comes.
fn forward_down(connection: &Connection, shared: &Shared) {
    let mut buf = vec![0; CHUNK];
    loop {
        let n = match (&connection.upstream).read(&mut buf) {
            Ok(0) => return connection.end(&connection.client),
            Ok(n) => n,
            Err(_) => return connection.reset(),
        };
        shared.pause();
        if connection.is_closed() {
            return;
        }
        if (&connection.client).write_all(&buf[..n]).is_err() {
            return connection.reset();
        }
    }
}

/// One client connection and the proxy's connection to the server for it.
struct Connection {
    client: TcpStream,
    upstream: TcpStream,
    /// Set once the proxy has ended the connection itself; the threads then only leave.
    closed: AtomicBool,
}

impl Connection {
    fn is_closed(&self) -> bool {
        self.closed.load(SeqCst)
    }

    /// Passes on an orderly end of one direction: `socket` gets no more data, the other direction goes on.
    fn end(&self, socket: &TcpStream) {
        if !self.is_closed() {
            let _ = socket.shutdown(Shutdown::Write);
        }
    }

    /// Ends the connection at once in both directions. Both threads wake up, whether reading, writing or
    /// about to; the peers see the stream end now and a reset (RST) when the threads let go of the sockets.
    fn reset(&self) {
        if self.closed.swap(true, SeqCst) {
            return;
        }
        for socket in [&self.client, &self.upstream] {
            reset_on_close(socket);
            let _ = socket.shutdown(Shutdown::Both);
        }
    }

    /// Answers the client `403 AccessDenied` instead of forwarding its request, and closes the connection.
    fn deny(&self) {
        if self.closed.swap(true, SeqCst) {
            return;
        }
        // Wakes the other thread, which sees `closed` and leaves without writing to the client.
        let _ = self.upstream.shutdown(Shutdown::Both);
        let response = format!(
            "HTTP/1.1 403 Forbidden\r\nContent-Type: application/xml\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{ACCESS_DENIED_BODY}",
            ACCESS_DENIED_BODY.len()
        );
        let _ = (&self.client).write_all(response.as_bytes());
        let _ = self.client.shutdown(Shutdown::Write);
        // Closing a socket with unread input makes the kernel reset the connection, which can discard the
        // response before the client reads it. So read until the client closes its side, as it does after a
        // `Connection: close` response, or until the deadline.
        let deadline = Instant::now() + DRAIN_TIMEOUT;
        let _ = self.client.set_read_timeout(Some(DRAIN_TIMEOUT));
        let mut sink = [0; 4096];
        while Instant::now() < deadline && matches!((&self.client).read(&mut sink), Ok(n) if n > 0) {}
    }
}

/// Makes closing `socket` send a reset (RST) instead of an orderly end (FIN), as a crashed peer or a broken
/// network path looks to the other side.
#[cfg(unix)]
fn reset_on_close(socket: &TcpStream) {
    use std::os::fd::AsRawFd;

    let linger = libc::linger { l_onoff: 1, l_linger: 0 };
    let len = libc::socklen_t::try_from(size_of::<libc::linger>()).expect("struct linger fits in socklen_t");
    // SAFETY: `setsockopt` reads `len` bytes from `linger`, a valid `struct linger` that outlives the call;
    // the descriptor belongs to `socket`, which is open. A failure only means an orderly close instead.
    unsafe {
        libc::setsockopt(socket.as_raw_fd(), libc::SOL_SOCKET, libc::SO_LINGER, (&raw const linger).cast(), len);
    }
}

/// Elsewhere the proxy ends connections with an orderly close, which clients see as an early end of stream.
#[cfg(not(unix))]
fn reset_on_close(_socket: &TcpStream) {}

/// Finds where requests begin in the client-to-server byte stream of one connection.
#[derive(Debug, Default)]
struct Framer {
    state: Framing,
    /// The request head read so far.
    head: Vec<u8>,
    /// How many bytes of `\r\n\r\n` the head read so far ends with.
    matched: usize,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
enum Framing {
    /// Reading a request head: the request line and the header fields up to a blank line.
    #[default]
    Head,
    /// Inside a request body, with this many bytes to go.
    Body(u64),
    /// Lost track (a chunked body, an unusable `Content-Length`, an oversized head): the rest of the stream
    /// passes as it is.
    Raw,
}

impl Framer {
    /// Takes the next `chunk` of the stream. Returns the bytes to forward now and whether a request to deny
    /// follows them, in which case the rest of `chunk` is dropped. A request head is held back until it is
    /// complete, since the request line decides whether it may pass.
    fn feed(&mut self, mut chunk: &[u8], deny: bool) -> (Vec<u8>, bool) {
        let mut out = Vec::with_capacity(chunk.len());
        while !chunk.is_empty() {
            match self.state {
                Framing::Raw => {
                    out.extend_from_slice(chunk);
                    break;
                }
                Framing::Body(left) => {
                    let n = chunk.len().min(usize::try_from(left).unwrap_or(usize::MAX));
                    out.extend_from_slice(&chunk[..n]);
                    chunk = &chunk[n..];
                    let left = left - n as u64;
                    self.state = if left == 0 { Framing::Head } else { Framing::Body(left) };
                }
                Framing::Head => {
                    let end = chunk.iter().position(|&b| {
                        self.matched = next_match(self.matched, b);
                        self.matched == 4
                    });
                    let Some(end) = end else {
                        self.head.extend_from_slice(chunk);
                        if self.head.len() > MAX_HEAD {
                            out.append(&mut self.head);
                            self.state = Framing::Raw;
                        }
                        break;
                    };
                    self.head.extend_from_slice(&chunk[..=end]);
                    chunk = &chunk[end + 1..];
                    self.matched = 0;
                    let head = std::mem::take(&mut self.head);
                    let request = Request::parse(&head);
                    if deny && request.lists_multipart_uploads {
                        return (out, true);
                    }
                    out.extend_from_slice(&head);
                    self.state = match request.body_len {
                        Some(0) => Framing::Head,
                        Some(n) => Framing::Body(n),
                        None => Framing::Raw,
                    };
                }
            }
        }
        (out, false)
    }

    /// The held-back start of a head, for when the stream ends before the head does.
    fn flush(&mut self) -> Vec<u8> {
        self.matched = 0;
        std::mem::take(&mut self.head)
    }
}

/// How many bytes of `\r\n\r\n` match after `byte`, when `matched` did before it.
fn next_match(matched: usize, byte: u8) -> usize {
    match (matched, byte) {
        (0 | 2, b'\r') | (1 | 3, b'\n') => matched + 1,
        (_, b'\r') => 1,
        _ => 0,
    }
}

/// What the proxy needs to know of one request head.
#[derive(Debug, PartialEq, Eq)]
struct Request {
    lists_multipart_uploads: bool,
    /// `None` when the body's length is not given by `Content-Length` (chunked) or cannot be read.
    body_len: Option<u64>,
}

impl Request {
    fn parse(head: &[u8]) -> Request {
        let text = String::from_utf8_lossy(head);
        // A client may send empty lines before a request.
        let mut lines = text.split("\r\n").skip_while(|l| l.is_empty());
        let request_line = lines.next().unwrap_or_default();
        let (mut body_len, mut chunked) = (Some(0), false);
        for (name, value) in lines.filter_map(|l| l.split_once(':')) {
            let name = name.trim();
            if name.eq_ignore_ascii_case("content-length") {
                body_len = value.trim().parse().ok();
            } else if name.eq_ignore_ascii_case("transfer-encoding") {
                chunked = true;
            }
        }
        Request {
            lists_multipart_uploads: lists_multipart_uploads(request_line),
            body_len: if chunked { None } else { body_len },
        }
    }
}

/// Whether `request_line` (`GET /bucket?uploads HTTP/1.1`) is S3's ListMultipartUploads: see
/// [`Proxy::deny_list_multipart_uploads`].
fn lists_multipart_uploads(request_line: &str) -> bool {
    let mut parts = request_line.split(' ');
    let (Some("GET"), Some(target)) = (parts.next(), parts.next()) else {
        return false;
    };
    let Some((path, query)) = target.split_once('?') else {
        return false;
    };
    let names = || query.split('&').map(|p| p.split_once('=').map_or(p, |(name, _)| name));
    let on_bucket = path.starts_with('/') && path.split('/').filter(|s| !s.is_empty()).count() <= 1;
    on_bucket && names().any(|n| n == "uploads") && !names().any(|n| n == "uploadId")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_multipart_uploads_is_told_from_the_other_upload_requests() {
        for denied in [
            "GET /bucket?uploads HTTP/1.1",
            "GET /bucket/?uploads HTTP/1.1",
            "GET /bucket?uploads= HTTP/1.1",
            "GET /bucket/?uploads&prefix=x HTTP/1.1",
            "GET /bucket?prefix=a%2Fb&uploads&key-marker=k&upload-id-marker=u HTTP/1.1",
            "GET /?uploads HTTP/1.1",
        ] {
            assert!(lists_multipart_uploads(denied), "ListMultipartUploads: {denied}");
        }
        for passed in [
            "POST /bucket/key?uploads HTTP/1.1",                  // CreateMultipartUpload
            "GET /bucket/key?uploadId=abc HTTP/1.1",              // ListParts
            "PUT /bucket/key?partNumber=1&uploadId=abc HTTP/1.1", // UploadPart
            "GET /bucket?uploads&uploadId=abc HTTP/1.1",
            "GET /bucket?list-type=2&prefix=uploads HTTP/1.1",
            "GET /bucket?uploadsx HTTP/1.1",
            "GET /bucket/uploads HTTP/1.1",
            "GET /bucket/key?uploads HTTP/1.1", // an object path, not a bucket's
            "GET /bucket HTTP/1.1",
            "",
        ] {
            assert!(!lists_multipart_uploads(passed), "not ListMultipartUploads: {passed}");
        }
    }

    const PUT: &[u8] = b"PUT /b/k HTTP/1.1\r\nHost: h\r\ncontent-length: 27\r\n\r\nGET /b?uploads HTTP/1.1\r\n\r\n";
    const LIST: &[u8] = b"GET /b?uploads HTTP/1.1\r\nHost: h\r\n\r\n";

    /// Feeds `stream` in chunks of `size` and returns what was forwarded and whether a denial came.
    fn feed_in_chunks(stream: &[u8], size: usize, deny: bool) -> (Vec<u8>, bool) {
        let mut framer = Framer::default();
        let mut forwarded = Vec::new();
        for chunk in stream.chunks(size) {
            let (out, denied) = framer.feed(chunk, deny);
            forwarded.extend(out);
            if denied {
                return (forwarded, true);
            }
        }
        (forwarded, false)
    }

    #[test]
    fn bodies_are_skipped_and_the_next_head_is_judged_however_the_stream_is_split() {
        // The PUT's body looks like a ListMultipartUploads head: it must pass as body, and the real one after
        // it must be caught.
        let stream = [PUT, LIST].concat();
        for size in [1, 2, 3, 5, 17, 64, stream.len()] {
            assert_eq!(feed_in_chunks(&stream, size, true), (PUT.to_vec(), true), "chunks of {size}");
            assert_eq!(feed_in_chunks(&stream, size, false), (stream.clone(), false), "deny off, chunks of {size}");
        }
    }

    #[test]
    fn chunked_requests_end_the_framing() {
        let chunked = b"PUT /b/k HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n";
        let stream = [&chunked[..], LIST].concat();
        assert_eq!(feed_in_chunks(&stream, 7, true), (stream.clone(), false), "after a chunked body all passes");
    }

    #[test]
    fn a_partial_head_is_held_back_until_complete_or_flushed() {
        let mut framer = Framer::default();
        assert_eq!(framer.feed(b"GET / HTTP/1.1\r\nHost: h\r\n", true), (Vec::new(), false));
        assert_eq!(framer.flush(), b"GET / HTTP/1.1\r\nHost: h\r\n");
        // Blank lines before a request line are allowed, and held back with the head that follows.
        assert_eq!(framer.feed(b"\r\n", true), (Vec::new(), false));
        assert_eq!(framer.feed(LIST, true), (Vec::new(), true), "the request after the blank line is judged");
    }

    #[test]
    fn content_length_and_transfer_encoding_are_read_case_insensitively() {
        let parse = |head: &str| Request::parse(head.as_bytes()).body_len;
        assert_eq!(parse("PUT /b/k HTTP/1.1\r\nCONTENT-LENGTH:  12 \r\n\r\n"), Some(12));
        assert_eq!(parse("GET /b HTTP/1.1\r\nHost: h\r\n\r\n"), Some(0));
        assert_eq!(parse("PUT /b/k HTTP/1.1\r\ntransfer-encoding: chunked\r\n\r\n"), None);
        assert_eq!(parse("PUT /b/k HTTP/1.1\r\nContent-Length: lots\r\n\r\n"), None);
    }
}
