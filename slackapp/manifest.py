"""What the app asks Slack for. app_manifest.yml must agree (a test checks it)."""

from slackapp import ids

BOT_SCOPES = (
    "chat:write",       # DMs and in-place card updates
    "commands",         # /coach
    "dnd:read",         # never nudge during do-not-disturb
    "im:history",       # find a message we already sent (crash-safe delivery)
    "im:write",         # open the DM with a person
    "users:read",       # time zone, deactivation
    "users:read.email", # match calendar organisers and CSV imports to people
)
EVENTS = ("app_home_opened", "app_uninstalled", "tokens_revoked")
COMMANDS = ("/coach",)
SHORTCUTS = (ids.SHORTCUT_MICRO_ASSIGNMENT,)  # message shortcut "Turn into a micro-assignment"
