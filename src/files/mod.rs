//! The drive: a drive per group and per person, folders, files with versions, uploads streamed to
//! object storage, downloads with ranges, a trash.

pub mod access;
pub mod demo;
pub mod download;
pub mod graphql;
pub mod loading;
pub mod model;
pub mod mutations;
pub mod names;
#[cfg(feature = "s3")]
pub mod s3_uploads;
pub mod service;
pub mod storage;
pub mod sweep;
pub mod thumbnails;
pub mod upload;
