//! The fault proxy in front of a real Garage (and, where exact byte counts matter, in front of a sink that
//! records everything it receives).

use std::io::{ErrorKind, Read, Write};
use std::net::{Ipv4Addr, Shutdown, SocketAddr, TcpListener, TcpStream};
use std::process::Command;
use std::sync::OnceLock;
use std::thread::{self, JoinHandle, sleep};
use std::time::{Duration, Instant};

use coffer_testkit::{Garage, Proxy};

use crate::{addr, closes_within};

/// Our copy of what the proxy must answer, written out independently of the crate's constant.
const ACCESS_DENIED: &str =
    r#"<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>"#;
/// Long enough for anything on loopback, on a loaded machine too; reached only when a test is
/// about to fail.
const WAIT: Duration = Duration::from_secs(60);

/// One Garage for all proxy tests of this binary; every test has a proxy of its own in front of it.
fn garage() -> &'static Garage {
    static GARAGE: OnceLock<Garage> = OnceLock::new();
    GARAGE.get_or_init(|| Garage::start("testkit-proxy"))
}

fn proxy_to_garage() -> Proxy {
    Proxy::start(addr(&garage().endpoint()))
}

fn connect(proxy: &Proxy) -> TcpStream {
    let stream = TcpStream::connect((Ipv4Addr::LOCALHOST, proxy.port())).expect("the proxy accepts connections");
    stream.set_read_timeout(Some(WAIT)).expect("read timeout");
    stream
}

/// Sends `request` on a new connection to `to` and reads until the other side closes.
fn exchange(to: SocketAddr, request: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut stream = TcpStream::connect(to)?;
    stream.set_read_timeout(Some(WAIT))?;
    stream.write_all(request)?;
    let mut response = Vec::new();
    stream.read_to_end(&mut response)?;
    Ok(response)
}

/// Reads one response with a `Content-Length` body from a keep-alive connection: (head, body).
fn read_response(stream: &mut TcpStream) -> (String, Vec<u8>) {
    let mut bytes = Vec::new();
    let mut byte = [0];
    while !bytes.ends_with(b"\r\n\r\n") {
        match stream.read(&mut byte) {
            Ok(1) => bytes.push(byte[0]),
            other => panic!("response head ended early ({other:?}) after {:?}", String::from_utf8_lossy(&bytes)),
        }
    }
    let head = String::from_utf8(bytes).expect("a UTF-8 response head");
    let length = head
        .lines()
        .find_map(|l| l.split_once(':').filter(|(n, _)| n.eq_ignore_ascii_case("content-length")))
        .and_then(|(_, v)| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("no Content-Length in\n{head}"));
    let mut body = vec![0; length];
    stream.read_exact(&mut body).expect("the whole response body");
    (head, body)
}

/// Whether the proxy ended `stream` (end of stream or reset) rather than leaving it open until the timeout.
fn ended(stream: &mut TcpStream) -> bool {
    let mut sink = Vec::new();
    match stream.read_to_end(&mut sink) {
        Ok(_) => true,
        Err(e) => !matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut),
    }
}

/// `curl` with `args`: its exit code and stdout.
fn curl(args: &[&str]) -> (i32, String) {
    let out = Command::new("curl")
        .args(["-sS", "--max-time", "20"])
        .args(args)
        .output()
        .expect("curl runs (apt-get install curl)");
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stdout).into_owned())
}

/// A GET through curl: (status code, body). Panics if no HTTP response came back.
fn curl_get(url: &str) -> (u16, String) {
    let (code, out) = curl(&["-i", url]);
    assert_eq!(code, 0, "curl {url} failed:\n{out}");
    split_response(&out)
}

fn split_response(response: &str) -> (u16, String) {
    let (head, body) = response.split_once("\r\n\r\n").unwrap_or_else(|| panic!("not an HTTP response:\n{response}"));
    let status = head.split(' ').nth(1).and_then(|s| s.parse().ok());
    (status.unwrap_or_else(|| panic!("no status in\n{head}")), body.to_owned())
}

/// A one-connection server that records every byte it receives until the client ends the stream.
fn sink() -> (SocketAddr, JoinHandle<Vec<u8>>) {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("bind the sink");
    listener.set_nonblocking(true).expect("nonblocking listener");
    let addr = listener.local_addr().expect("sink address");
    let received = thread::spawn(move || {
        let deadline = Instant::now() + WAIT;
        let mut stream = loop {
            match listener.accept() {
                Ok((stream, _)) => break stream,
                Err(e) if e.kind() == ErrorKind::WouldBlock && Instant::now() < deadline => {
                    sleep(Duration::from_millis(10));
                }
                Err(e) => panic!("no connection reached the sink: {e}"),
            }
        };
        stream.set_nonblocking(false).expect("blocking stream");
        stream.set_read_timeout(Some(WAIT)).expect("read timeout");
        let mut received = Vec::new();
        let mut buf = vec![0; 64 * 1024];
        // A reset ends the recording like an orderly close does.
        while let Ok(n @ 1..) = stream.read(&mut buf) {
            received.extend_from_slice(&buf[..n]);
        }
        received
    });
    (addr, received)
}

