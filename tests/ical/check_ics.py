#!/usr/bin/env python3
"""Strictly check an iCalendar file read from stdin and list its occurrences.

Usage: check_ics.py FROM TO < calendar.ics
  FROM, TO: ISO 8601 datetimes (naive ones are taken as UTC); window is [FROM, TO).

On success prints a JSON list of {uid, summary, start, end, status} sorted by start and
exits 0. On any problem prints {"errors": [...]} to stderr and exits 1 (2 on bad usage).

Needs: icalendar 6.x, recurring_ical_events 3.x.
"""
import json
import sys
import zoneinfo
from datetime import date, datetime, timedelta, timezone

import icalendar
import recurring_ical_events

REQUIRED_EVENT_PROPS = ("UID", "DTSTAMP", "DTSTART")


def raw_line_checks(data: bytes) -> list[str]:
    """What icalendar's parser tolerates but RFC 5545 §3.1 forbids."""
    errors = []
    if not data.endswith(b"\r\n"):
        errors.append("file does not end with CRLF")
    lines = data.split(b"\r\n")
    if lines[-1] == b"":
        lines.pop()
    for no, line in enumerate(lines, 1):
        if b"\n" in line or b"\r" in line:
            errors.append(f"line {no}: bare CR or LF (lines must end with CRLF)")
        if len(line) > 75:
            errors.append(f"line {no}: {len(line)} octets > 75 (not folded)")
        try:
            line.decode("utf-8")
        except UnicodeDecodeError:
            # A fold inside a multi-byte character makes a line undecodable on its own.
            errors.append(f"line {no}: not valid UTF-8 on its own (fold splits a character?)")
    return errors


def semantic_checks(cal: icalendar.Calendar) -> list[str]:
    errors = []
    for comp in cal.walk():
        for prop, message in getattr(comp, "errors", []):
            errors.append(f"{comp.name}: cannot parse {prop or 'line'}: {message}")
    for prop in ("VERSION", "PRODID"):
        if prop not in cal:
            errors.append(f"VCALENDAR: missing {prop}")
    if str(cal.get("VERSION", "")) != "2.0":
        errors.append("VCALENDAR: VERSION must be 2.0")

    masters = set()
    for event in cal.walk("VEVENT"):
        uid = str(event.get("UID", "?"))
        for prop in REQUIRED_EVENT_PROPS:
            if prop not in event:
                errors.append(f"VEVENT {uid}: missing {prop}")
        stamp = event.get("DTSTAMP")
        if stamp is not None and (
            not isinstance(stamp.dt, datetime) or stamp.dt.utcoffset() != timedelta(0)
        ):
            errors.append(f"VEVENT {uid}: DTSTAMP must be a UTC date-time")
        if "DTEND" in event and "DURATION" in event:
            errors.append(f"VEVENT {uid}: both DTEND and DURATION")
        if "DTSTART" in event and "DTEND" in event:
            start, end = event["DTSTART"].dt, event["DTEND"].dt
            if type(start) is not type(end):
                errors.append(f"VEVENT {uid}: DTSTART and DTEND of different value types")
            elif end <= start if isinstance(start, date) and not isinstance(start, datetime) else end < start:
                errors.append(f"VEVENT {uid}: DTEND before DTSTART (DATE DTEND is exclusive)")
        if "RECURRENCE-ID" not in event:
            masters.add(uid)
    for event in cal.walk("VEVENT"):
        uid = str(event.get("UID", "?"))
        if "RECURRENCE-ID" in event and uid not in masters:
            errors.append(f"VEVENT {uid}: RECURRENCE-ID without a master event")

    defined = {str(tz["TZID"]) for tz in cal.walk("VTIMEZONE") if "TZID" in tz}
    for tzid in sorted(cal.get_used_tzids() - defined):
        errors.append(f"TZID {tzid!r} used but no VTIMEZONE defines it")
    return errors


def vtimezone_checks(cal: icalendar.Calendar, instants: list[datetime]) -> list[str]:
    """Compare each VTIMEZONE with the tz database at the given local times.

    icalendar resolves IANA TZIDs through zoneinfo and never reads our VTIMEZONE, so
    build a timezone from the component itself and make sure it agrees.
    """
    errors = []
    for vtz in cal.walk("VTIMEZONE"):
        tzid = str(vtz.get("TZID"))
        try:
            reference = zoneinfo.ZoneInfo(tzid)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            continue
        try:
            own = vtz.to_tz(lookup_tzid=False)
        except Exception as e:  # noqa: BLE001 - any failure means an unusable VTIMEZONE
            errors.append(f"VTIMEZONE {tzid}: cannot be interpreted: {e}")
            continue
        for instant in instants:
            if getattr(instant.tzinfo, "key", None) != tzid:
                continue
            local = instant.replace(tzinfo=None)
            want = local.replace(tzinfo=reference).utcoffset()
            got = local.replace(tzinfo=own).utcoffset()
            if want != got:
                errors.append(f"VTIMEZONE {tzid}: offset at {local} is {got}, tz database says {want}")
    return errors


def iso(value) -> str:
    return value.isoformat()


def parse_arg(text: str) -> datetime:
    value = datetime.fromisoformat(text)
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def main(argv: list[str]) -> int:
    if len(argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        start, end = parse_arg(argv[1]), parse_arg(argv[2])
    except ValueError as e:
        print(json.dumps({"errors": [f"bad window: {e}"]}), file=sys.stderr)
        return 2

    data = sys.stdin.buffer.read()
    errors = raw_line_checks(data)
    try:
        cal = icalendar.Calendar.from_ical(data)
    except ValueError as e:
        errors.append(f"parse error: {e}")
        print(json.dumps({"errors": errors}, indent=2), file=sys.stderr)
        return 1
    errors += semantic_checks(cal)

    occurrences = []
    instants = []
    if not errors:
        for event in recurring_ical_events.of(cal).between(start, end):
            dtstart = event["DTSTART"].dt
            dtend = event["DTEND"].dt if "DTEND" in event else None
            instants += [d for d in (dtstart, dtend) if isinstance(d, datetime)]
            occurrences.append({
                "uid": str(event.get("UID")),
                "summary": str(event.get("SUMMARY", "")),
                "start": iso(dtstart),
                "end": iso(dtend) if dtend is not None else None,
                "status": str(event.get("STATUS", "CONFIRMED")),
            })
        errors += vtimezone_checks(cal, instants)
    if errors:
        print(json.dumps({"errors": errors}, indent=2), file=sys.stderr)
        return 1

    def key(occ):
        value = datetime.fromisoformat(occ["start"])
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)

    print(json.dumps(sorted(occurrences, key=key), indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
