"""One verified look at the fleet repository, through python-tuf's ``ngclient.Updater``.

A new ``Updater`` is made for every poll (its trusted state is for one refresh only), with
the bootstrap root shipped with the install as its trust anchor and the metadata cache in
the kiosk's data directory. Nothing leaves this module that TUF has not verified: signatures
and thresholds, versions (no rollback), expiry (no freeze), snapshot consistency (no
mix-and-match), and each target's length and hashes (no tampering).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from tuf.api import exceptions
from tuf.ngclient.config import UpdaterConfig
from tuf.ngclient.fetcher import FetcherInterface
from tuf.ngclient.updater import Updater

from kiosk import __version__
from kiosk.fleet.document import Audience
from kiosk.platform.atomic_file import write_atomic

log = logging.getLogger(__name__)


class Unreachable(Exception):
    """The repository could not be read (network, server, missing file): try again later."""


class VerificationFailed(Exception):
    """TUF refused what the repository served: tampering, rollback, expiry, bad signatures."""


@dataclass(frozen=True)
class VerifiedDocument:
    """A configuration document's verified bytes and the version its signed metadata names."""

    audience: Audience
    version: int
    data: bytes


@dataclass(frozen=True)
class VerifiedView:
    """What one poll verified: the documents present for the terminal's audiences."""

    documents: dict[Audience, VerifiedDocument]
    timestamp_version: int

    @property
    def versions(self) -> dict[str, int]:
        """Audience -> document version."""
        return {str(a): d.version for a, d in self.documents.items()}


def classify(error: BaseException) -> Exception:
    """A TUF error as :class:`Unreachable` or :class:`VerificationFailed`."""
    if isinstance(error, exceptions.DownloadLengthMismatchError):
        return VerificationFailed(f"a download exceeded its signed length: {error}")
    if isinstance(error, exceptions.RepositoryError):
        what = {
            exceptions.ExpiredMetadataError: "expired metadata",
            exceptions.BadVersionNumberError: "rollback (older version than already trusted)",
            exceptions.UnsignedMetadataError: "bad or missing signatures",
            exceptions.LengthOrHashMismatchError: "content does not match its signed hash",
        }
        label = next((v for k, v in what.items() if isinstance(error, k)), "invalid metadata")
        return VerificationFailed(f"{label}: {type(error).__name__}: {error}")
    if isinstance(error, exceptions.DownloadHTTPError):
        return Unreachable(f"HTTP {error.status_code}: {error}")
    if isinstance(error, exceptions.DownloadError):
        cause = error.__cause__
        detail = f"{error}" + (f" ({type(cause).__name__})" if cause else "")
        return Unreachable(detail)
    return Unreachable(f"{type(error).__name__}: {error}")


class TufClient:
    """Reads the repository for one terminal.

    Args:
        metadata_url, targets_url: the repository's bases.
        cache_dir: ``<data dir>/fleet/tuf`` (metadata and targets caches).
        bootstrap: the trusted root's bytes.
        fetcher: shared across polls (connection reuse, conditional requests).
    """

    def __init__(
        self,
        metadata_url: str,
        targets_url: str,
        cache_dir: Path,
        bootstrap: bytes,
        fetcher: FetcherInterface,
    ) -> None:
        self.metadata_url = metadata_url
        self.targets_url = targets_url
        self.metadata_dir = cache_dir / "metadata"
        self.targets_dir = cache_dir / "targets"
        self.bootstrap = bootstrap
        self.fetcher = fetcher
        self.config = UpdaterConfig(app_user_agent=f"governance-kiosk/{__version__}")
        self._updater: Updater | None = None

    def _new_updater(self) -> Updater:
        self.metadata_dir.mkdir(parents=True, exist_ok=True)
        self.targets_dir.mkdir(parents=True, exist_ok=True)
        return Updater(
            metadata_dir=str(self.metadata_dir),
            metadata_base_url=self.metadata_url,
            target_dir=str(self.targets_dir),
            target_base_url=self.targets_url,
            fetcher=self.fetcher,
            config=self.config,
            bootstrap=self.bootstrap,
        )

    def fetch(self, audiences: list[Audience]) -> VerifiedView:
        """Refreshes metadata and downloads (or reuses) each audience's document.

        Raises :class:`Unreachable` or :class:`VerificationFailed`.
        """
        try:
            updater = self._new_updater()
            updater.refresh()
            docs: dict[Audience, VerifiedDocument] = {}
            for audience in audiences:
                info = updater.get_targetinfo(audience.target_path)
                if info is None:
                    continue
                path = updater.find_cached_target(info) or updater.download_target(info)
                custom = info.custom if isinstance(info.custom, dict) else {}
                version = int(custom.get("version", 0))
                docs[audience] = VerifiedDocument(audience, version, Path(path).read_bytes())
            ts_version = updater._trusted_set.timestamp.version
        except (exceptions.RepositoryError, exceptions.DownloadError) as e:
            raise classify(e) from e
        except (OSError, ValueError) as e:
            raise Unreachable(f"{type(e).__name__}: {e}") from e
        self._updater = updater
        return VerifiedView(docs, ts_version)

    def fetch_media(self, paths: list[str], dest: Path) -> list[Path]:
        """Verified media of the last :meth:`fetch` into ``dest`` (named by content hash).

        Raises :class:`Unreachable` or :class:`VerificationFailed` (also for a medium the
        signed metadata does not list).
        """
        updater = self._updater
        if updater is None:
            raise Unreachable("no verified view yet")
        out = []
        try:
            for path in paths:
                name = path.rpartition("/")[2]
                final = dest / name
                info = updater.get_targetinfo(path)
                if info is None:
                    raise VerificationFailed(f"{path} is not a signed target")
                if updater.find_cached_target(info, str(final)) is None:
                    tmp = updater.download_target(info)
                    write_atomic(final, Path(tmp).read_bytes())
                    Path(tmp).unlink(missing_ok=True)
                out.append(final)
        except (exceptions.RepositoryError, exceptions.DownloadError) as e:
            raise classify(e) from e
        except OSError as e:
            raise Unreachable(f"{type(e).__name__}: {e}") from e
        return out
