//! Unsigned numbers written in decimal without `core::fmt` and without allocating: status
//! codes, Content-Length, CSeq numbers, ports and SDP fields.

/// Room for the longest `u64` in decimal (20 digits).
pub(crate) type Digits = [u8; 20];

/// `n` in decimal, written at the end of `digits` (the returned slice).
pub(crate) fn decimal(mut n: u64, digits: &mut Digits) -> &[u8] {
    let mut i = digits.len();
    loop {
        i -= 1;
        if let Some(d) = digits.get_mut(i) {
            *d = b'0' + (n % 10) as u8;
        }
        n /= 10;
        if n == 0 || i == 0 {
            break;
        }
    }
    digits.get(i..).unwrap_or(&[])
}

/// Appends `n` in decimal to `out`.
pub(crate) fn push_decimal(out: &mut Vec<u8>, n: impl Into<u64>) {
    out.extend_from_slice(decimal(n.into(), &mut [0; 20]));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edges_of_every_width() {
        let mut d = [0; 20];
        assert_eq!(decimal(0, &mut d), b"0");
        assert_eq!(decimal(7, &mut d), b"7");
        assert_eq!(decimal(10, &mut d), b"10");
        assert_eq!(decimal(65_535, &mut d), b"65535");
        assert_eq!(decimal(4_294_967_295, &mut d), b"4294967295");
        assert_eq!(decimal(u64::MAX, &mut d), b"18446744073709551615");
        let mut out = b"x".to_vec();
        push_decimal(&mut out, 5060u16);
        push_decimal(&mut out, 0u8);
        assert_eq!(out, b"x50600");
    }
}
