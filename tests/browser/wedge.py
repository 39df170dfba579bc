"""A keyboard-wedge scanner as the page sees one: keys stamped by the device's clock.

Playwright's keyboard.type() sends a key, waits until the page has handled it, then sends the
next: on a loaded machine the keys' timestamps drift apart by however long the page took, which
no scanner does (a USB or Bluetooth scanner sends at its own pace and the phone stamps each key
when it arrives, however busy the page is). Here every key goes through CDP with the timestamp
a scanner would give it, so the page's speed shows up in how long it takes, not in the gaps."""
import time

ENTER = {"key": "Enter", "code": "Enter", "windowsVirtualKeyCode": 13, "text": "\r"}


class Scanner:
    def __init__(self, page, gap_ms: float = 5):
        self.cdp = page.context.new_cdp_session(page)
        self.gap = gap_ms / 1000

    def _key(self, at: float, **key):
        self.cdp.send("Input.dispatchKeyEvent", {"type": "keyDown", "timestamp": at, **key})
        self.cdp.send("Input.dispatchKeyEvent", {"type": "keyUp", "timestamp": at + self.gap / 2,
                                                  **{k: v for k, v in key.items() if k != "text"}})

    def scan(self, text: str, first_key_late_ms: float = 0):
        """Type `text` then Enter, keys `gap_ms` apart; the first key may come early (a Bluetooth
        scanner that wakes up slowly sends it `first_key_late_ms` before the rest)."""
        at = time.time() - (len(text) + 1) * self.gap - first_key_late_ms / 1000
        for i, char in enumerate(text):
            self._key(at, key=char, text=char)
            at += self.gap + (first_key_late_ms / 1000 if i == 0 else 0)
        self._key(at, **ENTER)
