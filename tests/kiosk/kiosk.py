#!/usr/bin/env python3
"""A self-service kiosk written only against the client generated from the served document.

    openapi-python-client generate --url http://127.0.0.1:8080/api/openapi.json --meta none
    PYTHONPATH=. python3 tests/kiosk/kiosk.py http://127.0.0.1:8080 STAFF_EMAIL STAFF_PASSWORD

Runs against a server with the demo catalog (`rezerve serve --demo`; the staff account's
password is in `data/demo-credentials.txt`). Walks a customer through the whole flow — register,
browse, seat map, hold, extend, book, pay with a replayed Idempotency-Key, a declined card, a
bus segment — then a door scans the tickets twice. Every answer is read as the generated types:
a success as its model, a refusal as a typed `Problem` with the documented code, including a
forged token and, when KIOSK_EXPIRED_TOKEN holds one, an expired token. Prints one line per call
and `N passed, 0 failed` at the end; exits 1 at the first surprise.
"""

import os
import sys
import uuid

from rezerve_api_client import AuthenticatedClient, Client
from rezerve_api_client.api.auth import get_current_user, login, register
from rezerve_api_client.api.bookings import (
    create_booking,
    get_booking,
    list_booking_tickets,
    pay_booking,
)
from rezerve_api_client.api.events import get_seat_map, list_events
from rezerve_api_client.api.holds import create_hold, extend_hold
from rezerve_api_client.api.jobs import list_jobs
from rezerve_api_client.api.tickets import check_in_ticket
from rezerve_api_client.models import (
    Admitted,
    BookingStatus,
    BookingView,
    BookRequest,
    CheckinRequest,
    EventCategory,
    Extend,
    HoldRequest,
    HoldView,
    Login,
    PageEventView,
    PaymentMethod,
    PaymentOutcome,
    PaymentStatus,
    PayRequest,
    Problem,
    ProblemCode,
    Registration,
    SeatStatus,
    SeatsView,
    Session,
    TicketStatus,
    User,
)

CARD_OK = "4242424242424242"
CARD_DECLINED = "4000000000000002"
calls = 0


def call(what, response, status, model):
    """One call: the status and the parsed type must be the documented ones."""
    global calls
    calls += 1
    parsed = response.parsed
    if int(response.status_code) != status or not isinstance(parsed, model):
        body = response.content.decode(errors="replace")[:500]
        sys.exit(
            f"FAIL {what}: got {int(response.status_code)} {type(parsed).__name__}, "
            f"wanted {status} {model.__name__}\n{body}"
        )
    print(f"ok {what}: {status} {model.__name__}")
    return parsed


def problem(what, response, status, code):
    """A refusal: a typed Problem with the documented status and code."""
    p = call(what, response, status, Problem)
    if p.code != code or p.status != status:
        sys.exit(f"FAIL {what}: code {p.code}, wanted {code.value}")
    return p


def check(what, condition):
    if not condition:
        sys.exit(f"FAIL {what}")


def pay(client, booking, card, key=None):
    body = PayRequest(
        method=PaymentMethod.TEST,
        amount_minor=booking.total.amount_minor,
        card_number=card,
    )
    kwargs = {"idempotency_key": key} if key else {}
    return pay_booking.sync_detailed(booking.id, client=client, body=body, **kwargs)


def hold_and_book(client, event_id, seats, **segment):
    hold = call(
        f"hold {', '.join(seats)}",
        create_hold.sync_detailed(
            event_id, client=client, body=HoldRequest(seats=seats, **segment)
        ),
        201,
        HoldView,
    )
    booking = call(
        "book the hold",
        create_booking.sync_detailed(client=client, body=BookRequest(hold_id=hold.id)),
        201,
        BookingView,
    )
    check("the booking is pending payment", booking.status == BookingStatus.PENDING_PAYMENT)
    return hold, booking


