//! The relay service: routes, authentication, limits and metrics (API in docs/relay.md).
//!
//! The relay sees only what end-to-end encryption leaves visible: random family and device
//! ids, sealed blobs and batches, claim tokens (HMACs of slots) and sealed holders. Its logs
//! name routes and statuses, never an id, a token or a body.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, MatchedPath, Path, Query, Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use data_encoding::BASE64;
use deadpool_postgres::Pool;
use serde::Deserialize;
use subtle::ConstantTimeEq;

use crate::protocol::{
    self, AdmissionKind, BlobName, Caller, ClaimAnswer, ClaimOutcome, PullPage, PulledBatch,
    Refusal, RegisterAdmission, RegisterDevice, RegisterFamily, ID_LEN, SECRET_LEN,
};

/// The relay's policies and limits.
#[derive(Debug, Clone)]
pub struct Config {
    /// Largest request body accepted, in bytes.
    pub max_body_bytes: usize,
    /// Requests a device may make per minute, on average.
    pub rate_per_minute: u32,
    /// Requests a device may make at once, above the average.
    pub rate_burst: u32,
    /// How long a claim lasts without a log (clinical-rules §11: 30 minutes, policy).
    pub claim_ttl: Duration,
    /// How long a claim logged as taken keeps answering "given" (then the synced log does).
    pub given_retention: Duration,
    /// How long an invitation's admission stays usable.
    pub invitation_ttl: Duration,
    /// Most batches a pull returns at once.
    pub max_pull_batches: i64,
    /// Print one line per request (route template, status, milliseconds).
    pub access_log: bool,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            max_body_bytes: 4 * 1024 * 1024,
            rate_per_minute: 1200,
            rate_burst: 200,
            claim_ttl: Duration::from_secs(30 * 60),
            given_retention: Duration::from_secs(36 * 3600),
            invitation_ttl: Duration::from_secs(72 * 3600),
            max_pull_batches: 500,
            access_log: false,
        }
    }
}

/// The end of a claim granted at `now_ms` under `config` (§11: 30 minutes by default).
pub fn claim_expiry(now_ms: i64, config: &Config) -> i64 {
    now_ms.saturating_add(i64::try_from(config.claim_ttl.as_millis()).unwrap_or(i64::MAX))
}

/// The relay's counters, exposed at `/metrics` in Prometheus' text format.
#[derive(Default)]
pub struct Metrics {
    requests: Mutex<BTreeMap<(String, u16), u64>>,
    /// Request durations: counts per upper bound (seconds) of [`BUCKETS`], then the sum in µs.
    durations: [AtomicU64; BUCKETS.len() + 1],
    duration_sum_micros: AtomicU64,
    claims_granted: AtomicU64,
    claims_refused: AtomicU64,
    batches_stored: AtomicU64,
    rate_limited: AtomicU64,
}

const BUCKETS: [f64; 10] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0];

impl Metrics {
    fn observe(&self, route: &str, status: u16, elapsed: Duration) {
        if let Ok(mut requests) = self.requests.lock() {
            *requests.entry((route.to_string(), status)).or_default() += 1;
        }
        let seconds = elapsed.as_secs_f64();
        let bucket = BUCKETS
            .iter()
            .position(|b| seconds <= *b)
            .unwrap_or(BUCKETS.len());
        self.durations[bucket].fetch_add(1, Ordering::Relaxed);
        self.duration_sum_micros.fetch_add(
            u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX),
            Ordering::Relaxed,
        );
    }

    /// The counters in Prometheus' text exposition format.
    pub fn render(&self, pool: &Pool) -> String {
        use std::fmt::Write as _;
        let mut out = String::new();
        out.push_str("# HELP nephro_relay_requests_total Requests by route template and status.\n# TYPE nephro_relay_requests_total counter\n");
        if let Ok(requests) = self.requests.lock() {
            for ((route, status), count) in requests.iter() {
                let _ = writeln!(
                    out,
                    "nephro_relay_requests_total{{route=\"{route}\",status=\"{status}\"}} {count}"
                );
            }
        }
        out.push_str("# HELP nephro_relay_request_duration_seconds Request durations.\n# TYPE nephro_relay_request_duration_seconds histogram\n");
        let mut cumulative = 0;
        for (index, bound) in BUCKETS.iter().enumerate() {
            cumulative += self.durations[index].load(Ordering::Relaxed);
            let _ = writeln!(
                out,
                "nephro_relay_request_duration_seconds_bucket{{le=\"{bound}\"}} {cumulative}"
            );
        }
        cumulative += self.durations[BUCKETS.len()].load(Ordering::Relaxed);
        let _ = writeln!(
            out,
            "nephro_relay_request_duration_seconds_bucket{{le=\"+Inf\"}} {cumulative}\nnephro_relay_request_duration_seconds_count {cumulative}\nnephro_relay_request_duration_seconds_sum {}",
            self.duration_sum_micros.load(Ordering::Relaxed) as f64 / 1e6
        );
        for (name, help, value) in [
            (
                "claims_granted_total",
                "Claims granted.",
                &self.claims_granted,
            ),
            (
                "claims_refused_total",
                "Claims refused (slot held or given).",
                &self.claims_refused,
            ),
            (
                "batches_stored_total",
                "Batches stored (first time).",
                &self.batches_stored,
            ),
            (
                "rate_limited_total",
                "Requests refused by the per-device rate limit.",
                &self.rate_limited,
            ),
        ] {
            let _ = writeln!(
                out,
                "# HELP nephro_relay_{name} {help}\n# TYPE nephro_relay_{name} counter\nnephro_relay_{name} {}",
                value.load(Ordering::Relaxed)
            );
        }
        let status = pool.status();
        let _ = writeln!(
            out,
            "# HELP nephro_relay_db_connections Database connections in the pool.\n# TYPE nephro_relay_db_connections gauge\nnephro_relay_db_connections{{state=\"open\"}} {}\nnephro_relay_db_connections{{state=\"idle\"}} {}\nnephro_relay_db_waiting {}",
            status.size, status.available, status.waiting
        );
        out
    }
}

