//! Serialization in RFC 8866 §5 order with CRLF line ends.
//!
//! ```text
//! v= o= s= i= u= e=* p=* c= b=* (t= r=*)* z= k= a=*
//! then per media: m= i= c=* b=* k= a=*
//! ```
//!
//! [`SessionDescription::write`] appends bytes directly; the [`fmt::Display`] impls write the
//! same text through `core::fmt` (the tests below hold the two to each other).
//!
//! The writer trusts its input: text fields must not contain CR or LF (values parsed by this
//! crate never do). Parsing the output gives back an equal [`SessionDescription`], and
//! writing a parsed description is a fixed point (both are property-tested).

use core::fmt;
use std::net::IpAddr;

use super::attribute::Attribute;
use super::connection::{Address, AddressType, Connection};
use super::media::{Format, MediaDescription};
use super::offer_answer::{telephone_event_fmtp, telephone_event_rtpmap, AudioSection};
use super::origin::Origin;
use super::session::{Bandwidth, SessionDescription};
use crate::decimal::push_decimal;

impl SessionDescription<'_> {
    /// Appends the description to `out`, one CRLF-terminated line per field.
    ///
    /// The lines a user agent writes (`o=`, `c=`, `t=`, `m=` and the typed attributes) are
    /// appended byte by byte; the rare ones (`r=`, `z=`, IPv6 addresses) go through the
    /// [`fmt::Display`] impls, which give the same text everywhere (tested).
    pub fn write(&self, out: &mut Vec<u8>) {
        out.reserve(256);
        out.extend_from_slice(b"v=0\r\no=");
        write_origin(out, &self.origin);
        line(out, b"s=", self.session_name);
        if let Some(i) = self.information {
            line(out, b"i=", i);
        }
        if let Some(u) = self.uri {
            line(out, b"u=", u);
        }
        for e in &self.emails {
            line(out, b"e=", e);
        }
        for p in &self.phones {
            line(out, b"p=", p);
        }
        if let Some(c) = &self.connection {
            out.extend_from_slice(b"c=");
            write_connection(out, c);
            out.extend_from_slice(b"\r\n");
        }
        for b in &self.bandwidths {
            write_bandwidth(out, b);
        }
        for t in &self.times {
            out.extend_from_slice(b"t=");
            push_decimal(out, t.start);
            out.push(b' ');
            push_decimal(out, t.stop);
            out.extend_from_slice(b"\r\n");
            for r in &t.repeats {
                display(out, format_args!("r={} {}", r.interval, r.duration));
                for o in &r.offsets {
                    display(out, format_args!(" {o}"));
                }
                out.extend_from_slice(b"\r\n");
            }
        }
        if !self.zone_adjustments.is_empty() {
            out.extend_from_slice(b"z=");
            for (i, z) in self.zone_adjustments.iter().enumerate() {
                let sep = if i == 0 { "" } else { " " };
                display(out, format_args!("{sep}{} {}", z.time, z.offset));
            }
            out.extend_from_slice(b"\r\n");
        }
        if let Some(k) = self.key {
            line(out, b"k=", k);
        }
        for a in &self.attributes {
            write_attribute(out, a);
        }
        for m in &self.media {
            write_media(out, m);
        }
    }

    /// The description as a byte vector (a convenience over [`SessionDescription::write`]).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.write(&mut out);
        out
    }
}

/// The text of a single-stream audio description as [`super::AudioOffer::description`]
/// builds it, or [`super::answer`] for a single-stream offer (`o=`, `s=-`, `c=`, `t=0 0`,
/// one `m=audio` section), written without building the description first.
pub(super) fn write_single_audio(out: &mut Vec<u8>, origin: &Origin<'_>, media: &AudioSection<'_>) {
    out.reserve(256);
    out.extend_from_slice(b"v=0\r\no=");
    write_origin(out, origin);
    out.extend_from_slice(b"s=-\r\nc=");
    write_connection(out, &Connection::ip(media.addr));
    out.extend_from_slice(b"\r\nt=0 0\r\nm=audio ");
    push_decimal(out, u64::from(media.port));
    out.push(b' ');
    out.extend_from_slice(super::RTP_AVP.as_bytes());
    for c in media.codecs {
        out.push(b' ');
        push_decimal(out, u64::from(c.payload_type));
    }
    if let Some(pt) = media.telephone_event {
        out.push(b' ');
        push_decimal(out, u64::from(pt));
    }
    out.extend_from_slice(b"\r\n");
    for c in media.codecs {
        write_attribute(out, &Attribute::Rtpmap(c.rtpmap()));
    }
    if let Some(pt) = media.telephone_event {
        write_attribute(out, &Attribute::Rtpmap(telephone_event_rtpmap(pt)));
        write_attribute(out, &Attribute::Fmtp(telephone_event_fmtp(pt)));
    }
    write_attribute(out, &Attribute::Ptime(media.ptime));
    write_attribute(out, &Attribute::Direction(media.direction));
    if media.rtcp_mux {
        write_attribute(out, &Attribute::RtcpMux);
    }
}

