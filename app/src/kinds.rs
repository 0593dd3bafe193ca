//! The kinds the product names in both the server and the browser: how a menu hands out its
//! places, what a resource is, what a question asks for, what a staff member may do. Each has
//! one stored name (`as_str` / `parse`), which is also its name in JSON.

/// An enum whose variants have one stored name each (`as_str` / `parse`), which is also their
/// name in JSON.
macro_rules! named_enum {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident = $text:literal),* $(,)? }) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
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

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}
#[cfg(feature = "ssr")]
pub(crate) use named_enum;

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

named_enum!(
    /// What a stored notice is about (its `kind` column).
    NoticeType {
        /// A website request reached the clinic (after its code).
        Received = "received",
        Confirmed = "confirmed",
        Declined = "declined",
        Proposed = "proposed",
        Expired = "expired",
        CancelledByClinic = "cancelled_by_clinic",
        CancelledByPatient = "cancelled_by_patient",
        Reminder = "reminder",
        CancelRefused = "cancel_refused",
        /// The 6-digit code that proves a website patient's e-mail address.
        EmailCode = "email_code",
        /// The day queue: the patient's turn is near (once per visit).
        NearTurn = "near_turn",
    }
);

impl NoticeType {
    /// How staff read it.
    pub fn label(self, lang: crate::i18n::Lang) -> &'static str {
        let (ja, en) = match self {
            NoticeType::Received => ("受付のお知らせ", "Request received"),
            NoticeType::Confirmed => ("予約確定のお知らせ", "Confirmation"),
            NoticeType::Declined => ("お断りのお知らせ", "Decline"),
            NoticeType::Proposed => ("別日時のご提案", "Proposal"),
            NoticeType::Expired => ("期限切れのお知らせ", "Expiry"),
            NoticeType::CancelledByClinic => ("医院からのキャンセル", "Clinic cancellation"),
            NoticeType::CancelledByPatient => ("キャンセル受付", "Cancellation receipt"),
            NoticeType::Reminder => ("前日リマインダー", "Reminder"),
            NoticeType::CancelRefused => ("キャンセル不可のお知らせ", "Cancel refused"),
            NoticeType::EmailCode => ("確認コード", "Confirmation code"),
            NoticeType::NearTurn => ("順番のお知らせ", "Turn near"),
        };
        lang.pick(ja, en)
    }
}

named_enum!(
    /// How a notice reaches the patient.
    Channel {
        /// A push message through the clinic's Official Account.
        Line = "line",
        /// The console's LINE sandbox, for a clinic without LINE channels (the demo).
        Sandbox = "sandbox",
        /// An e-mail, for a patient who booked on the clinic's website (by SMTP; without SMTP,
        /// to the console's sandbox).
        Email = "email",
    }
);

named_enum!(
    /// How a sent notice reached the patient: the outbox picks per notice and patient.
    SentVia {
        /// A LINE MINI App service message (no friendship needed, outside the message quota).
        ServiceMessage = "service_message",
        /// A push through the clinic's Official Account.
        Push = "push",
        Email = "email",
        Sandbox = "sandbox",
    }
);

impl SentVia {
    /// How staff read it.
    pub fn label(self, lang: crate::i18n::Lang) -> &'static str {
        let (ja, en) = match self {
            SentVia::ServiceMessage => ("LINEミニアプリ通知", "LINE MINI App notice"),
            SentVia::Push => ("LINE公式アカウント", "LINE Official Account"),
            SentVia::Email => ("メール", "E-mail"),
            SentVia::Sandbox => ("サンドボックス", "Sandbox"),
        };
        lang.pick(ja, en)
    }
}

named_enum!(
    /// Where a notice is on its way.
    DeliveryStatus {
        Queued = "queued",
        /// Claimed by a worker (until its lease runs out).
        Sending = "sending",
        Sent = "sent",
        Failed = "failed",
    }
);

impl DeliveryStatus {
    /// How staff read it.
    pub fn label(self, lang: crate::i18n::Lang) -> &'static str {
        let (ja, en) = match self {
            DeliveryStatus::Queued | DeliveryStatus::Sending => ("送信待ち", "Queued"),
            DeliveryStatus::Sent => ("送信済み", "Sent"),
            DeliveryStatus::Failed => ("送信失敗", "Failed"),
        };
        lang.pick(ja, en)
    }
}

named_enum!(
    /// How a patient gave their consent to the clinic's privacy notice.
    ConsentChannel {
        /// In the LIFF page, signed in with LINE.
        Line = "line",
        /// On the clinic's website (the widget's e-mail form).
        Web = "web",
        /// The LIFF page of a clinic without LINE channels (the demo).
        Sandbox = "sandbox",
    }
);

impl ConsentChannel {
    pub fn label(self, lang: crate::i18n::Lang) -> &'static str {
        let (ja, en) = match self {
            ConsentChannel::Line => ("LINE", "LINE"),
            ConsentChannel::Web => ("ウェブ", "Website"),
            ConsentChannel::Sandbox => ("サンドボックス", "Sandbox"),
        };
        lang.pick(ja, en)
    }
}

named_enum!(
    /// What a staff member did with patients' data, as the access log keeps it.
    AccessKind {
        /// Opened one patient's record (details, history, consents).
        PatientViewed = "patient_viewed",
        /// Saw a request's answers to the clinic's questions, in the inbox.
        AnswersViewed = "answers_viewed",
        /// Saw the patient on the day's calendar.
        DayViewed = "day_viewed",
        /// Found the patient by a search.
        Searched = "searched",
        /// Downloaded a CSV file.
        Exported = "exported",
        /// Changed one of the patient's appointments.
        Changed = "changed",
        /// Erased the patient (their data-rights request, or asked at the desk).
        Erased = "erased",
    }
);

impl AccessKind {
    pub fn label(self, lang: crate::i18n::Lang) -> &'static str {
        let (ja, en) = match self {
            AccessKind::PatientViewed => ("患者情報を閲覧", "Opened the record"),
            AccessKind::AnswersViewed => ("問診の回答を閲覧", "Saw the answers"),
            AccessKind::DayViewed => ("予約表で閲覧", "Saw on the calendar"),
            AccessKind::Searched => ("検索で表示", "Found by a search"),
            AccessKind::Exported => ("データを書き出し", "Exported data"),
            AccessKind::Changed => ("予約を変更", "Changed an appointment"),
            AccessKind::Erased => ("患者情報を消去", "Erased the patient's data"),
        };
        lang.pick(ja, en)
    }

    /// A read is logged once per staff member, patient and detail in [`READ_AGAIN_MINUTES`]:
    /// a page that refreshes itself does not flood the log. Changes are logged each time.
    pub fn is_read(self) -> bool {
        !matches!(self, AccessKind::Changed | AccessKind::Exported | AccessKind::Erased)
    }
}

/// How long the same read is not logged again (see [`AccessKind::is_read`]).
pub const READ_AGAIN_MINUTES: i64 = 10;

named_enum!(
    /// A step of the live queue, as its audit log names it.
    QueueStep {
        Called = "called",
        Skipped = "skipped",
        /// The turn ended as the next was called: the visit is completed.
        Completed = "completed",
        Absent = "absent",
        /// The patient checked in on arrival, from their phone.
        Arrived = "arrived",
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