def free_seats(seat_map, n):
    free = [s.label for s in seat_map.seats if s.status == SeatStatus.AVAILABLE]
    check(f"{n} free seats", len(free) >= n)
    return free[:n]


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    base, staff_email, staff_password = sys.argv[1:]
    anonymous = Client(base_url=base, raise_on_unexpected_status=True)

    # A customer signs up at the kiosk.
    email = f"kiosk-{uuid.uuid4().hex[:12]}@example.test"
    session = call(
        "register",
        register.sync_detailed(
            client=anonymous,
            body=Registration(email=email, password="kiosk-password-1", name="Kiosk Customer"),
        ),
        201,
        Session,
    )
    customer = AuthenticatedClient(
        base_url=base, token=session.token, raise_on_unexpected_status=True
    )
    me = call("who am I", get_current_user.sync_detailed(client=customer), 200, User)
    check("registered as a customer", me.email == email and me.role.value == "customer")

    # Browse: concerts, then the seat map of the first one.
    page = call(
        "list concerts",
        list_events.sync_detailed(client=anonymous, category=EventCategory.CONCERT, limit=10),
        200,
        PageEventView,
    )
    seated = [e for e in page.items if not e.general_admission]
    check("a seated concert is on sale", seated)
    event = seated[0]
    seat_map = call(
        "seat map", get_seat_map.sync_detailed(event.id, client=anonymous), 200, SeatsView
    )

    # Hold two seats, extend, book, pay — the payment sent twice with one key.
    hold, booking = hold_and_book(customer, event.id, free_seats(seat_map, 2))
    extended = call(
        "extend the hold",
        extend_hold.sync_detailed(hold.id, client=customer, body=Extend(seconds=60)),
        200,
        HoldView,
    )
    check("the hold lasts longer", extended.expires_at > hold.expires_at)
    key = f"kiosk-{uuid.uuid4()}"
    first = call(
        "pay (Idempotency-Key)", pay(customer, booking, CARD_OK, key), 201, PaymentOutcome
    )
    again = pay(customer, booking, CARD_OK, key)
    replay = call("pay again, same key", again, 201, PaymentOutcome)
    check("the replay says so", again.headers.get("idempotent-replayed") == "true")
    check("the replay is the same payment", replay.payment.id == first.payment.id)
    check("paid once", first.payment.status == PaymentStatus.SUCCEEDED)
    confirmed = call(
        "read the booking", get_booking.sync_detailed(booking.id, client=customer), 200, BookingView
    )
    check("confirmed", confirmed.status == BookingStatus.CONFIRMED)
    problem(
        "pay a paid booking (new key)",
        pay(customer, booking, CARD_OK, f"kiosk-{uuid.uuid4()}"),
        409,
        ProblemCode.ALREADY_PAID,
    )

    # A declined card: a typed 402, the booking failed, its seats free again.
    seat_map = call(
        "seat map again", get_seat_map.sync_detailed(event.id, client=anonymous), 200, SeatsView
    )
    _, declined = hold_and_book(customer, event.id, free_seats(seat_map, 1))
    problem(
        "pay with a declined card",
        pay(customer, declined, CARD_DECLINED),
        402,
        ProblemCode.PAYMENT_DECLINED,
    )
    failed = call(
        "read the declined booking",
        get_booking.sync_detailed(declined.id, client=customer),
        200,
        BookingView,
    )
    check("the declined booking failed", failed.status == BookingStatus.FAILED)

    # A bus ticket for part of the route.
    buses = call(
        "list buses",
        list_events.sync_detailed(client=anonymous, category=EventCategory.BUS),
        200,
        PageEventView,
    )
    bus = next((e for e in buses.items if len(e.stops) >= 4), None)
    check("a bus with intermediate stops", bus is not None)
    a, b = bus.stops[1].name, bus.stops[2].name
    segment_map = call(
        f"bus seats {a} -> {b}",
        get_seat_map.sync_detailed(bus.id, client=anonymous, from_=a, to=b),
        200,
        SeatsView,
    )
    check("the seat map is for the segment", (segment_map.from_, segment_map.to) == (a, b))
    bus_hold, bus_booking = hold_and_book(
        customer, bus.id, free_seats(segment_map, 1), from_=a, to=b
    )
    check("the hold is for the segment", (bus_hold.from_, bus_hold.to) == (a, b))
    bus_paid = call("pay the bus seat", pay(customer, bus_booking, CARD_OK), 201, PaymentOutcome)
    check("the booking names its segment", (bus_paid.booking.from_, bus_paid.booking.to) == (a, b))
    check(
        "the payment's amount is money",
        bus_paid.payment.amount.amount_minor == bus_booking.total.amount_minor
        and bus_paid.payment.amount.currency == bus_booking.total.currency,
    )
    bus_tickets = call(
        "bus tickets",
        list_booking_tickets.sync_detailed(bus_booking.id, client=customer),
        200,
        list,
    )
    check("the ticket names its segment", [(t.from_, t.to) for t in bus_tickets] == [(a, b)])

    # The door: a customer may not scan; staff scan each ticket twice.
    tickets = call(
        "tickets",
        list_booking_tickets.sync_detailed(booking.id, client=customer),
        200,
        list,
    )
    check("one ticket per seat", len(tickets) == 2)
    check("tickets are valid", all(t.status == TicketStatus.VALID for t in tickets))
    problem(
        "a customer scans a ticket",
        check_in_ticket.sync_detailed(client=customer, body=CheckinRequest(code=tickets[0].code)),
        403,
        ProblemCode.FORBIDDEN,
    )
    problem(
        "a customer lists jobs", list_jobs.sync_detailed(client=customer), 403, ProblemCode.FORBIDDEN
    )
    staff_session = call(
        "staff sign in",
        login.sync_detailed(
            client=anonymous, body=Login(email=staff_email, password=staff_password)
        ),
        200,
        Session,
    )
    staff = AuthenticatedClient(
        base_url=base, token=staff_session.token, raise_on_unexpected_status=True
    )
    for ticket in tickets:
        body = CheckinRequest(code=ticket.code, event_id=event.id)
        admitted = call(
            "check in", check_in_ticket.sync_detailed(client=staff, body=body), 200, Admitted
        )
        check("the right ticket", admitted.ticket_id == ticket.id)
        problem(
            "check in twice",
            check_in_ticket.sync_detailed(client=staff, body=body),
            409,
            ProblemCode.ALREADY_CHECKED_IN,
        )

    # A token that is not one of ours.
    forged = AuthenticatedClient(
        base_url=base, token=session.token[:-4] + "AAAA", raise_on_unexpected_status=True
    )
    problem(
        "a forged token",
        get_current_user.sync_detailed(client=forged),
        401,
        ProblemCode.UNAUTHORIZED,
    )
    # A token that was ours but has expired (KIOSK_EXPIRED_TOKEN: `cargo test` mints one for
    # the staff account with the server's key, dated two hours back): the kiosk reads the
    # refusal as a typed 401 and knows to sign in again.
    expired_token = os.environ.get("KIOSK_EXPIRED_TOKEN")
    if expired_token:
        expired = AuthenticatedClient(
            base_url=base, token=expired_token, raise_on_unexpected_status=True
        )
        problem(
            "an expired token",
            get_current_user.sync_detailed(client=expired),
            401,
            ProblemCode.UNAUTHORIZED,
        )
    print(f"kiosk: {calls} passed, 0 failed")


if __name__ == "__main__":
    main()
