"""Metrics, structured logs and the request id that travels from the API into Temporal: shared by
the API and the worker, never imported by workflows/ (their interceptor classes are handed to the
worker, which runs them around the workflow code)."""
