"""What the audit log shows for the energy module's tables and exports."""

from core.sdk import lazy_gettext as _l

AUDIT_LABELS: dict[str, object] = {
    "energy_meters": _l("Meters"),
    "energy_readings": _l("Meter readings"),
    "energy.meters": _l("Meter list export"),
    "energy.readings": _l("Meter readings export"),
}
