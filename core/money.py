"""Money as people read and type it. Amounts are integer fen (分) everywhere else."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation


def yuan(fen: int | None, missing: str = "") -> str:
    """Fen as yuan for people to read, exactly (1234 -> 12.34, -150 -> -1.50); ``missing``
    when there is no amount."""
    if fen is None:
        return missing
    sign = "-" if fen < 0 else ""
    return f"{sign}{abs(fen) // 100}.{abs(fen) % 100:02d}"


def whole_fen(text: str) -> int | None:
    """Yuan as a person types them (12.5) in whole fen; none if it is not such an amount
    (a fraction of a fen, not a number)."""
    try:
        amount = Decimal(text.strip()).scaleb(2)
    except InvalidOperation:
        return None
    return int(amount) if amount.is_finite() and amount == amount.to_integral_value() else None
