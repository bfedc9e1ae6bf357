//! Requests inside a dialog (RFC 3261 §12.2.1.1): Request-URI and Route for loose and strict
//! routing, From/To/Call-ID/CSeq from the dialog.

use crate::decimal::decimal;
use crate::message::{BuildError, HeaderName, MessageWriter, Method};

use super::Dialog;

/// The dialog-derived parts of one request we send inside a dialog.
#[derive(Debug)]
pub struct InDialogRequest<'d> {
    dialog: &'d Dialog,
    method: Method,
    cseq: u32,
    strict: bool,
}

impl<'d> InDialogRequest<'d> {
    pub(super) fn new(dialog: &'d Dialog, method: Method, cseq: u32) -> Self {
        // §12.2.1.1: the first route without `lr` means a strict router (RFC 2543).
        let strict = dialog.route_set.first().is_some_and(|r| !has_lr(r));
        InDialogRequest {
            dialog,
            method,
            cseq,
            strict,
        }
    }

    /// The method.
    pub fn method(&self) -> &Method {
        &self.method
    }

    /// The CSeq number.
    pub fn cseq(&self) -> u32 {
        self.cseq
    }

    /// The Request-URI: the remote target, or with a strict first route, that route's URI
    /// (§12.2.1.1).
    pub fn request_uri(&self) -> &'d str {
        match (self.strict, self.dialog.route_set.first()) {
            (true, Some(first)) => strip_brackets(first),
            _ => self.dialog.remote_target(),
        }
    }

    /// The Route header values, in order. With a strict first route it is the rest of the
    /// route set followed by the remote target (§12.2.1.1).
    pub fn routes(&self) -> impl Iterator<Item = RouteValue<'d>> + 'd {
        let skip = usize::from(self.strict);
        let tail = self
            .strict
            .then_some(RouteValue::Target(self.dialog.remote_target()));
        self.dialog.route_set[skip..]
            .iter()
            .map(|r| RouteValue::Set(r.as_str()))
            .chain(tail)
    }

    /// The URI of the next hop: the first Route if there is one, else the Request-URI
    /// (§8.1.2). The caller resolves it to an address.
    pub fn next_hop(&self) -> &'d str {
        match self.dialog.route_set.first() {
            Some(first) => strip_brackets(first),
            None => self.dialog.remote_target(),
        }
    }

    /// Writes the whole request: `via` is the Via header value (with a fresh branch, except for
    /// a CANCEL), `contact` our Contact for target-refreshing requests, `extra` any further
    /// headers, `body` a content type and body.
    ///
    /// # Errors
    /// A [`BuildError`] when a value would break the message (a line break in a header).
    pub fn write(
        &self,
        via: &str,
        contact: Option<&str>,
        extra: &[(HeaderName, &str)],
        body: Option<(&str, &[u8])>,
        out: &mut Vec<u8>,
    ) -> Result<(), BuildError> {
        let mut w = MessageWriter::request(out, &self.method, self.request_uri())?;
        w.header(HeaderName::Via, via)?
            .header(HeaderName::MaxForwards, "70")?;
        for route in self.routes() {
            match route {
                RouteValue::Set(r) => w.header(HeaderName::Route, r)?,
                RouteValue::Target(t) => {
                    w.header_pieces(HeaderName::Route, &[b"<", t.as_bytes(), b">"])?
                }
            };
        }
        let mut digits = [0u8; 20];
        let seq = decimal(u64::from(self.cseq), &mut digits);
        let method = self.method.as_str().as_bytes();
        w.header(HeaderName::From, self.dialog.local())?
            .header(HeaderName::To, self.dialog.remote())?
            .header(HeaderName::CallId, &self.dialog.id.call_id)?
            .header_pieces(HeaderName::CSeq, &[seq, b" ", method])?;
        if let Some(contact) = contact {
            w.header(HeaderName::Contact, contact)?;
        }
        for (name, value) in extra {
            // The body's own Content-Type is the one written (as the builders do).
            if body.is_some() && *name == HeaderName::ContentType {
                continue;
            }
            w.header(*name, value)?;
        }
        match body {
            Some((content_type, body)) => w.body(content_type, body)?,
            None => w.finish()?,
        };
        Ok(())
    }
}

