//! `tiepdan-sim`: the deterministic simulator of the national federation (issue 5).
//!
//! Today it only loads the hierarchy the simulator will run on — the same embedded registry
//! every node uses — and prints its shape as JSON. The discrete-event loop, link models and
//! scenarios are built in issue 5; it must never read the wall clock or unseeded randomness.

use tiepdan_protocol::sites::{Level, Registry};

fn main() {
    let reg = Registry::official();
    let per_province: Vec<usize> = reg.iter().filter(|s| s.level == Level::Province).map(|s| reg.children(&s.code).len()).collect();
    let count = |l| reg.iter().filter(|s| s.level == l).count();
    println!(
        "{{\"sites\":{},\"central\":{},\"provinces\":{},\"communes\":{},\"communes_per_province_min\":{},\"communes_per_province_max\":{}}}",
        reg.len(),
        count(Level::Central),
        count(Level::Province),
        count(Level::Commune),
        per_province.iter().min().copied().unwrap_or(0),
        per_province.iter().max().copied().unwrap_or(0)
    );
}
