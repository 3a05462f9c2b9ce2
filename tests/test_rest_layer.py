"""RestServer's own rejections: plain text, before any job exists (docs/zstack-protocol.md)."""

from __future__ import annotations

import pytest

from tests.conftest import ZStack


@pytest.mark.parametrize(
    ("headers", "message"),
    [
        # missing header
        ({}, "missing header 'Authorization'"),
        # another scheme
        ({"Authorization": "Bearer abc"}, "Authorization type must be 'OAuth'"),
    ],
)
def test_add_image__bad_authorization_is_400(zs: ZStack, headers, message) -> None:
    rsp = zs.client.post("/zstack/v1/images", json={"params": {}}, headers=headers)
    assert rsp.status_code == 400
    assert rsp.mimetype == "text/plain"
    assert rsp.get_data(as_text=True) == message


@pytest.mark.parametrize("auth", ["ZStack nocolon", "ZStack ak:sig", "ZStackak:sig"])
def test_access_key_authorization__is_500_on_open_source(zs: ZStack, auth) -> None:
    # RestAuthenticationType.valueOf("ZStack"): no backend registers it in the open-source tree
    rsp = zs.client.post("/zstack/v1/images", json={"params": {}}, headers={"Authorization": auth})
    assert (rsp.status_code, rsp.get_data(as_text=True)) == (
        500,
        "RestAuthenticationType type: ZStack was not registered by any RestAuthenticationBackend",
    )


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("post", "/zstack/v1/images"),
        ("delete", "/zstack/v1/images/" + "1" * 32),
        ("put", "/zstack/v1/images/" + "1" * 32 + "/actions"),
        ("get", "/zstack/v1/images"),
    ],
)
def test_malformed_json__is_500_even_without_authorization(zs: ZStack, method, path) -> None:
    rsp = getattr(zs.client, method)(path, data=b'{"params": ', content_type="application/json")
    assert rsp.status_code == 500
    # Gson.fromJson wraps the EOFException; getMessage() is the cause's toString()
    assert (
        rsp.get_data(as_text=True)
        == "java.io.EOFException: End of input at line 1 column 12 path $."
    )


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b'{"a":1,"a":2}', "duplicate key: a"),
        # map.put returns the value replaced: a repeat after null is accepted, after a value not
        (b'{"params": {}, "params": null}', "duplicate key: params"),
        (
            b'"x"',
            "java.lang.IllegalStateException: Expected BEGIN_OBJECT but was STRING at line 1 column 2 path $",
        ),
        (
            b"5",
            "java.lang.IllegalStateException: Expected BEGIN_OBJECT but was NUMBER at line 1 column 2 path $",
        ),
        (
            b"[1]",
            "java.lang.IllegalStateException: Expected BEGIN_ARRAY but was NUMBER at line 1 column 3 path $[0]",
        ),
        (
            b"{} x",
            "com.google.gson.stream.MalformedJsonException: Use JsonReader.setLenient(true) to accept malformed JSON at line 1 column 5 path $",
        ),
        (
            b'{"a" 1}',
            "com.google.gson.stream.MalformedJsonException: Expected ':' at line 1 column 7 path $.",
        ),
        (
            b"{,}",
            "com.google.gson.stream.MalformedJsonException: Expected name at line 1 column 2 path $.",
        ),
        (
            b'{"a":"\\q"}',
            "com.google.gson.stream.MalformedJsonException: Invalid escape sequence at line 1 column 9 path $.",
        ),
        (
            b'{"a":"x',
            "com.google.gson.stream.MalformedJsonException: Unterminated string at line 1 column 8 path $.",
        ),
        (
            b'{\n"a":1 /* x',
            "com.google.gson.stream.MalformedJsonException: Unterminated comment at line 2 column 10 path $.",
        ),
        # a bad \u escape is a NumberFormatException, which Gson does not wrap
        (b'{"a":"\\uzz00"}', "\\uzz00"),
    ],
)
def test_gson_body_errors__gson_2_8_9_texts(zs: ZStack, body, message) -> None:
    rsp = zs.client.post("/zstack/v1/images", data=body, headers=zs.auth)
    assert (rsp.status_code, rsp.get_data(as_text=True)) == (500, message)


