//! What the waiting room's display and the patients' pages know of today's queues: numbers,
//! never names. Sent by the server (`/d/{clinic}/events`) and read in the browser, so it is
//! free of chrono: the patient's page works out its own place from its number.

use serde::{Deserialize, Serialize};

use super::ids::{MenuId, ResourceId};

/// One queue (a queue-mode menu on one practitioner or room), today.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueBoard {
    pub resource_id: ResourceId,
    pub menu_id: MenuId,
    pub resource_name_ja: String,
    pub resource_name_en: String,
    pub menu_name_ja: String,
    pub menu_name_en: String,
    /// The number being called now.
    pub calling: Option<u32>,
    /// The numbers still to be called, in order.
    pub waiting: Vec<u32>,
    /// Called and did not answer: they wait aside to be recalled.
    pub skipped: Vec<u32>,
    /// Of the numbers not yet seen, those who told the clinic they have arrived.
    pub arrived: Vec<u32>,
    /// Minutes from one call to the next: today's average once two were called, otherwise the
    /// menu's duration.
    pub pace_minutes: u32,
    /// Whether `pace_minutes` comes from today's calls (otherwise it is the menu's duration).
    pub measured: bool,
}

/// Where one patient's number stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Place {
    /// Being called: go in now.
    Called,
    /// `ahead` are called first; about `minutes` until the call (an estimate).
    Waiting { ahead: u32, minutes: u32 },
    /// Called and not there: tell reception.
    Skipped,
    /// Not in today's line (seen already, or not a place of this queue).
    Gone,
}

impl QueueBoard {
    pub fn place(&self, number: u32) -> Place {
        if self.calling == Some(number) {
            return Place::Called;
        }
        if self.skipped.contains(&number) {
            return Place::Skipped;
        }
        match self.waiting.iter().position(|n| *n == number) {
            // The one being called now finishes, then each ahead has their turn, then this one.
            Some(ahead) => {
                let turns = ahead as u32 + u32::from(self.calling.is_some());
                Place::Waiting { ahead: ahead as u32, minutes: turns * self.pace_minutes }
            }
            None => Place::Gone,
        }
    }

    pub fn name(&self, lang: crate::i18n::Lang) -> String {
        format!("{} {}", lang.pick(&self.menu_name_ja, &self.menu_name_en), lang.pick(&self.resource_name_ja, &self.resource_name_en))
    }
}

/// Today's queues of one clinic.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClinicBoard {
    pub clinic_name_ja: String,
    pub clinic_name_en: String,
    pub queues: Vec<QueueBoard>,
}

impl ClinicBoard {
    pub fn queue(&self, resource: ResourceId, menu: MenuId) -> Option<&QueueBoard> {
        self.queues.iter().find(|q| q.resource_id == resource && q.menu_id == menu)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn board(calling: Option<u32>, waiting: &[u32], skipped: &[u32]) -> QueueBoard {
        QueueBoard {
            resource_id: ResourceId(1),
            menu_id: MenuId(1),
            resource_name_ja: String::new(),
            resource_name_en: String::new(),
            menu_name_ja: String::new(),
            menu_name_en: String::new(),
            calling,
            waiting: waiting.to_vec(),
            skipped: skipped.to_vec(),
            arrived: Vec::new(),
            pace_minutes: 6,
            measured: false,
        }
    }

    #[test]
    fn a_number_finds_its_place() {
        let b = board(Some(3), &[4, 6, 7], &[2]);
        assert_eq!(b.place(3), Place::Called);
        assert_eq!(b.place(2), Place::Skipped);
        assert_eq!(b.place(4), Place::Waiting { ahead: 0, minutes: 6 }, "after the one being called");
        assert_eq!(b.place(7), Place::Waiting { ahead: 2, minutes: 18 });
        assert_eq!(b.place(1), Place::Gone, "seen already");
        assert_eq!(b.place(5), Place::Gone, "cancelled");
    }

    #[test]
    fn before_the_first_call_the_first_number_is_next() {
        let b = board(None, &[1, 2], &[]);
        assert_eq!(b.place(1), Place::Waiting { ahead: 0, minutes: 0 });
        assert_eq!(b.place(2), Place::Waiting { ahead: 1, minutes: 6 });
    }
}