/// `prefix value CRLF`.
fn line(out: &mut Vec<u8>, prefix: &[u8], value: &str) {
    out.extend_from_slice(prefix);
    out.extend_from_slice(value.as_bytes());
    out.extend_from_slice(b"\r\n");
}

/// Formats through `core::fmt`, for the lines too rare to be worth a byte writer.
fn display(out: &mut Vec<u8>, args: fmt::Arguments<'_>) {
    // invariant: VecWriter::write_str never fails and the Display impls of this module
    // only forward its result, so the fmt::Result is always Ok.
    let _ = fmt::Write::write_fmt(&mut VecWriter(out), args);
}

fn write_address(out: &mut Vec<u8>, address: &Address<'_>) {
    match address {
        Address::Ip(IpAddr::V4(v4)) => {
            for (i, octet) in v4.octets().into_iter().enumerate() {
                if i > 0 {
                    out.push(b'.');
                }
                push_decimal(out, u64::from(octet));
            }
        }
        // RFC 5952 text (zero compression, embedded IPv4) is the standard library's.
        Address::Ip(ip) => display(out, format_args!("{ip}")),
        Address::Name(s) => out.extend_from_slice(s.as_bytes()),
    }
}

fn write_address_type(out: &mut Vec<u8>, t: &AddressType<'_>) {
    out.extend_from_slice(match t {
        AddressType::Ip4 => b"IP4",
        AddressType::Ip6 => b"IP6",
        AddressType::Other(s) => s.as_bytes(),
    });
}

/// The `o=` value and its line end.
fn write_origin(out: &mut Vec<u8>, o: &Origin<'_>) {
    out.extend_from_slice(o.username.as_bytes());
    out.push(b' ');
    push_decimal(out, o.session_id);
    out.push(b' ');
    push_decimal(out, o.session_version);
    out.push(b' ');
    out.extend_from_slice(o.nettype.as_bytes());
    out.push(b' ');
    write_address_type(out, &o.addrtype);
    out.push(b' ');
    write_address(out, &o.address);
    out.extend_from_slice(b"\r\n");
}

/// A `c=` value (also the address part of `a=rtcp`), as its `Display` writes it.
fn write_connection(out: &mut Vec<u8>, c: &Connection<'_>) {
    out.extend_from_slice(c.nettype.as_bytes());
    out.push(b' ');
    write_address_type(out, &c.addrtype);
    out.push(b' ');
    write_address(out, &c.address);
    let (ttl, n) = match c.addrtype {
        AddressType::Ip4 => (c.ttl, c.ttl.and(c.num_addresses)),
        AddressType::Ip6 => (None, c.num_addresses),
        AddressType::Other(_) => (None, None),
    };
    for v in [ttl.map(u64::from), n.map(u64::from)].into_iter().flatten() {
        out.push(b'/');
        push_decimal(out, v);
    }
}

fn write_bandwidth(out: &mut Vec<u8>, b: &Bandwidth<'_>) {
    out.extend_from_slice(b"b=");
    out.extend_from_slice(b.bwtype.as_bytes());
    out.push(b':');
    push_decimal(out, b.bandwidth);
    out.extend_from_slice(b"\r\n");
}

fn write_format(out: &mut Vec<u8>, f: &Format<'_>) {
    match f {
        Format::PayloadType(pt) => push_decimal(out, u64::from(*pt)),
        Format::Other(s) => out.extend_from_slice(s.as_bytes()),
    }
}

