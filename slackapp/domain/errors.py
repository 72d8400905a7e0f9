"""Typed domain errors. One error handler maps them to what the person sees."""


class FlowcoachError(Exception):
    """An error whose message is safe and useful to show to the person who caused it."""

    def __init__(self, user_message: str) -> None:
        super().__init__(user_message)
        self.user_message = user_message


class InvalidInput(FlowcoachError):
    pass


class PermissionDenied(FlowcoachError):
    pass


class NotFound(FlowcoachError):
    pass


class AlreadyDone(FlowcoachError):
    pass
