//! Dialogs (RFC 3261 §12): the peer-to-peer relationship an INVITE sets up.
//!
//! A [`Dialog`] holds what both ends must agree on to send requests inside a call: the dialog
//! ID (Call-ID and both tags), the local and remote CSeq, the remote target (from Contact) and
//! the route set (from Record-Route). It is created from the INVITE and its response, updated
//! by in-dialog requests and target refreshes, and builds the headers of the requests we send
//! inside it, for loose and strict routing alike.
//!
//! Dialogs own their strings: they outlive the messages that created them.

mod error;
mod request;

pub use error::DialogError;
pub use request::InDialogRequest;

use crate::header::NameAddr;
use crate::message::{CoreHeaders, Headers, Method};

/// Which side of the dialog we are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// We sent the INVITE (§12.1.2).
    Uac,
    /// We received the INVITE (§12.1.1).
    Uas,
}

/// Whether a provisional or a final 2xx response made the dialog (§12).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DialogState {
    /// Made by a 1xx with a To tag; may still end with the INVITE's failure.
    Early,
    /// Made (or confirmed) by a 2xx.
    Confirmed,
}

/// A dialog ID (§12): Call-ID, local tag and remote tag.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DialogId {
    /// The Call-ID.
    pub call_id: String,
    /// Our tag.
    pub local_tag: String,
    /// The far end's tag (empty for RFC 2543 peers that send none).
    pub remote_tag: String,
}

/// One dialog. See the [module docs](self).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dialog {
    id: DialogId,
    role: Role,
    state: DialogState,
    /// Our CSeq: the last one we used (§12.2.1.1).
    local_seq: u32,
    /// The far end's last CSeq, if it has sent a request in the dialog (§12.2.2).
    remote_seq: Option<u32>,
    /// Our side, their side and the remote target, in one buffer.
    sides: Sides,
    /// Record-Route URIs in the order our requests must visit them, `<...>` included.
    route_set: Vec<String>,
}

impl Dialog {
    /// The UAS side, made when we answer `invite` with a response carrying `local_tag`
    /// (§12.1.1). The route set is the Record-Route list in order; the remote target is the
    /// Contact URI.
    pub fn new_uas(
        invite: &Headers,
        local_tag: &str,
        state: DialogState,
    ) -> Result<Dialog, DialogError> {
        let core = CoreHeaders {
            call_id: invite.call_id().ok(),
            from: invite.from().ok(),
            to: invite.to().ok(),
            cseq: invite.cseq().ok(),
            ..CoreHeaders::default()
        };
        Self::new_uas_core(invite, &core, local_tag, state)
    }

    /// [`Dialog::new_uas`] with the INVITE's Call-ID, From, To, CSeq and Contact already
    /// parsed (as [`Headers::validate_core`] hands them back); a `None` among the first four
    /// is a missing header. A `None` Contact is looked up in `invite` again, to tell a
    /// missing one from a malformed one.
    pub fn new_uas_core(
        invite: &Headers,
        core: &CoreHeaders<'_>,
        local_tag: &str,
        state: DialogState,
    ) -> Result<Dialog, DialogError> {
        let call_id = core.call_id.ok_or(DialogError::Missing("Call-ID"))?;
        let from = core.from.as_ref().ok_or(DialogError::Missing("From"))?;
        let to = core.to.as_ref().ok_or(DialogError::Missing("To"))?;
        let cseq = core.cseq.as_ref().ok_or(DialogError::Missing("CSeq"))?;
        let remote_target = contact_uri_of(invite, core)?;
        let route_set = record_route_set(invite)?;
        let local_tag_param = [";tag=", local_tag];
        // Our To gets our tag unless it has one (§12.1.1).
        let tag_param: &[&str] = if to.tag().is_some() {
            &[]
        } else {
            &local_tag_param
        };
        let sides = Sides::new(to.as_str(), tag_param, from.as_str(), remote_target);
        Ok(Dialog {
            id: DialogId {
                call_id: call_id.to_owned(),
                local_tag: local_tag.to_owned(),
                remote_tag: from.tag().unwrap_or_default().to_owned(),
            },
            role: Role::Uas,
            state,
            // §12.1.1: the local sequence number is empty; we start ours fresh when we first
            // send a request. Starting at the INVITE's value keeps them unrelated and valid.
            local_seq: 0,
            remote_seq: Some(cseq.seq),
            sides,
            route_set,
        })
    }

