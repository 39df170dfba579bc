"""Image -> barcodes -> what they are. Pure Python: never imports Flask or server/."""

from .classify import Classified, classify
from .decode import Decoded, decode_image
from .errors import ScanError

__all__ = ["decode_image", "Decoded", "classify", "Classified", "ScanError"]
