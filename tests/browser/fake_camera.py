"""Chromium's fake camera (BROWSER-TESTS.md §7): what it films, and a browser that films it."""
import io
from contextlib import contextmanager
from pathlib import Path

import segno
from PIL import Image


def qr_frame(text, side=420, size=(1280, 720)) -> Image.Image:
    """A white frame with a QR code of `side` pixels in the middle, as a phone held up to the
    camera shows it (640 of 720: held close)."""
    png = io.BytesIO()
    segno.make_qr(text, error="m").save(png, kind="png", scale=10, border=4)
    code = Image.open(png).convert("L").resize((side, side), Image.NEAREST)
    frame = Image.new("L", size, 255)
    frame.paste(code, ((size[0] - side) // 2, (size[1] - side) // 2))
    return frame.convert("RGB")


def write_y4m(image: Image.Image, path) -> None:
    """A one-frame Y4M video of the image (no ffmpeg needed)."""
    width, height = image.size
    y, cb, cr = image.convert("YCbCr").split()
    half = (width // 2, height // 2)
    with open(path, "wb") as f:
        f.write(f"YUV4MPEG2 W{width} H{height} F30:1 Ip A1:1 C420jpeg\nFRAME\n".encode())
        f.write(y.tobytes() + cb.resize(half).tobytes() + cr.resize(half).tobytes())


@contextmanager
def filming(browser_type, launch_args: dict, image: Image.Image, folder):
    """A Chromium whose camera films `image` (granted per context with permissions=["camera"]);
    closed on the way out."""
    video = Path(folder) / "camera.y4m"
    write_y4m(image, video)
    args = [*launch_args.get("args", []), "--use-fake-device-for-media-stream",
            f"--use-file-for-fake-video-capture={video.resolve()}"]
    browser = browser_type.launch(**{**launch_args, "args": args})
    try:
        yield browser
    finally:
        browser.close()
