"""``houqin tenants apply``: provision a district from a TOML manifest, idempotently.

The whole manifest is checked before anything is written and applied in one transaction,
so a bad manifest changes nothing. Every error names the line and the key at fault.
Modules a manifest lists are switched on; modules it does not list are left as they are.
Admin passwords are used only when an account is created; when none is given, one is
generated and printed once.
"""

from __future__ import annotations

import re
import secrets
import tomllib
from dataclasses import dataclass, field
from typing import Any

from marshmallow import ValidationError
from sqlalchemy import select

from core.extensions import db
from core.identity import services as identity
from core.schools import modules as module_service
from core.schools.models import District, Tenant, TenantModule
from core.schools.registry import host_owner
from core.tenancy import tenant_context
from tenants.manifest_schema import ManifestSchema


class ManifestError(ValueError):
    pass


@dataclass
class Report:
    dry_run: bool = False
    changes: list[str] = field(default_factory=list)
    passwords: list[tuple[str, str]] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.changes)

    def lines(self) -> list[str]:
        head = "dry run, nothing written: " if self.dry_run else ""
        if not self.changes:
            return [head + "nothing to change"]
        out = [head + f"{len(self.changes)} change(s)", *("  " + c for c in self.changes)]
        for email, password in self.passwords:
            if self.dry_run:
                out.append(f"  {email} would get a generated password")
            else:
                out.append(f"  new password for {email}: {password}  (shown once; change it)")
        return out


def apply_manifest(text: str, source: str = "manifest", dry_run: bool = False) -> Report:
    data = _parse(text, source)
    report = Report(dry_run=dry_run)
    try:
        _apply(data, text, source, report)
        db.session.flush()
    except Exception:
        db.session.rollback()
        raise
    if dry_run:
        db.session.rollback()
    else:
        db.session.commit()
    return report


def _parse(text: str, source: str) -> dict[str, Any]:
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ManifestError(f"{source}: not valid TOML: {exc}") from exc
    try:
        return ManifestSchema().load(raw)
    except ValidationError as exc:
        problems = [
            f"{source}:{locate(text, path)}: {_dotted(path)}: {message}"
            for path, message in _flatten(exc.messages)
        ]
        raise ManifestError("the manifest was refused, nothing changed:\n" + "\n".join(problems)
                            ) from exc


def _fail(text: str, source: str, path: tuple, message: str) -> ManifestError:
    return ManifestError(
        "the manifest was refused, nothing changed:\n"
        f"{source}:{locate(text, path)}: {_dotted(path)}: {message}"
    )


def _apply(data: dict, text: str, source: str, report: Report) -> None:
    spec = data["district"]
    district = db.session.scalar(select(District).where(District.slug == spec["slug"]))
    if district is None:
        district = District(slug=spec["slug"], name=spec["name"], timezone=spec["timezone"])
        db.session.add(district)
        db.session.flush()
        report.changes.append(f"district {spec['slug']}: created")
    else:
        _update(district, {"name": spec["name"], "timezone": spec["timezone"]},
                f"district {spec['slug']}", report)

    for index, admin in enumerate(spec["admins"]):
        user = _account(admin, report)
        try:
            if identity.grant_district_role(user, district.id, admin["role"]):
                report.changes.append(f"district {spec['slug']}: {admin['email']} is {admin['role']}")
        except identity.IdentityError as exc:
            raise _fail(text, source, ("district", "admins", index, "role"), str(exc)) from exc

    for index, school in enumerate(data["schools"]):
        _apply_school(district, index, school, text, source, report)


def _apply_school(district: District, index: int, spec: dict, text: str, source: str,
                  report: Report) -> None:
    label = f"school {spec['slug']}"
    tenant = db.session.scalar(select(Tenant).where(Tenant.slug == spec["slug"]))
    fields_ = {
        "name": spec["name"], "type": spec["type"], "status": spec["status"],
        "timezone": spec.get("timezone") or district.timezone,
        "has_boarders": spec["has_boarders"], "domains": sorted(spec["domains"]),
    }
    if tenant is not None and tenant.district_id != district.id:
        raise _fail(text, source, ("schools", index, "slug"),
                    f"{spec['slug']!r} belongs to another district")
    for domain in spec["domains"]:
        owner = host_owner(domain)
        if owner is not None and owner != spec["slug"]:
            raise _fail(text, source, ("schools", index, "domains"),
                        f"{domain} already belongs to {owner}")
    if tenant is None:
        tenant = Tenant(slug=spec["slug"], district_id=district.id, **fields_)
        db.session.add(tenant)
        db.session.flush()
        report.changes.append(f"{label}: created")
    else:
        _update(tenant, fields_, label, report)

    with tenant_context(tenant.ref()):
        for position, module in enumerate(spec["modules"]):
            settings = spec["settings"].get(module)
            _apply_module(module, settings, label, report,
                          lambda exc, m=module, p=position: _module_error(
                              text, source, index, p, m, spec, exc))
        for admin_index, admin in enumerate(spec["admins"]):
            user = _account(admin, report)
            try:
                if identity.grant_school_role(user, admin["role"]):
                    report.changes.append(f"{label}: {admin['email']} is {admin['role']}")
            except identity.IdentityError as exc:
                raise _fail(text, source, ("schools", index, "admins", admin_index, "role"),
                            str(exc)) from exc
        # Write this school's rows while it is still the school in context: the next
        # school's first query would otherwise flush them with no school set.
        db.session.flush()


