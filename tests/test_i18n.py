"""The target's language (issue 13 §9): Java's rendering, the mock's --locale, the suite's oracle.

The expected texts are written out by hand from ZStack's catalogues (conf/i18n/
messages_en_US.properties and messages_zh_CN.properties, master 5a29293bd5, at the lines given),
so a renderer or a catalogue entry that goes wrong fails here.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from contract_tests.i18n import LANGUAGES, Catalogue, Entry, LanguageSeen, Text, message_format
from mock_server.zstack.spec import Spec
from tests.conftest import CONNECTED_BS, ZStack, make_app

URL_RULE = "url must starts with 'file:///', 'http://', 'https://'， 'ftp://', 'sftp://' or '/'"


@pytest.fixture(scope="module")
def catalogue(spec: Spec) -> Catalogue:
    return Catalogue.from_spec(spec.doc)


# -- java.text.MessageFormat, the subset the entries use ----------------------------------------


@pytest.mark.parametrize(
    ("pattern", "args", "rendered"),
    [
        ("unknown format[{0}]", ("Qcow2",), "unknown format[Qcow2]"),
        ("unknown format[{0}]", (None,), "unknown format[null]"),
        # quoted text loses its quotes; '' is one apostrophe
        ("'a', 'b' or '/'", (), "a, b or /"),
        ("it''s {0}", ("x",), "it's x"),
        # an unmatched quote quotes to the end: the placeholders after it stay as written
        (
            "doesn't support scheme[{0}] in url[{1}]",
            ("ftp", "u"),
            "doesnt support scheme[{0}] in url[{1}]",
        ),
        # numbers are grouped as NumberFormat.getInstance writes them
        ("but {0} got", (2048,), "but 2,048 got"),
        ("but {0} got", (2,), "but 2 got"),
        # an index past the arguments is written back
        ("{0} and {1}", ("a",), "a and {1}"),
        # the order of the entry, not of the source format
        ("url[{1}] scheme[{0}]", ("s", "u"), "url[u] scheme[s]"),
    ],
)
def test_message_format__renders_as_java(
    pattern: str, args: tuple[Any, ...], rendered: str
) -> None:
    assert message_format(pattern, args) == rendered


def test_message_format__elements_outside_the_subset_are_refused() -> None:
    with pytest.raises(ValueError, match="outside the subset"):
        message_format("{0,number,#}", (1,))


# -- the catalogue entries, as ZStack renders them -----------------------------------------------


@pytest.mark.parametrize(
    ("fmt", "args", "en_us", "zh_cn"),
    [
        # L5735
        ("unknown format[%s]", (None,), "unknown format[null]", "未知格式[null]"),
        # L5747: the quotes go in both
        (
            URL_RULE,
            (),
            "url must starts with file:///, http://, https://， ftp://, sftp:// or /",
            "url必须以下列格式开头file:///, http://, https://， ftp://, sftp:// or /",
        ),
        # L10943: the apostrophe of doesn't quotes the rest in en_US; zh_CN swaps the arguments
        (
            "SftpBackupStorage doesn't support scheme[%s] in url[%s]",
            ("ftp", "ftp://h/i"),
            "SftpBackupStorage doesnt support scheme[{0}] in url[{1}]",
            "Sftp镜像服务器不支持在url[ftp://h/i]里包含scheme[ftp]",
        ),
        # L5795: %d's Integer is grouped
        (
            "only one bootMode system tag is allowed, but %d got",
            (1024,),
            "only one bootMode system tag is allowed, but 1,024 got",
            "只允许一个Bootmode系统标记，但1,024获得了",
        ),
        # L15035
        (
            "wrong account name or password",
            (),
            "wrong account name or password",
            "错误信息: 错误的帐号或密码",
        ),
    ],
)
def test_catalogue__renders_each_language(
    catalogue: Catalogue, fmt: str, args: tuple[Any, ...], en_us: str, zh_cn: str
) -> None:
    raw = Text(fmt, args).raw()
    assert catalogue.render("raw", fmt, *args) == raw
    assert catalogue.render("en_US", fmt, *args) == en_us
    assert catalogue.render("zh_CN", fmt, *args) == zh_cn


def test_catalogue__a_format_without_an_entry_is_the_source_text_in_every_language(
    catalogue: Catalogue,
) -> None:
    # ApiMediatorImpl L276-278: the catalogues' key (L9831) says "uuid(v4", the source "UUID(v4"
    fmt = next(f for f in catalogue.entries if f.startswith("resourceUuid[%s]"))
    texts = {catalogue.render(lang, fmt, "X") for lang in LANGUAGES}
    assert texts == {fmt % "X"}


def test_catalogue__every_entry_names_its_source_and_lines(catalogue: Catalogue) -> None:
    for entry in catalogue.entries.values():
        assert ".java L" in entry.source, entry.fmt
        for lang in ("en_US", "zh_CN"):
            found = entry.entries[lang]
            assert found is None or found[0] > 0 and found[1], (entry.fmt, lang)


def test_catalogue__an_unlisted_format_is_a_key_error(catalogue: Catalogue) -> None:
    with pytest.raises(KeyError, match="x-zstack-messages"):
        catalogue.render("zh_CN", "no such message %s", "x")


# -- the mock answers in its --locale -------------------------------------------------------------


@pytest.mark.parametrize(
    ("locale", "format_detail", "url_detail"),
    [
        ("raw", "unknown format[Qcow2]", URL_RULE),
        (
            "en_US",
            "unknown format[Qcow2]",
            "url must starts with file:///, http://, https://， ftp://, sftp:// or /",
        ),
        (
            "zh_CN",
            "未知格式[Qcow2]",
            "url必须以下列格式开头file:///, http://, https://， ftp://, sftp:// or /",
        ),
    ],
)
def test_mock__answers_in_its_locale(
    spec: Spec, locale: str, format_detail: str, url_detail: str
) -> None:
    zs = ZStack(make_app(spec, locale=locale).test_client())
    error = zs.job_error(zs.add_image(format="Qcow2"))
    assert (error["code"], error["details"]) == ("SYS.1007", format_detail)
    # ErrorCode.description is not translated (ErrorFacadeImpl reads it from the error table)
    assert error["description"] == "One or more API argument is invalid"
    assert zs.job_error(zs.add_image(url="gopher://h/i"))["details"] == url_detail


def test_mock__zh_cn_login_and_expunge_details(spec: Spec) -> None:
    zs = ZStack(make_app(spec, locale="zh_CN").test_client())
    wrong = zs.login(password="0" * 128)
    assert wrong.json["error"]["details"] == "错误信息: 错误的帐号或密码"
    image = zs.ready_image()
    error = zs.job_error(zs.expunge_image(image["uuid"], [CONNECTED_BS]))
    # messages_zh_CN.properties L5791
    assert error["details"] == (
        f"镜像[uuid:{image['uuid']}, 名称:{image['name']}]未在镜像服务器[uuid:{CONNECTED_BS}]上被删除"
    )


def test_mock__sys_1000_is_never_translated(spec: Spec) -> None:
    """inerr: Platform.err formats SysErrors.INTERNAL with String.format (Platform.java L940)."""
    zs = ZStack(make_app(spec, locale="zh_CN").test_client())
    rsp = zs.client.get("/zstack/v1/images?q=noSuchField=1", headers=zs.auth)
    assert rsp.json["error"]["code"] == "SYS.1000"
    assert (
        "inventory class[class org.zstack.header.image.ImageInventory] not having field"
        in (rsp.json["error"]["details"])
    )


def test_cli__locale_is_checked() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "mock_server", "serve", "--locale", "fr_FR"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "--locale: invalid choice: 'fr_FR'" in result.stderr


# -- the suite recognises the target's language ---------------------------------------------------


def test_language_seen__settles_on_the_first_detail_that_tells(catalogue: Catalogue) -> None:
    seen = LanguageSeen()
    # no entry: every language agrees, nothing is settled
    mandatory = Text.of("field[%s] must be a nonempty list", "backupStorageUuids")
    assert seen.accept(catalogue, mandatory, mandatory.raw())
    assert seen.possible == list(LANGUAGES)
    # the entry equals the source: raw or en_US
    assert seen.accept(catalogue, Text.of("unknown format[%s]", "x"), "unknown format[x]")
    assert seen.possible == ["raw", "en_US"]
    assert seen.describe().startswith("one of raw, en_US")
    # the quotes tell them apart
    url = Text.of(URL_RULE)
    assert seen.accept(
        catalogue, url, "url must starts with file:///, http://, https://， ftp://, sftp:// or /"
    )
    assert seen.possible == ["en_US"]
    assert seen.describe() == f"en_US (recognised from {URL_RULE!r})"


def test_language_seen__a_target_that_changes_language_fails(catalogue: Catalogue) -> None:
    seen = LanguageSeen()
    assert seen.accept(catalogue, Text.of("unknown format[%s]", "x"), "未知格式[x]")
    assert seen.possible == ["zh_CN"]
    # the source text is not zh_CN: a violation, and the language stays
    assert not seen.accept(
        catalogue, Text.of("unsupported image type[%s]", "d"), "unsupported image type[d]"
    )
    assert seen.possible == ["zh_CN"]
    assert "zh_CN (messages_zh_CN.properties L5739): '不支持的镜像类型[d]'" in seen.expected(
        catalogue, Text.of("unsupported image type[%s]", "d")
    )


def test_run__passes_the_locale_to_the_served_mock(tmp_path: Path) -> None:
    client, out = tmp_path / "client.py", tmp_path / "details.txt"
    client.write_text(
        "import os, pathlib, requests\n"
        "body = {'logInByAccount': {'accountName': 'admin', 'password': '0' * 128}}\n"
        "r = requests.put(os.environ['ZSTACK_URL'] + '/zstack/v1/accounts/login', json=body, timeout=10)\n"
        f"pathlib.Path({str(out)!r}).write_text(r.json()['error']['details'], encoding='utf-8')\n"
    )
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "mock_server",
            "run",
            "--locale",
            "zh_CN",
            "--",
            sys.executable,
            str(client),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.exists(), result.stdout + result.stderr
    # messages_zh_CN.properties L15035
    assert out.read_text(encoding="utf-8") == "错误信息: 错误的帐号或密码"


def test_catalogue__an_empty_entry_is_the_source_text() -> None:
    """Platform.toI18nString L866-868: an untranslated (empty) entry gives String.format."""
    entry = Entry("unknown format[%s]", "test", {"en_US": (1, ""), "zh_CN": (1, "未知格式[{0}]")})
    assert entry.render("en_US", ("x",)) == "unknown format[x]"
    assert entry.render("zh_CN", ("x",)) == "未知格式[x]"
