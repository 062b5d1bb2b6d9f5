//! Attachments: files uploaded for posts, comments, events and chat messages (several each), and
//! the images used as avatars and covers. Each is seen by whoever sees what uses it.

pub mod access;
pub mod download;
pub mod graphql;
pub mod loading;
pub mod model;
pub mod service;
pub mod urls;
