"""The fleet's operator commands, added to the ``center`` command line::

    center keys init --out DIR           # root keys (offline) + online keys + root.json
    center keys install DIR              # bootstrap root + online keys into the center
    center keys renew-root --root-key F  # a new root version before root expires (offline keys)
    center fleet publish FILE --to all|group:NAME|kiosk:ID [--note TEXT] [--media F ...]
    center fleet retract --to AUDIENCE   # kiosks drop that document
    center fleet timestamp               # re-sign timestamp (+ anything near expiry): cron
    center fleet status [--silent-after S] [--json]
    center fleet operator add NAME       # a token for GET /v1/fleet/status and /alarms
    center fleet operator list | remove NAME | disable NAME | enable NAME

Exit codes: 0 done, 2 bad input, 3 the document was refused (nothing signed), 4 the
repository is not set up (no keys installed).
"""

from __future__ import annotations

import argparse
import functools
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from center.auth import TerminalRegistry, open_callers
from center.data_dir import data_dir_of
from center.database import open_engine
from center.fleet.keys import init_keys, install_keys
from center.fleet.policy import POLICY_FILE, FleetPolicy
from center.fleet.publish import load_document_file, publish, retract
from center.fleet.registry import open_heartbeats
from center.fleet.repository import FleetRepository, RepositoryNotReady
from center.fleet.service import FleetService
from center.fleet.status import format_status, status_json
from center.registry_cli import add_registry_commands, callers_of
from kiosk.fleet.document import Audience, DocumentRejected


def _fleet_dir(args: argparse.Namespace) -> Path:
    return data_dir_of(args) / "fleet"


@contextmanager
def _fleet_service(args: argparse.Namespace, policy: FleetPolicy) -> Iterator[FleetService]:
    """The fleet as the center's app servers see it: heartbeats and callers in the
    center's database (``--terminals FILE`` for a JSON registry of terminals)."""
    data_dir = data_dir_of(args)
    engine = open_engine(data_dir)
    try:
        terminals = (
            TerminalRegistry(args.terminals) if args.terminals else open_callers(engine, data_dir)
        )
        service = FleetService(
            _fleet_dir(args),
            terminals=terminals,
            policy=policy,
            heartbeats=open_heartbeats(engine),
            operators=open_callers(engine, data_dir, "operator"),
        )
        try:
            yield service
        finally:
            service.close()
    finally:
        engine.close()


def _policy(args: argparse.Namespace) -> FleetPolicy:
    return FleetPolicy.load(args.policy)


FleetCommand = Callable[[argparse.Namespace], int]


def _needs_repository(command: FleetCommand) -> FleetCommand:
    """Runs a command that signs; a repository with no keys installed exits 4, saying so."""

    @functools.wraps(command)
    def run(args: argparse.Namespace) -> int:
        try:
            return command(args)
        except RepositoryNotReady as e:
            print(str(e), file=sys.stderr)
            return 4

    return run


def add_fleet_commands(sub: Any) -> None:
    """Adds ``keys`` and ``fleet`` to the center's subcommands (``add_subparsers()``)."""
    keys = sub.add_parser("keys", help="fleet signing keys")
    ksub = keys.add_subparsers(dest="action", required=True, metavar="ACTION")
    init = ksub.add_parser("init", help="make root (offline) and online keys, and root.json")
    init.add_argument("--out", type=Path, required=True, help="a new, empty folder")
    init.add_argument("--policy", type=Path, default=POLICY_FILE)
    init.set_defaults(func=cmd_keys_init)
    inst = ksub.add_parser("install", help="install root.json and the online keys here")
    inst.add_argument("keys_dir", type=Path, help="the folder `keys init` wrote")
    inst.set_defaults(func=cmd_keys_install)

    renew = ksub.add_parser("renew-root", help="sign a new root version with offline keys")
    renew.add_argument(
        "--root-key",
        type=Path,
        action="append",
        required=True,
        help="an offline root key (PEM); repeat up to the threshold",
    )
    renew.add_argument("--policy", type=Path, default=POLICY_FILE)
    renew.set_defaults(func=_needs_repository(cmd_renew_root))

    fleet = sub.add_parser("fleet", help="publish configuration, see the fleet")
    fsub = fleet.add_subparsers(dest="action", required=True, metavar="ACTION")
    pub = fsub.add_parser("publish", help="check and sign a configuration document")
    pub.add_argument("file", type=Path, help="TOML or JSON, shaped like a site file")
    pub.add_argument("--to", required=True, help="all | group:NAME | kiosk:ID")
    pub.add_argument("--note", default="", help="why (shown in the document)")
    pub.add_argument("--media", type=Path, action="append", default=[], help="a media file")
    pub.add_argument("--policy", type=Path, default=POLICY_FILE)
    pub.set_defaults(func=_needs_repository(cmd_publish))
    ret = fsub.add_parser("retract", help="remove an audience's document")
    ret.add_argument("--to", required=True, help="all | group:NAME | kiosk:ID")
    ret.add_argument("--policy", type=Path, default=POLICY_FILE)
    ret.set_defaults(func=_needs_repository(cmd_retract))
    ts = fsub.add_parser("timestamp", help="re-sign timestamp and whatever nears expiry")
    ts.add_argument("--policy", type=Path, default=POLICY_FILE)
    ts.set_defaults(func=_needs_repository(cmd_timestamp))
    st = fsub.add_parser("status", help="every terminal: converged? silent? alarms")
    st.add_argument("--silent-after", type=float, default=None, help="seconds (default 300)")
    st.add_argument("--json", action="store_true", help="machine-readable")
    st.add_argument("--policy", type=Path, default=POLICY_FILE)
    st.set_defaults(func=cmd_status)
    op = fsub.add_parser("operator", help="operator tokens for the status API")
    add_registry_commands(op, "operator", callers_of("operator"), dest="op_action")