def _apply_module(module: str, settings: dict | None, label: str, report: Report, error) -> None:
    row = db.session.scalar(select(TenantModule).where(TenantModule.module == module))
    try:
        if row is None or not row.enabled:
            switched = module_service.enable(module, settings)
            report.changes.append(f"{label}: switched on {', '.join(switched)}")
        elif settings is not None:
            clean = module_service.validate_settings(module, settings)
            if clean != row.settings:
                module_service.update_settings(module, settings)
                report.changes.append(f"{label}: settings of {module} changed")
    except module_service.ModuleError as exc:
        raise error(exc) from exc


def _module_error(text, source, index, position, module, spec, exc) -> ManifestError:
    if isinstance(exc, module_service.SettingsInvalid):
        key = next(iter(exc.messages), None)
        path = ("schools", index, "settings", module) + ((key,) if key else ())
    else:
        path = ("schools", index, "modules", position)
    return _fail(text, source, path, str(exc))


def _account(spec: dict, report: Report):
    user = identity.user_by_email(spec["email"])
    if user is not None:
        return user
    password = spec.get("password")
    if password is None:
        password = secrets.token_urlsafe(12)
        report.passwords.append((spec["email"], password))
    user = identity.create_user(spec["email"], spec["name"], password)
    report.changes.append(f"account {spec['email']}: created")
    return user


def _update(obj, values: dict[str, Any], label: str, report: Report) -> None:
    changed = [key for key, value in values.items() if getattr(obj, key) != value]
    for key in changed:
        setattr(obj, key, values[key])
    if changed:
        report.changes.append(f"{label}: updated {', '.join(changed)}")


# --- error locations ---------------------------------------------------------------------


def _flatten(messages: Any, path: tuple = ()) -> list[tuple[tuple, str]]:
    if isinstance(messages, dict):
        return [item for key, value in messages.items() for item in _flatten(value, (*path, key))]
    if isinstance(messages, list) and all(isinstance(m, str) for m in messages):
        return [(path, " ".join(messages))]
    if isinstance(messages, list):
        return [item for value in messages for item in _flatten(value, path)]
    return [(path, str(messages))]


def _dotted(path: tuple) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else ("." if out else "") + str(part)
    return out or "(top)"


_HEADER = re.compile(r"^\[(\[)?\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")
_KEY = re.compile(r"^([A-Za-z0-9_\-.\" ]+?)\s*=")


def locate(text: str, path: tuple) -> int:
    """The line of ``text`` that defines ``path`` (or the nearest enclosing table)."""
    counters: dict[tuple, int] = {}
    context: tuple = ()
    best_line, best_len = 1, -1

    def resolve(keys: list[str]) -> tuple:
        current: tuple = ()
        for key in keys:
            current = (*current, key)
            if current in counters:
                current = (*current, counters[current] - 1)
        return current

    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        header = _HEADER.match(line)
        if header:
            keys = [k.strip().strip('"') for k in header.group(2).split(".")]
            if header.group(1):  # [[array.of.tables]]
                parent = resolve(keys[:-1])
                key = (*parent, keys[-1])
                counters[key] = counters.get(key, 0) + 1
                context = (*key, counters[key] - 1)
            else:
                context = resolve(keys)
            candidate = context
        else:
            match = _KEY.match(line)
            if not match:
                continue
            candidate = (*context, *[k.strip().strip('"') for k in match.group(1).split(".")])
        if candidate == path[: len(candidate)]:
            score = len(candidate)
        elif candidate[: len(path)] == path:  # the first line that defines something inside
            score = len(path)
        else:
            continue
        if score > best_len:
            best_line, best_len = number, score
    return best_line
