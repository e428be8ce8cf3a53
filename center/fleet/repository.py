"""The fleet's TUF repository: static files signed with python-tuf's Metadata API.

Layout under ``<center data>/fleet/``::

    keys/root.json, keys/<role>.pem     bootstrap root and online keys (``center keys install``)
    repository/metadata/N.root.json     every root version (clients walk them)
    repository/metadata/timestamp.json  the only unversioned file: short-lived, re-signed on
                                        a schedule (``center fleet timestamp``)
    repository/metadata/N.snapshot.json, N.targets.json, N.bin-X.json
    repository/targets/config/all.json            -> <sha256>.all.json
    repository/targets/config/group/<name>.json   -> <sha256>.<name>.json
    repository/targets/config/kiosk/<id>.json     -> <sha256>.<id>.json  (in a hash bin)
    repository/targets/media/sha256-<hex>.<ext>   -> <sha256>.sha256-<hex>.<ext>  (in a bin)

Consistent snapshots are on, so every file but ``timestamp.json`` is immutable once written
and a client mid-update never sees a mix of two publishes: the ``repository`` folder can be
copied (timestamp.json last) to any static host or CDN. Old versions are kept.

Top-level ``targets`` holds the documents for all and for groups, and delegates everything
else to ``2**bit_length`` hash bins (TUF TAP 15, succinct delegation) signed by the targets
key, so a kiosk's poll verifies one small bin instead of an entry for every terminal.

Writers (publish, timestamp) take an exclusive ``flock`` on ``repository.lock``; readers (the
HTTP server, status) need none: every file is replaced atomically, timestamp last.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.serialization import load_pem_private_key
from securesystemslib.signer import (  # type: ignore[attr-defined]  # re-exported without __all__
    CryptoSigner,
    Signer,
)
from tuf.api.metadata import (  # type: ignore[attr-defined]  # re-exported without __all__
    Delegations,
    Metadata,
    MetaFile,
    Root,
    Snapshot,
    SuccinctRoles,
    TargetFile,
    Targets,
    Timestamp,
)
from tuf.api.serialization.json import JSONSerializer
from tuf.repository import Repository  # type: ignore[attr-defined]  # re-exported without __all__

from center.fleet.clock import utc_now
from center.fleet.keys import load_online_signer
from center.fleet.policy import FleetPolicy
from kiosk.platform.atomic_file import write_atomic

log = logging.getLogger(__name__)

BIN_PREFIX = "bin"
_VERSIONED = re.compile(r"^(\d+)\.root\.json$")
_COMPACT = JSONSerializer(compact=True)


class RepositoryNotReady(Exception):
    """The repository has no root yet (run ``center keys init`` and ``keys install``)."""


@dataclass(frozen=True)
class RoleExpiry:
    """One role's current version and expiry."""

    role: str
    version: int
    expires: datetime


def is_top_level_path(path: str) -> bool:
    """Whether ``path`` is signed by top-level targets (all and groups) rather than a bin."""
    return path == "config/all.json" or path.startswith("config/group/")