def cmd_keys_init(args: argparse.Namespace) -> int:
    """Makes the keys; prints what to do with them."""
    made = init_keys(args.out, _policy(args))
    print((made.out / "README.txt").read_text(encoding="utf-8"))
    print(f"root keys (MOVE OFFLINE): {', '.join(str(p) for p in made.root_keys)}")
    print(f"next: center --data-dir {data_dir_of(args)} keys install {made.out}")
    return 0


def cmd_keys_install(args: argparse.Namespace) -> int:
    """Installs the bootstrap root and online keys into the center's data directory."""
    copied = install_keys(args.keys_dir, _fleet_dir(args))
    for path in copied:
        print(f"installed {path}")
    print("now delete the online/*.pem copies and move offline-root/ off this machine")
    return 0


def cmd_renew_root(args: argparse.Namespace) -> int:
    """Renews root before it expires (the offline keys are needed for this only)."""
    repo = FleetRepository(_fleet_dir(args), policy=_policy(args))
    with repo.locked():
        version = repo.renew_root(args.root_key)
    print(f"root v{version} signed, expires {repo.root().expires.isoformat()}")
    print("take the root keys offline again")
    return 0


def cmd_publish(args: argparse.Namespace) -> int:
    """Checks the document, then signs it for its audience."""
    audience = Audience.parse(args.to)
    try:
        config = load_document_file(args.file)
    except OSError as e:
        print(f"cannot read {args.file}: {e}", file=sys.stderr)
        return 2
    repo = FleetRepository(_fleet_dir(args), policy=_policy(args))
    group = None
    if audience.kind == "kiosk":
        with _fleet_service(args, repo.policy) as service:
            rec = service.heartbeats.all().get(audience.name)
        group = rec.heartbeat.group if rec else None
    try:
        result = publish(
            repo, audience, config, note=args.note, media=args.media, kiosk_group=group
        )
    except DocumentRejected as e:
        print(f"refused, nothing signed: the document {e.reason}", file=sys.stderr)
        for p in e.problems:
            print(f"  {p}", file=sys.stderr)
        return 3
    print(
        f"published {result.path} version {result.version} for {result.audience} "
        f"(sha256 {result.sha256[:16]}…, timestamp v{result.timestamp_version})"
    )
    for combo in result.checked_with:
        print(f"  checked: {combo}")
    for m in result.media:
        print(f"  media: {m}")
    return 0


def cmd_retract(args: argparse.Namespace) -> int:
    """Removes an audience's document."""
    audience = Audience.parse(args.to)
    removed = retract(FleetRepository(_fleet_dir(args), policy=_policy(args)), audience)
    print(f"retracted {audience}" if removed else f"nothing published for {audience}")
    return 0


def cmd_timestamp(args: argparse.Namespace) -> int:
    """Re-signs the timestamp (and online roles near expiry); for a scheduler."""
    repo = FleetRepository(_fleet_dir(args), policy=_policy(args))
    with repo.locked():
        repo.initialize()
        renewed = repo.refresh()
    print(f"re-signed: {', '.join(renewed)}")
    now = datetime.now(UTC)
    for exp in repo.expiries():
        left = (exp.expires - now).total_seconds() / 86400
        when = exp.expires.isoformat()
        print(f"  {exp.role:<10} v{exp.version:<5} expires {when} ({left:.1f} days)")
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    """Prints every terminal, convergence, silence, expiries and alarms."""
    with _fleet_service(args, _policy(args)) as service:
        status = service.status(args.silent_after)
    if args.json:
        print(json.dumps(status_json(status), ensure_ascii=False, indent=2))
    else:
        print(format_status(status))
    return 0