@pytest.mark.parametrize(
    "body",
    [
        b"{'params': {'name': 'n'}}",  # single quotes
        b"{params: {name: n}}",  # unquoted names and values
        b'[["params", {"name": "n"}]]',  # the map adapter's entry-array form
        b'// a comment\n{"params": {"name": "n"}}',
    ],
)
def test_gson_lenient_bodies__are_read(zs: ZStack, body) -> None:
    rsp = zs.client.post("/zstack/v1/images", data=body, headers=zs.auth)
    assert rsp.status_code == 202


def test_actions__empty_array_body_is_an_empty_map(zs: ZStack) -> None:
    rsp = zs.client.put(f"/zstack/v1/images/{'1' * 32}/actions", data=b"[]", headers=zs.auth)
    assert (rsp.status_code, rsp.get_data(as_text=True)) == (
        400,
        f"the body doesn't contain action mapping to the URL[/v1/images/{'1' * 32}/actions]",
    )


def test_unknown_path__is_404_no_api_mapping(zs: ZStack) -> None:
    rsp = zs.client.get("/zstack/v1/images/", headers=zs.auth)
    assert rsp.status_code == 404
    assert rsp.get_data(as_text=True) == "no api mapping to /v1/images/"
    assert zs.client.get("/zstack/v1/nothing").get_data(as_text=True) == (
        "no api mapping to /v1/nothing"
    )


@pytest.mark.parametrize(
    ("method", "path", "status", "message"),
    [
        ("delete", "/zstack/v1/images", 500, "No delete API found for the path[/zstack/v1/images]"),
        (
            "post",
            "/zstack/v1/images/x",
            500,
            "No creational API found for the path[/zstack/v1/images/x]",
        ),
        (
            "get",
            "/zstack/v1/images/x/actions",
            500,
            "No query API found for the path[/zstack/v1/images/x/actions]",
        ),
    ],
)
def test_method_without_api__real_message(zs: ZStack, method, path, status, message) -> None:
    rsp = getattr(zs.client, method)(path, headers=zs.auth)
    assert rsp.status_code == status
    assert rsp.get_data(as_text=True) == message
    if status == 405:
        assert rsp.headers["Allow"]


def test_head__on_a_shared_path_is_405(zs: ZStack) -> None:
    # handleNonUniqueApi: no API of /v1/images is HEAD
    rsp = zs.client.head("/zstack/v1/images", headers=zs.auth)
    assert rsp.status_code == 405
    assert "Allow" in rsp.headers


@pytest.mark.parametrize(
    "path", ["/zstack/v1/images", "/zstack/v1/accounts/login", "/zstack/v1/images/x"]
)
def test_patch__never_reaches_rest_server(zs: ZStack, path) -> None:
    # RestServerController maps POST, PUT, DELETE, GET and HEAD only: the container's 405
    rsp = zs.client.patch(path, headers=zs.auth)
    assert rsp.status_code == 405
    assert rsp.mimetype == "text/html"
    assert "The method[" not in rsp.get_data(as_text=True)


def test_head__on_a_unique_path_runs_the_api(zs: ZStack) -> None:
    rsp = zs.client.head("/zstack/v1/backup-storage", headers=zs.auth)
    assert (rsp.status_code, rsp.mimetype, rsp.get_data()) == (200, "application/json", b"")


def test_actions__body_without_known_action_is_400(zs: ZStack) -> None:
    rsp = zs.action("1" * 32, {"somethingElse": {}})
    assert rsp.status_code == 400
    assert rsp.get_data(as_text=True) == (
        f"the body doesn't contain action mapping to the URL[/v1/images/{'1' * 32}/actions]"
    )


