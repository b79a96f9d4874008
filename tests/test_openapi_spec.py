"""The pinned OpenAPI description (tests/openapi_spec.py): fetched only as pinned, and an
unreachable registry makes it unavailable (tests skip), never a failure."""

from __future__ import annotations

import hashlib

import pytest
from pytest_httpserver import HTTPServer

from tests import openapi_spec


def test_an_unreachable_registry_means_unavailable_not_failed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(openapi_spec, "SPEC_TARBALL", "http://127.0.0.1:9/openapi.tgz")
    with pytest.raises(openapi_spec.SpecUnavailable, match="npm registry cannot be reached"):
        openapi_spec._download()


def test_a_tarball_other_than_the_pinned_one_is_refused(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/openapi.tgz").respond_with_data(b"not the package")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(openapi_spec, "SPEC_TARBALL", httpserver.url_for("/openapi.tgz"))
        with pytest.raises(RuntimeError, match="has integrity sha512-"):
            openapi_spec._download()


def test_the_cached_description_is_the_pinned_file() -> None:
    reason = openapi_spec.unavailable_reason()
    if reason:
        pytest.skip(reason)
    data = openapi_spec.cached_path().read_bytes()
    assert hashlib.sha256(data).hexdigest() == openapi_spec.SPEC_SHA256
    assert openapi_spec.spec_document()["info"]["version"] == openapi_spec.SPEC_VERSION