    /// The UAC side, made by a response to our INVITE that carries a To tag (§12.1.2): a 1xx
    /// makes an early dialog, a 2xx a confirmed one. `invite_cseq` is the INVITE's CSeq and
    /// `local` our From header value, tag included.
    pub fn new_uac(
        response: &Headers,
        invite_cseq: u32,
        local: &str,
        local_tag: &str,
        status: u16,
    ) -> Result<Dialog, DialogError> {
        let core = CoreHeaders {
            call_id: response.call_id().ok(),
            to: response.to().ok(),
            ..CoreHeaders::default()
        };
        Self::new_uac_core(response, &core, invite_cseq, local, local_tag, status)
    }

    /// [`Dialog::new_uac`] with the response's Call-ID and To (and maybe Contact) already
    /// parsed; a `None` Call-ID or To is a missing header. A `None` Contact is looked up in
    /// `response` again.
    pub fn new_uac_core(
        response: &Headers,
        core: &CoreHeaders<'_>,
        invite_cseq: u32,
        local: &str,
        local_tag: &str,
        status: u16,
    ) -> Result<Dialog, DialogError> {
        let call_id = core.call_id.ok_or(DialogError::Missing("Call-ID"))?;
        let to = core.to.as_ref().ok_or(DialogError::Missing("To"))?;
        let remote_tag = to.tag().ok_or(DialogError::Missing("To tag"))?;
        let remote_target = contact_uri_of(response, core)?;
        let mut route_set = record_route_set(response)?;
        // §12.1.2: the UAC's route set is the Record-Route list in reverse order.
        route_set.reverse();
        Ok(Dialog {
            id: DialogId {
                call_id: call_id.to_owned(),
                local_tag: local_tag.to_owned(),
                remote_tag: remote_tag.to_owned(),
            },
            role: Role::Uac,
            state: if (200..300).contains(&status) {
                DialogState::Confirmed
            } else {
                DialogState::Early
            },
            local_seq: invite_cseq,
            remote_seq: None,
            sides: Sides::new(local, &[], to.as_str(), remote_target),
            route_set,
        })
    }

    /// The dialog ID.
    pub fn id(&self) -> &DialogId {
        &self.id
    }

    /// Which side we are.
    pub fn role(&self) -> Role {
        self.role
    }

    /// Early or confirmed.
    pub fn state(&self) -> DialogState {
        self.state
    }

    /// Where our in-dialog requests are addressed (the Contact of the far end).
    pub fn remote_target(&self) -> &str {
        self.sides.target()
    }

    /// The route set, in the order our requests visit it.
    pub fn route_set(&self) -> &[String] {
        &self.route_set
    }

    /// Our side, tag included: the From of the requests we send.
    pub fn local(&self) -> &str {
        self.sides.local()
    }

    /// Their side, tag included: the To of the requests we send.
    pub fn remote(&self) -> &str {
        self.sides.remote()
    }

    /// Our last CSeq.
    pub fn local_seq(&self) -> u32 {
        self.local_seq
    }

    /// Their last CSeq, if they have sent a request in the dialog.
    pub fn remote_seq(&self) -> Option<u32> {
        self.remote_seq
    }

    /// A 2xx confirmed an early dialog (§12.1.2). The 2xx may carry a new Contact and, for
    /// the UAC, its Record-Route is authoritative (§13.2.2.4).
    pub fn confirm(&mut self, response: &Headers) -> Result<(), DialogError> {
        self.confirm_core(response, &CoreHeaders::default())
    }

    /// [`Dialog::confirm`] with the response's Contact maybe already parsed (a `None` one is
    /// looked up in `response`).
    pub fn confirm_core(
        &mut self,
        response: &Headers,
        core: &CoreHeaders<'_>,
    ) -> Result<(), DialogError> {
        self.state = DialogState::Confirmed;
        if let Ok(target) = contact_uri_of(response, core) {
            self.sides.set_target(target);
        }
        if self.role == Role::Uac {
            let mut route_set = record_route_set(response)?;
            route_set.reverse();
            self.route_set = route_set;
        }
        Ok(())
    }

