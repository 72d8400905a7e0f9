"""The one error handler: typed domain errors become a clear ephemeral reply; the rest are logged."""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk.errors import SlackApiError

from slackapp.domain.errors import FlowcoachError

logger = logging.getLogger(__name__)
GENERIC = ("Sorry — something went wrong on our side and nothing was changed. "
           "Please try again in a minute; if it keeps happening, tell your Flowcoach admin.")


def user_message_for(error: Exception) -> str:
    if isinstance(error, FlowcoachError):
        return error.user_message
    if isinstance(error, SlackApiError) and error.response.get("error") == "expired_trigger_id":
        return "That took a little too long for Slack — please click the button again."
    return GENERIC


def handle_error(error: Exception, body: dict[str, Any], respond: Any, context: Any, client: Any) -> None:
    if not isinstance(error, FlowcoachError):
        logger.error("unhandled error in a listener: %s", type(error).__name__, exc_info=error)
    text = user_message_for(error)
    try:
        if body.get("response_url") or (body.get("response_urls") or []):
            respond(text=text, response_type="ephemeral", replace_original=False)
        elif context.user_id and context.channel_id:
            client.chat_postEphemeral(channel=context.channel_id, user=context.user_id, text=text)
    except Exception:  # the person could not be told; never raise from the error handler
        logger.warning("could not tell the person about an error", exc_info=True)