class FleetRepository(Repository):
    """A file-backed repository with consistent snapshots and succinct hash bins.

    Args:
        fleet_dir: ``<center data>/fleet``.
        policy: signing and expiry policy.
        now: the clock used for expiry dates (tests sign already-expired metadata with it).
    """

    def __init__(
        self,
        fleet_dir: Path,
        *,
        policy: FleetPolicy | None = None,
        now: Callable[[], datetime] = utc_now,
    ) -> None:
        self.fleet_dir = fleet_dir
        self.keys_dir = fleet_dir / "keys"
        self.repo_dir = fleet_dir / "repository"
        self.metadata_dir = self.repo_dir / "metadata"
        self.targets_dir = self.repo_dir / "targets"
        self.policy = policy or FleetPolicy.load()
        self.now = now
        self._raw: dict[str, bytes] = {}
        self._signers: dict[str, Signer] = {}
        self.reload()

    # ------------------------------------------------------------------ reading

    @property
    def initialized(self) -> bool:
        """Whether root, targets, snapshot and timestamp exist."""
        return Timestamp.type in self._raw

    def reload(self) -> None:
        """Reads the current state from disk (what a client would see now)."""
        self._raw = {}
        roots = self._root_versions()
        if not roots:
            return
        self._raw[Root.type] = (self.metadata_dir / f"{roots[-1]}.root.json").read_bytes()
        ts_path = self.metadata_dir / "timestamp.json"
        if not ts_path.exists():
            return
        ts_raw = ts_path.read_bytes()
        ts = Metadata[Timestamp].from_bytes(ts_raw).signed
        sn_raw = (self.metadata_dir / f"{ts.snapshot_meta.version}.snapshot.json").read_bytes()
        snapshot = Metadata[Snapshot].from_bytes(sn_raw).signed
        for name, meta in snapshot.meta.items():
            role = name.removesuffix(".json")
            self._raw[role] = (self.metadata_dir / f"{meta.version}.{name}").read_bytes()
        self._raw[Snapshot.type] = sn_raw
        self._raw[Timestamp.type] = ts_raw

    def _root_versions(self) -> list[int]:
        if not self.metadata_dir.exists():
            return []
        found = (_VERSIONED.match(p.name) for p in self.metadata_dir.iterdir())
        return sorted(int(m.group(1)) for m in found if m)

    def raw(self, role: str) -> bytes:
        """The current signed bytes of ``role``."""
        return self._raw[role]

    def bin_roles(self) -> SuccinctRoles:
        """The hash-bin delegation of top-level targets."""
        delegations = self.targets().delegations
        if delegations is None or delegations.succinct_roles is None:
            raise RepositoryNotReady("targets has no hash-bin delegation")
        return delegations.succinct_roles

    def role_for(self, path: str) -> str:
        """The targets role that signs ``path``."""
        if is_top_level_path(path):
            return Targets.type
        return self.bin_roles().get_role_for_target(path)

    def target(self, path: str) -> TargetFile | None:
        """The current target at ``path``, or None."""
        if not self.initialized:
            return None
        return self.targets(self.role_for(path)).targets.get(path)

    def all_targets(self) -> dict[str, TargetFile]:
        """Every current target, by path."""
        out: dict[str, TargetFile] = {}
        if not self.initialized:
            return out
        out.update(self.targets().targets)
        for role in self.bin_roles().get_roles():
            out.update(self.targets(role).targets)
        return out

    def expiries(self) -> list[RoleExpiry]:
        """Version and expiry of root, timestamp, snapshot, targets and the earliest bin."""
        if not self.initialized:
            return []
        out = []
        for role in (Root.type, Timestamp.type, Snapshot.type, Targets.type):
            signed = self.open(role).signed
            out.append(RoleExpiry(role, signed.version, signed.expires))
        bins = [self.targets(r) for r in self.bin_roles().get_roles()]
        first = min(bins, key=lambda t: t.expires)
        out.append(RoleExpiry("bins", first.version, first.expires))
        return out

    def target_file(self, target: TargetFile) -> Path:
        """Where the (hash-prefixed) file of ``target`` lives."""
        dirname, sep, basename = target.path.rpartition("/")
        digest = target.hashes["sha256"]
        return self.targets_dir / f"{dirname}{sep}{digest}.{basename}"

    # ------------------------------------------------- tuf.repository.Repository

    def open(self, role: str) -> Metadata[Any]:
        """The current metadata of ``role`` (a copy), or a new version-1 one."""
        raw = self._raw.get(role)
        if raw is not None:
            return Metadata.from_bytes(raw)
        expires = self.now() + self.policy.lifetime(role)
        if role == Timestamp.type:
            return Metadata(Timestamp(version=1, expires=expires))
        if role == Snapshot.type:
            return Metadata(Snapshot(version=1, expires=expires))
        if role == Root.type:
            raise RepositoryNotReady("no root: run `center keys init` and `center keys install`")
        return Metadata(Targets(version=1, expires=expires))

    def close(self, role: str, md: Metadata[Any]) -> None:
        """Bumps the version, sets the expiry, signs with the online key and writes."""
        if role == Root.type:
            raise ValueError("root is signed offline (center keys init)")
        if role in self._raw:
            md.signed.version += 1
        md.signed.expires = self.now() + self.policy.lifetime(role)
        md.sign(self._signer(role), append=False)
        data = md.to_bytes(_COMPACT)
        name = "timestamp.json" if role == Timestamp.type else f"{md.signed.version}.{role}.json"
        write_atomic(self.metadata_dir / name, data)
        self._raw[role] = data

    @property
    def targets_infos(self) -> dict[str, MetaFile]:
        """Version and length of top-level targets and every bin."""
        roles = [Targets.type]
        if Targets.type in self._raw:
            roles.extend(self.bin_roles().get_roles())
        return {
            f"{r}.json": MetaFile(self.open(r).signed.version, length=len(self._raw[r]))
            for r in roles
            if r in self._raw
        }

    @property
    def snapshot_info(self) -> MetaFile:
        """Version and length of the current snapshot."""
        raw = self._raw[Snapshot.type]
        return MetaFile(Metadata.from_bytes(raw).signed.version, length=len(raw))

    def _signer(self, role: str) -> Signer:
        key_role = Targets.type if role not in (Snapshot.type, Timestamp.type) else role
        if key_role not in self._signers:
            self._signers[key_role] = load_online_signer(self.keys_dir, key_role, self.root())
        return self._signers[key_role]

    # ------------------------------------------------------------------ writing

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        """Exclusive access for a writer (other processes wait); re-reads the state."""
        self.fleet_dir.mkdir(parents=True, exist_ok=True)
        with open(self.fleet_dir / "repository.lock", "a+b") as lock:
            fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
            try:
                self.reload()
                yield
            finally:
                fcntl.flock(lock.fileno(), fcntl.LOCK_UN)

    def initialize(self) -> None:
        """Creates targets, bins, snapshot and timestamp v1 from the installed root.

        Call under :meth:`locked`. Does nothing if the repository exists.
        """
        if self.initialized:
            return
        if not self._root_versions():
            bootstrap = self.keys_dir / "root.json"
            if not bootstrap.exists():
                raise RepositoryNotReady(
                    f"no {bootstrap}: run `center keys init --out DIR` then "
                    "`center keys install DIR`"
                )
            raw = bootstrap.read_bytes()
            root_md = Metadata[Root].from_bytes(raw)
            root = root_md.signed
            root.verify_delegate(Root.type, root_md.signed_bytes, root_md.signatures)
            if not root.consistent_snapshot:
                raise ValueError("the fleet repository needs a root with consistent_snapshot")
            write_atomic(self.metadata_dir / f"{root.version}.root.json", raw)
            self._raw[Root.type] = raw
        root = self.root()
        targets_key = root.keys[root.roles[Targets.type].keyids[0]]
        with self.edit_targets() as targets:
            targets.delegations = Delegations(
                keys={targets_key.keyid: targets_key},
                succinct_roles=SuccinctRoles(
                    [targets_key.keyid], 1, self.policy.bins.bit_length, BIN_PREFIX
                ),
            )
        for role in self.bin_roles().get_roles():
            with self.edit_targets(role):
                pass
        self.do_snapshot(force=True)
        self.do_timestamp(force=True)
        log.info("fleet repository created in %s", self.repo_dir)

    def put_target(
        self, path: str, data: bytes, custom: dict[str, Any] | None = None
    ) -> TargetFile:
        """Writes ``data`` as target ``path`` and signs it into its role (no snapshot yet).

        Call under :meth:`locked`, then :meth:`commit`.
        """
        target = TargetFile.from_data(path, data, ["sha256"])
        if custom:
            target.unrecognized_fields["custom"] = custom
        write_atomic(self.target_file(target), data)
        with self.edit_targets(self.role_for(path)) as targets:
            targets.targets[path] = target
        return target

    def remove_target(self, path: str) -> bool:
        """Removes target ``path`` from its role; returns whether it existed."""
        if self.target(path) is None:
            return False
        with self.edit_targets(self.role_for(path)) as targets:
            del targets.targets[path]
        return True

    def commit(self) -> None:
        """Signs a new snapshot and timestamp covering the targets changed so far."""
        self.do_snapshot()
        self.do_timestamp()

    def renew_root(self, root_key_files: list[Path]) -> int:
        """Signs a new root version (same keys, fresh expiry) with offline root keys.

        Call under :meth:`locked`. Kiosks find ``N+1.root.json`` on their next poll and
        trust it because the current root's threshold of keys signed it. Returns N+1.
        """
        if Root.type not in self._raw:
            raise RepositoryNotReady("no root to renew")
        md = Metadata[Root].from_bytes(self._raw[Root.type])
        root = md.signed
        root.version += 1
        root.expires = self.now() + self.policy.lifetime(Root.type)
        md.signatures.clear()
        for path in root_key_files:
            private = load_pem_private_key(path.read_bytes(), None)
            for keyid in root.roles[Root.type].keyids:
                key = root.keys[keyid]
                try:
                    md.sign(CryptoSigner(private, key), append=True)  # type: ignore[arg-type]
                    break
                except Exception:  # another root key: try the next
                    continue
            else:
                raise ValueError(f"{path} is not one of the root keys")
        root.verify_delegate(Root.type, md.signed_bytes, md.signatures)  # threshold met?
        data = md.to_bytes(JSONSerializer(compact=False))
        write_atomic(self.metadata_dir / f"{root.version}.root.json", data)
        self._raw[Root.type] = data
        self._signers.clear()
        return root.version

    def refresh(self) -> list[str]:
        """Re-signs the timestamp, and any online role whose expiry is near (see policy).

        Call under :meth:`locked`. Returns the roles re-signed.
        """
        now = self.now()
        renewed: list[str] = []
        for role in [Targets.type, *self.bin_roles().get_roles()]:
            if self.targets(role).expires - now < self.policy.renew_before(role):
                with self.edit_targets(role):
                    pass
                renewed.append(role)
        snapshot_due = self.snapshot().expires - now < self.policy.renew_before(Snapshot.type)
        made, _ = self.do_snapshot(force=snapshot_due)
        if made:
            renewed.append(Snapshot.type)
        self.do_timestamp(force=True)
        renewed.append(Timestamp.type)
        return renewed


def describe_target(target: TargetFile) -> dict[str, Any]:
    """A target's path, length, hash and custom fields, for people."""
    return {
        "path": target.path,
        "length": target.length,
        "sha256": target.hashes.get("sha256", ""),
        "custom": json.loads(json.dumps(target.custom)) if target.custom else {},
    }
