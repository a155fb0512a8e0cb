"""What the audit log shows for the energy module's tables, and for its registers' imports
and exports (the audit entry's action says which)."""

from core.sdk import lazy_gettext

AUDIT_LABELS: dict[str, object] = {
    "energy_meters": lazy_gettext("Meters"),
    "energy_readings": lazy_gettext("Meter readings"),
    "energy.meters": lazy_gettext("Meters"),
    "energy.readings": lazy_gettext("Meter readings"),
}
