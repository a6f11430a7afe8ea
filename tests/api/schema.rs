/// The committed SDL is what mobile and dashboard code generators read; it must match the
/// code. Run with `UPDATE_SCHEMA=1` to rewrite the file after a deliberate change.
#[test]
fn committed_schema_matches_the_code() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("api/schema.graphql");
    let sdl = api::graphql::sdl();
    if std::env::var("UPDATE_SCHEMA").is_ok() {
        std::fs::write(&path, &sdl).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == sdl,
        "api/schema.graphql is out of date: run `UPDATE_SCHEMA=1 cargo test --test api schema`"
    );
}
