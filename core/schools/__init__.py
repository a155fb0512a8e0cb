"""The districts and schools a deployment serves: their registry tables, how a request finds
its school (by slug, host name or district), and which modules each school has switched on.

Provisioning schools (manifests) and moving one between deployments (the school file) are the
``tenants`` package's, which builds on this one; core never reaches into it."""
