//! Identifiers drawn from the endpoint's seed: tags, branches, Call-IDs (RFC 3261 §19.3),
//! SSRCs and initial RTP sequence numbers and timestamps (RFC 3550 §5.1).
//!
//! Nothing here reads the OS: the same seed gives the same identifiers, so simulations replay.

use rtp_proto::SeededRng;

/// The magic cookie that starts every RFC 3261 branch (§8.1.1.7).
pub(crate) const MAGIC_COOKIE: &str = "z9hG4bK";

/// Characters in one of our branches: the magic cookie and 16 base32 characters.
const BRANCH_LEN: usize = MAGIC_COOKIE.len() + 16;

/// One of our branches, kept inline (no allocation).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Branch([u8; BRANCH_LEN]);

impl Branch {
    /// The branch as text.
    pub(crate) fn as_str(&self) -> &str {
        // invariant: the magic cookie and ALPHABET characters, all ASCII.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }
}

const ALPHABET: &[u8; 32] = b"0123456789abcdefghijklmnopqrstuv";

/// One of our From/To tags: 12 base32 characters, kept inline (no allocation), ordered and
/// compared as the text they are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct Tag([u8; TAG_LEN]);

/// Characters in one of our tags: 60 random bits.
const TAG_LEN: usize = 12;

impl Tag {
    /// The tag as text.
    pub(crate) fn as_str(&self) -> &str {
        // invariant: made from ALPHABET (ASCII) or from a `&str` of exactly this length.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }

    /// `text` as a tag to look ours up by: `None` when it cannot be one of ours.
    pub(crate) fn lookup(text: &str) -> Option<Tag> {
        text.as_bytes().try_into().ok().map(Tag)
    }
}

/// Identifiers for one endpoint.
#[derive(Debug, Clone)]
pub(crate) struct Ids {
    rng: SeededRng,
}

impl Ids {
    pub(crate) fn new(seed: u64) -> Self {
        Ids {
            rng: SeededRng::new(seed),
        }
    }

    /// Appends `len` characters of base32: 5 random bits each.
    fn push_token(&mut self, out: &mut String, len: usize) {
        let mut bits = 0u64;
        let mut left = 0;
        for _ in 0..len {
            if left < 5 {
                bits = self.rng.next_u64();
                left = 64;
            }
            out.push(char::from(ALPHABET[(bits & 31) as usize]));
            bits >>= 5;
            left -= 5;
        }
    }

    /// Fills `out` with base32 characters: 5 random bits each.
    fn fill_token(&mut self, out: &mut [u8]) {
        let mut bits = 0u64;
        let mut left = 0;
        for c in out {
            if left < 5 {
                bits = self.rng.next_u64();
                left = 64;
            }
            *c = ALPHABET[(bits & 31) as usize];
            bits >>= 5;
            left -= 5;
        }
    }

    /// A From or To tag: 60 random bits (§19.3 asks for at least 32).
    pub(crate) fn tag(&mut self) -> Tag {
        let mut tag = [0; TAG_LEN];
        self.fill_token(&mut tag);
        Tag(tag)
    }

    /// A branch: the magic cookie and 80 random bits, unique per transaction (§8.1.1.7).
    pub(crate) fn branch(&mut self) -> Branch {
        let mut branch = [0; BRANCH_LEN];
        let (cookie, token) = branch.split_at_mut(MAGIC_COOKIE.len());
        cookie.copy_from_slice(MAGIC_COOKIE.as_bytes());
        self.fill_token(token);
        Branch(branch)
    }

    /// A Call-ID: 100 random bits at our host (§8.1.1.4).
    pub(crate) fn call_id(&mut self, host: &str) -> String {
        let mut id = String::with_capacity(20 + 1 + host.len());
        self.push_token(&mut id, 20);
        id.push('@');
        id.push_str(host);
        id
    }

    /// A random 32-bit value (SSRCs, RTP timestamps, SDP session ids).
    pub(crate) fn u32(&mut self) -> u32 {
        self.rng.next_u32()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_identifiers_different_seed_different_ones() {
        let mut a = Ids::new(7);
        let mut b = Ids::new(7);
        let mut c = Ids::new(8);
        let (ta, tb, tc) = (a.tag(), b.tag(), c.tag());
        assert_eq!(ta, tb);
        assert_ne!(ta, tc);
        assert_eq!(ta.as_str().len(), 12);
        assert_eq!(Tag::lookup(ta.as_str()), Some(ta));
        assert_eq!(Tag::lookup("short"), None);
    }

    #[test]
    fn branches_carry_the_magic_cookie_and_do_not_repeat() {
        let mut ids = Ids::new(1);
        let branches: std::collections::BTreeSet<String> = (0..1000)
            .map(|_| ids.branch().as_str().to_owned())
            .collect();
        assert_eq!(branches.len(), 1000);
        assert!(branches
            .iter()
            .all(|b| b.starts_with("z9hG4bK") && b.len() == 23));
    }

    #[test]
    fn call_ids_name_the_host() {
        let id = Ids::new(3).call_id("192.0.2.1");
        assert!(id.ends_with("@192.0.2.1"));
        assert_eq!(id.len(), 20 + 1 + 9);
    }
}
