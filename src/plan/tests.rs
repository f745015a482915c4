//! Tests of the planned documents.