/// A token bucket per caller (by its verifier), refilled at the configured rate.
#[derive(Default)]
struct RateLimiter {
    buckets: Mutex<HashMap<[u8; SECRET_LEN], (f64, Instant)>>,
}

impl RateLimiter {
    fn admit(&self, key: [u8; SECRET_LEN], config: &Config) -> bool {
        let Ok(mut buckets) = self.buckets.lock() else {
            return true;
        };
        let now = Instant::now();
        if buckets.len() > 100_000 {
            // Forget idle callers rather than grow without bound.
            buckets.retain(|_, (_, at)| now.duration_since(*at) < Duration::from_secs(120));
        }
        let burst = f64::from(config.rate_burst.max(1));
        let (tokens, at) = buckets.entry(key).or_insert((burst, now));
        let refill =
            now.duration_since(*at).as_secs_f64() * f64::from(config.rate_per_minute) / 60.0;
        *tokens = (*tokens + refill).min(burst);
        *at = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

/// What the handlers share.
pub struct AppState {
    pool: Pool,
    config: Config,
    metrics: Metrics,
    limiter: RateLimiter,
}

/// A refused request: its status and a reason naming the field (never its value).
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    message: String,
}

impl ApiError {
    fn new(status: StatusCode, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            message: message.into(),
        }
    }

    fn forbidden() -> ApiError {
        ApiError::new(
            StatusCode::FORBIDDEN,
            "authorization: not allowed for this family or this device",
        )
    }

    fn unauthorized() -> ApiError {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "authorization: unknown, revoked or wrong credential",
        )
    }
}

impl From<Refusal> for ApiError {
    fn from(refusal: Refusal) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, refusal.to_string())
    }
}

impl From<tokio_postgres::Error> for ApiError {
    fn from(error: tokio_postgres::Error) -> ApiError {
        // The SQLSTATE only: a message may quote a value.
        let code = error.code().map_or("none", |c| c.code()).to_string();
        eprintln!("nephro-relay: database error (SQLSTATE {code})");
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "the database is unavailable",
        )
    }
}

impl From<deadpool_postgres::PoolError> for ApiError {
    fn from(_: deadpool_postgres::PoolError) -> ApiError {
        eprintln!("nephro-relay: no database connection");
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "the database is unavailable",
        )
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (
            self.status,
            Json(serde_json::json!({ "error": self.message })),
        )
            .into_response()
    }
}

type ApiResult<T> = Result<T, ApiError>;

/// The relay's clock, UTC epoch ms.
fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// An authenticated caller.
enum Authorized {
    Device {
        family: [u8; ID_LEN],
        device: [u8; ID_LEN],
    },
    Admission {
        family: [u8; ID_LEN],
        verifier: [u8; SECRET_LEN],
        kind: AdmissionKind,
    },
}

