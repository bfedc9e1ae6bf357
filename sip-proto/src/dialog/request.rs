//! Requests inside a dialog (RFC 3261 §12.2.1.1): Request-URI and Route for loose and strict
//! routing, From/To/Call-ID/CSeq from the dialog.

use crate::message::{BuildError, HeaderName, Method, RequestBuilder};

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
            _ => &self.dialog.remote_target,
        }
    }

    /// The Route header values, in order. With a strict first route it is the rest of the
    /// route set followed by the remote target (§12.2.1.1).
    pub fn routes(&self) -> impl Iterator<Item = RouteValue<'d>> + 'd {
        let skip = usize::from(self.strict);
        let tail = self
            .strict
            .then_some(RouteValue::Target(&self.dialog.remote_target));
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
            None => &self.dialog.remote_target,
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
        let cseq = format!("{} {}", self.cseq, self.method.as_str());
        let mut routes: Vec<String> = Vec::new();
        for route in self.routes() {
            routes.push(match route {
                RouteValue::Set(r) => r.to_owned(),
                RouteValue::Target(t) => format!("<{t}>"),
            });
        }
        let mut builder = RequestBuilder::new(self.method.clone(), self.request_uri())
            .header(HeaderName::Via, via)
            .header(HeaderName::MaxForwards, "70");
        for route in &routes {
            builder = builder.header(HeaderName::Route, route);
        }
        builder = builder
            .header(HeaderName::From, &self.dialog.local)
            .header(HeaderName::To, &self.dialog.remote)
            .header(HeaderName::CallId, &self.dialog.id.call_id)
            .header(HeaderName::CSeq, &cseq);
        if let Some(contact) = contact {
            builder = builder.header(HeaderName::Contact, contact);
        }
        for (name, value) in extra {
            builder = builder.header(*name, value);
        }
        if let Some((content_type, body)) = body {
            builder = builder.body(content_type, body);
        }
        builder.write(out)
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

    #[test]
    fn lr_is_found_among_uri_params_case_insensitively() {
        assert!(has_lr("<sip:p1.example.com;lr>"));
        assert!(has_lr("<sip:p1.example.com;transport=udp;LR>"));
        assert!(!has_lr("<sip:p1.example.com>"));
        assert!(!has_lr("<sip:lr@p1.example.com;maddr=x>"));
    }
}
