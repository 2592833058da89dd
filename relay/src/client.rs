//! The core's relay client over a blocking HTTP client (`ureq`): what the CLI and the relay's
//! tests use, as the phones use URLSession and OkHttp through the bindings. The protocol itself
//! (paths, credentials, tokens, what an answer means) is the core's
//! (`nephro_core::share::relay`); this only carries requests.

use std::sync::Arc;
use std::time::Duration;

use nephro_core::error::{Error, Result};
pub use nephro_core::share::relay::{
    ClaimStatus, Credential, RelayClient, RelayHttp, RelayRequest, RelayResponse, RelayTransport,
    MAX_ANSWER_BYTES,
};

/// [`RelayHttp`] over a `ureq` agent: a 30-second timeout per request, no redirects, every
/// status an answer.
pub struct UreqHttp {
    agent: ureq::Agent,
}

impl Default for UreqHttp {
    fn default() -> Self {
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .timeout_global(Some(Duration::from_secs(30)))
            .build();
        UreqHttp {
            agent: ureq::Agent::new_with_config(config),
        }
    }
}

/// A transport-level failure as the core's error (no URL, id or token in it).
fn unreachable(error: ureq::Error) -> Error {
    let kind = match &error {
        ureq::Error::Io(e) => e.kind(),
        ureq::Error::Timeout(_) => std::io::ErrorKind::TimedOut,
        _ => std::io::ErrorKind::Other,
    };
    Error::Io(std::io::Error::new(kind, "the relay could not be reached"))
}

impl RelayHttp for UreqHttp {
    fn send(&self, request: RelayRequest) -> Result<RelayResponse> {
        let mut builder = ureq::http::Request::builder()
            .method(request.method.as_str())
            .uri(&request.url);
        if let Some(authorization) = &request.authorization {
            builder = builder.header("authorization", authorization);
        }
        if let Some(content_type) = &request.content_type {
            builder = builder.header("content-type", content_type);
        }
        let invalid = |_| Error::invalid("relay", "is not a valid URL");
        let response = if request.content_type.is_some() {
            self.agent.run(builder.body(request.body).map_err(invalid)?)
        } else {
            self.agent.run(builder.body(()).map_err(invalid)?)
        }
        .map_err(unreachable)?;
        let status = response.status().as_u16();
        let body = response
            .into_body()
            .into_with_config()
            .limit(MAX_ANSWER_BYTES as u64)
            .read_to_vec()
            .map_err(unreachable)?;
        Ok(RelayResponse { status, body })
    }
}

/// A client of the relay at `base` (e.g. `http://127.0.0.1:8080`) over `ureq`. Refused naming
/// `relay` when `base` is not an `http://` or `https://` address.
pub fn connect(base: &str) -> Result<RelayClient> {
    RelayClient::new(base, Arc::new(UreqHttp::default()))
}