/// Authenticates the request's caller for the family of its path, and applies its rate limit.
async fn authorize(
    state: &AppState,
    headers: &HeaderMap,
    family_hex: &str,
) -> ApiResult<Authorized> {
    let family: [u8; ID_LEN] = protocol::decode_hex("family", family_hex)?;
    let value = headers
        .get("authorization")
        .ok_or_else(ApiError::unauthorized)?
        .to_str()
        .map_err(|_| ApiError::new(StatusCode::BAD_REQUEST, "invalid authorization: not text"))?;
    let caller = protocol::parse_authorization(value)?;
    if caller.family() != &family {
        return Err(ApiError::forbidden());
    }
    let client = state.pool.get().await?;
    let authorized = match caller {
        Caller::Device { device, secret, .. } => {
            let row = client
                .query_opt(
                    "SELECT verifier, revoked_ms FROM devices WHERE family = $1 AND device = $2",
                    &[&&family[..], &&device[..]],
                )
                .await?
                .ok_or_else(ApiError::unauthorized)?;
            let stored: Vec<u8> = row.get(0);
            let revoked: Option<i64> = row.get(1);
            let presented = protocol::verifier(&secret);
            if !bool::from(presented[..].ct_eq(&stored)) || revoked.is_some() {
                return Err(ApiError::unauthorized());
            }
            if !state.limiter.admit(presented, &state.config) {
                state.metrics.rate_limited.fetch_add(1, Ordering::Relaxed);
                return Err(ApiError::new(
                    StatusCode::TOO_MANY_REQUESTS,
                    "rate: too many requests from this device; retry later",
                ));
            }
            Authorized::Device { family, device }
        }
        Caller::Admission { token, .. } => {
            let verifier = protocol::verifier(&token);
            let row = client
                .query_opt(
                    "SELECT kind FROM admissions WHERE verifier = $1 AND family = $2 \
                     AND used_ms IS NULL AND (expires_ms IS NULL OR expires_ms > $3)",
                    &[&&verifier[..], &&family[..], &now_ms()],
                )
                .await?
                .ok_or_else(ApiError::unauthorized)?;
            let kind: String = row.get(0);
            if !state.limiter.admit(verifier, &state.config) {
                state.metrics.rate_limited.fetch_add(1, Ordering::Relaxed);
                return Err(ApiError::new(
                    StatusCode::TOO_MANY_REQUESTS,
                    "rate: too many requests; retry later",
                ));
            }
            Authorized::Admission {
                family,
                verifier,
                kind: if kind == "recovery" {
                    AdmissionKind::Recovery
                } else {
                    AdmissionKind::Invitation
                },
            }
        }
    };
    Ok(authorized)
}

/// Authenticates a registered device (admissions are refused).
async fn authorize_device(
    state: &AppState,
    headers: &HeaderMap,
    family_hex: &str,
) -> ApiResult<([u8; ID_LEN], [u8; ID_LEN])> {
    match authorize(state, headers, family_hex).await? {
        Authorized::Device { family, device } => Ok((family, device)),
        Authorized::Admission { .. } => Err(ApiError::forbidden()),
    }
}

/// `POST /v1/families/{family}`: the family's first device registers the family.
async fn register_family(
    State(state): State<Arc<AppState>>,
    Path(family_hex): Path<String>,
    body: Bytes,
) -> ApiResult<StatusCode> {
    let family: [u8; ID_LEN] = protocol::decode_hex("family", &family_hex)?;
    let request: RegisterFamily = protocol::decode_json(&body)?;
    let (device, verifier) = protocol::decode_registration(&request.device, &request.verifier)?;
    let mut client = state.pool.get().await?;
    let tx = client.transaction().await?;
    let inserted = tx
        .execute(
            "INSERT INTO families (family, created_ms) VALUES ($1, $2) ON CONFLICT DO NOTHING",
            &[&&family[..], &now_ms()],
        )
        .await?;
    if inserted == 0 {
        // A retry of the same registration is accepted; anything else is a conflict.
        let same = tx
            .query_opt(
                "SELECT 1 FROM devices WHERE family = $1 AND device = $2 AND verifier = $3 \
                 AND revoked_ms IS NULL",
                &[&&family[..], &&device[..], &&verifier[..]],
            )
            .await?;
        return if same.is_some() {
            Ok(StatusCode::OK)
        } else {
            Err(ApiError::new(
                StatusCode::CONFLICT,
                "family: already registered",
            ))
        };
    }
    tx.execute(
        "INSERT INTO devices (family, device, verifier, created_ms) VALUES ($1, $2, $3, $4)",
        &[&&family[..], &&device[..], &&verifier[..], &now_ms()],
    )
    .await?;
    tx.commit().await?;
    Ok(StatusCode::CREATED)
}

