//! Generate an RFC 5545 `VTIMEZONE` component from the IANA tz database bundled in
//! `chrono-tz`.
//!
//! Why this exists: an `.ics` file that uses `DTSTART;TZID=Europe/Paris:...` must also
//! contain a `VTIMEZONE` with that `TZID` (RFC 5545 §3.6.5). Google and Apple generally
//! resolve IANA names themselves, but Outlook and strict parsers need the component, and
//! no maintained crate builds one from the tz database.
//!
//! Approach: `chrono-tz` does not expose its transition table, so transitions are found
//! by sampling the UTC offset at a fixed step and binary-searching the exact second at
//! which it changes.
//!
//! Two renderings:
//! - [`vtimezone`] (use this): when the transitions in the range follow one yearly rule
//!   per direction (true of EU, US, AU... zones), one `DAYLIGHT` and one `STANDARD`
//!   observance with `RRULE:FREQ=YEARLY;BYMONTH=..;BYDAY=..`. Outlook desktop reduces
//!   any VTIMEZONE to exactly that shape ([MS-STANOICAL] 2.2.47: it reads only TZID,
//!   DTSTART, RRULE, TZOFFSETFROM/TO) and mis-imports one-observance-per-transition
//!   zones. Otherwise it falls back to the explicit form.
//! - [`vtimezone_explicit`]: one observance per transition with an explicit `DTSTART`.
//!   Valid RFC 5545 and exact for every zone, but see the Outlook caveat above.
//!
//! Over 600 lines with its tests, on purpose: the code (about 370 lines) is one algorithm that
//! reads best whole (find the transitions, fit one yearly rule per direction, render), and the
//! tests (about 370) are a table of zones (Paris, New York, Tokyo, UTC, Sydney, Dublin, zones
//! with irregular or abolished rules) with their exact expected output.

use chrono::{
    DateTime, Datelike, Days, Duration, FixedOffset, NaiveDate, NaiveDateTime, Offset, TimeZone,
    Utc, Weekday,
};
use chrono_tz::{OffsetComponents, OffsetName, Tz};

/// Sampling step. Real-world transitions are months apart; only a change and its reversal
/// less than one step apart would be missed.
const STEP_SECONDS: i64 = 86_400;

/// Margin added on both sides of the requested range, so the observance in effect at
/// `from` is always included (a yearly-DST zone has a transition less than a year before
/// any instant) and clients can still resolve times slightly outside the range.
const MARGIN: Duration = Duration::days(365);

/// `DTSTART` used for the single observance of zones with no transition in the range
/// (UTC, Asia/Tokyo...). 1970 is the conventional value other producers use.
const FIXED_OBSERVANCE_START: &str = "19700101T000000";

/// One change of UTC offset.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Transition {
    /// First UTC instant at which the new offset applies.
    at: DateTime<Utc>,
    from: FixedOffset,
    to: FixedOffset,
    name: Option<String>,
    daylight: bool,
}

/// Renders a `VTIMEZONE` for `tz` that is valid for every instant in `[from, to]`.
///
/// Covers the UTC-offset changes in `[from - 1 year, to + 1 year]`. When those follow a
/// fixed yearly rule in each direction, emits one `DAYLIGHT` and one `STANDARD` with a
/// yearly `RRULE` whose `DTSTART` is the first such change; otherwise behaves like
/// [`vtimezone_explicit`]. Zones without a change (UTC, Asia/Tokyo) get one observance
/// with their fixed offset.
///
/// Pass as `from` the earliest instant any property of the feed refers to in this zone,
/// including the `DTSTART` of a recurring series that began long ago, not only the
/// start of the window being exported.
///
/// The output uses CRLF line endings and ends with `END:VTIMEZONE\r\n`, ready to be
/// spliced into a `VCALENDAR` before its first `VEVENT`. If the range goes past what
/// `chrono` can represent, it is clamped.
pub fn vtimezone(tz: Tz, from: DateTime<Utc>, to: DateTime<Utc>) -> String {
    render(tz, from, to, true)
}

