"""Property-based fuzzing of every form and JSON endpoint: never a 5xx, and a refusal saves nothing.

Each POST/DELETE route of the URL map gets generated form fields (the names every form in the
app uses, plus strangers) or generated JSON, sent by either partner with real object ids.
`FUZZ_EXAMPLES` raises the number of examples per route (default 20).
"""
import hashlib
import os

import pytest
from flask_wtf import FlaskForm
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import inspect, text
from wtforms.fields.core import UnboundField

import trust
from test_access import world  # noqa: F401  (the fixture: one of everything for couple one)

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "20"))
# These end the session or the pairing at the first example; each has its own tests.
ENDS_THE_SESSION = {"accounts.logout", "settings.revoke_all", "settings.revoke", "leaving.pause", "leaving.resume",
                    "leaving.end", "leaving.delete_account"}
JSON_ENDPOINTS = {"push.subscribe", "push.unsubscribe"}
# Written on purpose when an attempt is refused: the throttle and the user's security log.
RECORDS_REFUSALS = {"loginattempt", "securityevent", "loginsession"}


def form_field_names() -> list[str]:
    """Every field name declared on a form class in the app."""
    import importlib
    import pkgutil

    for module in pkgutil.iter_modules(trust.__path__):
        importlib.import_module(f"trust.{module.name}")
    names = set()
    pending = list(FlaskForm.__subclasses__())
    while pending:
        form = pending.pop()
        pending.extend(form.__subclasses__())
        for klass in form.__mro__:
            names.update(k for k, v in vars(klass).items() if isinstance(v, UnboundField))
    return sorted(names)


FIELDS = form_field_names()
NASTY = [
    "", " ", "0", "-1", "1e309", "NaN", "99999999999999999999", "2026-02-30", "0000-00-00", "9999-12-31",
    "24:00", "23:60", "-0:30", "7:5", "' OR 1=1 --", "<script>alert(1)</script>", "\x00", "a" * 6000, "日本語の文",
    "yes", "no", "talk", "report", "contact", "consult", "thanks", "relieved", "together", "video_call", "daily",
    "weekly", "none", "y", "on", "Asia/Tokyo", "Mars/Olympus", "../../etc/passwd", "1,2,3", "08:00,08:00", "8",
]
values = st.one_of(
    st.sampled_from(NASTY),
    st.text(st.characters(exclude_categories=("Cs",)), max_size=120),
    st.integers(-10 ** 12, 10 ** 12).map(str),
)
forms = st.dictionaries(st.sampled_from(FIELDS + ["zzz", "csrf_token"]),
                        st.one_of(values, st.lists(values, max_size=3)), max_size=8)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=60),
    lambda inner: st.lists(inner, max_size=3)
    | st.dictionaries(st.sampled_from(["endpoint", "keys", "p256dh", "auth", "expirationTime"]) | st.text(max_size=8),
                      inner, max_size=5),
    max_leaves=12,
)
json_bodies = st.one_of(
    json_values.map(lambda v: ("json", v)),
    st.binary(max_size=200).map(lambda b: ("raw", b)),
    st.fixed_dictionaries({"endpoint": st.sampled_from(["https://push.example/x", "http://127.0.0.1/x", "", "x" * 2000]),
                           "keys": st.fixed_dictionaries({"p256dh": st.text(max_size=120), "auth": st.text(max_size=40)})})
    .map(lambda v: ("json", v)),
)


def fingerprint(engine) -> str:
    """A hash of every row of every table, but the ones that record refusals by design."""
    digest = hashlib.sha256()
    with engine.connect() as connection:
        for table in sorted(inspect(engine).get_table_names()):
            if table in RECORDS_REFUSALS:
                continue
            for row in connection.execute(text(f'SELECT * FROM "{table}" ORDER BY 1')):
                digest.update(repr(tuple(row)).encode())
    return digest.hexdigest()


def fuzzable(app):
    for rule in app.url_map.iter_rules():
        for method in sorted(rule.methods - {"GET", "HEAD", "OPTIONS"}):
            if rule.endpoint not in ENDS_THE_SESSION:
                yield pytest.param(rule.rule, method, id=f"{method} {rule.rule}")


def all_routes():
    app = trust.create_app({"IGNORE_ENV": True, "DATABASE_URL": "sqlite://", "SECRET_KEY": "x"})
    return list(fuzzable(app))


ROUTES = all_routes()


@pytest.mark.parametrize("rule_text, method", ROUTES)
def test_fuzzed_input_never_breaks_anything(rule_text, method, app, world, ren, hana):  # noqa: F811
    rule = next(r for r in app.url_map.iter_rules() if r.rule == rule_text)
    url = rule.build({arg: world.get(arg, "x") for arg in rule.arguments})[1]
    engine = app.extensions["trust.engine"]
    body_strategy = json_bodies if rule.endpoint in JSON_ENDPOINTS else forms.map(lambda v: ("form", v))
    seen = {"refused": 0, "accepted": 0}

    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
    @given(body=body_strategy, as_ren=st.booleans())
    def check(body, as_ren):
        persona = ren if as_ren else hana
        kind, payload = body
        before = fingerprint(engine)
        if kind == "json":
            response = persona.client.open(url, method=method, json=payload)
        elif kind == "raw":
            response = persona.client.open(url, method=method, data=payload, content_type="application/json")
        else:
            response = persona.client.open(url, method=method, data=payload)
        assert response.status_code < 500, (url, payload, response.get_data(as_text=True)[:500])
        if response.status_code >= 400:
            seen["refused"] += 1
            assert fingerprint(engine) == before, (url, payload, response.status_code)
        else:
            seen["accepted"] += 1

    check()
    assert seen["refused"] + seen["accepted"] >= min(EXAMPLES, 5)
