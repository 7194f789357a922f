//! zhibiao (指标): audit civil-affairs ledgers (台账) against the quantitative targets of a
//! policy plan.
//!
//! The data flows one way: [`ingest`] (read files into typed rows) → [`model`] (resolve
//! places against the community list) → [`audit`] (evaluate a [`plan`]) → [`report`]
//! (render the result). [`history`] records audits in a SQLite file for trends;
//! [`output`] writes the reports without ever leaving a torn or overwritten file;
//! [`template`] makes an empty ledger workbook for a plan.

pub mod audit;
pub mod history;
pub mod ingest;
pub mod issue;
mod keytable;
pub mod memory;
pub mod model;
pub mod output;
pub mod plan;
pub mod report;
pub mod template;
#[cfg(test)]
mod testutil;
