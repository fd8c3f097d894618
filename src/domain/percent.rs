//! Percent-encoding (RFC 3986 §2.1) as the ledger writes it: every byte outside the unreserved
//! set `A-Z a-z 0-9 - . _ ~` as `%XX` with uppercase hex. Label serials, URN segments and
//! EPCs in paths all use it.

/// `text` with every byte outside the unreserved set percent-encoded.
pub fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 3);
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push('%');
            out.push(hex_upper(b >> 4));
            out.push(hex_upper(b & 0x0F));
        }
    }
    out
}

/// Uppercase hex digit for a nibble (0..=15).
fn hex_upper(nibble: u8) -> char {
    char::from(b"0123456789ABCDEF"[usize::from(nibble & 0x0F)])
}

/// Why a text does not decode: the 1-based byte position of the fault.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DecodeError {
    pub position: usize,
}

/// Decodes `%XX` (either case of hex) and checks that the result is UTF-8.
pub fn decode(text: &str) -> Result<String, DecodeError> {
    let bytes = text.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = |j: usize| bytes.get(j).and_then(|b| (*b as char).to_digit(16));
            match (hex(i + 1), hex(i + 2)) {
                (Some(hi), Some(lo)) => {
                    // Two hex digits are at most 0xFF.
                    decoded.push((hi * 16 + lo) as u8);
                    i += 3;
                }
                _ => return Err(DecodeError { position: i + 1 }),
            }
        } else {
            decoded.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(decoded).map_err(|e| DecodeError {
        position: e.utf8_error().valid_up_to() + 1,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_names_the_fault() {
        assert_eq!(encode("A/B %é"), "A%2FB%20%25%C3%A9");
        assert_eq!(decode("A%2fB%20%25%C3%A9").unwrap(), "A/B %é");
        assert_eq!(decode("A%2"), Err(DecodeError { position: 2 }));
        assert_eq!(decode("A%FF"), Err(DecodeError { position: 2 }));
    }
}
