//! Black-box tests of the reports and the supervision of the levels below, with real
//! processes: what a province and central see of the sites below them, the page, and the
//! submitted reports.

mod forms;
mod national;
mod rollup;
mod supervision;
