"""A body temperature as every input takes it (gate passages, the worker's readings, the
quarantine ledger's forms): °C with one decimal, within offline/client/rules.json's bounds
(34.0–43.0: outside is a misreading)."""
from decimal import Decimal, InvalidOperation

from .protocol import INVALID_FIELD, TEMPERATURE_OUT_OF_RANGE, RecordError
from .rules import TEMPERATURE_MAX, TEMPERATURE_MIN


def parse_temperature(value) -> Decimal | None:
    """The temperature, None when absent, or RecordError (INVALID_FIELD or
    TEMPERATURE_OUT_OF_RANGE) naming `temperature_c`."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise RecordError(INVALID_FIELD, "`temperature_c` must be a number.", "temperature_c")
    try:
        temperature = Decimal(str(value)).quantize(Decimal("0.1"))
    except InvalidOperation:
        raise RecordError(INVALID_FIELD, "`temperature_c` must be a number.", "temperature_c") from None
    if not temperature.is_finite():  # "nan" compares with nothing
        raise RecordError(INVALID_FIELD, "`temperature_c` must be a number.", "temperature_c")
    if not TEMPERATURE_MIN <= temperature <= TEMPERATURE_MAX:
        raise RecordError(TEMPERATURE_OUT_OF_RANGE,
                          f"Temperature {temperature} °C is outside {TEMPERATURE_MIN}–{TEMPERATURE_MAX} °C: measure again.",
                          "temperature_c")
    return temperature
