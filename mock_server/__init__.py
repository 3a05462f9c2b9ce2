"""A mock ZStack management node for the image REST APIs."""

__version__ = "0.1.0"
