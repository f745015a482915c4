//! Unit documents: planerade besök, Time Care schedule, phone lists, contacts, supporting
//! routines, blank forms, and the egenkontroll checklist.

use super::{DocJob, Planner, Scope};
use crate::diag::Diagnostic;
use crate::privacy::Cleared;

pub fn plan(_cleared: &Cleared, _scope: &Scope, _planner: &Planner, _jobs: &mut Vec<DocJob>) {}

pub fn egenkontroll(_cleared: &Cleared, _scope: &Scope, _planner: &Planner, _diags: &[Diagnostic], _jobs: &mut Vec<DocJob>) {}
