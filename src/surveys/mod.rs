//! Pulse surveys: single-choice, multiple-choice, 1-5 scale and free-text questions for the
//! organization or some groups, answered once per person (anonymously or not), with results per
//! question and a CSV export.

pub mod access;
pub mod demo;
pub mod export;
pub mod graphql;
pub mod loaders;
pub mod loading;
pub mod model;
pub mod mutations;