/// `POST /v1/families/{family}/devices`: a device admitted by an invitation or the recovery
/// code registers its credential.
async fn register_device(
    State(state): State<Arc<AppState>>,
    Path(family_hex): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<StatusCode> {
    let request: RegisterDevice = protocol::decode_json(&body)?;
    let (device, device_verifier) =
        protocol::decode_registration(&request.device, &request.verifier)?;
    if let Some(status) =
        registration_replayed(&state, &headers, &family_hex, &device, &device_verifier).await?
    {
        return Ok(status);
    }
    let Authorized::Admission {
        family,
        verifier,
        kind,
    } = authorize(&state, &headers, &family_hex).await?
    else {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "authorization: registering a device takes an invitation or the recovery code",
        ));
    };
    let mut client = state.pool.get().await?;
    let tx = client.transaction().await?;
    // Locks the admission: two devices racing with one invitation, one wins.
    let live = tx
        .query_opt(
            "SELECT 1 FROM admissions WHERE verifier = $1 AND used_ms IS NULL FOR UPDATE",
            &[&&verifier[..]],
        )
        .await?;
    if live.is_none() {
        return Err(ApiError::unauthorized());
    }
    let inserted = tx
        .execute(
            "INSERT INTO devices (family, device, verifier, created_ms) VALUES ($1, $2, $3, $4) \
             ON CONFLICT DO NOTHING",
            &[&&family[..], &&device[..], &&device_verifier[..], &now_ms()],
        )
        .await?;
    if inserted == 0 {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "body.device: already registered",
        ));
    }
    if kind == AdmissionKind::Invitation {
        tx.execute(
            "UPDATE admissions SET used_ms = $2 WHERE verifier = $1",
            &[&&verifier[..], &now_ms()],
        )
        .await?;
    }
    tx.commit().await?;
    Ok(StatusCode::CREATED)
}

/// A registration sent again (its answer was lost): the device is registered with the same
/// verifier under the same admission, which an invitation's registration has used up. Accepted
/// as done, so a retry never strands a device that has joined.
async fn registration_replayed(
    state: &AppState,
    headers: &HeaderMap,
    family_hex: &str,
    device: &[u8; ID_LEN],
    device_verifier: &[u8; SECRET_LEN],
) -> ApiResult<Option<StatusCode>> {
    let Some(Ok(value)) = headers.get("authorization").map(|v| v.to_str()) else {
        return Ok(None);
    };
    let Ok(Caller::Admission { family, token }) = protocol::parse_authorization(value) else {
        return Ok(None);
    };
    if protocol::hex(&family) != family_hex {
        return Ok(None);
    }
    let admission = protocol::verifier(&token);
    let client = state.pool.get().await?;
    let replayed = client
        .query_opt(
            "SELECT 1 FROM devices d JOIN admissions a ON a.family = d.family \
             WHERE d.family = $1 AND d.device = $2 AND d.verifier = $3 AND d.revoked_ms IS NULL \
             AND a.verifier = $4",
            &[
                &&family[..],
                &&device[..],
                &&device_verifier[..],
                &&admission[..],
            ],
        )
        .await?;
    Ok(replayed.map(|_| StatusCode::OK))
}

