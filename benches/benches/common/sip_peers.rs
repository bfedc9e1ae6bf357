//! Adapters shared by the SIP timing bench and the allocation count, so both measure the
//! same code: for each crate, parse a datagram, read the core headers typed, write a message.

#![allow(dead_code)] // each bench target uses its own subset

use std::io::Write;

use bytes::Bytes;
use sip_proto::message::{
    HeaderName, Message, MessageWriter, Method, RequestBuilder, ResponseBuilder,
};

use benches::sip;

// ---- ours ---------------------------------------------------------------------------------

pub fn ours_typed(msg: &Message) -> usize {
    let h = msg.headers();
    let mut acc = 0;
    for v in h.vias() {
        acc += v.unwrap().branch().map_or(0, str::len);
    }
    for r in h.record_routes() {
        acc += r.unwrap().uri_str().len();
    }
    acc += h.from().unwrap().tag().map_or(0, str::len);
    acc += h.to().unwrap().tag().map_or(0, str::len);
    acc += h.cseq().unwrap().seq as usize;
    acc += h.call_id().unwrap().len();
    acc
}

/// The fixture's header lines with their names resolved once, as a caller writing messages
/// would hold them (typed names, string values).
pub fn typed_lines(
    lines: &'static [(&'static str, &'static str)],
) -> Vec<(HeaderName, &'static str)> {
    lines
        .iter()
        .map(|(n, v)| (HeaderName::from_name(n).expect("known header"), *v))
        .collect()
}

