//! The private input of a run, built record by record.

use serde::Serialize;

use crate::SdkError;

/// The private input of a run: raw bytes and *records*, in the order written.
///
/// A record is a 4-byte little-endian length, then that many bytes; a guest reads the next one
/// with `tessera_guest::io::read_record()` (C: `tessera_read_record`). [`Stdin::write`] makes a
/// record of a value in the postcard encoding of serde (<https://postcard.jamesmunns.com/wire-format>),
/// which `tessera_guest::io::read::<T>()` decodes. Raw bytes ([`Stdin::write_raw`], or
/// `cargo tessera run --input FILE`) are read as they are (`io::read_into`, `io::read_vec`).
/// Like all private input, records are not proven: the guest checks what it needs to.
///
/// ```
/// use tessera_sdk::Stdin;
///
/// let mut stdin = Stdin::new();
/// stdin.write(&(1000u32, "sort")).unwrap();
/// stdin.write_bytes(b"raw record");
/// // 4-byte length, then postcard: 1000 as a varint (0xe8 0x07), "sort" with its length.
/// assert_eq!(&stdin.as_bytes()[..11], &[7, 0, 0, 0, 0xe8, 0x07, 4, b's', b'o', b'r', b't']);
/// let input: Vec<u8> = stdin.into(); // what `Sdk::execute`, `Sdk::prove`, ... take
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Stdin {
    bytes: Vec<u8>,
}

impl Stdin {
    /// An empty input.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends `value` as one record, in the postcard encoding.
    pub fn write<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<&mut Self, SdkError> {
        let bytes = postcard::to_allocvec(value)
            .map_err(|e| SdkError::Encode(format!("cannot encode a record: {e}")))?;
        self.record(&bytes)
    }

    /// Appends `bytes` as one record.
    ///
    /// # Panics
    /// If `bytes` is 4 GiB or longer (a record's length is a `u32`).
    pub fn write_bytes(&mut self, bytes: &[u8]) -> &mut Self {
        self.record(bytes)
            .expect("a record is shorter than 4 GiB (its length is a u32)")
    }

    /// Appends `bytes` as they are, for a guest that reads raw bytes.
    pub fn write_raw(&mut self, bytes: &[u8]) -> &mut Self {
        self.bytes.extend_from_slice(bytes);
        self
    }

    /// The input as the guest reads it.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The input as the guest reads it.
    pub fn into_bytes(self) -> Vec<u8> {
        self.bytes
    }

    fn record(&mut self, bytes: &[u8]) -> Result<&mut Self, SdkError> {
        let len = u32::try_from(bytes.len()).map_err(|_| {
            SdkError::Encode(format!(
                "a record of {} bytes is too long (at most 4 GiB - 1)",
                bytes.len()
            ))
        })?;
        self.bytes.extend_from_slice(&len.to_le_bytes());
        self.bytes.extend_from_slice(bytes);
        Ok(self)
    }
}

impl From<Stdin> for Vec<u8> {
    fn from(stdin: Stdin) -> Vec<u8> {
        stdin.bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_are_length_prefixed_postcard() {
        let mut stdin = Stdin::new();
        stdin.write_raw(&[9]);
        stdin.write(&u32::MAX).unwrap();
        stdin.write_bytes(b"");
        stdin.write(&vec![1u8, 2]).unwrap();
        assert_eq!(
            stdin.as_bytes(),
            [
                9, // raw
                5, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0x0f, // u32::MAX as a varint
                0, 0, 0, 0, // an empty record
                3, 0, 0, 0, 2, 1, 2, // a Vec: its length, then the bytes
            ]
        );
    }

    #[test]
    fn a_value_serde_cannot_encode_is_an_error() {
        struct Unknown;
        impl Serialize for Unknown {
            fn serialize<S: serde::Serializer>(&self, _: S) -> Result<S::Ok, S::Error> {
                Err(serde::ser::Error::custom("no encoding"))
            }
        }
        let err = Stdin::new().write(&Unknown).unwrap_err();
        assert!(
            err.to_string().contains("cannot encode a record: "),
            "{err}"
        );
    }
}
