//! What README "Prerequisites" promises a newcomer: the oldest Rust that
//! builds the project, and that the scripts take their downloads from
//! wherever the machine's mirror settings point.

use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// `1.94.1` as `[1, 94, 1]`, `1.85` as `[1, 85, 0]`.
fn version(text: &str) -> [u64; 3] {
    let mut parts = text.split('.').map(|part| {
        part.parse::<u64>()
            .unwrap_or_else(|e| panic!("version {text:?}: {e}"))
    });
    [(); 3].map(|()| parts.next().unwrap_or(0))
}

/// The workspace's `rust-version`.
fn workspace_rust_version() -> String {
    let manifest = read(&root().join("Cargo.toml"));
    let line = manifest
        .lines()
        .find_map(|line| line.strip_prefix("rust-version = "))
        .expect("Cargo.toml [workspace.package] has a rust-version");
    line.trim_matches('"').to_owned()
}

#[test]
fn the_stated_minimum_rust_is_the_workspace_s_and_what_the_locked_dependencies_need() {
    let stated = workspace_rust_version();
    // Every member inherits it, or cargo would not check it for that crate.
    let metadata = Command::new(env!("CARGO"))
        .args(["metadata", "--locked", "--format-version", "1"])
        .current_dir(root())
        .output()
        .expect("cargo metadata runs");
    assert!(
        metadata.status.success(),
        "cargo metadata: {}",
        String::from_utf8_lossy(&metadata.stderr)
    );
    let metadata: serde_json::Value =
        serde_json::from_slice(&metadata.stdout).expect("cargo metadata's JSON");
    let members: Vec<&str> = metadata["workspace_members"]
        .as_array()
        .expect("workspace members")
        .iter()
        .filter_map(|id| id.as_str())
        .collect();
    let packages = metadata["packages"].as_array().expect("packages");
    let mut needed = ([1, 0, 0], "rustc itself".to_owned());
    for package in packages {
        let name = package["name"].as_str().unwrap_or_default();
        let declared = package["rust_version"].as_str();
        if members.contains(&package["id"].as_str().unwrap_or_default()) {
            assert_eq!(
                declared,
                Some(stated.as_str()),
                "{name}: rust-version.workspace = true"
            );
        } else if let Some(declared) = declared
            && version(declared) > needed.0
        {
            needed = (version(declared), format!("{name} {}", package["version"]));
        }
    }
    assert_eq!(
        version(&stated),
        needed.0,
        "the workspace says Rust {stated}, the locked dependencies need {:?} ({}): \
         say the oldest that builds, no older and no newer",
        needed.0,
        needed.1
    );
    let english = read(&root().join("README.md"));
    assert!(
        english.contains(&format!("**Rust {stated} or later**")),
        "README.md states Rust {stated}"
    );
    let chinese = read(&root().join("README.zh-CN.md"));
    assert!(
        chinese.contains(&format!("**Rust {stated} 或更高版本**")),
        "README.zh-CN.md states Rust {stated}"
    );
}

/// Settings that would pin a package index, so that a team's mirror
/// (`PIP_INDEX_URL`, `npm_config_registry`, `~/.cargo/config.toml`,
/// `RUSTUP_DIST_SERVER`) would not apply.
const PINNED_INDEX: &[&str] = &[
    "--index-url",
    "--extra-index-url",
    "-i http",
    "--registry",
    "registry=",
    "[source.",
    "replace-with",
    "RUSTUP_DIST_SERVER=",
    "PIP_INDEX_URL=",
    "npm_config_registry=",
];

/// The files the test and benchmark commands run or install from.
fn install_files() -> Vec<PathBuf> {
    let root = root();
    let mut files: Vec<PathBuf> = ["scripts", "client", "examples/node-verify", ".ci"]
        .iter()
        .flat_map(|dir| std::fs::read_dir(root.join(dir)).expect("a directory"))
        .map(|entry| entry.expect("an entry").path())
        .filter(|path| path.is_file())
        .collect();
    files.extend(
        [
            ".cargo/config.toml",
            ".cargo/config",
            ".npmrc",
            "client/.npmrc",
            "pip.conf",
        ]
        .iter()
        .map(|name| root.join(name))
        .filter(|path| path.exists()),
    );
    files
}

#[test]
fn no_script_pins_a_package_index_so_mirror_settings_apply() {
    let files = install_files();
    let names: Vec<String> = files.iter().map(|f| f.display().to_string()).collect();
    for must in [
        "scripts/lib.sh",
        "scripts/test.sh",
        "client/test.sh",
        ".ci/run",
    ] {
        assert!(
            names.iter().any(|name| name.ends_with(must)),
            "{must} is among the files checked"
        );
    }
    for file in &files {
        // The lockfile's `resolved` URLs are npm's default registry, which npm
        // replaces with the configured one (`replace-registry-host`).
        if file.ends_with("package-lock.json") {
            continue;
        }
        let text = std::fs::read(file).expect("readable");
        let text = String::from_utf8_lossy(&text);
        for setting in PINNED_INDEX {
            assert!(
                !text.contains(setting),
                "{} pins a package index ({setting}): a team's mirror would not apply",
                file.display()
            );
        }
    }
}
