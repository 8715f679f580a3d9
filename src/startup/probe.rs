//! `checkout-templates probe`: is the emulator at an address ready? For
//! container health checks, where the image has no curl.

use std::io::{Read as _, Write as _};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpStream};
use std::time::Duration;

use anyhow::{bail, Context};

/// How long the probe waits to connect, and then for the answer.
const PATIENCE: Duration = Duration::from_secs(2);

/// Ok if `GET /_emulator/ready` at `listen` answers 200. An unspecified
/// address (0.0.0.0, ::) is probed on loopback, where it listens too.
pub fn probe(listen: SocketAddr) -> anyhow::Result<()> {
    if listen.port() == 0 {
        bail!("probe needs the port the emulator listens on: pass --listen HOST:PORT");
    }
    let addr = match listen.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => {
            SocketAddr::new(Ipv4Addr::LOCALHOST.into(), listen.port())
        }
        IpAddr::V6(ip) if ip.is_unspecified() => {
            SocketAddr::new(Ipv6Addr::LOCALHOST.into(), listen.port())
        }
        _ => listen,
    };
    let mut stream = TcpStream::connect_timeout(&addr, PATIENCE)
        .with_context(|| format!("nothing answers at {addr}"))?;
    stream.set_read_timeout(Some(PATIENCE))?;
    stream.set_write_timeout(Some(PATIENCE))?;
    stream.write_all(
        format!("GET /_emulator/ready HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n")
            .as_bytes(),
    )?;
    // The status line is all that matters, and it comes first.
    let mut head = Vec::new();
    let mut buf = [0u8; 256];
    while !head.contains(&b'\n') && head.len() < 1024 {
        match stream
            .read(&mut buf)
            .with_context(|| format!("{addr} did not answer"))?
        {
            0 => break,
            n => head.extend_from_slice(&buf[..n]),
        }
    }
    let head = String::from_utf8_lossy(&head);
    let status = head.lines().next().unwrap_or_default();
    match status.split_whitespace().nth(1) {
        Some("200") => Ok(()),
        _ => bail!("{addr} is not ready: GET /_emulator/ready answered {status:?}"),
    }
}
