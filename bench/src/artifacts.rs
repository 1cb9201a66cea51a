//! Artifact sizes: the binaries measured here, and the arm64 `bootstrap.zip`
//! that is deployed (built by `cargo lambda build --release --arm64`).

use std::path::Path;

#[derive(Debug, Clone)]
pub struct Artifact {
    pub function: &'static str,
    /// The binary the benchmarks ran (this machine's architecture).
    pub local_binary: Option<u64>,
    /// The deployed arm64 `bootstrap`, uncompressed, and its zip.
    pub arm64_binary: Option<u64>,
    pub arm64_zip: Option<u64>,
}

pub fn sizes(functions: &[&'static str], bin_dir: &Path, lambda_dir: &Path) -> Vec<Artifact> {
    functions
        .iter()
        .map(|&function| {
            let zip = std::fs::read(lambda_dir.join(function).join("bootstrap.zip")).ok();
            Artifact {
                function,
                local_binary: std::fs::metadata(bin_dir.join(function))
                    .ok()
                    .map(|m| m.len()),
                arm64_binary: zip.as_deref().and_then(first_entry_size),
                arm64_zip: zip.map(|z| z.len() as u64),
            }
        })
        .collect()
}

/// The uncompressed size of a zip's first entry, from its central directory.
fn first_entry_size(zip: &[u8]) -> Option<u64> {
    const END: [u8; 4] = [0x50, 0x4b, 0x05, 0x06];
    const ENTRY: [u8; 4] = [0x50, 0x4b, 0x01, 0x02];
    let end = (0..zip.len().checked_sub(22)? + 1)
        .rev()
        .find(|&i| zip[i..i + 4] == END)?;
    let u32_at = |at: usize| -> Option<u32> {
        Some(u32::from_le_bytes(zip.get(at..at + 4)?.try_into().ok()?))
    };
    let directory = u32_at(end + 16)? as usize;
    if zip.get(directory..directory + 4)? != ENTRY {
        return None;
    }
    u32_at(directory + 24).map(u64::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_entry_size_comes_from_the_central_directory() {
        // A stored (uncompressed) zip of one 5-byte file "bootstrap", as
        // Python's zipfile writes it.
        let mut zip = Vec::new();
        let name = b"bootstrap";
        let data = b"hello";
        let local = [
            &[0x50, 0x4b, 0x03, 0x04][..],
            &[20, 0, 0, 0, 0, 0, 0, 0, 0, 0],
            &[0x86, 0xa6, 0x10, 0x36], // crc32("hello")
            &5u32.to_le_bytes(),
            &5u32.to_le_bytes(),
            &(name.len() as u16).to_le_bytes(),
            &[0, 0],
        ]
        .concat();
        zip.extend_from_slice(&local);
        zip.extend_from_slice(name);
        zip.extend_from_slice(data);
        let directory = zip.len() as u32;
        let entry = [
            &[0x50, 0x4b, 0x01, 0x02][..],
            &[20, 3, 20, 0, 0, 0, 0, 0, 0, 0, 0, 0],
            &[0x86, 0xa6, 0x10, 0x36],
            &5u32.to_le_bytes(),
            &5u32.to_le_bytes(),
            &(name.len() as u16).to_le_bytes(),
            &[0; 12],
            &0u32.to_le_bytes(),
        ]
        .concat();
        zip.extend_from_slice(&entry);
        zip.extend_from_slice(name);
        let size = zip.len() as u32 - directory;
        let end = [
            &[0x50, 0x4b, 0x05, 0x06][..],
            &[0, 0, 0, 0, 1, 0, 1, 0],
            &size.to_le_bytes(),
            &directory.to_le_bytes(),
            &[0, 0],
        ]
        .concat();
        zip.extend_from_slice(&end);
        assert_eq!(first_entry_size(&zip), Some(5));
        assert_eq!(first_entry_size(b"not a zip"), None);
    }
}