    /// A 2xx arrived for a target refresh request we sent inside the dialog (a re-INVITE,
    /// an UPDATE): its Contact, if it has one, becomes the remote target (§12.2.1.2). The
    /// route set does not change after the dialog is made (§12.2).
    pub fn refresh_target(&mut self, response: &Headers) {
        if let Ok(target) = contact_uri(response) {
            self.sides.set_target(target);
        }
    }

    /// Checks a request the far end sent inside the dialog and takes its CSeq (§12.2.2).
    ///
    /// A CSeq lower than the last one is out of order: the caller answers 500 Server Internal
    /// Error. ACK and CANCEL reuse the CSeq of the request they belong to and are accepted
    /// with an equal number. A target refresh (re-INVITE, UPDATE) with a Contact moves the
    /// remote target.
    pub fn handle_remote_request(
        &mut self,
        method: &Method,
        request: &Headers,
    ) -> Result<(), DialogError> {
        let core = CoreHeaders {
            cseq: request.cseq().ok(),
            ..CoreHeaders::default()
        };
        self.handle_remote_request_core(method, request, &core)
    }

    /// [`Dialog::handle_remote_request`] with the request's CSeq and maybe Contact already
    /// parsed; a `None` CSeq is a missing one, a `None` Contact is looked up in `request`.
    pub fn handle_remote_request_core(
        &mut self,
        method: &Method,
        request: &Headers,
        core: &CoreHeaders<'_>,
    ) -> Result<(), DialogError> {
        let cseq = core.cseq.as_ref().ok_or(DialogError::Missing("CSeq"))?.seq;
        let reuses_seq = matches!(method, Method::Ack | Method::Cancel);
        if let Some(last) = self.remote_seq {
            if cseq < last || (cseq == last && !reuses_seq) {
                return Err(DialogError::CSeqOutOfOrder { last, got: cseq });
            }
        }
        if !reuses_seq {
            self.remote_seq = Some(cseq);
        }
        if matches!(method, Method::Invite | Method::Update) {
            if let Ok(target) = contact_uri_of(request, core) {
                self.sides.set_target(target);
            }
        }
        Ok(())
    }

    /// Headers for a new request inside the dialog (§12.2.1.1), taking the next local CSeq.
    /// ACK and CANCEL do not take a new CSeq: use [`ack`](Self::ack) for the ACK of a 2xx.
    pub fn next_request(&mut self, method: Method) -> InDialogRequest<'_> {
        self.local_seq = self.local_seq.wrapping_add(1).max(1);
        InDialogRequest::new(self, method, self.local_seq)
    }

    /// Headers for the ACK of a 2xx to the INVITE with CSeq `invite_seq` (§13.2.2.4).
    pub fn ack(&self, invite_seq: u32) -> InDialogRequest<'_> {
        InDialogRequest::new(self, Method::Ack, invite_seq)
    }
}

/// The URI of the first Contact, which a dialog-creating message must carry (§12.1.1).
fn contact_uri(headers: &Headers) -> Result<&str, DialogError> {
    match headers.contact() {
        Ok(Some(contact)) => Ok(contact.uri_str()),
        Ok(None) => Err(DialogError::Missing("Contact")),
        Err(_) => Err(DialogError::Malformed("Contact")),
    }
}

/// The URI of the first Contact: the one in `core` if it was parsed, else read from `headers`
/// (which tells a missing Contact from a malformed one).
fn contact_uri_of<'h>(
    headers: &'h Headers,
    core: &CoreHeaders<'h>,
) -> Result<&'h str, DialogError> {
    match &core.contact {
        Some(contact) => Ok(contact.uri_str()),
        None => contact_uri(headers),
    }
}

/// The Record-Route list as Route header values, top first (§12.1.1, §12.1.2).
fn record_route_set(headers: &Headers) -> Result<Vec<String>, DialogError> {
    let mut route_set = Vec::new();
    for route in headers.record_routes() {
        let route = route.map_err(|_| DialogError::Malformed("Record-Route"))?;
        route_set.push(bracketed(&route));
    }
    Ok(route_set)
}

