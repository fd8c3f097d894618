//! Tells the tests whether they have a PostgreSQL server, so that without one their PostgreSQL
//! variants are compiled as ignored and `cargo test`'s summary counts them as ignored, not as
//! passed. In CI (`CI` set) they are never ignored: there a missing server fails them.

fn main() {
    println!("cargo::rustc-check-cfg=cfg(postgres_tests)");
    println!("cargo::rerun-if-env-changed=EWASTE_TEST_DATABASE_URL");
    println!("cargo::rerun-if-env-changed=CI");
    if std::env::var_os("EWASTE_TEST_DATABASE_URL").is_some() || std::env::var_os("CI").is_some() {
        println!("cargo::rustc-cfg=postgres_tests");
    }
}