/// Like [`vtimezone`], but always one `STANDARD`/`DAYLIGHT` observance per UTC-offset
/// change in `[from - 1 year, to + 1 year]`, whose `DTSTART` is the local wall time of
/// the change in the *old* offset, as RFC 5545 §3.6.5 requires (Europe/Paris, spring
/// 2026: `DTSTART:20260329T020000`, `TZOFFSETFROM:+0100`). A zone whose first change in
/// that span falls after `from`, or that has none, also gets one fixed observance for
/// the time before.
pub fn vtimezone_explicit(tz: Tz, from: DateTime<Utc>, to: DateTime<Utc>) -> String {
    render(tz, from, to, false)
}

fn render(tz: Tz, from: DateTime<Utc>, to: DateTime<Utc>, yearly_rules: bool) -> String {
    let (from, to) = if from <= to { (from, to) } else { (to, from) };
    let start = from
        .checked_sub_signed(MARGIN)
        .unwrap_or(DateTime::<Utc>::MIN_UTC);
    let end = to
        .checked_add_signed(MARGIN)
        .unwrap_or(DateTime::<Utc>::MAX_UTC);
    let transitions = find_transitions(tz, start, end);

    let mut out = String::with_capacity(128 + 160 * transitions.len());
    out.push_str("BEGIN:VTIMEZONE\r\n");
    push_line(&mut out, "TZID", tz.name());

    let rules = if yearly_rules {
        yearly_rule_pair(&transitions, end)
    } else {
        None
    };
    let first_after_from = transitions.first().is_none_or(|first| first.at > from);
    if rules.is_none() && first_after_from {
        let offset = tz.offset_from_utc_datetime(&start.naive_utc());
        let fixed = offset.fix();
        let local_start = to_local(start, fixed);
        let dtstart = match NaiveDateTime::parse_from_str(FIXED_OBSERVANCE_START, DT_FORMAT) {
            Ok(epoch) if epoch < local_start => FIXED_OBSERVANCE_START.to_owned(),
            _ => local_start.format(DT_FORMAT).to_string(),
        };
        let dst = offset.dst_offset();
        let observance = Observance {
            daylight: is_daylight(dst, dst),
            dtstart,
            rrule: None,
            from: fixed,
            to: fixed,
            name: offset.abbreviation(),
        };
        observance.push(&mut out);
    }

    match rules {
        Some(pair) => pair.iter().for_each(|o| o.push(&mut out)),
        None => {
            for t in &transitions {
                let observance = Observance {
                    daylight: t.daylight,
                    dtstart: to_local(t.at, t.from).format(DT_FORMAT).to_string(),
                    rrule: None,
                    from: t.from,
                    to: t.to,
                    name: t.name.as_deref(),
                };
                observance.push(&mut out);
            }
        }
    }
    out.push_str("END:VTIMEZONE\r\n");
    out
}

/// One `STANDARD` or `DAYLIGHT` sub-component.
struct Observance<'a> {
    daylight: bool,
    dtstart: String,
    rrule: Option<String>,
    from: FixedOffset,
    to: FixedOffset,
    name: Option<&'a str>,
}

impl Observance<'_> {
    fn push(&self, out: &mut String) {
        let kind = if self.daylight {
            "DAYLIGHT"
        } else {
            "STANDARD"
        };
        push_line(out, "BEGIN", kind);
        push_line(out, "DTSTART", &self.dtstart);
        if let Some(rrule) = &self.rrule {
            push_line(out, "RRULE", rrule);
        }
        push_line(out, "TZOFFSETFROM", &format_utc_offset(self.from));
        push_line(out, "TZOFFSETTO", &format_utc_offset(self.to));
        if let Some(name) = self.name.filter(|n| !n.is_empty()) {
            push_line(out, "TZNAME", &escape_text(name));
        }
        push_line(out, "END", kind);
    }
}

