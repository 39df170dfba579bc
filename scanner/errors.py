"""The one exception type of the scanner package."""

__all__ = ["ScanError", "ImageTooLarge"]


class ScanError(ValueError):
    """The input cannot be scanned; ``str(error)`` is a message fit for the user.

    It subclasses ValueError because every cause is bad input (not an image,
    truncated, too large), never a fault of the server.
    """


class ImageTooLarge(ScanError):
    """Too many bytes or pixels (a decompression bomb, or simply too big): HTTP 413."""
