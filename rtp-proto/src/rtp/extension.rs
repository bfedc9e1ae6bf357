//! RTP header extension elements (RFC 8285): the one-byte and two-byte forms.
//!
//! ```text
//! one-byte (§4.2):  0xBE 0xDE | length | ID(4) L(4) | L+1 octets of data | ...
//! two-byte (§4.3):  0x100 appbits(4) | length | ID(8) | L(8) | L octets of data | ...
//! ```
//! Elements are packed back to back; zero octets between them are padding. In the one-byte
//! form ID 15 stops processing (§4.2). [`HeaderExtension::elements`] walks a received
//! extension; [`emit_elements`] writes a list into a caller buffer, padded to 32 bits, ready
//! to be the `data` of an [`RtpHeader`](super::RtpHeader)'s extension.

use super::HeaderExtension;
use crate::error::{ensure_len, EmitError};
use core::fmt;

/// The "defined by profile" value of the one-byte form (RFC 8285 §4.2).
pub const ONE_BYTE_PROFILE: u16 = 0xBEDE;
/// The two-byte form's value with its 4 application bits cleared (RFC 8285 §4.3).
pub const TWO_BYTE_PROFILE: u16 = 0x1000;
/// Mask selecting the two-byte form's fixed 12 bits.
const TWO_BYTE_MASK: u16 = 0xFFF0;
/// The one-byte form's reserved ID that ends processing (RFC 8285 §4.2).
const ONE_BYTE_STOP_ID: u8 = 15;

/// One extension element: a local identifier (negotiated with `a=extmap`, RFC 8285 §5) and
/// its data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExtensionElement<'a> {
    /// The ID: 1..=14 in the one-byte form, 1..=255 in the two-byte form.
    pub id: u8,
    /// The data: 1..=16 octets in the one-byte form, 0..=255 in the two-byte form.
    pub data: &'a [u8],
}

/// Which RFC 8285 form an extension uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExtensionForm {
    /// One-byte headers, profile 0xBEDE (§4.2).
    OneByte,
    /// Two-byte headers, profile 0x100X; `appbits` is the low nibble (§4.3).
    TwoByte {
        /// The 4 application-dependent bits.
        appbits: u8,
    },
}

impl ExtensionForm {
    /// The form a "defined by profile" value names, or `None` if it is not RFC 8285.
    pub fn from_profile(profile: u16) -> Option<Self> {
        if profile == ONE_BYTE_PROFILE {
            Some(Self::OneByte)
        } else if profile & TWO_BYTE_MASK == TWO_BYTE_PROFILE {
            // The mask leaves 4 bits.
            Some(Self::TwoByte {
                appbits: (profile & 0x000F) as u8,
            })
        } else {
            None
        }
    }

    /// The "defined by profile" value for this form.
    pub fn profile(self) -> u16 {
        match self {
            Self::OneByte => ONE_BYTE_PROFILE,
            Self::TwoByte { appbits } => TWO_BYTE_PROFILE | u16::from(appbits & 0x0F),
        }
    }

    /// The smallest form that can carry every element, one-byte when it can (RFC 8285 §4.1).
    ///
    /// The one-byte form needs IDs 1..=14 and 1..=16 octets of data; otherwise the two-byte
    /// form takes IDs 1..=255 and 0..=255 octets. `None` when an element fits neither.
    pub fn smallest_for(elements: &[ExtensionElement<'_>]) -> Option<Self> {
        let one = elements
            .iter()
            .all(|e| (1..=14).contains(&e.id) && (1..=16).contains(&e.data.len()));
        if one {
            return Some(Self::OneByte);
        }
        let two = elements.iter().all(|e| e.id != 0 && e.data.len() <= 255);
        two.then_some(Self::TwoByte { appbits: 0 })
    }
}

/// Why an extension element could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ExtensionError {
    /// An element's length runs past the end of the extension.
    Overrun {
        /// The element's ID.
        id: u8,
    },
}

impl fmt::Display for ExtensionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Overrun { id } => write!(
                f,
                "RTP header extension element {id} runs past the end of the extension"
            ),
        }
    }
}

impl std::error::Error for ExtensionError {}