fn upload(len: usize) -> Vec<u8> {
    let mut request = format!("PUT /b/k HTTP/1.1\r\nHost: h\r\nContent-Length: {len}\r\n\r\n").into_bytes();
    request.extend((0..len).map(|i| (i % 251) as u8));
    request
}

#[test]
fn forwards_both_ways_and_counts_what_the_client_sent() {
    let proxy = proxy_to_garage();
    assert_eq!(proxy.endpoint(), format!("http://127.0.0.1:{}", proxy.port()));
    let request = b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
    let direct = exchange(addr(&garage().endpoint()), request).expect("Garage answers directly");
    let proxied = exchange(addr(&proxy.endpoint()), request).expect("Garage answers through the proxy");
    let status = |r: &[u8]| String::from_utf8_lossy(r).lines().next().unwrap_or_default().to_owned();
    assert!(status(&direct).starts_with("HTTP/1.1 "), "Garage did not answer HTTP: {direct:?}");
    assert_eq!(status(&proxied), status(&direct), "the proxy must pass Garage's answer on unchanged");
    assert_eq!(proxy.bytes_up(), request.len() as u64, "bytes_up counts exactly the request sent");

    proxy.reset_counters();
    assert_eq!(proxy.bytes_up(), 0, "reset_counters starts the count afresh");
    let (code, _) = curl_get(&format!("{}/{}", proxy.endpoint(), garage().bucket()));
    assert_eq!(code, 403, "an unsigned request reaches Garage, which refuses anonymous access");
    assert!(proxy.bytes_up() > 0, "curl's request was counted");
}

#[test]
fn counts_every_byte_of_a_large_upload() {
    let (sink, received) = sink();
    let proxy = Proxy::start(sink);
    let request = upload(3 << 20);
    let mut client = connect(&proxy);
    client.write_all(&request).expect("the proxy takes the whole upload");
    client.shutdown(Shutdown::Write).expect("half-close");
    let received = received.join().expect("the sink records");
    assert_eq!(received.len(), request.len(), "the server got every byte");
    assert!(received == request, "the bytes arrive unchanged and in order");
    assert_eq!(proxy.bytes_up(), request.len() as u64);
}

#[test]
fn cut_after_resets_a_connection_at_that_byte() {
    let (sink, received) = sink();
    let proxy = Proxy::start(sink);
    proxy.cut_after(Some(100_000));
    let request = upload(1 << 20);
    let mut client = connect(&proxy);
    // Whether the write fails depends on how much the kernel buffers before the reset arrives.
    let _ = client.write_all(&request);
    assert!(ended(&mut client), "the proxy must end the connection, not leave it hanging");
    let received = received.join().expect("the sink records");
    assert_eq!(received.len(), 100_000, "exactly the allowed bytes reach the server");
    assert!(received == request[..100_000], "and they are the first ones");
    assert_eq!(proxy.bytes_up(), 100_000);

    // Against Garage: a request cut inside its head gets no response at all; without the cut it does.
    let proxy = proxy_to_garage();
    proxy.cut_after(Some(10));
    let url = format!("{}/{}", proxy.endpoint(), garage().bucket());
    let (code, out) = curl(&["-o", "/dev/null", "-w", "%{http_code}", &url]);
    assert_ne!(code, 0, "curl must fail when its request is cut; it printed {out}");
    proxy.cut_after(None);
    let (code, out) = curl(&["-o", "/dev/null", "-w", "%{http_code}", &url]);
    assert_eq!((code, out.as_str()), (0, "403"), "without the cut Garage answers");
}

#[test]
fn delay_holds_back_every_chunk() {
    let proxy = proxy_to_garage();
    let request = b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
    proxy.delay(Duration::from_millis(300));
    let started = Instant::now();
    let response = exchange(addr(&proxy.endpoint()), request).expect("a delayed answer still comes");
    let took = started.elapsed();
    assert!(response.starts_with(b"HTTP/1.1 "), "{response:?}");
    // At least one chunk each way, each delayed.
    assert!(took >= Duration::from_millis(600), "took only {took:?}");
    proxy.delay(Duration::ZERO);
    let response = exchange(addr(&proxy.endpoint()), request).expect("an answer without delay");
    assert!(response.starts_with(b"HTTP/1.1 "), "{response:?}");
}

