//! Decoding exactly one CBOR item from bytes a peer sent.
//!
//! Owns the rule every wire decoder of this crate shares: the input is one complete CBOR item
//! and nothing after it. Trailing bytes would let two different byte strings decode to the same
//! value, which matters wherever bytes are hashed or signed.

use cbor4ii::core::dec::{Read as _, Reference};
use cbor4ii::core::utils::SliceReader;
use serde::Deserialize;

/// Why bytes are not exactly one CBOR item of the expected type. The message names it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExactError {
    #[error("{what} is not valid CBOR: {detail}")]
    Invalid { what: String, detail: String },
    #[error("trailing bytes after the CBOR item of the {what}")]
    Trailing { what: String },
}

/// Decodes `bytes` as one `T` (`what` names it in errors), refusing trailing bytes.
pub fn decode_exact<'a, T: Deserialize<'a>>(bytes: &'a [u8], what: &str) -> Result<T, ExactError> {
    let mut de = cbor4ii::serde::Deserializer::new(SliceReader::new(bytes));
    let value = T::deserialize(&mut de).map_err(|e| ExactError::Invalid {
        what: what.to_owned(),
        detail: e.to_string(),
    })?;
    let mut rest = de.into_inner();
    let trailing = match rest.fill(1) {
        Ok(Reference::Long(b)) => !b.is_empty(),
        Ok(Reference::Short(b)) => !b.is_empty(),
        Err(never) => match never {},
    };
    if trailing {
        return Err(ExactError::Trailing {
            what: what.to_owned(),
        });
    }
    Ok(value)
}

/// For `#[serde(skip_serializing_if = "crate::cbor::is_default")]` on a field added after
/// events were signed: a value left at its default is not written, so an event without the
/// field encodes to the same bytes as before it existed (and its id and signature stay).
pub fn is_default<T: Default + PartialEq>(v: &T) -> bool {
    *v == T::default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_item_and_nothing_more() {
        let mut bytes = cbor4ii::serde::to_vec(Vec::new(), &7u32).unwrap();
        assert_eq!(decode_exact::<u32>(&bytes, "number"), Ok(7));
        bytes.push(0);
        assert_eq!(
            decode_exact::<u32>(&bytes, "number"),
            Err(ExactError::Trailing {
                what: "number".into()
            })
        );
        assert!(matches!(
            decode_exact::<u32>(b"\xff", "number"),
            Err(ExactError::Invalid { .. })
        ));
    }
}
