"""What a caller presents, as FastAPI dependencies: ``Authorization: Bearer <token>`` with
``X-Terminal-Id`` (a kiosk) or ``X-Operator-Id`` (an operator).

Each dependency answers the caller's id or raises :class:`~center.auth.AuthFailure`, which
the app's handlers answer with 401 or 403.
"""

# No `from __future__ import annotations`: FastAPI reads dependency annotations at run time.
from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from center.auth import AuthFailure, TerminalRegistry

Caller = Callable[..., Awaitable[str]]
"""A dependency that answers the authenticated caller's id."""

bearer = HTTPBearer(auto_error=False, description="A terminal's or an operator's token")
# Named schemes: two APIKeyHeaders under the default name would share one OpenAPI entry.
terminal_header = APIKeyHeader(
    name="X-Terminal-Id", scheme_name="TerminalId", auto_error=False, description="Terminal id"
)
operator_header = APIKeyHeader(
    name="X-Operator-Id", scheme_name="OperatorId", auto_error=False, description="Operator name"
)

Bearer = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]


def _token(credentials: HTTPAuthorizationCredentials | None) -> str | None:
    return credentials.credentials if credentials is not None else None


def terminal_caller(registry: TerminalRegistry) -> Caller:
    """The dependency that admits the terminals of ``registry``; answers the terminal id."""

    async def terminal(
        credentials: Bearer, terminal_id: Annotated[str | None, Depends(terminal_header)]
    ) -> str:
        return registry.authenticate(terminal_id, _token(credentials))

    return terminal


def operator_caller(operators: TerminalRegistry) -> Caller:
    """The dependency that admits the operators of ``operators``; answers the operator."""

    async def operator(
        credentials: Bearer, operator_id: Annotated[str | None, Depends(operator_header)]
    ) -> str:
        token = _token(credentials)
        if not operator_id or not token:
            raise AuthFailure(401, "auth.missing", "needs Authorization: Bearer and X-Operator-Id")
        return operators.authenticate(operator_id, token)

    return operator