/// The `DAYLIGHT` + `STANDARD` pair with yearly `RRULE`s, if every transition in the list
/// is reproduced by it; `None` otherwise (rule changes inside the range, rules Outlook
/// cannot express such as "Friday on or after the 23rd", no DST at all...).
///
/// Exactness up to `end` (the end of the scanned span): each direction must have exactly
/// one change per year, in consecutive years, all at the same local time, month, weekday
/// and week of the month, between the same offsets, and the rule's next change must fall
/// after `end` (a zone that abolished DST in the span, like Asuncion in 2024, fails
/// this). The RRULE has no end, like those of every other producer: past `end` it
/// extrapolates the current rule, as chrono-tz itself does.
fn yearly_rule_pair(transitions: &[Transition], end: DateTime<Utc>) -> Option<[Observance<'_>; 2]> {
    let (daylight, standard): (Vec<&Transition>, Vec<&Transition>) =
        transitions.iter().partition(|t| t.daylight);
    Some([yearly_rule(&daylight, end)?, yearly_rule(&standard, end)?])
}

fn yearly_rule<'a>(transitions: &[&'a Transition], end: DateTime<Utc>) -> Option<Observance<'a>> {
    let first = transitions.first()?;
    let last = transitions.last()?;
    let last_local = to_local(last.at, last.from);
    // The month of the change the rule would produce next must start after `end`.
    let next_month_start =
        NaiveDate::from_ymd_opt(last_local.year().checked_add(1)?, last_local.month(), 1)?;
    if next_month_start <= to_local(end, last.to).date() {
        return None;
    }
    let first_local = to_local(first.at, first.from);
    let locals: Vec<NaiveDateTime> = transitions.iter().map(|t| to_local(t.at, t.from)).collect();
    let same_shape = transitions
        .iter()
        .zip(&locals)
        .zip(0i32..)
        .all(|((t, l), i)| {
            t.from == first.from
                && t.to == first.to
                && t.name == first.name
                && l.time() == first_local.time()
                && l.month() == first_local.month()
                && l.weekday() == first_local.weekday()
                && Some(l.year()) == first_local.year().checked_add(i)
        });
    if !same_shape {
        return None;
    }
    let week_of_month = |d: &NaiveDateTime| (d.day() - 1) / 7 + 1;
    let is_last = |d: &NaiveDateTime| {
        d.date()
            .checked_add_days(Days::new(7))
            .is_some_and(|next| next.month() != d.month())
    };
    // "Last <weekday>" is how most zones are defined, so prefer it when both fit.
    let ordinal = if locals.iter().all(is_last) {
        -1
    } else if locals
        .iter()
        .all(|l| week_of_month(l) == week_of_month(&first_local))
    {
        i64::from(week_of_month(&first_local))
    } else {
        return None;
    };
    let weekday = match first_local.weekday() {
        Weekday::Mon => "MO",
        Weekday::Tue => "TU",
        Weekday::Wed => "WE",
        Weekday::Thu => "TH",
        Weekday::Fri => "FR",
        Weekday::Sat => "SA",
        Weekday::Sun => "SU",
    };
    Some(Observance {
        daylight: first.daylight,
        dtstart: first_local.format(DT_FORMAT).to_string(),
        rrule: Some(format!(
            "FREQ=YEARLY;BYMONTH={};BYDAY={ordinal}{weekday}",
            first_local.month()
        )),
        from: first.from,
        to: first.to,
        name: first.name.as_deref(),
    })
}

const DT_FORMAT: &str = "%Y%m%dT%H%M%S";

/// Wall-clock time of `at` in `offset`, saturating at chrono's representable range.
fn to_local(at: DateTime<Utc>, offset: FixedOffset) -> NaiveDateTime {
    let naive = at.naive_utc();
    let shift = Duration::seconds(i64::from(offset.local_minus_utc()));
    naive.checked_add_signed(shift).unwrap_or(naive)
}