/// Writes the fixture from its parts with `MessageWriter`, straight into `out`.
pub fn ours_write(name: &str, lines: &[(HeaderName, &'static str)], out: &mut Vec<u8>) {
    out.clear();
    let mut w = match name {
        "invite" => MessageWriter::request(out, &Method::Invite, sip::INVITE_URI),
        "ok200" => MessageWriter::response(out, 200, "OK"),
        _ => MessageWriter::request(out, &Method::Register, sip::REGISTER_URI),
    }
    .unwrap();
    for (n, v) in lines {
        w.header(*n, v).unwrap();
    }
    match name {
        "invite" => w.body(sip::SDP_TYPE, sip::INVITE_SDP.as_bytes()),
        "ok200" => w.body(sip::SDP_TYPE, sip::OK_SDP.as_bytes()),
        _ => w.finish(),
    }
    .unwrap();
}

/// The same message with the collecting `RequestBuilder`/`ResponseBuilder`.
pub fn ours_build(name: &str, lines: &[(HeaderName, &'static str)], out: &mut Vec<u8>) {
    out.clear();
    match name {
        "invite" => {
            let mut b = RequestBuilder::new(Method::Invite, sip::INVITE_URI);
            for (n, v) in lines {
                b = b.header(*n, v);
            }
            b.body(sip::SDP_TYPE, sip::INVITE_SDP.as_bytes())
                .write(out)
                .unwrap();
        }
        "ok200" => {
            let mut b = ResponseBuilder::new(200, "OK");
            for (n, v) in lines {
                b = b.header(*n, v);
            }
            b.body(sip::SDP_TYPE, sip::OK_SDP.as_bytes())
                .write(out)
                .unwrap();
        }
        _ => {
            let mut b = RequestBuilder::new(Method::Register, sip::REGISTER_URI);
            for (n, v) in lines {
                b = b.header(*n, v);
            }
            b.write(out).unwrap();
        }
    }
}

pub fn fixture_lines(name: &str) -> &'static [(&'static str, &'static str)] {
    match name {
        "invite" => sip::INVITE_HEADERS,
        "ok200" => sip::OK_HEADERS,
        _ => sip::REGISTER_HEADERS,
    }
}

// ---- rsip ---------------------------------------------------------------------------------

pub fn rsip_parse(bytes: &[u8]) -> rsip::SipMessage {
    rsip::SipMessage::try_from(bytes).unwrap()
}

pub fn rsip_typed(msg: &rsip::SipMessage) -> usize {
    use rsip::prelude::*;
    use rsip::Header;
    let mut acc = 0;
    for h in msg.headers().iter() {
        match h {
            Header::Via(v) => acc += v.typed().unwrap().branch().map_or(0, |b| b.value().len()),
            Header::RecordRoute(r) => acc += r.typed().unwrap().uris().len(),
            _ => {}
        }
    }
    acc += msg
        .from_header()
        .unwrap()
        .tag()
        .unwrap()
        .map_or(0, |t| t.value().len());
    acc += msg
        .to_header()
        .unwrap()
        .tag()
        .unwrap()
        .map_or(0, |t| t.value().len());
    acc += msg.cseq_header().unwrap().typed().unwrap().seq as usize;
    acc += msg.call_id_header().unwrap().value().len();
    acc
}

// ---- ezk-sip-types ------------------------------------------------------------------------

/// A parsed message as ezk-sip-types leaves it: start line, header multimap, body.
pub struct EzkMessage {
    line: ezk_sip_types::msg::MessageLine,
    headers: ezk_sip_types::Headers,
    body: Bytes,
}

/// ezk-sip-types has no one-call message parser: its stack pulls lines with `PullParser`,
/// parses the first as the start line and the others as `Line`s into `Headers`. This does the
/// same, and takes the body from Content-Length.
pub fn ezk_parse(bytes: &Bytes) -> EzkMessage {
    use ezk_sip_types::header::typed::ContentLength;
    use ezk_sip_types::msg::{Line, MessageLine, PullParser};
    use ezk_sip_types::parse::Parse;
    let mut parser = PullParser::new(bytes, 0);
    let first = parser.next().unwrap().unwrap();
    let first = std::str::from_utf8(first).unwrap();
    let (_, line) = MessageLine::parse(bytes)(first).unwrap();
    let mut headers = ezk_sip_types::Headers::with_capacity(16);
    for raw in &mut parser {
        let raw = std::str::from_utf8(raw.unwrap()).unwrap();
        let (_, Line { name, value }) = Line::parse(bytes, raw).unwrap();
        headers.insert(name, value);
    }
    let head_end = parser.head_end();
    let len = headers.get_named::<ContentLength>().map_or(0, |l| l.0);
    let body = bytes.slice(head_end..head_end + len);
    EzkMessage {
        line,
        headers,
        body,
    }
}

pub fn ezk_typed(msg: &EzkMessage) -> usize {
    use ezk_sip_types::header::typed::{CSeq, CallID, FromTo, Routing, Via};
    use ezk_sip_types::Name;
    let h = &msg.headers;
    let mut acc = 0;
    for v in h.get_named::<Vec<Via>>().unwrap() {
        acc += v.params.get_val("branch").map_or(0, |b| b.len());
    }
    if let Some(routes) = h.try_get::<Vec<Routing>>(Name::RECORD_ROUTE) {
        acc += routes.unwrap().len();
    }
    acc += h
        .get::<FromTo>(Name::FROM)
        .unwrap()
        .tag
        .map_or(0, |t| t.len());
    acc += h
        .get::<FromTo>(Name::TO)
        .unwrap()
        .tag
        .map_or(0, |t| t.len());
    acc += h.get_named::<CSeq>().unwrap().cseq as usize;
    acc += h.get_named::<CallID>().unwrap().0.len();
    acc
}

pub fn ezk_write(msg: &EzkMessage, out: &mut Vec<u8>) {
    use ezk_sip_types::print::AppendCtx;
    out.clear();
    write!(
        out,
        "{}\r\n{}\r\n",
        msg.line.default_print_ctx(),
        msg.headers
    )
    .unwrap();
    out.extend_from_slice(&msg.body);
}

// ---- rvoip-sip-core -----------------------------------------------------------------------

pub fn rvoip_parse(bytes: &[u8]) -> rvoip_sip_core::Message {
    rvoip_sip_core::parse_message(bytes).unwrap()
}

pub fn rvoip_typed(msg: &rvoip_sip_core::Message) -> usize {
    use rvoip_sip_core::TypedHeader;
    let mut acc = 0;
    for h in msg.all_headers() {
        match h {
            TypedHeader::Via(v) => {
                for part in &v.0 {
                    acc += part.branch().map_or(0, str::len);
                }
            }
            TypedHeader::RecordRoute(r) => acc += r.0.len(),
            TypedHeader::From(f) => acc += f.tag().map_or(0, str::len),
            TypedHeader::To(t) => acc += t.tag().map_or(0, str::len),
            TypedHeader::CSeq(c) => acc += c.seq as usize,
            TypedHeader::CallId(c) => acc += c.0.len(),
            _ => {}
        }
    }
    acc
}
