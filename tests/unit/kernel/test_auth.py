"""Bearer tokens: issued and read with the shared secret; forged, expired and role-less ones refused."""

from __future__ import annotations

import datetime as dt

import pytest

from jixiao import auth
from jixiao.errors import Forbidden, InvalidInput, Unauthorized

pytestmark = pytest.mark.unit
SECRET = "a-test-secret-that-is-long-enough-for-hs256"


def test_a_token_round_trips_roles_and_units():
    token = auth.issue_token(SECRET, "黄小君", ["unit"], ["v01", "v02"])
    who = auth.read_token(SECRET, token)
    assert who == auth.Principal("黄小君", frozenset({"unit"}), frozenset({"v01", "v02"}))
    assert who.may_act_for("v01") and not who.may_act_for("v03")


def test_forged_and_expired_tokens_are_refused():
    token = auth.issue_token(SECRET, "张三", ["assessor"])
    with pytest.raises(Unauthorized, match="not valid"):
        auth.read_token(SECRET + "x", token)
    with pytest.raises(Unauthorized, match="not valid"):
        auth.read_token(SECRET, token[:-2] + ("A" if token[-2] != "A" else "B") + token[-1])
    old = auth.issue_token(SECRET, "张三", ["assessor"], days=1, now=dt.datetime.now(dt.UTC) - dt.timedelta(days=2))
    with pytest.raises(Unauthorized, match="expired"):
        auth.read_token(SECRET, old)


@pytest.mark.parametrize(("user", "roles", "units", "text"), [
    ("", ["office"], [], "needs a user"),
    ("x", [], [], "needs a user and roles"),
    ("x", ["boss"], [], "unknown: boss"),
    ("x", ["unit"], [], "must name the units"),
])
def test_bad_token_requests(user, roles, units, text):
    with pytest.raises(InvalidInput, match=text):
        auth.issue_token(SECRET, user, roles, units)


def test_require_and_unit_scope():
    officer = auth.Principal("黄小君", frozenset({"unit"}), frozenset({"v01"}))
    assessor = auth.Principal("张三", frozenset({"assessor"}))
    assert auth.require("unit", "office")(officer) is officer
    with pytest.raises(Forbidden, match="assessor"):
        auth.require("assessor")(officer)
    auth.require_unit(officer, "v01")
    auth.require_unit(assessor, "v09")                    # assessors review every unit
    with pytest.raises(Forbidden, match="v02"):
        auth.require_unit(officer, "v02")
    assert auth.actor_name(officer, "someone else") == "黄小君"
    assert auth.actor_name(auth.LOCAL_OPERATOR, "县绩效办") == "县绩效办"
    assert auth.LOCAL_OPERATOR.has("assessor") and auth.LOCAL_OPERATOR.may_act_for("any")
