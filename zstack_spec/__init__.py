"""The spec (`spec/zstack-image.yaml`) as both halves read it: the mock and the contract suite.

`document` finds and loads the OpenAPI document and answers the lookups both need (operations,
schemas, enums, patterns, defaults, API timeouts, action keys, inventories, compiled validators);
`i18n` renders ZStack's messages from the spec's `x-zstack-messages`. Nothing here knows how the
mock emulates ZStack, so the suite can check any server with it.
"""
