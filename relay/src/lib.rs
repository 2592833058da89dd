//! NephroDiary relay: caregivers' phones meet online (issue 16; docs/relay.md). It keeps a
//! family's sealed batches with a server sequence, the sharing protocol's put-once blobs
//! (members, wrapped keys, invitations, recovery, closed epochs), and dose-slot claims keyed by
//! opaque tokens (clinical-rules §11), all behind per-device credentials.
//!
//! - [`protocol`]: what the relay and its clients agree on (in the core; fuzzed);
//! - `server` (feature `server`): the axum service on PostgreSQL;
//! - `client` (feature `client`): the core's relay client over a blocking HTTP client (`ureq`),
//!   for the CLI and the tests (no tokio, no database).

/// What the relay and its clients agree on; it lives in the core, whose relay client the phones
/// use through their own HTTP stacks.
pub use nephro_core::share::relay_protocol as protocol;

#[cfg(feature = "server")]
pub mod db;
#[cfg(feature = "server")]
pub mod server;

#[cfg(feature = "client")]
pub mod client;