/// `DAYLIGHT` for a positive DST part. Irish time is the exception: the tz database
/// models winter (GMT) as a *negative* DST part and summer (IST) as standard time, while
/// other producers and clients call the summer side DAYLIGHT; so leaving a negative DST
/// part is DAYLIGHT too, and the negative side itself is STANDARD.
fn is_daylight(new_dst: Duration, old_dst: Duration) -> bool {
    new_dst > Duration::zero() || (old_dst < Duration::zero() && new_dst == Duration::zero())
}

/// Every line written here is far below the 75-octet limit (the longest IANA name is
/// ~32 bytes), so no folding is needed.
fn push_line(out: &mut String, name: &str, value: &str) {
    out.push_str(name);
    out.push(':');
    out.push_str(value);
    out.push_str("\r\n");
}

/// TEXT escaping (RFC 5545 §3.3.11). Abbreviations are plain letters, digits and signs
/// today; this keeps the output valid should that ever change.
fn escape_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c => out.push(c),
        }
    }
    out
}

/// RFC 5545 §3.3.14 `utc-offset`: `+HHMM`, or `+HHMMSS` when seconds are not zero
/// (local mean time offsets before ~1900). `-0000` is forbidden, so zero is `+0000`.
fn format_utc_offset(offset: FixedOffset) -> String {
    let total = offset.local_minus_utc();
    let sign = if total < 0 { '-' } else { '+' };
    let abs = total.unsigned_abs();
    let (h, m, s) = (abs / 3600, abs / 60 % 60, abs % 60);
    if s == 0 {
        format!("{sign}{h:02}{m:02}")
    } else {
        format!("{sign}{h:02}{m:02}{s:02}")
    }
}

fn fixed_at(tz: Tz, secs: i64) -> Option<FixedOffset> {
    let at = DateTime::<Utc>::from_timestamp(secs, 0)?;
    Some(tz.offset_from_utc_datetime(&at.naive_utc()).fix())
}

/// All UTC-offset changes in `(start, end]`, in order.
fn find_transitions(tz: Tz, start: DateTime<Utc>, end: DateTime<Utc>) -> Vec<Transition> {
    let mut transitions = Vec::new();
    let (mut lo, end) = (start.timestamp(), end.timestamp());
    let Some(lo_utc) = DateTime::<Utc>::from_timestamp(lo, 0) else {
        return transitions;
    };
    let lo_tz_offset = tz.offset_from_utc_datetime(&lo_utc.naive_utc());
    let (mut lo_offset, mut lo_dst) = (lo_tz_offset.fix(), lo_tz_offset.dst_offset());
    while lo < end {
        let hi = lo.saturating_add(STEP_SECONDS).min(end);
        // `None` only outside chrono's range: stop there rather than guess.
        let Some(hi_offset) = fixed_at(tz, hi) else {
            return transitions;
        };
        // Several changes can fall inside one step: find them one by one.
        while hi_offset != lo_offset {
            let Some((at, at_utc)) = first_change(tz, lo, hi, lo_offset)
                .and_then(|at| Some((at, DateTime::<Utc>::from_timestamp(at, 0)?)))
            else {
                return transitions;
            };
            let offset = tz.offset_from_utc_datetime(&at_utc.naive_utc());
            let (new_fixed, new_dst) = (offset.fix(), offset.dst_offset());
            transitions.push(Transition {
                at: at_utc,
                from: lo_offset,
                to: new_fixed,
                name: offset.abbreviation().map(str::to_owned),
                daylight: is_daylight(new_dst, lo_dst),
            });
            lo = at;
            lo_offset = new_fixed;
            lo_dst = new_dst;
        }
        lo = hi;
    }
    transitions
}