impl<'a> HeaderExtension<'a> {
    /// The RFC 8285 elements of this extension, or `None` if its profile value is neither
    /// form.
    pub fn elements(&self) -> Option<ExtensionElements<'a>> {
        Some(ExtensionElements {
            form: ExtensionForm::from_profile(self.profile)?,
            rest: self.data,
        })
    }
}

/// Iterator over the elements of a received extension.
///
/// Padding octets are skipped; an element that overruns is yielded once as an error and ends
/// the walk, as does the one-byte form's ID 15. Each step consumes at least one octet.
#[derive(Debug, Clone)]
pub struct ExtensionElements<'a> {
    form: ExtensionForm,
    rest: &'a [u8],
}

impl<'a> ExtensionElements<'a> {
    /// The form being read.
    pub fn form(&self) -> ExtensionForm {
        self.form
    }
}

impl<'a> Iterator for ExtensionElements<'a> {
    type Item = Result<ExtensionElement<'a>, ExtensionError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let (&first, tail) = self.rest.split_first()?;
            if first == 0 {
                // Padding between elements (§4.1), both forms.
                self.rest = tail;
                continue;
            }
            let (id, len, tail) = match self.form {
                ExtensionForm::OneByte => {
                    let id = first >> 4;
                    if id == ONE_BYTE_STOP_ID {
                        self.rest = &[];
                        return None;
                    }
                    if id == 0 {
                        // ID 0 with a non-zero length: §4.2 says treat as padding-like and
                        // ignore the octet.
                        self.rest = tail;
                        continue;
                    }
                    (id, usize::from(first & 0x0F) + 1, tail)
                }
                ExtensionForm::TwoByte { .. } => {
                    let Some((&len, tail)) = tail.split_first() else {
                        self.rest = &[];
                        return Some(Err(ExtensionError::Overrun { id: first }));
                    };
                    (first, usize::from(len), tail)
                }
            };
            return match tail.split_at_checked(len) {
                Some((data, rest)) => {
                    self.rest = rest;
                    Some(Ok(ExtensionElement { id, data }))
                }
                None => {
                    self.rest = &[];
                    Some(Err(ExtensionError::Overrun { id }))
                }
            };
        }
    }
}