def test_actions__empty_body_is_500_with_empty_body(zs: ZStack) -> None:
    rsp = zs.client.put(f"/zstack/v1/images/{'1' * 32}/actions", headers=zs.auth)
    assert rsp.status_code == 500
    assert rsp.get_data(as_text=True) == ""


@pytest.mark.parametrize(
    ("params", "status", "message"),
    [
        # TypeVerifier on the message's own boolean fields
        (
            {"system": "yes"},
            400,
            "Invalid value for boolean field [system], [yes] is not a valid boolean string[true, false].",
        ),
        (
            {"virtio": 1},
            400,
            "Invalid value for boolean field [virtio], [1] is not a valid boolean string[true, false].",
        ),
        # Gson cannot read these shapes
        # the location counts in rehashObject's re-serialised text: {"backupStorageUuids":"abc"}
        (
            {"backupStorageUuids": "abc"},
            500,
            "java.lang.IllegalStateException: Expected BEGIN_ARRAY but was STRING at line 1 column 24 path $.backupStorageUuids",
        ),
        (
            {"name": ["a"]},
            500,
            "java.lang.IllegalStateException: Expected a string but was BEGIN_ARRAY at line 1 column 10 path $.name",
        ),
        (
            {"systemTags": "bootMode::UEFI"},
            500,
            "java.lang.IllegalStateException: Expected BEGIN_ARRAY but was STRING at line 1 column 16 path $.systemTags",
        ),
        (
            {"backupStorageUuids": 5},
            500,
            "java.lang.IllegalStateException: Expected BEGIN_ARRAY but was NUMBER at line 1 column 24 path $.backupStorageUuids",
        ),
        (
            {"backupStorageUuids": [["a"]]},
            500,
            "java.lang.IllegalStateException: Expected a string but was BEGIN_ARRAY at line 1 column 25 path $.backupStorageUuids[0]",
        ),
        (
            {"x": None, "name": {"a": 1}},
            500,
            "java.lang.IllegalStateException: Expected a string but was BEGIN_OBJECT at line 1 column 10 path $.name",
        ),
    ],
)
def test_add_image__wrong_types_are_rest_errors(zs: ZStack, params, status, message) -> None:
    rsp = zs.client.post("/zstack/v1/images", json={"params": params}, headers=zs.auth)
    assert rsp.status_code == status
    assert rsp.get_data(as_text=True) == message


def test_add_image__params_not_an_object_is_500(zs: ZStack) -> None:
    rsp = zs.client.post("/zstack/v1/images", json={"params": "x"}, headers=zs.auth)
    assert rsp.status_code == 500
    assert rsp.get_data(as_text=True) == "java.lang.String cannot be cast to java.util.Map"


def test_add_image__tags_not_a_list_is_500(zs: ZStack) -> None:
    rsp = zs.client.post(
        "/zstack/v1/images", json={"params": {}, "systemTags": "x"}, headers=zs.auth
    )
    assert rsp.status_code == 500
    assert rsp.get_data(as_text=True) == "java.lang.String cannot be cast to java.util.List"


def test_add_image__lenient_gson_coercions_are_accepted(zs: ZStack) -> None:
    rsp = zs.poll(zs.add_image(system="false", name=123))
    assert rsp.status_code == 200
    assert rsp.json["inventory"]["name"] == "123"  # a Long since ToNumberPolicy.LONG_OR_DOUBLE
    assert rsp.json["inventory"]["system"] is False


def test_body_too_large__is_413_plain_text(zs: ZStack) -> None:
    big = b'{"params": {"name": "' + b"x" * (9 * 1024 * 1024) + b'"}}'
    rsp = zs.client.post(
        "/zstack/v1/images", data=big, content_type="application/json", headers=zs.auth
    )
    assert rsp.status_code == 413
    assert rsp.mimetype == "text/plain"


