"""The version of the iamapi distribution."""

__all__ = ["VERSION"]

VERSION = "0.1.0.dev0"
