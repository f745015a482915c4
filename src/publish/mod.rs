//! publish: the pack on disk, in two parts that `run.rs` puts together.
//!
//! - [`store`]: the pure store: the lock, generations, writing and keeping files, the atomic
//!   commit, garbage collection, and the confinement checks of what is found under `out/`.
//!   It knows files and manifests; it renders and plans nothing.
//! - The outputs derived from a run's manifest, written into the store's new generation
//!   before the commit (so they are published, or not, with the documents): [`shred`] (the
//!   gallringslistor), [`history`] (what was ended, and when), [`batch`] (the print batches
//!   and `print-manifest.csv`). They use the store only through [`Publisher`]'s writes.
//!
//! The data both share: the [`Manifest`] and its [`Entry`]s, the [`Diff`] of two manifests,
//! and the pack's [`secret`] for keyed ids.

pub mod batch;
mod diff;
pub mod history;
mod manifest;
pub mod secret;
pub mod shred;
pub mod store;

pub use diff::Diff;
pub use manifest::{Entry, Manifest};
pub use store::{PublishError, Publisher, create_dir_private, published, published_dir, published_file, read_manifest, write_private};
