"""Tenant lifecycle: districts and schools, how a request finds its school, module enablement
and provisioning from manifests."""
