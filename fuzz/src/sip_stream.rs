//! `sip_stream`: a TCP byte stream cut into arbitrary chunks and fed to a [`StreamFramer`]
//! (RFC 3261 §18.3, keep-alives per RFC 5626 §4.4.1).
//!
//! Input layout: one octet `n`, then `n` chunk lengths (one octet each, 0 meaning 1), then the
//! stream. The chunk lengths repeat until the stream is used up.
//!
//! Invariants:
//! - the chunking does not matter: the framer fed the chunks (appending each to a receive
//!   buffer and framing until it needs more) yields exactly the messages, keep-alive octets
//!   and final error that a framer fed the whole stream at once yields;
//! - the receive buffer stays bounded: whenever the framer asks for more, the buffer is
//!   shorter than `max_message_size` or holds the start of a message whose announced length
//!   is within the limits;
//! - every framed message is the length its Content-Length says: if it parses, its body is
//!   exactly that long;
//! - an error is final: the caller closes the connection, and the run stops there.

use bytes::Bytes;
use sip_proto::message::{Framing, Limits, Message, StreamFramer};

/// Small limits so the fuzzer reaches them with short inputs.
const LIMITS: Limits = Limits {
    max_message_size: 4096,
    max_headers: 64,
    max_body_size: 2048,
};

/// What the framer made of the stream, in order.
#[derive(Debug, PartialEq, Eq)]
enum Item {
    /// A framed message's octets.
    Message(Vec<u8>),
    /// Keep-alive octets dropped between messages (consecutive ones merged, since a CRLFCRLF
    /// split in two arrives as two CRLFs).
    KeepAlive(usize),
    /// The framer refused the stream.
    Error,
}

/// Runs the target on one input.
pub fn check(data: &[u8]) {
    let (&count, rest) = data.split_first().unwrap_or((&0, &[]));
    let count = usize::from(count).min(rest.len());
    let (chunk_lengths, stream) = rest.split_at(count);
    let mut sizes: Vec<usize> = chunk_lengths
        .iter()
        .map(|&c| usize::from(c.max(1)))
        .collect();
    if sizes.is_empty() {
        sizes.push(stream.len().max(1));
    }

    let whole = frame_all(stream, &[stream.len().max(1)]);
    let chunked = frame_all(stream, &sizes);
    assert_eq!(
        whole, chunked,
        "framing depends on how the stream was cut (chunks {sizes:?})"
    );
    for item in &whole {
        if let Item::Message(octets) = item {
            check_message(octets);
        }
    }
}

/// Feeds `stream` in chunks of the given sizes (cycled) and records what comes out.
fn frame_all(stream: &[u8], sizes: &[usize]) -> Vec<Item> {
    let mut framer = StreamFramer::new(LIMITS);
    let mut buffer: Vec<u8> = Vec::new();
    let mut items = Vec::new();
    let mut offset = 0;
    for &size in sizes.iter().cycle() {
        if offset >= stream.len() {
            break;
        }
        let end = offset.saturating_add(size).min(stream.len());
        buffer.extend_from_slice(&stream[offset..end]);
        offset = end;
        loop {
            match framer.frame(&buffer) {
                Ok(Framing::Message { len }) => {
                    assert!(
                        len > 0 && len <= buffer.len(),
                        "framed {len} octets of a {}-octet buffer",
                        buffer.len()
                    );
                    assert!(len <= LIMITS.max_message_size, "framed past the size limit");
                    items.push(Item::Message(buffer.drain(..len).collect()));
                }
                Ok(Framing::KeepAlive { len }) => {
                    assert!(len == 2 || len == 4, "keep-alive of {len} octets");
                    assert!(len <= buffer.len(), "keep-alive longer than the buffer");
                    buffer.drain(..len);
                    match items.last_mut() {
                        Some(Item::KeepAlive(total)) => *total += len,
                        _ => items.push(Item::KeepAlive(len)),
                    }
                }
                Ok(Framing::NeedMore) => {
                    assert!(
                        buffer.len() < LIMITS.max_message_size,
                        "the framer keeps waiting with {} octets buffered",
                        buffer.len()
                    );
                    break;
                }
                Err(_) => {
                    items.push(Item::Error);
                    return items;
                }
            }
        }
    }
    items
}

/// A framed message, if it parses, carries exactly the body its Content-Length announced.
fn check_message(octets: &[u8]) {
    let Ok(message) = Message::parse_with_limits(Bytes::copy_from_slice(octets), &LIMITS) else {
        return;
    };
    if let Ok(Some(declared)) = message.headers().content_length() {
        assert_eq!(
            message.body().len(),
            declared as usize,
            "framed message's body differs from its Content-Length"
        );
    }
}
