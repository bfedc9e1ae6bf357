//! Transport glue (RFC 3261 §18, RFC 3581): which transport a message travels on, the Via we
//! put on our requests, the `received` and `rport` stamp on requests that arrive, and where
//! responses go (§18.2.2).
//!
//! The endpoint owns no sockets or connections. Datagrams arrive as
//! [`Input::Receive`](super::Input::Receive); messages a runtime framed off a TCP or TLS
//! stream (with [`sip_proto::message::StreamFramer`]) arrive as
//! [`Input::ReceiveStream`](super::Input::ReceiveStream) with their [`Transport`]. Every
//! [`Transmit`](super::Transmit) names the transport to send on; for a stream, the runtime
//! writes the bytes on its connection to the destination, opening one if needed (§18.1.1).

use std::net::{IpAddr, SocketAddr};

use sip_proto::header::Via;
use sip_proto::message::{HeaderName, Request};
use sip_proto::uri::{Host, Scheme, Uri};
use sip_proto::Reliability;

/// The transport a SIP message travels on (RFC 3261 §18).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
#[non_exhaustive]
pub enum Transport {
    /// UDP datagrams: the transaction layer retransmits.
    #[default]
    Udp,
    /// A TCP connection: reliable, so no retransmissions and zero wait timers (§17).
    Tcp,
    /// A TLS connection over TCP (`sips:` URIs, §26.2).
    Tls,
}

impl Transport {
    /// Whether the transport delivers reliably (TCP, TLS).
    pub fn is_reliable(self) -> bool {
        !matches!(self, Transport::Udp)
    }

    /// The transaction machines' view of it (§17: reliable transports set Timers D, I, J, K
    /// to zero and never start A, E or G).
    pub fn reliability(self) -> Reliability {
        if self.is_reliable() {
            Reliability::Reliable
        } else {
            Reliability::Unreliable
        }
    }

    /// The transport token of a Via header (§20.42).
    pub fn via_token(self) -> &'static str {
        match self {
            Transport::Udp => "UDP",
            Transport::Tcp => "TCP",
            Transport::Tls => "TLS",
        }
    }

    /// The port a sent-by or URI means when it names none: 5061 for TLS, 5060 otherwise
    /// (§18.2.2, §19.1.2).
    pub fn default_port(self) -> u16 {
        match self {
            Transport::Tls => 5061,
            _ => 5060,
        }
    }

    /// The transport a request to `uri` uses (RFC 3263 §4.1 without DNS): TLS for `sips:`,
    /// else the `transport` parameter, else UDP.
    pub(crate) fn for_uri(uri: &Uri<'_>) -> Transport {
        if matches!(uri.scheme(), Scheme::Sips) {
            return Transport::Tls;
        }
        match uri.transport() {
            Some(t) if t.eq_ignore_ascii_case("tcp") => Transport::Tcp,
            Some(t) if t.eq_ignore_ascii_case("tls") => Transport::Tls,
            _ => Transport::Udp,
        }
    }

    /// The `;transport=` URI parameter that makes a peer use this transport back to us, if
    /// it is not UDP.
    pub(crate) fn uri_param(self) -> &'static str {
        match self {
            Transport::Udp => "",
            Transport::Tcp => ";transport=tcp",
            Transport::Tls => ";transport=tls",
        }
    }
}

/// Where a message goes or came from: an address and the transport to reach it on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct Peer {
    pub(crate) addr: SocketAddr,
    pub(crate) transport: Transport,
}

impl Peer {
    pub(crate) fn new(addr: SocketAddr, transport: Transport) -> Self {
        Peer { addr, transport }
    }
}

