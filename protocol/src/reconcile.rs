//! Set reconciliation (issue 3): being written.