/// An `a=` line, as the `Display` of [`Attribute`] writes its value.
fn write_attribute(out: &mut Vec<u8>, a: &Attribute<'_>) {
    out.extend_from_slice(b"a=");
    match a {
        Attribute::Rtpmap(r) => {
            out.extend_from_slice(b"rtpmap:");
            push_decimal(out, u64::from(r.payload_type));
            out.push(b' ');
            out.extend_from_slice(r.encoding.as_bytes());
            out.push(b'/');
            push_decimal(out, u64::from(r.clock_rate));
            if let Some(c) = r.channels {
                out.push(b'/');
                push_decimal(out, u64::from(c));
            }
        }
        Attribute::Fmtp(p) => {
            out.extend_from_slice(b"fmtp:");
            write_format(out, &p.format);
            if !p.params.is_empty() {
                out.push(b' ');
                out.extend_from_slice(p.params.as_bytes());
            }
        }
        Attribute::Ptime(t) => {
            out.extend_from_slice(b"ptime:");
            push_decimal(out, u64::from(*t));
        }
        Attribute::MaxPtime(t) => {
            out.extend_from_slice(b"maxptime:");
            push_decimal(out, u64::from(*t));
        }
        Attribute::Direction(d) => out.extend_from_slice(d.as_str().as_bytes()),
        Attribute::Rtcp(r) => {
            out.extend_from_slice(b"rtcp:");
            push_decimal(out, u64::from(r.port));
            if let Some(c) = &r.connection {
                out.push(b' ');
                write_connection(out, c);
            }
        }
        Attribute::RtcpMux => out.extend_from_slice(b"rtcp-mux"),
        Attribute::Other { name, value } => {
            out.extend_from_slice(name.as_bytes());
            if let Some(v) = value {
                out.push(b':');
                out.extend_from_slice(v.as_bytes());
            }
        }
    }
    out.extend_from_slice(b"\r\n");
}

/// A media section: the `m=` line and the lines after it.
fn write_media(out: &mut Vec<u8>, m: &MediaDescription<'_>) {
    out.extend_from_slice(b"m=");
    out.extend_from_slice(m.media.as_str().as_bytes());
    out.push(b' ');
    push_decimal(out, u64::from(m.port));
    if let Some(n) = m.num_ports {
        out.push(b'/');
        push_decimal(out, u64::from(n));
    }
    out.push(b' ');
    out.extend_from_slice(m.proto.as_bytes());
    for f in &m.formats {
        out.push(b' ');
        write_format(out, f);
    }
    out.extend_from_slice(b"\r\n");
    if let Some(i) = m.information {
        line(out, b"i=", i);
    }
    for c in &m.connections {
        out.extend_from_slice(b"c=");
        write_connection(out, c);
        out.extend_from_slice(b"\r\n");
    }
    for b in &m.bandwidths {
        write_bandwidth(out, b);
    }
    if let Some(k) = m.key {
        line(out, b"k=", k);
    }
    for a in &m.attributes {
        write_attribute(out, a);
    }
}

/// Adapts a `Vec<u8>` to `fmt::Write`, so `Display` impls write straight into it.
struct VecWriter<'v>(&'v mut Vec<u8>);

impl fmt::Write for VecWriter<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.0.extend_from_slice(s.as_bytes());
        Ok(())
    }
}

/// The SDP text, CRLF line ends.
impl fmt::Display for SessionDescription<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("v=0\r\n")?;
        write!(f, "o={}\r\n", self.origin)?;
        write!(f, "s={}\r\n", self.session_name)?;
        if let Some(i) = self.information {
            write!(f, "i={i}\r\n")?;
        }
        if let Some(u) = self.uri {
            write!(f, "u={u}\r\n")?;
        }
        for e in &self.emails {
            write!(f, "e={e}\r\n")?;
        }
        for p in &self.phones {
            write!(f, "p={p}\r\n")?;
        }
        if let Some(c) = &self.connection {
            write!(f, "c={c}\r\n")?;
        }
        for b in &self.bandwidths {
            write!(f, "b={b}\r\n")?;
        }
        for t in &self.times {
            write!(f, "t={} {}\r\n", t.start, t.stop)?;
            for r in &t.repeats {
                write!(f, "r={} {}", r.interval, r.duration)?;
                for o in &r.offsets {
                    write!(f, " {o}")?;
                }
                f.write_str("\r\n")?;
            }
        }
        if !self.zone_adjustments.is_empty() {
            f.write_str("z=")?;
            for (i, z) in self.zone_adjustments.iter().enumerate() {
                let sep = if i == 0 { "" } else { " " };
                write!(f, "{sep}{} {}", z.time, z.offset)?;
            }
            f.write_str("\r\n")?;
        }
        if let Some(k) = self.key {
            write!(f, "k={k}\r\n")?;
        }
        for a in &self.attributes {
            write!(f, "a={a}\r\n")?;
        }
        for m in &self.media {
            write!(f, "{m}")?;
        }
        Ok(())
    }
}

