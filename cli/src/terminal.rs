//! What the command writes to the terminal: output that survives a closed pipe, errors that
//! name the flag the user typed and never echo control characters back.

use std::fmt;
use std::io::{self, Write};

/// The result of a subcommand.
pub type CliResult<T> = Result<T, Box<dyn std::error::Error>>;

/// Writes `text` to standard output. A reader that went away (`nephro demo | head`) is a
/// [`io::ErrorKind::BrokenPipe`] error, which `main` ends quietly; it is never a panic.
pub fn emit(text: &str) -> CliResult<()> {
    let mut out = io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.flush()?;
    Ok(())
}

/// Whether an error is the reader of standard output having gone away.
pub fn is_broken_pipe(error: &(dyn std::error::Error + 'static)) -> bool {
    error
        .downcast_ref::<io::Error>()
        .is_some_and(|e| e.kind() == io::ErrorKind::BrokenPipe)
}

/// `text` with every control character (escape sequences, carriage returns, bells; everything
/// but newlines and tabs) shown as a `\u{…}` escape, so an argument can never drive the
/// terminal.
pub fn without_control_characters(text: &str) -> String {
    let mut clean = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_control() && c != '\n' && c != '\t' {
            clean.push_str(&c.escape_unicode().to_string());
        } else {
            clean.push(c);
        }
    }
    clean
}

/// An error about the value of one flag: shown as `--flag: reason`.
#[derive(Debug)]
pub struct FlagError {
    /// The flag as the user typed it, e.g. `--db`.
    pub flag: &'static str,
    /// What went wrong.
    pub error: Box<dyn std::error::Error>,
}

impl fmt::Display for FlagError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.flag, self.error)
    }
}

impl std::error::Error for FlagError {}

/// Wraps an error as being about `flag`. A refusal of the core's generic `path` or `target`
/// field is shown by its reason alone: the flag already says which path.
pub fn about(flag: &'static str) -> impl FnOnce(nephro_core::Error) -> Box<dyn std::error::Error> {
    move |error| {
        let error: Box<dyn std::error::Error> = match error {
            nephro_core::Error::Invalid { field, reason }
                if field == "path" || field == "target" =>
            {
                reason.into()
            }
            other => Box::new(other),
        };
        Box::new(FlagError { flag, error })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_escaped_and_text_kept() {
        assert_eq!(
            without_control_characters("a\u{1b}[31mred\r\u{7}ok\n\tæ"),
            "a\\u{1b}[31mred\\u{d}\\u{7}ok\n\tæ"
        );
    }
}
