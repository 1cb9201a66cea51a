//! The local server's token key: `TOKEN_SIGNING_KEY` when set, otherwise one
//! generated on first run and kept in the data directory, so tokens survive restarts.

use std::path::Path;
use wxauth_shared::config::{Secret, Setting, TokenConfig};
use wxauth_shared::tokens::SigningKey;

const FILE_NAME: &str = "signing-key.pem";

/// Keeps `TOKEN_SIGNING_KEY` when set; otherwise puts the data directory's key
/// in the token settings.
pub fn ensure(tokens: &mut TokenConfig, data_dir: &Path) -> Result<(), std::io::Error> {
    if tokens.signing_key.is_ok() {
        return Ok(());
    }
    let pem = load_or_create(data_dir)?;
    tokens.signing_key = Setting::ok(Secret::new(pem));
    Ok(())
}

fn load_or_create(data_dir: &Path) -> Result<String, std::io::Error> {
    let path = data_dir.join(FILE_NAME);
    match std::fs::read_to_string(&path) {
        Ok(pem) => return Ok(pem),
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e),
        Err(_) => {}
    }
    std::fs::create_dir_all(data_dir)?;
    let (_, pem) = SigningKey::generate().map_err(std::io::Error::other)?;
    write_private(&path, &pem)?;
    eprintln!(
        "wxauth-dev: generated a token signing key in {}",
        path.display()
    );
    Ok(pem)
}

#[cfg(unix)]
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(text.as_bytes())
}

#[cfg(not(unix))]
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    std::fs::write(path, text)
}
