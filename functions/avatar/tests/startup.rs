#[path = "../../startup_check.rs"]
mod startup_check;

#[test]
fn missing_and_malformed_keys_are_named_at_start_up() {
    startup_check::verifier_settings_are_named_at_start_up(env!("CARGO_BIN_EXE_avatar"));
}
