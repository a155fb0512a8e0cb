"""What the audit log shows for the energy module's tables, and for its registers' imports
and exports (the audit entry's action says which)."""

from core.sdk import lazy_gettext

from .models import KIND_TITLES, READING_KIND_TITLES

AUDIT_LABELS: dict[str, object] = {
    "energy_meters": lazy_gettext("Meters"),
    "energy_readings": lazy_gettext("Meter readings"),
    "energy.meters": lazy_gettext("Meters"),
    "energy.readings": lazy_gettext("Meter readings"),
}

# The energy columns core does not name already (number, kind, unit, building, note, who
# and when are core's words), with the titles the meter pages give them.
AUDIT_FIELDS: dict[str, object] = {
    "energy_meters.unmatched_building": lazy_gettext("Building as written"),
    "energy_meters.location": lazy_gettext("Where it is"),
    "energy_meters.parent_id": lazy_gettext("Sub-meter of"),
    "energy_meters.digits": lazy_gettext("Whole digits on the dial"),
    "energy_meters.multiplier": lazy_gettext("Multiplier"),
    "energy_meters.installed_on": lazy_gettext("Installed on"),
    "energy_meters.retired_on": lazy_gettext("Retired on"),
    "energy_meters.replaces_id": lazy_gettext("Replaces meter"),
    "energy_readings.meter_id": lazy_gettext("Meter"),
    "energy_readings.read_at": lazy_gettext("Read at"),
    "energy_readings.value": lazy_gettext("Reading"),
    "energy_readings.rolled_over": lazy_gettext("Rolled over"),
    "energy_readings.used": lazy_gettext("Used since the last reading"),
    "energy_readings.photo_id": lazy_gettext("Photo"),
}

AUDIT_VALUES: dict[str, dict] = {
    "energy_meters.kind": KIND_TITLES,
    "energy_readings.kind": READING_KIND_TITLES,
}
