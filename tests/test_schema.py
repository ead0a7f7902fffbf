"""The vocabulary: categories of the 51 real action types and of unknown ones, by verb."""

from __future__ import annotations

import pytest

from pipes_anomaly.schema import ACTION_CATEGORY, ACTION_TYPES, category_of, verb_of


def test_real_action_types_keep_their_category():
    assert len(ACTION_TYPES) == 51
    assert all(category_of(a) == c for a, c in ACTION_CATEGORY.items())
    assert category_of("workspace.create") == "common"  # verb create, category from the table


@pytest.mark.parametrize(
    ("action", "category"),
    [
        ("settings.delete", "destructive"),
        ("workspace.snapshot.DELETE", "destructive"),
        ("workspace.plugin.uninstall", "destructive"),
        ("org.team.dissociate", "destructive"),
        ("login.failed", "failure"),
        ("security.failed", "failure"),
        ("login.suspicious", "failure"),
        ("user.login", "other"),
        ("settings.update", "other"),
        ("token.create", "other"),
        ("deleted", "other"),  # the verb is the last dot-separated part
        ("", "other"),
    ],
)
def test_unknown_action_types_are_classified_by_their_verb(action, category):
    assert category_of(action) == category


def test_verb_is_the_last_part_lower_cased():
    assert verb_of("workspace.mod.Uninstall") == "uninstall"
    assert verb_of("login") == "login"
