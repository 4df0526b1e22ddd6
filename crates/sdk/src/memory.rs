//! Will a proof fit in memory? Proving a segment allocates its traces and their low-degree
//! extensions at once, so a segment too large for the machine ends with the OS killing the
//! process, minutes or hours in. The SDK estimates the memory before any work starts and
//! refuses with an error that says which setting to lower.

use crate::SdkError;

/// Bytes per row of the stacked height, and the fixed part, of the estimate. Fitted to the peak
/// memory of proofs with the 100-bit parameters (the book's Benchmarks chapter: 0.25-0.41 GB at
/// 2^16, 0.92 GB at 2^17, 3.1-3.4 GB at 2^19, 13.7 GB at 2^21); the estimate is 5-20% above
/// those, so a refusal is never a close call.
const BYTES_PER_ROW: u64 = 7 * 1024;
const FIXED_BYTES: u64 = 128 << 20;

/// The environment variable that sets the memory a proof may use (`512M`, `4G`, or bytes),
/// instead of what the operating system reports available.
pub const MEMORY_LIMIT_VAR: &str = "TESSERA_MEMORY_LIMIT";

/// About how much memory proving a segment at stacked height `2^log_stacked_height` takes.
///
/// ```
/// let gb = |bytes: u64| bytes as f64 / 1e9;
/// assert!((3.5..4.0).contains(&gb(tessera_sdk::proving_memory_estimate(19))));
/// assert!((14.0..16.0).contains(&gb(tessera_sdk::proving_memory_estimate(21))));
/// ```
pub fn proving_memory_estimate(log_stacked_height: usize) -> u64 {
    (BYTES_PER_ROW << log_stacked_height.min(40)) + FIXED_BYTES
}

/// The memory a proof may use: `limit` if given, else [`MEMORY_LIMIT_VAR`] if set, else what
/// the operating system has available (`MemAvailable` of `/proc/meminfo`, less if a cgroup
/// limit is lower); `None` where none of these is known.
///
/// ```
/// assert_eq!(tessera_sdk::available_memory(Some(1 << 30)).unwrap(), Some(1 << 30));
/// ```
pub fn available_memory(limit: Option<u64>) -> Result<Option<u64>, SdkError> {
    if let Some(limit) = limit {
        return Ok(Some(limit));
    }
    if let Ok(value) = std::env::var(MEMORY_LIMIT_VAR) {
        return parse_size(&value).map(Some).ok_or_else(|| {
            SdkError::Options(format!(
                "{MEMORY_LIMIT_VAR}={value:?} is not a size (for example 512M, 4G or a number of bytes)"
            ))
        });
    }
    let meminfo = std::fs::read_to_string("/proc/meminfo").ok();
    let available = meminfo.as_deref().and_then(|text| {
        let line = text.lines().find(|l| l.starts_with("MemAvailable:"))?;
        let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
        Some(kib * 1024)
    });
    let cgroup = cgroup_room();
    Ok(match (available, cgroup) {
        (Some(a), Some(c)) => Some(a.min(c)),
        (a, c) => a.or(c),
    })
}

/// What the cgroup (v2) of this process may still allocate, if it has a limit.
fn cgroup_room() -> Option<u64> {
    let read = |name: &str| std::fs::read_to_string(format!("/sys/fs/cgroup/{name}")).ok();
    let max: u64 = read("memory.max")?.trim().parse().ok()?; // "max" means no limit
    let current: u64 = read("memory.current")?.trim().parse().ok()?;
    Some(max.saturating_sub(current))
}

/// `512M`, `4G`, `1.5G`, `300K` or a number of bytes (binary units).
fn parse_size(text: &str) -> Option<u64> {
    let text = text.trim();
    let (number, unit) = match text.char_indices().find(|(_, c)| c.is_ascii_alphabetic()) {
        Some((i, _)) => (&text[..i], text[i..].trim_end_matches(['B', 'b', 'i'])),
        None => (text, ""),
    };
    let scale: u64 = match unit.to_ascii_uppercase().as_str() {
        "" => 1,
        "K" => 1 << 10,
        "M" => 1 << 20,
        "G" => 1 << 30,
        "T" => 1 << 40,
        _ => return None,
    };
    let number: f64 = number.trim().parse().ok()?;
    (number.is_finite() && number >= 0.0).then_some((number * scale as f64) as u64)
}

/// Refuses a proof whose segments at stacked height `2^log_stacked_height` would need more
/// memory than is available (see [`available_memory`]).
pub(crate) fn check_memory(log_stacked_height: usize, limit: Option<u64>) -> Result<(), SdkError> {
    let needed = proving_memory_estimate(log_stacked_height);
    match available_memory(limit)? {
        Some(available) if needed > available => Err(SdkError::NotEnoughMemory {
            log_stacked_height,
            needed,
            available,
        }),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse_in_binary_units() {
        assert_eq!(parse_size("4096"), Some(4096));
        assert_eq!(parse_size("512M"), Some(512 << 20));
        assert_eq!(parse_size("4G"), Some(4 << 30));
        assert_eq!(parse_size("4GiB"), Some(4 << 30));
        assert_eq!(parse_size("1.5g"), Some(3 << 29));
        assert_eq!(parse_size("lots"), None);
        assert_eq!(parse_size("4X"), None);
        assert_eq!(parse_size("-1G"), None);
    }

    #[test]
    fn a_proof_larger_than_the_limit_is_refused_with_what_to_lower() {
        check_memory(16, Some(1 << 30)).unwrap();
        let error = check_memory(21, Some(8 << 30)).unwrap_err();
        let message = error.to_string();
        assert!(message.contains("2^21"), "{message}");
        assert!(message.contains("--segment-instructions"), "{message}");
        assert!(message.contains(MEMORY_LIMIT_VAR), "{message}");
    }
}
