//! What the host gives a run, built record by record: the private input, the hint stream and
//! the key-value store.

use std::{collections::BTreeMap, path::Path};

use serde::Serialize;
use tessera_arch::GuestInput;

use crate::SdkError;

/// What the host gives a run: the private input (fd 0), the hint stream (fd 4) and the
/// key-value store. The input and the hints are raw bytes and *records*, in the order written.
///
/// A record is a 4-byte little-endian length, then that many bytes; a guest reads the next one
/// with `tessera_guest::io::read_record()` (C: `tessera_read_record`). [`Stdin::write`] makes a
/// record of a value in the postcard encoding of serde (<https://postcard.jamesmunns.com/wire-format>),
/// which `tessera_guest::io::read::<T>()` decodes. Raw bytes ([`Stdin::write_raw`], or
/// `cargo tessera run --input FILE`) are read as they are (`io::read_into`, `io::read_vec`).
/// Like all private input, records are not proven: the guest checks what it needs to.
///
/// Hints ([`Stdin::hint`], [`Stdin::hint_bytes`]; `io::read_hint::<T>()` in the guest) are
/// encoded the same way, on their own stream: advice for "compute outside, check inside",
/// such as a square root the guest squares instead of computing it. Values of the key-value
/// store ([`Stdin::kv_insert`]; `tessera_guest::kv::get(key)` in the guest) are found by key;
/// the guest must check them too, for example against a hash it knows.
///
/// ```
/// use tessera_sdk::Stdin;
///
/// let mut stdin = Stdin::new();
/// stdin.write(&(1000u32, "sort")).unwrap();
/// stdin.write_bytes(b"raw record");
/// // 4-byte length, then postcard: 1000 as a varint (0xe8 0x07), "sort" with its length.
/// assert_eq!(&stdin.as_bytes()[..11], &[7, 0, 0, 0, 0xe8, 0x07, 4, b's', b'o', b'r', b't']);
/// stdin.hint(&12u32).unwrap(); // e.g. the square root of 144, for the guest to check
/// stdin.kv_insert("greeting", b"hello".to_vec());
/// let input: tessera_sdk::GuestInput = stdin.into(); // what `Sdk::execute`, `Sdk::prove`, ... take
/// assert_eq!(input.hints, [1, 0, 0, 0, 12]);
/// assert_eq!(input.kv[&b"greeting"[..]], b"hello");
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Stdin {
    bytes: Vec<u8>,
    hints: Vec<u8>,
    kv: BTreeMap<Vec<u8>, Vec<u8>>,
}

impl Stdin {
    /// An empty input.
    ///
    /// ```
    /// use tessera_sdk::{GuestInput, Stdin};
    ///
    /// let input: GuestInput = Stdin::new().into();
    /// assert!(input.stdin.is_empty() && input.hints.is_empty() && input.kv.is_empty());
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends `value` as one record, in the postcard encoding.
    ///
    /// ```
    /// let mut stdin = tessera_sdk::Stdin::new();
    /// stdin.write(&300u32)?.write(&[1u8, 2])?;
    /// // Length, then postcard: 300 as a varint; a fixed-size array without its length.
    /// assert_eq!(stdin.as_bytes(), [2, 0, 0, 0, 0xac, 0x02, 2, 0, 0, 0, 1, 2]);
    /// # Ok::<(), tessera_sdk::SdkError>(())
    /// ```
    pub fn write<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<&mut Self, SdkError> {
        push_record(&mut self.bytes, &encode(value)?)?;
        Ok(self)
    }

    /// Appends `bytes` as one record.
    ///
    /// # Panics
    /// If `bytes` is 4 GiB or longer (a record's length is a `u32`).
    ///
    /// ```
    /// let mut stdin = tessera_sdk::Stdin::new();
    /// stdin.write_bytes(b"abc"); // `io::read_record()` in the guest
    /// assert_eq!(stdin.as_bytes(), b"\x03\x00\x00\x00abc");
    /// ```
    pub fn write_bytes(&mut self, bytes: &[u8]) -> &mut Self {
        push_record(&mut self.bytes, bytes)
            .expect("a record is shorter than 4 GiB (its length is a u32)");
        self
    }

    /// Appends `bytes` as they are, for a guest that reads raw bytes.
    ///
    /// ```
    /// use tessera_sdk::{Sdk, Stdin};
    ///
    /// # std::env::set_current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../..")).unwrap();
    /// let mut stdin = Stdin::new();
    /// stdin.write_raw(&10u32.to_le_bytes()); // c-fibonacci reads a raw u32
    /// let sdk = Sdk::default();
    /// let exe = sdk.load_elf_file("examples/elf/c-fibonacci.elf")?;
    /// let report = sdk.execute(&exe, stdin, None)?;
    /// assert_eq!(report.output.public_output, 55u32.to_le_bytes());
    /// # Ok::<(), tessera_sdk::SdkError>(())
    /// ```
    pub fn write_raw(&mut self, bytes: &[u8]) -> &mut Self {
        self.bytes.extend_from_slice(bytes);
        self
    }

    /// Appends `value` to the hint stream as one record, in the postcard encoding.
    ///
    /// ```
    /// use tessera_sdk::{GuestInput, Stdin};
    ///
    /// let mut stdin = Stdin::new();
    /// stdin.hint(&12u32)?; // `io::read_hint::<u32>()` in the guest
    /// let input: GuestInput = stdin.into();
    /// assert_eq!(input.hints, [1, 0, 0, 0, 12]);
    /// assert!(input.stdin.is_empty());
    /// # Ok::<(), tessera_sdk::SdkError>(())
    /// ```
    pub fn hint<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<&mut Self, SdkError> {
        push_record(&mut self.hints, &encode(value)?)?;
        Ok(self)
    }

