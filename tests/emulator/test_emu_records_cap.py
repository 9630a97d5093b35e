"""A long-running gateway keeps only its newest records; requests_since() pages through them."""

from __future__ import annotations

import requests

from iamapi.emulator import Gateway


def test_max_records_keeps_the_newest_and_requests_since_pages() -> None:
    with Gateway(max_records=3) as gw, requests.Session() as session:
        for n in range(5):
            session.get(f"{gw.url}/unsigned/{n}")
        assert [r.path for r in gw.requests] == [f"/prod/unsigned/{n}" for n in (2, 3, 4)]
        newest, total = gw.requests_since(3)
        assert total == 5
        assert [r.path for r in newest] == ["/prod/unsigned/3", "/prod/unsigned/4"]
        none, again = gw.requests_since(total)
        assert (none, again) == ([], 5)
        dropped_too, _ = gw.requests_since(0)  # the first two were dropped: skipped
        assert len(dropped_too) == 3


def test_records_are_unbounded_by_default() -> None:
    with Gateway() as gw, requests.Session() as session:
        for n in range(20):
            session.get(f"{gw.url}/x/{n}")
        assert len(gw.requests) == 20
        assert gw.requests_since(0)[1] == 20
