"""The image actions of issue 11 in ZStack's chain, after the SYSTEM checks and the session.

DEFAULT: ImageApiInterceptor, which has a rule for SetImageBootMode only (L89-90, L97-103); the
others only get their service id (L70-75). END: QuotaChecker returns at once for the admin. No
interceptor reads their systemTags/userTags, so those are neither checked nor stored.
Then the handler (ImageBase, state/image_actions.py).
"""

from __future__ import annotations

from mock_server.state.image_actions import NeverReplied
from mock_server.state.jobs import Deferred, replayed
from mock_server.state.model import Session
from mock_server.state.store import Store
from mock_server.zstack.errors import MessageTimeout
from mock_server.zstack.handler_types import Chain, Handler
from zstack_spec.json_types import JSON

# the body's action key of each API (each @RestRequest with isAction = true)
ACTIONS = {
    "updateImage": "UpdateImage",
    "changeImageState": "ChangeImageState",
    "setImageBootMode": "SetImageBootMode",
    "syncImageSize": "SyncImageSize",
    "calculateImageHash": "CalculateImageHash",
}
# the message timeout of CalculateImageHashMsg, the API's 1800000 ms passed down to it
# (core/.../timeout/ApiTimeoutManagerImpl.java L160-170; CloudBusImpl3 L294-305)
HASH_MESSAGE_TIMEOUT = 1800


def _update_image(apis: Chain, store: Store, m: dict[str, JSON], _: Session) -> dict[str, JSON]:
    return store.image_actions.update_image(m)


def _change_image_state(
    apis: Chain, store: Store, m: dict[str, JSON], _: Session
) -> dict[str, JSON]:
    return store.image_actions.change_image_state(m["uuid"], m["stateEvent"])


def _set_image_boot_mode(
    apis: Chain, store: Store, m: dict[str, JSON], _: Session
) -> dict[str, JSON]:
    store.image_actions.check_boot_mode(m["uuid"], m["bootMode"])  # DEFAULT
    return store.image_actions.set_image_boot_mode(m["uuid"], m["bootMode"])


def _sync_image_size(apis: Chain, store: Store, m: dict[str, JSON], _: Session) -> dict[str, JSON]:
    return store.image_actions.sync_image_size(m["uuid"])


def _calculate_image_hash(
    apis: Chain, store: Store, m: dict[str, JSON], _: Session
) -> dict[str, JSON] | Deferred:
    try:
        return store.image_actions.calculate_image_hash(m["uuid"], m["backupStorageUuid"])
    except NeverReplied:
        # NeedReplyMessage.toErrorString L59-64 through touterr: the formatted text is the
        # i18n key, which no catalogue has, so it is the same in every language
        error = MessageTimeout(
            f"Message[name: org.zstack.header.image.CalculateImageHashMsg, id: {store.ids.uuid()}]"
            f" timeout after {HASH_MESSAGE_TIMEOUT} seconds"
        )
        pending = replayed(None, error.to_error_code())
        return Deferred(pending.finish, resume=pending.resume, wait=HASH_MESSAGE_TIMEOUT)


HANDLERS: dict[str, Handler] = {
    "UpdateImage": _update_image,
    "ChangeImageState": _change_image_state,
    "SetImageBootMode": _set_image_boot_mode,
    "SyncImageSize": _sync_image_size,
    "CalculateImageHash": _calculate_image_hash,
}
