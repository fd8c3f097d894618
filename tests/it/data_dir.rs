//! The data directory is created `0700` and its key files `0600`; a start with a key file or
//! the directory readable by group or others warns, naming the file and its mode, and still
//! starts (issue 13 item 7). Tests run as root, so modes are checked, not access.

use crate::db::{db_test, TestDb};
use crate::process::{cli, database_url};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

fn mode(path: &Path) -> String {
    format!(
        "{:04o}",
        std::fs::metadata(path)
            .expect("metadata")
            .permissions()
            .mode()
            & 0o777
    )
}

db_test! {
    async fn the_data_directory_is_private_and_loose_modes_are_warned_about(db: TestDb) {
        let dir = tempfile::tempdir().expect("temp dir");
        let data = dir.path().join("fresh/data");
        let url = database_url(&db.target);
        let init = |data: &Path| cli(&["init", "--data-dir", data.to_str().expect("utf-8"), "--database-url", &url]);

        let out = init(&data);
        let stderr = String::from_utf8_lossy(&out.stderr).to_string();
        assert!(out.status.success(), "{stderr}");
        assert_eq!(mode(&data), "0700", "the data directory");
        for key in ["log-key.pem", "admin-key.pem"] {
            assert_eq!(mode(&data.join(key)), "0600", "{key}");
        }
        assert!(!stderr.contains("WARN"), "no warning on a fresh start: {stderr}");
        assert!(stderr.contains("log signing key (private, keep secret):"), "{stderr}");

        // Loosened by hand (a copy without -p, a backup job): warned about at every start.
        std::fs::set_permissions(data.join("log-key.pem"), std::fs::Permissions::from_mode(0o644)).expect("chmod");
        std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o750)).expect("chmod");
        let out = init(&data);
        let stderr = String::from_utf8_lossy(&out.stderr).to_string();
        assert!(out.status.success(), "still starts: {stderr}");
        let warnings: Vec<&str> = stderr.lines().filter(|l| l.contains("WARN")).collect();
        assert_eq!(warnings.len(), 2, "{stderr}");
        let key = data.join("log-key.pem").display().to_string();
        assert!(warnings.iter().any(|w| w.contains(&key) && w.contains("0644")), "{stderr}");
        assert!(warnings.iter().any(|w| w.contains(&data.display().to_string()) && w.contains("0750")), "{stderr}");
        assert!(!stderr.contains("admin-key.pem has mode"), "the admin key is still 0600: {stderr}");
    }
}
