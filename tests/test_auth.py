"""Roles from the identity provider's claim or from a roles file, and what each role may do."""

from __future__ import annotations

from pathlib import Path

import pytest

from regie_analytics import auth
from regie_analytics.schema import InputError

ROLES_CSV = """# wie mag wat
account;role
a.jansen@gemeente.nl;beheerder
@gemeente.nl;bestuurder
wijk.gemeente.nl;analist
"""


def test_permissions_grow_with_the_role() -> None:
    assert [auth.may("bestuurder", p) for p in (auth.VIEW, auth.EXACT, auth.MANAGE)] == [
        True,
        False,
        False,
    ]
    assert [auth.may("analist", p) for p in (auth.VIEW, auth.EXACT, auth.MANAGE)] == [
        True,
        True,
        False,
    ]
    assert all(auth.may("beheerder", p) for p in (auth.VIEW, auth.EXACT, auth.MANAGE))
    assert not any(auth.may(None, p) for p in (auth.VIEW, auth.EXACT, auth.MANAGE))
    assert not auth.may("directeur", auth.VIEW)


def test_roles_file_address_then_nearest_domain() -> None:
    roles = auth.parse_roles_file(ROLES_CSV)
    assert roles.role_of("A.Jansen@Gemeente.nl") == "beheerder"  # the address wins
    assert roles.role_of("p.smit@gemeente.nl") == "bestuurder"  # the domain
    assert roles.role_of("k.bos@wijk.gemeente.nl") == "analist"  # the nearest domain
    assert roles.role_of("x@team.wijk.gemeente.nl") == "analist"
    assert roles.role_of("iemand@elders.nl") is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "het rollenbestand is leeg"),
        ("email,rol\na@b.nl,analist\n", "de kolommen 'account' en 'role' ontbreken"),
        ("account,role\na@b.nl,directeur\n", "rij 2, kolom 'role': onbekende rol 'directeur'"),
        ("account,role\na@b.nl,analist\nnergens,analist\n", "rij 3, kolom 'account'"),
    ],
)
def test_a_bad_roles_file_is_refused_in_dutch(text: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        auth.parse_roles_file(text, name="rollen.csv")


def test_role_from_claim_list_string_or_mapped_value() -> None:
    settings = auth.RoleSettings(claim="roles", values={"grp-42": "beheerder"})
    assert auth.role_of({"roles": ["bestuurder"]}, settings) == "bestuurder"
    assert auth.role_of({"roles": "Analist"}, settings) == "analist"
    assert auth.role_of({"roles": ["bestuurder", "analist"]}, settings) == "analist"  # highest
    assert auth.role_of({"roles": ["grp-42", "grp-7"]}, settings) == "beheerder"
    assert auth.role_of({"roles": ["grp-7"]}, settings) is None
    assert auth.role_of({"groups": ["analist"]}, settings) is None  # another claim


def test_roles_file_when_the_claim_gives_no_role() -> None:
    settings = auth.RoleSettings(claim="groups", file=auth.parse_roles_file(ROLES_CSV))
    assert auth.role_of({"email": "p.smit@gemeente.nl"}, settings) == "bestuurder"
    assert auth.role_of({"email": "p.smit@gemeente.nl", "groups": ["x"]}, settings) == (
        "bestuurder"
    )
    assert auth.role_of({"email": "p.smit@gemeente.nl", "groups": ["analist"]}, settings) == (
        "analist"
    )  # the claim goes first
    # Entra ID sends the address as preferred_username when there is no email claim
    assert auth.role_of({"preferred_username": "A.Jansen@gemeente.nl"}, settings) == "beheerder"
    assert auth.role_of({"sub": "123"}, settings) is None


def test_settings_from_secrets_section(tmp_path: Path) -> None:
    (tmp_path / "rollen.csv").write_text(ROLES_CSV)
    settings = auth.settings_from(
        {"claim": "groups", "file": "rollen.csv", "values": {"G1": "Analist"}, "contact": "X"},
        base=tmp_path,
    )
    assert settings.claim == "groups" and settings.values == {"G1": "analist"}
    assert settings.contact == "X"
    assert settings.file is not None and settings.file.role_of("q@gemeente.nl") == "bestuurder"
    assert auth.settings_from({}, base=tmp_path) == auth.RoleSettings()
    with pytest.raises(InputError, match="onbekende rol 'baas'"):
        auth.settings_from({"values": {"G1": "baas"}}, base=tmp_path)
    with pytest.raises(InputError, match="rollenbestand kan niet worden gelezen"):
        auth.settings_from({"file": "weg.csv"}, base=tmp_path)


def test_a_changed_roles_file_counts_at_once(tmp_path: Path) -> None:
    path = tmp_path / "rollen.csv"
    path.write_text("account,role\np.smit@gemeente.nl,bestuurder\n")
    assert auth.load_roles_file(path).role_of("p.smit@gemeente.nl") == "bestuurder"
    path.write_text("account,role\np.smit@gemeente.nl,beheerder\n@gemeente.nl,analist\n")
    roles = auth.load_roles_file(path)
    assert roles.role_of("p.smit@gemeente.nl") == "beheerder"
    assert roles.role_of("k.bos@gemeente.nl") == "analist"
