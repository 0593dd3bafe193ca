//! Per-address limits on what anyone can do without a staff account: patients' sign-ins and
//! booking requests. A flood (a script sending thousands of requests) is refused with 429
//! before it reaches the database; a family or a clinic's waiting-room Wi-Fi sharing one
//! address stays well under the limit.
//!
//! The buckets live in each instance's memory (`governor`'s keyed token buckets): with several
//! instances behind a balancer an address gets each instance's allowance, which still bounds a
//! flood. The limits that must hold across instances (how many places one patient holds) are
//! booking rules, checked in the booking transaction.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};

use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::error::Problem;

/// What a patient may send per minute from one address, by default.
pub const DEFAULT_PER_MINUTE: NonZeroU32 = NonZeroU32::new(30).expect("non-zero");

/// What is limited: each has its own bucket per address.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Limited {
    SignIn,
    BookingRequest,
}

pub struct PatientLimits {
    sign_ins: DefaultKeyedRateLimiter<IpAddr>,
    booking_requests: DefaultKeyedRateLimiter<IpAddr>,
    checks: AtomicU64,
}

impl PatientLimits {
    /// `per_minute` of each, with as large a burst (a patient who taps quickly is not refused).
    pub fn per_minute(per_minute: NonZeroU32) -> Self {
        let quota = Quota::per_minute(per_minute);
        PatientLimits { sign_ins: RateLimiter::keyed(quota), booking_requests: RateLimiter::keyed(quota), checks: AtomicU64::new(0) }
    }

    /// Counts one `what` from `address`; refused when its bucket is empty.
    pub fn check(&self, what: Limited, address: IpAddr) -> Result<(), Problem> {
        let bucket = match what {
            Limited::SignIn => &self.sign_ins,
            Limited::BookingRequest => &self.booking_requests,
        };
        bucket.check_key(&address).map_err(|_| {
            tracing::warn!(%address, ?what, "rate limit reached");
            Problem::RateLimited
        })?;
        // Addresses whose bucket is full again are dropped now and then, so the table stays as
        // large as the last minute's traffic (a pass over it, so not on every request).
        if self.checks.fetch_add(1, Ordering::Relaxed) % 4096 == 4095 {
            bucket.retain_recent();
        }
        Ok(())
    }
}

impl Default for PatientLimits {
    fn default() -> Self {
        PatientLimits::per_minute(DEFAULT_PER_MINUTE)
    }
}

/// Counts one `what` from the client of the current request (its TCP peer, or the address
/// the trusted proxy names).
pub fn check(what: Limited) -> Result<(), Problem> {
    let state = crate::state::app_state()?;
    // Without a peer address (only in-process tests call so) there is one shared bucket.
    let address = crate::api::client_ip().unwrap_or(IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED));
    state.limits.check(what, address)
}
