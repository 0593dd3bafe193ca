//! The kinds the product names in both the server and the browser: how a menu hands out its
//! places, what a resource is, what a question asks for, what a staff member may do. Each has
//! one stored name (`as_str` / `parse`), which is also its name in JSON.

use serde::{Deserialize, Serialize};

macro_rules! named_enum {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident = $text:literal),* $(,)? }) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
        pub enum $name {
            $($(#[$vdoc])* #[serde(rename = $text)] $variant),*
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),*];

            /// The stored name.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text),*
                }
            }

            pub fn parse(s: &str) -> Option<Self> {
                Self::ALL.iter().copied().find(|k| k.as_str() == s)
            }
        }
    };
}

named_enum!(
    /// How a menu hands out its places (the capacity goes with it in `BookingMode`).
    ModeKind {
        /// Fixed start times, each with a number of seats.
        Slot = "slot",
        /// 時間帯予約: a band of time holding several patients.
        Band = "band",
        /// 順番予約: a numbered place in the day's queue.
        Queue = "queue",
    }
);

named_enum!(
    /// What appointments are booked on.
    ResourceKind {
        Practitioner = "practitioner",
        Room = "room",
    }
);

named_enum!(
    /// What one of the clinic's questions (問診) asks for.
    QuestionKind {
        Text = "text",
        /// One of the question's choices (stored in Japanese).
        Choice = "choice",
        /// `yes` or `no`.
        YesNo = "yes_no",
    }
);

named_enum!(
    /// What a staff member may do: the owner everything, staff the daily work.
    StaffRole {
        Owner = "owner",
        Staff = "staff",
    }
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_names_round_trip_and_match_json() {
        for k in ModeKind::ALL {
            assert_eq!(ModeKind::parse(k.as_str()), Some(*k));
            assert_eq!(serde_json::to_string(k).expect("json"), format!("\"{}\"", k.as_str()));
        }
        assert_eq!(QuestionKind::parse("yes_no"), Some(QuestionKind::YesNo));
        assert_eq!(StaffRole::parse("admin"), None);
        assert_eq!(ResourceKind::parse("room"), Some(ResourceKind::Room));
    }
}
