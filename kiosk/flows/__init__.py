"""Resident flows as plain state machines on :mod:`kiosk.flow` (no Qt).

- :mod:`kiosk.flows.violations`: the traffic-violation lookup.
"""