/// `POST /v1/families/{family}/admissions`: a member registers an invitation's admission, or
/// the family's new recovery code (which replaces the previous one).
async fn register_admission(
    State(state): State<Arc<AppState>>,
    Path(family_hex): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<StatusCode> {
    let request: RegisterAdmission = protocol::decode_json(&body)?;
    let verifier: [u8; SECRET_LEN] = protocol::decode_hex("body.verifier", &request.verifier)?;
    let (family, _) = authorize_device(&state, &headers, &family_hex).await?;
    let mut client = state.pool.get().await?;
    let tx = client.transaction().await?;
    let expires: Option<i64> = match request.kind {
        AdmissionKind::Invitation => Some(now_ms().saturating_add(
            i64::try_from(state.config.invitation_ttl.as_millis()).unwrap_or(i64::MAX),
        )),
        AdmissionKind::Recovery => {
            tx.execute(
                "DELETE FROM admissions WHERE family = $1 AND kind = 'recovery' AND verifier <> $2",
                &[&&family[..], &&verifier[..]],
            )
            .await?;
            None
        }
    };
    tx.execute(
        "INSERT INTO admissions (verifier, family, kind, expires_ms) VALUES ($1, $2, $3, $4) \
         ON CONFLICT DO NOTHING",
        &[
            &&verifier[..],
            &&family[..],
            &request.kind.as_str(),
            &expires,
        ],
    )
    .await?;
    tx.commit().await?;
    Ok(StatusCode::CREATED)
}

/// `DELETE /v1/families/{family}/devices/{device}`: a member revokes another member's
/// credential (after removing it from the family); its held claims end.
async fn revoke_device(
    State(state): State<Arc<AppState>>,
    Path((family_hex, device_hex)): Path<(String, String)>,
    headers: HeaderMap,
) -> ApiResult<StatusCode> {
    let target: [u8; ID_LEN] = protocol::decode_hex("device", &device_hex)?;
    let (family, device) = authorize_device(&state, &headers, &family_hex).await?;
    if target == device {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid device: is this device: another member revokes it",
        ));
    }
    let mut client = state.pool.get().await?;
    let tx = client.transaction().await?;
    let updated = tx
        .execute(
            "UPDATE devices SET revoked_ms = COALESCE(revoked_ms, $3) WHERE family = $1 AND device = $2",
            &[&&family[..], &&target[..], &now_ms()],
        )
        .await?;
    if updated == 0 {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "device: not a device of this family",
        ));
    }
    tx.execute(
        "DELETE FROM claims WHERE family = $1 AND device = $2 AND state = 'held'",
        &[&&family[..], &&target[..]],
    )
    .await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `PUT /v1/families/{family}/blobs/{*name}`: stores a blob once (a batch also gets the
/// family's next server sequence). The same bytes again are accepted; others are a conflict.
async fn put_blob(
    State(state): State<Arc<AppState>>,
    Path((family_hex, name)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    let blob = protocol::parse_blob_name(&name)?;
    let (family, device) = authorize_device(&state, &headers, &family_hex).await?;
    if body.is_empty() {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid body: is empty",
        ));
    }
    let mut client = state.pool.get().await?;
    let tx = client.transaction().await?;
    let conflict = || {
        ApiError::new(
            StatusCode::CONFLICT,
            "name: already holds other bytes (written once)",
        )
    };
    match blob {
        BlobName::Batch {
            device: writer,
            epoch,
            sequence,
        } => {
            if writer != device {
                return Err(ApiError::new(
                    StatusCode::FORBIDDEN,
                    "name: a device writes only its own batches",
                ));
            }
            let sequence = i64::try_from(sequence).map_err(|_| {
                ApiError::new(StatusCode::BAD_REQUEST, "invalid name: sequence too large")
            })?;
            // The family row's lock orders the family's pushes: server sequences become
            // visible in order.
            let next: i64 = tx
                .query_one(
                    "UPDATE families SET last_sequence = last_sequence + 1 WHERE family = $1 \
                     RETURNING last_sequence",
                    &[&&family[..]],
                )
                .await?
                .get(0);
            if let Some(row) = tx
                .query_opt(
                    "SELECT body, server_sequence FROM batches WHERE family = $1 AND device = $2 \
                     AND epoch = $3 AND sequence = $4",
                    &[&&family[..], &&device[..], &i64::from(epoch), &sequence],
                )
                .await?
            {
                let existing: Vec<u8> = row.get(0);
                let server_sequence: i64 = row.get(1);
                // Nothing written: the sequence bump rolls back.
                return if existing == body[..] {
                    Ok((
                        StatusCode::OK,
                        Json(serde_json::json!({ "server_sequence": server_sequence })),
                    )
                        .into_response())
                } else {
                    Err(conflict())
                };
            }
            tx.execute(
                "INSERT INTO batches (family, server_sequence, device, epoch, sequence, body) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
                &[
                    &&family[..],
                    &next,
                    &&device[..],
                    &i64::from(epoch),
                    &sequence,
                    &&body[..],
                ],
            )
            .await?;
            tx.commit().await?;
            state.metrics.batches_stored.fetch_add(1, Ordering::Relaxed);
            Ok((
                StatusCode::CREATED,
                Json(serde_json::json!({ "server_sequence": next })),
            )
                .into_response())
        }
        BlobName::Other(name) => {
            let inserted = tx
                .execute(
                    "INSERT INTO blobs (family, name, body) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
                    &[&&family[..], &name, &&body[..]],
                )
                .await?;
            if inserted == 1 {
                tx.commit().await?;
                return Ok(StatusCode::CREATED.into_response());
            }
            let existing: Vec<u8> = tx
                .query_one(
                    "SELECT body FROM blobs WHERE family = $1 AND name = $2",
                    &[&&family[..], &name],
                )
                .await?
                .get(0);
            if existing == body[..] {
                Ok(StatusCode::OK.into_response())
            } else {
                Err(conflict())
            }
        }
    }
}

