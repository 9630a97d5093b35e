"""Injected credentials and sessions, lazy resolution, and forced refresh of botocore objects."""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta, timezone
from typing import Any, Callable

import pytest

from iamapi import ConfigurationError, CredentialsError
from iamapi._credentials import CredentialProvider, FrozenCredentials


class Counter:
    """A botocore ``refresh_using`` callable that numbers what it returns."""

    def __init__(self, delay: float = 0.0) -> None:
        self.calls = 0
        self.delay = delay
        self.fail = False
        self._lock = threading.Lock()

    def __call__(self) -> dict[str, Any]:
        with self._lock:
            self.calls += 1
            number = self.calls
        if self.delay:
            time.sleep(self.delay)  # a token service takes a moment to answer
        if self.fail:
            raise RuntimeError("the token service is down")
        expiry = datetime.now(timezone.utc) + timedelta(hours=1)
        return {
            "access_key": f"ASIAREFRESH{number:09d}",
            "secret_key": f"refresh-secret-{number}",
            "token": f"refresh-token-{number}",
            "expiry_time": expiry.isoformat(),
        }


def _refreshable(counter: Counter) -> Any:
    from botocore.credentials import RefreshableCredentials

    return RefreshableCredentials.create_from_metadata(
        counter(), refresh_using=counter, method="custom-broker"
    )


def test_frozen_credentials_are_used_as_given() -> None:
    given = FrozenCredentials("AKIAEXPLICIT00000001", "explicit-secret", "explicit-token")
    provider = CredentialProvider(credentials=given)
    assert provider.get() is given
    assert provider.method == "explicit"
    assert provider.expiry is None
    assert provider.force_refresh() is given  # nothing to refresh
    assert provider.generation == 1


def test_empty_frozen_credentials_are_refused() -> None:
    with pytest.raises(ConfigurationError, match="empty access key or secret key"):
        CredentialProvider(credentials=FrozenCredentials("", "secret"))


def test_botocore_static_credentials() -> None:
    from botocore.credentials import Credentials

    provider = CredentialProvider(credentials=Credentials("AKIASTATIC0000000001", "s"))
    assert provider.get() == FrozenCredentials("AKIASTATIC0000000001", "s", None)
    assert provider.method == "explicit"


def test_read_only_credentials_tuple() -> None:
    from botocore.credentials import ReadOnlyCredentials

    provider = CredentialProvider(credentials=ReadOnlyCredentials("AKIARO00000000000001", "s", "t"))
    assert provider.get() == FrozenCredentials("AKIARO00000000000001", "s", "t")


def test_injected_credentials_win_over_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAENVIRONMENT00001")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "env-secret")
    given = FrozenCredentials("AKIAEXPLICIT00000001", "explicit-secret")
    assert CredentialProvider(credentials=given).get() is given


@pytest.mark.parametrize("value", ["AKIA:secret", 42, {"access_key": "x"}], ids=type)
def test_something_else_is_refused(value: object) -> None:
    with pytest.raises(ConfigurationError, match="is not credentials"):
        CredentialProvider(credentials=value)


def test_empty_keys_are_refused() -> None:
    from botocore.credentials import Credentials

    with pytest.raises(CredentialsError, match="empty access key or secret key"):
        CredentialProvider(credentials=Credentials("", "")).get()


def test_injected_refreshable_credentials_are_force_refreshed_in_place() -> None:
    counter = Counter(delay=0.1)
    botocore_credentials = _refreshable(counter)
    provider = CredentialProvider(credentials=botocore_credentials)
    assert provider.get().access_key == "ASIAREFRESH000000001"
    assert provider.method == "custom-broker"
    barrier = threading.Barrier(16)
    results: list[FrozenCredentials] = []

    def worker() -> None:
        barrier.wait()
        results.append(provider.force_refresh())

    threads = [threading.Thread(target=worker) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # One refresh for all 16 (the botocore object is the same one, refreshed).
    assert counter.calls == 2
    assert {result.access_key for result in results} == {"ASIAREFRESH000000002"}
    assert botocore_credentials.get_frozen_credentials().access_key == "ASIAREFRESH000000002"


def test_a_failed_forced_refresh_keeps_the_current_credentials() -> None:
    counter = Counter()
    provider = CredentialProvider(credentials=_refreshable(counter))
    before = provider.get()
    counter.fail = True
    with pytest.raises(CredentialsError, match="the token service is down") as info:
        provider.force_refresh()
    assert isinstance(info.value.__cause__, RuntimeError)
    assert provider.get() == before


def test_objects_without_refresh_machinery_are_left_alone() -> None:
    class Broker:
        def __init__(self) -> None:
            self.reads = 0

        def get_frozen_credentials(self) -> FrozenCredentials:
            self.reads += 1
            return FrozenCredentials("AKIABROKER0000000001", "broker-secret")

    broker = Broker()
    provider = CredentialProvider(credentials=broker)
    provider.get()
    assert provider.force_refresh().access_key == "AKIABROKER0000000001"
    assert provider.method == "explicit"
    assert provider.generation == 1
    assert broker.reads == 2


def test_botocore_session_is_used_as_given() -> None:
    from botocore.session import Session

    session = Session()
    session.set_credentials("AKIASESSION000000001", "session-secret", "session-token")
    provider = CredentialProvider(botocore_session=session)
    assert provider.get() == FrozenCredentials(
        "AKIASESSION000000001", "session-secret", "session-token"
    )
    # Static credentials from a session the caller owns are not re-resolved.
    assert provider.force_refresh() == provider.get()


def test_profile_and_session_together_are_refused() -> None:
    from botocore.session import Session

    with pytest.raises(ConfigurationError, match="either profile= or botocore_session="):
        CredentialProvider(profile="dev", botocore_session=Session())


def test_construction_does_no_io_and_first_use_resolves_once(
    container: Callable[..., Any],
) -> None:
    mint = container(delay=0.05)
    provider = CredentialProvider()
    assert mint.hits == 0
    assert repr(provider) == "CredentialProvider(unresolved)"
    assert provider.generation == 0
    barrier = threading.Barrier(16)
    results: list[FrozenCredentials] = []

    def worker() -> None:
        barrier.wait()
        results.append(provider.get())

    threads = [threading.Thread(target=worker) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert mint.hits == 1
    assert len(set(results)) == 1
    assert provider.generation == 1


def test_force_refresh_before_first_use_just_resolves(container: Callable[..., Any]) -> None:
    mint = container()
    provider = CredentialProvider()
    assert provider.force_refresh().access_key == "ASIAGEN0000000000001"
    assert mint.hits == 1