/// The media section's lines, CRLF line ends, starting with `m=`.
impl fmt::Display for MediaDescription<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "m={} {}", self.media, self.port)?;
        if let Some(n) = self.num_ports {
            write!(f, "/{n}")?;
        }
        write!(f, " {}", self.proto)?;
        for fmt in &self.formats {
            write!(f, " {fmt}")?;
        }
        f.write_str("\r\n")?;
        if let Some(i) = self.information {
            write!(f, "i={i}\r\n")?;
        }
        for c in &self.connections {
            write!(f, "c={c}\r\n")?;
        }
        for b in &self.bandwidths {
            write!(f, "b={b}\r\n")?;
        }
        if let Some(k) = self.key {
            write!(f, "k={k}\r\n")?;
        }
        for a in &self.attributes {
            write!(f, "a={a}\r\n")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

    use super::super::{parse, AudioOffer, Codec, Direction, LocalMedia};
    use super::SessionDescription;

    /// The byte writer and the `Display` impls give the same text.
    fn same_both_ways(sd: &SessionDescription<'_>) -> Vec<u8> {
        let bytes = sd.to_bytes();
        assert_eq!(String::from_utf8_lossy(&bytes), sd.to_string());
        bytes
    }

    #[test]
    fn every_line_type_writes_as_display_does_and_round_trips() {
        let text: &[u8] = b"v=0\r\n\
            o=jdoe 2890844526 2890842807 IN IP4 10.47.16.5\r\n\
            s=SDP Seminar\r\n\
            i=A Seminar on the session description protocol\r\n\
            u=http://www.example.com/seminars/sdp.pdf\r\n\
            e=j.doe@example.com (Jane Doe)\r\n\
            p=+1 617 555-6011\r\n\
            c=IN IP4 224.2.17.12/127/2\r\n\
            b=CT:1000\r\n\
            t=2873397496 2873404696\r\n\
            r=7d 1h 0 25h\r\n\
            t=0 0\r\n\
            z=2882844526 -1h 2898848070 0\r\n\
            k=clear:secret\r\n\
            a=recvonly\r\n\
            a=tool:example\r\n\
            a=flag\r\n\
            m=audio 49170/2 RTP/AVP 0 8 101 t38\r\n\
            i=voice\r\n\
            c=IN IP6 ff15::101/3\r\n\
            c=IN IP4 192.0.2.7\r\n\
            c=IN X-NET host.example\r\n\
            b=AS:64\r\n\
            k=prompt\r\n\
            a=rtpmap:0 PCMU/8000\r\n\
            a=rtpmap:97 L16/16000/2\r\n\
            a=fmtp:101 0-16\r\n\
            a=fmtp:t38\r\n\
            a=ptime:20\r\n\
            a=maxptime:60\r\n\
            a=sendonly\r\n\
            a=inactive\r\n\
            a=sendrecv\r\n\
            a=rtcp:53020\r\n\
            a=rtcp:53020 IN IP6 2001:db8::1\r\n\
            a=rtcp-mux\r\n\
            m=video 0 RTP/AVP 31\r\n\
            c=IN IP6 2001:db8::2\r\n";
        let sd = parse(text).unwrap();
        let bytes = same_both_ways(&sd);
        assert_eq!(
            String::from_utf8_lossy(&bytes),
            String::from_utf8_lossy(text)
        );
        assert_eq!(parse(&bytes).unwrap(), sd);
    }

    #[test]
    fn offers_and_answers_write_as_display_does() {
        for (addr, te, mux, codecs) in [
            (
                IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1)),
                None,
                false,
                &[Codec::PCMU, Codec::PCMA][..],
            ),
            (
                IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 9)),
                Some(101),
                true,
                &[Codec::PCMA][..],
            ),
        ] {
            let local = LocalMedia {
                addr,
                rtp_port: 4000,
                codecs,
                ptime: 20,
                direction: Direction::SendRecv,
                telephone_event: te,
                rtcp_mux: mux,
            };
            let offer = AudioOffer {
                session_id: 4_294_967_295,
                session_version: 1,
                local,
            };
            let description = offer.description();
            let bytes = same_both_ways(&description);
            let mut written = Vec::new();
            offer.write(&mut written);
            assert_eq!(written, bytes);
            let parsed = parse(&bytes).unwrap();
            let answer = super::super::answer(&parsed, &local, 7, 2).unwrap();
            same_both_ways(&answer.description);
        }
    }

    #[test]
    fn single_stream_answers_are_written_as_answer_writes_them() {
        let offers: [&[u8]; 7] = [
            b"v=0\r\no=a 1 1 IN IP4 192.0.2.9\r\ns=-\r\nc=IN IP4 192.0.2.9\r\nt=0 0\r\n\
              m=audio 6000 RTP/AVP 0\r\n",
            b"v=0\r\no=a 1 1 IN IP4 192.0.2.9\r\ns=-\r\nc=IN IP4 192.0.2.9\r\n\
              m=audio 6000 RTP/AVP 8 0 101\r\na=rtpmap:101 telephone-event/8000\r\n\
              a=ptime:30\r\na=sendonly\r\n",
            b"v=0\r\no=a 1 1 IN IP4 0.0.0.0\r\ns=-\r\nc=IN IP4 0.0.0.0\r\nt=0 0\r\n\
              m=audio 6000 RTP/AVP 96 8\r\na=rtpmap:96 PCMU/8000\r\na=rtcp-mux\r\n",
            b"v=0\r\no=a 1 1 IN IP6 2001:db8::9\r\ns=-\r\nt=0 0\r\n\
              m=audio 6000 RTP/AVP 0\r\nc=IN IP6 2001:db8::9\r\na=recvonly\r\n",
            b"v=0\r\no=a 1 1 IN IP4 192.0.2.9\r\ns=-\r\nc=IN IP4 192.0.2.9\r\nt=0 0\r\n\
              m=audio 6000 RTP/AVP 0\r\na=inactive\r\n",
            // Not single-stream: bounded time, two m= lines.
            b"v=0\r\no=a 1 1 IN IP4 192.0.2.9\r\ns=-\r\nc=IN IP4 192.0.2.9\r\nt=10 20\r\n\
              m=audio 6000 RTP/AVP 0\r\n",
            b"v=0\r\no=a 1 1 IN IP4 192.0.2.9\r\ns=-\r\nc=IN IP4 192.0.2.9\r\nt=0 0\r\n\
              m=video 6002 RTP/AVP 31\r\nm=audio 6000 RTP/AVP 0\r\n",
        ];
        let mut singles = 0;
        for offer in offers {
            let offer = parse(offer).unwrap();
            for (te, mux, direction) in [
                (None, false, Direction::SendRecv),
                (Some(101), true, Direction::SendOnly),
            ] {
                let local = LocalMedia {
                    addr: IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1)),
                    rtp_port: 4000,
                    codecs: &[Codec::PCMU, Codec::PCMA],
                    ptime: 20,
                    direction,
                    telephone_event: te,
                    rtcp_mux: mux,
                };
                let answer = super::super::answer(&offer, &local, 7, 2).unwrap();
                let negotiated = super::super::negotiate(&offer, &local).unwrap();
                assert_eq!(negotiated, answer.negotiated);
                if !super::super::is_single_stream(&offer) {
                    continue;
                }
                singles += 1;
                let mut written = Vec::new();
                super::super::write_single_stream_answer(&negotiated, &local, 7, 2, &mut written);
                assert_eq!(
                    String::from_utf8_lossy(&written),
                    String::from_utf8_lossy(&answer.description.to_bytes())
                );
            }
        }
        assert_eq!(singles, 10);
    }
}
