"""Voice at the sampling table (issue 18): after each scan the phone says the slot in Mandarin
("第三位"), after the outcome is painted; a full tube announces itself; a refused scan says why;
the per-phone off switch silences it and is remembered. The speech API is a stub that records
each utterance (its text, language and voice) and what the screen showed when it was spoken."""
from tests.records import valid_id

from .sampling_helpers import open_point, said

TUBE = "T2022050677"
SPEECH_STUB = """
window.__said = [];
class StubUtterance { constructor(text) { this.text = text; this.lang = ''; this.voice = null; this.rate = 1; } }
Object.defineProperty(window, 'SpeechSynthesisUtterance', { value: StubUtterance, configurable: true, writable: true });
Object.defineProperty(window, 'speechSynthesis', { configurable: true, value: {
  getVoices: () => [{ lang: 'en-US', name: 'English' }, { lang: 'zh-CN', name: 'Mandarin' }],
  cancel() {},
  speak(u) { window.__said.push({ text: u.text, lang: u.lang, voice: u.voice && u.voice.name,
    shown: document.getElementById('feedback').textContent }); },
} });
"""


def scan(page, text):
    before = said(page)
    page.focus("#scan")
    page.keyboard.type(text, delay=1)
    page.keyboard.press("Enter")
    page.wait_for_function(f"() => Number(document.getElementById('feedback').dataset.count || 0) > {before}")


def utterances(page, count):
    page.wait_for_function(f"() => window.__said.length >= {count}")
    return page.evaluate("() => window.__said")


def test_each_scan_says_its_slot_in_mandarin_and_a_full_tube_says_so(page, live_server):
    page.add_init_script(SPEECH_STUB)
    open_point(page, live_server)
    voice = page.locator("#voice")
    assert voice.inner_text() == "语音：开" and voice.get_attribute("aria-pressed") == "true"
    box = voice.bounding_box()
    assert box["width"] >= 44 and box["height"] >= 44 and box["x"] + box["width"] <= 360

    scan(page, TUBE)
    for n in range(3):
        scan(page, valid_id(3000 + n))
    spoken = utterances(page, 4)
    assert [s["text"] for s in spoken] == ["已开管", "第一位", "第二位", "第三位"]
    assert all(s["lang"] == "zh-CN" and s["voice"] == "Mandarin" for s in spoken)
    # Spoken after painting: the screen already showed the outcome said.
    assert spoken[3]["shown"] == "已保存：第 3/10 位"

    scan(page, valid_id(3000))  # the same person again: refused, and said why
    assert utterances(page, 5)[4]["text"] == "重复，此人已在本管"
    for n in range(3, 10):
        scan(page, valid_id(3000 + n))
    spoken = utterances(page, 12)
    assert spoken[-1]["text"] == "第十位，本管已满，请封管"
    scan(page, valid_id(3010))
    assert utterances(page, 13)[12]["text"] == "本管已满，请封管"
    page.screenshot(path=str(live_server.workdir / "sampling-voice.png"))


def test_the_voice_can_be_switched_off_on_this_phone_and_stays_off(page, live_server):
    page.add_init_script(SPEECH_STUB)
    open_point(page, live_server)
    page.click("#voice")
    assert page.locator("#voice").inner_text() == "语音：关"
    assert page.locator("#voice").get_attribute("aria-pressed") == "false"
    scan(page, TUBE)
    scan(page, valid_id(3100))
    page.reload()  # remembered on this phone
    page.wait_for_function("() => document.getElementById('sampling').dataset.ready === 'true'")
    assert page.locator("#voice").inner_text() == "语音：关"
    scan(page, valid_id(3101))

    page.click("#voice")
    scan(page, valid_id(3102))
    # Speech runs in scan order: had anything been said while off, it would come first.
    assert [s["text"] for s in utterances(page, 1)] == ["第三位"]