/// The first Via header line of `request` as the server must see it: with `received` when
/// the sent-by host is a name or an address other than the packet's source (§18.2.1), and
/// with `rport` filled in with the source port (and `received` added even if equal) when the
/// client asked for it with a bare `rport` (RFC 3581 §4). `None` when nothing needs adding.
///
/// Responses echo the Via lines of their request (§8.2.6.2), so they carry this line in place
/// of the first one received.
pub(crate) fn stamp_top_via(
    request: &Request,
    via: &Via<'_>,
    source: SocketAddr,
) -> Option<String> {
    let headers = request.headers();
    let wants_rport = via.rport() == Some(None);
    let host_differs = !host_is(&via.sent_by_host(), source.ip());
    if !wants_rport && !host_differs {
        return None;
    }
    let line = headers.get(HeaderName::Via)?;
    let raw = via.as_str();
    // The top via-parm lies inside the first line; splice the stamped one in its place.
    let start = (raw.as_ptr() as usize).checked_sub(line.as_ptr() as usize)?;
    let end = start.checked_add(raw.len())?;
    let (before, after) = (line.get(..start)?, line.get(end..)?);
    let mut out = String::with_capacity(line.len() + 40);
    out.push_str(before);
    stamp_via_parm(&mut out, via, source, wants_rport, host_differs);
    out.push_str(after);
    Some(out)
}

/// Writes `via` with `received` and the filled-in `rport` (see [`stamp_top_via`]).
fn stamp_via_parm(
    out: &mut String,
    via: &Via<'_>,
    source: SocketAddr,
    wants_rport: bool,
    host_differs: bool,
) {
    let raw = via.as_str();
    let params = via.params_raw();
    let head = raw
        .get(..raw.len().saturating_sub(params.len()))
        .unwrap_or(raw);
    out.push_str(head.trim_end());
    if params.contains('"') {
        // A quoted value may hide a `;`: keep the list as written and only add `received`.
        out.push_str(params);
        out.push_str(";received=");
        push_ip(out, source.ip());
        return;
    }
    // The parameters one by one (split at `;`, trimmed, empty ones dropped), scanned as
    // bytes: `;` and `=` are ASCII, so every cut is on a character boundary.
    let mut rest = params;
    while !rest.is_empty() {
        let (param, tail) = match rest.as_bytes().iter().position(|&b| b == b';') {
            Some(i) => (rest.get(..i).unwrap_or(""), rest.get(i + 1..).unwrap_or("")),
            None => (rest, ""),
        };
        rest = tail;
        let param = param.trim();
        if param.is_empty() {
            continue;
        }
        let eq = param.as_bytes().iter().position(|&b| b == b'=');
        let name = match eq {
            Some(i) => param.get(..i).unwrap_or(param).trim(),
            None => param,
        };
        if name.eq_ignore_ascii_case("received") {
            continue; // replaced below
        }
        out.push(';');
        if eq.is_none() && name.eq_ignore_ascii_case("rport") {
            out.push_str("rport=");
            push_decimal(out, u32::from(source.port()));
        } else {
            out.push_str(param);
        }
    }
    if wants_rport || host_differs {
        out.push_str(";received=");
        push_ip(out, source.ip());
    }
}

/// Appends `n` in decimal without `core::fmt` (this runs for every request).
pub(crate) fn push_decimal(out: &mut String, n: u32) {
    let mut digits = [0u8; 10];
    let mut i = digits.len();
    let mut n = n;
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    // invariant: ASCII digits only.
    out.push_str(std::str::from_utf8(&digits[i..]).unwrap_or_default());
}

/// Appends an address as `received` writes it (§25.1: IPv6 without brackets).
fn push_ip(out: &mut String, ip: IpAddr) {
    match ip {
        IpAddr::V4(v4) => {
            for (i, octet) in v4.octets().into_iter().enumerate() {
                if i > 0 {
                    out.push('.');
                }
                push_decimal(out, u32::from(octet));
            }
        }
        IpAddr::V6(v6) => out.push_str(&v6.to_string()),
    }
}

/// Is `host` the address `ip`?
fn host_is(host: &Host<'_>, ip: IpAddr) -> bool {
    match (host, ip) {
        (Host::Ipv4(a), IpAddr::V4(b)) => *a == b,
        (Host::Ipv6(_), IpAddr::V6(b)) => host.ipv6() == Some(b),
        _ => false,
    }
}

