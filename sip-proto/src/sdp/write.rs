//! Serialization in RFC 8866 §5 order with CRLF line ends.
//!
//! ```text
//! v= o= s= i= u= e=* p=* c= b=* (t= r=*)* z= k= a=*
//! then per media: m= i= c=* b=* k= a=*
//! ```
//!
//! The writer trusts its input: text fields must not contain CR or LF (values parsed by this
//! crate never do). Parsing the output gives back an equal [`SessionDescription`], and
//! writing a parsed description is a fixed point (both are property-tested).

use core::fmt;

use super::media::MediaDescription;
use super::session::SessionDescription;

impl SessionDescription<'_> {
    /// Appends the description to `out`, one CRLF-terminated line per field.
    pub fn write(&self, out: &mut Vec<u8>) {
        let mut w = VecWriter(out);
        // invariant: VecWriter::write_str never fails and the Display impls of this module
        // only forward its result, so the fmt::Result is always Ok.
        let _ = fmt::Write::write_fmt(&mut w, format_args!("{self}"));
    }

    /// The description as a byte vector (a convenience over [`SessionDescription::write`]).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.write(&mut out);
        out
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
