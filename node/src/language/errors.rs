//! The protocol's typed errors as catalogue messages: one id per variant, its fields as
//! arguments (`error-case-…`, `error-session-…`, `error-site-…`, `error-calendar-…` in
//! `locales/*/errors.ftl`).

use tiepdan_protocol::calendar::CalendarError;
use tiepdan_protocol::case::deadline::{date_vi, RowProblem, CALENDAR_HEADER};
use tiepdan_protocol::case::{CaseError, Date};
use tiepdan_protocol::session::SessionError;
use tiepdan_protocol::sites::SiteError;

use super::Message;

/// A typed error that has its catalogue message.
pub trait Said {
    fn message(&self) -> Message;
}

impl<E> Said for E
where
    for<'a> Message: From<&'a E>,
{
    fn message(&self) -> Message {
        Message::from(self)
    }
}

impl From<&SiteError> for Message {
    fn from(e: &SiteError) -> Message {
        match e {
            SiteError::UnknownCode(c) => Message::new("error-site-unknown-code").arg("code", c),
            SiteError::UnknownLevel(l) => Message::new("error-site-unknown-level").arg("level", l),
        }
    }
}

impl From<&CaseError> for Message {
    fn from(e: &CaseError) -> Message {
        use CaseError::*;
        let m = Message::new;
        match e {
            InvalidDate(d) => m("error-case-invalid-date").arg("date", d),
            DateOutOfRange(d) => m("error-case-date-out-of-range").arg("date", d),
            UnknownKind(k) => m("error-case-unknown-kind").arg("kind", k),
            Missing { field } => m("error-missing").field(field),
            TooLong { field, found, max } => m("error-too-long")
                .field(field)
                .arg("found", *found)
                .arg("max", *max),
            NotSingleLine { field } => m("error-not-single-line").field(field),
            ControlCharacters { field } => m("error-control-characters").field(field),
            TooMany { field, found, max } => m("error-too-many")
                .field(field)
                .arg("found", *found)
                .arg("max", *max),
            IdNumberFormat { id_type, digits } => m("error-case-id-number-format")
                .arg("id_type", *id_type)
                .arg("digits", *digits),
            PeopleCount { found, max } => m("error-case-people-count")
                .arg("found", *found)
                .arg("max", *max),
            CrowdRepresentatives {
                people,
                found,
                min,
                max,
            } => m("error-case-crowd-representatives")
                .arg("people", *people)
                .arg("found", *found)
                .arg("min", *min)
                .arg("max", *max),
            MoreRepresentativesThanPeople { people, found } => {
                m("error-case-more-representatives-than-people")
                    .arg("people", *people)
                    .arg("found", *found)
            }
            DenunciationNotSealed => m("error-case-denunciation-not-sealed"),
            SealedInClear { field } => m("error-case-sealed-in-clear").field(field),
            RefusedWithDirection => m("error-case-refused-with-direction"),
            IdentityProtectionNotDenunciation(k) => {
                m("error-case-identity-protection-not-denunciation").arg("kind", k.label_vi())
            }
            AnonymousInPerson => m("error-case-anonymous-in-person"),
            SectorNotForKind(k) => m("error-case-sector-not-for-kind").arg("kind", k.label_vi()),
            SeveralSignatoriesAlone => m("error-case-several-signatories-alone"),
            EarlierCaseNotRepeat => m("error-case-earlier-case-not-repeat"),
            AnonymousIdentityProtection => m("error-case-anonymous-identity-protection"),
            AnonymousDenunciationAccepted => m("error-case-anonymous-denunciation-accepted"),
            EvidencePages { found, max } => m("error-case-evidence-pages")
                .arg("found", *found)
                .arg("max", *max),
            MixedTooFewParts { found } => m("error-case-mixed-too-few-parts").arg("found", *found),
            MixedDuplicateKind(k) => m("error-case-mixed-duplicate-kind").arg("kind", k.label_vi()),
            ExtensionDays { found, max } => m("error-case-extension-days")
                .arg("found", *found)
                .arg("max", *max),
            InvalidSiteCode(c) => m("error-invalid-site-code").arg("code", c),
            Site(e) => e.into(),
            SameSite(s) => m("error-case-same-site").arg("site", s),
            NotAnAncestor { from, to } => m("error-case-not-an-ancestor")
                .arg("from", from)
                .arg("to", to),
            InvalidHash { field } => m("error-invalid-hash").field(field),
            TooLarge { field, found, max } => m("error-too-large")
                .field(field)
                .arg("found", *found)
                .arg("max", *max),
            Malformed(detail) => m("error-case-malformed").arg("detail", detail),
            CalendarLine { line, problem } => m("error-case-calendar-line")
                .arg("line", *line)
                .arg("detail", Message::from(problem.as_ref())),
        }
    }
}

