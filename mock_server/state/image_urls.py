"""AddImage's url rules: the allowed prefixes, the local-path blacklist, schemes per storage."""

from __future__ import annotations

import re

from mock_server.state.model import BackupStorage
from mock_server.zstack.errors import InvalidArgumentError
from mock_server.zstack.i18n import localized

# ImageApiInterceptor L56; a url starting with "/" is rewritten to file://<url>.
URL_PREFIXES = ("http://", "https://", "file:///", "upload://", "zstore://", "ftp://", "sftp://")
# image.download.localPath.blacklist default (conf/globalConfig/image.xml).
LOCAL_PATH_BLACKLIST = (
    "/**/.*/**",
    "/**/~*/**",
    "/etc/**",
    "/usr/local/zstack/**",
    "/var/log/**",
    "/dev/**",
    "/proc/**",
    "/sys/**",
)
# SftpBackupStorageFactory.type L27-35 (BackupStorageConstant.SCHEME_*)
SFTP_SCHEMES = ("http", "https", "nfs", "file", "ftp", "sftp")


def _ant_regex(pattern: str) -> re.Pattern[str]:
    """Spring's AntPathMatcher, as far as the blacklist's patterns need it."""
    out = ""
    i = 0
    while i < len(pattern):
        if pattern.startswith("/**", i):
            out += "(/.*)?"
            i += 3
        elif pattern[i] == "*":
            out += "[^/]*"
            i += 1
        else:
            out += re.escape(pattern[i])
            i += 1
    return re.compile(out + "$")


_BLACKLIST = [_ant_regex(p) for p in LOCAL_PATH_BLACKLIST]


# UriComponentsBuilder.URI_PATTERN (Spring 5): group 5 is the user info before '@'
_SPRING_URI = re.compile(
    r"^(([^:/?#]+):)?(//(([^@\[/?#]*)@)?(\[[0-9A-Fa-f:.]*[%0-9A-Za-z]*]|[^\[/?#:]*)"
    r"(:(\{[^}]+\}?|[^/?#]*))?)?([^?#]*)(\?([^#]*))?(#(.*))?"
)


def hide_url_password(url: str) -> str:
    """URLBuilder.hideUrlPassword (utils/.../URLBuilder.java L51-59): keep only the user.

    Called once the image is downloaded (ImageManagerImpl L1285): `http://admin:pw@host/x`
    becomes `http://admin@host/x`.
    """
    m = _SPRING_URI.match(url)
    if m is None or m.group(5) is None:
        return url
    user = m.group(5).split(":")[0]
    return url[: m.start(5)] + user + url[m.end(5) :]


def supports_url(bs: BackupStorage, url: str) -> bool:
    """SftpBackupStorage.download L104-109: only SftpBackupStorageFactory's schemes."""
    if bs.type != "SftpBackupStorage":
        return True
    return url.split(":", 1)[0] in SFTP_SCHEMES


def check_url(url: str) -> str:
    """ImageApiInterceptor.validate(APIAddImageMsg) L176-185: the prefix, then the local path.

    Real server: image/src/main/java/org/zstack/image/ImageApiInterceptor.java
    (docs/zstack-protocol.md#add-image-url).
    """
    if url.startswith("/"):
        url = f"file://{url}"
    if not url.startswith(URL_PREFIXES):
        # ImageApiInterceptor's text, fullwidth comma included
        text = "url must starts with 'file:///', 'http://', 'https://'， 'ftp://', 'sftp://' or '/'"
        raise InvalidArgumentError(localized(text))
    if url.startswith("file://"):
        check_local_path(url[len("file://") :])
    return url


def check_local_path(path: str) -> None:
    """The blacklist validator of ImageApiInterceptor.initPathValidatorsFromConfig L203-215.

    Real server: image/src/main/java/org/zstack/image/ImageApiInterceptor.java, matching with
    Spring's AntPathMatcher against image.download.localPath.blacklist.
    """
    blocked = [p for p, rx in zip(LOCAL_PATH_BLACKLIST, _BLACKLIST, strict=True) if rx.match(path)]
    if blocked:
        raise InvalidArgumentError(
            localized("image path [%s] is in black list %s", path, ";".join(LOCAL_PATH_BLACKLIST))
        )
