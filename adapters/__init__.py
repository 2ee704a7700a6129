"""The external systems, one module each, behind small provider interfaces with an embedded and a
real implementation (video, SMS, registry, insurers, notices), plus the rules configuration.

No Temporal in here: the API and the activities both import these modules (DESIGN.md §3). A
failure that retrying cannot fix is raised as `adapters.errors.PermanentFailure`; the activities
end their retries on it."""