impl From<&SessionError> for Message {
    fn from(e: &SessionError) -> Message {
        use SessionError::*;
        let m = Message::new;
        match e {
            TooLarge { field, found, max } => m("error-too-large")
                .field(field)
                .arg("found", *found)
                .arg("max", *max),
            Malformed(detail) => m("error-session-malformed").arg("detail", detail),
            NonCanonical => m("error-session-non-canonical"),
            UnsupportedVersion(v) => m("error-session-unsupported-version").arg("version", *v),
            Missing { field } => m("error-missing").field(field),
            TooLong { field, found, max } => m("error-too-long")
                .field(field)
                .arg("found", *found)
                .arg("max", *max),
            NotSingleLine { field } => m("error-not-single-line").field(field),
            InvalidId { field, max } => m("error-session-invalid-id").field(field).arg("max", *max),
            TooMany { field, found, max } => m("error-too-many")
                .field(field)
                .arg("found", *found)
                .arg("max", *max),
            InvalidSiteCode(c) => m("error-invalid-site-code").arg("code", c),
            TimeOutOfRange { field, found } => m("error-session-time-out-of-range")
                .field(field)
                .arg("found", *found),
            NoComponentPoints => m("error-session-no-component-points"),
            DuplicatePoint(s) => m("error-session-duplicate-point").arg("site", s),
            ChairAmongComponents(s) => m("error-session-chair-among-components").arg("site", s),
            Site(e) => e.into(),
            NotScheduled => m("error-session-not-scheduled"),
            AlreadyScheduled => m("error-session-already-scheduled"),
            NotGenesis => m("error-session-not-genesis"),
            WrongSession { expected, found } => m("error-session-wrong-session")
                .arg("expected", expected)
                .arg("found", found),
            NotTheChair { author, chair } => m("error-session-not-the-chair")
                .arg("author", author)
                .arg("chair", chair),
            NotAPoint(s) => m("error-session-not-a-point").arg("site", s),
            NotYourPoint { author, point } => m("error-session-not-your-point")
                .arg("author", author)
                .arg("point", point),
            ChairOutsideCentralPoint { point, chair } => {
                m("error-session-chair-outside-central-point")
                    .arg("point", point)
                    .arg("chair", chair)
            }
            NotAParticipant {
                point,
                participant_id,
            } => m("error-session-not-a-participant")
                .arg("point", point)
                .arg("participant", participant_id),
            NotHoldingFloor {
                point,
                participant_id,
            } => m("error-session-not-holding-floor")
                .arg("point", point)
                .arg("participant", participant_id),
            CannotGoBack { from, to } => m("error-session-cannot-go-back")
                .arg("from", phase(*from))
                .arg("to", phase(*to)),
            Already(p) => m("error-session-already").arg("phase", phase(*p)),
            SessionOver(p) => m("error-session-over").arg("phase", phase(*p)),
            WrongPhase { action, phase: p } => m("error-session-wrong-phase")
                .field(action)
                .arg("phase", phase(*p)),
            AlreadyLinked(c) => m("error-session-already-linked").arg("case", c),
            CategoryForUnlinkedCase(c) => m("error-session-category-unlinked").arg("case", c),
            ProtectedDenunciation(c) => m("error-session-protected-denunciation").arg("case", c),
            CategoryNotForKind { case_id, clause } => m("error-session-category-not-for-kind")
                .arg("case", case_id)
                .arg("clause", *clause),
            RegularSession => m("error-session-regular"),
            CategoryMissing(c) => m("error-session-category-missing").arg("case", c),
            TaskOnUnlinkedCase(c) => m("error-session-task-unlinked").arg("case", c),
        }
    }
}

