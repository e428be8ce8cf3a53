"""The center's usage report (the figures centers publish): residents served per service per
day, requests filed and resolved, vouchers redeemed, photos taken, quiz completions.

- :mod:`center.report.usage`: the terminals' usage counters, turned into daily amounts as
  heartbeats arrive (:class:`UsageLog`, and :class:`CountingFleet`, the fleet service that
  feeds it);
- :mod:`center.report.figures`: one row of figures per day from the usage counters and the
  stores (requests, points ledger, photos), and its CSV;
- :mod:`center.report.cli`: ``center report --from D --to D --out FILE.csv``.

The console shows the same figures as charts (``/console/usage``).
"""
