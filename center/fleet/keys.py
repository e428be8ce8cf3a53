"""Signing keys of the fleet repository: offline root keys, online role keys.

``center keys init --out DIR`` makes every key and the first (bootstrap) ``root.json``::

    DIR/README.txt             what to do with each file
    DIR/root.json              the bootstrap root: ship it in every kiosk image, install it
                               on the center
    DIR/offline-root/*.pem     the root private keys: move them OFF this machine (they sign
                               new roots only: key rotation, root renewal)
    DIR/online/<role>.pem      targets, snapshot and timestamp keys: they live on the center
                               (``<center data>/fleet/keys/``) and sign every publish

Keys are Ed25519, stored as unencrypted PKCS#8 PEM files with mode 0600 in 0700 folders:
protect the center's disk (and keep the root keys offline) accordingly.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from cryptography.hazmat.primitives.serialization import load_pem_private_key
from securesystemslib.signer import CryptoSigner, Signer  # type: ignore[attr-defined]  # re-exported without __all__
from tuf.api.metadata import Metadata, Root  # type: ignore[attr-defined]  # re-exported without __all__
from tuf.api.serialization.json import JSONSerializer

from center.fleet.clock import utc_now
from center.fleet.policy import FleetPolicy
from kiosk.platform.atomic_file import write_atomic

ONLINE_ROLES = ("targets", "snapshot", "timestamp")

_README = """\
Fleet repository keys, made {made} by `center keys init`.

  root.json          The bootstrap root (version 1, expires {expires}).
                     1. Install it on the center:  center keys install {out}
                        (or copy it to <center data>/fleet/keys/root.json).
                     2. Ship it in every kiosk image at the path of `fleet.trusted_root`
                        (default /etc/kiosk/fleet-root.json). Kiosks trust nothing else.

  online/*.pem       Private keys of the online roles (targets, snapshot, timestamp). They
                     sign every publish and the scheduled timestamp, so they live on the
                     center: `center keys install` copies them to <center data>/fleet/keys/.
                     Delete them from this folder afterwards.

  offline-root/*.pem The ROOT private keys ({threshold} of {count} needed to sign a new root).
                     MOVE THEM OFF THIS MACHINE NOW: to encrypted USB sticks kept apart, in a
                     safe. Whoever holds them can replace every key of the fleet. They are
                     needed only to rotate a key or to renew root before it expires (the
                     `metadata.root_expiring` alarm warns {alarm_days:.0f} days ahead).
"""


@dataclass(frozen=True)
class KeySet:
    """What ``init_keys`` wrote."""

    out: Path
    root_json: Path
    root_keys: tuple[Path, ...]
    online_keys: dict[str, Path]


def _write_private(path: Path, pem: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.parent.chmod(0o700)
    write_atomic(path, pem)
    path.chmod(0o600)


def init_keys(
    out: Path, policy: FleetPolicy | None = None, now: Callable[[], datetime] = utc_now
) -> KeySet:
    """Makes root and online keys and the signed bootstrap root in ``out`` (new or empty)."""
    policy = policy or FleetPolicy.load()
    if out.exists() and any(out.iterdir()):
        raise ValueError(f"{out} is not empty: refusing to overwrite keys")
    out.mkdir(parents=True, exist_ok=True)
    out.chmod(0o700)
    made = now()
    root_signers = [CryptoSigner.generate_ed25519() for _ in range(policy.root.keys)]
    online = {role: CryptoSigner.generate_ed25519() for role in ONLINE_ROLES}
    root = Root(version=1, expires=made + policy.lifetime("root"), consistent_snapshot=True)
    for signer in root_signers:
        root.add_key(signer.public_key, Root.type)
    root.roles[Root.type].threshold = policy.root.threshold
    for role, signer in online.items():
        root.add_key(signer.public_key, role)
    md = Metadata(root)
    for signer in root_signers:
        md.sign(signer, append=True)
    root_json = out / "root.json"
    write_atomic(root_json, md.to_bytes(JSONSerializer(compact=False)))
    root_paths = []
    for i, signer in enumerate(root_signers, 1):
        path = out / "offline-root" / f"root-{i}-{signer.public_key.keyid[:12]}.pem"
        _write_private(path, signer.private_bytes)
        root_paths.append(path)
    online_paths = {}
    for role, signer in online.items():
        path = out / "online" / f"{role}.pem"
        _write_private(path, signer.private_bytes)
        online_paths[role] = path
    (out / "README.txt").write_text(
        _README.format(
            made=made.isoformat(timespec="seconds"),
            expires=root.expires.isoformat(),
            out=out,
            threshold=policy.root.threshold,
            count=policy.root.keys,
            alarm_days=policy.root.alarm_days,
        ),
        encoding="utf-8",
    )
    return KeySet(out, root_json, tuple(root_paths), online_paths)


def install_keys(keys_out: Path, fleet_dir: Path) -> list[Path]:
    """Copies the bootstrap root and the online keys of ``keys_out`` into ``fleet_dir/keys``.

    Never copies root private keys. Refuses to replace an installed root (a different root
    would orphan every kiosk that trusts the current one).
    """
    dest = fleet_dir / "keys"
    dest.mkdir(parents=True, exist_ok=True)
    dest.chmod(0o700)
    root_src = keys_out / "root.json"
    root_dst = dest / "root.json"
    if root_dst.exists() and root_dst.read_bytes() != root_src.read_bytes():
        raise ValueError(f"{root_dst} already holds another root: refusing to replace it")
    Metadata[Root].from_bytes(root_src.read_bytes())  # a readable root, or raise
    copied = [root_dst]
    shutil.copyfile(root_src, root_dst)
    for role in ONLINE_ROLES:
        src = keys_out / "online" / f"{role}.pem"
        _write_private(dest / f"{role}.pem", src.read_bytes())
        copied.append(dest / f"{role}.pem")
    return copied


def load_online_signer(keys_dir: Path, role: str, root: Root) -> Signer:
    """The signer of ``role`` from ``keys_dir/<role>.pem``, checked against ``root``'s key."""
    path = keys_dir / f"{role}.pem"
    private = load_pem_private_key(path.read_bytes(), None)
    keyids = root.roles[role].keyids
    for keyid in keyids:
        key = root.keys[keyid]
        try:
            return CryptoSigner(private, key)  # type: ignore[arg-type]
        except Exception:  # another key of the role: try the next
            continue
    raise ValueError(f"{path} is not a key of the {role} role in root v{root.version}")
