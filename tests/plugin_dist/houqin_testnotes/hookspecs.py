"""Hooks the notes module declares for other modules."""

from core.sdk import deprecated_hookspec, hookspec


@hookspec
def notes_contributions(tenant) -> list[str]:
    """Return lines other modules want shown under the school's notes.

    Called: with the school in context, only on modules the school switched on, when the
    notes module shows the school's notes.

    Arguments:
        tenant (TenantRef): the school in context.

    Returns:
        list[str]: the lines to show; an empty list when there are none.

    Example::

        from core.sdk import hookimpl

        @hookimpl(optionalhook=True)
        def notes_contributions(tenant):
            return [f"tags for {tenant.slug}"]

    Implemented by: tests/plugin_dist/houqin_testtags/__init__.py
    """


@deprecated_hookspec("notes 0.2.0", "notes_contributions")
def notes_lines(tenant) -> list[str]:
    """The old name of ``notes_contributions``, kept while plugins move.

    Called: as ``notes_contributions`` is; a plugin implementing this name is warned at
    registration, through pluggy's ``warn_on_impl`` (a throwaway that proves deprecations
    warn).

    Arguments:
        tenant (TenantRef): the school in context.

    Returns:
        list[str]: the lines to show; an empty list when there are none.

    Example::

        from core.sdk import hookimpl

        @hookimpl(optionalhook=True)
        def notes_contributions(tenant):  # the new name, not notes_lines
            return [f"tags for {tenant.slug}"]

    Implemented by: nobody (deprecated)
    """
