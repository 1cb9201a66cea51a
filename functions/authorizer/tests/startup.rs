#[path = "../../startup_check.rs"]
mod startup_check;

#[test]
fn missing_and_malformed_keys_are_named_at_start_up() {
    startup_check::verifier_settings_are_named_at_start_up(env!("CARGO_BIN_EXE_authorizer"));
}

#[test]
fn a_bad_root_bundle_is_named_at_start_up() {
    startup_check::a_bad_root_bundle_is_named_at_start_up(env!("CARGO_BIN_EXE_authorizer"));
}
