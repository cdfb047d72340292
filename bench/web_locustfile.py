"""The members `python -m bench.web` plays, for locust (headless).

The plan (people, their session cookies and what they may do) is a JSON file
named by BENCH_WEB_PLAN, written by bench/web.py. `Mix` plays the realistic
mix, each member pausing BENCH_WEB_THINK seconds ("1,3": between one and
three, at random) before each page after the first; "0" plays it with no
pause at all. `OnePage` asks for the page BENCH_WEB_PAGE only, with no pause,
as the members of the plan's pool BENCH_WEB_POOL, one after another;
`Alternating` does the same in turns with the reference page.
"""

import itertools
import json
import os
import random
import secrets
import time

from locust import FastHttpUser, between, constant, task

PLAN = json.loads(open(os.environ["BENCH_WEB_PLAN"]).read())  # noqa: SIM115
CSRF = secrets.token_hex(16)


def cookie(session: str | None) -> dict:
    value = f"csrftoken={CSRF}"
    if session:
        value += f"; sessionid={session}"
    return {"Cookie": value, "X-CSRFToken": CSRF}


class Pools:
    """Each member of a pool is played by one user at a time, in turn; one-off
    actions (requesting, accepting) are used once each."""

    def __init__(self):
        self.cycles = {name: itertools.cycle(PLAN[name]) for name in ("browsers", "pairs")}
        # Each run of the mix takes its own share of the one-off actions.
        part, parts = (int(n) for n in os.environ.get("BENCH_WEB_ONCE", "0/1").split("/"))
        self.once = {
            name: list(reversed(PLAN[name][part::parts])) for name in ("requesters", "acceptors")
        }

    def next(self, name: str):
        return next(self.cycles[name])

    def take(self, name: str):
        return self.once[name].pop() if self.once[name] else None


POOLS = Pools()
# The journeys' shares of the mix (each is a few requests).
JOURNEYS = {"visitor": 1, "newcomer": 4, "request": 1, "accept": 1, "conversation": 3}


def think_time():
    """A member's pause before each page: reading it, typing, deciding."""
    low, _, high = os.environ.get("BENCH_WEB_THINK", "0").partition(",")
    return between(float(low), float(high or low)) if float(high or low) else constant(0)


class Mix(FastHttpUser):
    # Locust pauses after each journey; `think` pauses between its pages.
    wait_time = think_time()

    def on_start(self):
        self.rng = random.Random()
        self.first_page = True
        # Each member pauses before their first journey too, as before every later
        # one: 32 people do not all open PeerLink in the same instant.
        self.wait()

    def think(self):
        if not self.first_page:
            self.wait()
        self.first_page = False

    def get(self, path: str, name: str, session: str | None, **headers):
        self.think()
        self.client.get(path, name=name, headers={**cookie(session), **headers})

    def post(self, path: str, name: str, session: str | None, data: dict, **headers):
        self.think()
        self.client.post(
            path,
            name=name,
            data=data,
            headers={
                **cookie(session),
                "Content-Type": "application/x-www-form-urlencoded",
                **headers,
            },
            allow_redirects=False,
        )

    @task
    def journey(self):
        names = list(JOURNEYS)
        kind = self.rng.choices(names, weights=[JOURNEYS[n] for n in names])[0]
        self.first_page = True
        getattr(self, kind)()

    def visitor(self):
        self.get("/", "home (signed out)", None)
        self.get("/accounts/login/", "sign-in page", None)
        person = self.rng.choice(PLAN["sign_in"])
        self.post(
            "/accounts/login/",
            "sign in",
            None,
            {"login": person["email"], "password": PLAN["password"], "csrfmiddlewaretoken": CSRF},
        )

    def newcomer(self):
        session = self.next_browser()
        self.get("/me/", "member home", session)
        self.get("/peers/", "suggestions", session)
        self.get("/my-match/", "my match", session)
        self.get("/profile/", "profile", session)
        self.get("/api/v1/matches/", "API matches", session, Accept="application/json")

    def next_browser(self) -> str:
        return POOLS.next("browsers")["session"]

    def request(self):
        person = POOLS.take("requesters")
        if person is None:
            return self.newcomer()
        self.get("/peers/", "suggestions", person["session"])
        self.post("/peers/request/", "request", person["session"], {"mentor": person["mentor"]})
        self.get("/my-match/", "my match", person["session"])

    def accept(self):
        person = POOLS.take("acceptors")
        if person is None:
            return self.conversation()
        self.get("/inbox/", "inbox", person["session"])
        self.post(f"/inbox/{person['match']}/accept/", "accept", person["session"], {})
        self.get("/inbox/", "inbox", person["session"])

    def conversation(self):
        pair = POOLS.next("pairs")
        side = self.rng.choice(["newcomer", "mentor"])
        session, match = pair[side], pair["match"]
        self.get(f"/messages/{match}/", "conversation", session)
        self.get(
            f"/messages/{match}/new/?after={pair['last_message']}",
            "conversation poll",
            session,
            Accept="application/json",
        )
        self.post(
            f"/messages/{match}/send/",
            "conversation send",
            session,
            {"text": "Checking in on you today.", "token": secrets.token_hex(8)},
            Accept="application/json",
        )
        if side == "mentor":
            self.get("/inbox/", "inbox", session)
        self.get("/check-ins/", "check-ins", session)
        self.post(
            f"/check-ins/match/{match}/", "check-in", session, {"connected": "yes", "rating": "4"}
        )
        self.get("/api/v1/me/", "API me", session, Accept="application/json")