/// Smallest second in `(lo, hi]` whose offset differs from `old`, given that the offset
/// at `lo` is `old` and the one at `hi` is not.
fn first_change(tz: Tz, mut lo: i64, mut hi: i64, old: FixedOffset) -> Option<i64> {
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        if fixed_at(tz, mid)? == old {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    Some(hi)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(y: i32, mo: u32, d: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, mo, d, 0, 0, 0).unwrap()
    }

    /// (kind, DTSTART, RRULE, TZOFFSETFROM, TZOFFSETTO, TZNAME) of each observance.
    type Obs = [String; 6];

    fn observances(s: &str) -> Vec<Obs> {
        let mut out = Vec::new();
        let mut cur: Option<Obs> = None;
        for line in s.split("\r\n") {
            let (k, v) = line.split_once(':').unwrap_or((line, ""));
            let slot = match k {
                "DTSTART" => 1,
                "RRULE" => 2,
                "TZOFFSETFROM" => 3,
                "TZOFFSETTO" => 4,
                "TZNAME" => 5,
                _ => 0,
            };
            match (k, cur.as_mut()) {
                ("BEGIN", None) if v == "STANDARD" || v == "DAYLIGHT" => {
                    cur = Some([v, "", "", "", "", ""].map(String::from))
                }
                ("END", Some(_)) => out.push(cur.take().unwrap()),
                (_, Some(c)) if slot > 0 => c[slot] = v.into(),
                _ => {}
            }
        }
        out
    }

    fn obs(k: &str, dt: &str, rr: &str, f: &str, t: &str, n: &str) -> Obs {
        [k, dt, rr, f, t, n].map(String::from)
    }

    #[test]
    fn paris_2026_explicit() {
        let s = vtimezone_explicit(chrono_tz::Europe::Paris, utc(2026, 1, 1), utc(2026, 12, 31));
        assert!(s.starts_with("BEGIN:VTIMEZONE\r\nTZID:Europe/Paris\r\n"));
        assert!(s.ends_with("END:VTIMEZONE\r\n"));
        let o = observances(&s);
        assert!(o.contains(&obs(
            "DAYLIGHT",
            "20260329T020000",
            "",
            "+0100",
            "+0200",
            "CEST"
        )));
        assert!(o.contains(&obs(
            "STANDARD",
            "20261025T030000",
            "",
            "+0200",
            "+0100",
            "CET"
        )));
        // 2025-01-01 .. 2027-12-31: 3 springs + 3 autumns, no extra fixed observance.
        assert_eq!(o.len(), 6, "{s}");
        assert_eq!(
            o[0],
            obs("DAYLIGHT", "20250330T020000", "", "+0100", "+0200", "CEST")
        );
        assert_eq!(
            o[5],
            obs("STANDARD", "20271031T030000", "", "+0200", "+0100", "CET")
        );
    }

    #[test]
    fn paris_2026_yearly_rules() {
        let s = vtimezone(chrono_tz::Europe::Paris, utc(2026, 1, 1), utc(2026, 12, 31));
        assert_eq!(
            observances(&s),
            vec![
                obs(
                    "DAYLIGHT",
                    "20250330T020000",
                    "FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU",
                    "+0100",
                    "+0200",
                    "CEST"
                ),
                obs(
                    "STANDARD",
                    "20251026T030000",
                    "FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU",
                    "+0200",
                    "+0100",
                    "CET"
                ),
            ]
        );
    }

    #[test]
    fn new_york_2026() {
        let s = vtimezone_explicit(
            chrono_tz::America::New_York,
            utc(2026, 6, 1),
            utc(2026, 6, 2),
        );
        let o = observances(&s);
        assert!(o.contains(&obs(
            "DAYLIGHT",
            "20260308T020000",
            "",
            "-0500",
            "-0400",
            "EDT"
        )));
        assert!(o.contains(&obs(
            "STANDARD",
            "20261101T020000",
            "",
            "-0400",
            "-0500",
            "EST"
        )));
        assert_eq!(o.len(), 4, "{s}");
        let starts: Vec<_> = o.iter().map(|x| x[1].clone()).collect();
        assert!(starts.is_sorted());
        let s = vtimezone(
            chrono_tz::America::New_York,
            utc(2026, 6, 1),
            utc(2026, 6, 2),
        );
        assert_eq!(
            observances(&s),
            vec![
                obs(
                    "DAYLIGHT",
                    "20260308T020000",
                    "FREQ=YEARLY;BYMONTH=3;BYDAY=2SU",
                    "-0500",
                    "-0400",
                    "EDT"
                ),
                obs(
                    "STANDARD",
                    "20251102T020000",
                    "FREQ=YEARLY;BYMONTH=11;BYDAY=1SU",
                    "-0400",
                    "-0500",
                    "EST"
                ),
            ]
        );
    }

    #[test]
    fn tokyo_has_single_fixed_observance() {
        for f in [vtimezone, vtimezone_explicit] {
            let s = f(chrono_tz::Asia::Tokyo, utc(2026, 1, 1), utc(2027, 1, 1));
            assert_eq!(
                s,
                "BEGIN:VTIMEZONE\r\nTZID:Asia/Tokyo\r\nBEGIN:STANDARD\r\nDTSTART:19700101T000000\r\n\
                 TZOFFSETFROM:+0900\r\nTZOFFSETTO:+0900\r\nTZNAME:JST\r\nEND:STANDARD\r\n\
                 END:VTIMEZONE\r\n"
            );
        }
    }

    #[test]
    fn utc_has_single_fixed_observance() {
        for f in [vtimezone, vtimezone_explicit] {
            let s = f(chrono_tz::UTC, utc(2026, 1, 1), utc(2027, 1, 1));
            assert_eq!(
                observances(&s),
                vec![obs(
                    "STANDARD",
                    "19700101T000000",
                    "",
                    "+0000",
                    "+0000",
                    "UTC"
                )]
            );
            assert!(s.contains("TZID:UTC\r\n"));
        }
    }

    #[test]
    fn southern_hemisphere_and_half_hour_offsets() {
        // Sydney: DST ends first Sunday of April 03:00 local (+11 -> +10).
        let s = vtimezone_explicit(
            chrono_tz::Australia::Sydney,
            utc(2026, 1, 1),
            utc(2026, 2, 1),
        );
        let o = observances(&s);
        assert!(o.contains(&obs(
            "STANDARD",
            "20260405T030000",
            "",
            "+1100",
            "+1000",
            "AEST"
        )));
        assert!(o.contains(&obs(
            "DAYLIGHT",
            "20261004T020000",
            "",
            "+1000",
            "+1100",
            "AEDT"
        )));
        let s = vtimezone(
            chrono_tz::Australia::Sydney,
            utc(2026, 1, 1),
            utc(2026, 2, 1),
        );
        assert!(
            s.contains("RRULE:FREQ=YEARLY;BYMONTH=4;BYDAY=1SU\r\n"),
            "{s}"
        );
        assert!(
            s.contains("RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=1SU\r\n"),
            "{s}"
        );
        // Kolkata: fixed +05:30.
        let s = vtimezone(chrono_tz::Asia::Kolkata, utc(2026, 1, 1), utc(2026, 2, 1));
        assert!(s.contains("TZOFFSETTO:+0530\r\n"));
    }

    #[test]
    fn dublin_summer_is_daylight_despite_negative_dst_in_tzdb() {
        let s = vtimezone_explicit(chrono_tz::Europe::Dublin, utc(2026, 6, 1), utc(2026, 6, 2));
        let o = observances(&s);
        assert!(
            o.contains(&obs(
                "DAYLIGHT",
                "20260329T010000",
                "",
                "+0000",
                "+0100",
                "IST"
            )),
            "{s}"
        );
        assert!(
            o.contains(&obs(
                "STANDARD",
                "20261025T020000",
                "",
                "+0100",
                "+0000",
                "GMT"
            )),
            "{s}"
        );
        assert_eq!(o.len(), 4);
        assert_eq!(
            observances(&vtimezone(
                chrono_tz::Europe::Dublin,
                utc(2026, 6, 1),
                utc(2026, 6, 2)
            ))
            .len(),
            2
        );
    }

    #[test]
    fn irregular_rules_fall_back_to_explicit() {
        // Casablanca's offset follows Ramadan: no yearly rule, every transition listed.
        let a = vtimezone(
            chrono_tz::Africa::Casablanca,
            utc(2026, 1, 1),
            utc(2026, 12, 31),
        );
        let b = vtimezone_explicit(
            chrono_tz::Africa::Casablanca,
            utc(2026, 1, 1),
            utc(2026, 12, 31),
        );
        assert_eq!(a, b);
        assert!(
            !a.contains("RRULE") && a.matches("BEGIN:STANDARD").count() >= 3,
            "{a}"
        );
        // Jerusalem ("Friday before the last Sunday of March") is the last Friday in
        // 2025..2027: the rule only has to be exact inside the range.
        let s = vtimezone(
            chrono_tz::Asia::Jerusalem,
            utc(2026, 1, 1),
            utc(2026, 12, 31),
        );
        assert!(
            s.contains("RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1FR\r\n"),
            "{s}"
        );
        // Nuuk changed its standard offset in 2023 (-03 -> -02): rule change in range.
        let s = vtimezone(chrono_tz::America::Nuuk, utc(2023, 6, 1), utc(2023, 7, 1));
        assert!(!s.contains("RRULE"), "{s}");
        assert!(s.contains("DTSTART:20230325T220000\r\nTZOFFSETFROM:-0300\r\nTZOFFSETTO:-0200"));
        // Asuncion kept DST until 2024, then stayed on -03: the yearly rule must not be
        // extrapolated over 2025+.
        let s = vtimezone(
            chrono_tz::America::Asuncion,
            utc(2024, 6, 1),
            utc(2025, 6, 1),
        );
        assert!(!s.contains("RRULE"), "{s}");
        assert!(
            s.contains("DTSTART:20241006T000000\r\nTZOFFSETFROM:-0400\r\nTZOFFSETTO:-0300"),
            "{s}"
        );
    }

    #[test]
    fn zone_that_stopped_dst_gets_fixed_observance() {
        // Sao Paulo abolished DST in 2019: nothing to list in 2026.
        let s = vtimezone(
            chrono_tz::America::Sao_Paulo,
            utc(2026, 1, 1),
            utc(2026, 2, 1),
        );
        assert_eq!(
            observances(&s),
            // chrono-tz has no abbreviation for numeric ones like "-03": TZNAME omitted.
            vec![obs("STANDARD", "19700101T000000", "", "-0300", "-0300", "")]
        );
    }

    #[test]
    fn reversed_range_and_extremes_do_not_panic() {
        let a = vtimezone(chrono_tz::Europe::Paris, utc(2026, 12, 31), utc(2026, 1, 1));
        let b = vtimezone(chrono_tz::Europe::Paris, utc(2026, 1, 1), utc(2026, 12, 31));
        assert_eq!(a, b);
        for f in [vtimezone, vtimezone_explicit] {
            let _ = f(
                chrono_tz::Europe::Paris,
                DateTime::<Utc>::MAX_UTC - Duration::days(1),
                DateTime::<Utc>::MAX_UTC,
            );
            let _ = f(
                chrono_tz::America::New_York,
                DateTime::<Utc>::MIN_UTC,
                DateTime::<Utc>::MIN_UTC + Duration::days(1),
            );
        }
    }

    #[test]
    fn utc_offset_formatting() {
        let f = |s| format_utc_offset(FixedOffset::east_opt(s).unwrap());
        assert_eq!(f(0), "+0000");
        assert_eq!(f(-4 * 3600), "-0400");
        assert_eq!(f(5 * 3600 + 45 * 60), "+0545");
        assert_eq!(f(561), "+000921"); // Paris LMT
        assert_eq!(f(-(3600 + 60 + 1)), "-010101");
    }

    #[test]
    fn every_line_is_short_and_crlf() {
        for tz in chrono_tz::TZ_VARIANTS {
            let s = vtimezone(tz, utc(2020, 1, 1), utc(2030, 1, 1));
            assert!(!s.replace("\r\n", "").contains(['\r', '\n']));
            assert!(s.split("\r\n").all(|l| l.len() <= 75), "{s}");
        }
    }
}