/// A Record-Route entry as a Route header value: `<uri;params>` (§12.1.1 keeps the URI with
/// its parameters, `lr` among them).
fn bracketed(route: &NameAddr<'_>) -> String {
    format!("<{}>", route.uri_str())
}

/// Our side (the From of our requests, tag included), their side (the To) and the remote
/// target, one after the other in one string: one allocation rather than three, and a new
/// target replaces the old one in place.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Sides {
    text: String,
    /// Where our side ends and theirs begins.
    local_end: usize,
    /// Where their side ends and the target begins.
    remote_end: usize,
}

impl Sides {
    /// `local` (followed by `local_more`), `remote` and `target`.
    fn new(local: &str, local_more: &[&str], remote: &str, target: &str) -> Sides {
        let more: usize = local_more.iter().map(|s| s.len()).sum();
        let mut text = String::with_capacity(local.len() + more + remote.len() + target.len());
        text.push_str(local);
        for s in local_more {
            text.push_str(s);
        }
        let local_end = text.len();
        text.push_str(remote);
        let remote_end = text.len();
        text.push_str(target);
        Sides {
            text,
            local_end,
            remote_end,
        }
    }

    fn local(&self) -> &str {
        self.text.get(..self.local_end).unwrap_or_default()
    }

    fn remote(&self) -> &str {
        self.text
            .get(self.local_end..self.remote_end)
            .unwrap_or_default()
    }

    fn target(&self) -> &str {
        self.text.get(self.remote_end..).unwrap_or_default()
    }

    fn set_target(&mut self, target: &str) {
        self.text.truncate(self.remote_end);
        self.text.push_str(target);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::Message;

    fn headers(text: &str) -> Headers {
        Message::parse(bytes::Bytes::copy_from_slice(text.as_bytes()))
            .unwrap()
            .headers()
            .clone()
    }

    /// Both sides and the target read back as given, and a new target replaces only itself.
    #[test]
    fn sides_and_target_read_back_and_the_target_moves_alone() {
        let invite = headers(
            "INVITE sip:b@h SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bKa\r\n\
             From: \"A\" <sip:a@h>;tag=1\r\nTo: <sip:b@h>\r\nCall-ID: c1@h\r\nCSeq: 5 INVITE\r\n\
             Contact: <sip:a@192.0.2.1:5070>\r\nMax-Forwards: 70\r\n\r\n",
        );
        let mut d = Dialog::new_uas(&invite, "x9", DialogState::Confirmed).unwrap();
        assert_eq!(d.local(), "<sip:b@h>;tag=x9");
        assert_eq!(d.remote(), "\"A\" <sip:a@h>;tag=1");
        assert_eq!(d.remote_target(), "sip:a@192.0.2.1:5070");
        assert_eq!(
            (d.id().call_id.as_str(), d.id().remote_tag.as_str()),
            ("c1@h", "1")
        );
        let refresh = headers(
            "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP h;branch=z9hG4bKb\r\nFrom: <sip:b@h>;tag=x9\r\n\
             To: <sip:a@h>;tag=1\r\nCall-ID: c1@h\r\nCSeq: 1 INVITE\r\n\
             Contact: <sip:a@[2001:db8::1]:5080;transport=tcp>\r\n\r\n",
        );
        d.refresh_target(&refresh);
        assert_eq!(d.remote_target(), "sip:a@[2001:db8::1]:5080;transport=tcp");
        assert_eq!(d.local(), "<sip:b@h>;tag=x9");
        assert_eq!(d.remote(), "\"A\" <sip:a@h>;tag=1");
        // A To that already has a tag keeps it.
        let tagged = headers(
            "INVITE sip:b@h SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bKa\r\n\
             From: <sip:a@h>;tag=1\r\nTo: <sip:b@h>;tag=old\r\nCall-ID: c1@h\r\n\
             CSeq: 5 INVITE\r\nContact: <sip:a@h>\r\nMax-Forwards: 70\r\n\r\n",
        );
        let d = Dialog::new_uas(&tagged, "x9", DialogState::Early).unwrap();
        assert_eq!(d.local(), "<sip:b@h>;tag=old");
    }
}
