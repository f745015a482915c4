//! The reserve folder per care recipient (personkort, genomförandeplan, uppdrag,
//! hälso- och sjukvårdsbeställningar, reserve forms) and, for a protected person, the
//! restricted ordinary file.

use super::{DocJob, Planner, Scope};
use crate::privacy::Cleared;

pub fn plan(_cleared: &Cleared, _scope: &Scope, _planner: &Planner, _jobs: &mut Vec<DocJob>) {}