class OnePage(FastHttpUser):
    wait_time = constant(0)
    path = os.environ.get("BENCH_WEB_PAGE", "/")
    pool = PLAN.get(os.environ.get("BENCH_WEB_POOL", ""), [None])
    field = os.environ.get("BENCH_WEB_FIELD", "session")

    def on_start(self):
        self.people = itertools.cycle(random.sample(self.pool, len(self.pool)))

    @task
    def page(self):
        person = next(self.people)
        session = person[self.field] if person else None
        self.client.get(self.path, name=self.path, headers=cookie(session))


class Alternating(FastHttpUser):
    """The page BENCH_WEB_PAGE and the reference page BENCH_WEB_REFERENCE in turns
    of BENCH_WEB_TURN seconds, every user switching at the same moment, for
    BENCH_WEB_TURNS turns of each from BENCH_WEB_START (a Unix time).

    Only asks made after a turn has settled (BENCH_WEB_SETTLE seconds into it:
    the last turn's answers are out) count; each is named after its page, the
    rest "not counted". Both pages then meet the same conditions, a few seconds
    apart, and each had the server to itself for the same counted time.
    """

    wait_time = constant(0)
    path = os.environ.get("BENCH_WEB_PAGE", "/")
    reference = os.environ.get("BENCH_WEB_REFERENCE", "/")
    pool = PLAN.get(os.environ.get("BENCH_WEB_POOL", ""), [None])
    field = os.environ.get("BENCH_WEB_FIELD", "session")
    first_turn_at = float(os.environ.get("BENCH_WEB_START", "0"))
    turn = float(os.environ.get("BENCH_WEB_TURN", "5"))
    turns = int(os.environ.get("BENCH_WEB_TURNS", "3"))
    settle = float(os.environ.get("BENCH_WEB_SETTLE", "1"))

    def on_start(self):
        self.people = itertools.cycle(random.sample(self.pool, len(self.pool)))
        # A user running only after the first turn began would leave that turn short:
        # bench/web.py refuses the run.
        self.late = time.time() > self.first_turn_at - 0.5

    @task
    def page(self):
        if self.late:
            self.client.get(self.reference, name="started late")
            return
        elapsed = time.time() - self.first_turn_at
        number, into = divmod(elapsed, self.turn)
        counted = 0 <= number < 2 * self.turns and into >= self.settle
        if int(number) % 2 == 0:  # the reference first, then the page, and again
            path, session = self.reference, None
        else:
            person = next(self.people)
            path, session = self.path, person[self.field] if person else None
        self.client.get(path, name=path if counted else "not counted", headers=cookie(session))