/// Where the responses to a request go (§18.2.2 with RFC 3581 §4).
///
/// * Over a stream: back on the connection the request came in on.
/// * Over UDP with `maddr` naming an address: there, at the sent-by port.
/// * Otherwise to the `received` address, which after [`stamp_top_via`] is the packet's
///   source whenever it differs from sent-by: at the source port when the client asked for
///   `rport`, else at the sent-by port, 5060 if none.
pub(crate) fn response_peer(via: &Via<'_>, source: Peer) -> Peer {
    if source.transport.is_reliable() {
        return source;
    }
    let port = via
        .port()
        .unwrap_or_else(|| source.transport.default_port());
    if let Some(maddr) = via.maddr().and_then(|m| m.parse::<IpAddr>().ok()) {
        return Peer::new(SocketAddr::new(maddr, port), source.transport);
    }
    if via.rport().is_some() {
        return source;
    }
    Peer::new(SocketAddr::new(source.addr.ip(), port), source.transport)
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;
    use sip_proto::message::Message;

    fn request(via: &str) -> Request {
        let text = format!(
            "OPTIONS sip:b@192.0.2.9 SIP/2.0\r\nVia: {via}\r\nVia: SIP/2.0/UDP proxy.example;branch=z9hG4bKp\r\n\
             From: <sip:a@h>;tag=1\r\nTo: <sip:b@h>\r\nCall-ID: c\r\nCSeq: 1 OPTIONS\r\n\
             Max-Forwards: 70\r\nContent-Length: 0\r\n\r\n"
        );
        match Message::parse(Bytes::from(text)) {
            Ok(Message::Request(r)) => r,
            other => panic!("{other:?}"),
        }
    }

    fn stamp_top_via(r: &Request, source: SocketAddr) -> Option<String> {
        let via = r.headers().top_via().unwrap();
        super::stamp_top_via(r, &via, source)
    }

    fn src(s: &str) -> SocketAddr {
        s.parse().unwrap()
    }

    #[test]
    fn nothing_is_added_when_the_source_is_the_sent_by_and_no_rport() {
        let r = request("SIP/2.0/UDP 192.0.2.1:5070;branch=z9hG4bK1");
        assert_eq!(stamp_top_via(&r, src("192.0.2.1:5070")), None);
        assert_eq!(stamp_top_via(&r, src("192.0.2.1:6000")), None);
    }

    #[test]
    fn received_is_added_for_a_name_or_another_address() {
        let r = request("SIP/2.0/UDP pc33.example.com;branch=z9hG4bK1");
        assert_eq!(
            stamp_top_via(&r, src("192.0.2.4:5060")).as_deref(),
            Some("SIP/2.0/UDP pc33.example.com;branch=z9hG4bK1;received=192.0.2.4")
        );
        let r = request("SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK1;received=1.1.1.1");
        assert_eq!(
            stamp_top_via(&r, src("192.0.2.4:5060")).as_deref(),
            Some("SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK1;received=192.0.2.4"),
            "a received the client wrote itself is replaced"
        );
    }

    #[test]
    fn a_bare_rport_is_filled_and_brings_received_even_when_equal() {
        // RFC 3581 §4, its own example: a client behind a NAT.
        let r = request("SIP/2.0/UDP 10.1.1.1:4540;rport;branch=z9hG4bKkjshdyff");
        assert_eq!(
            stamp_top_via(&r, src("192.0.2.1:9988")).as_deref(),
            Some("SIP/2.0/UDP 10.1.1.1:4540;rport=9988;branch=z9hG4bKkjshdyff;received=192.0.2.1")
        );
        let r = request("SIP/2.0/UDP 192.0.2.1:5070;branch=z9hG4bK1;rport");
        assert_eq!(
            stamp_top_via(&r, src("192.0.2.1:5070")).as_deref(),
            Some("SIP/2.0/UDP 192.0.2.1:5070;branch=z9hG4bK1;rport=5070;received=192.0.2.1")
        );
        // IPv6: received carries the address without brackets (§25.1 IPv6address).
        let r = request("SIP/2.0/UDP [2001:db8::9]:5060;branch=z9hG4bK1;rport");
        assert_eq!(
            stamp_top_via(&r, src("[2001:db8::1]:7000")).as_deref(),
            Some("SIP/2.0/UDP [2001:db8::9]:5060;branch=z9hG4bK1;rport=7000;received=2001:db8::1")
        );
    }

    #[test]
    fn only_the_top_via_parm_of_a_comma_list_is_stamped() {
        let r = request(
            "SIP/2.0/UDP 10.0.0.1;branch=z9hG4bK1;rport, SIP/2.0/UDP 10.0.0.2;branch=z9hG4bK2",
        );
        assert_eq!(
            stamp_top_via(&r, src("192.0.2.1:1234")).as_deref(),
            Some(
                "SIP/2.0/UDP 10.0.0.1;branch=z9hG4bK1;rport=1234;received=192.0.2.1, \
                 SIP/2.0/UDP 10.0.0.2;branch=z9hG4bK2"
            )
        );
    }

    /// The parameter scan keeps, drops and rewrites exactly what a plain split, trim and
    /// filter did.
    #[test]
    fn parameters_are_rewritten_as_a_plain_split_would() {
        fn reference(params: &str, port: u16) -> String {
            let mut out = String::new();
            for param in params.split(';').map(str::trim).filter(|p| !p.is_empty()) {
                let name = param.split('=').next().unwrap_or(param).trim();
                if name.eq_ignore_ascii_case("received") {
                    continue;
                }
                out.push(';');
                if name.eq_ignore_ascii_case("rport") && !param.contains('=') {
                    out.push_str(&format!("rport={port}"));
                } else {
                    out.push_str(param);
                }
            }
            out.push_str(";received=192.0.2.1");
            out
        }
        for params in [
            ";branch=z9hG4bK1",
            ";rport;branch=z9hG4bK1",
            " ; RPORT ;branch=z9hG4bK1",
            ";received=1.1.1.1;rport=99;branch=x",
            "; Received = 1.1.1.1 ;ttl=3;maddr=239.1.1.1",
            ";rport ;branch=z9hG4bKa;x=y ;flag",
        ] {
            let text = format!("SIP/2.0/UDP 10.0.0.1:5060{params}");
            let via = Via::parse(&text).unwrap();
            let mut out = String::new();
            stamp_via_parm(&mut out, &via, src("192.0.2.1:7000"), true, true);
            let expected = format!(
                "SIP/2.0/UDP 10.0.0.1:5060{}",
                reference(via.params_raw(), 7000)
            );
            assert_eq!(out, expected, "{params}");
        }
    }

    #[test]
    fn responses_go_where_18_2_2_and_rfc_3581_say() {
        let udp = |s| Peer::new(src(s), Transport::Udp);
        let via = |s: &'static str| Via::parse(s).unwrap();
        // rport: back to the source address and port.
        assert_eq!(
            response_peer(
                &via("SIP/2.0/UDP 10.1.1.1:4540;rport"),
                udp("192.0.2.1:9988")
            ),
            udp("192.0.2.1:9988")
        );
        // No rport: the source address (received) at the sent-by port, 5060 by default.
        assert_eq!(
            response_peer(&via("SIP/2.0/UDP 10.1.1.1:4540"), udp("192.0.2.1:9988")),
            udp("192.0.2.1:4540")
        );
        assert_eq!(
            response_peer(&via("SIP/2.0/UDP host.example"), udp("192.0.2.1:9988")),
            udp("192.0.2.1:5060")
        );
        // maddr wins for UDP.
        assert_eq!(
            response_peer(
                &via("SIP/2.0/UDP 10.1.1.1:4540;maddr=239.255.255.1"),
                udp("192.0.2.1:9988")
            ),
            udp("239.255.255.1:4540")
        );
        // A stream: the connection it came on, whatever the Via says.
        let tcp = Peer::new(src("192.0.2.1:49152"), Transport::Tcp);
        assert_eq!(
            response_peer(&via("SIP/2.0/TCP 10.1.1.1:5060;rport"), tcp),
            tcp
        );
    }

    #[test]
    fn uris_pick_their_transport() {
        let t = |s| Transport::for_uri(&Uri::parse(s).unwrap());
        assert_eq!(t("sip:a@192.0.2.1"), Transport::Udp);
        assert_eq!(t("sip:a@192.0.2.1;transport=TCP"), Transport::Tcp);
        assert_eq!(t("sip:a@192.0.2.1;transport=tls"), Transport::Tls);
        assert_eq!(t("sips:a@192.0.2.1"), Transport::Tls);
        assert_eq!(Transport::Tls.default_port(), 5061);
        assert!(Transport::Tcp.is_reliable() && !Transport::Udp.is_reliable());
    }
}
