"""auth.*, users.*, dnd.*, team.*, oauth.v2.access and apps.uninstall of the fake Slack Web API."""

from __future__ import annotations

import time
from typing import Any

from slackapp.emulator.api_request import ApiRequest, Handler, paginate
from slackapp.emulator.workspace_state import ApiError, OAuthConfig, UserRecord, WorkspaceState

NO_TOKEN_METHODS = frozenset({"oauth.v2.access", "oauth.access", "api.test"})


def _caller(state: WorkspaceState, request: ApiRequest) -> str:
    return state.token_users.get(request.token or "", state.bot_user_id)


def _target_user(state: WorkspaceState, request: ApiRequest, arg: str = "user") -> UserRecord:
    user_id = request.str_arg(arg) or _caller(state, request)
    return state.user(user_id)


def auth_test(state: WorkspaceState, request: ApiRequest) -> dict[str, Any]:
    user = state.user(_caller(state, request))
    body: dict[str, Any] = {
        "ok": True,
        "url": f"https://{state.team_domain}.slack.com/",
        "team": state.team_name,
        "user": user.name,
        "team_id": state.team_id,
        "user_id": user.id,
        "is_enterprise_install": False,
    }
    if user.is_bot:
        body.update(bot_id=state.bot_id, app_id=state.app_id)
    return body


def auth_revoke(state: WorkspaceState, request: ApiRequest) -> dict[str, Any]:
    if not request.bool_arg("test") and request.token:
        state.valid_tokens.discard(request.token)
        state.revoked_tokens.add(request.token)
    return {"ok": True, "revoked": not request.bool_arg("test")}


def api_test(state: WorkspaceState, request: ApiRequest) -> dict[str, Any]:
    return {"ok": True, "args": {k: v for k, v in request.args.items() if k != "token"}}


def users_info(state: WorkspaceState, request: ApiRequest) -> dict[str, Any]:
    """Deleted users come back with ``deleted: true`` (and, like Slack, without tz fields)."""
    return {"ok": True, "user": state.user_json(state.user(request.str_arg("user")))}


def users_lookup_by_email(state: WorkspaceState, request: ApiRequest) -> dict[str, Any]:
    email = (request.str_arg("email") or "").lower()
    for user in state.users.values():
        if email and user.email is not None and user.email.lower() == email:
            return {"ok": True, "user": state.user_json(user)}
    raise ApiError("users_not_found")


def users_profile_get(state: WorkspaceState, request: ApiRequest) -> dict[str, Any]:
    return {"ok": True, "profile": state.user_json(_target_user(state, request))["profile"]}


def users_list(state: WorkspaceState, request: ApiRequest) -> dict[str, Any]:
    members = [state.user_json(u) for u in sorted(state.users.values(), key=lambda u: u.id)]
    page, next_cursor = paginate(members, request, default_limit=200, max_limit=1000)
    return {
        "ok": True,
        "members": page,
        "cache_ts": int(time.time()),
        "response_metadata": {"next_cursor": next_cursor},
    }


def dnd_info(state: WorkspaceState, request: ApiRequest) -> dict[str, Any]:
    """Slack answers ``next_dnd_*_ts: 1`` when no DND window is scheduled; snooze_* only while snoozed."""
    dnd = _target_user(state, request).dnd
    body: dict[str, Any] = {
        "ok": True,
        "dnd_enabled": dnd.dnd_enabled,
        "next_dnd_start_ts": dnd.next_dnd_start_ts if dnd.next_dnd_start_ts is not None else 1,
        "next_dnd_end_ts": dnd.next_dnd_end_ts if dnd.next_dnd_end_ts is not None else 1,
        "snooze_enabled": dnd.snooze_enabled,
    }
    if dnd.snooze_enabled:
        endtime = dnd.snooze_endtime or 0
        body.update(snooze_endtime=endtime, snooze_remaining=max(0, endtime - int(time.time())))
    return body


def team_info(state: WorkspaceState, request: ApiRequest) -> dict[str, Any]:
    team = request.str_arg("team")
    if team is not None and team != state.team_id:
        raise ApiError("team_not_found")
    return {
        "ok": True,
        "team": {
            "id": state.team_id,
            "name": state.team_name,
            "domain": state.team_domain,
            "email_domain": "",
            "url": f"https://{state.team_domain}.slack.com/",
            "icon": {"image_default": True},
            "is_verified": False,
        },
    }


def _client_credentials(request: ApiRequest) -> tuple[str | None, str | None]:
    if request.basic_auth is not None:
        return request.basic_auth
    return request.str_arg("client_id"), request.str_arg("client_secret")


def _check_client(state: WorkspaceState, request: ApiRequest) -> OAuthConfig:
    client_id, client_secret = _client_credentials(request)
    config = state.oauth
    if config is None or client_id != config.client_id:
        raise ApiError("invalid_client_id")
    if client_secret != config.client_secret:
        raise ApiError("bad_client_secret")
    return config


def oauth_v2_access(state: WorkspaceState, request: ApiRequest) -> dict[str, Any]:
    """Exchange a one-time ``code`` (from ``FakeSlack.set_oauth``) for a bot token."""
    config = _check_client(state, request)
    code = request.str_arg("code")
    if code is None or code not in config.codes:
        raise ApiError("invalid_code")
    redirect_uri = request.str_arg("redirect_uri")
    if config.redirect_uri is not None and redirect_uri is not None and redirect_uri != config.redirect_uri:
        raise ApiError("bad_redirect_uri")
    config.codes.discard(code)
    state.valid_tokens.add(config.access_token)
    state.revoked_tokens.discard(config.access_token)
    authed_user: dict[str, Any] = {"id": config.installer_user_id}
    if config.user_scope:
        user_token = f"xoxp-{state.team_id}-{config.installer_user_id}"
        state.valid_tokens.add(user_token)
        state.token_users[user_token] = config.installer_user_id
        authed_user.update(scope=config.user_scope, access_token=user_token, token_type="user")
    return {
        "ok": True,
        "app_id": state.app_id,
        "authed_user": authed_user,
        "scope": config.scope,
        "token_type": "bot",
        "access_token": config.access_token,
        "bot_user_id": state.bot_user_id,
        "team": {"id": state.team_id, "name": state.team_name},
        "enterprise": None,
        "is_enterprise_install": False,
    }


def apps_uninstall(state: WorkspaceState, request: ApiRequest) -> dict[str, Any]:
    _check_client(state, request)
    if request.token:
        state.valid_tokens.discard(request.token)
        state.revoked_tokens.add(request.token)
    return {"ok": True}


IDENTITY_HANDLERS: dict[str, Handler] = {
    "api.test": api_test,
    "auth.test": auth_test,
    "auth.revoke": auth_revoke,
    "users.info": users_info,
    "users.lookupByEmail": users_lookup_by_email,
    "users.profile.get": users_profile_get,
    "users.list": users_list,
    "dnd.info": dnd_info,
    "team.info": team_info,
    "oauth.v2.access": oauth_v2_access,
    "apps.uninstall": apps_uninstall,
}
