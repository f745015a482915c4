//! [`Sensitive`]: a value that identifies a person and may only be read by `privacy`.

use std::fmt;

/// A person's identifying value (name, personnummer, phone, door code, address, relatives).
///
/// It has no `Serialize`, no `Display`, and its `Debug` prints a placeholder, so it cannot
/// reach a template, a log line or a message by accident. Only the `privacy` module can read
/// it ([`Sensitive::expose`] is `pub(in crate::privacy)`), and `privacy` decides per person
/// and per audience what may be printed. This is the type-level half of the leak guarantee;
/// the leak test in `tests/` is the other half.
#[derive(Clone, PartialEq, Eq, Hash, Default)]
pub struct Sensitive<T>(T);

impl<T> Sensitive<T> {
    pub fn new(value: T) -> Self {
        Sensitive(value)
    }

    /// The value itself. Only `privacy` may look.
    pub(in crate::privacy) fn expose(&self) -> &T {
        &self.0
    }
}

impl<T> fmt::Debug for Sensitive<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("«dolt»")
    }
}
