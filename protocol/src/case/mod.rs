//! Case domain model (issue 3): being written.
