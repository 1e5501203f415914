//! Signed case events and their DAG (issue 3): being written.
