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

# Calendar connection (`/coach calendar`, Home tab)
CALENDAR_MODAL = "fc_calendar_modal"            # callback_id of the connect modal
CALENDAR_URL_BLOCK = "fc_calendar_url_block"
CALENDAR_URL_INPUT = "fc_calendar_url"
CALENDAR_DISCONNECT = "fc_calendar_disconnect"
CALENDAR_OPEN = "fc_calendar_open"              # Home tab button that opens the modal

# Prep nudge (before a moment) and reflection prompt (after it)
PREP_OPEN_GUIDE = "fc_prep_open_guide"
PREP_NOT_HELPFUL = "fc_prep_not_helpful"
NUDGE_SNOOZE = "fc_nudge_snooze"                # static_select: minutes as the option value
MUTE_SERIES = "fc_mute_series"
GUIDE_MODAL = "fc_guide_modal"
REFLECT_OPEN = "fc_reflect_open"
REFLECT_SKIP = "fc_reflect_skip"
REFLECTION_MODAL = "fc_reflection_modal"        # callback_id; private_metadata carries the delivery key
REFLECTION_SHARE_BLOCK = "fc_reflection_share_block"
REFLECTION_SHARE = "fc_reflection_share"

# Preferences (Home tab): working hours, nudge types, "why did I get this"
PREFS_OPEN_HOURS = "fc_prefs_open_hours"
HOURS_MODAL = "fc_hours_modal"
HOURS_DAYS_BLOCK = "fc_hours_days_block"
HOURS_DAYS = "fc_hours_days"
HOURS_START_BLOCK = "fc_hours_start_block"
HOURS_START = "fc_hours_start"
HOURS_END_BLOCK = "fc_hours_end_block"
HOURS_END = "fc_hours_end"
PREFS_TOGGLE_KIND = "fc_prefs_toggle_kind"      # checkboxes of nudge kinds on the Home tab
WHY_THIS = "fc_why_this"                        # overflow/button on nudges: explain the decision
