//! reservpack: printable reserve packs for elder care when the care systems are down.
//!
//! The pipeline runs one way, one stage per module:
//! `ingest` (exports → [`model::Dataset`]) → `privacy` (→ print views) → `plan`
//! (→ [`plan::DocJob`]s) → `render` (Typst, in parallel → PDFs) → `publish` (→ `out/`).
//! `retention` gives every document its gallring (retention) rule and stamp. The CLI in
//! `main.rs` only drives these stages; a later web page will call the same ones.

pub mod config;
pub mod confine;
pub mod diag;
pub mod export;
pub mod fixtures;
pub mod horizon;
pub mod ingest;
pub mod model;
pub mod plan;
pub mod privacy;
pub mod publish;
pub mod render;
pub mod retention;
pub mod run;
pub mod web;

pub use run::{Engine, Outcome, Report, Request, RunError};