/// One Route header value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RouteValue<'d> {
    /// An entry of the route set, `<...>` included.
    Set(&'d str),
    /// The remote target appended after a strict route (bare URI; bracket it to write it).
    Target(&'d str),
}

fn strip_brackets(route: &str) -> &str {
    route.trim().trim_start_matches('<').trim_end_matches('>')
}

/// Does a `<uri;params>` route carry the `lr` parameter (RFC 3261 §19.1.1)?
fn has_lr(route: &str) -> bool {
    strip_brackets(route).split(';').skip(1).any(|p| {
        p.split('=')
            .next()
            .is_some_and(|n| n.trim().eq_ignore_ascii_case("lr"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::{Message, RequestBuilder};

    /// The request as the general builder writes it, for comparison.
    fn built(r: &InDialogRequest<'_>, via: &str, contact: Option<&str>) -> Vec<u8> {
        let cseq = format!("{} {}", r.cseq(), r.method().as_str());
        let routes: Vec<String> = r
            .routes()
            .map(|route| match route {
                RouteValue::Set(s) => s.to_owned(),
                RouteValue::Target(t) => format!("<{t}>"),
            })
            .collect();
        let mut b = RequestBuilder::new(r.method().clone(), r.request_uri())
            .header(HeaderName::Via, via)
            .header(HeaderName::MaxForwards, "70");
        for route in &routes {
            b = b.header(HeaderName::Route, route);
        }
        b = b
            .header(HeaderName::From, r.dialog.local())
            .header(HeaderName::To, r.dialog.remote())
            .header(HeaderName::CallId, &r.dialog.id().call_id)
            .header(HeaderName::CSeq, &cseq);
        if let Some(contact) = contact {
            b = b.header(HeaderName::Contact, contact);
        }
        let mut out = Vec::new();
        b.header(HeaderName::UserAgent, "ua/1")
            .body("application/sdp", b"v=0\r\n")
            .write(&mut out)
            .unwrap();
        out
    }

    /// In-dialog requests are written as the builder writes them, for loose and strict
    /// routing alike.
    #[test]
    fn in_dialog_requests_are_written_as_the_builder_writes_them() {
        for record_route in [
            "",
            "Record-Route: <sip:p2.example.com;lr>, <sip:p1.example.com;lr>\r\n",
            "Record-Route: <sip:p2.example.com;lr>\r\nRecord-Route: <sip:p1.example.com>\r\n",
        ] {
            let text = format!(
                "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP h;branch=z9hG4bKa\r\n{record_route}\
                 From: <sip:a@h>;tag=1\r\nTo: <sip:b@h>;tag=2\r\nCall-ID: c1@h\r\n\
                 CSeq: 1 INVITE\r\nContact: <sip:b@192.0.2.2:5062>\r\nContent-Length: 0\r\n\r\n"
            );
            let response = Message::parse(bytes::Bytes::from(text)).unwrap();
            let mut dialog =
                Dialog::new_uac(response.headers(), 1, "<sip:a@h>;tag=1", "1", 200).unwrap();
            let via = "SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKx;rport";
            let ack = dialog.ack(1);
            let mut out = Vec::new();
            let extra = [
                (HeaderName::UserAgent, "ua/1"),
                (HeaderName::ContentType, "x/y"),
            ];
            let body = Some(("application/sdp", &b"v=0\r\n"[..]));
            ack.write(via, None, &extra, body, &mut out).unwrap();
            assert_eq!(
                String::from_utf8_lossy(&out),
                String::from_utf8_lossy(&built(&ack, via, None))
            );
            let bye = dialog.next_request(Method::Bye);
            let mut out = Vec::new();
            bye.write(via, Some("<sip:a@192.0.2.1>"), &extra, body, &mut out)
                .unwrap();
            assert_eq!(
                String::from_utf8_lossy(&out),
                String::from_utf8_lossy(&built(&bye, via, Some("<sip:a@192.0.2.1>")))
            );
        }
    }

    #[test]
    fn lr_is_found_among_uri_params_case_insensitively() {
        assert!(has_lr("<sip:p1.example.com;lr>"));
        assert!(has_lr("<sip:p1.example.com;transport=udp;LR>"));
        assert!(!has_lr("<sip:p1.example.com>"));
        assert!(!has_lr("<sip:lr@p1.example.com;maddr=x>"));
    }
}
