"""Every action_id, block_id and callback_id in one place: listeners and views share these."""

COMMAND = "/coach"

# Onboarding / preferences (welcome DM and Home tab)
OPT_IN = "fc_opt_in"
OPT_OUT = "fc_opt_out"
PAUSE_WEEK = "fc_pause_week"
RESUME = "fc_resume"
OPEN_HELP = "fc_open_help"

# Message shortcut (manifest callback id); the micro-assignment flow arrives in a later issue.
SHORTCUT_MICRO_ASSIGNMENT = "fc_turn_into_assignment"
SHORTCUT_COACH = "fc_coach_global"

# Message metadata event type carried by every proactive message.
DELIVERY_EVENT_TYPE = "flowcoach_delivery"
