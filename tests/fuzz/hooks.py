"""Schemathesis hooks for Rezerve (loaded through SCHEMATHESIS_HOOKS by tests/fuzz/run.sh).

One check, `positive_data_acceptance_in_context`, stands in for the built-in
`positive_data_acceptance` (ST202, "a request the schema allows must be accepted"), which the
run excludes. It is the built-in check with one difference: a 422 `validation_failed` whose
every field error is in CONTEXTUAL below passes. Those are the answers to requests that are
well-formed by the schema but name something this server does not have, which no JSON Schema
can describe: a seat label the event does not have, a stop of another route, a venue id or a
ticket code nobody issued, a page cursor this list never handed out. Every other 422 to
schema-valid data is still a failure, so a limit the server enforces and the document does
not declare is still caught.
"""

import json
import re
import sys

import schemathesis
from schemathesis.specs.openapi.checks import positive_data_acceptance

# Generating POST /events bodies (nested seat maps under if/then/else) runs deep; at the
# default limit CPython 3.11 can fail compiling a pattern there with "SystemError: AST
# constructor recursion depth mismatch", an error of the tool, not of the server.
sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))

# (field regex, message regex[, operation]): a field error that depends on the server's data,
# not on the request's shape; with an operation ("POST /api/v1/...", as the document names
# it), only in that operation's answers.
CONTEXTUAL = [
    # Cursors are minted by the server from the last item of a page (base64url of its sort
    # key): only the server can make a valid one.
    (r"cursor", r"is not a cursor this list handed out"),
    # Seat labels exist per event; the schema can say what a label looks like, not which exist.
    (r"seats(\[\d+\])?", r"no such seats in this event"),
    # Stops exist per travel event, and only travel events have them.
    (r"from|to", r"is not a stop of this event"),
    (r"from|to", r"only travel events have stops to choose a segment from"),
    # A venue is referred to by an id the server issued.
    (r"venue\.id", r"no venue has this id"),
    # A fare curve's bucket shares must add up to 1: a sum, which JSON Schema cannot state.
    (r".*curve\.buckets", r"shares must add up to 1"),
    # What kind of event it is decides how it is held and blocked: by quantity on a
    # general-admission event, by seat on a seated one; and the stored event's kind decides
    # which times a change may name (the document shows both, as either kind can be meant).
    (r"seats", r"a general-admission event (is held by quantity and category|has no seats to block)"),
    (r"starts_at|ends_at|venue", r"travel events use"),
    (r"departs_at|arrives_at|origin|destination|stops", r"only travel events .*have a route"),
    # What the event has: its price categories and how many seats each holds.
    (r"category", r"this event has no category"),
    (r"quantity", r"more seats than the category has"),
    (r"category", r"name the category to hold places in"),
    (r"prices\..*", r"this event has no such category"),
    (r"capacity\..*", r"this event has no such category"),
    (r"departs_at|arrives_at", r"only travel events (depart|arrive)"),
    (r"capacity(\..+)?", r"seated events? "),
    # Times are checked against the server's clock and against each other.
    (r".*(starts_at|ends_at|departs_at|arrives_at)", r"must be in the future|must be after|must not be before"),
    # Time zones are the names of the IANA database bundled in the binary (some 600,
    # changing with each release of it); the document names the format, not the list.
    (r"timezone", r"must be an IANA time zone"),
    (r"accessible", r"general admission has no seats to choose"),
    # Uniqueness across fields and nested lists: a stop named twice on a route (origin,
    # stops and destination are separate fields), a seat label made twice by two rows, and
    # the seats of a whole map counted together.
    (r"stops(\[\d+\])?(\.name)?", r"appears twice on the route"),
    (r"seat_map", r"seat labels must be unique"),
    (r"seat_map(\..+)?", r"an event has at most \d+ seats"),
    (r"prices", r"all prices of an event must be in one currency"),
    # Comparisons between two fields' values, which JSON Schema cannot state.
    (r"accessible", r"cannot exceed quantity"),
    (r"(.+\.)?cap", r"must not be below the floor"),
    (r".*curve\.buckets", r"buckets go from cheapest to dearest"),
    (r".*curve\.emsr_b", r"fare classes go from dearest to cheapest"),
    # Categories a seat map uses and the prices named for them must match: a reference
    # between a map's values and another field's keys.
    (r"prices\..+", r"(every category used by a seat needs a price|no seat is in this category)"),
    # A card number's Luhn checksum: arithmetic, which JSON Schema cannot state.
    (r"card_number", r"is not a valid card number"),
    # A payment names the stored booking's total and currency (POST /bookings/{id}/payments):
    # the document says so, but only the server knows the booking's figures.
    (r"amount_minor", r"must equal the booking's total", "POST /api/v1/bookings/{id}/payments"),
    (r"currency", r"must be the booking's currency", "POST /api/v1/bookings/{id}/payments"),
    # Fields whose use depends on the caller's role (the document has one schema per
    # operation for every role, and says in the field's description who may send it).
    (r"customer_email", r"only staff book on behalf of someone else"),
    (r"walk_in", r"only staff book on behalf of someone else"),
    # A walk-in gives an email or none: two fields that exclude each other.
    (r"walk_in", r"send customer_email or walk_in, not both"),
]

# 422 answers without field errors that depend on the server's data: a ticket code is
# signed by the server's key, so a schema-valid string is almost never one.
CONTEXTUAL_DETAILS = [r"this is not a valid ticket code"]

# Problem codes whose refusal depends on the caller and the server's state, not on the
# request: how many seats a customer account may hold at once counts the seats it already
# holds, and is a setting of the server (staff and admins are exempt).
CONTEXTUAL_CODES = {"too_many_seats", "too_many_holds"}


def contextual(response, operation: str) -> bool:
    if response.status_code != 422:
        return False
    try:
        problem = json.loads(response.content)
    except ValueError:
        return False
    if problem.get("code") in CONTEXTUAL_CODES:
        return True
    errors = problem.get("errors") or []
    if not errors:
        return any(re.search(d, problem.get("detail", "")) for d in CONTEXTUAL_DETAILS)
    return all(
        any(
            re.fullmatch(entry[0], e.get("field", ""))
            and re.search(entry[1], e.get("message", ""))
            and entry[2:] in ((), (operation,))
            for entry in CONTEXTUAL
        )
        for e in errors
    )


@schemathesis.check
def positive_data_acceptance_in_context(ctx, response, case):
    if contextual(response, case.operation.label):
        return None
    return positive_data_acceptance(ctx, response, case)
