//! NephroDiary relay: caregivers' phones meet online (issue 16; docs/relay.md). It keeps a
//! family's sealed batches with a server sequence, the sharing protocol's put-once blobs
//! (members, wrapped keys, invitations, recovery, closed epochs), and dose-slot claims keyed by
//! opaque tokens (clinical-rules §11), all behind per-device credentials.
//!
//! - [`protocol`]: what the relay and its clients agree on (always built; fuzzed);
//! - `server` (feature `server`): the axum service on PostgreSQL;
//! - `client` (feature `client`): a blocking HTTP client implementing the core's `Transport`
//!   and the registration and claim calls, for the CLI (no tokio, no database).

pub mod protocol;

#[cfg(feature = "server")]
pub mod db;
#[cfg(feature = "server")]
pub mod server;

#[cfg(feature = "client")]
pub mod client;
