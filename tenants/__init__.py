"""Tenant lifecycle: provisioning districts and schools from manifests, and moving a school
between deployments as a school file. Its ``houqin tenants`` commands reach the CLI through the
``houqin.commands`` entry point; the districts, schools and module switches themselves are
core's (``core.schools``)."""
