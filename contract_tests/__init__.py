"""The contract suite: checks any ZStack image API implementation at a URL (issue #3)."""