def test_invalid_utf8__is_400_plain_text(zs: ZStack) -> None:
    rsp = zs.client.post(
        "/zstack/v1/images",
        data=b'{"params": {"name": "\xff"}}',
        headers=zs.auth,
        content_type="application/json",
    )
    assert rsp.status_code == 400
    assert rsp.get_data(as_text=True) == "the request body is not valid UTF-8"


def test_json_is_written_as_gson_does(zs: ZStack) -> None:
    rsp = zs.poll(zs.add_image(name="a<b>&c='d'"))
    text = rsp.get_data(as_text=True)
    # Gson escapes <, >, &, = and ' in strings by default (htmlSafe)
    assert '"name":"a\\u003cb\\u003e\\u0026c\\u003d\\u0027d\\u0027"' in text
    assert rsp.json["inventory"]["name"] == "a<b>&c='d'"
    assert '"size":' in text and ".0" not in text.split('"size":')[1][:15]


@pytest.mark.parametrize("body", [None, b"", b"null", b"  "])
def test_put_on_a_shared_path_without_body__is_500_empty(zs: ZStack, body) -> None:
    rsp = zs.client.put("/zstack/v1/images", data=body, headers=zs.auth)
    assert (rsp.status_code, rsp.get_data(as_text=True)) == (500, "")


# -- kept right (issue 9): each pinned ---------------------------------------------------------


def test_job_path_with_trailing_slash__is_404_no_api_mapping(zs: ZStack) -> None:
    # ASYNC_JOB_PATH_PATTERN does not match a trailing slash; no API maps the path either
    rsp = zs.client.get(f"/zstack/v1/api-jobs/{'0' * 32}/")
    assert (rsp.status_code, rsp.get_data(as_text=True)) == (
        404,
        f"no api mapping to /v1/api-jobs/{'0' * 32}/",
    )


@pytest.mark.parametrize(
    ("params", "text"),
    [
        # TypeVerifier formats the value's toString: a nested list prints as Java's List
        ({"system": [[True]]}, "[[true]]"),
        ({"virtio": {"a": 1}}, "{a=1}"),
    ],
)
def test_add_image__type_verifier_prints_java_to_string(zs: ZStack, params, text) -> None:
    rsp = zs.client.post("/zstack/v1/images", json={"params": params}, headers=zs.auth)
    field = next(iter(params))
    assert (rsp.status_code, rsp.get_data(as_text=True)) == (
        400,
        f"Invalid value for boolean field [{field}], [{text}] is not a valid boolean string"
        "[true, false].",
    )


def test_add_image__tags_as_a_map_is_linked_tree_map_cast_error(zs: ZStack) -> None:
    rsp = zs.client.post(
        "/zstack/v1/images", json={"params": {}, "systemTags": {"a": 1}}, headers=zs.auth
    )
    assert (rsp.status_code, rsp.get_data(as_text=True)) == (
        500,
        "com.google.gson.internal.LinkedTreeMap cannot be cast to java.util.List",
    )


def test_api_response__keys_in_java_hashmap_order(zs: ZStack) -> None:
    # ApiResponse extends HashMap: Gson writes its entries in bucket order
    accepted = zs.add_image()
    assert list(accepted.json or {}) == ["apiTimeout", "location"]
    zs.poll(accepted)
    rsp = zs.client.get("/zstack/v1/images?replyWithCount=true", headers=zs.auth)
    assert list(rsp.json or {}) == ["schema", "total", "inventories"]


def test_add_image__infinite_number_fails_the_rehash(zs: ZStack) -> None:
    # the lenient reader takes 1e999 as Infinity; Gson refuses to write it back
    rsp = zs.client.post("/zstack/v1/images", data=b'{"params":{"name":1e999}}', headers=zs.auth)
    assert (rsp.status_code, rsp.get_data(as_text=True)) == (
        500,
        "Infinity is not a valid double value as per JSON specification. To override this "
        "behavior, use GsonBuilder.serializeSpecialFloatingPointValues() method.",
    )
