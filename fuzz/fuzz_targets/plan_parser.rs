//! Plan files: bytes → UTF-8 check → TOML → validation, and the rendering of the
//! diagnostics (line:column, the echoed line).
#![no_main]

use libfuzzer_sys::fuzz_target;
use zhibiao::plan::{self, PlanError};

fuzz_target!(|data: &[u8]| {
    match plan::parse_bytes("fuzz.toml", data) {
        Ok(mut p) => {
            // A units file against the plan: the same text read as `[[unit]]` tables.
            if let Ok(text) = std::str::from_utf8(data) {
                let _ = plan::apply_units(&mut p, "fuzz-units.toml", text);
            }
        }
        Err(PlanError::Invalid(diags)) => {
            for d in &diags {
                assert!(d.line >= 1 && d.column >= 1, "{d:?}");
                let _ = d.to_string();
            }
        }
        Err(e) => {
            let _ = e.to_string();
        }
    }
});
