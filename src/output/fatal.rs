//! What a panic prints. A panic that reaches `main` is a bug of zhibiao: it is reported
//! with its location and a request to report it, as [`Fatal::Panic`], and the run exits
//! 2. Panics caught on purpose (inside the workbook reader, for damaged files) stay
//! silent: the hook only records the location, `main` decides whether to print.

use std::sync::Mutex;

/// A failure that is not the input's fault.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Fatal {
    /// A panic reached `main`.
    #[error("内部错误 internal error: {message} (at {location})\n这是 zhibiao 的缺陷，请报告此问题，附上命令行和这条消息 / this is a bug in zhibiao: please report it with the command line and this message")]
    Panic {
        /// `src/file.rs:line:column`, or "unknown location".
        location: String,
        /// The panic's message.
        message: String,
    },
}

/// The location and message of the last panic, recorded by the hook.
static LAST: Mutex<Option<(String, String)>> = Mutex::new(None);

fn payload_text(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "(no message)".to_string())
}

/// Install the panic hook: it records the location and message (for [`Fatal::caught`])
/// and prints nothing.
pub fn install_hook() {
    std::panic::set_hook(Box::new(|info| {
        let location = info
            .location()
            .map(|l| format!("{}:{}:{}", l.file(), l.line(), l.column()))
            .unwrap_or_else(|| "unknown location".to_string());
        let message = payload_text(info.payload());
        if let Ok(mut last) = LAST.lock() {
            *last = Some((location, message));
        }
    }));
}

impl Fatal {
    /// The panic caught by `main`, with the location the hook recorded.
    pub fn caught(payload: &(dyn std::any::Any + Send)) -> Fatal {
        let message = payload_text(payload);
        let recorded = LAST.lock().ok().and_then(|mut l| l.take());
        let location = match recorded {
            Some((location, m)) if m == message => location,
            _ => "unknown location".to_string(),
        };
        Fatal::Panic { location, message }
    }

    /// Whether the panic is the standard library's `print!` failing on a closed pipe:
    /// not a bug worth a report, but the reader having gone (a print that escaped
    /// [`super::print`]).
    pub fn is_closed_pipe(&self) -> bool {
        let Fatal::Panic { message, .. } = self;
        message.starts_with("failed printing to std")
            && (message.contains("Broken pipe") || message.contains("os error 32"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_is_reported_with_its_location_and_a_request() {
        let payload: Box<dyn std::any::Any + Send> = Box::new("index out of bounds".to_string());
        if let Ok(mut last) = LAST.lock() {
            *last = Some(("src/x.rs:3:7".into(), "index out of bounds".into()));
        }
        let f = Fatal::caught(payload.as_ref());
        assert_eq!(
            f,
            Fatal::Panic {
                location: "src/x.rs:3:7".into(),
                message: "index out of bounds".into()
            }
        );
        let text = f.to_string();
        assert!(text.starts_with("内部错误 internal error: index out of bounds (at src/x.rs:3:7)"));
        assert!(text.contains("please report it"));
        assert!(!f.is_closed_pipe());
        let pipe: Box<dyn std::any::Any + Send> =
            Box::new("failed printing to stdout: Broken pipe (os error 32)".to_string());
        assert!(Fatal::caught(pipe.as_ref()).is_closed_pipe());
    }
}