/// `GET /v1/families/{family}/blobs/{*name}`: a blob's bytes (also to an admission: the
/// wrapped keys a joining device opens).
async fn get_blob(
    State(state): State<Arc<AppState>>,
    Path((family_hex, name)): Path<(String, String)>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let blob = protocol::parse_blob_name(&name)?;
    let family = match authorize(&state, &headers, &family_hex).await? {
        Authorized::Device { family, .. } | Authorized::Admission { family, .. } => family,
    };
    let client = state.pool.get().await?;
    let row = match blob {
        BlobName::Batch {
            device,
            epoch,
            sequence,
        } => {
            let Ok(sequence) = i64::try_from(sequence) else {
                return Ok(StatusCode::NOT_FOUND.into_response());
            };
            client
                .query_opt(
                    "SELECT body FROM batches WHERE family = $1 AND device = $2 AND epoch = $3 \
                     AND sequence = $4",
                    &[&&family[..], &&device[..], &i64::from(epoch), &sequence],
                )
                .await?
        }
        BlobName::Other(name) => {
            client
                .query_opt(
                    "SELECT body FROM blobs WHERE family = $1 AND name = $2",
                    &[&&family[..], &name],
                )
                .await?
        }
    };
    Ok(match row {
        Some(row) => {
            let body: Vec<u8> = row.get(0);
            (
                [(axum::http::header::CONTENT_TYPE, "application/octet-stream")],
                body,
            )
                .into_response()
        }
        None => (
            StatusCode::NOT_FOUND,
            Json(serde_json::json!({ "error": "name: nothing stored under it" })),
        )
            .into_response(),
    })
}

#[derive(Deserialize)]
struct ListQuery {
    prefix: String,
}

/// `GET /v1/families/{family}/list?prefix=P`: the names directly under `P`.
async fn list(
    State(state): State<Arc<AppState>>,
    Path(family_hex): Path<String>,
    Query(query): Query<ListQuery>,
    headers: HeaderMap,
) -> ApiResult<Json<Vec<String>>> {
    protocol::check_name(&query.prefix)?;
    let family = match authorize(&state, &headers, &family_hex).await? {
        Authorized::Device { family, .. } | Authorized::Admission { family, .. } => family,
    };
    let client = state.pool.get().await?;
    let parts: Vec<&str> = query.prefix.split('/').collect();
    let names: BTreeSet<String> = match parts.as_slice() {
        ["batches"] => client
            .query(
                "SELECT DISTINCT device FROM batches WHERE family = $1",
                &[&&family[..]],
            )
            .await?
            .iter()
            .map(|row| protocol::hex(&row.get::<_, Vec<u8>>(0)))
            .collect(),
        ["batches", device] => {
            let device: [u8; ID_LEN] = protocol::decode_hex("prefix", device)?;
            client
                .query(
                    "SELECT epoch, sequence FROM batches WHERE family = $1 AND device = $2",
                    &[&&family[..], &&device[..]],
                )
                .await?
                .iter()
                .map(|row| format!("{:08x}-{:016x}", row.get::<_, i64>(0), row.get::<_, i64>(1)))
                .collect()
        }
        ["batches", ..] => BTreeSet::new(),
        _ => {
            // Names hold no `%` or `_` (checked), so the prefix needs no escaping in LIKE.
            let pattern = format!("{}/%", query.prefix);
            client
                .query(
                    "SELECT name FROM blobs WHERE family = $1 AND name LIKE $2",
                    &[&&family[..], &pattern],
                )
                .await?
                .iter()
                .filter_map(|row| {
                    let name: String = row.get(0);
                    name[query.prefix.len() + 1..]
                        .split('/')
                        .next()
                        .map(str::to_string)
                })
                .collect()
        }
    };
    Ok(Json(names.into_iter().collect()))
}

#[derive(Deserialize)]
struct PullQuery {
    #[serde(default)]
    after: i64,
    limit: Option<i64>,
}

/// `GET /v1/families/{family}/batches?after=N&limit=M`: the family's batches after the cursor,
/// in server order.
async fn pull(
    State(state): State<Arc<AppState>>,
    Path(family_hex): Path<String>,
    Query(query): Query<PullQuery>,
    headers: HeaderMap,
) -> ApiResult<Json<PullPage>> {
    let (family, _) = authorize_device(&state, &headers, &family_hex).await?;
    let limit = query
        .limit
        .unwrap_or(state.config.max_pull_batches)
        .clamp(1, state.config.max_pull_batches);
    let client = state.pool.get().await?;
    let rows = client
        .query(
            "SELECT server_sequence, device, epoch, sequence, body FROM batches \
             WHERE family = $1 AND server_sequence > $2 ORDER BY server_sequence LIMIT $3",
            &[&&family[..], &query.after, &limit],
        )
        .await?;
    let mut page = PullPage {
        batches: Vec::with_capacity(rows.len()),
        next: query.after,
    };
    for row in rows {
        let server_sequence: i64 = row.get(0);
        let device: Vec<u8> = row.get(1);
        let body: Vec<u8> = row.get(4);
        page.batches.push(PulledBatch {
            server_sequence,
            name: format!(
                "batches/{}/{:08x}-{:016x}",
                protocol::hex(&device),
                row.get::<_, i64>(2),
                row.get::<_, i64>(3)
            ),
            body: BASE64.encode(&body),
        });
        page.next = server_sequence;
    }
    Ok(Json(page))
}