impl From<&CalendarError> for Message {
    fn from(e: &CalendarError) -> Message {
        use tiepdan_protocol::calendar::{MAX_CALENDAR_BYTES, MAX_DAYS, VERSION};
        use tiepdan_protocol::case::date::{MAX_YEAR, MIN_YEAR};
        use tiepdan_protocol::sites::CENTRAL_CODE;
        use CalendarError::*;
        let m = Message::new;
        match e {
            TooLarge(n) => m("error-calendar-too-large")
                .arg("found", *n)
                .arg("max", MAX_CALENDAR_BYTES),
            Garbled(detail) => m("error-calendar-garbled").arg("detail", detail),
            UnsupportedVersion(v) => m("error-calendar-unsupported-version")
                .arg("version", *v)
                .arg("supported", VERSION),
            NotCentral(site) => m("error-calendar-not-central")
                .arg("central", CENTRAL_CODE)
                .arg("site", site),
            YearOutOfRange(y) => m("error-calendar-year-out-of-range")
                .arg("year", y.to_string())
                .arg("min", MIN_YEAR.to_string())
                .arg("max", MAX_YEAR.to_string()),
            NoDays(y) => m("error-calendar-no-days").arg("year", y.to_string()),
            TooManyDays(n) => m("error-calendar-too-many-days")
                .arg("found", *n)
                .arg("max", MAX_DAYS),
            OutsideYear { year, date } => {
                dated(m("error-calendar-outside-year"), *date).arg("year", year.to_string())
            }
            NotInOrder => m("error-calendar-not-in-order"),
            Day { date, problem } => dated(m("error-calendar-day"), *date).arg("problem", problem),
            Line { line, problem } => m("error-calendar-line")
                .arg("line", *line)
                .arg("problem", problem),
            FromTheFuture { issued_at, now } => m("error-calendar-from-the-future")
                .arg("issued_at", issued_at.to_string())
                .arg("now", now.to_string()),
            BadSignature => m("error-calendar-bad-signature"),
        }
    }
}

impl From<&RowProblem> for Message {
    fn from(p: &RowProblem) -> Message {
        use RowProblem::*;
        let m = Message::new;
        match p {
            Header => m("error-calendar-row-header").arg("header", CALENDAR_HEADER),
            TooMany(max) => m("error-calendar-row-too-many").arg("max", *max),
            Columns => m("error-calendar-row-columns").arg("header", CALENDAR_HEADER),
            RowProblem::Date { text, .. } => m("error-calendar-row-date").arg("text", text),
            NameAndSource => m("error-calendar-row-name-and-source"),
            TooLong { field: "name", max } => {
                m("error-calendar-row-name-too-long").arg("max", *max)
            }
            TooLong { max, .. } => m("error-calendar-row-source-too-long").arg("max", *max),
            Characters => m("error-calendar-row-characters"),
            Twice(d) => dated(m("error-calendar-row-twice"), *d),
            AlreadyWeekend(d) => dated(m("error-calendar-row-already-weekend"), *d),
            AlreadyWorking(d) => dated(m("error-calendar-row-already-working"), *d),
            Kind(k) => m("error-calendar-row-kind").arg("kind", k),
        }
    }
}

impl From<&RowProblem> for super::Arg {
    fn from(p: &RowProblem) -> super::Arg {
        Message::from(p).into()
    }
}

/// A day as its reader writes it: `date` 2028-09-02 (English), `date_vi` 02/09/2028.
fn dated(m: Message, d: Date) -> Message {
    m.arg("date", d.to_string()).arg("date_vi", date_vi(d))
}

/// A session phase as a message (`phase-scheduled`, …).
pub fn phase(p: tiepdan_protocol::session::Phase) -> Message {
    Message::new(match p {
        tiepdan_protocol::session::Phase::Scheduled => "phase-scheduled",
        tiepdan_protocol::session::Phase::Testing => "phase-testing",
        tiepdan_protocol::session::Phase::Live => "phase-live",
        tiepdan_protocol::session::Phase::Ended => "phase-ended",
        tiepdan_protocol::session::Phase::Cancelled => "phase-cancelled",
    })
}

impl Message {
    /// The `field` argument, shown by its catalogue label.
    fn field(self, field: &'static str) -> Message {
        self.arg("field", super::Arg::Field(field))
    }
}