#[test]
fn refused_and_dropped_connections_end_at_once() {
    let proxy = proxy_to_garage();
    let url = format!("{}/{}", proxy.endpoint(), garage().bucket());

    proxy.refuse(true);
    // The reset can reach the client while `connect` is still returning, which then reports it itself.
    match TcpStream::connect((Ipv4Addr::LOCALHOST, proxy.port())) {
        Ok(mut client) => {
            client.set_read_timeout(Some(WAIT)).expect("read timeout");
            assert!(ended(&mut client), "a refused connection is closed at once, not left open");
        }
        Err(e) => assert_eq!(e.kind(), ErrorKind::ConnectionReset, "a refused connection is reset, not {e}"),
    }
    let (code, out) = curl(&["-o", "/dev/null", "-w", "%{http_code}", &url]);
    assert_ne!(code, 0, "curl must fail against a refusing proxy; it printed {out}");
    proxy.refuse(false);
    let (code, out) = curl(&["-o", "/dev/null", "-w", "%{http_code}", &url]);
    assert_eq!((code, out.as_str()), (0, "403"), "once refusal ends Garage answers again");

    // A kept-alive connection that has had its answer: only `drop_all` ends it.
    let mut client = connect(&proxy);
    client.write_all(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").expect("send");
    let (head, _) = read_response(&mut client);
    assert!(head.starts_with("HTTP/1.1 403"), "Garage answers through the proxy:\n{head}");
    proxy.drop_all();
    assert!(ended(&mut client), "drop_all must close an idle kept-alive connection");
    let (code, out) = curl(&["-o", "/dev/null", "-w", "%{http_code}", &url]);
    assert_eq!((code, out.as_str()), (0, "403"), "new connections work after drop_all");
}

#[test]
fn denies_listing_multipart_uploads_only_while_told_to() {
    let proxy = proxy_to_garage();
    let url = |path: &str| format!("{}/{}{path}", proxy.endpoint(), garage().bucket());

    // Off: the request reaches Garage, which refuses the unsigned request in words of its own.
    let (code, body) = curl_get(&url("?uploads"));
    assert_eq!(code, 403, "{body}");
    assert_ne!(body, ACCESS_DENIED, "with the rule off the answer must come from Garage");
    assert_eq!(proxy.denied(), 0);

    // A connection opened before the rule is switched on, as an S3 client keeps in its pool.
    let mut pooled = connect(&proxy);
    let location = format!("GET /{}?location HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", garage().bucket());
    pooled.write_all(location.as_bytes()).expect("send");
    let (_, body) = read_response(&mut pooled);
    assert_ne!(String::from_utf8_lossy(&body), ACCESS_DENIED, "GetBucketLocation is not denied");

    proxy.deny_list_multipart_uploads(true);
    let (code, out) = curl(&["-i", &url("?uploads")]);
    assert_eq!(code, 0, "curl gets an answer:\n{out}");
    let (status, body) = split_response(&out);
    assert_eq!((status, body.as_str()), (403, ACCESS_DENIED), "the synthetic S3 error:\n{out}");
    let head = out.to_ascii_lowercase();
    assert!(head.contains("content-type: application/xml\r\n"), "{out}");
    assert!(head.contains(&format!("content-length: {}\r\n", ACCESS_DENIED.len())), "{out}");
    assert!(head.contains("connection: close\r\n"), "{out}");
    assert_eq!(proxy.denied(), 1);

    assert_eq!(curl_get(&url("/?uploads&prefix=x")), (403, ACCESS_DENIED.to_owned()), "with a slash and prefix");
    assert_eq!(proxy.denied(), 2);

    let list = format!("GET /{}?uploads HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", garage().bucket());
    pooled.write_all(list.as_bytes()).expect("send");
    let (head, body) = read_response(&mut pooled);
    assert!(head.starts_with("HTTP/1.1 403"), "{head}");
    assert_eq!(String::from_utf8_lossy(&body), ACCESS_DENIED, "also on a connection opened before the rule");
    assert!(ended(&mut pooled), "the proxy closes the connection after denying");
    assert_eq!(proxy.denied(), 3);

    // Requests of the multipart upload itself pass.
    for (method, path) in [("GET", "/key?uploadId=abc"), ("POST", "/key?uploads"), ("GET", "?list-type=2")] {
        let (code, out) = curl(&["-i", "-X", method, &url(path)]);
        assert_eq!(code, 0, "{method} {path}:\n{out}");
        assert_ne!(split_response(&out).1, ACCESS_DENIED, "{method} {path} must reach Garage");
    }
    assert_eq!(proxy.denied(), 3);

    proxy.reset_counters();
    assert_eq!(proxy.denied(), 0);
    proxy.deny_list_multipart_uploads(false);
    assert_ne!(curl_get(&url("?uploads")).1, ACCESS_DENIED, "switched off again, Garage answers");
    assert_eq!(proxy.denied(), 0);
}

#[test]
fn dropping_the_proxy_closes_its_port_and_connections() {
    let proxy = proxy_to_garage();
    let endpoint = proxy.endpoint();
    let mut client = connect(&proxy);
    client.write_all(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").expect("send");
    read_response(&mut client);
    drop(proxy);
    assert!(closes_within(&endpoint), "the proxy's port still accepts connections after drop");
    assert!(ended(&mut client), "an open connection must end with the proxy");
}