fn claim_answer(granted: bool, row: &tokio_postgres::Row) -> ClaimAnswer {
    let holder: Vec<u8> = row.get("holder");
    ClaimAnswer {
        granted,
        state: row.get("state"),
        holder: BASE64.encode(&holder),
        since_ms: row.get("since_ms"),
        expires_ms: row.get("expires_ms"),
    }
}

/// `POST /v1/families/{family}/claims/{token}`: claims a dose slot (clinical-rules §11). The
/// first claim wins; a later one is told the holder (sealed) and since when, until the claim
/// ends (logged, released, expired). The holder's own device may claim again (refreshing it).
async fn claim(
    State(state): State<Arc<AppState>>,
    Path((family_hex, token_hex)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    let token = protocol::parse_claim_token(&token_hex)?;
    protocol::check_holder(&body)?;
    let (family, device) = authorize_device(&state, &headers, &family_hex).await?;
    let now = now_ms();
    let expires = claim_expiry(now, &state.config);
    let client = state.pool.get().await?;
    // One statement: PostgreSQL locks the conflicting row and re-checks the condition on its
    // latest version, so of two claims at the same moment exactly one is granted.
    let granted = client
        .query_opt(
            "INSERT INTO claims (family, token, device, holder, state, since_ms, expires_ms) \
             VALUES ($1, $2, $3, $4, 'held', $5, $6) \
             ON CONFLICT (family, token) DO UPDATE SET device = EXCLUDED.device, \
               holder = EXCLUDED.holder, state = 'held', since_ms = EXCLUDED.since_ms, \
               expires_ms = EXCLUDED.expires_ms \
             WHERE claims.expires_ms <= EXCLUDED.since_ms \
               OR (claims.state = 'held' AND claims.device = EXCLUDED.device) \
             RETURNING holder, state, since_ms, expires_ms",
            &[
                &&family[..],
                &&token[..],
                &&device[..],
                &&body[..],
                &now,
                &expires,
            ],
        )
        .await?;
    if let Some(row) = granted {
        state.metrics.claims_granted.fetch_add(1, Ordering::Relaxed);
        return Ok(Json(claim_answer(true, &row)).into_response());
    }
    let row = client
        .query_opt(
            "SELECT holder, state, since_ms, expires_ms FROM claims WHERE family = $1 AND token = $2",
            &[&&family[..], &&token[..]],
        )
        .await?
        .ok_or_else(|| ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "claim: retry"))?;
    state.metrics.claims_refused.fetch_add(1, Ordering::Relaxed);
    Ok((StatusCode::CONFLICT, Json(claim_answer(false, &row))).into_response())
}

#[derive(Deserialize)]
struct EndQuery {
    outcome: ClaimOutcome,
}

/// `DELETE /v1/families/{family}/claims/{token}?outcome=taken|skipped|released`: the holder
/// ends its claim (§11): taken keeps answering "given" for a while; skipped and released free
/// the slot.
async fn end_claim(
    State(state): State<Arc<AppState>>,
    Path((family_hex, token_hex)): Path<(String, String)>,
    Query(query): Query<EndQuery>,
    headers: HeaderMap,
) -> ApiResult<StatusCode> {
    let token = protocol::parse_claim_token(&token_hex)?;
    let (family, device) = authorize_device(&state, &headers, &family_hex).await?;
    let client = state.pool.get().await?;
    let now = now_ms();
    let changed = match query.outcome {
        ClaimOutcome::Taken => {
            let until = now.saturating_add(
                i64::try_from(state.config.given_retention.as_millis()).unwrap_or(i64::MAX),
            );
            client
                .execute(
                    "UPDATE claims SET state = 'given', expires_ms = $4 WHERE family = $1 \
                     AND token = $2 AND device = $3 AND state = 'held' AND expires_ms > $5",
                    &[&&family[..], &&token[..], &&device[..], &until, &now],
                )
                .await?
        }
        ClaimOutcome::Skipped | ClaimOutcome::Released => {
            client
                .execute(
                    "DELETE FROM claims WHERE family = $1 AND token = $2 AND device = $3 \
                     AND state = 'held'",
                    &[&&family[..], &&token[..], &&device[..]],
                )
                .await?
        }
    };
    if changed == 0 {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "token: this device holds no live claim on the slot",
        ));
    }
    Ok(StatusCode::NO_CONTENT)
}