    /// Appends `bytes` to the hint stream as one record.
    ///
    /// # Panics
    /// If `bytes` is 4 GiB or longer (a record's length is a `u32`).
    ///
    /// ```
    /// use tessera_sdk::{GuestInput, Stdin};
    ///
    /// let mut stdin = Stdin::new();
    /// stdin.hint_bytes(b"ab");
    /// assert_eq!(GuestInput::from(stdin).hints, [2, 0, 0, 0, b'a', b'b']);
    /// ```
    pub fn hint_bytes(&mut self, bytes: &[u8]) -> &mut Self {
        push_record(&mut self.hints, bytes)
            .expect("a record is shorter than 4 GiB (its length is a u32)");
        self
    }

    /// Appends `bytes` to the hint stream as they are.
    ///
    /// ```
    /// use tessera_sdk::{GuestInput, Stdin};
    ///
    /// let mut stdin = Stdin::new();
    /// stdin.hint_raw(&[1, 2]).hint_raw(&[3]);
    /// assert_eq!(GuestInput::from(stdin).hints, [1, 2, 3]);
    /// ```
    pub fn hint_raw(&mut self, bytes: &[u8]) -> &mut Self {
        self.hints.extend_from_slice(bytes);
        self
    }

    /// Puts `value` in the key-value store under `key` (replacing an earlier value).
    ///
    /// ```
    /// use tessera_sdk::{GuestInput, Stdin};
    ///
    /// let mut stdin = Stdin::new();
    /// stdin.kv_insert("greeting", b"hi".to_vec()).kv_insert("greeting", b"hello".to_vec());
    /// let input = GuestInput::from(stdin); // `kv::get(b"greeting")` in the guest
    /// assert_eq!(input.kv[&b"greeting"[..]], b"hello");
    /// ```
    pub fn kv_insert(&mut self, key: impl Into<Vec<u8>>, value: Vec<u8>) -> &mut Self {
        self.kv.insert(key.into(), value);
        self
    }

    /// The private input as the guest reads it.
    ///
    /// ```
    /// let mut stdin = tessera_sdk::Stdin::new();
    /// stdin.write_raw(b"raw").write_bytes(b"rec");
    /// assert_eq!(stdin.as_bytes(), b"raw\x03\x00\x00\x00rec");
    /// ```
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The private input as the guest reads it (without the hints and the store; see
    /// [`GuestInput::from`] for all of it).
    ///
    /// ```
    /// let mut stdin = tessera_sdk::Stdin::new();
    /// stdin.write_raw(b"input").hint_raw(b"hint");
    /// assert_eq!(stdin.into_bytes(), b"input");
    /// ```
    pub fn into_bytes(self) -> Vec<u8> {
        self.bytes
    }
}

impl From<Stdin> for GuestInput {
    fn from(stdin: Stdin) -> GuestInput {
        GuestInput {
            stdin: stdin.bytes,
            hints: stdin.hints,
            kv: stdin.kv,
        }
    }
}

/// The key-value store of a directory: each regular file under `dir` (in subdirectories too) is
/// the value of its path relative to `dir`, with `/` between the parts, which is what a guest
/// run under qemu-riscv32 in `dir` opens by that name. `cargo tessera run --kv DIR` uses it.
///
/// ```
/// let dir = std::env::temp_dir().join(format!("tessera-kv-doc-{}", std::process::id()));
/// std::fs::create_dir_all(dir.join("sub")).unwrap();
/// std::fs::write(dir.join("sub/key"), b"value").unwrap();
/// let kv = tessera_sdk::read_kv_dir(&dir).unwrap();
/// assert_eq!(kv[&b"sub/key"[..]], b"value");
/// # std::fs::remove_dir_all(&dir).unwrap();
/// ```
pub fn read_kv_dir(dir: &Path) -> Result<BTreeMap<Vec<u8>, Vec<u8>>, SdkError> {
    let mut kv = BTreeMap::new();
    let mut pending = vec![(dir.to_path_buf(), Vec::new())];
    while let Some((path, key)) = pending.pop() {
        let io = |error| SdkError::Io {
            path: path.display().to_string(),
            error,
        };
        for entry in std::fs::read_dir(&path).map_err(io)? {
            let entry = entry.map_err(io)?;
            let mut entry_key: Vec<u8> = key.clone();
            if !entry_key.is_empty() {
                entry_key.push(b'/');
            }
            entry_key.extend_from_slice(entry.file_name().as_encoded_bytes());
            let entry_path = entry.path();
            // `metadata` follows symbolic links, as opening the file would.
            let metadata = std::fs::metadata(&entry_path).map_err(|error| SdkError::Io {
                path: entry_path.display().to_string(),
                error,
            })?;
            if metadata.is_dir() {
                pending.push((entry_path, entry_key));
            } else if metadata.is_file() {
                kv.insert(entry_key, crate::read_file(&entry_path)?);
            }
        }
    }
    Ok(kv)
}

/// `value` in the postcard encoding.
fn encode<T: Serialize + ?Sized>(value: &T) -> Result<Vec<u8>, SdkError> {
    postcard::to_allocvec(value)
        .map_err(|e| SdkError::Encode(format!("cannot encode a record: {e}")))
}

/// Appends `bytes` to `stream` as a record: its 4-byte little-endian length, then the bytes.
fn push_record(stream: &mut Vec<u8>, bytes: &[u8]) -> Result<(), SdkError> {
    let len = u32::try_from(bytes.len()).map_err(|_| {
        SdkError::Encode(format!(
            "a record of {} bytes is too long (at most 4 GiB - 1)",
            bytes.len()
        ))
    })?;
    stream.extend_from_slice(&len.to_le_bytes());
    stream.extend_from_slice(bytes);
    Ok(())
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
