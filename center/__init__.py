"""The governance-center side, one package per feature (:mod:`center.violations`,
:mod:`center.points`, :mod:`center.fleet`) put together by :mod:`center.app` (the HTTP API)
and :mod:`center.cli` (the ``center`` command).

Shared by the features: :mod:`center.auth` (terminal registry), :mod:`center.credentials`
(caller dependencies), :mod:`center.answers` (error body and handlers, no-store),
:mod:`center.data_dir` and :mod:`center.registry_cli` (``add``/``list``/... of callers).
"""