async fn health(State(state): State<Arc<AppState>>) -> ApiResult<&'static str> {
    let client = state.pool.get().await?;
    client.query_one("SELECT 1", &[]).await?;
    Ok("ok\n")
}

async fn metrics(State(state): State<Arc<AppState>>) -> Response {
    (
        [(
            axum::http::header::CONTENT_TYPE,
            "text/plain; version=0.0.4",
        )],
        state.metrics.render(&state.pool),
    )
        .into_response()
}

/// Counts and times each request by its route template; logs it when asked (no ids: the
/// template has placeholders where the path had them).
async fn observe(State(state): State<Arc<AppState>>, request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or("unmatched", MatchedPath::as_str)
        .to_string();
    let method = request.method().clone();
    let started = Instant::now();
    let response = next.run(request).await;
    let elapsed = started.elapsed();
    let status = response.status().as_u16();
    state.metrics.observe(&route, status, elapsed);
    if state.config.access_log || status >= 500 {
        eprintln!(
            "nephro-relay: {method} {route} {status} {:.1} ms",
            elapsed.as_secs_f64() * 1e3
        );
    }
    response
}

/// Deletes expired claims and admissions now and then (they are refused when expired anyway).
async fn sweep(state: Arc<AppState>) {
    let mut interval = tokio::time::interval(Duration::from_secs(60));
    loop {
        interval.tick().await;
        if let Ok(client) = state.pool.get().await {
            let now = now_ms();
            let _ = client
                .execute("DELETE FROM claims WHERE expires_ms <= $1", &[&now])
                .await;
            let _ = client
                .execute("DELETE FROM admissions WHERE expires_ms <= $1", &[&now])
                .await;
        }
    }
}

/// The relay's routes over `pool`.
pub fn router(pool: Pool, config: Config) -> Router {
    let state = Arc::new(AppState {
        pool,
        limiter: RateLimiter::default(),
        metrics: Metrics::default(),
        config,
    });
    tokio::spawn(sweep(state.clone()));
    Router::new()
        .route("/health", get(health))
        .route("/metrics", get(metrics))
        .route("/v1/families/{family}", post(register_family))
        .route("/v1/families/{family}/devices", post(register_device))
        .route(
            "/v1/families/{family}/devices/{device}",
            axum::routing::delete(revoke_device),
        )
        .route("/v1/families/{family}/admissions", post(register_admission))
        .route(
            "/v1/families/{family}/blobs/{*name}",
            put(put_blob).get(get_blob),
        )
        .route("/v1/families/{family}/list", get(list))
        .route("/v1/families/{family}/batches", get(pull))
        .route(
            "/v1/families/{family}/claims/{token}",
            post(claim).delete(end_claim),
        )
        .layer(middleware::from_fn_with_state(state.clone(), observe))
        .layer(DefaultBodyLimit::max(state.config.max_body_bytes))
        .with_state(state)
}

/// Runs the relay on `listen` until SIGINT or SIGTERM.
pub async fn serve(listen: SocketAddr, pool: Pool, config: Config) -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind(listen).await?;
    eprintln!("nephro-relay: listening on {}", listener.local_addr()?);
    axum::serve(listener, router(pool, config))
        .with_graceful_shutdown(async {
            let terminate = async {
                if let Ok(mut signal) =
                    tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
                {
                    signal.recv().await;
                }
            };
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {},
                _ = terminate => {},
            }
        })
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_claim_lasts_thirty_minutes_by_default_and_follows_the_policy() {
        let config = Config::default();
        assert_eq!(claim_expiry(1_000, &config), 1_000 + 30 * 60 * 1000);
        let short = Config {
            claim_ttl: Duration::from_secs(5),
            ..Config::default()
        };
        assert_eq!(claim_expiry(1_000, &short), 6_000);
    }

    #[test]
    fn the_rate_limiter_allows_the_burst_then_refuses() {
        let config = Config {
            rate_per_minute: 1,
            rate_burst: 3,
            ..Config::default()
        };
        let limiter = RateLimiter::default();
        let allowed = (0..10).filter(|_| limiter.admit([1; 32], &config)).count();
        assert_eq!(allowed, 3);
        // Another device has its own bucket.
        assert!(limiter.admit([2; 32], &config));
    }
}