/// Bytes [`emit_elements`] writes for `elements` in `form`, padding to 32 bits included.
pub fn elements_len(elements: &[ExtensionElement<'_>], form: ExtensionForm) -> usize {
    let header = match form {
        ExtensionForm::OneByte => 1,
        ExtensionForm::TwoByte { .. } => 2,
    };
    let raw: usize = elements.iter().map(|e| header + e.data.len()).sum();
    raw.div_ceil(4) * 4
}

/// Writes `elements` in `form` into `buf`, zero-padded to a 32-bit boundary, and returns the
/// length. Use `form.profile()` and `&buf[..len]` as the [`HeaderExtension`].
///
/// # Errors
/// [`EmitError::BufferTooSmall`] if `buf` is short; [`EmitError::FieldOutOfRange`] for an
/// element the form cannot carry (see [`ExtensionForm::smallest_for`]).
pub fn emit_elements(
    buf: &mut [u8],
    elements: &[ExtensionElement<'_>],
    form: ExtensionForm,
) -> Result<usize, EmitError> {
    for e in elements {
        let ok = match form {
            ExtensionForm::OneByte => (1..=14).contains(&e.id) && (1..=16).contains(&e.data.len()),
            ExtensionForm::TwoByte { .. } => e.id != 0 && e.data.len() <= 255,
        };
        if !ok {
            return Err(EmitError::FieldOutOfRange {
                field: "extension element",
            });
        }
    }
    let len = elements_len(elements, form);
    ensure_len(buf, len)?;
    let mut at = 0;
    for e in elements {
        // Lengths were checked above; buf holds `len` octets.
        match form {
            ExtensionForm::OneByte => {
                buf[at] = (e.id << 4) | (e.data.len() - 1) as u8;
                at += 1;
            }
            ExtensionForm::TwoByte { .. } => {
                buf[at] = e.id;
                buf[at + 1] = e.data.len() as u8;
                at += 2;
            }
        }
        buf[at..at + e.data.len()].copy_from_slice(e.data);
        at += e.data.len();
    }
    buf[at..len].fill(0);
    Ok(len)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rtp::{RtpHeader, RtpPacket};
    use proptest::prelude::*;

    fn read(profile: u16, data: &[u8]) -> Vec<Result<ExtensionElement<'_>, ExtensionError>> {
        HeaderExtension { profile, data }
            .elements()
            .unwrap()
            .collect()
    }

    #[test]
    fn one_byte_with_padding_and_stop() {
        // id 1 len 1, padding, id 2 len 3, then stop (15) hides the rest.
        let data = [0x10, 0xaa, 0, 0x22, 1, 2, 3, 0xf0, 0x30, 9, 0, 0];
        assert_eq!(
            read(ONE_BYTE_PROFILE, &data),
            vec![
                Ok(ExtensionElement {
                    id: 1,
                    data: &[0xaa]
                }),
                Ok(ExtensionElement {
                    id: 2,
                    data: &[1, 2, 3]
                }),
            ]
        );
        // An element longer than what remains.
        assert_eq!(
            read(ONE_BYTE_PROFILE, &[0x13, 1, 2, 0]),
            vec![Err(ExtensionError::Overrun { id: 1 })]
        );
        assert!(HeaderExtension {
            profile: 0x1234,
            data: &[]
        }
        .elements()
        .is_none());
    }

    #[test]
    fn two_byte_form_with_empty_element() {
        let data = [7, 0, 0, 200, 2, 5, 6, 0];
        assert_eq!(
            read(0x1003, &data),
            vec![
                Ok(ExtensionElement { id: 7, data: &[] }),
                Ok(ExtensionElement {
                    id: 200,
                    data: &[5, 6]
                }),
            ]
        );
        assert_eq!(
            ExtensionForm::from_profile(0x1003),
            Some(ExtensionForm::TwoByte { appbits: 3 })
        );
        assert_eq!(
            read(0x1000, &[9]),
            vec![Err(ExtensionError::Overrun { id: 9 })]
        );
    }

    #[test]
    fn emit_exact_bytes_inside_an_rtp_packet() {
        let elements = [
            ExtensionElement {
                id: 3,
                data: &[0x80],
            },
            ExtensionElement {
                id: 1,
                data: &[1, 2],
            },
        ];
        let form = ExtensionForm::smallest_for(&elements).unwrap();
        assert_eq!(form, ExtensionForm::OneByte);
        let mut ext = [0xffu8; 8];
        let n = emit_elements(&mut ext, &elements, form).unwrap();
        assert_eq!(&ext[..n], &[0x30, 0x80, 0x11, 1, 2, 0, 0, 0][..n]);
        assert_eq!(n, 8);
        let header = RtpHeader {
            extension: Some(HeaderExtension {
                profile: form.profile(),
                data: &ext[..n],
            }),
            ..RtpHeader::default()
        };
        let mut pkt = [0u8; 64];
        let len = header.emit(&mut pkt, &[]).unwrap();
        let p = RtpPacket::new_checked(&pkt[..len]).unwrap();
        let got: Vec<_> = p.extension().unwrap().elements().unwrap().collect();
        assert_eq!(got, elements.map(Ok).to_vec());
        // ID 15 and empty data need the two-byte form; ID 0 fits neither.
        let wide = [ExtensionElement { id: 15, data: &[] }];
        assert_eq!(
            ExtensionForm::smallest_for(&wide),
            Some(ExtensionForm::TwoByte { appbits: 0 })
        );
        assert!(emit_elements(&mut pkt, &wide, ExtensionForm::OneByte).is_err());
        assert_eq!(
            ExtensionForm::smallest_for(&[ExtensionElement { id: 0, data: &[1] }]),
            None
        );
    }

    /// Elements for one form: IDs and lengths each form allows (RFC 8285 §4.2, §4.3).
    fn arb_elements(two_byte: bool) -> impl Strategy<Value = Vec<(u8, Vec<u8>)>> {
        let (ids, lens) = if two_byte {
            (1u8..=255, 0usize..=255)
        } else {
            (1u8..=14, 1usize..=16)
        };
        proptest::collection::vec(
            (ids, lens)
                .prop_flat_map(|(id, len)| (Just(id), proptest::collection::vec(any::<u8>(), len))),
            0..6,
        )
    }

    /// (two-byte form, appbits, elements, CSRCs, padding, payload, fixed fields).
    type PacketSpec = (
        bool,
        u8,
        Vec<(u8, Vec<u8>)>,
        Vec<u32>,
        u8,
        Vec<u8>,
        (bool, u8, u16, u32, u32),
    );

    fn arb_packet() -> impl Strategy<Value = PacketSpec> {
        (any::<bool>(), 0u8..16).prop_flat_map(|(two_byte, appbits)| {
            (
                Just(two_byte),
                Just(appbits),
                arb_elements(two_byte),
                proptest::collection::vec(any::<u32>(), 0..=15),
                any::<u8>(),
                proptest::collection::vec(any::<u8>(), 0..200),
                (
                    any::<bool>(),
                    0u8..128,
                    any::<u16>(),
                    any::<u32>(),
                    any::<u32>(),
                ),
            )
        })
    }

    proptest! {
        #[test]
        fn round_trip(spec in proptest::collection::vec((1u8..=255, proptest::collection::vec(any::<u8>(), 0..40)), 0..8)) {
            let elements: Vec<ExtensionElement<'_>> =
                spec.iter().map(|(id, d)| ExtensionElement { id: *id, data: d }).collect();
            let form = ExtensionForm::smallest_for(&elements).unwrap();
            let mut buf = vec![0u8; elements_len(&elements, form)];
            let n = emit_elements(&mut buf, &elements, form).unwrap();
            prop_assert_eq!(n % 4, 0);
            let ext = HeaderExtension { profile: form.profile(), data: &buf[..n] };
            let got: Vec<_> = ext.elements().unwrap().collect::<Result<_, _>>().unwrap();
            prop_assert_eq!(got, elements);
        }

        /// A whole RTP packet: CSRCs, padding and an extension in either RFC 8285 form, written
        /// by the builder and read back by the checked view.
        #[test]
        fn packet_with_csrcs_padding_and_either_form(
            (two_byte, appbits, spec, csrcs, padding, payload, fixed) in arb_packet()
        ) {
            let elements: Vec<ExtensionElement<'_>> =
                spec.iter().map(|(id, d)| ExtensionElement { id: *id, data: d }).collect();
            let form = if two_byte { ExtensionForm::TwoByte { appbits } } else { ExtensionForm::OneByte };
            let mut ext = vec![0u8; elements_len(&elements, form)];
            let n = emit_elements(&mut ext, &elements, form).unwrap();
            let header = crate::rtp::RtpHeader {
                marker: fixed.0,
                payload_type: fixed.1,
                sequence_number: fixed.2,
                timestamp: fixed.3,
                ssrc: fixed.4,
                csrcs: csrcs.iter().copied().collect(),
                extension: Some(HeaderExtension { profile: form.profile(), data: &ext[..n] }),
                padding,
            };
            let mut buf = vec![0u8; header.packet_len(payload.len())];
            let len = header.emit(&mut buf, &payload).unwrap();
            let packet = crate::rtp::RtpPacket::new_checked(&buf[..len]).unwrap();
            prop_assert_eq!(packet.payload(), &payload[..]);
            prop_assert_eq!(packet.padding_len(), padding);
            prop_assert_eq!(packet.csrcs().collect::<Vec<_>>(), csrcs);
            let got = packet.extension().unwrap().elements().unwrap();
            prop_assert_eq!(got.form(), form);
            prop_assert_eq!(got.collect::<Result<Vec<_>, _>>().unwrap(), elements);
            prop_assert_eq!(crate::rtp::RtpHeader::parse(&packet), header);
        }

        #[test]
        fn never_panics(two in any::<bool>(), data in proptest::collection::vec(any::<u8>(), 0..64)) {
            let profile = if two { TWO_BYTE_PROFILE } else { ONE_BYTE_PROFILE };
            let n = HeaderExtension { profile, data: &data }.elements().unwrap().count();
            prop_assert!(n <= data.len());
        }
    }
}
